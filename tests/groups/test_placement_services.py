"""Placing people by hand: the rules of who may go where, and that a refusal changes nothing."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from cohorts.models import Enrolment
from groups import services
from groups.models import Membership, PlacementChange
from tests.factories import EnrolmentFactory, GroupFactory, MembershipFactory, StakeholderTypeFactory

S = Enrolment.Status


def enrolled(edition, count=1, status=S.ACTIVE):
    return [EnrolmentFactory(edition=edition, status=status).user for _ in range(count)]


@pytest.fixture
def group(edition):
    return GroupFactory(edition=edition, name="Gouvernement A")


@pytest.fixture
def second_group(edition, group):
    return GroupFactory(edition=edition, stakeholder_type=group.stakeholder_type, name="Gouvernement B")


def test_an_organiser_places_several_people_at_once_and_the_trail_says_who(edition, organiser, group):
    people = enrolled(edition, 3)

    changed = services.place(edition, [person.pk for person in people], group.pk, by=organiser)

    assert changed == 3
    assert set(group.memberships.values_list("user_id", flat=True)) == {person.pk for person in people}
    assert PlacementChange.objects.filter(to_group=group, by=organiser, from_group=None).count() == 3


def test_moving_someone_keeps_one_membership_and_records_where_from(edition, organiser, group, second_group):
    (person,) = enrolled(edition)
    services.place(edition, [person.pk], group.pk, by=organiser)

    services.place(edition, [person.pk], second_group.pk, by=organiser)

    assert list(Membership.objects.filter(user=person).values_list("group_id", flat=True)) == [second_group.pk]
    assert PlacementChange.objects.filter(user=person, from_group=group, to_group=second_group).exists()


def test_a_moved_coordinator_becomes_a_plain_member(edition, organiser, group, second_group):
    (person,) = enrolled(edition)
    services.place(edition, [person.pk], group.pk, by=organiser)
    services.make_coordinator(edition, person.pk, by=organiser)

    services.place(edition, [person.pk], second_group.pk, by=organiser)

    assert Membership.objects.get(user=person).group_role == Membership.GroupRole.MEMBER


@pytest.mark.parametrize("status", [S.WITHDRAWN, S.CANDIDATE])
def test_someone_withdrawn_or_not_admitted_cannot_be_placed_and_nobody_is(edition, organiser, group, status):
    fine = enrolled(edition, 2)
    refused = enrolled(edition, 1, status=status)

    with pytest.raises(services.PlacementRefused) as refusal:
        services.place(edition, [p.pk for p in fine + refused], group.pk, by=organiser)

    assert refused[0].get_full_name() in refusal.value.message
    assert not Membership.objects.exists()


def test_someone_of_another_edition_cannot_be_placed(edition, other_edition, organiser, group):
    (stranger,) = enrolled(other_edition)

    with pytest.raises(services.PlacementRefused):
        services.place(edition, [stranger.pk], group.pk, by=organiser)
    assert not Membership.objects.exists()


def test_a_group_of_another_edition_is_refused(edition, other_edition, organiser):
    foreign_group = GroupFactory(edition=other_edition)
    (person,) = enrolled(edition)

    with pytest.raises(services.PlacementRefused):
        services.place(edition, [person.pk], foreign_group.pk, by=organiser)
    assert not Membership.objects.exists()


def test_a_full_group_refuses_more_than_its_room_and_says_how_much_is_left(edition, organiser, group):
    group.max_size = 3
    group.save()
    services.place(edition, [p.pk for p in enrolled(edition, 2)], group.pk, by=organiser)
    newcomers = enrolled(edition, 2)

    with pytest.raises(services.PlacementRefused) as refusal:
        services.place(edition, [p.pk for p in newcomers], group.pk, by=organiser)

    assert "1" in refusal.value.message
    assert group.memberships.count() == 2


def test_tampered_ids_are_ignored_and_an_empty_selection_is_refused(edition, organiser, group):
    with pytest.raises(services.PlacementRefused):
        services.place(edition, ["abc", "", "-3", "1; DROP"], group.pk, by=organiser)
    with pytest.raises(services.PlacementRefused):
        services.place(edition, [], "not-a-number", by=organiser)


@pytest.mark.parametrize("persona", ["participant", "juror", "other_organiser", "outsider"])
def test_only_the_editions_organisers_place_people(request, edition, group, persona):
    person = request.getfixturevalue(persona)
    (someone,) = enrolled(edition)

    with pytest.raises(PermissionDenied):
        services.place(edition, [someone.pk], group.pk, by=person)


def test_site_staff_may_place_people(edition, staff, group):
    (someone,) = enrolled(edition)

    assert services.place(edition, [someone.pk], group.pk, by=staff) == 1


def test_removing_puts_people_back_among_the_unassigned(edition, organiser, group):
    people = enrolled(edition, 2)
    services.place(edition, [p.pk for p in people], group.pk, by=organiser)

    assert services.remove(edition, [people[0].pk], by=organiser) == 1

    assert list(group.memberships.values_list("user_id", flat=True)) == [people[1].pk]
    assert PlacementChange.objects.filter(user=people[0], from_group=group, to_group=None).exists()


def test_removing_only_touches_this_editions_memberships(edition, other_edition, organiser):
    elsewhere = MembershipFactory(group=GroupFactory(edition=other_edition))

    assert services.remove(edition, [elsewhere.user_id], by=organiser) == 0
    assert Membership.objects.filter(pk=elsewhere.pk).exists()


def test_one_coordinator_per_group(edition, organiser, group):
    first, second = enrolled(edition, 2)
    services.place(edition, [first.pk, second.pk], group.pk, by=organiser)

    services.make_coordinator(edition, first.pk, by=organiser)
    services.make_coordinator(edition, second.pk, by=organiser)

    roles = dict(group.memberships.values_list("user_id", "group_role"))
    assert roles == {first.pk: Membership.GroupRole.MEMBER, second.pk: Membership.GroupRole.COORDINATOR}


def test_only_a_member_can_become_coordinator(edition, organiser):
    (loner,) = enrolled(edition)

    with pytest.raises(services.PlacementRefused):
        services.make_coordinator(edition, loner.pk, by=organiser)


def test_pinning_marks_only_this_editions_people(edition, organiser, group):
    people = enrolled(edition, 2)
    services.place(edition, [p.pk for p in people], group.pk, by=organiser)

    assert services.set_pinned(edition, [people[0].pk], True, by=organiser) == 1

    assert dict(group.memberships.values_list("user_id", "pinned")) == {people[0].pk: True, people[1].pk: False}


def test_default_types_are_government_private_sector_and_civil_society_and_adding_them_twice_changes_nothing(
    edition, organiser
):
    services.add_default_types(edition, by=organiser)
    services.add_default_types(edition, by=organiser)
    services.add_default_types(edition, by=organiser, codes=["academia"])

    assert list(edition.stakeholder_types.values_list("code", flat=True)) == [
        "government", "private-sector", "civil-society", "academia",
    ]  # fmt: skip


def test_several_groups_per_type_are_lettered(edition, organiser):
    services.add_default_types(edition, by=organiser, codes=["government"])

    services.create_groups(edition, 2, by=organiser)
    services.create_groups(edition, 1, by=organiser)

    assert sorted(edition.groups.values_list("name", flat=True)) == [
        "Gouvernement A", "Gouvernement B", "Gouvernement C",
    ]  # fmt: skip


def test_a_single_group_per_type_takes_the_types_name(edition, organiser):
    StakeholderTypeFactory(edition=edition, code="civil-society", name_fr="Société civile")

    services.create_groups(edition, 1, by=organiser)

    assert list(edition.groups.values_list("name", flat=True)) == ["Société civile"]


@pytest.mark.django_db(transaction=True)
def test_two_organisers_moving_the_same_person_at_once_leave_one_membership(edition, organiser, group, second_group):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers itself; the row lock is what PostgreSQL needs")
    people = enrolled(edition, 6)
    ids = [p.pk for p in people]
    errors = []

    def move_to(target):
        try:
            for _ in range(5):
                services.place(edition, ids, target.pk, by=organiser)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=move_to, args=(target,)) for target in (group, second_group)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Membership.objects.filter(user_id__in=ids).count() == 6
    assert Membership.objects.filter(user_id__in=ids).values("group_id").distinct().count() == 1


def test_someone_who_withdraws_leaves_their_group(edition, organiser, group):
    from cohorts.services import withdraw

    (person,) = enrolled(edition)
    services.place(edition, [person.pk], group.pk, by=organiser)

    withdraw(Enrolment.objects.get(user=person), by=organiser, reason="moved abroad")

    assert not Membership.objects.filter(user=person).exists()
    assert PlacementChange.objects.filter(user=person, from_group=group, to_group=None, note="withdrawn").exists()
