"""The juror's side of the review: their assignments, writing a review (draft, then submitted), reading the other
jurors' reviews and the jury's discussion, the diff of a resubmission, and what blind review hides.

Who may act is asked of submissions/rules.py (review_group: an assigned juror who is not conflicted; read_for_jury:
the same plus the organisers, staff and the non-conflicted chair); what is possible is decided here (the round is
open, the submission is in review). Reviews never change a submission's state.

Blind review: on the jury's pages, anyone holding a juror role in the edition (the chair included, even when they
also organise) sees jury_label() ("Document 3") and no person of the group; organisers and staff who are not on the
jury see the real names (they run the edition). Jurors still see each other's names: blindness hides the group.
"""

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pypdf
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from PIL import Image

from cohorts.models import Edition
from cohorts.rules import is_juror
from groups.models import Group
from malisig.models import User
from malisig.uploads import CONTENT_TYPES, EXTENSIONS, FileKind, safe_display_name

from ..diff import word_diff
from ..models import (
    Criterion,
    Decision,
    GroupFile,
    JuryMessage,
    Review,
    ReviewSettings,
    Score,
    Submission,
    SubmittedFile,
    SubmittedSection,
)
from ..rules import jury_groups_of
from .review import ReviewRefused, blind_numbers, criteria_of, jury_label, review_settings_for, round_is_open

S = Submission.State
REVIEW = "submissions.review_group"
READ = "submissions.read_for_jury"
CHAIR = "submissions.chair_review"
SERVE = "submissions.serve_on_jury"
MAX_COMMENT = 5_000
MAX_TEXT = 20_000


# ---------------------------------------------------------------------------
# Blind review


def is_blind_for(user: User, edition: Edition, review_settings: ReviewSettings) -> bool:
    """Whether this user reads the jury's pages blind: blind review is on and they hold a juror role (the chair
    too). Organisers and staff who are not on the jury see the groups' names."""
    return review_settings.blind and is_juror(user, edition)


def label_for(group: Group, review_settings: ReviewSettings, *, blind: bool, numbers: dict[int, int] | None = None):
    """What this reader calls the group: its name, or "Document 3" when they read blind."""
    if not blind:
        return group.name
    return jury_label(group, review_settings, numbers)


_KIND_BY_TYPE = {content_type: kind for kind, content_type in CONTENT_TYPES.items()}


def file_extension(group_file: GroupFile) -> str:
    kind = _KIND_BY_TYPE.get(group_file.content_type)
    return EXTENSIONS[kind] if kind else ""


def jury_file_names(files: list[SubmittedFile], label: str, *, blind: bool) -> dict[int, str]:
    """{submitted file id: the name it is shown and downloaded under}. Blind: "<label> - presentation.pptx",
    "<label> - attachment 2.pdf" (attachments numbered in the submission's order), never the uploaded name."""
    names, attachments = {}, 0
    for item in sorted(files, key=lambda f: f.pk):
        group_file = item.group_file
        if not blind:
            names[item.pk] = group_file.display_name
            continue
        if group_file.role == GroupFile.Role.PRESENTATION:
            what = _("presentation")
        else:
            attachments += 1
            what = _("attachment %(number)d") % {"number": attachments}
        names[item.pk] = safe_display_name(f"{label} - {what}{file_extension(group_file)}")
    return names


class ScrubFailed(Exception):
    """The file could not be rewritten without its metadata: it is not served in blind review."""


_CORE_EMPTY = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    b'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    b"</cp:coreProperties>"
)
_APP_PEOPLE = re.compile(rb"<(Company|Manager|HyperlinkBase)>.*?</\1>", re.DOTALL)
_CUSTOM_PROPERTY = re.compile(rb"<property\b.*?</property>", re.DOTALL)
# Authors of comments and tracked changes (Word), comment authors (PowerPoint, classic and modern comments).
_WORD_AUTHORS = re.compile(rb'\b(w:author|w:initials|w15:author|w15:userId|w15:providerId)="[^"]*"')
_SLIDE_AUTHORS = re.compile(rb'\b(name|initials|userId|providerId)="[^"]*"')


