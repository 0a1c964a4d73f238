"""The mail outbox: messages written by organisers (or reminders), reviewed as drafts, then queued and sent once.

Who receives a message is the top floor's business (cockpit.services.segments resolves a segment into `Recipient`s);
this module validates and renders the texts, keeps the queue and records each recipient's delivery.

Placeholders, written in braces in a subject or a text, are replaced per recipient, in the recipient's language:

    {first_name}  the recipient's first name          {last_name}  their last name
    {full_name}   first and last name                  {group}      their group's name (empty if none)
    {deadline}    their deadline (the group's, with extensions; the review deadline for jurors)
    {link}        the page that matters to them (their group's document, the jury's page, their invitation)
    {edition}     the edition's title

`{{` and `}}` write a literal brace. Any other name in braces (or a lone brace) is refused before anything is queued.

Sending exactly once (see cohorts.tasks.send_message_task): each recipient is claimed by one conditional UPDATE
(queued → sending) committed before the email leaves, and marked sent right after. A task redelivered after a worker
died only claims recipients still queued. A recipient left "sending" by a dead worker may or may not have received the
email: it is never resent automatically; after SENDING_TIMEOUT the sweep marks it failed ("interrupted, delivery
unknown") so that an organiser can decide. At most once, never twice.
"""

import datetime as dt
import logging
import smtplib
import string
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from malisig.audit import announce

from ..models import Edition, Message, MessageRecipient, MessageTemplate

logger = logging.getLogger(__name__)

M = Message.State
R = MessageRecipient.State

PLACEHOLDERS: dict[str, str] = {
    "first_name": _("the recipient's first name"),
    "last_name": _("the recipient's last name"),
    "full_name": _("the recipient's first and last name"),
    "group": _("the recipient's group"),
    "deadline": _("the recipient's deadline"),
    "link": _("the page that matters to the recipient"),
    "edition": _("the edition's title"),
}
TEXT_FIELDS = ("subject_fr", "body_fr", "subject_en", "body_en")
# After this many failed attempts (the mail server down, a timeout), a recipient is marked failed.
MAX_ATTEMPTS = 5
# A recipient "sending" for longer than this was interrupted (its worker died): marked failed, never resent.
SENDING_TIMEOUT = dt.timedelta(minutes=15)
# A message still queued after this long is handed to a worker again (its task was lost).
REQUEUE_AFTER = dt.timedelta(minutes=10)


class OutboxError(Exception):
    """An action the message's state (or its empty segment) does not allow; the text is for the organiser."""


@dataclass(frozen=True)
class Recipient:
    """Who gets a copy, and what the placeholders say for them."""

    email: str
    user_id: int | None = None
    first_name: str = ""
    last_name: str = ""
    language: str = ""
    group: str = ""
    deadline: dt.datetime | None = None
    link: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


# ---------------------------------------------------------------------------
# Placeholders: validation and rendering


def placeholders_help() -> str:
    return ", ".join("{" + name + "}" for name in PLACEHOLDERS)


def placeholders_in(text: str) -> list[str]:
    """The placeholder names used in `text`; ValueError for malformed braces or a name that is not a plain word."""
    names = []
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            raise ValueError(name)
        names.append(name)
    return names


def text_errors(text: str) -> str | None:
    """Why `text` cannot be sent (a sentence listing the valid placeholders), or None."""
    valid = placeholders_help()
    try:
        unknown = sorted({name for name in placeholders_in(text) if name not in PLACEHOLDERS})
    except ValueError:
        return str(
            _("A brace is not closed or holds something else than a name. Valid placeholders: %(valid)s.")
            % {"valid": valid}
        )
    if unknown:
        return str(
            _("Unknown placeholder %(unknown)s. Valid placeholders: %(valid)s.")
            % {"unknown": ", ".join("{" + name + "}" for name in unknown), "valid": valid}
        )
    return None


def validate_texts(**texts: str) -> None:
    """Raise ValidationError({field: message}) for each text (subject_fr, body_fr...) with a bad placeholder."""
    errors = {field: message for field, text in texts.items() if text and (message := text_errors(text))}
    if errors:
        raise ValidationError(errors)


