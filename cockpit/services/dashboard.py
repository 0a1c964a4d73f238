"""The edition's dashboard: the participants' funnel, each group's progress and the jury's, read at a glance.

Read-only. `edition_dashboard(edition)` reads what it counts from the cache (see "The cache"), or with ten queries,
the same whatever the edition's size (each one aggregates in the database or reads one row per group, juror,
assignment or review). It is also what the sponsors' report reads: its name, signature and dataclasses stay stable.

The funnel counts people: the enrolments of the edition for its first four steps, the members of the groups for the
next four (a group's step is its current submission's state: its latest by number), valid certificates last.
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, JSONObject
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cockpit.models import Certificate
from cohorts.models import Edition, EditionRole, Enrolment, Role
from cohorts.services import roster_facts
from groups.models import Group, Membership, StakeholderType
from malisig.generations import GenerationCache
from malisig.models import User
from submissions.models import (
    AssignmentSettings,
    ConflictOfInterest,
    Extension,
    Review,
    ReviewAssignment,
    Section,
    SectionTemplate,
)
from submissions.models import Submission as SubmissionModel
from submissions.services import results
from submissions.services.deadlines import latest_deadline

E = Enrolment.Status
S = SubmissionModel.State

# Enrolment statuses reached once the invitation was sent (sending it moves the enrolment to "invited").
INVITED_STATUSES = (E.INVITED, E.ACTIVE, E.COMPLETED)
ACTIVE_STATUSES = (E.ACTIVE, E.COMPLETED)
# A group's current submission (its latest) in these states: the group submitted, was accepted, defended.
SUBMITTED_STATES = frozenset(state for state in S.values if state != S.WITHDRAWN)
ACCEPTED_STATES = frozenset({S.ACCEPTED, S.DEFENDED, S.PUBLISHED})
DEFENDED_STATES = frozenset({S.DEFENDED, S.PUBLISHED})

FUNNEL_LABELS = {
    "imported": _("Imported from the course"),
    "eligible": _("Eligible"),
    "invited": _("Invited"),
    "active": _("Active"),
    "in_group": _("In a group"),
    "submitted": _("In a group that submitted"),
    "accepted": _("In an accepted group"),
    "defended": _("In a group that defended"),
    "certified": _("Certified"),
}
FUNNEL_HELP = {
    "imported": _("Every person in the edition's roster."),
    "eligible": _("Marked eligible by the import's rules or by hand."),
    "invited": _("Their invitation was sent (status invited, active or completed)."),
    "active": _("Accepted their invitation (status active or completed)."),
    "in_group": _("Members of a group."),
    "submitted": _("Members of a group whose current submission is not withdrawn."),
    "accepted": _("Members of a group whose document was accepted (or since defended, published)."),
    "defended": _("Members of a group that defended its document in public."),
    "certified": _("Valid certificates of participation."),
}


@dataclass
class FunnelStep:
    key: str
    label: str
    count: int
    share: float | None  # of the first step (0..1); None when the first step is empty
    help: str = ""

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)


GROUP_FIELDS = [field.attname for field in Group._meta.concrete_fields]
GROUP_NAME = GROUP_FIELDS.index("name")
_STAKEHOLDER_TYPE_ID = GROUP_FIELDS.index("stakeholder_type_id")


@dataclass
class GroupProgress:
    group_values: tuple  # the Group's concrete field values (GROUP_FIELDS); `group` makes the instance when asked
    stakeholder_type: StakeholderType
    members: int
    sections_total: int  # the assignment's parts
    sections_started: int  # drafting or ready
    sections_ready: int
    words: int
    last_activity: dt.datetime | None  # the latest save of one of its sections
    deadline: dt.datetime | None  # with extensions, as submissions.services.deadlines.window_for()
    days_to_deadline: int | None  # negative once passed; None without a deadline
    submission_state: str  # of its current submission; "" if none
    submission_label: str
    submission_id: int | None = None  # its current submission's

    @property
    def group_id(self) -> int:
        return self.group_values[0]

    @property
    def name(self) -> str:
        return self.group_values[GROUP_NAME]

    @cached_property
    def group(self) -> Group:
        """The Group, made from the values read (no query): only for the rows that need it (a page shows 50)."""
        group = Group.from_db(None, GROUP_FIELDS, self.group_values)
        group.stakeholder_type = self.stakeholder_type
        return group

    @property
    def days_past_deadline(self) -> int:
        return -self.days_to_deadline if self.days_to_deadline and self.days_to_deadline < 0 else 0

    @property
    def started_percent(self) -> int:
        return round(100 * self.sections_started / self.sections_total) if self.sections_total else 0

    @property
    def ready_percent(self) -> int:
        return round(100 * self.sections_ready / self.sections_total) if self.sections_total else 0


@dataclass
class JurorProgress:
    juror: User
    assigned: int = 0  # groups assigned, blocking conflicts left out
    to_review: int = 0  # of those, with a current submission (not withdrawn)
    submitted: int = 0  # reviews of those current submissions, submitted
    draft: int = 0

    @property
    def not_started(self) -> int:
        return max(self.to_review - self.submitted - self.draft, 0)

    @property
    def waiting(self) -> int:
        """Assigned groups with nothing to review yet."""
        return self.assigned - self.to_review


@dataclass
class JuryProgress:
    jurors: list[JurorProgress] = field(default_factory=list)

    @property
    def assignments(self) -> int:
        return sum(row.assigned for row in self.jurors)

    @property
    def to_review(self) -> int:
        return sum(row.to_review for row in self.jurors)

    @property
    def submitted(self) -> int:
        return sum(row.submitted for row in self.jurors)

    @property
    def draft(self) -> int:
        return sum(row.draft for row in self.jurors)

    @property
    def not_started(self) -> int:
        return sum(row.not_started for row in self.jurors)

    @property
    def waiting(self) -> int:
        return sum(row.waiting for row in self.jurors)


@dataclass
class EditionDashboard:
    edition: Edition
    funnel: list[FunnelStep]
    groups: list[GroupProgress]  # in the groups' order (stakeholder type, name); see sort_groups()
    jury: JuryProgress
    deadline: dt.datetime | None  # the assignment's, before extensions
    generated_at: dt.datetime

    def step(self, key: str) -> FunnelStep:
        return next(step for step in self.funnel if step.key == key)


def edition_dashboard(edition: Edition, *, now: dt.datetime | None = None, fresh: bool = False) -> EditionDashboard:
    """The edition's funnel, groups and jury; reads only.

    What it counts is read from the cache (see "The cache" below) unless `fresh`; on a miss, ten queries, the
    same at any size (each aggregates in the database or reads one row per group, juror, assignment or review).
    `now` (default: the present) sets the day the deadlines count from.
    """
    facts = read_facts(edition) if fresh else _cached_facts(edition)
    return _build(edition, facts, now or timezone.now())


@dataclass
class DashboardFacts:
    """What the dashboard reads of the database, as plain values (cached; quick to read back): labels and days are
    worked out by _build(), in the viewer's language and on the viewer's day."""

    edition: dict  # _edition_facts()
    types: dict[int, StakeholderType]  # the edition's stakeholder types, by id
    # One per group, in the groups' order: (Group's concrete field values, members, started, ready, words,
    # last activity, deadline, current submission id, its state)
    groups: list[tuple]
    jurors: list[User]
    jury: dict[int, tuple[int, int, int, int]]  # {juror id: (assigned, to review, submitted, draft)}
    read_at: dt.datetime


def read_facts(edition: Edition) -> DashboardFacts:
    """Ten queries, the same at any size."""
    read_at = timezone.now()
    facts = _edition_facts(edition)
    types, groups = _group_facts(edition, facts)
    jurors, jury = _jury_facts(edition, groups)
    return DashboardFacts(edition=facts, types=types, groups=groups, jurors=jurors, jury=jury, read_at=read_at)


def _build(edition: Edition, facts: DashboardFacts, now: dt.datetime) -> EditionDashboard:
    today = timezone.localdate(now)
    labels = {state: str(label) for state, label in S.choices}  # translated once, not once a row
    labels[""] = str(pgettext_lazy("submission state", "Not submitted"))
    parts = facts.edition["parts"]
    days: dict[dt.datetime, int] = {}  # most groups share the same deadline: worked out once
    rows = []
    for values, members, started, ready, words, last, deadline, submission_id, state in facts.groups:
        rows.append(
            GroupProgress(
                group_values=values,
                stakeholder_type=facts.types[values[_STAKEHOLDER_TYPE_ID]],
                members=members,
                sections_total=parts,
                sections_started=started,
                sections_ready=ready,
                words=words,
                last_activity=last,
                deadline=deadline,
                days_to_deadline=_days(deadline, today, days),
                submission_state=state,
                submission_label=labels.get(state, state),
                submission_id=submission_id,
            )
        )
    jury = JuryProgress(
        jurors=[JurorProgress(juror, *facts.jury.get(juror.pk, (0, 0, 0, 0))) for juror in facts.jurors]
    )
    return EditionDashboard(
        edition=edition,
        funnel=_funnel(facts.edition, rows),
        groups=rows,
        jury=jury,
        deadline=facts.edition["deadline"],
        generated_at=facts.read_at,
    )


def _days(deadline: dt.datetime | None, today: dt.date, known: dict) -> int | None:
    if deadline is None:
        return None
    if deadline not in known:
        known[deadline] = (timezone.localdate(deadline) - today).days
    return known[deadline]


# ---------------------------------------------------------------------------
# The cache
#
# The dashboard reads the whole edition: at 10,000 people and 300 groups its ten queries and the rows they bring
# back cost several times a plain page. Organisers reload it often and a figure a minute old serves them as well
# (the page says when its figures were read, and reads them afresh on request), so what it counts is kept in the
# cache, as plain values:
# - under a generation token (malisig.generations) that the receivers below replace whenever a row the dashboard
#   counts is saved or deleted through the ORM (enrolments, groups, memberships, submissions, reviews...);
# - and under the roster's and the jury's tokens (cohorts.services.roster_facts, submissions.services.results),
#   which their bulk writers replace too (the course import, the chair's bulk actions);
# - for DASHBOARD_TIMEOUT at most: what no token follows (a section's progress, a bulk move of members) shows within
#   that time.

# Part of every key: change it when DashboardFacts changes shape, so that a deploy never reads the old one.
SHAPE = 1
DASHBOARD_TIMEOUT = 120
_FACTS = GenerationCache(f"cockpit:dashboard:{SHAPE}", "Dashboard", DASHBOARD_TIMEOUT)
GENERATION_KEY = _FACTS.generation_key


def dashboard_changed(**_kwargs) -> None:
    """Forget every edition's cached dashboard (now and once the transaction commits). A signal receiver too."""
    _FACTS.changed()


