"""The review workflow's actions: start the review, stage decisions and release them together, record the defense,
publish. Each checks who acts, then calls `transition_submission()` (the one writer of a submission's state, with
its ALLOWED table and its log) and notifies after commit.

Also the edition's review settings and rubric, created with SIG defaults on first use.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cohorts.models import Edition
from groups.models import Group
from malisig.audit import announce
from malisig.models import User

from ..models import Criterion, Decision, Extension, ReviewSettings, Submission
from .submission import InvalidTransition, transition_submission

S = Submission.State
CHAIR = "submissions.chair_review"
CONFIGURE = "submissions.configure_review"
# States in which the jury reads a submission (the latest of its group).
UNDER_JURY = frozenset({S.SUBMITTED, S.RESUBMITTED, S.IN_REVIEW})
DECIDED = frozenset({S.ACCEPTED, S.NOT_ACCEPTED, S.CHANGES_REQUESTED, S.DEFENDED, S.PUBLISHED})


class ReviewRefused(Exception):
    """A review action refused for a reason the user can act on; `message` says it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def explain(error: InvalidTransition) -> str:
    """An invalid transition as a sentence for the page (the HTTP answer is a 409)."""
    return _("This is not possible while the submission is “%(state)s”.") % {"state": S(error.old).label}


# ---------------------------------------------------------------------------
# Settings and rubric


@dataclass(frozen=True)
class DefaultCriterion:
    name_fr: str
    name_en: str
    description_fr: str
    description_en: str


# Modeled on SIG practice: what juries of schools on Internet governance look at in a position paper and in its
# defense. Stored in both languages (organisers edit them), so these are data, not interface strings.
DOCUMENT_CRITERIA = (
    DefaultCriterion(
        "Qualité de l'argumentation et des preuves", "Quality of argument and evidence",
        "Les positions sont argumentées, appuyées sur des faits, des chiffres et des sources citées.",
        "Positions are argued and backed by facts, figures and cited sources.",
    ),
    DefaultCriterion(
        "Conformité aux principes de la gouvernance de l'Internet", "Fit with Internet-governance principles",
        "Approche multi-acteurs, ouverture, droits humains, Internet libre et interopérable.",
        "Multistakeholder approach, openness, human rights, a free and interoperable Internet.",
    ),
    DefaultCriterion(
        "Cohérence avec le rôle de la partie prenante", "Consistency with the stakeholder role",
        "Le document parle avec la voix, les intérêts et les contraintes du groupe de parties prenantes joué.",
        "The document speaks with the voice, interests and constraints of the stakeholder group it plays.",
    ),
    DefaultCriterion(
        "Faisabilité des propositions", "Feasibility of the proposals",
        "Les recommandations sont concrètes, réalistes et disent qui agit, comment et quand.",
        "Recommendations are concrete, realistic and say who acts, how and when.",
    ),
    DefaultCriterion(
        "Clarté et forme", "Clarity and form",
        "Structure, langue, respect des consignes et des limites de mots.",
        "Structure, language, following the instructions and word limits.",
    ),
)  # fmt: skip
DEFENSE_CRITERIA = (
    DefaultCriterion(
        "Clarté de la présentation", "Clarity of the presentation",
        "Le message est compris, le support aide, le temps est respecté.",
        "The message comes across, the slides help, the time is kept.",
    ),
    DefaultCriterion(
        "Maîtrise du sujet et réponses aux questions", "Command of the topic and answers to questions",
        "Les réponses au jury et au public sont justes, précises et argumentées.",
        "Answers to the jury and the audience are accurate, precise and argued.",
    ),
    DefaultCriterion(
        "Force de conviction et défense du rôle", "Persuasiveness and defense of the role",
        "Le groupe défend la position de sa partie prenante face aux autres.",
        "The group holds its stakeholder's position against the others.",
    ),
    DefaultCriterion(
        "Travail d'équipe", "Teamwork",
        "La parole est partagée, le groupe répond d'une seule voix.",
        "Members share the floor; the group answers with one voice.",
    ),
)  # fmt: skip


RUBRIC_DEFAULTS = ((Criterion.Rubric.DOCUMENT, DOCUMENT_CRITERIA), (Criterion.Rubric.DEFENSE, DEFENSE_CRITERIA))


