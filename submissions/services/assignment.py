"""The organisers' side of the assignment: its text and questions, the document's structure, the deadlines and
deliverables, and extensions. Every write checks cohorts.manage_edition and runs in one transaction.

Times are stored in UTC and typed and shown in the assignment's own time zone (AssignmentSettings.time_zone):
views wrap form binding and rendering in django.utils.timezone.override(zone_of(...)).
"""

import datetime as dt
import logging
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from cohorts.models import Edition
from groups.models import Group
from malisig.models import User
from malisig.sanitise import sanitise_html

from ..models import Assignment, AssignmentSettings, Extension, Question, SectionTemplate
from .deadlines import Window, window_for

logger = logging.getLogger(__name__)
Kind = SectionTemplate.Kind

MANAGE = "cohorts.manage_edition"
DEFAULT_TIME_ZONE = "Africa/Bamako"
# Where Schools on Internet Governance meet, African zones first (West, then Central, East, South, North).
AFRICAN_TIME_ZONES = (
    "Africa/Bamako", "Africa/Dakar", "Africa/Abidjan", "Africa/Ouagadougou", "Africa/Conakry", "Africa/Niamey",
    "Africa/Lome", "Africa/Porto-Novo", "Africa/Lagos", "Africa/Douala", "Africa/Kinshasa", "Africa/Nairobi",
    "Africa/Addis_Ababa", "Africa/Johannesburg", "Africa/Cairo", "Africa/Casablanca", "Africa/Tunis",
    "Africa/Algiers",
)  # fmt: skip
OTHER_TIME_ZONES = (
    "UTC", "Europe/Paris", "Europe/London", "Europe/Brussels", "America/New_York", "America/Montreal",
    "America/Port-au-Prince", "Asia/Dubai",
)  # fmt: skip
TIME_ZONES = AFRICAN_TIME_ZONES + OTHER_TIME_ZONES
DATETIME_FORMAT = "j F Y, H:i"  # 15 septembre 2023, 23:59
SHORT_TITLE_LENGTH = 80
# Room left above the highest order number while rows change places (see _save_ordered_rows).
MAX_POSITION = 999
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_NUMBERING = re.compile(r"^\s*(?:\d+|[IVXLC]+)\s*[-.)/:]\s*")
_SENTENCE_END = re.compile(r"[?!.](?=\s|$)")


class StructureRefused(Exception):
    """The structure cannot be saved as asked (nothing was written); `message` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def require_organiser(edition: Edition, by: User | None) -> None:
    """`by` None is the system (command line, demo): trusted callers only."""
    if by is not None and not by.has_perm(MANAGE, edition):
        raise PermissionDenied


# --- reading -------------------------------------------------------------------------------------------------------


def has_markup(text: str) -> bool:
    return bool(_TAG.search(text or ""))


def rich_text(text: str) -> SafeString:
    """A statement for display: plain text (no tag, as older statements are) in paragraphs, else its safe HTML."""
    if not (text or "").strip():
        return SafeString("")
    if not has_markup(text):
        return mark_safe(linebreaks(text, autoescape=True))  # noqa: S308 - linebreaks escaped the text
    # Sanitised again here: the admin and the demo write statements too, without going through save_assignment.
    return mark_safe(sanitise_html(text))  # noqa: S308 - nh3 keeps only the allowlist of malisig.sanitise


def zone_of(name: str | None) -> ZoneInfo:
    """The time zone named `name`, or the default one (Africa/Bamako) for an unknown name."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def time_zone_choices(current: str | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The time zones offered, grouped (Africa, elsewhere), with `current` added when it is not among them."""
    others = list(OTHER_TIME_ZONES)
    if current and current not in TIME_ZONES:
        others.insert(0, current)
    return [
        (_("Africa"), [(name, name) for name in AFRICAN_TIME_ZONES]),
        (_("Elsewhere"), [(name, name) for name in others]),
    ]


