"""What the formation screen shows: a page of unassigned participants, and the groups with their balance figures.

Read only. A constant number of queries whatever the size of the cohort: one for the groups, one for the stakeholder
types (to tell who comes from which role), one for the groups' figures (members counted by group and by what the
figures tell apart, no names), one for the members whose names are shown, two for a page of unassigned people with
their total, and one for the publication.
"""

import functools
import operator
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from cohorts.models import Edition, Enrolment, Profile
from cohorts.services.roster import counted_page
from malisig.models import User
from malisig.text import fold

from ..models import Formation, Group, Membership, StakeholderType
from .automatic import sector_matcher
from .placement import PLACEABLE_STATUSES

# Up to this many people in groups, every group's member list is on the page (folded); above it, one at a time.
INLINE_MEMBERS_UP_TO = 300
UNASSIGNED_PER_PAGE = 50
# Up to this many people without a group, their page is read by their ids (see _unassigned_rows).
BY_ID_UP_TO = 250
NO_GENDER = "unknown"
# What the search of unassigned people looks in: the folded columns (malisig.models.FoldedField).
_SEARCHED = ("folded_last_name", "folded_first_name", "folded_email")
_PROFILE_COLUMNS = ("gender", "country", "organisation", "sector")
_PERSON_COLUMNS = (
    "user__first_name",
    "user__last_name",
    "user__email",
    *(f"user__profile__{name}" for name in _PROFILE_COLUMNS),
)


@functools.cache
def gender_labels() -> dict[str, str]:
    """Gender codes (and NO_GENDER) → labels, lazy: each shows in the language current when it is shown."""
    return {**dict(Profile.Gender.choices), NO_GENDER: _("Not given"), "": _("Not given")}


@functools.lru_cache(maxsize=4096)
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
    """A group and its balance figures, counted from all its members; `members` lists those whose names are shown.

    The figures come from `add()`, one call per kind of member (same gender, organisation, country, sector, pin and
    status) with how many there are; `members` holds every member when the lists are shown inline, else only the
    opened group's.
    """

    group: Group
    members: list[PersonRow] = field(default_factory=list)
    size: int = 0
    pinned: int = 0
    not_placeable: int = 0  # members who withdrew (or were never enrolled): to take out of the group
    own_sector: int = 0  # members whose sector of origin matches the role the group plays
    genders: dict[str, int] = field(default_factory=dict)
    organisation_keys: set[str] = field(default_factory=set)
    country_keys: set[str] = field(default_factory=set)

    def add(self, count: int, *, gender: str, organisation: str, country: str, sector_type: str, pinned: bool,
            placeable: bool) -> None:  # fmt: skip
        self.size += count
        code = gender or NO_GENDER
        self.genders[code] = self.genders.get(code, 0) + count
        self.organisation_keys.add(_key(organisation))
        self.country_keys.add(_key(country))
        if sector_type and sector_type == self.group.stakeholder_type.code:
            self.own_sector += count
        if pinned:
            self.pinned += count
        if not placeable:
            self.not_placeable += count

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
        labels = gender_labels()
        order = [*Profile.Gender.values, NO_GENDER]
        return [(labels[code], self.genders[code]) for code in order if code in self.genders]

    @property
    def organisations(self) -> int:
        return len(self.organisation_keys - {""})

    @property
    def countries(self) -> int:
        return len(self.country_keys - {""})


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


def _unassigned_enrolments(edition: Edition):
    """The enrolments of the people who may be placed and have no group."""
    has_group = Membership.objects.filter(edition=edition, user=OuterRef("user_id"))
    return Enrolment.objects.filter(edition=edition, status__in=PLACEABLE_STATUSES).exclude(Exists(has_group))


def _search(rows, search: str, user: str = ""):
    """`rows` (users, or with `user` "user__" rows pointing to them) whose name, email or organisation holds every
    word of `search`, accents and case ignored as on the roster."""
    for word in fold(search).split():
        organisation = Profile.objects.filter(folded_organisation__contains=word).values("user_id")
        words = [Q(**{f"{user}{name}__contains": word}) for name in _SEARCHED]
        rows = rows.filter(functools.reduce(operator.or_, [*words, Q(**{f"{user}pk__in": organisation})]))
    return rows


def _unassigned_rows(edition: Edition, user_ids: list[int], search: str) -> tuple[QuerySet, tuple[str, ...]]:
    """The unassigned people (`user_ids`) matching `search`, by name, as values: (user id, status, *_PERSON_COLUMNS)
    under the names returned with them."""
    if len(user_ids) > BY_ID_UP_TO:
        # Many: walking users in name order soon finds a page of them (the query the ids came from).
        rows = _search(_unassigned_enrolments(edition), search, "user__")
        names = ("user_id", "status", *_PERSON_COLUMNS)
        return rows.order_by("user__folded_last_name", "user__folded_first_name", "pk").values(*names), names
    # Few: their ids, not the query that finds them. PostgreSQL cannot guess how few people are left without a group
    # and would walk every user in name order looking for them; profiles are read by subqueries, which run for the
    # page's rows only, where a join would read every profile.
    profile = Profile.objects.filter(user=OuterRef("pk"))
    status = Enrolment.objects.filter(edition=edition, user=OuterRef("pk")).values("status")[:1]
    rows = _search(User.objects.filter(pk__in=user_ids), search).annotate(
        status=Subquery(status), **{name: Subquery(profile.values(name)[:1]) for name in _PROFILE_COLUMNS}
    )
    names = ("pk", "status", "first_name", "last_name", "email", *_PROFILE_COLUMNS)
    return rows.order_by("folded_last_name", "folded_first_name", "pk").values(*names), names


