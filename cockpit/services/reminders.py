"""Reminders before the deadlines: 3 days and 1 day before, to groups without a submission and to jurors with reviews
due. Each reminder is an outbox message with a unique key, created and queued at most once, without review."""

import datetime as dt
import logging

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cohorts.models import Edition, Message
from cohorts.services import outbox
from groups.models import Group
from submissions.models import AssignmentSettings, ReviewSettings
from submissions.services.deadlines import window_for

from . import segments

logger = logging.getLogger(__name__)

LIVE = (Edition.Status.OPEN, Edition.Status.RUNNING)
STAGES = ((dt.timedelta(days=1), "1d"), (dt.timedelta(days=3), "3d"))
STAGE_NAMES = {"1d": gettext_noop("1 day before"), "3d": gettext_noop("3 days before")}


def stage_due(deadline: dt.datetime | None, now: dt.datetime) -> str | None:
    """ "1d" within the last day before the deadline, "3d" within the three days before that, else None."""
    if deadline is None or now >= deadline:
        return None
    for ahead, stage in STAGES:
        if deadline - now <= ahead:
            return stage
    return None


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="minutes")


def _texts(subject: str, body: str) -> dict:
    """The default text in French and in English (`subject`/`body` are marked for translation by the callers)."""
    texts = {}
    for language in ("fr", "en"):
        with translation.override(language):
            texts[f"subject_{language}"], texts[f"body_{language}"] = _(subject), _(body)
    return texts


# Marked for makemessages; translated when a reminder is written (each language in turn).
GROUP_SUBJECT = gettext_noop("Reminder: your group's document is due on {deadline}")
GROUP_BODY = gettext_noop(
    "Hello {first_name},\n\nYour group “{group}” has not handed in its document for {edition} yet. "
    "The deadline is {deadline}.\n\nYour group's workspace: {link}\n\nThe organising team"
)
JURY_SUBJECT = gettext_noop("Reminder: your reviews are due on {deadline}")
JURY_BODY = gettext_noop(
    "Hello {first_name},\n\nSome documents of {edition} assigned to you are still waiting for your review. "
    "The review deadline is {deadline}.\n\nThe jury's page: {link}\n\nThe organising team"
)


def submission_reminder_texts() -> dict:
    return _texts(GROUP_SUBJECT, GROUP_BODY)


def review_reminder_texts() -> dict:
    return _texts(JURY_SUBJECT, JURY_BODY)


def _create(edition: Edition, key: str, segment: dict, label: str, texts: dict) -> Message | None:
    if Message.objects.filter(key=key).exists():
        return None
    try:
        recipients = segments.resolve(edition, segment)
        return outbox.create_and_queue(edition, recipients, key=key, segment=segment, segment_label=label, **texts)
    except (ValidationError, outbox.OutboxError) as error:
        logger.error("Reminder %s not sent: %s", key, error)
        return None


def remind_groups(edition: Edition, *, now: dt.datetime) -> list[Message]:
    """One reminder per group without a submission whose deadline (with extensions) is 3 days or 1 day ahead."""
    settings = AssignmentSettings.objects.filter(assignment__edition=edition).first()
    if settings is None:
        return []
    created = []
    groups = Group.objects.filter(edition=edition).exclude(pk__in=segments.groups_with_submission(edition))
    for group in groups.order_by("pk"):
        deadline = window_for(group, settings, now=now).deadline
        stage = stage_due(deadline, now)
        if stage is None:
            continue
        key = f"reminder:submission:{stage}:group:{group.pk}:{_iso(deadline)}"
        segment, label = {"kind": segments.GROUP, "group_id": group.pk}, segments._group_label(group)
        label = _("Reminder (%(stage)s) · %(label)s") % {"stage": _(STAGE_NAMES[stage]), "label": label}
        if message := _create(edition, key, segment, label, submission_reminder_texts()):
            created.append(message)
    return created


def remind_jurors(edition: Edition, *, now: dt.datetime) -> list[Message]:
    """One reminder to the jurors with reviews due, 3 days and 1 day before the review deadline."""
    review_settings = ReviewSettings.objects.filter(edition=edition).first()
    if review_settings is None or review_settings.round_closed_at is not None:
        return []
    deadline = review_settings.review_deadline
    stage = stage_due(deadline, now)
    if stage is None:
        return []
    key = f"reminder:reviews:{stage}:edition:{edition.pk}:{_iso(deadline)}"
    label = _("Reminder (%(stage)s) · %(label)s") % {
        "stage": _(STAGE_NAMES[stage]),
        "label": segments.simple_labels()[segments.REVIEWS_DUE],
    }
    message = _create(edition, key, {"kind": segments.REVIEWS_DUE}, label, review_reminder_texts())
    return [message] if message else []


def send_due_reminders(*, now: dt.datetime | None = None) -> list[Message]:
    """Every live edition's reminders that are due and not yet sent. Side effects: Messages (keyed), their
    recipients, send tasks. Safe to run twice: each key is used once."""
    now = now or timezone.now()
    created = []
    for edition in Edition.objects.filter(status__in=LIVE).order_by("pk"):
        with translation.override(django_settings.LANGUAGE_CODE):  # the labels shown in the outbox
            created += remind_groups(edition, now=now)
            created += remind_jurors(edition, now=now)
    return created


def draft_group_reminder(edition: Edition, *, by) -> Message:
    """A draft to the groups without a submission, prefilled with the default reminder, for the organiser to review
    in the outbox. Side effects: one Message row."""
    return outbox.create_draft(
        edition,
        by=by,
        segment={"kind": segments.WITHOUT_SUBMISSION},
        segment_label=segments.simple_labels()[segments.WITHOUT_SUBMISSION],
        **submission_reminder_texts(),
    )
