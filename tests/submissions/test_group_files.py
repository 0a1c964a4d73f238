"""A group's files: uploads checked by content, replacement of the presentation, the permission-checked download."""

import datetime as dt
import io
import zipfile
from pathlib import Path

import pptx
import pypdf
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from groups.models import Formation
from submissions.models import AssignmentSettings, GroupFile, Submission
from submissions.services.files import remove_file, upload_file
from tests.factories import (
    AssignmentFactory,
    AssignmentSettingsFactory,
    GroupFactory,
    MembershipFactory,
    UserFactory,
)

Role = GroupFile.Role
PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@pytest.fixture
def assignment(edition):
    return AssignmentFactory(edition=edition)


@pytest.fixture
def mentor(edition):
    return UserFactory(email="mentor@example.org", first_name="Oumar", last_name="Sanogo")


@pytest.fixture
def group(edition, assignment, mentor):
    Formation.objects.update_or_create(edition=edition, defaults={"published_at": timezone.now()})
    return GroupFactory(edition=edition, name="Secteur privé", mentor=mentor)


@pytest.fixture
def awa(group):
    return MembershipFactory(group=group, user=UserFactory(first_name="Awa", last_name="Traoré")).user


@pytest.fixture
def other_group(edition, assignment):
    return GroupFactory(edition=edition, name="Gouvernement")


@pytest.fixture
def stranger(other_group):
    """A member of another group of the same edition."""
    return MembershipFactory(group=other_group).user


def pptx_bytes(title: str = "Les coupures d'Internet") -> bytes:
    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    slide.shapes.title.text = title
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def macro_pptx_bytes() -> bytes:
    """A PowerPoint file carrying a VBA project, as a macro-enabled deck saved under .pptx."""
    source = zipfile.ZipFile(io.BytesIO(pptx_bytes()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry, source.read(entry))
        target.writestr("ppt/vbaProject.bin", b"\xd0\xcf\x11\xe0VBA")
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def files_url(group) -> str:
    return reverse("submissions:group_files", args=[group.edition.slug, group.pk])


def file_url(group, file_pk: int) -> str:
    return reverse("submissions:group_file", args=[group.edition.slug, group.pk, file_pk])


def post_file(client, group, name: str, content: bytes, role: str = Role.PRESENTATION):
    return client.post(files_url(group), {"role": role, "file": upload(name, content)})


def current_presentation(group) -> GroupFile | None:
    return GroupFile.objects.filter(group=group, role=Role.PRESENTATION, replaced_at__isnull=True).first()


def stored_path(group_file: GroupFile) -> Path:
    return Path(settings.MEDIA_ROOT) / group_file.file.name


def downloaded(response) -> bytes:
    return b"".join(response.streaming_content)


# ---------------------------------------------------------------------------
# Uploads
# ---------------------------------------------------------------------------
def test_a_member_uploads_a_pptx_presentation_stored_under_a_random_name(client, group, awa):
    client.force_login(awa)
    content = pptx_bytes()

    response = post_file(client, group, "Présentation finale.pptx", content)

    assert response.status_code == 302 and response["Location"] == files_url(group)
    presentation = current_presentation(group)
    assert presentation.display_name == "Présentation finale.pptx"
    assert presentation.content_type == PPTX_TYPE
    assert presentation.size == len(content)
    assert presentation.uploaded_by == awa
    assert presentation.file.name.startswith("private/groups/") and presentation.file.name.endswith(".pptx")
    assert "Présentation" not in presentation.file.name
    assert stored_path(presentation).read_bytes() == content


def test_the_files_page_lists_the_current_presentation_with_who_and_a_download_link(client, group, awa):
    presentation = upload_file(group, upload("Diapos.pptx", pptx_bytes()), Role.PRESENTATION, by=awa)
    client.force_login(awa)

    response = client.get(files_url(group))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Diapos.pptx" in html and "Awa Traoré" in html
    assert file_url(group, presentation.pk) in html
    assert 'accept=".pptx,.pdf' in html and 'enctype="multipart/form-data"' in html


def test_the_workspace_links_to_the_files_page(client, group, awa):
    client.force_login(awa)

    response = client.get(reverse("submissions:workspace", args=[group.edition.slug, group.pk]))

    assert files_url(group) in response.content.decode()


def test_a_second_presentation_replaces_the_first_which_stays_stored(client, group, awa):
    first = upload_file(group, upload("v1.pptx", pptx_bytes()), Role.PRESENTATION, by=awa)
    client.force_login(awa)

    response = post_file(client, group, "v2.pdf", pdf_bytes())

    assert response.status_code == 302
    first.refresh_from_db()
    assert first.replaced_at is not None and stored_path(first).exists()
    second = current_presentation(group)
    assert second.pk != first.pk
    assert (second.display_name, second.content_type) == ("v2.pdf", "application/pdf")
    assert second.file.name.endswith(".pdf")
    assert GroupFile.objects.filter(group=group).count() == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("schema.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG images"),
        ("macro.pptx", macro_pptx_bytes(), "macros"),
        ("vide.pdf", b"", "The file is empty."),
        (
            "setup.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200,
            "not in an accepted format",
        ),
    ],
)
def test_a_refused_presentation_shows_why_and_leaves_the_earlier_one_current(
    english, group, awa, name, content, message
):
    earlier = upload_file(group, upload("v1.pptx", pptx_bytes()), Role.PRESENTATION, by=awa)
    english.force_login(awa)

    response = post_file(english, group, name, content)

    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="upload-error"' in html and message in html
    assert current_presentation(group) == earlier
    assert list(GroupFile.objects.filter(group=group)) == [earlier]
    assert [p.name for p in (Path(settings.MEDIA_ROOT) / "private/groups").iterdir()] == [Path(earlier.file.name).name]


