"""The Celery app: broker and results on Redis when REDIS_URL is set, eager otherwise."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "malisig.settings")

app = Celery("malisig")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
