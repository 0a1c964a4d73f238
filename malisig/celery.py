"""The Celery app: broker and results on Redis when REDIS_URL is set, eager otherwise. Tasks are queued with
`some_task.enqueue(**kwargs)`, which keeps them when the broker is down (malisig/queue.py)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "malisig.settings")

app = Celery("malisig", task_cls="malisig.queue:DurableTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
