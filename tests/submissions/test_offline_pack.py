"""The offline pack: download the assignment and the draft as a DOCX, upload an edited copy as new versions."""

from io import BytesIO

import docx
import pypdf
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from groups.models import Formation
from submissions import services
from submissions.models import Section, SectionVersion, Submission
from submissions.services.offline import pack_for
from tests.factories import (
    AssignmentFactory,
    GroupFactory,
    MembershipFactory,
    QuestionFactory,
    SectionTemplateFactory,
    UserFactory,
)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def assignment(edition):
    assignment = AssignmentFactory(edition=edition)
    question = QuestionFactory(assignment=assignment, guidance_fr="Citez au moins une source.")
    SectionTemplateFactory(assignment=assignment, position=1, title_fr="Introduction", kind="intro")
    SectionTemplateFactory(assignment=assignment, position=2, title_fr="Légalité et légitimité", question=question)
    SectionTemplateFactory(assignment=assignment, position=3, title_fr="Conclusion", kind="conclusion")
    return assignment


@pytest.fixture
def mentor(edition):
    return UserFactory(email="mentor@example.org", first_name="Oumar", last_name="Sanogo")


@pytest.fixture
def group(edition, assignment, mentor):
    Formation.objects.update_or_create(edition=edition, defaults={"published_at": timezone.now()})
    return GroupFactory(edition=edition, name="Secteur privé", mentor=mentor)


@pytest.fixture
def other_group(edition, assignment):
    return GroupFactory(edition=edition, name="Gouvernement")


@pytest.fixture
def awa(group):
    return MembershipFactory(group=group, user=UserFactory(first_name="Awa", last_name="Traoré")).user


@pytest.fixture
def sekou(group):
    return MembershipFactory(group=group, user=UserFactory(first_name="Sékou", last_name="Keïta")).user


@pytest.fixture
def stranger(other_group):
    return MembershipFactory(group=other_group).user


@pytest.fixture
def sections(group, awa):
    sections = services.ensure_sections(group)
    for section, text in zip(sections, ["Notre introduction.", "Le droit encadre.", "Pour conclure."], strict=True):
        services.save_section(section, f"<p>{text}</p>", base_version=0, by=awa)
    return services.ensure_sections(group)


def download_url(group) -> str:
    return reverse("submissions:offline_pack", args=[group.edition.slug, group.pk])


def upload_url(group) -> str:
    return reverse("submissions:offline_pack_upload", args=[group.edition.slug, group.pk])


def edited(data: bytes, old: str, new: str) -> bytes:
    """The pack as a group edits it in Word: one paragraph's text replaced."""
    document = docx.Document(BytesIO(data))
    paragraph = next(p for p in document.paragraphs if p.text == old)
    paragraph.text = new
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def upload(client, group, data: bytes, name: str = "kit.docx"):
    return client.post(upload_url(group), {"pack": SimpleUploadedFile(name, data, content_type=DOCX_TYPE)})


def texts(group) -> list[str]:
    return list(Section.objects.filter(group=group).order_by("template__position").values_list("html", flat=True))


