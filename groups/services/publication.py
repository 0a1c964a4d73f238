"""Showing the groups to participants, and telling each member where they are (once per placement)."""

import logging

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Edition
from malisig.emails import send_templated_mail
from malisig.models import User
from malisig.urls_helpers import absolute_url

from ..models import Formation, Membership
from ..rules import forget_publication
from .placement import lock_formation
from .setup import require_former

logger = logging.getLogger(__name__)


@transaction.atomic
def publish(edition: Edition, *, by: User | None) -> Formation:
    """Participants see their groups from now on; each member is emailed their group (Celery, after commit)."""
    from ..tasks import notify_group_news_task

    require_former(edition, by)
    formation = lock_formation(edition)
    if formation.published_at is None:
        formation.published_at, formation.published_by = timezone.now(), by
        formation.save(update_fields=["published_at", "published_by"])
    forget_publication(edition)
    transaction.on_commit(lambda: notify_group_news_task.enqueue(edition_id=edition.pk))
    return formation


@transaction.atomic
def unpublish(edition: Edition, *, by: User | None) -> Formation:
    """Hide the groups again (for a reshuffle); nobody is emailed."""
    require_former(edition, by)
    formation = lock_formation(edition)
    formation.published_at, formation.published_by = None, None
    formation.save(update_fields=["published_at", "published_by"])
    forget_publication(edition)
    return formation


def _news(edition: Edition):
    return Membership.objects.filter(edition=edition).filter(
        Q(notified_group__isnull=True) | ~Q(notified_group=F("group"))
    )


def send_group_news(edition_id: int) -> int:
    """Email each member of a published edition whose group is news to them (first placement or a move).

    Each email is claimed first (notified_group set in its own small transaction), so two workers, or a task run
    twice, never send the same news twice; a failed send gives the claim back for the retry. Returns emails sent.
    """
    if not Formation.objects.filter(edition_id=edition_id, published_at__isnull=False).exists():
        return 0
    edition = Edition.objects.select_related("school").get(pk=edition_id)
    sent = 0
    pending = _news(edition).select_related("group__stakeholder_type", "user", "notified_group").order_by("pk")
    link = absolute_url(reverse("groups:my_group", kwargs={"slug": edition.slug}))
    for membership in pending.iterator(chunk_size=500):
        claimed = Membership.objects.filter(
            pk=membership.pk, group_id=membership.group_id, notified_group_id=membership.notified_group_id
        ).update(notified_group_id=membership.group_id)
        if not claimed:
            continue
        context = {
            "edition": edition,
            "membership": membership,
            "group": membership.group,
            "moved_from": membership.notified_group,
            "person": membership.user,
            "link": link,
        }
        try:
            send_templated_mail(
                "group-placement", [membership.user.email], context, language=membership.user.preferred_language
            )
        except Exception:
            Membership.objects.filter(pk=membership.pk, notified_group_id=membership.group_id).update(
                notified_group_id=membership.notified_group_id
            )
            raise
        sent += 1
    logger.info("Edition %s: %d group emails sent", edition.slug, sent)
    return sent
