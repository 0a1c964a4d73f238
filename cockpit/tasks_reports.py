"""Celery tasks of the cockpit: reports."""
