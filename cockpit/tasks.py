"""Celery tasks of the cockpit (autodiscovered here): ids in, re-read, safe to run twice."""

from .tasks_certificates import *  # noqa: F403
from .tasks_messages import *  # noqa: F403
from .tasks_reports import *  # noqa: F403
