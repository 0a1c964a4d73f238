"""Exports of the document (DOCX, PDF, presentation starter): built by Celery, cached per version."""

from io import BytesIO

import docx
import pptx
import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import Formation
from submissions import services
from submissions.models import ExportFile
from submissions.services.exports import image_loader_for, version_key
from tests.factories import (
    AssignmentFactory,
    GroupFactory,
    MembershipFactory,
    SectionTemplateFactory,
    UserFactory,
)

TITLES = ["Introduction", "Légalité et légitimité", "Conclusion"]


@pytest.fixture
def assignment(edition):
    assignment = AssignmentFactory(edition=edition)
    for position, title in enumerate(TITLES, start=1):
        SectionTemplateFactory(assignment=assignment, position=position, title_fr=title)
    return assignment


@pytest.fixture
def group(edition, assignment):
    Formation.objects.update_or_create(edition=edition, defaults={"published_at": timezone.now()})
    return GroupFactory(edition=edition, name="Secteur privé")


@pytest.fixture
def other_group(edition, assignment):
    return GroupFactory(edition=edition, name="Gouvernement")


@pytest.fixture
def awa(group):
    return MembershipFactory(group=group, user=UserFactory(first_name="Awa", last_name="Traoré")).user


@pytest.fixture
def sections(group, awa):
    sections = services.ensure_sections(group)
    for section, text in zip(sections, ["Notre introduction.", "Le droit encadre.", "Pour conclure."], strict=True):
        services.save_section(section, f"<p>{text}</p>", base_version=0, by=awa)
    return services.ensure_sections(group)


def export_url(group, kind: str, slug: str | None = None) -> str:
    return reverse("submissions:export", args=[slug or group.edition.slug, group.pk, kind])


def fetch(client, group, kind, capture):
    """First GET queues the build (run eagerly on commit) and shows the waiting page; the next one serves it."""
    with capture(execute=True):
        first = client.get(export_url(group, kind))
    if not first.streaming:
        assert b'http-equiv="refresh"' in first.content
        assert b"<script>" not in first.content  # no inline script
        first = client.get(export_url(group, kind))
    assert first.status_code == 200
    assert "attachment" in first["Content-Disposition"]
    return b"".join(first.streaming_content), first


def test_docx_export_has_section_titles(client, group, awa, sections, django_capture_on_commit_callbacks):
    client.force_login(awa)
    data, response = fetch(client, group, "docx", django_capture_on_commit_callbacks)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    text = "\n".join(paragraph.text for paragraph in docx.Document(BytesIO(data)).paragraphs)
    for title in TITLES:
        assert title in text
    assert "Secteur privé" in text


def test_pdf_export_reads(client, group, awa, sections, django_capture_on_commit_callbacks):
    client.force_login(awa)
    data, response = fetch(client, group, "pdf", django_capture_on_commit_callbacks)
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(BytesIO(data))
    assert "Conclusion" in "".join(page.extract_text() for page in reader.pages)


def test_pptx_export_has_title_and_section_slides(client, group, awa, sections, django_capture_on_commit_callbacks):
    client.force_login(awa)
    data, _response = fetch(client, group, "pptx", django_capture_on_commit_callbacks)
    assert len(pptx.Presentation(BytesIO(data)).slides) == 1 + len(sections)


def test_cached_until_an_edit(client, group, awa, sections, django_capture_on_commit_callbacks):
    client.force_login(awa)
    fetch(client, group, "docx", django_capture_on_commit_callbacks)
    first = ExportFile.objects.get(group=group, kind="docx")
    fetch(client, group, "docx", django_capture_on_commit_callbacks)
    assert ExportFile.objects.filter(group=group, kind="docx").count() == 1

    section = sections[0]
    services.save_section(section, "<p>Une autre introduction.</p>", base_version=section.version, by=awa)
    assert version_key(group, "fr") != first.version_key
    fetch(client, group, "docx", django_capture_on_commit_callbacks)
    exports = ExportFile.objects.filter(group=group, kind="docx")
    assert exports.count() == 2
    assert exports.exclude(pk=first.pk).get().file.name != first.file.name


def test_member_of_another_group_is_refused(client, group, other_group, sections):
    stranger = MembershipFactory(group=other_group).user
    client.force_login(stranger)
    assert client.get(export_url(group, "pdf")).status_code == 403
    assert not ExportFile.objects.exists()


def test_group_of_another_edition_is_not_found(client, group, awa, other_edition):
    client.force_login(awa)
    assert client.get(export_url(group, "pdf", slug=other_edition.slug)).status_code == 404
    assert client.get(export_url(group, "xlsx")).status_code == 404


def test_image_loader_reads_only_this_groups_files(group, other_group):
    loader = image_loader_for(group)
    other = reverse("submissions:group_file", args=[group.edition.slug, other_group.pk, 1])
    assert loader(other) is None
    assert loader("https://example.org/image.png") is None
    assert loader(reverse("submissions:group_file", args=[group.edition.slug, group.pk, 999999])) is None
