"""What the formation screen shows: a page of unassigned participants, and the groups with their balance figures.

Read only. A constant number of queries whatever the size of the cohort: one for the groups, one for every
membership (plain values, no model instances), one for a page of unassigned people with their total, one for the
stakeholder types (to tell who comes from which role) and one for the publication.
"""

import functools
import operator
from dataclasses import dataclass, field

from django.core.paginator import Page
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from cohorts.models import Edition, Enrolment, Profile
from cohorts.services.roster import counted_page
from malisig.text import fold

from ..models import Formation, Group, Membership, StakeholderType
from .automatic import sector_matcher
from .placement import PLACEABLE_STATUSES

# Up to this many people in groups, every group's member list is on the page (folded); above it, one at a time.
INLINE_MEMBERS_UP_TO = 300
UNASSIGNED_PER_PAGE = 50
NO_GENDER = "unknown"
# What the search of unassigned people looks in: the folded columns (malisig.models.FoldedField).
_SEARCHED = ("user__folded_last_name", "user__folded_first_name", "user__folded_email")
_PERSON_COLUMNS = (
    "user__first_name", "user__last_name", "user__email", "user__profile__gender", "user__profile__country",
    "user__profile__organisation", "user__profile__sector",
)  # fmt: skip


def gender_labels() -> dict[str, str]:
    """Gender codes (and NO_GENDER) → labels, in the current language."""
    return {**dict(Profile.Gender.choices), NO_GENDER: _("Not given"), "": _("Not given")}


def _key(text: str | None) -> str:
    """Organisations and countries compared as the automatic assignment does: case, accents and spaces ignored."""
    return " ".join(fold(text or "").split())


@dataclass
class PersonRow:
    """A person on the formation screen (unassigned, or a member of a group)."""

    user_id: int
    first_name: str
    last_name: str
    email: str
    gender: str
    country: str
    organisation: str
    sector: str
    status: str = ""
    pinned: bool = False
    is_coordinator: bool = False
    sector_type: str = ""  # the code of the stakeholder type their sector of origin matches ("" if none)
    group_id: int | None = None
    gender_label: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    @property
    def is_placeable(self) -> bool:
        return self.status in PLACEABLE_STATUSES

    @property
    def sort_key(self) -> tuple[str, str, int]:
        return (fold(self.last_name), fold(self.first_name), self.user_id)


def _person(row: tuple, labels: dict[str, str], **extra) -> PersonRow:
    first_name, last_name, email, gender, country, organisation, sector = row
    return PersonRow(
        first_name=first_name or "",
        last_name=last_name or "",
        email=email or "",
        gender=gender or "",
        gender_label=labels.get(gender or "", ""),
        country=country or "",
        organisation=organisation or "",
        sector=sector or "",
        **extra,
    )


@dataclass
class GroupCard:
    """A group and its balance figures, computed from its members."""

    group: Group
    members: list[PersonRow] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def size_state(self) -> str:
        """Size against limits: "under" its minimum, "over" its maximum, "full" (at its maximum), or "" (fine)."""
        group = self.group
        if group.min_size is not None and self.size < group.min_size:
            return "under"
        if group.max_size is not None and self.size > group.max_size:
            return "over"
        if group.max_size is not None and self.size == group.max_size:
            return "full"
        return ""

    @property
    def by_gender(self) -> list[tuple[str, int]]:
        """(label, count) for each gender present, women, men, other, then not given."""
        counts: dict[str, int] = {}
        for person in self.members:
            code = person.gender or NO_GENDER
            counts[code] = counts.get(code, 0) + 1
        labels = gender_labels()
        order = [*Profile.Gender.values, NO_GENDER]
        return [(labels[code], counts[code]) for code in order if code in counts]

    @property
    def organisations(self) -> int:
        return len({_key(person.organisation) for person in self.members} - {""})

    @property
    def countries(self) -> int:
        return len({_key(person.country) for person in self.members} - {""})

    @property
    def own_sector(self) -> int:
        """Members whose sector of origin matches the role the group plays."""
        code = self.group.stakeholder_type.code
        return sum(1 for person in self.members if person.sector_type == code)

    @property
    def pinned(self) -> int:
        return sum(1 for person in self.members if person.pinned)

    @property
    def not_placeable(self) -> int:
        """Members who withdrew (or were never enrolled): to take out of the group."""
        return sum(1 for person in self.members if not person.is_placeable)

    @property
    def coordinator(self) -> PersonRow | None:
        return next((person for person in self.members if person.is_coordinator), None)


