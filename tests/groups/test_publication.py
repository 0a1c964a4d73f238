"""Groups stay hidden until published; then each member is told once, and told again only when moved."""

import pytest
from django.core import mail

from cohorts.models import Enrolment
from groups import services
from groups.models import Membership
from groups.rules import groups_are_published
from tests.factories import EnrolmentFactory, GroupFactory

S = Enrolment.Status

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def groups(edition):
    first = GroupFactory(edition=edition, name="Gouvernement")
    return first, GroupFactory(edition=edition, stakeholder_type=first.stakeholder_type, name="Gouvernement B")


def members(edition, group, organiser, count=2):
    people = [EnrolmentFactory(edition=edition, status=S.ACTIVE).user for _ in range(count)]
    services.place(edition, [person.pk for person in people], group.pk, by=organiser)
    return people


def test_nobody_is_emailed_before_the_groups_are_published(edition, organiser, groups):
    members(edition, groups[0], organiser)

    assert mail.outbox == []
    assert not groups_are_published(edition)


def test_publishing_emails_each_member_their_group_once(edition, organiser, groups):
    people = members(edition, groups[0], organiser)

    services.publish(edition, by=organiser)
    services.publish(edition, by=organiser)
    services.send_group_news(edition.pk)

    assert sorted(message.to[0] for message in mail.outbox) == sorted(person.email for person in people)
    assert "Gouvernement" in mail.outbox[0].subject
    assert "/editions/malisig-2023/mon-groupe/" in mail.outbox[0].body


def test_a_member_moved_after_publication_is_told_where_from_and_where_to(edition, organiser, groups):
    person, _ = members(edition, groups[0], organiser)
    services.publish(edition, by=organiser)
    mail.outbox.clear()

    services.place(edition, [person.pk], groups[1].pk, by=organiser)

    assert [message.to for message in mail.outbox] == [[person.email]]
    assert "Gouvernement B" in mail.outbox[0].body and "Gouvernement" in mail.outbox[0].body


def test_the_email_speaks_the_members_language(edition, organiser, groups):
    person, _ = members(edition, groups[0], organiser)
    person.preferred_language = "en"
    person.save()

    services.publish(edition, by=organiser)

    english = next(message for message in mail.outbox if message.to == [person.email])
    assert "your group is" in english.subject


def test_a_failed_send_is_retried_later_and_nothing_is_sent_twice(edition, organiser, groups, monkeypatch):
    people = members(edition, groups[0], organiser, count=3)
    from groups.services import publication

    calls = []

    def flaky(name, to, context, language=None):
        calls.append(to[0])
        if len(calls) == 2:
            raise OSError("SMTP down")
        mail.outbox.append(to[0])

    monkeypatch.setattr(publication, "send_templated_mail", flaky)
    services.unpublish(edition, by=organiser)
    from groups.models import Formation

    Formation.objects.filter(edition=edition).update(published_at="2023-09-01T10:00:00Z")
    with pytest.raises(OSError):
        services.send_group_news(edition.pk)
    services.send_group_news(edition.pk)
    services.send_group_news(edition.pk)

    assert sorted(mail.outbox) == sorted(person.email for person in people)
    assert Membership.objects.filter(notified_group__isnull=True).count() == 0


def test_unpublishing_hides_the_groups_again(edition, organiser, groups):
    services.publish(edition, by=organiser)
    services.unpublish(edition, by=organiser)

    assert not groups_are_published(edition)


def test_only_organisers_publish(edition, participant, groups):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.publish(edition, by=participant)
