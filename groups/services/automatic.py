"""The automatic assignment: a preview with its balance figures, then the same plan applied.

The plan comes from groups.balancing (pure Python, deterministic for a seed). Preview and apply compute it from the
same inputs; apply recomputes it under the formation lock and refuses if the inputs changed since the preview (a
fingerprint), so what the organiser saw is what happens.
"""

import functools
import hashlib
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import Edition, Enrolment, Profile
from cohorts.services.roster import fold
from malisig.models import User

from ..balancing import GroupSlot, Mode, Person, Plan, assign
from ..models import Group, Membership, PlacementChange, StakeholderType
from .placement import AUTO_PLACED_STATUSES, PlacementRefused, _notify_after_commit, lock_formation
from .setup import add_default_types, default_types, planned_groups, require_former


@dataclass(frozen=True)
class GroupFigures:
    """One group of the preview (or of the `--json` output)."""

    name: str
    type_code: str
    type_name: str
    size: int
    by_gender: dict[str, int]
    organisations: int
    countries: int
    own_role: int  # members whose sector of origin matches the group's role
    newcomers: int  # placed by this plan
    is_new: bool  # the group itself is created by this plan

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "type": self.type_code,
            "size": self.size,
            "by_gender": self.by_gender,
            "organisations": self.organisations,
            "countries": self.countries,
        }


class Placed(NamedTuple):
    """Someone already in a group, as the plan needs them: their membership's id, group and pin, and who they are."""

    membership_id: int
    group_id: int
    pinned: bool
    person: Person


@dataclass
class Preview:
    mode: Mode
    seed: int
    groups_per_type: int
    rebalance: bool
    groups: list[GroupFigures]
    placed: int
    moved: int
    unplaced: int
    fingerprint: str
    plan: Plan = field(repr=False)
    new_groups: list[Group] = field(repr=False, default_factory=list)
    people: dict[int, Person] = field(repr=False, default_factory=dict)
    current: dict[int, Placed] = field(repr=False, default_factory=dict)

    @property
    def size_spread(self) -> int:
        sizes = [figures.size for figures in self.groups]
        return max(sizes) - min(sizes) if sizes else 0

    def as_json(self) -> dict:
        return {"groups": [figures.as_json() for figures in self.groups], "unassigned": self.unplaced}


@functools.lru_cache(maxsize=4096)
def _key(text: str) -> str:
    return " ".join(fold(text or "").split())


def sector_matcher(types: list[StakeholderType]):
    """A function: a sector of origin as typed → the code of the stakeholder type it belongs to ("" if none)."""
    words: list[tuple[str, str]] = []
    for kind in types:
        for alias in [*kind.sectors.split(","), kind.name_fr, kind.name_en]:
            alias = _key(alias)
            if alias:
                words.append((alias, kind.code))
    # Longer words first: "société civile" before "société".
    words.sort(key=lambda pair: -len(pair[0]))
    patterns = [(re.compile(rf"(?<!\w){re.escape(alias)}"), code) for alias, code in words]
    known: dict[str, str] = {}  # a cohort repeats the same few sectors: match each once

    def sector_type(sector: str) -> str:
        code = known.get(sector)
        if code is None:
            folded = _key(sector)
            code = next((match for pattern, match in patterns if pattern.search(folded)), "") if folded else ""
            known[sector] = code
        return code

    return sector_type


