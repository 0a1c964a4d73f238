"""Periodic housekeeping for the whole site."""

from importlib import import_module

from celery import shared_task
from django.conf import settings


@shared_task
def clear_expired_sessions_task() -> None:
    """Expired sessions would otherwise pile up in the database forever."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
