"""The automatic assignment through its service and its command: preview first, apply the same plan, pins kept."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from cohorts.models import Enrolment
from groups import services
from groups.balancing import Mode
from groups.models import Group, Membership, PlacementChange
from tests.factories import EnrolmentFactory, GroupFactory, ProfileFactory, StakeholderTypeFactory

S = Enrolment.Status
SECTORS = ["Gouvernement", "Secteur privé", "Société civile"]


def cohort(edition, count, status=S.ACTIVE):
    people = []
    for index in range(count):
        enrolment = EnrolmentFactory(edition=edition, status=status)
        ProfileFactory(
            user=enrolment.user,
            gender="female" if index % 2 else "male",
            organisation=f"Organisation {index % 4}",
            country=["Mali", "Sénégal"][index % 2],
            sector=SECTORS[index % 3],
        )
        people.append(enrolment.user)
    return people


def run(*args) -> str:
    out = io.StringIO()
    call_command("assign_groups", *args, stdout=out)
    return out.getvalue()


def test_the_preview_changes_nothing(edition, organiser):
    cohort(edition, 12)

    plan = services.preview(edition, groups_per_type=2, by=organiser)

    assert [figures.size for figures in plan.groups] == [2] * 6
    assert plan.placed == 12 and plan.unplaced == 0
    assert not Group.objects.exists() and not Membership.objects.exists()


def test_applying_does_what_the_preview_showed(edition, organiser):
    cohort(edition, 13)
    shown = services.preview(edition, seed=7, by=organiser)

    done = services.apply(edition, seed=7, fingerprint=shown.fingerprint, by=organiser)

    assert done.groups == shown.groups
    sizes = sorted(group.memberships.count() for group in Group.objects.filter(edition=edition))
    assert sizes == [4, 4, 5]
    assert PlacementChange.objects.filter(edition=edition).count() == 13


def test_apply_is_refused_when_the_cohort_changed_since_the_preview(edition, organiser):
    cohort(edition, 6)
    shown = services.preview(edition, by=organiser)
    cohort(edition, 1)

    with pytest.raises(services.PlacementRefused):
        services.apply(edition, fingerprint=shown.fingerprint, by=organiser)
    assert not Membership.objects.exists()


def test_in_the_default_mode_nobody_plays_their_own_sector(edition, organiser):
    cohort(edition, 30)

    services.apply(edition, by=organiser)

    own = Membership.objects.filter(edition=edition).select_related("user__profile", "group__stakeholder_type")
    matcher = services.sector_matcher(list(edition.stakeholder_types.all()))
    assert all(matcher(m.user.profile.sector) != m.group.stakeholder_type.code for m in own)


def test_in_own_mode_everyone_plays_their_own_sector_when_the_numbers_allow(edition, organiser):
    cohort(edition, 30)  # ten of each sector, three groups

    services.apply(edition, mode=Mode.OWN, by=organiser)

    own = Membership.objects.filter(edition=edition).select_related("user__profile", "group__stakeholder_type")
    matcher = services.sector_matcher(list(edition.stakeholder_types.all()))
    assert all(matcher(m.user.profile.sector) == m.group.stakeholder_type.code for m in own)


def test_a_rerun_places_newcomers_and_never_moves_anyone_already_placed(edition, organiser):
    cohort(edition, 9)
    services.apply(edition, by=organiser)
    before = dict(Membership.objects.values_list("user_id", "group_id"))
    cohort(edition, 3)

    services.apply(edition, seed=99, by=organiser)

    after = dict(Membership.objects.values_list("user_id", "group_id"))
    assert {pk: after[pk] for pk in before} == before
    assert len(after) == 12


def test_rebalancing_never_moves_pinned_people(edition, organiser):
    people = cohort(edition, 12)
    services.apply(edition, by=organiser)
    pinned = [person.pk for person in people[:4]]
    services.set_pinned(edition, pinned, True, by=organiser)
    where = dict(Membership.objects.filter(user_id__in=pinned).values_list("user_id", "group_id"))

    for seed in range(5):
        services.apply(edition, seed=seed, rebalance=True, by=organiser)
        assert dict(Membership.objects.filter(user_id__in=pinned).values_list("user_id", "group_id")) == where


def test_withdrawn_and_not_admitted_people_are_not_placed(edition, organiser):
    cohort(edition, 3)
    cohort(edition, 2, status=S.WITHDRAWN)
    cohort(edition, 2, status=S.CANDIDATE)

    plan = services.apply(edition, by=organiser)

    assert plan.placed == 3
    assert Membership.objects.count() == 3


def test_the_same_seed_gives_the_same_groups(edition, organiser):
    cohort(edition, 20)

    first = services.preview(edition, seed=3, by=organiser)
    second = services.preview(edition, seed=3, by=organiser)

    assert first.plan.placements == second.plan.placements


def test_sectors_of_origin_are_matched_to_stakeholder_types_without_accents_or_case():
    kinds = [
        StakeholderTypeFactory.build(code="government", name_fr="Gouvernement", name_en="Government", sectors=""),
        StakeholderTypeFactory.build(code="civil-society", name_fr="Société civile", name_en="Civil Society",
                                     sectors="association, ONG"),
    ]  # fmt: skip
    matcher = services.sector_matcher(kinds)

    assert matcher("GOUVERNEMENT") == "government"
    assert matcher("societe civile") == "civil-society"
    assert matcher("Une ONG locale") == "civil-society"
    assert matcher("Secteur privé") == ""
    assert matcher("") == ""


def test_the_command_creates_groups_per_type_and_prints_the_json_contract(edition):
    cohort(edition, 12)

    output = json.loads(run(edition.slug, "--groups-per-type", "2", "--seed", "5", "--json"))

    assert set(output) == {"groups", "unassigned"}
    assert output["unassigned"] == 0
    assert len(output["groups"]) == 6
    assert set(output["groups"][0]) == {"name", "type", "size", "by_gender", "organisations", "countries"}
    assert sum(group["size"] for group in output["groups"]) == 12
    assert Group.objects.filter(edition=edition).count() == 6
    assert Membership.objects.count() == 12


def test_the_command_dry_run_writes_nothing(edition):
    cohort(edition, 6)

    output = json.loads(run(edition.slug, "--dry-run", "--json", "--mode", "ignore"))

    assert sum(group["size"] for group in output["groups"]) == 6
    assert not Group.objects.exists() and not Membership.objects.exists()


def test_the_command_keeps_existing_groups_and_only_places_people_without_one(edition):
    people = cohort(edition, 7)
    kept = GroupFactory(edition=edition, name="Seul groupe")
    Membership.objects.create(edition=edition, group=kept, user=people[0])

    output = json.loads(run(edition.slug, "--json"))

    assert [group["name"] for group in output["groups"]] == ["Seul groupe"]
    assert output["groups"][0]["size"] == 7


def test_the_command_refuses_an_unknown_edition(db):
    with pytest.raises(CommandError):
        run("no-such-edition")