def review_settings_for(edition: Edition) -> ReviewSettings:
    """The edition's review settings, created on first use with the default rubrics (document and defense)."""
    review_settings = ReviewSettings.objects.filter(edition=edition).first()
    if review_settings is not None:
        return review_settings
    with transaction.atomic():
        review_settings, created = ReviewSettings.objects.get_or_create(edition=edition)
        if created and not Criterion.objects.filter(edition=edition).exists():
            Criterion.objects.bulk_create(
                Criterion(edition=edition, rubric=rubric, position=position, **vars(default))
                for rubric, defaults in RUBRIC_DEFAULTS
                for position, default in enumerate(defaults, start=1)
            )
            _results_changed()  # bulk_create sends no signal
    return review_settings


def criteria_of(edition: Edition, rubric: str = Criterion.Rubric.DOCUMENT) -> list[Criterion]:
    review_settings_for(edition)
    return list(Criterion.objects.filter(edition=edition, rubric=rubric))


def _results_changed() -> None:
    """services.results.results_changed(), imported here: services.results imports this module."""
    from .results import results_changed

    results_changed()


def round_is_open(review_settings: ReviewSettings) -> bool:
    return review_settings.round_closed_at is None


def _require(user: User, perm: str, obj) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied


def set_settings_moment(edition: Edition, field: str, *, on: bool, by: User, perm: str) -> ReviewSettings:
    """One of the settings' moments (round closed, defense closed, scores released) set to now (`on`; kept if set
    already, a double click changes nothing) or cleared. Checks `perm` on the edition. Writes: that field, and its
    audit entry (malisig.audit)."""
    _require(by, perm, edition)
    review_settings = review_settings_for(edition)
    before = getattr(review_settings, field)
    rows = ReviewSettings.objects.filter(pk=review_settings.pk)
    if on:
        rows.filter(**{f"{field}__isnull": True}).update(**{field: timezone.now()})
    else:
        rows.update(**{field: None})
    _results_changed()  # update() sends no signal
    review_settings.refresh_from_db()
    after = getattr(review_settings, field)
    if after != before:  # update() sends no signal: the audit log is told
        announce(ReviewSettings, [review_settings], action="update", by=by, changes={field: (before, after)})
    return review_settings


def close_round(edition: Edition, *, by: User) -> ReviewSettings:
    """The chair closes the review round: reviews can no longer be edited."""
    return set_settings_moment(edition, "round_closed_at", on=True, by=by, perm=CHAIR)


def reopen_round(edition: Edition, *, by: User) -> ReviewSettings:
    """The chair reopens the round (for resubmissions, or a juror who needs to correct a score)."""
    return set_settings_moment(edition, "round_closed_at", on=False, by=by, perm=CHAIR)


# ---------------------------------------------------------------------------
# Workflow


def latest_submission(group: Group) -> Submission | None:
    return Submission.objects.filter(group=group).order_by("-number").first()


def start_review(submission: Submission, *, by: User, note: str = "") -> Submission:
    """Submitted (or resubmitted) → in review: the group can no longer withdraw; jurors score it.

    Writes: the state and a SubmissionChange. Queues notify_state_change_task after commit.
    Raises PermissionDenied, InvalidTransition.
    """
    _require(by, CHAIR, submission.group.edition)
    return _transition(submission, S.IN_REVIEW, by=by, note=note)


def start_all_reviews(edition: Edition, *, by: User) -> list[Submission]:
    """Every submission of the edition waiting for the jury goes into review at once (one click for the chair)."""
    _require(by, CHAIR, edition)
    waiting = Submission.objects.filter(group__edition=edition, state__in=[S.SUBMITTED, S.RESUBMITTED])
    started = []
    for submission in waiting.select_related("group__edition"):
        try:
            started.append(_transition(submission, S.IN_REVIEW, by=by))
        except InvalidTransition:
            continue  # withdrawn meanwhile
    return started