def _scrub_part(name: str, data: bytes) -> bytes:
    if name == "docProps/core.xml":
        return _CORE_EMPTY
    if name == "docProps/app.xml":
        return _APP_PEOPLE.sub(rb"<\1></\1>", data)
    if name == "docProps/custom.xml":
        return _CUSTOM_PROPERTY.sub(b"", data)
    if name.startswith("word/") and name.endswith(".xml"):
        return _WORD_AUTHORS.sub(rb'\1=""', data)
    if name in ("ppt/commentAuthors.xml", "ppt/authors.xml"):
        return _SLIDE_AUTHORS.sub(rb'\1=""', data)
    return data


def _scrub_ooxml(data: bytes) -> bytes:
    """A copy of a DOCX/PPTX whose properties (creator, last modified by, title, subject, keywords, company...) and
    comment authors are emptied; every other part is copied as it is."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for entry in source.infolist():
            target.writestr(entry, _scrub_part(entry.filename, source.read(entry)), compress_type=entry.compress_type)
    return buffer.getvalue()


def _scrub_pdf(data: bytes) -> bytes:
    """A copy of the PDF without its Info dictionary (Author, Creator, Producer, Title...) nor its XMP metadata."""
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    writer.metadata = None
    root = writer._root_object
    if "/Metadata" in root:
        del root["/Metadata"]
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def scrubbed_image(group_file: GroupFile) -> bytes:
    """The image redrawn from its pixels alone: no EXIF (camera owner, artist), XMP, text chunk nor comment.
    Raises ScrubFailed."""
    kind = _KIND_BY_TYPE.get(group_file.content_type)
    formats = {FileKind.PNG: "PNG", FileKind.JPEG: "JPEG", FileKind.WEBP: "WEBP"}
    if kind not in formats:
        raise ScrubFailed(group_file.content_type)
    try:
        with group_file.file.open("rb") as handle, Image.open(handle, formats=[formats[kind]]) as image:
            image.load()
            mode = (
                "RGB" if kind == FileKind.JPEG else ("RGBA" if image.mode not in ("RGB", "RGBA", "L") else image.mode)
            )
            pixels = image.convert(mode) if image.mode != mode else image
            clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
        buffer = io.BytesIO()
        clean.save(buffer, format=formats[kind])
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise ScrubFailed(str(error)) from error
    return buffer.getvalue()


def scrubbed_content(group_file: GroupFile) -> bytes:
    """The file's bytes with the metadata that may name people removed (DOCX, PPTX, PDF, images).
    Raises ScrubFailed."""
    kind = _KIND_BY_TYPE.get(group_file.content_type)
    with group_file.file.open("rb") as handle:
        data = handle.read()
    try:
        if kind in (FileKind.DOCX, FileKind.PPTX):
            return _scrub_ooxml(data)
        if kind == FileKind.PDF:
            return _scrub_pdf(data)
    except Exception as error:
        raise ScrubFailed(str(error)) from error
    if kind in (FileKind.PNG, FileKind.JPEG, FileKind.WEBP):
        return scrubbed_image(group_file)
    raise ScrubFailed(group_file.content_type)


# ---------------------------------------------------------------------------
# Reading a group's submissions


def current_submission(group: Group) -> Submission | None:
    """The group's latest submission, with who handed it in."""
    return Submission.objects.filter(group=group).select_related("submitted_by").order_by("-number").first()


def previous_for_resubmission(submission: Submission) -> Submission | None:
    """The earlier submission the jury asked changes on, when `submission` is the group's answer to it."""
    previous = (
        Submission.objects.filter(group_id=submission.group_id, number__lt=submission.number)
        .exclude(state=S.WITHDRAWN)
        .order_by("-number")
        .first()
    )
    return previous if previous is not None and previous.state == S.CHANGES_REQUESTED else None


