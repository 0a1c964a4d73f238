"""Celery tasks: ids in, re-read, safe to run twice."""

import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.urls import reverse
from django.utils import timezone

from malisig.emails import send_templated_mail
from malisig.urls_helpers import absolute_url

from .models import EditionRole, Invitation, Role

logger = logging.getLogger(__name__)

MAIL_RETRY = {"autoretry_for": (SMTPException, OSError), "retry_backoff": 30, "retry_jitter": True, "max_retries": 6}


@shared_task(**MAIL_RETRY)
def send_invitation_email_task(*, invitation_id: int, nonce: str) -> bool:
    """Send the link once per nonce: a newer invitation or an earlier run makes this a no-op."""
    from .services import invitation_token

    with transaction.atomic():
        claimed = Invitation.objects.filter(
            pk=invitation_id, token_nonce=nonce, sent_at=None, accepted_at=None, revoked_at=None
        ).update(sent_at=timezone.now())
    if not claimed:
        logger.info("Invitation %s: nothing to send (already sent, replaced, used or gone)", invitation_id)
        return False
    invitation = Invitation.objects.select_related("edition", "invited_by").get(pk=invitation_id)
    link = absolute_url(reverse("cohorts:invitation_accept", kwargs={"token": invitation_token(invitation)}))
    try:
        send_templated_mail(
            "invitation",
            [invitation.email],
            {"invitation": invitation, "edition": invitation.edition, "link": link},
            language=invitation.language,
        )
    except Exception:
        # Release the claim so the retry sends it.
        Invitation.objects.filter(pk=invitation_id, token_nonce=nonce).update(sent_at=None)
        raise
    return True


@shared_task(**MAIL_RETRY)
def notify_renewal_request_task(*, invitation_id: int) -> int:
    invitation = Invitation.objects.select_related("edition").filter(pk=invitation_id).first()
    if invitation is None:
        logger.warning("Invitation %s vanished before its renewal request was sent", invitation_id)
        return 0
    organisers = EditionRole.objects.filter(edition=invitation.edition, role=Role.ORGANISER).select_related("user")
    link = absolute_url(reverse("cohorts:invitation_list", kwargs={"slug": invitation.edition.slug}))
    for organiser in organisers:
        send_templated_mail(
            "invitation-renewal-request",
            [organiser.user.email],
            {"invitation": invitation, "edition": invitation.edition, "link": link},
            language=organiser.user.preferred_language or settings.LANGUAGE_CODE,
        )
    return len(organisers)


@shared_task
def invite_participants_task(*, enrolment_ids: list[int], by_id: int | None) -> int:
    """Invite each enrolment still waiting for it; a rerun skips those already invited or active."""
    from malisig.models import User

    from .models import Enrolment
    from .services.enrolment import INVITABLE, invite_enrolment

    by = User.objects.filter(pk=by_id).first()
    invited = 0
    for enrolment in Enrolment.objects.filter(pk__in=enrolment_ids, status__in=INVITABLE).select_related(
        "edition", "user"
    ):
        with transaction.atomic():
            invite_enrolment(enrolment, by=by)
        invited += 1
    return invited


DATABASE_ERRORS = (OperationalError, InterfaceError)


def import_retry_countdown(retries: int) -> int:
    """5 s, 10 s, 20 s... at most 10 min between attempts (about 20 min in all): PostgreSQL restarting or failing
    over."""
    return min(5 * 2**retries, 600)


@shared_task(bind=True, acks_late=True, max_retries=8)
def run_import_task(self, *, job_id: int, dry_run: bool) -> dict | None:
    """Preview or apply an uploaded file. Redelivered after a worker died, or retried after the database could not
    be reached, it carries on after the last committed batch (services.imports.run_job); redelivered after it
    finished, it does nothing. Any other error, or the last retry, marks the job failed: the page stops saying it
    runs."""
    from .models import ImportJob
    from .services.imports import ImportRefused, report_stopped, run_job

    try:
        job = ImportJob.objects.select_related("edition").filter(pk=job_id).first()
        if job is None:
            logger.warning("Import %s vanished before it ran", job_id)
            return None
        running = ImportJob.Status.PREVIEWING if dry_run else ImportJob.Status.APPLYING
        if job.status != running:
            logger.info("Import %s is %s, not %s: nothing to run (already finished)", job_id, job.status, running)
            return None
        return run_job(job, dry_run=dry_run).as_dict()
    except ImportRefused:
        return None
    except DATABASE_ERRORS as error:
        if not self.request.is_eager and self.request.retries < self.max_retries:
            countdown = import_retry_countdown(self.request.retries)
            logger.warning("Import %s: the database cannot be reached, next try in %s s", job_id, countdown)
            raise self.retry(exc=error, countdown=countdown) from error
        report_stopped(job_id)
        raise
    except Exception:
        report_stopped(job_id)
        raise


# ---------------------------------------------------------------------------
# The mail outbox (cohorts.services.outbox explains the exactly-once design)


def outbox_retry_countdown(retries: int) -> int:
    """30 s, 1 min, 2 min... at most 30 min between attempts."""
    return min(30 * 2**retries, 1800)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def send_message_task(self, *, message_id: int) -> dict:
    """Send a queued message's copies. Safe to run twice and to be redelivered after a worker died: each copy is
    claimed (queued → sending) before it leaves, so a rerun sends only what nobody claimed. A transient error
    retries later, with backoff; each copy fails after outbox.MAX_ATTEMPTS, so the retries end."""
    from .services import outbox

    delivery = outbox.deliver_message(message_id)
    if delivery.retry:
        if self.request.is_eager:
            return vars(delivery)  # tests: the next run is the test's call, not a recursion
        raise self.retry(countdown=outbox_retry_countdown(self.request.retries))
    return vars(delivery)


@shared_task
def sweep_outbox_task() -> dict:
    """Periodic (beat): copies left "sending" by a dead worker are marked interrupted (never resent); messages whose
    queued copies have waited too long are handed to a worker again."""
    from .services import outbox

    interrupted, waiting = outbox.sweep_outbox()
    for message_id in waiting:
        send_message_task.enqueue(message_id=message_id)
    return {"interrupted": interrupted, "requeued": len(waiting)}
