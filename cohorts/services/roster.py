"""The roster of an edition (search, filters, sorting, attendance rates), taking attendance, and one's own profile.

Every list here is read in a constant number of queries, whatever the size of the cohort: the group, the profile and
the attendance count come as joins and subqueries, never one query per row. What only a pass over the whole edition
would tell (its countries, how many people each status has, its sessions' dates) comes from the cache
(services.roster_facts).
"""

import bisect
import datetime as dt
import functools
import math
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from malisig.models import User, normalise_name
from malisig.text import fold

from ..models import Attendance, AttendanceEvent, Edition, Enrolment, Masterclass, Profile
from .enrolment import (
    InvalidTransition,
    admit_by_hand,
    available_transitions,
    invite_participants,
    reinstate,
    transition_enrolment,
    withdraw,
)
from .roster_facts import roster_facts_changed, session_dates, status_counts

S = Enrolment.Status

# ---------------------------------------------------------------------------------------------------------------------
# Accent-insensitive search and sorting, the same on PostgreSQL and SQLite
#
# "Traore" must find "Traoré" and "keita" "Kéïta": the searched words are folded (malisig.text.fold: lower case, no
# accents) and compared with the people's names, email and organisation folded when saved (FoldedField columns:
# User.folded_*, Profile.folded_organisation), so that a search reads plain columns and the roster's sort by name an
# index, whatever the database.

# ---------------------------------------------------------------------------------------------------------------------
# The roster

# Who is expected at workshops and masterclasses.
CHECKLIST_STATUSES = (S.ADMITTED, S.INVITED, S.ACTIVE, S.COMPLETED)
NO_GROUP = "none"
NO_GENDER = "none"
PROFILE_COLUMNS = ("gender", "country", "city", "organisation", "sector", "job_title", "phone")
# What the search looks in besides the organisation (see _people_with).
_SEARCHED = ("folded_last_name", "folded_first_name", "folded_email")


def _with_organisation_containing(word: str) -> QuerySet[Profile]:
    """The user ids of the profiles whose organisation contains `word`, a folded word."""
    return Profile.objects.filter(folded_organisation__contains=word).values("user_id")


def _people_with(word: str) -> QuerySet[User]:
    """The ids of the people whose name, email or organisation contains `word`, a folded word.

    A word has no space, so it is in one of them. A subquery of its own rather than conditions on the roster's rows
    (and a UNION rather than an OR, which PostgreSQL cannot estimate): the database finds the few people matching
    before joining their enrolments.
    """
    found = functools.reduce(operator.or_, (Q(**{f"{name}__contains": word}) for name in _SEARCHED))
    return User.objects.filter(found).order_by().values("pk").union(_with_organisation_containing(word), all=True)


def _matching(enrolments: QuerySet[Enrolment], search: str) -> QuerySet[Enrolment]:
    """The enrolments of people matching each word of `search`, accents and case aside."""
    for word in fold(search).split():
        enrolments = enrolments.filter(user__in=_people_with(word))
    return enrolments


_STATUS_ORDER = Case(
    *(When(status=status, then=Value(i)) for i, status in enumerate(S.values)), output_field=IntegerField()
)
_LAST, _FIRST = F("user__folded_last_name"), F("user__folded_first_name")
_NO_GRADE = ExpressionWrapper(Q(grade__isnull=True), output_field=BooleanField())

# The whitelisted sort keys of the roster; "-" reverses.
ROSTER_SORTS = {
    "name": (_LAST.asc(), _FIRST.asc()),
    "-name": (_LAST.desc(), _FIRST.desc()),
    "status": (_STATUS_ORDER.asc(), _LAST.asc(), _FIRST.asc()),
    "-status": (_STATUS_ORDER.desc(), _LAST.asc(), _FIRST.asc()),
    "grade": (F("grade").asc(nulls_last=True), _LAST.asc()),
    # Descending, no grade last: written so that an index (Enrolment.Meta) gives the best grades of a status first.
    "-grade": (_NO_GRADE.asc(), F("grade").desc(), _LAST.asc()),
    "attendance": (F("present_count").asc(), _LAST.asc()),
    "-attendance": (F("present_count").desc(), _LAST.asc()),
}
DEFAULT_SORT = "name"


def held_session_count(edition: Edition, today: dt.date | None = None) -> int:
    """The sessions that count for attendance: those of the edition dated today or earlier.

    Sessions prepared in advance (every masterclass at once) must not lower everyone's rate before they happen.
    """
    return bisect.bisect_right(session_dates(edition.pk), today or timezone.localdate())  # dates cached, in order


