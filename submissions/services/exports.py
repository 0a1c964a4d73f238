"""Exports of a group's document: DOCX and PDF of the position document, and a presentation starter (PPTX).

Built by a Celery task and cached per version: `version_key` hashes the group's section ids and versions and the
language, so an edit gives a new key and a new file, while a second request with no edit reuses the stored one.
"""

import hashlib
import logging
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.text import slugify

from groups.models import Group
from malisig.models import User

from ..documents import build_docx, build_pdf, build_presentation_starter
from ..documents.content import DocumentContent, SectionContent
from ..models import Assignment, ExportFile, GroupFile, Section
from .workspace import ensure_sections

logger = logging.getLogger(__name__)

VIEW = "submissions.view_workspace"
Kind = ExportFile.Kind
EXTENSIONS = {Kind.DOCX: ".docx", Kind.PDF: ".pdf", Kind.PPTX: ".pptx"}


def version_key(group: Group, language: str) -> str:
    """A hash of the group's section ids and versions and of `language`. Reads only."""
    versions = Section.objects.filter(group=group).order_by("pk").values_list("pk", "version")
    text = ";".join(f"{pk}:{version}" for pk, version in versions) + f"|{language}"
    return hashlib.sha256(text.encode()).hexdigest()


def document_content(group: Group, language: str) -> DocumentContent:
    """The group's document as the builders read it: edition header, group, stakeholder type, members, sections."""
    edition = group.edition
    sections = ensure_sections(group)
    assignment = Assignment.objects.filter(edition=edition).first()
    members = (
        User.objects.filter(group_memberships__group=group)
        .order_by("last_name", "first_name")
        .only("first_name", "last_name", "email")
    )
    with translation.override(language):
        return DocumentContent(
            edition_title=edition.title,
            school_name=edition.school.name,
            assignment_title=assignment.tr.title if assignment else edition.title,
            group_name=group.name,
            stakeholder=group.stakeholder_type.tr.name if group.stakeholder_type_id else "",
            members=[str(member) for member in members],
            sections=[SectionContent(str(s.pk), s.template.tr.title, s.html) for s in sections],
            generated_at=timezone.now(),
        )


def image_loader_for(group: Group):
    """A loader that reads the bytes of an image URL pointing at one of THIS group's files; anything else: None."""

    def load(src: str) -> bytes | None:
        try:
            match = resolve(urlsplit(src).path)
        except (Resolver404, ValueError):
            return None
        if match.view_name != "submissions:group_file":
            return None
        if match.kwargs.get("slug") != group.edition.slug or match.kwargs.get("group_pk") != group.pk:
            return None
        group_file = GroupFile.objects.filter(group=group, pk=match.kwargs.get("file_pk")).first()
        if group_file is None:
            return None
        try:
            with group_file.file.open("rb") as handle:
                return handle.read()
        except (FileNotFoundError, ValueError):
            return None

    return load


def export_for(group: Group, kind: str, language: str) -> ExportFile | None:
    """The cached export of the group's current version, or None. Reads only."""
    return ExportFile.objects.filter(group=group, kind=kind, version_key=version_key(group, language)).first()


def export_name(group: Group, kind: str) -> str:
    name = slugify(group.name) or str(group.pk)
    prefix = "presentation" if kind == Kind.PPTX else "document"
    return f"{prefix}-{name}{EXTENSIONS[Kind(kind)]}"


def build_export(group_id: int, kind: str, language: str) -> ExportFile | None:
    """Build and store the export of the group's current version, unless stored already (safe to run twice).

    Writes one ExportFile and its file; None if the group is gone or the kind unknown.
    """
    if kind not in Kind.values:
        return None
    group = Group.objects.select_related("edition__school", "stakeholder_type").filter(pk=group_id).first()
    if group is None:
        return None
    content = document_content(group, language)  # may create missing sections: before the key
    key = version_key(group, language)
    existing = ExportFile.objects.filter(group=group, kind=kind, version_key=key).first()
    if existing is not None:
        return existing
    with translation.override(language):
        if kind == Kind.DOCX:
            data = build_docx(content, image_loader_for(group))
        elif kind == Kind.PDF:
            data = build_pdf(content, image_loader_for(group))
        else:
            data = build_presentation_starter(content)
    export = ExportFile(group=group, kind=kind, version_key=key)
    export.file.save(f"export{EXTENSIONS[Kind(kind)]}", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            export.save()
    except IntegrityError:
        export.file.delete(save=False)  # another run stored this version first
        return ExportFile.objects.get(group=group, kind=kind, version_key=key)
    return export


def request_export(group: Group, kind: str, *, by: User, language: str) -> ExportFile | None:
    """The cached export if there is one; else queue its build after commit and return None.

    Raises PermissionDenied without submissions.view_workspace on the group.
    """
    from ..tasks import build_export_task

    if not by.has_perm(VIEW, group):
        raise PermissionDenied
    ensure_sections(group)  # the key counts every section, as the task will
    existing = export_for(group, kind, language)
    if existing is not None:
        return existing
    group_id = group.pk
    transaction.on_commit(lambda: build_export_task.enqueue(group_id=group_id, kind=kind, language=language))
    return None
