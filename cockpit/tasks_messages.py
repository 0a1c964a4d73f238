"""Celery tasks of the cockpit: messages."""
