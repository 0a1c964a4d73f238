"""Celery tasks of the cockpit: certificates."""
