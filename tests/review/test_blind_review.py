"""Blind review: jurors (the chair too) see "Document 2", never the group's name, its members' names nor who handed
the document in; downloads are renamed "<label> - presentation.pptx" and their metadata is scrubbed. Organisers
who are not on the jury see the real names."""

import io
import zipfile
from urllib.parse import unquote

import docx
import pptx
import pypdf
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from submissions.models import GroupFile, SubmittedFile
from submissions.services.review import start_all_reviews
from submissions.services.reviews import save_review
from tests.conftest import speak

GROUP_NAME = "Secteur privé A"
PEOPLE = ["Awa", "Traoré", "Traore", "Sékou", "Keita", "Mariam", "Coulibaly", "Fatoumata", "Diarra"]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PDF = "application/pdf"


@pytest.fixture(autouse=True)
def _english(client):
    speak(client, "en")
    with translation.override("en"):
        yield


def docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("Annexe : chiffres des coupures.")
    props = document.core_properties
    props.author, props.last_modified_by = "Awa Traoré", "Sékou Keita"
    props.title, props.subject, props.keywords = "Position de Secteur privé A", "Secteur privé A", "Awa Traoré"
    props.comments, props.category = "Écrit par Awa Traoré", "Secteur privé A"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pptx_bytes() -> bytes:
    deck = pptx.Presentation()
    deck.slides.add_slide(deck.slide_layouts[0]).shapes.title.text = "Les coupures d'Internet"
    deck.core_properties.author = "Awa Traoré"
    deck.core_properties.last_modified_by = "Sékou Keita"
    deck.core_properties.title = "Secteur privé A"
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata(
        {"/Author": "Awa Traoré", "/Creator": "Sékou Keita", "/Title": "Secteur privé A", "/Producer": "Keita Office"}
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def attach(submission, role, name, content_type, data) -> SubmittedFile:
    group_file = GroupFile(
        group=submission.group, role=role, display_name=name, content_type=content_type, size=len(data)
    )
    group_file.file.save("upload" + name[name.rfind(".") :], ContentFile(data), save=False)
    group_file.save()
    return SubmittedFile.objects.create(submission=submission, group_file=group_file)


@pytest.fixture
def submission(submissions, chair, edition, assigned):
    start_all_reviews(edition, by=chair)
    submission = submissions["secteur-prive"]
    submission.refresh_from_db()
    return submission


@pytest.fixture
def files(submission):
    return {
        "pptx": attach(submission, GroupFile.Role.PRESENTATION, "Présentation Awa Traoré.pptx", PPTX, pptx_bytes()),
        "docx": attach(submission, GroupFile.Role.ATTACHMENT, "Annexe Sékou Keita.docx", DOCX, docx_bytes()),
        "pdf": attach(submission, GroupFile.Role.ATTACHMENT, "Secteur privé A - sources.pdf", PDF, pdf_bytes()),
    }


@pytest.fixture
def blind(review_settings):
    review_settings.blind = True
    review_settings.save()
    return review_settings


def leaks(text: str) -> list[str]:
    return [word for word in [GROUP_NAME, *PEOPLE] if word in text]


def review_url(group):
    return reverse("submissions:review_page", args=[group.edition.slug, group.pk])


def file_url(item):
    group = item.submission.group
    return reverse("submissions:review_file", args=[group.edition.slug, group.pk, item.pk])


def download(client, item):
    response = client.get(file_url(item))
    assert response.status_code == 200, response.status_code
    return response, b"".join(response.streaming_content) if response.streaming else response.content


def filename(response) -> str:
    header = response["Content-Disposition"]
    assert header.startswith("attachment")
    if "filename*=utf-8''" in header:
        return unquote(header.split("filename*=utf-8''")[1])
    return header.split('filename="')[1].rstrip('"')


def zip_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------
def test_blind_dashboard_shows_labels_and_no_names(client, submission, blind, jurors):
    client.force_login(jurors[0])

    html = client.get(reverse("submissions:juror_dashboard", args=[submission.group.edition.slug])).content.decode()

    assert leaks(html) == []
    assert "Document 1" in html and "Document 2" in html and "Document 3" in html
    assert "Private Sector" in html  # the stakeholder type stays: it is part of the exercise


def test_blind_review_page_leaks_no_name_in_title_text_or_file_names(client, submission, files, blind, jurors):
    client.force_login(jurors[0])

    html = client.get(review_url(submission.group)).content.decode()

    assert leaks(html) == []
    assert "<title>Review of Document 2 · MaliSIG 2023" in html
    assert "Document 2 - presentation.pptx" in html
    assert "Document 2 - attachment 1.docx" in html and "Document 2 - attachment 2.pdf" in html


def test_blind_review_page_keeps_names_out_of_the_other_reviews_part(client, submission, blind, jurors, edition):
    criteria = [c.pk for c in edition.criteria.filter(rubric="document")]
    save_review(submission, by=jurors[1], scores=dict.fromkeys(criteria, (3, "")), submit=True)
    save_review(submission, by=jurors[0], scores=dict.fromkeys(criteria, (4, "")), submit=True)
    client.force_login(jurors[0])

    html = client.get(review_url(submission.group)).content.decode()

    assert 'data-testid="other-review"' in html
    assert leaks(html) == []


def test_the_chair_reads_blind_too_and_organisers_read_names(client, submission, files, blind, chair, organiser):
    client.force_login(chair)
    chair_html = client.get(review_url(submission.group)).content.decode()
    client.force_login(organiser)
    organiser_html = client.get(review_url(submission.group)).content.decode()

    assert leaks(chair_html) == [] and "Review of Document 2" in chair_html
    assert GROUP_NAME in organiser_html and "Awa Traoré" in organiser_html
    assert "Présentation Awa Traoré.pptx" in organiser_html


def test_without_blind_review_jurors_see_the_names(client, submission, files, jurors):
    client.force_login(jurors[0])

    html = client.get(review_url(submission.group)).content.decode()
    response, _data = download(client, files["docx"])

    assert GROUP_NAME in html and "Présentation Awa Traoré.pptx" in html
    assert filename(response) == "Annexe Sékou Keita.docx"


# ---------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------
def test_blind_docx_download_is_renamed_and_its_properties_emptied(client, submission, files, blind, jurors):
    client.force_login(jurors[0])

    response, data = download(client, files["docx"])

    assert filename(response) == "Document 2 - attachment 1.docx"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == DOCX
    props = docx.Document(io.BytesIO(data)).core_properties
    assert [props.author, props.last_modified_by, props.title, props.subject, props.keywords, props.comments,
            props.category] == [""] * 7  # fmt: skip
    assert leaks(zip_text(data)) == []
    assert "Annexe : chiffres des coupures." in [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def test_blind_pptx_download_is_renamed_and_its_properties_emptied(client, submission, files, blind, jurors):
    client.force_login(jurors[0])

    response, data = download(client, files["pptx"])

    assert filename(response) == "Document 2 - presentation.pptx"
    deck = pptx.Presentation(io.BytesIO(data))
    assert (deck.core_properties.author, deck.core_properties.last_modified_by, deck.core_properties.title) == (
        "",
        "",
        "",
    )
    assert deck.slides[0].shapes.title.text == "Les coupures d'Internet"
    assert leaks(zip_text(data)) == []


def test_blind_pdf_download_is_renamed_and_has_no_metadata(client, submission, files, blind, jurors):
    client.force_login(jurors[0])

    response, data = download(client, files["pdf"])

    assert filename(response) == "Document 2 - attachment 2.pdf"
    reader = pypdf.PdfReader(io.BytesIO(data))
    metadata = reader.metadata or {}
    assert not {"/Author", "/Creator", "/Title", "/Producer"} & set(metadata)
    assert "/Metadata" not in reader.root_object
    assert len(reader.pages) == 1
    assert b"Traor" not in data and b"Keita" not in data


def test_organisers_download_the_original_file(client, submission, files, blind, organiser):
    client.force_login(organiser)

    response, data = download(client, files["docx"])

    assert filename(response) == "Annexe Sékou Keita.docx"
    assert docx.Document(io.BytesIO(data)).core_properties.author == "Awa Traoré"


def test_files_of_another_group_are_not_found_with_a_guessed_id(client, submission, files, submissions, jurors):
    other = submissions["gouvernement"].group
    client.force_login(jurors[0])

    response = client.get(reverse("submissions:review_file", args=[other.edition.slug, other.pk, files["docx"].pk]))

    assert response.status_code == 404


def test_a_conflicted_juror_cannot_download(client, submission, files, jurors):
    from submissions.models import ConflictOfInterest

    ConflictOfInterest.objects.create(juror=jurors[0], group=submission.group, kind="personal", status="declared")
    client.force_login(jurors[0])

    assert client.get(file_url(files["docx"])).status_code == 404


# ---------------------------------------------------------------------------
# Images in the submitted text
# ---------------------------------------------------------------------------
def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (8, 6), "blue")
    exif = Image.Exif()
    exif[0x013B] = "Awa Traoré"  # Artist
    exif[0x8298] = "Secteur privé A"  # Copyright
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


@pytest.fixture
def image_in_text(submission):
    data = jpeg_with_exif()
    image = GroupFile(group=submission.group, role=GroupFile.Role.IMAGE, display_name="Photo Awa Traoré.jpg",
                      content_type="image/jpeg", size=len(data))  # fmt: skip
    image.file.save("upload.jpg", ContentFile(data), save=False)
    image.save()
    src = reverse("submissions:group_file", args=[submission.group.edition.slug, submission.group.pk, image.pk])
    section = submission.sections.get(position=1)
    section.html += f'<p><img src="{src}" alt="Carte"></p>'
    section.save()
    return image


def test_images_of_the_text_are_served_to_the_jury_without_their_metadata(
    client, submission, image_in_text, blind, jurors
):
    group = submission.group
    jury_src = reverse("submissions:review_image", args=[group.edition.slug, group.pk, image_in_text.pk])
    client.force_login(jurors[0])

    html = client.get(review_url(group)).content.decode()
    response = client.get(jury_src)

    assert f'<img src="{jury_src}" alt="Carte">' in html
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline") and "Awa" not in response["Content-Disposition"]
    data = response.content
    assert b"Traor" not in data and b"Secteur" not in data
    with Image.open(io.BytesIO(data)) as served:
        assert served.size == (8, 6) and not served.getexif()


def test_without_blind_review_the_image_is_served_as_stored(client, submission, image_in_text, jurors):
    group = submission.group
    client.force_login(jurors[0])

    response = client.get(reverse("submissions:review_image", args=[group.edition.slug, group.pk, image_in_text.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == jpeg_with_exif()


def test_an_image_the_submitted_text_does_not_show_is_not_served(client, submission, image_in_text, jurors):
    group = submission.group
    submission.sections.filter(position=1).update(html="<p>Plus d'image.</p>")
    client.force_login(jurors[0])

    response = client.get(reverse("submissions:review_image", args=[group.edition.slug, group.pk, image_in_text.pk]))

    assert response.status_code == 404
