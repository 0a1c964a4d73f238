from datetime import timedelta

from django.contrib.sessions.models import Session
from django.utils import timezone

from malisig.celery import app as celery_app
from malisig.tasks import clear_expired_sessions_task


def test_beat_schedules_only_tasks_that_exist():
    celery_app.loader.import_default_modules()

    for entry in celery_app.conf.beat_schedule.values():
        assert entry["task"] in celery_app.tasks


def test_expired_sessions_are_cleared_and_live_ones_kept(db):
    Session.objects.create(session_key="old", session_data="", expire_date=timezone.now() - timedelta(days=1))
    Session.objects.create(session_key="live", session_data="", expire_date=timezone.now() + timedelta(days=1))

    clear_expired_sessions_task.delay()

    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