@dataclass
class SectionChange:
    section: SubmittedSection
    previous: SubmittedSection | None
    diff: str

    @property
    def changed(self) -> bool:
        return self.previous is None or self.previous.html != self.section.html


def section_changes(previous: Submission, current: Submission) -> list[SectionChange]:
    """Per section of `current`, a readable diff against the same section (by template, else position) of
    `previous`."""
    earlier = list(previous.sections.all())
    by_template = {s.template_id: s for s in earlier if s.template_id}
    by_position = {s.position: s for s in earlier}
    changes = []
    for section in current.sections.all():
        before = by_template.get(section.template_id) if section.template_id else None
        before = before or by_position.get(section.position)
        changes.append(SectionChange(section, before, word_diff(before.html if before else "", section.html)))
    return changes


def jury_images(group: Group, edition_slug: str | None = None) -> Callable[[str], str]:
    """A function giving a submitted text of `group` with its images pointed at the jury's image view
    (submissions:review_image): the workspace's file view is for the group only, and in blind review the image is
    served without its metadata. For any page showing a submitted text to the jury."""
    slug = edition_slug or group.edition.slug
    workspace = reverse("submissions:group_files", args=[slug, group.pk])
    jury = reverse("submissions:review_image", args=[slug, group.pk, 0]).removesuffix("0/")
    pattern = re.compile(r'src="' + re.escape(workspace) + r'(\d+)/"')
    return lambda html: pattern.sub(lambda match: f'src="{jury}{match.group(1)}/"', html)


def with_jury_images(sections: list[SubmittedSection], group: Group) -> list[SubmittedSection]:
    """The sections (not saved) with their images pointed at the jury's image view (see jury_images)."""
    rewrite = jury_images(group)
    for section in sections:
        section.html = rewrite(section.html)
    return sections


def released_decision(submission: Submission) -> Decision | None:
    return Decision.objects.filter(submission=submission, released_at__isnull=False).first()


# ---------------------------------------------------------------------------
# Writing a review


def editing_refusal(submission: Submission | None, review_settings: ReviewSettings) -> str:
    """Why a review of this submission cannot be written now ("" when it can)."""
    if submission is None or submission.state == S.WITHDRAWN:
        return _("There is no submission to review: the group has not handed in its document.")
    if not round_is_open(review_settings):
        return _("The review round is closed: reviews can no longer be changed.")
    if submission.state != S.IN_REVIEW:
        if submission.state in (S.SUBMITTED, S.RESUBMITTED):
            return _("The review of this submission has not started yet: the chair opens it.")
        return _("This submission is no longer in review (“%(state)s”): reviews can no longer be changed.") % {
            "state": submission.get_state_display()
        }
    return ""


def _value(criterion: Criterion, raw) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not (criterion.scale_min <= value <= criterion.scale_max):
        raise ValidationError(
            _("The score must be between %(min)s and %(max)s.")
            % {"min": criterion.scale_min, "max": criterion.scale_max},
            code="out_of_scale",
        )
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(_("Use at most two decimals."), code="decimals")
    return value


