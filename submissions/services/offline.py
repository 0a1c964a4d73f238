"""The offline pack of a group's workspace: the assignment and the current draft as a DOCX to edit without a
connection, and the upload that brings its sections back as new versions through save_section's version check.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from groups.models import Group
from malisig.models import User
from malisig.uploads import FileKind, check_upload

from ..documents.content import DocumentContent, SectionContent
from ..documents.offline import OfflinePackError, OfflineSection, build_offline_pack, read_offline_pack
from ..models import Assignment, Question, Section, SectionVersion
from .assignment import rich_text
from .workspace import Conflict, Saved, ensure_sections, require_writable, save_section


class PackRefused(Exception):
    """The uploaded file cannot be read as this group's offline pack (nothing was written); `message` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class PackResult:
    saved: list[Section] = field(default_factory=list)
    unchanged: list[Section] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def pack_reference(group: Group) -> str:
    return f"{group.edition.slug}:{group.pk}"


def pack_for(group: Group, *, language: str) -> tuple[str, bytes]:
    """(file name, DOCX bytes): the assignment, then one heading per section with its current text and guidance.

    Reads only; ensure_sections may create the group's missing sections.
    """
    edition = group.edition
    sections = ensure_sections(group)
    assignment = Assignment.objects.filter(edition=edition).first()
    question_ids = {section.template.question_id for section in sections if section.template.question_id}
    members = (
        User.objects.filter(group_memberships__group=group)
        .order_by("last_name", "first_name")
        .only("first_name", "last_name", "email")
    )
    questions = {question.pk: question for question in Question.objects.filter(pk__in=question_ids)}
    with translation.override(language):
        content = DocumentContent(
            edition_title=edition.title,
            school_name=edition.school.name,
            assignment_title=assignment.tr.title if assignment else edition.title,
            group_name=group.name,
            stakeholder=group.stakeholder_type.tr.name if group.stakeholder_type_id else "",
            members=[str(member) for member in members],
            sections=[SectionContent(str(s.pk), s.template.tr.title, s.html) for s in sections],
            generated_at=timezone.now(),
        )
        meta = [OfflineSection(str(s.pk), s.template.tr.title, s.version) for s in sections]
        guidance = {
            str(s.pk): questions[s.template.question_id].tr.guidance
            for s in sections
            if s.template.question_id in questions
        }
        data = build_offline_pack(
            content,
            meta,
            guidance,
            statement_html=str(rich_text(assignment.tr.statement)) if assignment else "",
            reference=pack_reference(group),
        )
    name = slugify(group.name) or str(group.pk)
    return f"kit-hors-ligne-{name}.docx", data


def apply_pack(group: Group, uploaded_file, *, by: User) -> PackResult:
    """Save each section changed in an edited pack as a new version (origin "pack") if nobody saved since the pack.

    Writes one SectionVersion per saved section (through save_section); a conflict writes nothing. Raises
    PermissionDenied, WorkspaceClosed, PackRefused (not a DOCX, not a pack, another group's pack).
    """
    require_writable(group, by)
    try:
        check_upload(uploaded_file, allowed={FileKind.DOCX})
    except ValidationError as refused:
        raise PackRefused(" ".join(str(message) for message in refused.messages)) from refused
    uploaded_file.seek(0)
    try:
        upload = read_offline_pack(uploaded_file.read())
    except OfflinePackError as error:
        raise PackRefused(error.message) from error
    if upload.reference != pack_reference(group):
        raise PackRefused(
            _("This offline pack belongs to another group or edition: download this group's pack and try again.")
        )
    sections = {str(section.pk): section for section in ensure_sections(group)}
    result = PackResult(problems=list(upload.problems))
    for uploaded in upload.sections:
        section = sections.get(uploaded.key)
        if section is None:
            result.problems.append(_("A section of the pack no longer exists in the document: it was left out."))
            continue
        if not uploaded.changed:
            result.unchanged.append(section)
            continue
        outcome = save_section(
            section, uploaded.html, base_version=uploaded.base_version, by=by, origin=SectionVersion.Origin.OFFLINE_PACK
        )
        if isinstance(outcome, Conflict):
            result.conflicts.append(outcome)
        elif isinstance(outcome, Saved) and outcome.changed:
            result.saved.append(outcome.section)
        else:
            result.unchanged.append(section)
    return result