def test_an_image_is_refused_as_a_presentation(english, group, awa):
    english.force_login(awa)

    response = post_file(english, group, "photo.png", png_bytes())

    assert response.status_code == 400
    assert "PNG files are not accepted here" in response.content.decode()
    assert not GroupFile.objects.exists()


def test_attachments_are_refused_when_the_assignment_allows_none(group, awa, assignment):
    AssignmentSettingsFactory(assignment=assignment, attachments_allowed=False)

    with pytest.raises(ValidationError):
        upload_file(group, upload("annexe.pdf", pdf_bytes()), Role.ATTACHMENT, by=awa)

    assert not GroupFile.objects.exists()


def test_a_submitted_workspace_refuses_uploads(english, group, awa):
    earlier = upload_file(group, upload("v1.pptx", pptx_bytes()), Role.PRESENTATION, by=awa)
    Submission.objects.create(group=group, number=1, submitted_by=awa, declaration="ok")
    english.force_login(awa)

    response = post_file(english, group, "v2.pdf", pdf_bytes())

    assert response.status_code == 302
    page = english.get(response["Location"]).content.decode()
    assert "The document is submitted: it can no longer be edited." in page
    assert current_presentation(group) == earlier


def test_after_a_hard_deadline_uploads_are_refused(english, assignment, group, awa):
    AssignmentSettingsFactory(
        assignment=assignment, deadline=timezone.now() - dt.timedelta(hours=1),
        late_policy=AssignmentSettings.LatePolicy.HARD_STOP,
    )  # fmt: skip
    english.force_login(awa)

    response = post_file(english, group, "v1.pdf", pdf_bytes())

    assert response.status_code == 302
    assert not GroupFile.objects.exists()


@pytest.mark.parametrize("persona", ["mentor", "stranger"])
def test_only_members_upload(client, group, persona, request):
    client.force_login(request.getfixturevalue(persona))

    response = post_file(client, group, "v1.pdf", pdf_bytes())

    assert response.status_code == 403
    assert not GroupFile.objects.exists()


