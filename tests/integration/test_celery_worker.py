"""Celery through a real worker on Redis, against the real database (run by .ci/run)."""

import pytest
from django.conf import settings
from django.core import mail

from cohorts import services
from cohorts.models import Invitation, Role
from malisig.celery import app as celery_app
from tests.integration.stack import require, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def real_stack():
    require("integration tests")


@pytest.fixture
def worker(real_stack, transactional_db):
    from celery.contrib.testing.worker import start_worker

    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10):
        yield


def test_the_invitation_email_goes_through_the_broker_to_a_worker_once(worker, edition):
    assert settings.REDIS_URL

    invitation = services.invite(edition, "worker@example.org", Role.PARTICIPANT, by=None)

    assert wait_until(lambda: Invitation.objects.get(pk=invitation.pk).sent_at is not None)
    assert wait_until(lambda: len(mail.outbox) == 1)
    from cohorts.tasks import send_invitation_email_task

    again = send_invitation_email_task.delay(invitation_id=invitation.pk, nonce=invitation.token_nonce)
    assert again.get(timeout=20) is False
    assert len(mail.outbox) == 1


def test_healthz_reports_the_real_broker(client, real_stack):
    response = client.get("/healthz")

    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