def _deadline_text(deadline: dt.datetime | None, language: str) -> str:
    if deadline is None:
        return ""
    with translation.override(language):
        return formats.date_format(timezone.localtime(deadline), "DATETIME_FORMAT")


def render_text(text: str, recipient: Recipient, *, edition: Edition, language: str) -> str:
    """`text` with each placeholder replaced for `recipient` (the text must have passed validate_texts)."""
    values = {
        "first_name": recipient.first_name,
        "last_name": recipient.last_name,
        "full_name": recipient.full_name,
        "group": recipient.group,
        "deadline": _deadline_text(recipient.deadline, language),
        "link": recipient.link,
        "edition": edition.title,
    }
    return text.format_map(values)


def language_of(recipient: Recipient) -> str:
    languages = dict(settings.LANGUAGES)
    return recipient.language if recipient.language in languages else settings.LANGUAGE_CODE


def texts_for(message: Message | MessageTemplate, language: str) -> tuple[str, str]:
    """Subject and text in `language`; the French one where the English is empty."""
    if language == "en":
        return message.subject_en.strip() or message.subject_fr, message.body_en.strip() or message.body_fr
    return message.subject_fr, message.body_fr


def render_for(message: Message, recipient: Recipient) -> tuple[str, str, str]:
    """(language, subject, text) of the recipient's copy."""
    language = language_of(recipient)
    subject, body = texts_for(message, language)
    subject = " ".join(render_text(subject, recipient, edition=message.edition, language=language).split())
    return language, subject[:300], render_text(body, recipient, edition=message.edition, language=language)


# ---------------------------------------------------------------------------
# Templates and drafts


def _clean_texts(fields: dict) -> dict:
    texts = {name: (fields.get(name) or "").strip() for name in TEXT_FIELDS}
    missing = {name: _("This field is required.") for name in ("subject_fr", "body_fr") if not texts[name]}
    if missing:
        raise ValidationError(missing)
    validate_texts(**texts)
    return texts


@transaction.atomic
def save_template(
    edition: Edition, *, by, template: MessageTemplate | None = None, name: str, **texts
) -> MessageTemplate:
    """Create or update a message template. Side effects: one MessageTemplate row. ValidationError on bad texts."""
    texts = _clean_texts(texts)
    if template is None:
        template = MessageTemplate(edition=edition)
    template.name = name.strip()
    for field, value in texts.items():
        setattr(template, field, value)
    if MessageTemplate.objects.filter(edition=edition, name=template.name).exclude(pk=template.pk).exists():
        raise ValidationError({"name": _("Another template already has this name.")})
    template.save()
    logger.info("Message template %s saved by %s", template.pk, getattr(by, "pk", None))
    return template


@transaction.atomic
def create_draft(
    edition: Edition,
    *,
    by,
    segment: dict,
    segment_label: str,
    template: MessageTemplate | None = None,
    key: str | None = None,
    **texts,
) -> Message:
    """A draft message waiting for review in the outbox. Side effects: one Message row. ValidationError on bad texts
    (nothing saved). With `key`, IntegrityError if a message with that key exists."""
    texts = _clean_texts(texts)
    return Message.objects.create(
        edition=edition,
        template=template,
        segment=segment,
        segment_label=segment_label[:250],
        created_by=by,
        key=key,
        **texts,
    )


def _locked(message: Message) -> Message:
    return Message.objects.select_for_update().select_related("edition").get(pk=message.pk)


@transaction.atomic
def edit_draft(message: Message, *, by, segment: dict | None = None, segment_label: str = "", **texts) -> Message:
    """Change a draft's texts (and recipients). Side effects: the Message row. OutboxError when no longer a draft."""
    message = _locked(message)
    if message.state != M.DRAFT:
        raise OutboxError(_("This message has already been sent or discarded."))
    for field, value in _clean_texts(texts).items():
        setattr(message, field, value)
    if segment is not None:
        message.segment, message.segment_label = segment, segment_label[:250]
    message.updated_at = timezone.now()
    message.save()
    logger.info("Message %s edited by %s", message.pk, getattr(by, "pk", None))
    return message


