"""Celery tasks of the cockpit: reports (the proceedings, the report for sponsors)."""

from celery import shared_task

__all__ = ["build_report_task"]


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_jitter=True, max_retries=3)
def build_report_task(*, report_id: int) -> int | None:
    """Build the file of a Report row unless it has one already (safe to run twice). Returns the row's id (None if
    the row is gone)."""
    from .services.reports import build_report

    report = build_report(report_id)
    return report.pk if report is not None else None
