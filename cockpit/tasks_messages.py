"""Celery tasks of the cockpit: messages (reminders by beat). The outbox's sending tasks live in cohorts.tasks."""

from celery import shared_task

__all__ = ["send_due_reminders_task"]


@shared_task
def send_due_reminders_task() -> int:
    """Hourly (beat): create and queue the reminders now due (3 days and 1 day before each deadline), each once."""
    from .services.reminders import send_due_reminders

    return len(send_due_reminders())
