"""A group's workspace: its sections, saved with a version check so that no save ever overwrites another unseen.

save_section() is the one writer of a section's text (typed, sent later from a device, from the offline pack, a
restore, a merge): it locks the row, compares the version the writer started from with the stored one, and either
writes a new version or returns the conflict with both texts. Nothing typed is lost: a conflict stores nothing and
gives the writer's text back for the merge view.
"""

import re
from dataclasses import dataclass
from html import unescape

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import Group
from malisig.models import User
from malisig.sanitise import sanitise_html

from ..models import AssignmentSettings, Section, SectionComment, SectionTemplate, SectionVersion, Submission
from .deadlines import Window, window_for

Origin = SectionVersion.Origin
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"\w+(?:['’\-]\w+)*")


class WorkspaceClosed(Exception):
    """The group may not write now; `message` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def word_count(html: str) -> int:
    """Words as a reader counts them: "l'Internet" and "multi-acteurs" are one word each."""
    text = unescape(_TAG.sub(" ", html or ""))
    return len(_WORD.findall(text))


def ensure_sections(group: Group, sections: QuerySet[Section] | None = None) -> list[Section]:
    """The group's sections, one per part of the document, created on first visit. Two queries (four the first).
    `sections`: how to read them (say, with what a page shows of them); Section.objects by default."""
    sections = Section.objects.all() if sections is None else sections
    templates = list(SectionTemplate.objects.filter(assignment__edition_id=group.edition_id).order_by("position"))
    by_template = {section.template_id: section for section in sections.filter(group=group)}
    missing = [Section(group=group, template=template) for template in templates if template.pk not in by_template]
    if missing:
        Section.objects.bulk_create(missing, ignore_conflicts=True)
        by_template = {section.template_id: section for section in sections.filter(group=group)}
    ordered = []
    for template in templates:
        if template.pk in by_template:
            section = by_template[template.pk]
            section.template = template
            ordered.append(section)
    return ordered


def workspace_sections(group: Group) -> list[Section]:
    """ensure_sections() with what the workspace shows of each section besides its part of the document: its last
    editor and `comment_count`. Still two queries: on this page, plain queries cost the ORM less than subqueries."""
    shown = Section.objects.select_related("updated_by").annotate(comment_count=Count("comments")).order_by()
    return ensure_sections(group, shown)


def settings_for(group: Group) -> AssignmentSettings | None:
    return AssignmentSettings.objects.filter(assignment__edition_id=group.edition_id).first()


# After these, the group writes again: it took its document back, or the jury asked for changes.
WORKSPACE_REOPENS = frozenset({Submission.State.WITHDRAWN, Submission.State.CHANGES_REQUESTED})


def latest_submission_state(group: Group) -> tuple[int, str] | None:
    """(number, state) of the group's latest submission, or None before any."""
    return Submission.objects.filter(group=group).order_by("-number").values_list("number", "state").first()


def has_pending_submission(group: Group, latest: tuple[int, str] | None = ...) -> bool:
    """Handed in and neither withdrawn nor sent back for changes: the workspace is read-only.
    Pass `latest` (latest_submission_state) when the caller has it already."""
    latest = latest_submission_state(group) if latest is ... else latest
    return latest is not None and latest[1] not in WORKSPACE_REOPENS


def require_writable(
    group: Group, by: User, *, window: Window | None = None, latest: tuple[int, str] | None = ...
) -> None:
    """Raises PermissionDenied for someone outside the group, WorkspaceClosed when the group may not write now.
    Pass the group's `window` and `latest` submission state when the caller has them already (queries fewer)."""
    if not by.has_perm("submissions.write_sections", group):
        raise PermissionDenied
    if has_pending_submission(group, latest):
        raise WorkspaceClosed(_("The document is submitted: it can no longer be edited."))
    window = window or window_for(group, settings_for(group))
    if not window.is_open:
        raise WorkspaceClosed(_("The assignment is not open yet."))
    if window.is_past_cutoff:
        raise WorkspaceClosed(_("The deadline has passed: the document can no longer be edited."))


@dataclass(frozen=True)
class Saved:
    section: Section
    version: int
    words: int
    changed: bool  # False when the text was already the stored one (nothing new written)


@dataclass(frozen=True)
class Conflict:
    """Someone saved since the writer's base version: both texts, for the merge view. Nothing was written."""

    section: Section
    base_version: int
    their_version: int
    their_html: str
    their_author: User | None
    your_html: str


def _group_of(section: Section) -> Group:
    """The section's group with its edition (the rules read both), fresh from the database."""
    return Group.objects.select_related("edition").get(pk=section.group_id)


@transaction.atomic
def save_section(
    section: Section, html: str, *, base_version: int, by: User, origin: str = Origin.TYPED
) -> Saved | Conflict:
    """Save `html` (sanitised) as the section's next version if nobody saved since `base_version`.

    The same text as stored is not a new version (a resend after a lost answer is harmless). Writes: the Section
    row and one SectionVersion. Raises PermissionDenied / WorkspaceClosed.
    """
    require_writable(_group_of(section), by)
    section = Section.objects.select_for_update().select_related("template").get(pk=section.pk)
    clean = sanitise_html(html)
    if clean == section.html:
        return Saved(section=section, version=section.version, words=section.words, changed=False)
    if base_version != section.version:
        last = section.versions.select_related("author").first()
        return Conflict(
            section=section,
            base_version=base_version,
            their_version=section.version,
            their_html=section.html,
            their_author=last.author if last else None,
            your_html=clean,
        )
    return _write(section, clean, by=by, origin=origin)


def _write(section: Section, clean: str, *, by: User, origin: str, restored_from: int | None = None) -> Saved:
    now = timezone.now()
    section.html, section.words, section.version = clean, word_count(clean), section.version + 1
    section.updated_by, section.updated_at = by, now
    if section.status == Section.Status.TODO:
        section.status = Section.Status.DRAFTING
    section.save(update_fields=["html", "words", "version", "updated_by", "updated_at", "status"])
    SectionVersion.objects.create(
        section=section, number=section.version, html=clean, words=section.words, author=by, created_at=now,
        origin=origin, restored_from=restored_from,
    )  # fmt: skip
    return Saved(section=section, version=section.version, words=section.words, changed=True)


@transaction.atomic
def restore_version(section: Section, number: int, *, by: User) -> Saved:
    """Copy an old version's text as a new version (the history keeps everything)."""
    require_writable(_group_of(section), by)
    section = Section.objects.select_for_update().select_related("template").get(pk=section.pk)
    old = SectionVersion.objects.get(section=section, number=number)
    return _write(section, old.html, by=by, origin=Origin.RESTORED, restored_from=number)


@transaction.atomic
def set_status(section: Section, status: str, *, by: User) -> Section:
    require_writable(_group_of(section), by)
    if status not in Section.Status.values:
        raise ValueError(status)
    Section.objects.filter(pk=section.pk).update(status=status)
    section.status = status
    return section


def add_comment(section: Section, text: str, *, by: User) -> SectionComment:
    if not by.has_perm("submissions.comment_sections", _group_of(section)):
        raise PermissionDenied
    text = text.strip()
    if not text:
        raise ValueError("empty comment")
    return SectionComment.objects.create(section=section, author=by, text=text[:4000])