def _page_number(number) -> int:
    try:
        return max(int(number), 1)
    except (TypeError, ValueError):
        return 1


def _unassigned(edition: Edition, search: str, number, per_page: int) -> tuple[Page, int]:
    """A page of the unassigned people matching `search`, and how many are unassigned whatever the search.

    Two queries: the ids, then the page (a search counts its matches along, by a window). A page past the end (a
    stale link) shows the last page, as the roster does.
    """
    user_ids = list(_unassigned_enrolments(edition).order_by().values_list("user_id", flat=True))
    rows, (pk, status, *columns) = _unassigned_rows(edition, user_ids, search)
    if search.strip():
        page = counted_page(rows, number, per_page, window=True)
    else:
        paginator = Paginator(range(len(user_ids)), per_page)  # the count is known: no window to compute
        number = min(_page_number(number), paginator.num_pages)
        page = Page(list(rows[(number - 1) * per_page : number * per_page]), number, paginator)
    labels = gender_labels()
    page.object_list = [
        _person(tuple(row[name] for name in columns), labels, user_id=row[pk], status=row[status])
        for row in page.object_list
    ]
    return page, len(user_ids)


def unassigned_page(edition: Edition, *, search: str = "", number=1, per_page: int = UNASSIGNED_PER_PAGE) -> Page:
    """One page of the participants who may be placed and have no group, with how many match: two queries."""
    return _unassigned(edition, search, number, per_page)[0]


# What the groups' figures tell members apart by; members alike are counted together.
_FIGURE_COLUMNS = (
    "group_id", "pinned", "placeable", "user__profile__gender", "user__profile__organisation", "user__profile__country",
    "user__profile__sector",
)  # fmt: skip


def _count_members(edition: Edition, cards: dict[int, GroupCard], sector_type) -> None:
    """Every group's figures, from its members counted by kind (one query; no names, no row per member)."""
    placeable = Enrolment.objects.filter(edition=edition, user=OuterRef("user_id"), status__in=PLACEABLE_STATUSES)
    rows = (
        Membership.objects.filter(edition=edition)
        .annotate(placeable=Exists(placeable))
        .values(*_FIGURE_COLUMNS)
        .annotate(count=Count("pk"))
        .order_by()
        .values_list(*_FIGURE_COLUMNS, "count")
    )
    for group_id, pinned, placeable, gender, organisation, country, sector, count in rows:
        cards[group_id].add(
            count, gender=gender or "", organisation=organisation or "", country=country or "",
            sector_type=sector_type(sector or ""), pinned=pinned, placeable=placeable,
        )  # fmt: skip


def _members(edition: Edition, group_id: int | None, sector_type) -> list[PersonRow]:
    """The members whose names are shown, by name: everyone's (`group_id` None), or one group's (one query)."""
    status = Enrolment.objects.filter(edition=edition, user=OuterRef("user_id")).values("status")[:1]
    rows = Membership.objects.filter(edition=edition)
    if group_id is not None:
        rows = rows.filter(group_id=group_id)
    rows = rows.annotate(status=Subquery(status)).values_list(
        "group_id", "user_id", "status", "pinned", "group_role", *_PERSON_COLUMNS
    )
    labels = gender_labels()
    members = []
    for group_id, user_id, status, pinned, role, *person in rows:
        member = _person(
            tuple(person),
            labels,
            user_id=user_id,
            group_id=group_id,
            status=status or "",
            pinned=pinned,
            is_coordinator=role == Membership.GroupRole.COORDINATOR,
        )
        member.sector_type = sector_type(member.sector)
        members.append(member)
    return sorted(members, key=lambda person: person.sort_key)


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
    _count_members(edition, cards, sector_type)
    open_group = int(open_group) if str(open_group or "").isdigit() else None
    inline = sum(card.size for card in cards.values()) <= INLINE_MEMBERS_UP_TO
    # Inline, everyone's names; else the opened group's only (none opened: a query that finds nobody, so that the
    # page reads as many queries whatever it shows).
    shown = None if inline else (open_group or 0)
    for member in _members(edition, shown, sector_type):
        if member.group_id in cards:
            cards[member.group_id].members.append(member)
    unassigned, total = _unassigned(edition, search, page, per_page)
    return FormationBoard(
        edition=edition,
        groups=list(cards.values()),
        unassigned=unassigned,
        unassigned_total=total,
        formation=Formation.objects.filter(edition=edition).select_related("published_by").first(),
        open_group=open_group,
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
