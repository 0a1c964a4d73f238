"""submissions listens to cohorts: when an edition's settings are copied, its assignment comes along. And to its own
models: a write of anything the jury's results and the chair's board read makes their cached copy stale
(services.results).

Bulk writes (bulk_create, update(), raw SQL) send no signal: their writers call results_changed() themselves.
"""

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from cohorts.signals import edition_copied
from groups.models import Group, StakeholderType

from .models import (
    Assignment,
    AssignmentSettings,
    ConflictOfInterest,
    Criterion,
    Decision,
    DefenseScore,
    Question,
    Review,
    ReviewAssignment,
    ReviewSettings,
    Score,
    SectionTemplate,
    Submission,
)
from .services.results import results_changed

logger = logging.getLogger(__name__)

ASSIGNMENT_FIELDS = ("title_fr", "title_en", "statement_fr", "statement_en")
QUESTION_FIELDS = ("position", "text_fr", "text_en", "guidance_fr", "guidance_en")
# Not the dates: the new edition sets its own opening, deadline and cut-off.
SETTINGS_FIELDS = (
    "time_zone", "late_policy", "presentation_required", "attachments_allowed", "declaration_fr", "declaration_en",
    "members_confirm",
)  # fmt: skip
SECTION_FIELDS = ("position", "kind", "title_fr", "title_en", "word_limit", "required")


def _copy(row, names) -> dict:
    return {name: getattr(row, name) for name in names}


@receiver(edition_copied, dispatch_uid="submissions.copy_assignment")
def copy_assignment(sender, *, source, target, by=None, **kwargs) -> None:
    """The assignment, its questions, its submission settings (without dates) and the document's structure.

    Idempotent: an edition that already has an assignment keeps it.
    """
    original = (
        Assignment.objects.filter(edition=source)
        .select_related("settings")
        .prefetch_related("questions", "section_templates")
        .first()
    )
    if original is None or Assignment.objects.filter(edition=target).exists():
        return
    with transaction.atomic():
        copy = Assignment.objects.create(edition=target, **_copy(original, ASSIGNMENT_FIELDS))
        questions = Question.objects.bulk_create(
            Question(assignment=copy, **_copy(question, QUESTION_FIELDS)) for question in original.questions.all()
        )
        # A part answering a question answers the copy of that question (same order number).
        by_position = {question.position: question for question in questions}
        positions = {question.pk: question.position for question in original.questions.all()}
        SectionTemplate.objects.bulk_create(
            SectionTemplate(
                assignment=copy,
                question=by_position.get(positions.get(part.question_id)),
                **_copy(part, SECTION_FIELDS),
            )
            for part in original.section_templates.all()
        )
        submission_settings = getattr(original, "settings", None)
        if submission_settings is not None:
            AssignmentSettings.objects.create(assignment=copy, **_copy(submission_settings, SETTINGS_FIELDS))


# What services.results reads of an edition: a save or delete of any of these replaces the cached results' token.
RESULTS_MODELS = (
    Review, Score, DefenseScore, Criterion, ConflictOfInterest, ReviewAssignment, Submission, Decision, ReviewSettings,
    Group, StakeholderType,
)  # fmt: skip


def forget_results(sender, *, using, **kwargs) -> None:
    """Scores, reviews, conflicts, assignments, states, decisions, settings or groups may have changed."""
    results_changed(using)


for _model in RESULTS_MODELS:
    post_save.connect(forget_results, sender=_model, dispatch_uid=f"submissions.results.{_model.__name__}_saved")
    post_delete.connect(forget_results, sender=_model, dispatch_uid=f"submissions.results.{_model.__name__}_deleted")


@receiver(post_migrate, dispatch_uid="submissions.results.migrated")
def forget_results_after_migrating(sender, *, using, **kwargs) -> None:
    """A data migration writes without signals. The cache may not answer while deploying: that must not stop it."""
    try:
        results_changed(using)
    except Exception:
        logger.warning("The cached results could not be forgotten after migrating", exc_info=True)