@dataclass
class FormationBoard:
    edition: Edition
    groups: list[GroupCard]
    unassigned: Page  # of PersonRow
    unassigned_total: int  # whatever the search
    formation: Formation | None
    open_group: int | None = None

    @property
    def is_published(self) -> bool:
        return self.formation is not None and self.formation.is_published

    @property
    def placed(self) -> int:
        return sum(card.size for card in self.groups)

    @property
    def placeable_total(self) -> int:
        """People who may be in a group: the unassigned and the placeable members."""
        return self.unassigned_total + sum(card.size - card.not_placeable for card in self.groups)

    @property
    def inline_members(self) -> bool:
        return self.placed <= INLINE_MEMBERS_UP_TO

    @property
    def smallest(self) -> int:
        return min((card.size for card in self.groups), default=0)

    @property
    def largest(self) -> int:
        return max((card.size for card in self.groups), default=0)

    @property
    def under_minimum(self) -> int:
        return sum(1 for card in self.groups if card.size_state == "under")

    @property
    def over_maximum(self) -> int:
        return sum(1 for card in self.groups if card.size_state == "over")

    @property
    def own_sector(self) -> int:
        return sum(card.own_sector for card in self.groups)

    @property
    def pinned(self) -> int:
        return sum(card.pinned for card in self.groups)

    @property
    def not_placeable(self) -> int:
        return sum(card.not_placeable for card in self.groups)


def _unassigned_rows(edition: Edition, search: str):
    has_group = Membership.objects.filter(edition=edition, user=OuterRef("user_id"))
    rows = Enrolment.objects.filter(edition=edition, status__in=PLACEABLE_STATUSES).exclude(Exists(has_group))
    # Each word must be in the name, email or organisation (accents and case ignored, as on the roster).
    for word in fold(search).split():
        organisation = Q(user_id__in=Profile.objects.filter(folded_organisation__contains=word).values("user_id"))
        rows = rows.filter(
            functools.reduce(operator.or_, [*(Q(**{f"{name}__contains": word}) for name in _SEARCHED), organisation])
        )
    return rows.order_by("user__folded_last_name", "user__folded_first_name", "pk")


def unassigned_page(edition: Edition, *, search: str = "", number=1, per_page: int = UNASSIGNED_PER_PAGE) -> Page:
    """One page of the participants who may be placed and have no group, with how many match: one query."""
    rows = _unassigned_rows(edition, search).values("user_id", "status", *_PERSON_COLUMNS)
    page = counted_page(rows, number, per_page, window=bool(search.strip()))
    labels = gender_labels()
    page.object_list = [
        _person(tuple(row[name] for name in _PERSON_COLUMNS), labels, user_id=row["user_id"], status=row["status"])
        for row in page.object_list
    ]
    return page


def _members(edition: Edition) -> list[PersonRow]:
    status = Enrolment.objects.filter(edition=edition, user=OuterRef("user_id")).values("status")[:1]
    rows = (
        Membership.objects.filter(edition=edition)
        .annotate(status=Subquery(status))
        .values_list("group_id", "user_id", "status", "pinned", "group_role", *_PERSON_COLUMNS)
    )
    labels = gender_labels()
    members = []
    for group_id, user_id, status, pinned, role, *person in rows:
        members.append(
            _person(
                tuple(person),
                labels,
                user_id=user_id,
                group_id=group_id,
                status=status or "",
                pinned=pinned,
                is_coordinator=role == Membership.GroupRole.COORDINATOR,
            )
        )
    return members


def formation_board(
    edition: Edition, *, search: str = "", page=1, per_page: int = UNASSIGNED_PER_PAGE, open_group=None
) -> FormationBoard:
    """Everything the formation screen shows, in a constant number of queries (see the module's docstring).

    `open_group`: the id of a group whose members are shown even when the lists are too long to show them all.
    """
    groups = list(
        Group.objects.filter(edition=edition)
        .select_related("stakeholder_type", "mentor")
        .order_by("stakeholder_type__position", "stakeholder_type__code", "name", "pk")
    )
    cards = {group.pk: GroupCard(group) for group in groups}
    sector_type = sector_matcher(list(StakeholderType.objects.filter(edition=edition)))
    for member in sorted(_members(edition), key=lambda person: person.sort_key):
        member.sector_type = sector_type(member.sector)
        cards[member.group_id].members.append(member)
    unassigned = unassigned_page(edition, search=search, number=page, per_page=per_page)
    total = unassigned.paginator.count
    if search.strip():
        total = _unassigned_rows(edition, "").count()
    return FormationBoard(
        edition=edition,
        groups=list(cards.values()),
        unassigned=unassigned,
        unassigned_total=total,
        formation=Formation.objects.filter(edition=edition).select_related("published_by").first(),
        open_group=int(open_group) if str(open_group or "").isdigit() else None,
    )


def group_members(group: Group) -> list[Membership]:
    """A group's members for its page, coordinator first, then by name: one query."""
    memberships = Membership.objects.filter(group=group).select_related("user__profile")
    return sorted(
        memberships,
        key=lambda m: (
            m.group_role != Membership.GroupRole.COORDINATOR,
            fold(m.user.last_name),
            fold(m.user.first_name),
            m.pk,
        ),
    )


__all__ = [
    "INLINE_MEMBERS_UP_TO",
    "FormationBoard",
    "GroupCard",
    "PersonRow",
    "formation_board",
    "gender_labels",
    "group_members",
    "unassigned_page",
]
