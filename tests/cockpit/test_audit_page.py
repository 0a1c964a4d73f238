"""The edition's journal page: its entries only, newest first, filtered by who, kind, action, dates and name, with
each change as "field: before → after"; organisers and staff only; a constant number of queries."""

import datetime as dt

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Invitation
from groups.models import Group
from tests.conftest import speak
from tests.factories import GroupFactory, InvitationFactory, UserFactory


def journal_url(edition, **query):
    url = reverse("cockpit:audit_log", args=[edition.slug])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def shown(response) -> list[str]:
    """The object names of the rows, in order."""
    return [row.entry.object_repr for row in response.context["rows"]]


@pytest.fixture
def history(edition, other_edition, organiser, juror):
    """The organiser invites two people, the juror renames a group and gives it a mentor; the system revokes an
    invitation; in another edition, someone else invites a third person."""
    with set_actor(organiser):
        first = InvitationFactory(edition=edition, email="first@example.org")
        InvitationFactory(edition=edition, email="second@example.org")
    with set_actor(juror):
        group = GroupFactory(edition=edition, name="Gouvernement A")
        group.name, group.mentor = "Gouvernement B", UserFactory(first_name="Moussa", last_name="Sidibé")
        group.save()
    first.revoked_at = timezone.now()
    first.save()
    InvitationFactory(edition=other_edition, email="elsewhere@example.org")
    return {"invitation": first, "group": group}


def test_organisers_see_their_editions_entries_newest_first(client, edition, organiser, history):
    client.force_login(organiser)

    response = client.get(journal_url(edition))

    assert response.status_code == 200
    names = shown(response)
    assert names[0].startswith("first@example.org") and names[1] == "Gouvernement B"
    assert not any("elsewhere@example.org" in name for name in names)
    assert len(names) == LogEntry.objects.filter(additional_data__edition=edition.pk).count()


def test_a_change_shows_the_fields_verbose_name_and_readable_values(client, edition, organiser, history):
    client.force_login(organiser)
    speak(client, "en")

    response = client.get(journal_url(edition, kind=ContentType.objects.get_for_model(Group).pk, action=1))

    (row,) = response.context["rows"]
    changes = {change.label: (change.before, change.after) for change in row.changes}
    assert changes["Name"] == ("Gouvernement A", "Gouvernement B")
    assert changes["Mentor"] == ("—", "Moussa Sidibé")
    page = response.content.decode()
    assert "Gouvernement A → Gouvernement B" in page and "Jury member" not in page


def test_filter_by_who(client, edition, organiser, juror, history):
    client.force_login(organiser)

    by_organiser = shown(client.get(journal_url(edition, actor=organiser.pk)))
    by_juror = shown(client.get(journal_url(edition, actor=juror.pk)))
    by_system = client.get(journal_url(edition, actor="system")).context["rows"]

    assert sorted(name.split(" ")[0] for name in by_organiser) == ["first@example.org", "second@example.org"]
    assert by_juror == ["Gouvernement B", "Gouvernement A"]  # renamed, then created: newest first
    assert {row.entry.actor for row in by_system} == {None}  # the fixtures' roles, and the revoked invitation:
    assert "first@example.org" in [row.entry.object_repr.split(" ")[0] for row in by_system]


def test_the_who_filter_offers_the_editions_organisers_and_jury_only(client, edition, organiser, juror, participant):
    client.force_login(organiser)

    choices = dict(client.get(journal_url(edition)).context["form"].fields["actor"].choices)

    assert str(organiser.pk) in choices and str(juror.pk) in choices
    assert str(participant.pk) not in choices


def test_filter_by_kind_and_action(client, edition, organiser, history):
    client.force_login(organiser)
    invitations = ContentType.objects.get_for_model(Invitation).pk

    created = shown(client.get(journal_url(edition, kind=invitations, action=LogEntry.Action.CREATE)))
    changed = shown(client.get(journal_url(edition, kind=invitations, action=LogEntry.Action.UPDATE)))

    assert sorted(name.split(" ")[0] for name in created) == ["first@example.org", "second@example.org"]
    assert [name.split(" ")[0] for name in changed] == ["first@example.org"]


def test_filter_by_dates_and_name(client, edition, organiser, history):
    old = LogEntry.objects.get(object_repr__startswith="second@example.org")
    old.timestamp = timezone.now() - dt.timedelta(days=10)
    old.save()
    client.force_login(organiser)
    today = timezone.localdate()

    recent = shown(client.get(journal_url(edition, since=today.isoformat())))
    earlier = shown(client.get(journal_url(edition, until=(today - dt.timedelta(days=5)).isoformat())))
    named = shown(client.get(journal_url(edition, q="GOUVERNEMENT")))

    assert old.object_repr not in recent and len(recent) == len(shown(client.get(journal_url(edition)))) - 1
    assert earlier == [old.object_repr]
    assert named == ["Gouvernement B", "Gouvernement A"]


def test_a_period_ending_before_it_starts_is_explained_next_to_the_field(client, edition, organiser, history):
    client.force_login(organiser)
    speak(client, "en")

    response = client.get(journal_url(edition, since="2026-05-02", until="2026-05-01"))

    assert response.status_code == 200
    assert "must be on or after its start" in response.content.decode()
    assert response.context["form"].errors["until"]


def test_wrong_filter_values_are_ignored(client, edition, organiser, history):
    client.force_login(organiser)

    response = client.get(journal_url(edition, actor="nobody", kind="x", action="9", since="hier"))

    assert response.status_code == 200
    assert len(shown(response)) == LogEntry.objects.filter(additional_data__edition=edition.pk).count()


@pytest.mark.parametrize("persona", ["participant", "juror", "jury_chair", "other_organiser", "outsider"])
def test_others_may_not_read_the_journal(client, edition, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(journal_url(edition)).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, edition):
    response = client.get(journal_url(edition))

    assert response.status_code == 302 and "login" in response.url


def test_site_staff_read_any_editions_journal(client, edition, staff, history):
    client.force_login(staff)

    assert client.get(journal_url(edition)).status_code == 200


def test_an_unknown_edition_is_not_found(client, organiser):
    client.force_login(organiser)

    assert client.get(reverse("cockpit:audit_log", args=["nope"])).status_code == 404


def make_history(edition, actor, size):
    with set_actor(actor):
        for n in range(size):
            group = GroupFactory(edition=edition, name=f"Groupe {n}")
            group.mentor = UserFactory()
            group.save()
            InvitationFactory(edition=edition, email=f"person{n}@example.org")


@pytest.mark.parametrize("size", [2, 30])
def test_the_journal_reads_a_constant_number_of_queries(
    client, edition, organiser, size, django_assert_max_num_queries
):
    make_history(edition, organiser, size)
    client.force_login(organiser)
    client.get(journal_url(edition))  # content types cached, as in a running server

    with django_assert_max_num_queries(10):
        response = client.get(journal_url(edition, q="o"))

    assert len(response.context["rows"]) == min(50, LogEntry.objects.filter(object_repr__icontains="o").count())


def test_the_journal_is_paginated_by_fifty(client, edition, organiser):
    make_history(edition, organiser, 20)  # 20 groups (2 entries each: stakeholder type aside) and 20 invitations
    client.force_login(organiser)
    total = LogEntry.objects.filter(additional_data__edition=edition.pk).count()

    first = client.get(journal_url(edition))
    second = client.get(journal_url(edition, page=2))

    assert total > 50
    assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == min(50, total - 50)