def test_names_with_paths_and_line_breaks_are_sanitised(client, group, awa):
    client.force_login(awa)

    post_file(client, group, "../../etc/pass\r\nX-Evil: 1.pdf", pdf_bytes())

    presentation = current_presentation(group)
    assert "/" not in presentation.display_name and "\r" not in presentation.display_name
    assert "\n" not in presentation.display_name and ".." not in presentation.display_name
    assert presentation.display_name.endswith(".pdf")
    response = client.get(file_url(group, presentation.pk))
    assert "\n" not in response["Content-Disposition"] and "/" not in response["Content-Disposition"]


def test_a_member_removes_an_attachment_which_stays_stored(client, group, awa):
    attachment = upload_file(group, upload("annexe.pdf", pdf_bytes()), Role.ATTACHMENT, by=awa)
    client.force_login(awa)

    response = client.post(reverse("submissions:group_file_remove", args=[group.edition.slug, group.pk, attachment.pk]))

    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.replaced_at is not None and stored_path(attachment).exists()


def test_the_presentation_cannot_be_removed(group, awa):
    presentation = upload_file(group, upload("v1.pdf", pdf_bytes()), Role.PRESENTATION, by=awa)

    with pytest.raises(ValidationError):
        remove_file(presentation, by=awa)

    presentation.refresh_from_db()
    assert presentation.replaced_at is None


# ---------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["awa", "mentor", "organiser"])
def test_the_group_its_mentor_and_the_organisers_download_with_safe_headers(client, group, awa, persona, request):
    content = pptx_bytes()
    presentation = upload_file(group, upload("Présentation finale.pptx", content), Role.PRESENTATION, by=awa)
    client.force_login(request.getfixturevalue(persona))

    response = client.get(file_url(group, presentation.pk))

    assert response.status_code == 200
    assert downloaded(response) == content
    assert response["Content-Type"] == PPTX_TYPE
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Presentation finale.pptx\"; filename*=utf-8''Pr%C3%A9sentation%20finale.pptx"
    )
    assert response["X-Content-Type-Options"] == "nosniff"


def test_images_are_served_inline_with_their_checked_type_and_nosniff(client, group, awa):
    image = upload_file(group, upload("carte.png", png_bytes()), Role.IMAGE, by=awa)
    client.force_login(awa)

    response = client.get(file_url(group, image.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_member_of_another_group_gets_403_with_a_guessed_id(client, group, awa, stranger):
    presentation = upload_file(group, upload("v1.pdf", pdf_bytes()), Role.PRESENTATION, by=awa)
    client.force_login(stranger)

    response = client.get(file_url(group, presentation.pk))

    assert response.status_code == 403


def test_a_file_of_another_group_through_this_groups_address_is_404(client, group, awa, other_group, organiser):
    other_member = MembershipFactory(group=other_group).user
    theirs = upload_file(other_group, upload("theirs.pdf", pdf_bytes()), Role.PRESENTATION, by=other_member)
    client.force_login(awa)

    assert client.get(file_url(group, theirs.pk)).status_code == 404
    client.force_login(organiser)
    assert client.get(file_url(group, theirs.pk)).status_code == 404
    assert client.get(file_url(other_group, theirs.pk)).status_code == 200


def test_a_group_of_another_edition_is_404(client, group, awa, other_edition):
    presentation = upload_file(group, upload("v1.pdf", pdf_bytes()), Role.PRESENTATION, by=awa)
    client.force_login(awa)

    response = client.get(reverse("submissions:group_file", args=[other_edition.slug, group.pk, presentation.pk]))

    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, group, awa):
    presentation = upload_file(group, upload("v1.pdf", pdf_bytes()), Role.PRESENTATION, by=awa)

    response = client.get(file_url(group, presentation.pk))

    assert response.status_code == 302 and "login" in response["Location"]


def test_the_service_keeps_no_path_or_line_break_from_the_name(group, awa):
    presentation = upload_file(group, upload("..\\..\\rapport\r\nfinal.pdf", pdf_bytes()), Role.PRESENTATION, by=awa)

    assert presentation.display_name == "rapport final.pdf"
