"""What the chair and the organisers read of the review: scores per group (document, defense, final, rank), the
chair's progress board, the jurors to remind, and the feedback a group sees once its decision is released.

Every function reads a constant number of queries whatever the edition's size. The mean (the default) is aggregated
by the database (sums and counts per submission and criterion, each juror's total per review) and finished with the
pure `submissions.scoring`; the median reads plain tuples and aggregates here. Reviews by a juror who now has a
blocking conflict of interest with the group are left out. Plain dataclasses out; nothing is written.

What the results page and the chair's board read of a whole edition (ranked_results(), board_facts()) is the same
for every viewer and costs more than the rest of the page: it is kept in the cache (Redis in production) as plain
values, under a generation token that every write able to change it replaces, through results_changed() (the
pattern of cohorts.services.roster_facts):

- a write of one row through the ORM (save, delete, a cascade) of a review, score, defense score, criterion,
  conflict of interest, assignment, submission, decision, review settings, group or stakeholder type: the receivers
  in submissions.receivers;
- a bulk write, which sends no signal (bulk_create, update()): its writer calls results_changed() itself;
- a migration: submissions.receivers, on post_migrate.

What depends on the viewer (which groups they may read, blind labels), on the language (labels) or on the time (who
is late) is worked out on each request, as are the review settings and the jurors' names (one query each). When the
cache server is unreachable, everything is read from the database (slower, still right).
"""

import logging
import math
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from django.core.paginator import Page, Paginator
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Case, Count, F, Field, Func, OuterRef, Q, Subquery, Sum, Value, When
from django.utils import timezone

from cohorts.models import Edition, EditionRole, Role
from cohorts.rules import is_juror, is_jury_chair
from groups.models import Group, StakeholderType
from malisig.generations import GenerationCache
from malisig.models import User

from .. import scoring
from ..models import (
    ConflictOfInterest,
    Criterion,
    Decision,
    DefenseScore,
    Review,
    ReviewAssignment,
    ReviewSettings,
    Score,
    Submission,
)
from ..rules import jury_groups_of
from .review import jury_label, review_settings_for

logger = logging.getLogger(__name__)
S = Submission.State
# A spread of the jurors' totals at least this wide (points on 100) is a strong disagreement for the chair.
STRONG_DISAGREEMENT = Decimal(25)
# The states in which a juror's review is still expected.
REVIEW_DUE = frozenset({S.IN_REVIEW})


def scales(criteria: list[Criterion]) -> list[scoring.Scale]:
    return [
        scoring.Scale(
            key=criterion.pk,
            scale_min=Decimal(criterion.scale_min),
            scale_max=Decimal(criterion.scale_max),
            weight=Decimal(criterion.weight),
            informational=criterion.informational,
        )
        for criterion in criteria
    ]


def current_submissions(edition: Edition):
    """Each group's current submission (its latest by number), as one query."""
    latest = Submission.objects.filter(group=OuterRef("group")).order_by("-number").values("number")[:1]
    return Submission.objects.filter(group__edition=edition, number=Subquery(latest))


# ---------------------------------------------------------------------------
# The cache: what the results and the board read of a whole edition, the same for every viewer

# Part of every key: change it when the cached classes (Ranking, RankedRow, BoardFacts) change shape, so that a
# deploy never reads back what the previous code filed.
SHAPE = 1
# The token keeps the cached results right; the timeout lets old editions' results go, and bounds how long a write
# made behind the application's back goes unseen.
RESULTS_TIMEOUT = 24 * 60 * 60
_RESULTS = GenerationCache(f"submissions:results:{SHAPE}", "Results", RESULTS_TIMEOUT)
GENERATION_KEY = _RESULTS.generation_key
_cached = _RESULTS.cached


def results_changed(using: str = DEFAULT_DB_ALIAS) -> None:
    """Forget every edition's cached results and board, now and again once the current transaction commits.

    Call it after any write that sends no post_save/post_delete signal (bulk_create, update(), bulk_update(), raw
    SQL) of the models the results read: the receivers in submissions.receivers cover the others.
    """
    _RESULTS.changed(using)


def _text(value: Decimal | None) -> str | None:
    """A Decimal kept in the cache as text: str() and Decimal() read back exactly what was stored."""
    return None if value is None else str(value)


def exact(text: str | None) -> Decimal | None:
    """A Decimal kept as text by `_text`, back."""
    return None if text is None else Decimal(text)


def _state_labels() -> dict[str, str]:
    """Read once: get_state_display() hashes every lazy label on each call (slow over hundreds of rows)."""
    return {value: str(label) for value, label in S.choices}


