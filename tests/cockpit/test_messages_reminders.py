"""Reminders by beat: 3 days and 1 day before each deadline, to groups without a submission and to jurors with
reviews due, each once however often the task runs."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from cockpit.services import reminders
from cockpit.tasks_messages import send_due_reminders_task
from cohorts.models import Edition, Message, MessageRecipient
from submissions.models import Extension, ReviewSettings

from .messages_fixtures import elsewhere_fixture, recording_backend_fixture, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def run_task(capture, times=1, now=None):
    for _ in range(times):
        with capture(execute=True):
            if now is None:
                send_due_reminders_task.delay()
            else:
                reminders.send_due_reminders(now=now)


def set_deadline(world, delta):
    world.settings.deadline = timezone.now() + delta
    world.settings.save()


@pytest.mark.parametrize("stage, delta", [("3d", dt.timedelta(days=2, hours=20)), ("1d", dt.timedelta(hours=20))])
def test_groups_without_a_submission_are_reminded_once(
    world, recording_backend, django_capture_on_commit_callbacks, stage, delta
):
    set_deadline(world, delta)

    run_task(django_capture_on_commit_callbacks, times=2)

    [message] = Message.objects.all()
    assert message.key.startswith(f"reminder:submission:{stage}:group:{world.group_a.pk}:")
    assert message.state == Message.State.SENT and message.created_by is None
    assert sorted(m.to[0] for m in mail.outbox) == ["awa@example.org", "sekou@example.org"]
    assert all("Gouvernement A" in m.body for m in mail.outbox)


def test_the_three_day_then_the_one_day_reminder(world, recording_backend, django_capture_on_commit_callbacks):
    deadline = timezone.now() + dt.timedelta(days=5)
    set_deadline(world, dt.timedelta(days=5))

    for days_before in (4, 2.9, 2.5, 0.9, 0.5, -0.1):
        run_task(django_capture_on_commit_callbacks, now=deadline - dt.timedelta(days=days_before))

    assert sorted(key.split(":")[2] for key in Message.objects.values_list("key", flat=True)) == ["1d", "3d"]
    assert len(mail.outbox) == 4


def test_nothing_far_from_the_deadline_nor_after_it(world, recording_backend, django_capture_on_commit_callbacks):
    set_deadline(world, dt.timedelta(days=10))
    run_task(django_capture_on_commit_callbacks)
    set_deadline(world, -dt.timedelta(hours=1))
    run_task(django_capture_on_commit_callbacks)

    assert not Message.objects.exists() and mail.outbox == []


def test_a_group_extension_moves_its_reminder(world, recording_backend, django_capture_on_commit_callbacks):
    set_deadline(world, dt.timedelta(hours=20))
    Extension.objects.create(
        assignment=world.settings.assignment,
        group=world.group_a,
        reason="Panne",
        deadline=timezone.now() + dt.timedelta(days=10),
    )

    run_task(django_capture_on_commit_callbacks)

    assert not Message.objects.exists()


def test_closed_editions_get_no_reminder(world, recording_backend, django_capture_on_commit_callbacks):
    set_deadline(world, dt.timedelta(hours=20))
    Edition.objects.filter(pk=world.edition.pk).update(status=Edition.Status.CLOSED)

    run_task(django_capture_on_commit_callbacks)

    assert not Message.objects.exists()


def test_jurors_with_reviews_due_are_reminded_once(
    world, elsewhere, recording_backend, django_capture_on_commit_callbacks
):
    set_deadline(world, dt.timedelta(days=10))
    ReviewSettings.objects.create(edition=world.edition, review_deadline=timezone.now() + dt.timedelta(days=2))

    run_task(django_capture_on_commit_callbacks, times=2)

    [message] = Message.objects.all()
    assert message.key.startswith(f"reminder:reviews:3d:edition:{world.edition.pk}:")
    assert [m.to for m in mail.outbox] == [["juror@example.org"]]


def test_a_closed_round_sends_no_juror_reminder(world, recording_backend, django_capture_on_commit_callbacks):
    set_deadline(world, dt.timedelta(days=10))
    ReviewSettings.objects.create(
        edition=world.edition, review_deadline=timezone.now() + dt.timedelta(hours=5), round_closed_at=timezone.now()
    )

    run_task(django_capture_on_commit_callbacks)

    assert not Message.objects.exists()


def test_reminders_show_in_the_outbox_history(
    client, organiser, world, recording_backend, django_capture_on_commit_callbacks
):
    set_deadline(world, dt.timedelta(hours=20))
    run_task(django_capture_on_commit_callbacks)
    client.force_login(organiser)

    response = client.get(f"/editions/{world.edition.slug}/cockpit/messages/")

    [message] = response.context["page"]
    assert message.key and message.sent_count == 2
    assert MessageRecipient.objects.filter(state=MessageRecipient.State.SENT).count() == 2


def test_stage_due_boundaries():
    deadline = timezone.now()

    assert reminders.stage_due(deadline, deadline - dt.timedelta(days=3, seconds=1)) is None
    assert reminders.stage_due(deadline, deadline - dt.timedelta(days=3)) == "3d"
    assert reminders.stage_due(deadline, deadline - dt.timedelta(days=1)) == "1d"
    assert reminders.stage_due(deadline, deadline) is None
    assert reminders.stage_due(None, deadline) is None
