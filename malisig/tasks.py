"""Periodic housekeeping for the whole site."""

from importlib import import_module

from celery import shared_task
from django.conf import settings


@shared_task
def clear_expired_sessions_task() -> None:
    """Expired sessions would otherwise pile up in the database forever."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


@shared_task(ignore_result=True)
def flush_pending_tasks_task() -> dict:
    """Periodic (beat): hand the tasks recorded while the broker was unreachable to the broker (malisig/queue.py)."""
    from .queue import flush_pending_tasks

    return flush_pending_tasks()
