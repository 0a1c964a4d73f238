"""Tasks queued while the broker is unreachable are kept in the database, then published once it is back.

The broker is Celery's own: a Redis URL on a closed port for "down", kombu's in-memory transport for "back"."""

import socket
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from cohorts import services
from cohorts.models import ImportJob, Invitation, Message, Role
from cohorts.services import outbox
from cohorts.services.outbox import Recipient
from cohorts.tasks import send_invitation_email_task, send_message_task
from malisig.celery import app as celery_app
from malisig.models import PendingTask
from malisig.queue import enqueue, flush_pending_tasks

INVITE = "cohorts.tasks.send_invitation_email_task"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker(db):
    """broker("down") or broker("up"): a real (non-eager) Celery pointing at a closed port or at memory://."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False
    down = f"redis://127.0.0.1:{closed_port()}/0"

    def switch(state: str) -> None:
        celery_app.conf.broker_url = down if state == "down" else "memory://"

    switch("down")
    yield switch
    drain()
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = previous


def drain() -> list[tuple[str, dict]]:
    """The (task, kwargs) published on the in-memory broker, taken off it."""
    taken = []
    with celery_app.connection_for_write("memory://") as connection:
        queue = connection.SimpleQueue("celery")
        while True:
            try:
                message = queue.get(block=False)
            except queue.Empty:
                break
            taken.append((message.headers["task"], message.payload[1]))
            message.ack()
        queue.close()
    return taken


def test_a_task_queued_while_the_broker_is_down_is_kept_and_the_request_does_not_wait(
    broker, edition, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite(edition, "late@example.org", Role.PARTICIPANT, by=None)
    elapsed = time.monotonic() - started

    assert elapsed < 2
    pending = PendingTask.objects.get()
    assert pending.task == INVITE
    assert pending.kwargs == {"invitation_id": invitation.pk, "nonce": invitation.token_nonce}
    assert "connect" in pending.last_error.lower() or "refused" in pending.last_error.lower()
    assert mail.outbox == []
    assert Invitation.objects.get(pk=invitation.pk).sent_at is None


def test_the_same_call_made_twice_while_the_broker_is_down_is_kept_once(broker, edition):
    message = outbox.create_draft(edition, by=None, segment={"kind": "participants"}, segment_label="Tous",
                                  subject_fr="Bonjour", body_fr="Texte")  # fmt: skip

    enqueue(send_message_task, message_id=message.pk)
    send_message_task.enqueue(message_id=message.pk)
    send_message_task.enqueue(message_id=message.pk + 1000)

    assert sorted(PendingTask.objects.values_list("kwargs", flat=True), key=str) == [
        {"message_id": message.pk + 1000},
        {"message_id": message.pk},
    ]


def test_flushing_once_the_broker_is_back_publishes_each_kept_task_once_and_deletes_it(broker):
    send_message_task.enqueue(message_id=1)
    send_invitation_email_task.enqueue(invitation_id=2, nonce="n")
    broker("up")

    first = flush_pending_tasks()
    second = flush_pending_tasks()

    assert first == {"published": 2, "unknown": 0, "waiting": 0}
    assert second == {"published": 0, "unknown": 0, "waiting": 0}
    assert drain() == [
        ("cohorts.tasks.send_message_task", {"message_id": 1}),
        (INVITE, {"invitation_id": 2, "nonce": "n"}),
    ]
    assert not PendingTask.objects.exists()


def test_flushing_while_the_broker_is_still_down_keeps_every_task_and_counts_the_attempt(broker):
    send_message_task.enqueue(message_id=1)
    send_message_task.enqueue(message_id=2)

    counts = flush_pending_tasks()

    assert counts == {"published": 0, "unknown": 0, "waiting": 2}
    assert list(PendingTask.objects.order_by("pk").values_list("attempts", flat=True)) == [1, 0]


def test_the_next_successful_enqueue_publishes_what_was_kept(broker):
    send_message_task.enqueue(message_id=1)
    broker("up")

    send_message_task.enqueue(message_id=2)

    assert drain() == [("cohorts.tasks.send_message_task", {"message_id": 2}),
                       ("cohorts.tasks.send_message_task", {"message_id": 1})]  # fmt: skip
    assert not PendingTask.objects.exists()


def test_a_kept_row_naming_no_known_task_stays_and_does_not_block_the_others(broker):
    PendingTask.objects.create(task="gone.tasks.renamed_task", kwargs={}, key="x" * 64)
    send_message_task.enqueue(message_id=1)
    broker("up")

    counts = flush_pending_tasks()

    assert counts == {"published": 1, "unknown": 1, "waiting": 1}
    assert list(PendingTask.objects.values_list("task", flat=True)) == ["gone.tasks.renamed_task"]


def test_the_flush_command_publishes_or_says_the_broker_is_still_down(broker, capsys):
    send_message_task.enqueue(message_id=1)

    with pytest.raises(SystemExit):
        call_command("flush_pending_tasks")
    broker("up")
    call_command("flush_pending_tasks")

    out = capsys.readouterr()
    assert "still unreachable" in out.err
    assert "1 task(s) published, 0 still waiting" in out.out
    assert len(drain()) == 1


def test_in_eager_mode_a_task_runs_in_process_as_before(edition, django_capture_on_commit_callbacks):
    assert celery_app.conf.task_always_eager

    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite(edition, "now@example.org", Role.PARTICIPANT, by=None)

    assert Invitation.objects.get(pk=invitation.pk).sent_at is not None
    assert len(mail.outbox) == 1
    assert not PendingTask.objects.exists()


def test_the_import_page_says_it_waits_for_the_task_service(broker, client, organiser, edition):
    job = ImportJob.objects.create(edition=edition, original_name="cours.csv", file="private/imports/x.csv",
                                   status=ImportJob.Status.PREVIEWING, rows_total=10)  # fmt: skip
    client.force_login(organiser)
    url = reverse("cohorts:import_detail", args=[edition.slug, job.pk])
    before = client.get(url)

    from cohorts.tasks import run_import_task

    run_import_task.enqueue(job_id=job.pk, dry_run=True)
    waiting = client.get(url)

    assert 'data-testid="task-waiting"' not in before.text
    assert 'data-testid="task-waiting"' in waiting.text


def test_the_message_page_says_it_waits_for_the_task_service(broker, client, organiser, edition):
    message = outbox.create_draft(edition, by=organiser, segment={"kind": "participants"}, segment_label="Tous",
                                  subject_fr="Bonjour", body_fr="Texte")  # fmt: skip
    outbox.queue_message(message, [Recipient(email="p@example.org", first_name="P")], by=organiser)
    client.force_login(organiser)
    send_message_task.enqueue(message_id=message.pk)
    response = client.get(reverse("cockpit:message_detail", args=[edition.slug, message.pk]))

    assert Message.objects.get(pk=message.pk).state == Message.State.QUEUED
    assert 'data-testid="task-waiting"' in response.text


def test_the_beat_flushes_the_kept_tasks_every_minute():
    entries = list(celery_app.conf.beat_schedule.values())

    assert {"task": "malisig.tasks.flush_pending_tasks_task", "schedule": 60.0} in entries


def test_the_certificates_page_says_an_issue_waits_for_the_task_service(broker, client, organiser, edition):
    from cockpit.models import Certificate, CertificateBatch
    from cockpit.tasks_certificates import issue_certificates_task

    batch = CertificateBatch.objects.create(edition=edition, kind=Certificate.Kind.PARTICIPATION, total=3)
    client.force_login(organiser)
    url = reverse("cockpit:certificates", kwargs={"slug": edition.slug})
    before = client.get(url)

    issue_certificates_task.enqueue(batch_id=batch.pk, language="fr")
    waiting = client.get(url)

    assert 'data-testid="task-waiting"' not in before.text
    assert 'data-testid="task-waiting"' in waiting.text
