"""The editor's image dialog: the JSON endpoint listing a group's images and taking a new one."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
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
    SectionTemplateFactory,
    UserFactory,
)

Role = GroupFile.Role


@pytest.fixture
def assignment(edition):
    return AssignmentFactory(edition=edition)


@pytest.fixture
def group(edition, assignment):
    Formation.objects.update_or_create(edition=edition, defaults={"published_at": timezone.now()})
    return GroupFactory(edition=edition, name="Secteur privé", mentor=UserFactory(email="mentor@example.org"))


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


def png_bytes(color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), color).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def images_url(group) -> str:
    return reverse("submissions:group_images", args=[group.edition.slug, group.pk])


def file_url(group, group_file: GroupFile) -> str:
    return reverse("submissions:group_file", args=[group.edition.slug, group.pk, group_file.pk])


def post_image(client, group, name: str, content: bytes):
    return client.post(images_url(group), {"file": upload(name, content)}, headers={"accept": "application/json"})


def stored_files() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT)
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


# ---------------------------------------------------------------------------
# Listing
# ---------------------------------------------------------------------------
def test_the_list_holds_only_this_groups_current_images_newest_first(client, group, awa, other_group):
    first = upload_file(group, upload("carte.png", png_bytes()), Role.IMAGE, by=awa)
    second = upload_file(group, upload("graphique.png", png_bytes("blue")), Role.IMAGE, by=awa)
    removed = upload_file(group, upload("ancienne.png", png_bytes("green")), Role.IMAGE, by=awa)
    remove_file(removed, by=awa)
    upload_file(group, upload("annexe.png", png_bytes()), Role.ATTACHMENT, by=awa)
    other_member = MembershipFactory(group=other_group).user
    upload_file(other_group, upload("theirs.png", png_bytes()), Role.IMAGE, by=other_member)
    client.force_login(awa)

    response = client.get(images_url(group))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response.json() == {
        "images": [
            {"src": file_url(group, second), "name": "graphique.png"},
            {"src": file_url(group, first), "name": "carte.png"},
        ]
    }


@pytest.mark.parametrize("persona", ["mentor", "organiser"])
def test_those_who_see_the_workspace_see_its_images(client, group, awa, persona, request):
    image = upload_file(group, upload("carte.png", png_bytes()), Role.IMAGE, by=awa)
    client.force_login(group.mentor if persona == "mentor" else request.getfixturevalue(persona))

    response = client.get(images_url(group))

    assert response.status_code == 200
    assert response.json()["images"] == [{"src": file_url(group, image), "name": "carte.png"}]


def test_the_list_takes_a_constant_number_of_queries(client, group, awa, django_assert_max_num_queries):
    upload_file(group, upload("carte.png", png_bytes()), Role.IMAGE, by=awa)
    client.force_login(awa)
    with django_assert_max_num_queries(7):
        assert len(client.get(images_url(group)).json()["images"]) == 1

    for number in range(5):
        upload_file(group, upload(f"image-{number}.png", png_bytes()), Role.IMAGE, by=awa)

    with django_assert_max_num_queries(7):
        assert len(client.get(images_url(group)).json()["images"]) == 6


# ---------------------------------------------------------------------------
# Uploading
# ---------------------------------------------------------------------------
def test_a_member_uploads_a_png_which_is_stored_and_returned(client, group, awa):
    client.force_login(awa)
    content = png_bytes()

    response = post_image(client, group, "Carte du Mali.png", content)

    assert response.status_code == 201
    image = GroupFile.objects.get(group=group)
    assert (image.role, image.display_name, image.content_type, image.uploaded_by) == (
        Role.IMAGE, "Carte du Mali.png", "image/png", awa,
    )  # fmt: skip
    assert response.json() == {"src": file_url(group, image), "name": "Carte du Mali.png"}
    assert stored_files() == [Path(settings.MEDIA_ROOT) / image.file.name]
    assert b"".join(client.get(file_url(group, image)).streaming_content) == content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "dessin.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "SVG images, web pages (HTML) and other XML files are not accepted",
        ),
        ("notes.png", b"Ceci est un texte, pas une image.\n", "The content of this file is not in an accepted format"),
    ],
)
def test_a_refused_file_is_answered_400_with_why_and_nothing_is_stored(english, group, awa, name, content, message):
    english.force_login(awa)

    response = post_image(english, group, name, content)

    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not GroupFile.objects.exists()
    assert stored_files() == []


def test_a_post_without_a_file_is_answered_400(english, group, awa):
    english.force_login(awa)

    response = english.post(images_url(group), {})

    assert response.status_code == 400
    assert response.json() == {"error": "Choose an image to upload."}


def test_the_upload_needs_the_csrf_token(group, awa):
    client = Client(enforce_csrf_checks=True)
    client.force_login(awa)

    response = post_image(client, group, "carte.png", png_bytes())

    assert response.status_code == 403
    assert not GroupFile.objects.exists()


# ---------------------------------------------------------------------------
# Who, and when
# ---------------------------------------------------------------------------
def test_a_member_of_another_group_gets_403_json(english, group, awa, stranger):
    upload_file(group, upload("carte.png", png_bytes()), Role.IMAGE, by=awa)
    english.force_login(stranger)

    listed = english.get(images_url(group))
    posted = post_image(english, group, "carte.png", png_bytes())

    assert listed.status_code == 403 and listed.json() == {"error": "You cannot see this group's images."}
    assert posted.status_code == 403 and posted.json() == {"error": "Only the group's members add images."}
    assert GroupFile.objects.count() == 1


def test_the_mentor_sees_the_images_but_cannot_upload(client, group):
    client.force_login(group.mentor)

    response = post_image(client, group, "carte.png", png_bytes())

    assert response.status_code == 403 and "error" in response.json()
    assert not GroupFile.objects.exists()


def test_a_group_of_another_edition_is_404(client, group, awa, other_edition):
    client.force_login(awa)

    response = client.get(reverse("submissions:group_images", args=[other_edition.slug, group.pk]))

    assert response.status_code == 404


def test_a_submitted_workspace_answers_423_with_why(english, group, awa):
    Submission.objects.create(group=group, number=1, submitted_by=awa, declaration="ok")
    english.force_login(awa)

    response = post_image(english, group, "carte.png", png_bytes())

    assert response.status_code == 423
    assert response.json() == {"error": "The document is submitted: it can no longer be edited."}
    assert not GroupFile.objects.exists()


def test_after_a_hard_deadline_the_upload_answers_423(english, assignment, group, awa):
    AssignmentSettingsFactory(
        assignment=assignment, deadline=timezone.now() - dt.timedelta(hours=1),
        late_policy=AssignmentSettings.LatePolicy.HARD_STOP,
    )  # fmt: skip
    english.force_login(awa)

    response = post_image(english, group, "carte.png", png_bytes())

    assert response.status_code == 423
    assert response.json() == {"error": "The deadline has passed: the document can no longer be edited."}
    assert not GroupFile.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_get_401_json(english, group, method):
    response = getattr(english, method)(images_url(group))

    assert response.status_code == 401
    assert response.json() == {"error": "Your session has ended: log in again."}


# ---------------------------------------------------------------------------
# The workspace page
# ---------------------------------------------------------------------------
def test_the_editor_form_tells_the_script_the_images_address(client, group, awa, assignment):
    SectionTemplateFactory(assignment=assignment, position=1)
    client.force_login(awa)

    page = client.get(reverse("submissions:workspace", args=[group.edition.slug, group.pk])).content.decode()

    assert f'data-images="{images_url(group)}"' in page
    assert 'data-testid="image-dialog"' in page
