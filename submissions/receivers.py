"""submissions listens to cohorts: when an edition's settings are copied, its assignment comes along."""

from django.db import transaction
from django.dispatch import receiver

from cohorts.signals import edition_copied

from .models import Assignment, Question

ASSIGNMENT_FIELDS = ("title_fr", "title_en", "statement_fr", "statement_en")
QUESTION_FIELDS = ("position", "text_fr", "text_en", "guidance_fr", "guidance_en")


@receiver(edition_copied, dispatch_uid="submissions.copy_assignment")
def copy_assignment(sender, *, source, target, by=None, **kwargs) -> None:
    """Idempotent: an edition that already has an assignment keeps it."""
    original = Assignment.objects.filter(edition=source).prefetch_related("questions").first()
    if original is None or Assignment.objects.filter(edition=target).exists():
        return
    with transaction.atomic():
        copy = Assignment.objects.create(
            edition=target, **{name: getattr(original, name) for name in ASSIGNMENT_FIELDS}
        )
        Question.objects.bulk_create(
            Question(assignment=copy, **{name: getattr(question, name) for name in QUESTION_FIELDS})
            for question in original.questions.all()
        )