@transaction.atomic
def save_review(
    submission: Submission,
    *,
    by: User,
    scores: dict[int, tuple[object, str]],
    message: str | None = None,
    private_note: str | None = None,
    submit: bool = False,
) -> Review:
    """The juror's review of `submission`: per criterion of the document rubric {criterion id: (value, comment)}
    (a value None or "" leaves the criterion unscored; criteria not given keep what was saved), the message to the
    group, the private note for the jury (None keeps what was saved). A draft, or submitted (`submit`): submitting
    needs every criterion that counts (not informational) scored. A submitted review stays submitted: a later save
    updates it, complete.

    Writes: one Review (created on the first save), its Score rows. Raises PermissionDenied (not assigned or
    conflicted), ReviewRefused (round closed, submission not in review), ValidationError keyed by criterion id
    (str) for a score outside the scale, an unknown criterion or a missing score on submit.
    """
    group = submission.group
    if not by.has_perm(REVIEW, group):
        raise PermissionDenied
    # lock: the chair may release a decision (the state changes) while the juror saves
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    review_settings = review_settings_for(group.edition)
    refusal = editing_refusal(submission, review_settings)
    if refusal:
        raise ReviewRefused(refusal)

    criteria = {criterion.pk: criterion for criterion in criteria_of(group.edition, Criterion.Rubric.DOCUMENT)}
    errors: dict[str, list[str]] = {}
    cleaned: dict[int, tuple[Decimal | None, str]] = {}
    for key, (raw, comment) in scores.items():
        criterion = criteria.get(int(key)) if str(key).isdigit() else None
        if criterion is None:
            errors[str(key)] = [_("This criterion is not part of the rubric.")]
            continue
        try:
            cleaned[criterion.pk] = (_value(criterion, raw), (comment or "").strip()[:MAX_COMMENT])
        except ValidationError as error:
            errors[str(criterion.pk)] = error.messages

    review, _created = Review.objects.select_for_update().get_or_create(submission=submission, juror=by)
    saved = {score.criterion_id: score for score in review.scores.all()}
    submitting = submit or review.state == Review.State.SUBMITTED
    if submitting:
        for criterion in criteria.values():
            if criterion.informational or str(criterion.pk) in errors:
                continue
            value = (
                cleaned[criterion.pk][0] if criterion.pk in cleaned else getattr(saved.get(criterion.pk), "value", None)
            )
            if value is None:
                errors[str(criterion.pk)] = [_("Score this criterion to submit the review.")]
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    for criterion_id, (value, comment) in cleaned.items():
        score = saved.get(criterion_id)
        if score is None:
            if value is not None or comment:
                Score.objects.create(review=review, criterion_id=criterion_id, value=value, comment=comment)
        elif (score.value, score.comment) != (value, comment):
            score.value, score.comment = value, comment
            score.save(update_fields=["value", "comment"])
    if message is not None:
        review.message_to_group = message.strip()[:MAX_TEXT]
    if private_note is not None:
        review.private_note = private_note.strip()[:MAX_TEXT]
    review.updated_at = now
    if submitting:
        review.state = Review.State.SUBMITTED
        review.submitted_at = review.submitted_at or now
    review.save()
    return review


# ---------------------------------------------------------------------------
# Others' reviews and the jury's discussion


def runs_the_review(user: User, group: Group) -> bool:
    """The chair (not conflicted), the organisers and staff: they read every review and the discussion."""
    return user.has_perm(CHAIR, group.edition) and user.has_perm(READ, group)


def may_see_others(user: User, group: Group, review_settings: ReviewSettings, own: Review | None) -> bool:
    """Whether this user reads the other jurors' submitted reviews of the group's submission and its discussion:
    the chair and organisers always; an assigned juror per the edition's setting (always, after submitting their
    own, never). Conflicted jurors and group members: never."""
    if runs_the_review(user, group):
        return True
    if not user.has_perm(REVIEW, group):
        return False
    visibility = ReviewSettings.Visibility
    if review_settings.reviews_visible == visibility.ALWAYS:
        return True
    if review_settings.reviews_visible == visibility.AFTER_OWN:
        return own is not None and own.state == Review.State.SUBMITTED
    return False


def others_reviews(submission: Submission, user: User) -> list[Review]:
    """The other jurors' submitted reviews of `submission`, with their scores (the caller checked may_see_others)."""
    return list(
        Review.objects.filter(submission=submission, state=Review.State.SUBMITTED)
        .exclude(juror=user)
        .select_related("juror")
        .prefetch_related("scores")
        .order_by("submitted_at", "pk")
    )


def jury_messages(submission: Submission) -> list[JuryMessage]:
    return list(JuryMessage.objects.filter(submission=submission).select_related("author"))