def error_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# ---------------------------------------------------------------------------
# Download
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["awa", "mentor"])
def test_a_member_and_the_mentor_download_the_pack_with_every_section(request, client, group, sections, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(download_url(group))

    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    assert "kit-hors-ligne-secteur-prive.docx" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    paragraphs = [p.text for p in docx.Document(BytesIO(response.content)).paragraphs]
    headings = [p.text for p in docx.Document(BytesIO(response.content)).paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Introduction", "Légalité et légitimité", "Conclusion"]
    assert "Le droit encadre." in paragraphs and "Citez au moins une source." in paragraphs
    assert any("Awa Traoré" in text for text in paragraphs)


def test_a_member_of_another_group_cannot_download_the_pack(client, group, sections, stranger):
    client.force_login(stranger)

    assert client.get(download_url(group)).status_code == 403


def test_the_workspace_page_offers_the_pack_to_members(client, group, sections, awa):
    client.force_login(awa)

    html = client.get(reverse("submissions:workspace", args=[group.edition.slug, group.pk])).content.decode()

    assert download_url(group) in html and upload_url(group) in html


# ---------------------------------------------------------------------------
# Upload
# ---------------------------------------------------------------------------
def test_an_edited_pack_saves_the_changed_section_as_a_new_version(client, group, sections, awa, sekou):
    _name, data = pack_for(group, language="fr")
    client.force_login(sekou)

    response = upload(client, group, edited(data, "Le droit encadre.", "Le droit encadre, la légitimité fonde."))

    assert response.status_code == 200
    result = response.context["result"]
    assert [section.pk for section in result.saved] == [sections[1].pk]
    assert {section.pk for section in result.unchanged} == {sections[0].pk, sections[2].pk}
    assert result.conflicts == []
    assert texts(group) == [
        "<p>Notre introduction.</p>", "<p>Le droit encadre, la légitimité fonde.</p>", "<p>Pour conclure.</p>",
    ]  # fmt: skip
    latest = SectionVersion.objects.filter(section=sections[1]).order_by("-number").first()
    assert (latest.number, latest.origin, latest.author) == (2, "pack", sekou)
    assert SectionVersion.objects.filter(origin="pack").count() == 1


def test_a_section_saved_meanwhile_is_a_conflict_and_keeps_the_stored_text(english, group, sections, awa, sekou):
    client = english
    _name, data = pack_for(group, language="fr")
    services.save_section(sections[1], "<p>Awa a écrit entre-temps.</p>", base_version=1, by=awa)
    client.force_login(sekou)

    response = upload(client, group, edited(data, "Le droit encadre.", "Sékou hors ligne."))

    assert response.status_code == 200
    conflicts = response.context["result"].conflicts
    assert [(c.section.pk, c.base_version, c.their_version) for c in conflicts] == [(sections[1].pk, 1, 2)]
    assert conflicts[0].your_html == "<p>Sékou hors ligne.</p>"
    assert texts(group)[1] == "<p>Awa a écrit entre-temps.</p>"
    assert not SectionVersion.objects.filter(origin="pack").exists()
    html = response.content.decode()
    assert "Awa a écrit entre-temps." in html and "Sékou hors ligne." in html
    assert reverse("submissions:section_save", args=[group.edition.slug, group.pk, sections[1].pk]) in html


def test_the_pack_of_another_group_is_refused(english, group, other_group, sections, awa):
    client = english
    services.ensure_sections(other_group)
    _name, data = pack_for(other_group, language="fr")
    client.force_login(awa)

    response = upload(client, group, data)

    assert response.status_code == 302
    assert error_messages(response) == [
        "This offline pack belongs to another group or edition: download this group's pack and try again."
    ]
    assert not SectionVersion.objects.filter(origin="pack").exists()


def test_a_docx_that_is_not_a_pack_gets_a_clear_message(english, group, sections, awa):
    client = english
    document = docx.Document()
    document.add_paragraph("Un simple document.")
    out = BytesIO()
    document.save(out)
    client.force_login(awa)

    response = upload(client, group, out.getvalue())

    assert response.status_code == 302
    [message] = error_messages(response)
    assert "offline pack" in message
    assert texts(group)[0] == "<p>Notre introduction.</p>"


def test_a_pdf_is_refused_by_the_upload_check(english, group, sections, awa):
    client = english
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = BytesIO()
    writer.write(out)
    client.force_login(awa)

    response = upload(client, group, out.getvalue(), name="kit.docx")

    assert response.status_code == 302
    assert error_messages(response) == ["PDF files are not accepted here. Accepted: Word (DOCX)."]


@pytest.mark.parametrize("persona", ["mentor", "stranger"])
def test_readers_and_other_groups_cannot_upload(request, client, group, sections, persona):
    _name, data = pack_for(group, language="fr")
    client.force_login(request.getfixturevalue(persona))

    response = upload(client, group, edited(data, "Le droit encadre.", "Intrusion."))

    assert response.status_code == 403
    assert texts(group)[1] == "<p>Le droit encadre.</p>"


def test_a_closed_workspace_refuses_the_pack(english, group, sections, awa):
    client = english
    _name, data = pack_for(group, language="fr")
    Submission.objects.create(group=group, number=1, submitted_by=awa, declaration="ok")
    client.force_login(awa)

    response = upload(client, group, edited(data, "Le droit encadre.", "Trop tard."))

    assert response.status_code == 302
    assert error_messages(response) == ["The document is submitted: it can no longer be edited."]
    assert texts(group)[1] == "<p>Le droit encadre.</p>"
