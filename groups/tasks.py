"""Celery tasks: ids in, re-read, safe to run twice."""

from celery import shared_task

from cohorts.tasks import MAIL_RETRY

from .services.publication import send_group_news


@shared_task(**MAIL_RETRY)
def notify_group_news_task(*, edition_id: int) -> int:
    """Email the members whose group is news to them (see send_group_news); a rerun sends nothing twice."""
    return send_group_news(edition_id)