@transaction.atomic
def discard_message(message: Message, *, by) -> bool:
    """A draft goes to the bin (kept, never sent). Side effects: the Message row. False when it was not a draft."""
    changed = Message.objects.filter(pk=message.pk, state=M.DRAFT).update(state=M.DISCARDED, updated_at=timezone.now())
    if changed:
        announce(Message, [message], action="update", by=by, changes={"state": (M.DRAFT, M.DISCARDED)})
        logger.info("Message %s discarded by %s", message.pk, getattr(by, "pk", None))
    return bool(changed)


@transaction.atomic
def queue_message(message: Message, recipients: Iterable[Recipient], *, by) -> int:
    """Render the draft for each recipient (one copy per email address) and queue it for the workers.

    Side effects: MessageRecipient rows, the Message becomes queued, send_message_task after commit. Texts are
    validated again first: nothing is queued if one is wrong (ValidationError). OutboxError if the message is not a
    draft or has no recipient. Returns the number of recipients.
    """
    from ..tasks import send_message_task

    message = _locked(message)
    if message.state != M.DRAFT:
        raise OutboxError(_("This message has already been sent or discarded."))
    validate_texts(**{field: getattr(message, field) for field in TEXT_FIELDS})
    copies, seen = [], set()
    for recipient in recipients:
        email = recipient.email.strip()
        if not email or email.lower() in seen:
            continue
        seen.add(email.lower())
        language, subject, body = render_for(message, recipient)
        copies.append(
            MessageRecipient(
                message=message,
                user_id=recipient.user_id,
                email=email,
                name=recipient.full_name[:310],
                language=language,
                subject=subject,
                body=body,
            )
        )
    if not copies:
        raise OutboxError(_("Nobody is in this list of recipients: nothing was sent."))
    MessageRecipient.objects.bulk_create(copies, batch_size=500)
    now = timezone.now()
    message.state, message.sent_by, message.queued_at, message.updated_at = M.QUEUED, by, now, now
    message.save(update_fields=["state", "sent_by", "queued_at", "updated_at"])
    transaction.on_commit(lambda: send_message_task.enqueue(message_id=message.pk))
    logger.info("Message %s queued for %s recipients by %s", message.pk, len(copies), getattr(by, "pk", None))
    return len(copies)


def create_and_queue(edition: Edition, recipients: list[Recipient], *, key: str, **fields) -> Message | None:
    """An automatic message (a reminder): created with its unique `key` and queued without review, at most once.
    None when that key was already used (or nobody is to receive it). Side effects: as create_draft + queue_message."""
    if not recipients or Message.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            message = create_draft(edition, by=None, key=key, **fields)
            queue_message(message, recipients, by=None)
    except IntegrityError:
        return None  # another run created it meanwhile
    return message


# ---------------------------------------------------------------------------
# Delivery (run by the workers: cohorts.tasks)

PERMANENT_ERRORS = (smtplib.SMTPRecipientsRefused, ValidationError, ValueError)
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0
    retry: bool = False  # a transient error: some recipients wait for the next attempt


def start_sending(message_id: int) -> None:
    Message.objects.filter(pk=message_id, state=M.QUEUED).update(state=M.SENDING, updated_at=timezone.now())


def _claim(recipient_id: int) -> bool:
    """queued → sending, committed at once (autocommit): only one worker may ever send this copy."""
    with transaction.atomic():
        return bool(
            MessageRecipient.objects.filter(pk=recipient_id, state=R.QUEUED).update(
                state=R.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
            )
        )


def _finish(recipient_id: int, state: str, reason: str = "") -> None:
    values = {"state": state, "reason": reason[:300]}
    if state == R.SENT:
        values["sent_at"] = timezone.now()
    MessageRecipient.objects.filter(pk=recipient_id, state=R.SENDING).update(**values)


def _send_one(copy: MessageRecipient) -> None:
    validate_email(copy.email)
    EmailMessage(copy.subject, copy.body, settings.DEFAULT_FROM_EMAIL, [copy.email]).send()