def _cached_facts(edition: Edition) -> DashboardFacts:
    others = (roster_facts.GENERATION_KEY, results.GENERATION_KEY)
    try:
        tokens = cache.get_many(others)
    except Exception:  # the cache server is down: GenerationCache reads from the database and says so
        tokens = {}
    return _FACTS.cached(
        edition.pk, "facts:" + "-".join(str(tokens.get(key, "")) for key in others), lambda: read_facts(edition)
    )


# Rows whose writes change what the dashboard counts (sections left to the timeout: they are saved every few
# seconds while a group writes, and a minute's lag in their progress matters little).
WATCHED = (
    Enrolment, EditionRole, Group, Membership, SubmissionModel, Review, ReviewAssignment, ConflictOfInterest,
    Extension, AssignmentSettings, SectionTemplate, Certificate, StakeholderType,
)  # fmt: skip
for _model in WATCHED:
    post_save.connect(dashboard_changed, sender=_model, dispatch_uid=f"cockpit.dashboard.saved.{_model.__name__}")
    post_delete.connect(dashboard_changed, sender=_model, dispatch_uid=f"cockpit.dashboard.deleted.{_model.__name__}")


def _count(queryset, **filters):
    """A count as a subquery of one value, for an annotation (0 when there is no row)."""
    return Coalesce(
        Subquery(queryset.filter(**filters).order_by().annotate(all=Value(1)).values("all").annotate(n=Count("pk"))
                 .values("n")),
        0,
    )  # fmt: skip


