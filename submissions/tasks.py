"""Celery tasks: ids in, re-read, safe to run twice."""

from celery import shared_task
from django.urls import reverse

from cohorts.tasks import MAIL_RETRY
from groups.models import Membership
from malisig.emails import send_templated_mail
from malisig.urls_helpers import absolute_url

from .models import Submission


@shared_task(**MAIL_RETRY)
def notify_submission_received_task(*, submission_id: int) -> int:
    """Email every member of the group that its document was submitted. Stores nothing: a rerun resends the email,
    and a submission withdrawn (or gone) in the meantime sends none. Returns emails sent."""
    submission = (
        Submission.objects.select_related("group__edition__school", "submitted_by").filter(pk=submission_id).first()
    )
    if submission is None or submission.state not in (Submission.State.SUBMITTED, Submission.State.RESUBMITTED):
        return 0
    return _email_members(submission, "submission-received")


def _email_members(submission: Submission, template: str) -> int:
    """One email per member of the submission's group, in their language, linking to the submission's page."""
    group = submission.group
    link = absolute_url(
        reverse("submissions:submission_detail", args=[group.edition.slug, group.pk, submission.number])
    )
    sent = 0
    for membership in Membership.objects.filter(group=group).select_related("user").order_by("pk"):
        person = membership.user
        context = {"edition": group.edition, "group": group, "submission": submission, "person": person, "link": link}
        send_templated_mail(template, [person.email], context, language=person.preferred_language)
        sent += 1
    return sent


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_jitter=True, max_retries=3)
def build_export_task(*, group_id: int, kind: str, language: str) -> int | None:
    """Build the export of the group's current version unless stored already. Returns the ExportFile id (None if
    the group is gone)."""
    from .services.exports import build_export

    export = build_export(group_id, kind, language)
    return export.pk if export is not None else None


# The states a group hears about: the released decisions and the publication.
NOTIFIED_STATES = frozenset(
    {
        Submission.State.CHANGES_REQUESTED,
        Submission.State.ACCEPTED,
        Submission.State.NOT_ACCEPTED,
        Submission.State.PUBLISHED,
    }
)


@shared_task(**MAIL_RETRY)
def notify_state_change_task(*, submission_id: int, state: str) -> int:
    """Email every member of the group that the jury's decision is out (or the document published). Sends nothing
    when the submission has since moved on (a rerun after a later change) or for states groups don't hear about.
    Returns emails sent."""
    submission = Submission.objects.select_related("group__edition__school").filter(pk=submission_id).first()
    if submission is None or submission.state != state or state not in NOTIFIED_STATES:
        return 0
    return _email_members(submission, "submission-decision")


# A reminder click is remembered this long, so that a retried task does not email the same juror twice.
REMINDER_CLAIM_SECONDS = 7 * 24 * 3600


@shared_task(**MAIL_RETRY)
def remind_jurors_task(*, edition_id: int, juror_ids: list[int], click: str) -> int:
    """Email each juror one reminder listing the reviews they still owe. Re-reads everything: a juror with nothing
    pending any more (submitted meanwhile, unassigned, round closed) gets nothing. `click` names the chair's click:
    a rerun of the same click (a retry) sends no duplicate, a new click reminds again. Claims live in the cache
    (no model field for them yet). Returns emails sent."""
    from django.core.cache import cache

    from cohorts.models import Edition
    from malisig.models import User

    from .services.results import pending_reviews_of
    from .services.review import blind_numbers, jury_label, review_settings_for

    edition = Edition.objects.select_related("school").filter(pk=edition_id).first()
    if edition is None:
        return 0
    review_settings = review_settings_for(edition)
    numbers = blind_numbers(edition) if review_settings.blind else None
    link = absolute_url(edition.get_absolute_url() + "#jury")
    sent = 0
    for juror in User.objects.filter(pk__in=juror_ids).order_by("pk"):
        key = f"juror-reminder:{edition_id}:{click}:{juror.pk}"
        if not cache.add(key, True, REMINDER_CLAIM_SECONDS):
            continue
        pending = pending_reviews_of(juror, edition)
        if not pending:
            continue
        labels = [jury_label(submission.group, review_settings, numbers) for submission in pending]
        context = {
            "edition": edition,
            "person": juror,
            "labels": labels,
            "deadline": review_settings.review_deadline,
            "link": link,
        }
        try:
            send_templated_mail("juror-reminder", [juror.email], context, language=juror.preferred_language)
        except Exception:
            cache.delete(key)  # the retry sends it
            raise
        sent += 1
    return sent
