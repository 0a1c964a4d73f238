"""{% task_waiting "app.tasks.some_task" job_id=job.pk %}: a notice when that job waits for the task service."""

from django import template

from malisig.queue import waiting_for

register = template.Library()


@register.inclusion_tag("_task_waiting.html")
def task_waiting(task_name: str, **kwargs) -> dict:
    """Says so when a call of the task with these arguments is kept in PendingTask (the broker was unreachable)."""
    return {"waiting": waiting_for(task_name, **kwargs)}