def _edition_facts(edition: Edition) -> dict:
    """What the dashboard reads of the edition as a whole, in one query of one row: the enrolments counted by the
    database (one pass, as a JSON object), the valid certificates, the assignment's parts, its deadline and the
    latest edition-wide extension."""
    enrolments = (
        Enrolment.objects.filter(edition=OuterRef("pk"))
        .order_by()
        .values("edition")
        .annotate(
            counts=JSONObject(
                imported=Count("pk"),
                eligible=Count("pk", filter=Q(eligible=True)),
                invited=Count("pk", filter=Q(status__in=INVITED_STATUSES)),
                active=Count("pk", filter=Q(status__in=ACTIVE_STATUSES)),
            )
        )
        .values("counts")
    )
    settings = AssignmentSettings.objects.filter(assignment__edition=OuterRef("pk"))
    extensions = Extension.objects.filter(assignment__edition=OuterRef("pk"), group__isnull=True).order_by("-deadline")
    row = (
        Edition.objects.filter(pk=edition.pk)
        .annotate(
            enrolment_counts=Subquery(enrolments),
            certified=_count(
                Certificate.objects.filter(kind=Certificate.Kind.PARTICIPATION, revoked_at__isnull=True),
                edition=OuterRef("pk"),
            ),
            parts=_count(SectionTemplate.objects.all(), assignment__edition=OuterRef("pk")),
            deadline=Subquery(settings.values("deadline")[:1]),
            has_settings=Exists(settings),
            wide_extension=Subquery(extensions.values("deadline")[:1]),
        )
        .values("enrolment_counts", "certified", "parts", "deadline", "has_settings", "wide_extension")
        .get()
    )
    counts = row.pop("enrolment_counts") or {}
    row.update({key: int(counts.get(key) or 0) for key in ("imported", "eligible", "invited", "active")})
    return row


