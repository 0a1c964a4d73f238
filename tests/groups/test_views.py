"""A group's page, a participant's own group, and the links to them from the edition's page."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from groups.models import Formation, Membership
from tests.factories import GroupFactory, MembershipFactory, StakeholderTypeFactory

from .views_setup import enrol, enrol_persona


@pytest.fixture
def kind(edition):
    return StakeholderTypeFactory(
        edition=edition, code="civil-society", name_fr="Société civile", name_en="Civil Society",
        brief_fr="Vous défendez les droits des citoyens.", brief_en="You defend citizens' rights.",
    )  # fmt: skip


@pytest.fixture
def group(edition, kind):
    return GroupFactory(edition=edition, stakeholder_type=kind, name="Société civile A")


@pytest.fixture
def member(edition, participant, group):
    """The participant persona, enrolled and placed in `group`."""
    enrol_persona(edition, participant, organisation="ISOC Mali", country="Mali")
    MembershipFactory(group=group, user=participant)
    return participant


@pytest.fixture
def published(edition, organiser):
    return Formation.objects.create(edition=edition, published_at=timezone.now(), published_by=organiser)


def detail_url(group):
    return reverse("groups:group_detail", args=[group.edition.slug, group.pk])


def test_organisers_see_a_group_with_its_role_brief_members_and_mentor(client, organiser, juror, edition, group):
    group.mentor = juror
    group.save()
    coordinator, other = enrol(edition, 2)
    MembershipFactory(group=group, user=coordinator, group_role=Membership.GroupRole.COORDINATOR)
    MembershipFactory(group=group, user=other)
    client.force_login(organiser)

    response = client.get(detail_url(group))

    html = response.content.decode()
    assert response.status_code == 200
    assert escape("Vous défendez les droits des citoyens.") in html
    assert [m.user for m in response.context["members"]] == [coordinator, other]
    assert html.count('data-testid="coordinator"') == 1
    assert juror.email in html
    assert other.email in html  # organisers may write to members


def test_the_brief_is_in_the_users_language(english, client, organiser, group):
    client.force_login(organiser)

    html = client.get(detail_url(group)).content.decode()

    assert escape("You defend citizens' rights.") in html
    assert "Civil Society" in html


def test_members_see_their_group_once_published_but_not_each_others_emails(client, member, group, published):
    (other,) = enrol(group.edition)
    MembershipFactory(group=group, user=other)
    client.force_login(member)

    response = client.get(detail_url(group))

    assert response.status_code == 200
    assert escape(other.get_full_name()) in response.content.decode()
    assert other.email not in response.content.decode()


def test_members_cannot_open_their_group_before_publication(client, member, group):
    client.force_login(member)

    assert client.get(detail_url(group)).status_code == 403


def test_participants_cannot_open_a_group_they_are_not_in(client, edition, member, group, kind, published):
    other_group = GroupFactory(edition=edition, stakeholder_type=kind, name="Société civile B")
    client.force_login(member)

    assert client.get(detail_url(other_group)).status_code == 403


def test_the_mentor_sees_their_group_before_publication(client, juror, group):
    group.mentor = juror
    group.save()
    client.force_login(juror)

    assert client.get(detail_url(group)).status_code == 200


@pytest.mark.parametrize("persona", ["juror", "other_organiser", "outsider"])
def test_other_people_cannot_open_a_group(client, group, persona, request, published):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(detail_url(group)).status_code == 403


def test_a_group_of_another_edition_is_not_found_under_this_edition(client, organiser, edition, other_edition):
    foreign = GroupFactory(edition=other_edition)
    client.force_login(organiser)

    response = client.get(reverse("groups:group_detail", args=[edition.slug, foreign.pk]))

    assert response.status_code == 404


def test_a_group_page_reads_the_same_number_of_queries_for_1_or_10_members(
    client, organiser, edition, group, django_assert_max_num_queries
):
    client.force_login(organiser)
    MembershipFactory(group=group, user=enrol(edition)[0])
    with django_assert_max_num_queries(12) as few:
        client.get(detail_url(group))

    for person in enrol(edition, 9):
        MembershipFactory(group=group, user=person)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(detail_url(group))


def test_my_group_shows_nothing_of_the_groups_before_publication(client, member, group, kind):
    client.force_login(member)

    response = client.get(reverse("groups:my_group", args=[group.edition.slug]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="no-group-yet"' in html
    for secret in (group.name, kind.name_fr, kind.brief_fr, kind.name_en):
        assert escape(secret) not in html
    assert f"groupes/{group.pk}/" not in html


def test_my_group_shows_the_group_and_its_brief_once_published(client, member, group, published):
    client.force_login(member)

    response = client.get(reverse("groups:my_group", args=[group.edition.slug]))

    html = response.content.decode()
    assert response.context["group"] == group
    assert escape(group.name) in html
    assert escape("Vous défendez les droits des citoyens.") in html


def test_my_group_says_the_same_to_a_participant_left_without_a_group(client, edition, participant, published):
    enrol_persona(edition, participant)
    client.force_login(participant)

    response = client.get(reverse("groups:my_group", args=[edition.slug]))

    assert 'data-testid="no-group-yet"' in response.content.decode()


def test_my_group_is_for_the_edition_members_only(client, edition, outsider, other_organiser):
    for person in (outsider, other_organiser):
        client.force_login(person)

        assert client.get(reverse("groups:my_group", args=[edition.slug])).status_code == 403


def test_the_edition_page_offers_the_groups_to_organisers(client, organiser, edition):
    client.force_login(organiser)

    html = client.get(edition.get_absolute_url()).content.decode()

    assert reverse("groups:formation", args=[edition.slug]) in html


def test_the_edition_page_announces_my_group_to_participants_only_once_published(client, member, edition, group):
    """The navigation always links to "my group" (which says when groups are not out yet); the announcement waits."""
    client.force_login(member)
    before = client.get(edition.get_absolute_url()).content.decode()
    Formation.objects.create(edition=edition, published_at=timezone.now())

    after = client.get(edition.get_absolute_url()).content.decode()

    assert 'data-testid="my-group"' not in before and group.name not in before
    assert reverse("groups:formation", args=[edition.slug]) not in before
    assert 'data-testid="my-group"' in after
