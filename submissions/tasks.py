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
    group = submission.group
    link = absolute_url(
        reverse("submissions:submission_detail", args=[group.edition.slug, group.pk, submission.number])
    )
    sent = 0
    for membership in Membership.objects.filter(group=group).select_related("user").order_by("pk"):
        person = membership.user
        context = {"edition": group.edition, "group": group, "submission": submission, "person": person, "link": link}
        send_templated_mail("submission-received", [person.email], context, language=person.preferred_language)
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
    group = submission.group
    link = absolute_url(
        reverse("submissions:submission_detail", args=[group.edition.slug, group.pk, submission.number])
    )
    sent = 0
    for membership in Membership.objects.filter(group=group).select_related("user").order_by("pk"):
        person = membership.user
        context = {"edition": group.edition, "group": group, "submission": submission, "person": person, "link": link}
        send_templated_mail("submission-decision", [person.email], context, language=person.preferred_language)
        sent += 1
    return sent