# ---------------------------------------------------------------------------
# The funnel


def _funnel(facts: dict, groups: list[GroupProgress]) -> list[FunnelStep]:
    """The enrolments' steps and the certificates from the edition's facts; the groups' steps from the groups."""
    counts = {key: facts[key] for key in ("imported", "eligible", "invited", "active", "certified")}
    counts["in_group"] = sum(row.members for row in groups)
    counts["submitted"] = sum(row.members for row in groups if row.submission_state in SUBMITTED_STATES)
    counts["accepted"] = sum(row.members for row in groups if row.submission_state in ACCEPTED_STATES)
    counts["defended"] = sum(row.members for row in groups if row.submission_state in DEFENDED_STATES)
    first = counts["imported"]
    return [
        FunnelStep(
            key=key,
            label=str(label),
            count=counts[key],
            share=counts[key] / first if first else None,
            help=str(FUNNEL_HELP[key]),
        )
        for key, label in FUNNEL_LABELS.items()
    ]


# ---------------------------------------------------------------------------
# The groups


def _group_facts(edition: Edition, facts: dict) -> tuple[dict[int, StakeholderType], list[tuple]]:
    """Six queries, each one pass over the edition's rows: the stakeholder types; the groups; their members,
    sections and own extensions counted by group; the submissions, of which each group's current one (the latest by
    number, as submissions.services.results.current_submissions()) is picked here. Cheaper than subqueries per
    group, which read the same rows again for each group."""
    types = {
        stakeholder_type.pk: stakeholder_type for stakeholder_type in StakeholderType.objects.filter(edition=edition)
    }
    groups = (
        Group.objects.filter(edition=edition)
        .order_by("stakeholder_type__position", "stakeholder_type__code", "name", "pk")
        .values_list(*GROUP_FIELDS)
    )
    members = dict(
        Membership.objects.filter(edition=edition).values_list("group_id").annotate(n=Count("pk")).order_by()
    )
    sections = {
        group_id: (started, ready, words or 0, last)
        for group_id, started, ready, words, last in Section.objects.filter(group__edition=edition)
        .values_list("group_id")
        .annotate(
            started=Count("pk", filter=~Q(status=Section.Status.TODO)),
            ready=Count("pk", filter=Q(status=Section.Status.READY)),
            words=Sum("words"),
            last=Max("updated_at"),
        )
        .order_by()
    }
    extensions = dict(
        Extension.objects.filter(group__edition=edition)
        .values_list("group_id")
        .annotate(last=Max("deadline"))
        .order_by()
    )
    current: dict[int, tuple[int, str]] = {}
    for group_id, pk, state in (
        SubmissionModel.objects.filter(group__edition=edition).order_by("number").values_list("group_id", "pk", "state")
    ):
        current[group_id] = (pk, state)
    rows = []
    for values in groups:
        pk = values[0]
        rows.append(
            (
                values,
                members.get(pk, 0),
                *sections.get(pk, (0, 0, 0, None)),
                _deadline(facts, extensions.get(pk)),
                *current.get(pk, (None, "")),
            )
        )
    return types, rows