def _population(edition: Edition, sector_type) -> tuple[dict[int, Placed], dict[int, Person]]:
    """Everyone in a group of the edition, and every participant who may be placed (admitted, invited or active),
    both by user id in user id order.

    Three queries of plain values, each table read once: the memberships, the candidates' ids, then the profiles of
    both. (Memberships with their users and profiles as model instances, then the candidates joined to theirs, took
    most of the preview's time; and PostgreSQL, which cannot guess how few of all users are the edition's, reads
    every user and every profile for each join.)
    """
    memberships = Membership.objects.filter(edition=edition)
    enrolled = Enrolment.objects.filter(edition=edition, status__in=AUTO_PLACED_STATUSES)
    placed = list(memberships.order_by("user_id").values_list("user_id", "pk", "group_id", "pinned"))
    candidate_ids = list(enrolled.order_by("user_id").values_list("user_id", flat=True))
    profiles = Profile.objects.filter(
        Q(user_id__in=memberships.values("user_id")) | Q(user_id__in=enrolled.values("user_id"))
    ).values_list("user_id", "gender", "organisation", "country", "sector")
    people = {
        pk: Person(
            id=pk,
            gender=gender or "",
            organisation=_key(organisation),
            country=_key(country),
            sector_type=sector_type(sector or ""),
        )
        for pk, gender, organisation, country, sector in profiles
    }

    def person(pk: int) -> Person:
        return people.get(pk) or Person(id=pk)  # no profile: nothing known

    current = {pk: Placed(membership, group_id, pinned, person(pk)) for pk, membership, group_id, pinned in placed}
    return current, {pk: person(pk) for pk in candidate_ids}