def attendance_rate(present: int, held: int) -> int | None:
    """Present marks over sessions held, as a whole percentage; None when no session was held."""
    if not held:
        return None
    return round(100 * present / held)


@dataclass(frozen=True)
class RosterFilters:
    """What the roster is filtered and sorted by (see roster())."""

    search: str = ""
    status: str = ""
    eligible: bool | None = None
    gender: str = ""
    country: str = ""
    organisation: str = ""
    group: str = ""
    sort: str = DEFAULT_SORT


def _roster_columns(edition: Edition | int, today: dt.date | None, *, attendance: bool = True) -> dict:
    """The computed columns of a roster row (see roster()); `present_count` only with `attendance`."""
    columns = {
        "group_name": F("membership__group__name"),
        "group_pk": F("membership__group_id"),
        **{f"person_{name}": Coalesce(f"user__profile__{name}", Value("")) for name in PROFILE_COLUMNS},
    }
    if attendance:
        # Present marks in held sessions (see held_session_count).
        held = {"event__edition": edition, "event__date__lte": today or timezone.localdate()}
        present = (
            Attendance.objects.filter(enrolment=OuterRef("pk"), present=True, **held)
            .values("enrolment")
            .annotate(n=Count("pk"))
            .values("n")
        )
        columns["present_count"] = Coalesce(Subquery(present, output_field=IntegerField()), 0)
    return columns