def _group_names(edition: Edition) -> tuple[dict[int, tuple[str, int | None]], dict[int, StakeholderType]]:
    """({group id: (name, stakeholder type id)} by pk, {stakeholder type id: type}) of the edition: two queries."""
    groups = {
        pk: (name, type_id)
        for pk, name, type_id in Group.objects.filter(edition=edition)
        .order_by("pk")
        .values_list("pk", "name", "stakeholder_type_id")
    }
    types = {kind.pk: kind for kind in StakeholderType.objects.filter(edition=edition)}
    return groups, types


# ---------------------------------------------------------------------------
# Scores


@dataclass(frozen=True)
class CriterionScore:
    criterion: Criterion
    value: Decimal | None  # aggregated over the jurors; None: nobody scored it


@dataclass
class DocumentScores:
    """One submission's document scores from its submitted reviews."""

    rubric: list[Criterion]  # the document criteria
    means: dict[int, Decimal | None]  # {criterion id: aggregated value}
    total: Decimal | None
    juror_totals: dict[int, Decimal | None]  # {juror id: their own total on 100}
    spread: Decimal | None
    reviews: int  # submitted reviews counted

    @property
    def criteria(self) -> list[CriterionScore]:
        return [CriterionScore(criterion, self.means.get(criterion.pk)) for criterion in self.rubric]

    @property
    def strong_disagreement(self) -> bool:
        return self.spread is not None and self.spread >= STRONG_DISAGREEMENT


@dataclass
class GroupResult:
    group_id: int
    submission_id: int | None  # the group's current submission
    document: DocumentScores
    defense_rubric: list[Criterion]
    defense_means: dict[int, Decimal | None]  # {defense criterion id: mean over the jurors}
    defense: Decimal | None
    final: Decimal | None
    rank: int | None = None
    state: str = ""  # the current submission's state ("" without a submission)
    state_label: str = ""  # the submission's state in the current language ("" without a submission)
    group: Group | None = None  # read by load_results()
    submission: Submission | None = None  # read by load_results()

    @property
    def defense_criteria(self) -> list[CriterionScore]:
        return [CriterionScore(criterion, self.defense_means.get(criterion.pk)) for criterion in self.defense_rubric]


@dataclass
class EditionResults:
    review_settings: ReviewSettings
    document_criteria: list[Criterion]
    defense_criteria: list[Criterion]
    groups: list[GroupResult]  # best first; unranked last
    numbers: dict[int, int] | None = None  # {group id: its number in blind review}, read by ranked_results()

    def for_group(self, group_id: int) -> GroupResult | None:
        return next((result for result in self.groups if result.group_id == group_id), None)


def _criteria(edition: Edition) -> tuple[list[Criterion], list[Criterion]]:
    criteria = list(Criterion.objects.filter(edition=edition))
    document = [criterion for criterion in criteria if criterion.rubric == Criterion.Rubric.DOCUMENT]
    defense = [criterion for criterion in criteria if criterion.rubric == Criterion.Rubric.DEFENSE]
    return document, defense


def _empty_scores(criteria: list[Criterion], rubric: list[scoring.Scale]) -> DocumentScores:
    return _document_scores({}, criteria, "mean", rubric)


def _document_scores(
    values: dict[int, dict[int, Decimal | None]],
    criteria: list[Criterion],
    method: str,
    rubric: list[scoring.Scale] | None = None,
) -> DocumentScores:
    """values: {juror id: {criterion id: value}} of one submission's submitted reviews; pass `rubric` (scales of
    `criteria`) when scoring many submissions. The pure path (median, and the reference the SQL path is tested
    against)."""
    rubric = rubric if rubric is not None else scales(criteria)
    per_criterion = {
        criterion.pk: scoring.aggregate((scores.get(criterion.pk) for scores in values.values()), method)
        for criterion in criteria
    }
    juror_totals = {juror_id: scoring.rubric_total(scores, rubric) for juror_id, scores in values.items()}
    return DocumentScores(
        rubric=criteria,
        means=per_criterion,
        total=scoring.rubric_total(per_criterion, rubric),
        juror_totals=juror_totals,
        spread=scoring.spread(juror_totals.values()),
        reviews=len(values),
    )


def blocking_conflicts(edition: Edition, group: Group | None = None) -> list[tuple[int, int]]:
    """(juror id, group id) of the edition's (or the group's) blocking conflicts of interest: one query, usually of
    few rows. Read once, then left out of each aggregate with a plain condition (cheaper than a subquery per
    score row)."""
    conflicts = ConflictOfInterest.objects.filter(status__in=ConflictOfInterest.BLOCKING)
    conflicts = conflicts.filter(group=group) if group is not None else conflicts.filter(group__edition=edition)
    return list(conflicts.values_list("juror_id", "group_id"))


def _unconflicted(conflicts: list[tuple[int, int]], juror: str, group: str) -> Q:
    """The rows not written by a juror in conflict with their group (no condition when nobody is)."""
    written_in_conflict = Q()
    for juror_id, group_id in conflicts:
        written_in_conflict |= Q(**{juror: juror_id, group: group_id})
    return ~written_in_conflict if conflicts else Q()