def format_in_zone(moment: dt.datetime, zone_name: str) -> str:
    """ "15 septembre 2023, 23:59 (Africa/Bamako)", in the current language."""
    local = timezone.localtime(moment, zone_of(zone_name))
    return f"{formats.date_format(local, DATETIME_FORMAT)} ({zone_name})"


def edition_window(submission_settings: AssignmentSettings | None) -> Window:
    """The whole edition's window: the assignment's dates, or later ones after an edition-wide extension (one query)."""
    # window_for without a group reads the edition-wide extensions only.
    return window_for(None, submission_settings)


def short_title(text: str, limit: int = SHORT_TITLE_LENGTH) -> str:
    """A section title made from a question: its first sentence without numbering, cut at a word when too long."""
    text = " ".join((text or "").split())
    text = _NUMBERING.sub("", text, count=1)
    end = _SENTENCE_END.search(text)
    if end:
        text = text[: end.end()]
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—'’(") + "…"


# --- writing -------------------------------------------------------------------------------------------------------


def _lock(assignment: Assignment) -> Assignment:
    # lock: two organisers saving the same lists at once would collide on the order numbers
    return Assignment.objects.select_for_update().select_related("edition").get(pk=assignment.pk)


def _save_ordered_rows(formset, *, parent: Assignment) -> int:
    """Save an ordered list (questions, section templates) validated by its formset.

    Order numbers are unique per assignment and rows may swap them: the rows that move first step aside (above
    MAX_POSITION) so that no intermediate state breaks the constraint. Returns rows written or deleted.
    """
    formset.instance = parent
    rows = formset.save(commit=False)
    for row in formset.deleted_objects:
        row.delete()
    moving = [row.pk for row in rows if row.pk and "position" in _changed(formset, row)]
    if moving:
        formset.model.objects.filter(pk__in=moving).update(position=F("position") + MAX_POSITION + 1)
    for row in rows:
        row.assignment = parent
        row.save()
    return len(rows) + len(formset.deleted_objects)


def _changed(formset, row) -> list[str]:
    return next((form.changed_data for form in formset.forms if form.instance is row), [])


@transaction.atomic
def save_assignment(edition: Edition, values: dict, questions, *, by: User | None) -> Assignment:
    """Create or update the edition's assignment (title, statement) and its questions, all or nothing.

    A statement with HTML tags is sanitised (malisig.sanitise); one without stays plain text, shown in paragraphs.
    `questions` is a valid QuestionFormSet. Writes: the Assignment row, Question rows (new, changed, deleted).
    """
    require_organiser(edition, by)
    existing = Assignment.objects.filter(edition=edition).first()
    assignment = _lock(existing) if existing else Assignment(edition=edition)
    for field in ("title_fr", "title_en"):
        setattr(assignment, field, values[field].strip())
    for field in ("statement_fr", "statement_en"):
        text = values[field].strip()
        setattr(assignment, field, sanitise_html(text) if has_markup(text) else text)
    assignment.save()
    count = _save_ordered_rows(questions, parent=assignment)
    logger.info("%s: assignment saved by %s (%d question rows)", edition.slug, by, count)
    return assignment


@transaction.atomic
def save_structure(assignment: Assignment, formset, *, by: User | None) -> int:
    """Save the document's structure (section templates) as validated by its formset, all or nothing.

    Refused (StructureRefused, nothing saved) when a part to delete already holds a group's text, checked under the
    lock. Writes: SectionTemplate rows. Returns rows written or deleted.
    """
    require_organiser(assignment.edition, by)
    assignment = _lock(assignment)
    doomed = [form.instance.pk for form in formset.deleted_forms if form.instance.pk]
    written = SectionTemplate.objects.filter(pk__in=doomed, sections__version__gt=0).distinct()
    if written:
        raise StructureRefused(
            _("%(parts)s: groups have already written in this part; it cannot be deleted.")
            % {"parts": ", ".join(str(part) for part in written)}
        )
    count = _save_ordered_rows(formset, parent=assignment)
    if count:
        logger.info("%s: %d section template rows saved by %s", assignment.edition.slug, count, by)
    return count