def _with_membership(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    # One membership per person and edition (a database constraint in groups): this join never repeats a row.
    return enrolments.alias(
        membership=FilteredRelation(
            "user__group_memberships", condition=Q(user__group_memberships__edition=F("edition"))
        )
    )


def _roster_rows(
    edition: Edition, *, columns: str, filters: RosterFilters, today: dt.date | None
) -> tuple[QuerySet, bool]:
    """The edition's enrolments filtered and sorted; the computed columns `annotate`d (read) or `alias`ed. And
    whether a filter other than the status narrowed them (if not, the cached status counts say how many there are).

    With "alias" only the columns that a filter or the sort needs are computed: the page's ids are found without the
    attendance, group and profile of the rows that are not shown.
    """
    enrolments = _with_membership(Enrolment.objects.filter(edition=edition))
    if columns == "alias":
        # Each alias joins its table even unused: alias only what the filters and the sort use.
        used = {
            "person_gender": bool(filters.gender),
            "person_country": bool(filters.country),
            "group_pk": bool(filters.group),
            "present_count": filters.sort in ("attendance", "-attendance"),
        }
        computed = _roster_columns(edition, today, attendance=used["present_count"])
        enrolments = enrolments.alias(**{name: computed[name] for name, needed in used.items() if needed})
    else:
        enrolments = enrolments.annotate(**_roster_columns(edition, today))
    by_status = enrolments.filter(status=filters.status) if filters.status in S.values else enrolments
    enrolments = _matching(by_status, filters.search)
    if filters.eligible is not None:
        enrolments = enrolments.filter(eligible=filters.eligible)
    if filters.gender == NO_GENDER:
        enrolments = enrolments.filter(person_gender="")
    elif filters.gender in Profile.Gender.values:
        enrolments = enrolments.filter(person_gender=filters.gender)
    if filters.country:
        enrolments = enrolments.filter(person_country=filters.country)
    if filters.organisation.strip():
        enrolments = enrolments.filter(user__in=_with_organisation_containing(fold(filters.organisation.strip())))
    if filters.group == NO_GROUP:
        enrolments = enrolments.filter(group_pk__isnull=True)
    elif str(filters.group).isdigit():
        enrolments = enrolments.filter(group_pk=int(filters.group))
    narrowed = enrolments is not by_status
    return enrolments.order_by(*ROSTER_SORTS.get(filters.sort, ROSTER_SORTS[DEFAULT_SORT]), "pk"), narrowed


def roster(edition: Edition, *, today: dt.date | None = None, **filters) -> QuerySet[Enrolment]:
    """The edition's enrolments, filtered and sorted, one query for any number of rows (the export reads it).

    Each row carries `person_*` (the profile's columns, empty without a profile), `group_name`, `group_pk` and
    `present_count` (present marks in held sessions). `search` is accent-insensitive, every word must match the name,
    email or organisation. `gender` and `group` take NO_GENDER / NO_GROUP for "not set". Keyword arguments: the
    fields of RosterFilters.
    """
    rows, _narrowed = _roster_rows(edition, columns="annotate", filters=RosterFilters(**filters), today=today)
    return rows.select_related("user")


def _page_number(number) -> int:
    try:
        return max(int(number), 1)
    except (TypeError, ValueError):
        return 1


def counted_page(
    queryset: QuerySet,
    number,
    per_page: int,
    *,
    window: bool,
    counted: QuerySet | None = None,
    total: int | None = None,
) -> Page:
    """One page of `queryset` (sorted, one edition's rows) and how many rows there are, in one query.

    `total`: how many rows there are, when the caller knows it (the cached status counts, services.roster_facts): the
    query reads the page alone. Otherwise the total rides along the page's rows as `total_rows`: a COUNT(*) OVER ()
    window when the filters are costly (a search reads every row: filtering once beats filtering twice), else a COUNT
    subquery of `counted` (the same rows without the joins that only the page needs; default `queryset`), which an
    index answers without reading, let alone sorting, every row. Unlike Paginator, which skips the page's query when
    nothing matches, the same query runs whatever the data. A page past the end (a stale link) shows the last page, as
    Paginator.get_page does (for two more queries, unless `total` is known). Returns a Page whose object_list is the
    list of rows.
    """
    number = _page_number(number)
    if total is not None:
        number = min(number, max(1, math.ceil(total / per_page)))
        rows = list(queryset[(number - 1) * per_page : number * per_page])
        return Page(rows, number, Paginator(range(total), per_page))
    if window:
        total_rows = Window(Count("*"))
    else:
        rows = queryset if counted is None else counted
        total_rows = Subquery(rows.order_by().values("edition").annotate(n=Count("pk")).values("n"))
    with_total = queryset.annotate(total_rows=total_rows)

    def rows_of(number: int) -> list:
        return list(with_total[(number - 1) * per_page : number * per_page])

    rows = rows_of(number)
    if not rows and number > 1:
        number = max(1, math.ceil(queryset.count() / per_page))
        rows = rows_of(number)
    first = rows[0] if rows else None
    count = (first["total_rows"] if isinstance(first, dict) else first.total_rows) if rows else 0
    return Page(rows, number, Paginator(range(count), per_page))


# What the roster page shows of an enrolment and its person (roster_page reads nothing else).
PAGE_FIELDS = (
    "status",
    "eligible",
    "eligibility_reason",
    "grade",
    "user",
    "user__first_name",
    "user__last_name",
    "user__email",
)


def roster_page(edition: Edition, *, number=1, per_page: int = 50, today: dt.date | None = None, **filters) -> Page:
    """One page of roster() (same rows, same computed columns) in two queries, whatever the size of the roster.

    The first query finds the page's ids and the total (counted_page; the total comes from the cached status counts
    when no other filter narrows the roster), computing nothing but what the filters and the sort need; the second
    reads the page's rows with their group, profile and attendance count, so the attendance subquery runs for the rows
    shown, not for the whole edition. Of the enrolment and the user, only PAGE_FIELDS are read: the others (dates,
    password...) would cost their conversion on every row.
    """
    wanted = RosterFilters(**filters)
    ids, narrowed = _roster_rows(edition, columns="alias", filters=wanted, today=today)
    if narrowed:
        total = None
    else:
        counts = status_counts(edition.pk)
        total = counts.get(wanted.status, 0) if wanted.status in S.values else sum(counts.values())
    window = bool(wanted.search.strip() or wanted.organisation.strip())
    page = counted_page(ids.values("pk"), number, per_page, window=window, total=total)
    position = {row["pk"]: index for index, row in enumerate(page.object_list)}
    # An empty page still reads (nothing, from an id no row has): the same queries whatever the data.
    rows = _page_rows(edition.pk, today or timezone.localdate()).filter(pk__in=list(position) or [0])
    # In the first query's order, rather than sorted again by the database.
    page.object_list = sorted(rows, key=lambda row: position[row.pk])
    return page


def _page_rows(edition_id: int, today: dt.date) -> QuerySet[Enrolment]:
    """The edition's enrolments as roster_page reads them: PAGE_FIELDS and the computed columns, unsorted."""
    return _built_page_rows(edition_id, today).all()  # a copy: evaluating it leaves the shared one unevaluated


@functools.lru_cache(maxsize=64)
def _built_page_rows(edition_id: int, today: dt.date) -> QuerySet[Enrolment]:
    # Built once per edition and day in each process, and copied for each page: building the annotations took longer
    # than running the query.
    rows = _with_membership(Enrolment.objects.filter(edition_id=edition_id))
    return rows.select_related("user").only(*PAGE_FIELDS).annotate(**_roster_columns(edition_id, today))


def with_rates(rows: Iterable[Enrolment], held: int) -> Iterator[Enrolment]:
    """Rows read by roster(), with `attendance_rate` and `gender_label` set (no query)."""
    labels = dict(Profile.Gender.choices)
    for row in rows:
        row.attendance_rate = attendance_rate(row.present_count, held)
        row.gender_label = labels.get(row.person_gender, "")
        yield row


def roster_groups(edition: Edition) -> list[tuple[int, str]]:
    """The edition's groups (id, name), for the roster's filter; read by the reverse relation, not imported."""
    return list(edition.groups.order_by("name").values_list("pk", "name"))


# ---------------------------------------------------------------------------------------------------------------------
# Enrolment changes from the roster and the profile page


@dataclass
class BulkOutcome:
    """What a bulk action did: the enrolments changed, and those whose status did not allow it."""

    done: list[Enrolment] = field(default_factory=list)
    refused: list[Enrolment] = field(default_factory=list)


def _selected(edition: Edition, enrolment_ids: Iterable) -> QuerySet[Enrolment]:
    """Only this edition's enrolments: an id from another edition is ignored."""
    ids = {int(pk) for pk in enrolment_ids if str(pk).isdigit()}
    return Enrolment.objects.filter(edition=edition, pk__in=ids).select_related("edition", "user").order_by("pk")


def admit_enrolments_by_hand(edition: Edition, enrolment_ids: Iterable, *, by: User, reason: str) -> BulkOutcome:
    """Admit each selected enrolment by hand (services.admit_by_hand). Writes: one EnrolmentChange per admission.

    Raises ValueError without a reason and PermissionDenied unless `by` manages the edition.
    """
    if not reason.strip():
        raise ValueError("A reason is required to admit someone by hand")
    return _each(edition, enrolment_ids, lambda enrolment: admit_by_hand(enrolment, by=by, reason=reason), by=by)


def withdraw_enrolments(edition: Edition, enrolment_ids: Iterable, *, by: User, reason: str = "") -> BulkOutcome:
    """Withdraw each selected enrolment (services.withdraw). Writes: one EnrolmentChange per withdrawal."""
    return _each(edition, enrolment_ids, lambda enrolment: withdraw(enrolment, by=by, reason=reason), by=by)


def _each(edition: Edition, enrolment_ids: Iterable, action, *, by: User) -> BulkOutcome:
    if not by.has_perm("cohorts.manage_edition", edition):
        raise PermissionDenied
    outcome = BulkOutcome()
    for enrolment in _selected(edition, enrolment_ids):
        try:
            action(enrolment)
        except InvalidTransition:
            outcome.refused.append(enrolment)
        else:
            outcome.done.append(enrolment)
    return outcome


def admitted_enrolment_ids(edition: Edition) -> list[int]:
    return list(Enrolment.objects.filter(edition=edition, status=S.ADMITTED).values_list("pk", flat=True))


# Becoming active is the participant's own step (accepting the invitation grants their role): no button for it,
# except to undo a completion.
_BY_HAND = {S.ADMITTED, S.INVITED, S.WITHDRAWN, S.COMPLETED}


def transitions_by_hand(enrolment: Enrolment) -> list[str]:
    """The statuses an organiser may move this enrolment to from its profile page, in workflow order."""
    available = available_transitions(enrolment)
    by_hand = _BY_HAND | ({S.ACTIVE} if enrolment.status == S.COMPLETED else set())
    return [status for status in S.values if status in available & by_hand]


def change_enrolment_status(enrolment: Enrolment, to: str, *, by: User, note: str = "") -> bool:
    """Move one enrolment to `to` through the matching named service; True if done now, False if queued.

    INVITED queues the invitation email (the status changes when it is sent); ADMITTED is a reinstatement after a
    withdrawal and an admission by hand (reason required) otherwise. Raises InvalidTransition, ValueError,
    PermissionDenied.
    """
    if to not in transitions_by_hand(enrolment):
        raise InvalidTransition(enrolment.status, to)
    if to == S.INVITED:
        invite_participants(enrolment.edition, [enrolment.pk], by=by)
        return False
    if to == S.ADMITTED and enrolment.status == S.WITHDRAWN:
        reinstate(enrolment, by=by, reason=note)
    elif to == S.ADMITTED:
        admit_by_hand(enrolment, by=by, reason=note)
    elif to == S.WITHDRAWN:
        withdraw(enrolment, by=by, reason=note)
    else:
        if not by.has_perm("cohorts.manage_edition", enrolment.edition):
            raise PermissionDenied
        transition_enrolment(enrolment, to, by=by, note=note)
    return True


# ---------------------------------------------------------------------------------------------------------------------
# Attendance


def sessions_of(edition: Edition) -> QuerySet[AttendanceEvent]:
    """The edition's attendance sessions with `present` and `marked` counts, in date order."""
    return (
        AttendanceEvent.objects.filter(edition=edition)
        .select_related("masterclass")
        .annotate(present=Count("attendances", filter=Q(attendances__present=True)), marked=Count("attendances"))
        .order_by("date", "pk")
    )


def expected_count(edition: Edition) -> int:
    """How many people the checklists list (admitted, invited, active or completed)."""
    return _expected_total(edition.pk)


def _expected_total(edition_id: int) -> int:
    counts = status_counts(edition_id)  # cached
    return sum(counts.get(status, 0) for status in CHECKLIST_STATUSES)


def masterclasses_without_session(edition: Edition) -> QuerySet[Masterclass]:
    return Masterclass.objects.filter(edition=edition, attendance_event__isnull=True).order_by("starts_at")


def _require_attendance_taker(edition: Edition, by: User) -> None:
    if not by.has_perm("cohorts.take_attendance", edition):
        raise PermissionDenied


def create_session(edition: Edition, *, by: User, title: str, date: dt.date) -> AttendanceEvent:
    """A workshop day (or any session) where presence will be taken. Writes: one AttendanceEvent."""
    _require_attendance_taker(edition, by)
    return AttendanceEvent.objects.create(edition=edition, title=title.strip(), date=date)


def create_masterclass_sessions(edition: Edition, *, by: User, masterclass_ids: Iterable | None = None) -> int:
    """A session for each masterclass of the edition that has none (all, or those in `masterclass_ids`).

    Writes: AttendanceEvent rows (one bulk insert); the roster's cached facts forgotten. Returns how many were created.
    """
    _require_attendance_taker(edition, by)
    masterclasses = masterclasses_without_session(edition)
    if masterclass_ids is not None:
        masterclasses = masterclasses.filter(pk__in=[int(pk) for pk in masterclass_ids if str(pk).isdigit()])
    sessions = [
        AttendanceEvent(
            edition=edition,
            title=masterclass.title_fr,
            date=timezone.localdate(masterclass.starts_at),
            masterclass=masterclass,
        )
        for masterclass in masterclasses
    ]
    # A double click may race the first: the unique masterclass column keeps one session each.
    AttendanceEvent.objects.bulk_create(sessions, ignore_conflicts=True)
    roster_facts_changed()  # a bulk insert sends no signal
    return len(sessions)


CHECKLIST_PER_PAGE = 100


def checklist(event: AttendanceEvent, *, search: str = "", number=1, per_page: int = CHECKLIST_PER_PAGE) -> Page:
    """One page of who is expected at this session, by name, with their saved mark (None: not recorded yet).

    `search` is the roster's (accent-insensitive words in the name, email or organisation). One query whatever the
    size of the cohort: the mark comes as a join, the total as a window when searching, else from the cached status
    counts (counted_page, expected_count). The page's object_list holds (enrolment, mark) pairs.
    """
    searched = bool(fold(search).split())
    page = counted_page(
        _matching(_checklist_rows(event.edition_id, event.pk).all(), search),  # a copy of the shared one
        number,
        per_page,
        window=searched,
        total=None if searched else _expected_total(event.edition_id),
    )
    page.object_list = [(enrolment, enrolment.mark) for enrolment in page.object_list]
    return page


@functools.lru_cache(maxsize=64)
def _checklist_rows(edition_id: int, event_id: int) -> QuerySet[Enrolment]:
    """Who is expected at the session, by name, with their mark: the checklist before its search and its page.

    Built once per session in each process, like _built_page_rows: copy it (.all()) before use.
    """
    expected = Enrolment.objects.filter(edition_id=edition_id, status__in=CHECKLIST_STATUSES)
    # Only what the checklist shows: the other columns (dates, password...) would cost their conversion on every row.
    shown = ("status", "user", "user__first_name", "user__last_name", "user__email")
    return (
        expected.select_related("user")
        .only(*shown)
        .annotate(
            person_organisation=Coalesce("user__profile__organisation", Value("")),
            # One mark per session and enrolment (a database constraint): this join never repeats a row.
            this_session=FilteredRelation("attendances", condition=Q(attendances__event_id=event_id)),
            mark=F("this_session__present"),
        )
        .order_by(_LAST, _FIRST, "pk")
    )


@dataclass(frozen=True)
class AttendanceSaved:
    present: int
    absent: int
    changed: int


def _ids(values: Iterable) -> set[int]:
    return {int(pk) for pk in values if str(pk).isdigit()}


@transaction.atomic
def record_attendance(
    event: AttendanceEvent, present_ids: Iterable, *, by: User, shown_ids: Iterable | None = None
) -> AttendanceSaved:
    """Save the checklist: ticked people present, the others absent, in one transaction and constant queries.

    `shown_ids`: the people of the page that was saved (the checklist is paginated): only they are marked, the ticked
    ones present and the others absent; people on other pages keep their marks. None: the whole checklist. Writes:
    Attendance rows, created in one bulk insert and changed in one bulk update (unchanged marks are left as they were,
    with who recorded them). Ids outside the checklist (another edition, a withdrawal) are ignored.
    """
    _require_attendance_taker(event.edition, by)
    # lock: two organisers may save the same list at once; the second waits and sees the first one's marks.
    AttendanceEvent.objects.select_for_update().filter(pk=event.pk).first()
    ticked = _ids(present_ids)
    expected = Enrolment.objects.filter(edition_id=event.edition_id, status__in=CHECKLIST_STATUSES)
    if shown_ids is not None:
        # A ticked box was shown too, even if its hidden field went missing.
        expected = expected.filter(pk__in=_ids(shown_ids) | ticked)
    expected = set(expected.values_list("pk", flat=True))
    present = ticked & expected
    existing = {mark.enrolment_id: mark for mark in Attendance.objects.filter(event=event, enrolment_id__in=expected)}
    now = timezone.now()
    new = [
        Attendance(event=event, enrolment_id=pk, present=pk in present, recorded_by=by, recorded_at=now)
        for pk in sorted(expected - existing.keys())
    ]
    changed = [mark for pk, mark in existing.items() if mark.present != (pk in present)]
    for mark in changed:
        mark.present, mark.recorded_by, mark.recorded_at = mark.enrolment_id in present, by, now
    Attendance.objects.bulk_create(new)
    Attendance.objects.bulk_update(changed, ["present", "recorded_by", "recorded_at"])
    return AttendanceSaved(present=len(present), absent=len(expected) - len(present), changed=len(new) + len(changed))


def attendance_of(enrolment: Enrolment) -> list[tuple[AttendanceEvent, bool | None]]:
    """Each session of the enrolment's edition with this person's mark (None: not recorded). Two queries."""
    marks = dict(Attendance.objects.filter(enrolment=enrolment).values_list("event_id", "present"))
    events = AttendanceEvent.objects.filter(edition_id=enrolment.edition_id).select_related("masterclass")
    return [(event, marks.get(event.pk)) for event in events.order_by("date", "pk")]


# ---------------------------------------------------------------------------------------------------------------------
# One's own profile

OWN_ACCOUNT_FIELDS = ("first_name", "last_name", "preferred_language")
OWN_PROFILE_FIELDS = PROFILE_COLUMNS


@transaction.atomic
def update_own_profile(person: User, *, by: User, **values) -> User:
    """A person edits what they may about themselves: name, language and profile; never email, grade or status.

    Writes: the User row and the Profile row (created if missing). Other keys are ignored.
    """
    if not by.has_perm("cohorts.edit_own_profile", person):
        raise PermissionDenied
    account = {name: values[name] for name in OWN_ACCOUNT_FIELDS if name in values}
    for name in ("first_name", "last_name"):
        if name in account:
            account[name] = normalise_name(account[name])
    if account:
        User.objects.filter(pk=person.pk).update(**account)
        for name, value in account.items():
            setattr(person, name, value)
    profile = {name: (values[name] or "").strip() for name in OWN_PROFILE_FIELDS if name in values}
    if profile:
        Profile.objects.update_or_create(user=person, defaults=profile)
    return person


def profile_of(person: User) -> Profile | None:
    return Profile.objects.filter(user=person).first()