def is_temporary_refusal(error: Exception) -> bool:
    """A recipient refused with 4xx codes only (greylisting, a full mailbox): worth another try later."""
    return isinstance(error, smtplib.SMTPRecipientsRefused) and all(
        400 <= code < 500 for code, _text in error.recipients.values()
    )


def deliver_message(message_id: int) -> Delivery:
    """Send every queued copy of the message, one claim each. A refused address (5xx) or an invalid one fails at
    once. A transient error puts the copy back in the queue (failed after MAX_ATTEMPTS) for a later retry: a
    temporary refusal of one address lets the batch go on, a connection error stops it."""
    outcome = Delivery()
    start_sending(message_id)
    pending = MessageRecipient.objects.filter(message_id=message_id, state=R.QUEUED).order_by("pk")
    for copy in list(pending.only("pk", "email", "subject", "body", "attempts")):
        if not _claim(copy.pk):
            continue  # another worker has it, or had it
        try:
            _send_one(copy)
        except (*PERMANENT_ERRORS, *TRANSIENT_ERRORS) as error:
            temporary = is_temporary_refusal(error) or not isinstance(error, PERMANENT_ERRORS)
            attempts = copy.attempts + 1
            if not temporary or attempts >= MAX_ATTEMPTS:
                reason = _reason(error) if not temporary else f"{_reason(error)} ({attempts} attempts)"
                _finish(copy.pk, R.FAILED, reason)
                outcome.failed += 1
                logger.warning("Message %s to %s failed: %s", message_id, copy.email, error)
                continue
            MessageRecipient.objects.filter(pk=copy.pk, state=R.SENDING).update(
                state=R.QUEUED, reason=_reason(error)[:300]
            )
            logger.warning("Message %s to %s will be retried: %s", message_id, copy.email, error)
            outcome.retry = True
            if is_temporary_refusal(error):
                continue
            break
        _finish(copy.pk, R.SENT)
        outcome.sent += 1
    finish_message(message_id)
    return outcome


def _reason(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        details = "; ".join(f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
                            for code, text in error.recipients.values())  # fmt: skip
        return str(_("Address refused by the mail server: %(details)s") % {"details": details})
    if isinstance(error, ValidationError | ValueError):
        return str(_("Invalid email address."))
    return f"{type(error).__name__}: {error}"[:300]


def finish_message(message_id: int) -> bool:
    """The message is sent once no copy is queued or being sent. Side effects: the Message row."""
    busy = MessageRecipient.objects.filter(message=OuterRef("pk"), state__in=[R.QUEUED, R.SENDING])
    now = timezone.now()
    return bool(
        Message.objects.filter(pk=message_id, state__in=[M.QUEUED, M.SENDING])
        .exclude(Exists(busy))
        .update(state=M.SENT, sent_at=now, updated_at=now)
    )


def sweep_outbox(*, now: dt.datetime | None = None) -> tuple[int, list[int]]:
    """Copies "sending" for longer than SENDING_TIMEOUT were interrupted (their worker died): failed, delivery
    unknown, never resent automatically. Returns (copies marked interrupted, ids of messages whose queued copies
    wait for a worker since REQUEUE_AFTER: the caller hands them to a worker again)."""
    now = now or timezone.now()
    stuck = MessageRecipient.objects.filter(state=R.SENDING, claimed_at__lt=now - SENDING_TIMEOUT)
    message_ids = set(stuck.values_list("message_id", flat=True))
    interrupted = stuck.update(
        state=R.FAILED, reason=str(_("Interrupted while sending: delivery unknown, not sent again."))
    )
    for message_id in message_ids:
        finish_message(message_id)
    waiting = list(
        Message.objects.filter(
            state__in=[M.QUEUED, M.SENDING],
            updated_at__lt=now - REQUEUE_AFTER,
            recipients__state=R.QUEUED,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    if interrupted:
        logger.warning("Outbox sweep: %s copies interrupted while sending, marked failed", interrupted)
    return interrupted, waiting
