"""Celery tasks of the cockpit: ids in, re-read, safe to run twice. Each feature keeps its tasks in its own module."""