def _deadline(facts: dict, own_extension: dt.datetime | None) -> dt.datetime | None:
    """A group's deadline from facts read for every group at once, by window_for()'s rule (no settings: none)."""
    if not facts["has_settings"]:
        return None
    return latest_deadline(facts["deadline"], facts["wide_extension"], own_extension)


# Sortable columns of the groups' table: key -> (sort key, descending first)
GROUP_SORTS = {
    "name": (lambda row: (row.name.casefold(),), False),
    "type": (lambda row: (row.stakeholder_type.position, row.stakeholder_type.code, row.name.casefold()), False),
    "started": (lambda row: (row.sections_started, row.sections_ready, row.words), True),
    "ready": (lambda row: (row.sections_ready, row.sections_started, row.words), True),
    "words": (lambda row: (row.words,), True),
    "activity": (lambda row: (row.last_activity is not None, row.last_activity or dt.datetime.min), True),
    "deadline": (lambda row: (row.days_to_deadline is None, row.days_to_deadline or 0), False),
    "state": (lambda row: (row.submission_state == "", row.submission_label.casefold()), False),
}


def sort_groups(rows: list[GroupProgress], sort: str | None) -> tuple[list[GroupProgress], str]:
    """The rows sorted by `sort` ("words", or "-words" to reverse its natural order); an unknown key keeps the
    groups' order. Returns the rows and the key applied ("" when none)."""
    sort = sort or ""
    name = sort.removeprefix("-")
    if name not in GROUP_SORTS:
        return rows, ""
    key, descending = GROUP_SORTS[name]
    if sort.startswith("-"):
        descending = not descending
    return sorted(rows, key=key, reverse=descending), sort


# ---------------------------------------------------------------------------
# The jury


def _jury_facts(edition: Edition, groups: list[tuple]) -> tuple[list[User], dict[int, tuple[int, int, int, int]]]:
    """Three queries: the jurors; the assignments, each with whether a blocking conflict keeps the juror away (the
    conflicts are few: a cheap check per assignment); the reviews of the edition."""
    jurors = list(
        User.objects.filter(
            pk__in=EditionRole.objects.filter(edition=edition, role__in=[Role.JUROR, Role.JURY_CHAIR]).values("user_id")
        ).order_by("last_name", "first_name", "pk")
    )
    # {group id: its current submission's id} when it is not withdrawn: what the jury has to review.
    to_review = {row[0][0]: row[-2] for row in groups if row[-1] in SUBMITTED_STATES}
    assignments = (
        ReviewAssignment.objects.filter(group__edition=edition)
        .annotate(
            blocked=Exists(
                ConflictOfInterest.objects.filter(
                    juror=OuterRef("juror"), group=OuterRef("group"), status__in=ConflictOfInterest.BLOCKING
                )
            )
        )
        .values_list("juror_id", "group_id", "blocked")
    )
    counts = {juror.pk: [0, 0, 0, 0] for juror in jurors}  # assigned, to review, submitted, draft
    counted: set[tuple[int, int]] = set()  # (juror, submission) whose review counts
    for juror_id, group_id, blocked in assignments:
        row = counts.get(juror_id)
        if row is None or blocked:
            continue
        row[0] += 1
        if group_id in to_review:
            row[1] += 1
            counted.add((juror_id, to_review[group_id]))
    # Only reviews of current submissions count; a review without an assignment (since removed) does not.
    for juror_id, submission_id, state in Review.objects.filter(submission__group__edition=edition).values_list(
        "juror_id", "submission_id", "state"
    ):
        if (juror_id, submission_id) in counted:
            counts[juror_id][2 if state == Review.State.SUBMITTED else 3] += 1
    return jurors, {juror_id: tuple(row) for juror_id, row in counts.items()}
