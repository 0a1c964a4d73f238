"""Celery tasks of the cockpit: certificates."""

from celery import shared_task

__all__ = ["issue_certificates_task"]


@shared_task
def issue_certificates_task(*, batch_id: int, language: str = "") -> int:
    """Issue the batch's certificates (services.certificates.run_certificate_batch): re-reads who qualifies, skips
    whoever holds a valid certificate, so a rerun after a killed worker finishes without duplicates. Returns how
    many certificates this run issued."""
    from .services.certificates import run_certificate_batch

    return run_certificate_batch(batch_id, language=language)
