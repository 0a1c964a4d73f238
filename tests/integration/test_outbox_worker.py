"""Exactly once through a real worker on Redis: a worker killed (-9) in the middle of a 30-recipient message, the
task redelivered to a new worker, and every recipient gets one email (one copy at most for the one whose send was
interrupted, reported as such), never two. Run by .ci/run with DATABASE_URL and REDIS_URL, e.g.
DATABASE_URL=postgres://postgres@127.0.0.1:5432/malisig_msgs REDIS_URL=redis://127.0.0.1:6379/14."""

import email
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from django.utils import timezone

from cohorts.models import Message, MessageRecipient
from cohorts.services import outbox
from cohorts.services.outbox import Recipient
from tests.integration.stack import VISIBILITY_TIMEOUT, committed_database_url, killable_workers, require, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def real_stack():
    require("integration tests")


R = MessageRecipient.State
RECIPIENTS = 30


@pytest.fixture
def mailbox(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def workers(real_stack, transactional_db, mailbox, tmp_path):
    """start(name) runs a real worker whose emails land in the mailbox, slowly enough for a kill to land mid-way."""
    env = {
        **os.environ,
        "DATABASE_URL": committed_database_url(),
        "EMAIL_BACKEND": "tests.integration.slow_email_backend.SlowFileBackend",
        "EMAIL_FILE_PATH": str(mailbox),
        "SLOW_EMAIL_SECONDS": "0.3",
        "CONN_MAX_AGE": "0",
    }
    with killable_workers(tmp_path, env) as start:
        yield start


def copies_received(mailbox: Path) -> Counter:
    return Counter(email.message_from_bytes(path.read_bytes())["To"] for path in mailbox.glob("*.eml"))


def count(message, *states) -> int:
    return MessageRecipient.objects.filter(message=message, state__in=states).count()


def test_a_worker_killed_mid_batch_leaves_no_one_with_two_copies(workers, edition, mailbox, tmp_path):
    first = workers("first")
    texts = {"subject_fr": "Bonjour {first_name}", "body_fr": "Une seule fois, {full_name}."}
    message = outbox.create_draft(edition, by=None, segment={"kind": "participants"}, segment_label="Tous", **texts)
    addresses = [f"person{i:02d}@example.org" for i in range(RECIPIENTS)]
    outbox.queue_message(message, [Recipient(email=a, first_name=f"P{i}") for i, a in enumerate(addresses)], by=None)

    assert wait_until(lambda: count(message, R.SENT) >= 8, timeout=60), (tmp_path / "first.log").read_text()
    first.send_signal(signal.SIGKILL)
    first.wait()
    sent_before_the_kill = count(message, R.SENT)
    assert sent_before_the_kill < RECIPIENTS
    # A starting worker restores the unacknowledged tasks older than the visibility timeout: let it pass first.
    time.sleep(VISIBILITY_TIMEOUT + 1)
    workers("second")

    assert wait_until(lambda: count(message, R.QUEUED) == 0, timeout=90), (tmp_path / "second.log").read_text()
    assert wait_until(lambda: count(message, R.SENDING) == 0 or count(message, R.SENT) == RECIPIENTS - 1, timeout=5)
    # What the periodic sweep does once a claim is old: never resend, report it.
    outbox.sweep_outbox(now=timezone.now() + outbox.SENDING_TIMEOUT * 2)

    received = copies_received(mailbox)
    states = dict(message.recipients.values_list("email", "state"))
    print(f"sent before the kill: {sent_before_the_kill}, after: {Counter(states.values())}, files: {received.total()}")
    assert max(received.values()) == 1, received.most_common(3)
    assert all(received[a] == 1 for a, state in states.items() if state == R.SENT)
    interrupted = [a for a, state in states.items() if state != R.SENT]
    assert len(interrupted) <= 1
    assert all(states[a] == R.FAILED and received[a] <= 1 for a in interrupted)
    assert set(received) <= set(addresses)
    assert count(message, R.SENT) >= RECIPIENTS - 1
    message.refresh_from_db()
    assert message.state == Message.State.SENT