@transaction.atomic
def stage_decision(
    submission: Submission,
    outcome: str,
    *,
    by: User,
    message: str = "",
    criteria_feedback: dict[str, str] | None = None,
    revision_deadline=None,
) -> Decision:
    """The chair records a decision, held (pending) until released with the others; the group sees nothing yet.

    A new decision replaces a pending one; a released one is final. Writes: one Decision row.
    Raises PermissionDenied, ReviewRefused (not in review, already released, changes without a deadline to revise).
    """
    _require(by, CHAIR, submission.group.edition)
    if not by.has_perm("submissions.read_for_jury", submission.group):
        raise PermissionDenied  # a conflicted chair does not decide on that group
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.state != S.IN_REVIEW:
        raise ReviewRefused(_("Only a submission in review can be decided on."))
    existing = Decision.objects.filter(submission=submission).first()
    if existing is not None and not existing.is_pending:
        raise ReviewRefused(_("The decision on this submission is already released."))
    outcome = Decision.Outcome(outcome)
    if revision_deadline is not None and revision_deadline <= timezone.now():
        raise ValidationError({"revision_deadline": _("The deadline for the revised document must be ahead.")})
    decision, _created = Decision.objects.update_or_create(
        submission=submission,
        defaults={
            "outcome": outcome,
            "message": message,
            "criteria_feedback": {str(key): text for key, text in (criteria_feedback or {}).items() if text},
            "revision_deadline": revision_deadline if outcome == Decision.Outcome.CHANGES_REQUESTED else None,
            "decided_by": by,
            "decided_at": timezone.now(),
        },
    )
    return decision


def pending_decisions(edition: Edition):
    return Decision.objects.filter(submission__group__edition=edition, released_at__isnull=True).select_related(
        "submission__group"
    )


@transaction.atomic
def release_decisions(edition: Edition, *, by: User, decision_ids: list[int] | None = None) -> list[Decision]:
    """Release the pending decisions (all, or those listed) together: each submission changes state, the groups
    see the outcome and the consolidated feedback; a group asked for changes writes again (until its revision
    deadline, given as an extension).

    Writes: states and SubmissionChanges, Decision.released_*, Extension rows. Queues one notification per
    submission after commit. Raises PermissionDenied; a decision whose submission left review is skipped.
    """
    _require(by, CHAIR, edition)
    decisions = pending_decisions(edition).select_for_update(of=("self",))
    if decision_ids is not None:
        decisions = decisions.filter(pk__in=decision_ids)
    released = []
    now = timezone.now()
    for decision in decisions.order_by("pk"):
        try:
            _transition(decision.submission, decision.outcome, by=by, note=decision.message)
        except InvalidTransition:
            continue
        if decision.outcome == Decision.Outcome.CHANGES_REQUESTED and decision.revision_deadline:
            _give_time_to_revise(decision, by)
        decision.released_at, decision.released_by = now, by
        decision.save(update_fields=["released_at", "released_by"])
        released.append(decision)
    return released


def _give_time_to_revise(decision: Decision, by: User) -> None:
    group = decision.submission.group
    assignment = group.edition.assignment
    Extension.objects.create(
        assignment=assignment,
        group=group,
        deadline=decision.revision_deadline,
        reason=str(gettext_lazy("Revision requested by the jury")),
        granted_by=by,
    )


def record_defense(submission: Submission, *, by: User) -> Submission:
    """Accepted → defended, once the group has defended its document at the closing ceremony."""
    _require(by, CHAIR, submission.group.edition)
    return _transition(submission, S.DEFENDED, by=by)


def publish(submission: Submission, *, by: User) -> Submission:
    """Accepted or defended → published: the document appears on the edition's public page."""
    _require(by, CONFIGURE, submission.group.edition)
    return _transition(submission, S.PUBLISHED, by=by)


def release_scores(edition: Edition, *, by: User) -> ReviewSettings:
    """The organiser shows the groups their scores and the jury's feedback."""
    return set_settings_moment(edition, "scores_released_at", on=True, by=by, perm=CONFIGURE)


def _transition(submission: Submission, to: str, *, by: User, note: str = "") -> Submission:
    from ..tasks import notify_state_change_task

    changed = transition_submission(submission, to, by=by, note=note)
    transaction.on_commit(lambda: notify_state_change_task.enqueue(submission_id=changed.pk, state=to))
    return changed


# ---------------------------------------------------------------------------
# Blind review: what a juror calls a group


def blind_numbers(edition: Edition) -> dict[int, int]:
    """{group id: its number in blind review}: stable (the groups' order of creation), the same on every page."""
    ids = Group.objects.filter(edition=edition).order_by("pk").values_list("pk", flat=True)
    return {group_id: number for number, group_id in enumerate(ids, start=1)}


def jury_label(group: Group, review_settings: ReviewSettings, numbers: dict[int, int] | None = None) -> str:
    """The group's name, or "Document 3" in blind review (the stakeholder type stays: it is part of the exercise).
    Pass `numbers` (blind_numbers) when labelling many groups, to read them once."""
    if not review_settings.blind:
        return group.name
    numbers = numbers if numbers is not None else blind_numbers(group.edition)
    return _("Document %(number)d") % {"number": numbers.get(group.pk, 0)}
