"""Sending: each recipient once, refused addresses reported, transient failures retried a bounded number of times,
and a copy interrupted by a dead worker never sent twice."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from cohorts.models import Message, MessageRecipient
from cohorts.services import outbox
from cohorts.services.outbox import Recipient
from cohorts.tasks import send_message_task, sweep_outbox_task

from .messages_fixtures import recording_backend_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
R = MessageRecipient.State


def queued(edition, addresses, django_capture_on_commit_callbacks, *, execute=False):
    message = outbox.create_draft(
        edition,
        by=None,
        segment={"kind": "participants"},
        segment_label="Tous",
        subject_fr="Bonjour {first_name}",
        body_fr="Texte",
    )
    with django_capture_on_commit_callbacks(execute=execute):
        outbox.queue_message(message, [Recipient(email=a, first_name=a.split("@")[0]) for a in addresses], by=None)
    return message


def states(message):
    return dict(message.recipients.values_list("email", "state"))


def test_queueing_sends_each_recipient_once_through_the_task(
    edition, recording_backend, django_capture_on_commit_callbacks
):
    message = queued(
        edition, ["a@example.org", "b@example.org", "A@example.org"], django_capture_on_commit_callbacks, execute=True
    )

    message.refresh_from_db()
    assert message.state == Message.State.SENT and message.sent_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
    assert [m.subject for m in mail.outbox] == ["Bonjour a", "Bonjour b"]
    assert set(states(message).values()) == {R.SENT}


def test_running_the_task_again_sends_nothing_more(edition, recording_backend, django_capture_on_commit_callbacks):
    message = queued(edition, ["a@example.org", "b@example.org"], django_capture_on_commit_callbacks, execute=True)

    send_message_task.delay(message_id=message.pk)
    send_message_task.delay(message_id=message.pk)

    assert len(mail.outbox) == 2


def test_a_refused_address_fails_at_once_with_the_reason_and_is_not_retried(
    edition, recording_backend, django_capture_on_commit_callbacks
):
    message = queued(edition, ["refused@example.org", "b@example.org"], django_capture_on_commit_callbacks)

    first = send_message_task.delay(message_id=message.pk).get()
    again = send_message_task.delay(message_id=message.pk).get()

    refused = message.recipients.get(email="refused@example.org")
    assert (refused.state, refused.attempts) == (R.FAILED, 1)
    assert "550" in refused.reason and "No such user" in refused.reason
    assert first == {"sent": 1, "failed": 1, "retry": False} and again == {"sent": 0, "failed": 0, "retry": False}
    assert [m.to for m in mail.outbox] == [["b@example.org"]]
    message.refresh_from_db()
    assert message.state == Message.State.SENT


def test_an_invalid_address_fails_without_reaching_the_server(
    edition, recording_backend, django_capture_on_commit_callbacks
):
    message = queued(edition, ["not an address"], django_capture_on_commit_callbacks)

    send_message_task.delay(message_id=message.pk)

    assert states(message) == {"not an address": R.FAILED}
    assert mail.outbox == []


def test_a_transient_failure_goes_back_to_the_queue_then_fails_after_the_last_attempt(
    edition, recording_backend, django_capture_on_commit_callbacks
):
    message = queued(edition, ["flaky@example.org", "b@example.org"], django_capture_on_commit_callbacks)

    results = [send_message_task.delay(message_id=message.pk).get() for _ in range(outbox.MAX_ATTEMPTS + 2)]

    flaky = message.recipients.get(email="flaky@example.org")
    assert [r["retry"] for r in results] == [True] * (outbox.MAX_ATTEMPTS - 1) + [False, False, False]
    assert (flaky.state, flaky.attempts) == (R.FAILED, outbox.MAX_ATTEMPTS)
    assert "SMTPServerDisconnected" in flaky.reason
    assert [m.to for m in mail.outbox] == [["b@example.org"]]
    message.refresh_from_db()
    assert message.state == Message.State.SENT


def test_a_copy_left_sending_by_a_dead_worker_is_not_sent_again_by_the_redelivered_task(
    edition, recording_backend, django_capture_on_commit_callbacks
):
    message = queued(edition, ["a@example.org", "b@example.org"], django_capture_on_commit_callbacks)
    # The first worker claimed a@ and died before recording the outcome.
    MessageRecipient.objects.filter(email="a@example.org").update(state=R.SENDING, claimed_at=timezone.now())

    send_message_task.delay(message_id=message.pk)

    assert [m.to for m in mail.outbox] == [["b@example.org"]]
    assert states(message) == {"a@example.org": R.SENDING, "b@example.org": R.SENT}
    message.refresh_from_db()
    assert message.state == Message.State.SENDING


def test_the_sweep_reports_an_interrupted_copy_and_never_resends_it(
    edition, recording_backend, django_capture_on_commit_callbacks
):
    message = queued(edition, ["a@example.org", "b@example.org"], django_capture_on_commit_callbacks)
    MessageRecipient.objects.filter(email="a@example.org").update(
        state=R.SENDING, claimed_at=timezone.now() - outbox.SENDING_TIMEOUT - dt.timedelta(minutes=1)
    )
    send_message_task.delay(message_id=message.pk)

    sweep_outbox_task.delay()
    send_message_task.delay(message_id=message.pk)

    interrupted = message.recipients.get(email="a@example.org")
    assert interrupted.state == R.FAILED and interrupted.reason
    assert [m.to for m in mail.outbox] == [["b@example.org"]]
    message.refresh_from_db()
    assert message.state == Message.State.SENT


def test_the_sweep_hands_a_forgotten_message_to_a_worker_again(
    edition, recording_backend, django_capture_on_commit_callbacks
):
    message = queued(edition, ["a@example.org"], django_capture_on_commit_callbacks)  # its task was lost
    Message.objects.filter(pk=message.pk).update(updated_at=timezone.now() - outbox.REQUEUE_AFTER * 2)

    assert sweep_outbox_task.delay().get() == {"interrupted": 0, "requeued": 1}

    assert [m.to for m in mail.outbox] == [["a@example.org"]]


def test_a_recent_message_being_sent_is_left_to_its_worker(
    edition, recording_backend, django_capture_on_commit_callbacks
):
    message = queued(edition, ["a@example.org"], django_capture_on_commit_callbacks)
    MessageRecipient.objects.update(state=R.SENDING, claimed_at=timezone.now())

    assert sweep_outbox_task.delay().get() == {"interrupted": 0, "requeued": 0}
    assert states(message) == {"a@example.org": R.SENDING}


def test_a_message_cannot_be_queued_twice_or_without_recipients(edition, django_capture_on_commit_callbacks):
    message = queued(edition, ["a@example.org"], django_capture_on_commit_callbacks)
    empty = outbox.create_draft(edition, by=None, segment={}, segment_label="", subject_fr="S", body_fr="B")

    with pytest.raises(outbox.OutboxError):
        outbox.queue_message(message, [Recipient(email="b@example.org")], by=None)
    with pytest.raises(outbox.OutboxError):
        outbox.queue_message(empty, [], by=None)

    assert message.recipients.count() == 1
    empty.refresh_from_db()
    assert empty.state == Message.State.DRAFT


def test_a_temporary_refusal_is_retried_without_holding_up_the_others(
    edition, recording_backend, django_capture_on_commit_callbacks
):
    message = queued(edition, ["greylisted@example.org", "b@example.org"], django_capture_on_commit_callbacks)

    first = send_message_task.delay(message_id=message.pk).get()
    for _ in range(outbox.MAX_ATTEMPTS):
        send_message_task.delay(message_id=message.pk)

    assert first == {"sent": 1, "failed": 0, "retry": True}
    greylisted = message.recipients.get(email="greylisted@example.org")
    assert (greylisted.state, greylisted.attempts) == (R.FAILED, outbox.MAX_ATTEMPTS)
    assert "451" in greylisted.reason
    assert [m.to for m in mail.outbox] == [["b@example.org"]]