def _fingerprint(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def preview(
    edition: Edition, *, mode: Mode = Mode.OTHER, seed: int = 0, groups_per_type: int = 1, rebalance: bool = False,
    by: User | None,
) -> Preview:  # fmt: skip
    """What the automatic assignment would do, without changing anything.

    Groups: the edition's; if it has none, `groups_per_type` per stakeholder type (shown as new). People: every
    admitted, invited or active participant without a group; with `rebalance`, also everyone placed but not pinned
    (they may move). Pinned people always stay. A constant number of queries.
    """
    require_former(edition, by)
    types = list(StakeholderType.objects.filter(edition=edition)) or default_types(edition)
    sector_type = sector_matcher(types)
    groups = list(
        Group.objects.filter(edition=edition)
        .select_related("stakeholder_type")
        .order_by("stakeholder_type__position", "name", "pk")
    )
    new_groups: list[Group] = []
    if not groups:
        new_groups = planned_groups(edition, groups_per_type, types)
        for index, group in enumerate(new_groups, start=1):
            group.pk = -index  # a stand-in id for the plan; the real one comes when the group is created
        groups = new_groups
    current, candidates = _population(edition, sector_type)
    stays = {pk for pk, placed in current.items() if placed.pinned or not rebalance}
    to_place = [person for pk, person in candidates.items() if pk not in stays]
    fixed: dict[int, list[Person]] = {group.pk: [] for group in groups}
    for pk, placed in current.items():
        if pk in stays or pk not in candidates:
            fixed[placed.group_id].append(placed.person)
    slots = [
        GroupSlot(
            id=group.pk,
            type_code=group.stakeholder_type.code,
            max_size=group.max_size,
            fixed=tuple(fixed[group.pk]),
        )
        for group in groups
    ]
    plan = assign(to_place, slots, mode=mode, seed=seed)
    fingerprint = _fingerprint(
        mode.value, seed, groups_per_type, rebalance,
        [(g.pk, g.stakeholder_type.code, g.max_size) for g in groups],
        [(pk, placed.group_id, placed.pinned) for pk, placed in current.items()],
        sorted(candidates.values(), key=lambda person: person.id),
    )  # fmt: skip
    figures = _figures(groups, slots, plan, {person.id: person for person in to_place}, new=bool(new_groups))
    moved = sum(1 for pk, group_id in plan.placements.items() if pk in current and current[pk].group_id != group_id)
    placed = sum(1 for pk in plan.placements if pk not in current)
    return Preview(
        mode=mode, seed=seed, groups_per_type=groups_per_type, rebalance=rebalance, groups=figures, placed=placed,
        moved=moved, unplaced=len(plan.unplaced), fingerprint=fingerprint, plan=plan, new_groups=new_groups,
        people=candidates, current=current,
    )  # fmt: skip


def _figures(groups: list[Group], slots: list[GroupSlot], plan: Plan, placing: dict[int, Person], *, new: bool):
    members: dict[int, list[Person]] = {slot.id: list(slot.fixed) for slot in slots}
    newcomers: dict[int, int] = dict.fromkeys(members, 0)
    for pk, group_id in plan.placements.items():
        members[group_id].append(placing[pk])
        newcomers[group_id] += 1
    figures = []
    for group in groups:
        people = members[group.pk]
        by_gender: dict[str, int] = {}
        for person in people:
            by_gender[person.gender or "unknown"] = by_gender.get(person.gender or "unknown", 0) + 1
        figures.append(
            GroupFigures(
                name=group.name,
                type_code=group.stakeholder_type.code,
                type_name=str(group.stakeholder_type),
                size=len(people),
                by_gender=dict(sorted(by_gender.items())),
                organisations=len({person.organisation for person in people if person.organisation}),
                countries=len({person.country for person in people if person.country}),
                own_role=sum(1 for person in people if person.sector_type == group.stakeholder_type.code),
                newcomers=newcomers[group.pk],
                is_new=new,
            )
        )
    return figures


@transaction.atomic
def apply(
    edition: Edition, *, mode: Mode = Mode.OTHER, seed: int = 0, groups_per_type: int = 1, rebalance: bool = False,
    fingerprint: str | None = None, by: User | None,
) -> Preview:  # fmt: skip
    """Carry out the plan preview() shows for the same arguments; refused if `fingerprint` no longer matches.

    Writes: Group rows if the edition had none (and the default stakeholder types if it had none either), Membership
    rows (bulk insert for newcomers, bulk update for moves), one PlacementChange per person placed or moved.
    """
    require_former(edition, by)
    lock_formation(edition)
    if not StakeholderType.objects.filter(edition=edition).exists():
        add_default_types(edition, by=by)
    plan = preview(edition, mode=mode, seed=seed, groups_per_type=groups_per_type, rebalance=rebalance, by=by)
    if fingerprint is not None and fingerprint != plan.fingerprint:
        raise PlacementRefused(
            _("The participants or the groups changed since this preview: nothing was changed. Check the new preview.")
        )
    real_ids = {}
    if plan.new_groups:
        stand_ins = [group.pk for group in plan.new_groups]
        for group in plan.new_groups:
            group.pk = None
        created = Group.objects.bulk_create(plan.new_groups)
        real_ids = {stand_in: group.pk for stand_in, group in zip(stand_ins, created, strict=True)}
    now = timezone.now()
    note = _automatic_note(plan)
    new, moved, changes = [], [], []
    for pk, group_id in plan.plan.placements.items():
        group_id = real_ids.get(group_id, group_id)
        placed = plan.current.get(pk)
        if placed is None:
            new.append(Membership(edition=edition, group_id=group_id, user_id=pk, placed_at=now, placed_by=by))
            changes.append(PlacementChange(edition=edition, user_id=pk, to_group_id=group_id, by=by, at=now, note=note))
        elif placed.group_id != group_id:
            changes.append(
                PlacementChange(edition=edition, user_id=pk, from_group_id=placed.group_id, to_group_id=group_id,
                                by=by, at=now, note=note)
            )  # fmt: skip
            moved.append(
                Membership(pk=placed.membership_id, group_id=group_id, group_role=Membership.GroupRole.MEMBER,
                           placed_at=now, placed_by=by)
            )  # fmt: skip
    Membership.objects.bulk_update(moved, ["group", "group_role", "placed_at", "placed_by"], batch_size=1000)
    Membership.objects.bulk_create(new, batch_size=1000)
    PlacementChange.objects.bulk_create(changes, batch_size=1000)
    if new or moved:
        _notify_after_commit(edition)
    return plan


def _automatic_note(plan: Preview) -> str:
    return f"automatic ({plan.mode.value}, seed {plan.seed})"[:200]


def unassigned_count(edition: Edition) -> int:
    return (
        Enrolment.objects.filter(edition=edition, status__in=AUTO_PLACED_STATUSES)
        .exclude(user__group_memberships__edition=edition)
        .count()
    )


__all__ = ["GroupFigures", "Preview", "apply", "preview", "sector_matcher", "unassigned_count"]