@transaction.atomic
def create_default_structure(assignment: Assignment, *, by: User | None) -> list[SectionTemplate]:
    """The seed's structure: Introduction, one part per question (titled from it), Conclusion.

    Only for an assignment without any part yet; otherwise nothing happens (idempotent).
    Writes: SectionTemplate rows (one bulk insert). Returns the parts created.
    """
    require_organiser(assignment.edition, by)
    assignment = _lock(assignment)
    if SectionTemplate.objects.filter(assignment=assignment).exists():
        return []
    questions = list(Question.objects.filter(assignment=assignment).order_by("position"))
    parts = [SectionTemplate(kind=Kind.INTRODUCTION, title_fr="Introduction", title_en="Introduction")]
    parts += [
        SectionTemplate(
            kind=Kind.QUESTION,
            question=question,
            title_fr=short_title(question.text_fr),
            title_en=short_title(question.text_en),
        )
        for question in questions
    ]
    parts.append(SectionTemplate(kind=Kind.CONCLUSION, title_fr="Conclusion", title_en="Conclusion"))
    for position, part in enumerate(parts, start=1):
        part.assignment, part.position = assignment, position
    created = SectionTemplate.objects.bulk_create(parts)
    logger.info("%s: default structure (%d parts) created by %s", assignment.edition.slug, len(created), by)
    return created


SETTINGS_FIELDS = frozenset(
    {
        "opens_at", "deadline", "time_zone", "late_policy", "late_cutoff", "presentation_required",
        "attachments_allowed", "declaration_fr", "declaration_en", "members_confirm",
    }
)  # fmt: skip


@transaction.atomic
def save_submission_settings(assignment: Assignment, values: dict, *, by: User | None) -> AssignmentSettings:
    """Create or update when and how groups hand in: dates, time zone, late policy, deliverables, statement.

    With a hard stop, the cut-off is cleared (nothing is accepted after the deadline anyway).
    Writes: the AssignmentSettings row.
    """
    require_organiser(assignment.edition, by)
    unknown = set(values) - SETTINGS_FIELDS
    if unknown:
        raise TypeError(f"Not editable here: {sorted(unknown)}")
    assignment = _lock(assignment)
    current = AssignmentSettings.objects.filter(assignment=assignment).first() or AssignmentSettings(
        assignment=assignment
    )
    for field, value in values.items():
        setattr(current, field, value.strip() if isinstance(value, str) else value)
    if current.late_policy == AssignmentSettings.LatePolicy.HARD_STOP:
        current.late_cutoff = None
    current.save()
    logger.info("%s: submission settings saved by %s", assignment.edition.slug, by)
    return current


@transaction.atomic
def grant_extension(
    assignment: Assignment, *, group: Group | None, deadline: dt.datetime, reason: str, by: User | None
) -> Extension:
    """More time for one group, or for the whole edition at once (`group` None), e.g. when a shutdown is declared.

    Refused (ValidationError keyed by field, nothing written) when the group is not of this edition, there is no
    deadline yet, or the new deadline is not after the group's (or the edition's) current one, extensions included.
    Writes: one Extension row.
    """
    require_organiser(assignment.edition, by)
    assignment = _lock(assignment)
    if group is not None and group.edition_id != assignment.edition_id:
        raise ValidationError({"scope": _("This group is not part of this edition.")})
    current_settings = AssignmentSettings.objects.filter(assignment=assignment).first()
    if current_settings is None or current_settings.deadline is None:
        raise ValidationError(_("Set the deadline first (Deadlines and deliverables)."))
    current = window_for(group, current_settings).deadline
    if deadline <= current:
        raise ValidationError(
            {
                "deadline": _("The new deadline must be after the current one: %(current)s.")
                % {"current": format_in_zone(current, current_settings.time_zone)}
            }
        )
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why the deadline is extended.")})
    extension = Extension.objects.create(
        assignment=assignment, group=group, deadline=deadline, reason=reason[:300], granted_by=by
    )
    logger.info(
        "%s: extension to %s for %s granted by %s", assignment.edition.slug, deadline, group or "the edition", by
    )
    return extension