def counted_reviews(submissions, conflicts: list[tuple[int, int]]):
    """The submitted reviews of these submissions that count: a review by a juror who now has a blocking conflict
    of interest with the group (`conflicts`: blocking_conflicts()) is left out; its scores stay stored."""
    return Review.objects.filter(submission__in=submissions, state=Review.State.SUBMITTED).filter(
        _unconflicted(conflicts, "juror_id", "submission__group_id")
    )


def _submitted_values(submissions, conflicts) -> dict[int, dict[int, dict[int, Decimal | None]]]:
    """{submission id: {juror id: {criterion id: value}}} of the counted reviews: one query of plain tuples. A
    submitted review without any score still counts as a reviewer."""
    collected: dict[int, dict[int, dict[int, Decimal | None]]] = defaultdict(dict)
    rows = counted_reviews(submissions, conflicts).values_list(
        "submission_id", "juror_id", "scores__criterion_id", "scores__value"
    )
    for submission_id, juror_id, criterion_id, value in rows:
        scores = collected[submission_id].setdefault(juror_id, {})
        if criterion_id is not None:
            scores[criterion_id] = value
    return collected


# Scores are stored with two places: the database adds them as whole hundredths, exact on every backend and read
# without a per-row conversion (RAW: the driver's int, or Decimal on PostgreSQL), turned back into Decimal here.
SCALE = 10 ** Score._meta.get_field("value").decimal_places
RAW = Field()


def _hundredths(value) -> int:
    return round(value * SCALE)


class Hundredths(Func):
    """A stored score as a whole number of hundredths (SQLite keeps 3.8 as a float: rounded, not truncated)."""

    template = f"CAST(ROUND(%(expressions)s * {SCALE}) AS INTEGER)"
    output_field = RAW


def _mean(total, count: int) -> Decimal:
    """The same Decimal as scoring.aggregate(…, "mean"): the exact sum (SQLite adds floats: rounded back to the
    stored places) over the count, rounded once."""
    return Decimal(_hundredths(total)) / (SCALE * count)


def _per_criterion(path: str, criteria: list[Criterion], criterion_path: str) -> dict:
    """Annotations: per criterion, the sum of its scores in hundredths and their count."""
    columns = {}
    for criterion in criteria:
        scored = Q(**{criterion_path: criterion.pk})
        columns[f"s{criterion.pk}"] = Sum(path, filter=scored, output_field=RAW)
        columns[f"n{criterion.pk}"] = Count(path, filter=scored)
    return columns


def _means(row: tuple, criteria: list[Criterion]) -> dict[int, Decimal | None]:
    """{criterion id: mean} from the sums and counts of `_per_criterion` (in that order, at the end of row)."""
    values = row[len(row) - 2 * len(criteria) :]
    return {
        criterion.id: _mean(total, count) if count else None
        for criterion, total, count in zip(criteria, values[::2], values[1::2], strict=True)
    }