def post_jury_message(submission: Submission, *, by: User, text: str) -> JuryMessage:
    """A message in the jury's discussion of `submission`. Writes: one JuryMessage.
    Raises PermissionDenied (who may not read the others' reviews), ValidationError (empty text)."""
    group = submission.group
    own = Review.objects.filter(submission=submission, juror=by).first()
    if not may_see_others(by, group, review_settings_for(group.edition), own):
        raise PermissionDenied
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a message.")})
    return JuryMessage.objects.create(submission=submission, author=by, text=text[:MAX_TEXT])


# ---------------------------------------------------------------------------
# The juror's dashboard


class Progress:
    NOT_STARTED, DRAFT, SUBMITTED = "not_started", "draft", "submitted"
    LABELS = {
        NOT_STARTED: pgettext_lazy("review state", "Not started"),
        DRAFT: Review.State.DRAFT.label,
        SUBMITTED: Review.State.SUBMITTED.label,
    }


@dataclass
class AssignedDocument:
    """One line of a juror's dashboard: a group assigned to them, its current submission, their review's progress."""

    group: Group
    label: str
    submission: Submission | None
    review: Review | None
    is_resubmission: bool
    progress: str = field(init=False)

    def __post_init__(self):
        self.progress = self.review.state if self.review is not None else Progress.NOT_STARTED

    @property
    def progress_label(self) -> str:
        return Progress.LABELS[self.progress]

    @property
    def to_review(self) -> bool:
        return self.submission is not None and self.submission.state == S.IN_REVIEW


@dataclass
class JurorDashboard:
    review_settings: ReviewSettings
    blind: bool
    rows: list[AssignedDocument]

    @property
    def counts(self) -> dict[str, int]:
        counts = {"assigned": len(self.rows), "to_review": sum(row.to_review for row in self.rows)}
        for progress in Progress.LABELS:
            counts[progress] = sum(row.progress == progress for row in self.rows if row.submission is not None)
        counts["waiting"] = sum(row.to_review and row.progress != Progress.SUBMITTED for row in self.rows)
        return counts

    @property
    def days_left(self) -> int | None:
        deadline = self.review_settings.review_deadline
        if deadline is None:
            return None
        return (timezone.localdate(deadline) - timezone.localdate()).days


def juror_dashboard(edition: Edition, *, user: User) -> JurorDashboard:
    """The groups assigned to `user` (conflicted ones left out), each with its current submission and the user's
    review of it. A constant number of queries whatever the number of groups. Raises PermissionDenied."""
    if not user.has_perm(SERVE, edition):
        raise PermissionDenied
    review_settings = review_settings_for(edition)
    blind = is_blind_for(user, edition, review_settings)
    _assigned, conflicted = jury_groups_of(user)
    groups = list(
        Group.objects.filter(edition=edition, review_assignments__juror=user)
        .exclude(pk__in=conflicted)
        .select_related("stakeholder_type")
    )
    by_group: dict[int, list[Submission]] = {}
    for submission in Submission.objects.filter(group__in=groups).defer("declaration").order_by("group_id", "-number"):
        by_group.setdefault(submission.group_id, []).append(submission)
    current = {group_id: items[0] for group_id, items in by_group.items()}
    reviews = {
        review.submission_id: review
        for review in Review.objects.filter(juror=user, submission__in=[s.pk for s in current.values()])
    }
    numbers = blind_numbers(edition) if blind else None
    rows = []
    for group in groups:
        submission = current.get(group.pk)
        earlier = [s for s in by_group.get(group.pk, [])[1:] if s.state != S.WITHDRAWN]
        rows.append(
            AssignedDocument(
                group=group,
                label=label_for(group, review_settings, blind=blind, numbers=numbers),
                submission=submission,
                review=reviews.get(submission.pk) if submission else None,
                is_resubmission=bool(earlier) and earlier[0].state == S.CHANGES_REQUESTED,
            )
        )
    if blind:
        rows.sort(key=lambda row: numbers.get(row.group.pk, 0))
    return JurorDashboard(review_settings=review_settings, blind=blind, rows=rows)
