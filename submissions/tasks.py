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
    if submission is None or submission.state != Submission.State.SUBMITTED:
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