def _juror_totals(reviews, criteria: list[Criterion]) -> dict[int, dict[int, Decimal | None]]:
    """{submission id: {juror id: their total on 100}}, one row per counted review: scoring.rubric_total in whole
    numbers. Each counting criterion's share weight x (value - min) / span is brought to a common denominator (the
    spans' least common multiple), so the database adds exact integers and a total is one Decimal division."""
    counting = [criterion for criterion in criteria if not criterion.informational and criterion.weight > 0]
    common = math.lcm(*(criterion.scale_max - criterion.scale_min for criterion in counting)) if counting else 1
    rows = reviews.values_list("submission_id", "juror_id")
    if counting:
        scored = Q(scores__value__isnull=False)
        share = [
            When(
                scores__criterion=criterion.pk,
                then=Value(int(criterion.weight * SCALE) * (common // (criterion.scale_max - criterion.scale_min)))
                * (Hundredths("scores__value") - Value(criterion.scale_min * SCALE)),
            )
            for criterion in counting
        ]
        weight = [
            When(scores__criterion=criterion.pk, then=Value(int(criterion.weight * SCALE))) for criterion in counting
        ]
        rows = rows.annotate(
            weighted=Sum(Case(*share, output_field=RAW), filter=scored, output_field=RAW),
            weights=Sum(Case(*weight, output_field=RAW), filter=scored, output_field=RAW),
        )
    totals: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    for submission_id, juror_id, *parts in rows.order_by():
        weighted, weights = parts if parts else (None, None)
        totals[submission_id][juror_id] = Decimal(weighted * 100) / (weights * common * SCALE) if weights else None
    return totals


def _mean_scores(
    submissions, criteria: list[Criterion], conflicts, with_jurors: bool = True
) -> dict[int, DocumentScores]:
    """{submission id: DocumentScores} with the mean, aggregated by the database: one row per submission (sums and
    counts per criterion), and one per review for the jurors' totals unless with_jurors is False (then
    juror_totals is empty and spread None). Each query is grouped along a unique index, so without a sort. The
    semantics of scoring.aggregate and scoring.rubric_total (tested against them)."""
    rubric = scales(criteria)
    reviews = counted_reviews(submissions, conflicts)
    rows = (
        reviews.values_list("submission_id")
        .annotate(reviews=Count("pk", distinct=True), **_per_criterion("scores__value", criteria, "scores__criterion"))
        .order_by()
    )
    totals = _juror_totals(reviews, criteria) if with_jurors else {}
    scored = {}
    for row in rows:
        submission_id, count = row[0], row[1]
        means = _means(row, criteria)
        jurors = totals.get(submission_id, {})
        scored[submission_id] = DocumentScores(
            rubric=criteria,
            means=means,
            total=scoring.rubric_total(means, rubric),
            juror_totals=jurors,
            spread=scoring.spread(jurors.values()),
            reviews=count,
        )
    return scored


def document_scores(
    submissions,
    criteria: list[Criterion],
    method: str,
    conflicts: list[tuple[int, int]],
    with_jurors: bool = True,
    few: bool = False,
) -> dict[int, DocumentScores]:
    """{submission id: DocumentScores} of these submissions' counted reviews (`conflicts`: blocking_conflicts() of
    their edition), in a constant number of queries; a submission without any counted review is missing (see
    `_empty_scores`). The database aggregates the mean; with few=True (a page of submissions) their scores are read
    as plain tuples and aggregated here, which builds a much simpler query."""
    if method == ReviewSettings.Aggregation.MEAN and not few:
        return _mean_scores(submissions, criteria, conflicts, with_jurors)
    rubric = scales(criteria)
    return {
        submission_id: _document_scores(values, criteria, method, rubric)
        for submission_id, values in _submitted_values(submissions, conflicts).items()
    }


def document_scores_of(submission: Submission, review_settings: ReviewSettings | None = None) -> DocumentScores:
    """One submission's document scores (a handful of queries)."""
    review_settings = review_settings or review_settings_for(submission.group.edition)
    document, _defense = _criteria(submission.group.edition)
    conflicts = blocking_conflicts(submission.group.edition, submission.group)
    one = Submission.objects.filter(pk=submission.pk)
    scored = document_scores(one, document, review_settings.aggregation, conflicts, few=True)
    return scored.get(submission.pk) or _empty_scores(document, scales(document))


def _defense_means(edition: Edition, criteria: list[Criterion], conflicts) -> dict[int, dict[int, Decimal | None]]:
    """{group id: {criterion id: mean}} of the defense scores (one row per group), leaving out jurors now
    conflicted with the group."""
    rows = (
        DefenseScore.objects.filter(group__edition=edition)
        .filter(_unconflicted(conflicts, "juror_id", "group_id"))
        .values_list("group_id")
        .annotate(**_per_criterion("value", criteria, "criterion"))
        .order_by()
    )
    return {row[0]: _means(row, criteria) for row in rows}


def edition_results(edition: Edition, *, load: bool = True, with_jurors: bool = True) -> EditionResults:
    """Every group's scores for its current submission, the final score and the rank (ties share a rank), in a
    constant number of queries: the database aggregates. With load=False the groups and submissions are not
    read: call load_results() on the rows shown (a page). With with_jurors=False the jurors' own totals (and
    the spread) are not computed: the ranking does not need them."""
    review_settings = review_settings_for(edition)
    document_criteria, defense_criteria = _criteria(edition)
    group_ids = list(Group.objects.filter(edition=edition).order_by("pk").values_list("pk", flat=True))
    current = {
        group_id: (pk, state)
        for group_id, pk, state in current_submissions(edition).values_list("group_id", "pk", "state")
    }
    conflicts = blocking_conflicts(edition)
    scored = document_scores(
        current_submissions(edition), document_criteria, review_settings.aggregation, conflicts, with_jurors
    )
    defense_means = _defense_means(edition, defense_criteria, conflicts)
    document_rubric, defense_rubric = scales(document_criteria), scales(defense_criteria)
    nothing = _empty_scores(document_criteria, document_rubric)
    # Read once: get_state_display() hashes every lazy label on each call (slow over hundreds of rows).
    state_labels = {value: str(label) for value, label in S.choices}
    results = []
    for group_id in group_ids:
        submission_id, state = current.get(group_id, (None, None))
        document = scored.get(submission_id, nothing)
        per_defense = defense_means.get(group_id, {})
        defense = scoring.rubric_total(per_defense, defense_rubric) if per_defense else None
        results.append(
            GroupResult(
                group_id=group_id,
                submission_id=submission_id,
                document=document,
                defense_rubric=defense_criteria,
                defense_means=per_defense,
                defense=defense,
                final=scoring.final_score(document.total, defense, review_settings.document_weight),
                state=state or "",
                state_label=state_labels[state] if state else "",
            )
        )
    ranks = scoring.rank({result.group_id: result.final for result in results})
    for result in results:
        result.rank = ranks[result.group_id]
    results.sort(key=lambda result: (result.rank is None, result.rank or 0, result.group_id))
    if load:
        load_results(edition, results)
    return EditionResults(review_settings, document_criteria, defense_criteria, results)


def load_results(edition: Edition, results: list[GroupResult], *, submissions: bool = True) -> None:
    """Read the groups (with their stakeholder type) and, unless told not to, the submissions of these rows: one
    query each."""
    groups = Group.objects.filter(pk__in=[result.group_id for result in results]).select_related("stakeholder_type")
    by_pk = {group.pk: group for group in groups}
    current = {}
    if submissions:
        wanted = [result.submission_id for result in results if result.submission_id is not None]
        current = {submission.pk: submission for submission in Submission.objects.filter(pk__in=wanted)}
    for result in results:
        result.group = by_pk[result.group_id]
        result.group.edition = edition
        result.submission = current.get(result.submission_id)
        if result.submission is not None:
            result.submission.group = result.group


class RankedRow(NamedTuple):
    """One group's scores, the Decimals as text (`exact()` reads them back): much faster out of the cache."""

    group_id: int
    submission_id: int | None
    state: str  # "" without a submission
    rank: int | None
    document: str | None
    defense: str | None
    final: str | None


@dataclass
class Ranking:
    """edition_results() as the results page reads it: plain values, so that the cached copy reads back fast."""

    rows: list[RankedRow]  # best first; unranked last
    groups: dict[int, tuple[str, int | None]]  # {group id: (name, stakeholder type id)}, by pk
    types: dict[int, StakeholderType]

    @property
    def numbers(self) -> dict[int, int]:
        """{group id: its number in blind review}, as blind_numbers()."""
        return {group_id: number for number, group_id in enumerate(self.groups, start=1)}


def ranked_results(edition: Edition) -> Ranking:
    """Every group's document, defense and final score and rank (edition_results() without the jurors' own totals),
    with the groups' names and stakeholder types: the same for every viewer, so kept in the cache until a write
    changes what it reads (results_changed()); on a miss, a constant number of queries."""

    def read() -> Ranking:
        outcome = edition_results(edition, load=False, with_jurors=False)
        groups, types = _group_names(edition)
        rows = [
            RankedRow(
                result.group_id,
                result.submission_id,
                sys.intern(result.state),
                result.rank,
                _text(result.document.total),
                _text(result.defense),
                _text(result.final),
            )
            for result in outcome.groups
        ]
        return Ranking(rows, groups, types)

    return _cached(edition.pk, "results", read)


# ---------------------------------------------------------------------------
# The chair's board


@dataclass
class ReviewerStatus:
    juror: User
    state: str  # "not_started", Review.State.DRAFT or Review.State.SUBMITTED

    @property
    def is_submitted(self) -> bool:
        return self.state == Review.State.SUBMITTED


@dataclass
class BoardRow:
    """One group on the board, as plain values (what the board shows)."""

    group_id: int
    label: str
    stakeholder_type: StakeholderType | None
    readable: bool  # False: the viewer is conflicted with this group; the row shows nothing else
    submission_id: int | None = None  # the group's current submission
    state: str = ""  # its state ("" without a submission)
    state_label: str = ""
    reviewers: list[ReviewerStatus] = field(default_factory=list)
    total: Decimal | None = None  # the document score on 100
    spread: Decimal | None = None  # of the jurors' totals
    decision_id: int | None = None  # the current submission's decision, if any
    outcome_label: str = ""
    decision_pending: bool = False  # staged, not released
    revision_deadline: datetime | None = None

    @property
    def submitted(self) -> int:
        return sum(1 for reviewer in self.reviewers if reviewer.is_submitted)

    @property
    def assigned(self) -> int:
        return len(self.reviewers)

    @property
    def strong_disagreement(self) -> bool:
        return self.spread is not None and self.spread >= STRONG_DISAGREEMENT


@dataclass
class JurorLoad:
    juror: User
    assigned: int = 0
    submitted: int = 0
    pending: int = 0  # reviews still expected (submission in review, round open)
    late: bool = False


@dataclass
class Board:
    edition: Edition
    review_settings: ReviewSettings
    page: Page  # of BoardRow: only the rows shown are read
    jurors: list[JurorLoad]
    pending_decisions: list[BoardRow]  # rows whose decision is staged, not released (the whole edition)
    waiting_to_start: int  # current submissions submitted or resubmitted, not yet in review

    @property
    def rows(self) -> list[BoardRow]:
        return list(self.page.object_list)

    @property
    def late_jurors(self) -> list[JurorLoad]:
        return [load for load in self.jurors if load.late]


def readable_groups(user: User, edition: Edition) -> Callable[[int], bool]:
    """Whether the user may read a group of this edition for the jury (submissions.read_for_jury), from sets read
    once per request instead of asking the rules per row."""
    if user.has_perm("submissions.configure_review", edition):  # staff and organisers read every group
        return lambda group_id: True
    assigned, conflicted = jury_groups_of(user)
    if is_jury_chair(user, edition):
        return lambda group_id: group_id not in conflicted
    if is_juror(user, edition):
        return lambda group_id: group_id in assigned and group_id not in conflicted
    return lambda group_id: False


def _jurors(edition: Edition) -> list[User]:
    ids = EditionRole.objects.filter(edition=edition, role__in=[Role.JUROR, Role.JURY_CHAIR]).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("last_name", "first_name", "pk"))


def _load_counts(edition: Edition, conflicts: list[tuple[int, int]]) -> dict[int, dict[str, int]]:
    """{juror id: {"assigned", "submitted", "due"}}: their assigned groups with a current submission not withdrawn
    and no blocking conflict, their submitted reviews of those, and the reviews still expected (submission in
    review, not submitted). Two queries, each grouped by juror."""
    active = current_submissions(edition).exclude(state=S.WITHDRAWN)
    due = active.filter(state__in=REVIEW_DUE)
    assigned = (
        ReviewAssignment.objects.filter(group_id__in=active.values("group_id"))
        .filter(_unconflicted(conflicts, "juror_id", "group_id"))
        .values_list("juror_id")
        .annotate(assigned=Count("pk"), due=Count("pk", filter=Q(group_id__in=due.values("group_id"))))
        .order_by()
    )
    submitted = (
        Review.objects.filter(
            submission__in=active,
            state=Review.State.SUBMITTED,
            submission__group__review_assignments__juror_id=F("juror_id"),
        )
        .filter(_unconflicted(conflicts, "juror_id", "submission__group_id"))
        .values_list("juror_id")
        .annotate(submitted=Count("pk"), due=Count("pk", filter=Q(submission__state__in=REVIEW_DUE)))
        .order_by()
    )
    per_juror = {
        juror_id: {"assigned": count, "submitted": 0, "due": expected} for juror_id, count, expected in assigned
    }
    for juror_id, count, done in submitted:
        row = per_juror.setdefault(juror_id, {"assigned": 0, "submitted": 0, "due": 0})
        row["submitted"] = count
        row["due"] -= done
    return per_juror


def _loads(jurors: list[User], counts: dict[int, dict[str, int]], review_settings: ReviewSettings) -> list[JurorLoad]:
    """Each juror's load from `_load_counts`: the reviews expected count only while the round is open; late once the
    review deadline has passed with some expected (read at each call: time passes)."""
    deadline_passed = review_settings.review_deadline is not None and review_settings.review_deadline < timezone.now()
    round_open = review_settings.round_closed_at is None
    loads = []
    for juror in jurors:
        row = counts.get(juror.pk, {})
        pending = row.get("due", 0) if round_open else 0
        loads.append(
            JurorLoad(
                juror,
                assigned=row.get("assigned", 0),
                submitted=row.get("submitted", 0),
                pending=pending,
                late=deadline_passed and pending > 0,
            )
        )
    return loads


def juror_loads(
    edition: Edition, review_settings: ReviewSettings | None = None, conflicts: list[tuple[int, int]] | None = None
) -> list[JurorLoad]:
    """Per juror (and the chair): their assigned groups with a current submission not withdrawn and no blocking
    conflict, their submitted reviews of those, and the reviews still expected while the round is open; late once
    the review deadline has passed with some expected. Three queries (two GROUP BY juror) and the conflicts'; read
    from the database (the board reads the same from the cache)."""
    review_settings = review_settings or review_settings_for(edition)
    conflicts = blocking_conflicts(edition) if conflicts is None else conflicts
    return _loads(_jurors(edition), _load_counts(edition, conflicts), review_settings)


@dataclass
class BoardFacts:
    """What the board reads of the whole edition, the same for every viewer, as plain values (the cached copy reads
    back fast): cached by board_facts()."""

    groups: dict[int, tuple[str, int | None]]  # {group id: (name, stakeholder type id)}, by pk
    types: dict[int, StakeholderType]
    conflicts: list[tuple[int, int]]  # blocking_conflicts()
    assigned: dict[int, list[int]]  # {juror id: their assigned groups, conflicted or not}
    current: dict[int, tuple[int, str]]  # {group id: (its current submission's id, its state)}
    reviewers: dict[int, list[tuple[int, str]]]  # {group id: [(juror id, review state)]}: assigned, not conflicted
    decisions: dict[int, tuple]  # {group id: (pk, outcome, released_at, revision_deadline)} of the current submission
    scores: dict[int, tuple[str | None, str | None]]  # {submission id: (document total, spread)} as text (exact())
    loads: dict[int, dict[str, int]]  # _load_counts()
    waiting: int  # current submissions submitted or resubmitted, not yet in review

    @property
    def numbers(self) -> dict[int, int]:
        """{group id: its number in blind review}, as blind_numbers()."""
        return {group_id: number for number, group_id in enumerate(self.groups, start=1)}


def board_facts(edition: Edition) -> BoardFacts:
    """The board's data for the whole edition, from the cache until a write changes it (results_changed()); on a
    miss, a constant number of queries: the database aggregates the scores and the loads."""

    def read() -> BoardFacts:
        review_settings = review_settings_for(edition)
        conflicts = blocking_conflicts(edition)
        groups, types = _group_names(edition)
        # The same few states again and again: one string each (pickled once).
        current = {
            group_id: (pk, sys.intern(state))
            for group_id, pk, state in current_submissions(edition).values_list("group_id", "pk", "state")
        }
        states = {
            (submission_id, juror_id): sys.intern(state)
            for submission_id, juror_id, state in Review.objects.filter(
                submission__in=current_submissions(edition)
            ).values_list("submission_id", "juror_id", "state")
        }
        reviewers: dict[int, list[tuple[int, str]]] = defaultdict(list)
        assigned: dict[int, list[int]] = defaultdict(list)
        blocking = set(conflicts)
        for juror_id, group_id in (
            ReviewAssignment.objects.filter(group__edition=edition).order_by("pk").values_list("juror_id", "group_id")
        ):
            assigned[juror_id].append(group_id)
            if (juror_id, group_id) not in blocking:
                submission_id = current.get(group_id, (None, None))[0]
                reviewers[group_id].append((juror_id, states.get((submission_id, juror_id), "not_started")))
        decisions = {
            group_id: (pk, outcome, released_at, revision_deadline)
            for group_id, pk, outcome, released_at, revision_deadline in Decision.objects.filter(
                submission__in=current_submissions(edition)
            ).values_list("submission__group_id", "pk", "outcome", "released_at", "revision_deadline")
        }
        document, _defense = _criteria(edition)
        scored = document_scores(current_submissions(edition), document, review_settings.aggregation, conflicts)
        return BoardFacts(
            groups=groups,
            types=types,
            conflicts=conflicts,
            assigned=dict(assigned),
            current=current,
            reviewers=dict(reviewers),
            decisions=decisions,
            scores={pk: (_text(scores.total), _text(scores.spread)) for pk, scores in scored.items()},
            loads=_load_counts(edition, conflicts),
            waiting=sum(1 for _pk, state in current.values() if state in (S.SUBMITTED, S.RESUBMITTED)),
        )

    return _cached(edition.pk, "board", read)


def readable_in(facts: BoardFacts, user: User, edition: Edition) -> Callable[[int], bool]:
    """readable_groups() from the cached assignments and conflicts instead of the user's own (no query)."""
    if user.has_perm("submissions.configure_review", edition):  # staff and organisers read every group
        return lambda group_id: True
    conflicted = frozenset(group_id for juror_id, group_id in facts.conflicts if juror_id == user.pk)
    if is_jury_chair(user, edition):
        return lambda group_id: group_id not in conflicted
    if is_juror(user, edition):
        assigned = frozenset(facts.assigned.get(user.pk, ()))
        return lambda group_id: group_id in assigned and group_id not in conflicted
    return lambda group_id: False


def chair_board(edition: Edition, *, viewer: User, page: int | str | None = None, per_page: int = 25) -> Board:
    """The chair's progress: one page of groups (their reviewers, document scores and decision), every juror's
    load, the staged decisions and the count waiting to start. The edition-wide part comes from board_facts()
    (cached); what depends on the viewer (the groups they may read, blind labels) and on the time (who is late) is
    worked out here; the settings and the jurors (their names) are read each time: a constant number of queries
    whatever the size of the edition. The rows are plain values (what the board shows).

    In blind review a viewer who serves on the jury reads groups as "Document n"; a group the viewer is conflicted
    with shows as a bare row (no scores, reviews or decision)."""
    facts = board_facts(edition)
    review_settings = review_settings_for(edition)
    blind = review_settings.blind and viewer.has_perm("submissions.serve_on_jury", edition)
    numbers = facts.numbers if blind else None

    may_read = readable_in(facts, viewer, edition)
    shown = Paginator(list(facts.groups), per_page).get_page(page)
    loads = _loads(_jurors(edition), facts.loads, review_settings)
    people = {load.juror.pk: load.juror for load in loads}
    state_labels = _state_labels()
    outcome_labels = {value: str(label) for value, label in Decision.Outcome.choices}

    def row_of(group_id: int, readable: bool) -> BoardRow:
        name, type_id = facts.groups[group_id]
        label = jury_label(Group(pk=group_id, name=name), review_settings, numbers) if blind else name
        row = BoardRow(group_id, label, facts.types.get(type_id), readable)
        if not readable or group_id not in facts.current:
            return row
        row.submission_id, row.state = facts.current[group_id]
        row.state_label = state_labels[row.state]
        decision = facts.decisions.get(group_id)
        if decision is not None:
            row.decision_id, outcome, released_at, row.revision_deadline = decision
            row.outcome_label, row.decision_pending = outcome_labels[outcome], released_at is None
        total, spread = facts.scores.get(row.submission_id, (None, None))
        row.total, row.spread = exact(total), exact(spread)
        return row

    rows = []
    for group_id in shown.object_list:
        row = row_of(group_id, may_read(group_id))
        if row.readable:
            row.reviewers = [
                ReviewerStatus(people[juror_id], state)
                for juror_id, state in facts.reviewers.get(group_id, ())
                if juror_id in people
            ]
        rows.append(row)
    shown.object_list = rows
    pending = [
        row_of(group_id, True)
        for group_id, (_pk, _outcome, released_at, _deadline) in sorted(facts.decisions.items())
        if released_at is None and may_read(group_id)
    ]
    return Board(edition, review_settings, shown, loads, pending, facts.waiting)


def pending_reviews_of(juror: User, edition: Edition) -> list[Submission]:
    """The current submissions the juror is still expected to review (in review, assigned, not conflicted, their
    review not submitted), while the round is open."""
    review_settings = review_settings_for(edition)
    if review_settings.round_closed_at is not None:
        return []
    conflicted = ConflictOfInterest.objects.filter(juror=juror, status__in=ConflictOfInterest.BLOCKING).values(
        "group_id"
    )
    done = Review.objects.filter(juror=juror, state=Review.State.SUBMITTED).values("submission_id")
    return list(
        current_submissions(edition)
        .filter(state__in=REVIEW_DUE, group__review_assignments__juror=juror)
        .exclude(group_id__in=conflicted)
        .exclude(pk__in=done)
        .select_related("group")
        .order_by("group_id")
    )


# ---------------------------------------------------------------------------
# What a group sees


@dataclass(frozen=True)
class CriterionFeedback:
    criterion: Criterion
    comment: str
    score: Decimal | None  # None until the scores are released (or nobody scored it)


@dataclass
class Feedback:
    decision: Decision
    criteria: list[CriterionFeedback]
    scores_released: bool
    total: Decimal | None
    juror_messages: list[str] = field(default_factory=list)


def released_feedback(submission: Submission, group: Group | None = None) -> Feedback | None:
    """The jury's released decision on this submission as its group reads it: the outcome, the consolidated
    comments per criterion and the message, each juror's message to the group (unsigned, in no telling order); the
    aggregated scores only once the organisers released them. Never the jurors' scores, notes or names. None while
    the decision is pending (or there is none)."""
    decision = Decision.objects.filter(submission=submission, released_at__isnull=False).first()
    if decision is None:
        return None
    edition = (group or submission.group).edition
    review_settings = review_settings_for(edition)
    document, _defense = _criteria(edition)
    released = review_settings.scores_released_at is not None
    scores = None
    if released:
        conflicts = blocking_conflicts(edition, group or submission.group)
        one = Submission.objects.filter(pk=submission.pk)
        scored = document_scores(one, document, review_settings.aggregation, conflicts, few=True)
        scores = scored.get(submission.pk) or _empty_scores(document, scales(document))
    by_criterion = {item.criterion.pk: item.value for item in scores.criteria} if scores else {}
    feedback = decision.criteria_feedback or {}
    messages = (
        Review.objects.filter(submission=submission, state=Review.State.SUBMITTED)
        .exclude(juror_id__in=[juror for juror, _group in blocking_conflicts(edition, group or submission.group)])
        .exclude(message_to_group="")
        .order_by("submitted_at", "pk")
        .values_list("message_to_group", flat=True)
    )
    return Feedback(
        decision=decision,
        criteria=[
            CriterionFeedback(criterion, feedback.get(str(criterion.pk), ""), by_criterion.get(criterion.pk))
            for criterion in document
            if feedback.get(str(criterion.pk)) or by_criterion.get(criterion.pk) is not None
        ],
        scores_released=released,
        total=scores.total if scores else None,
        juror_messages=list(messages),
    )
