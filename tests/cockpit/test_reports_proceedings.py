"""The proceedings' content, read back from the PDF and the DOCX."""

from io import BytesIO

import pytest
from docx import Document
from pypdf import PdfReader

from cockpit.services.reports import build_proceedings
from cohorts.models import Edition, Sponsor
from submissions.models import NameConsent

from ..factories import EditionFactory
from .reports_fixtures import CONCEPT_NOTE, QUESTIONS, add_image, docx_text, docx_xml, pdf_text, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

PUBLISHED_IN_ORDER = ["Texte publié de Zoulou", "Texte publié de Mango", "Texte publié de Alpha"]


def positions(text: str, markers: list[str]) -> list[int]:
    return [text.index(marker) for marker in markers]


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_proceedings_print_concept_note_assignment_and_questions(world, fmt):
    data = build_proceedings(world.edition, fmt, "fr")

    text = pdf_text(data) if fmt == "pdf" else docx_text(data)
    assert "forme une masse critique de jeunes" in text
    assert "Énoncé des travaux pratiques" in text
    assert "Énoncé du problème." in text
    for question in QUESTIONS:
        assert question in text
    assert world.edition.theme in text
    assert "2023" in text


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_proceedings_print_published_documents_in_stakeholder_order(world, fmt):
    data = build_proceedings(world.edition, fmt, "fr")

    text = pdf_text(data) if fmt == "pdf" else docx_text(data)
    found = positions(text, PUBLISHED_IN_ORDER)
    assert found == sorted(found)  # Gouvernement, Secteur privé, Société civile: not the groups' names' order
    for name in ("Gouvernement — Zoulou", "Secteur privé — Mango", "Société civile — Alpha"):
        assert name in text
    assert "Partie 2 de Alpha" in text


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_proceedings_leave_out_unpublished_documents_and_older_versions(world, fmt):
    data = build_proceedings(world.edition, fmt, "fr")

    text = pdf_text(data) if fmt == "pdf" else docx_text(data)
    assert "Bravo" not in text  # accepted, not published
    assert "Ancienne version de Zoulou" not in text  # the published snapshot only


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_proceedings_name_only_the_members_who_consented(world, fmt):
    data = build_proceedings(world.edition, fmt, "fr")

    text = pdf_text(data) if fmt == "pdf" else docx_text(data)
    assert "Awa Traoré" in text
    assert "Moussa" not in text  # refused
    assert "Fanta" not in text  # never answered


def test_proceedings_follow_a_withdrawn_consent(world):
    NameConsent.objects.filter(user__first_name="Awa").update(publish_name=False)

    text = pdf_text(build_proceedings(world.edition, "pdf", "fr"))

    assert "Awa" not in text


def test_pdf_has_a_table_of_contents_with_page_numbers(world):
    reader = PdfReader(BytesIO(build_proceedings(world.edition, "pdf", "fr")))

    contents = reader.pages[1].extract_text()
    assert "Table des matières" in contents
    entries = ["Note conceptuelle", "Gouvernement — Zoulou", "Secteur privé — Mango", "Société civile — Alpha"]
    found = positions(contents, entries)
    assert found == sorted(found)
    for line in contents.splitlines():
        if line.startswith("Gouvernement — Zoulou"):
            page = int(line.rsplit(" ", 1)[1])
            assert "Texte publié de Zoulou" in reader.pages[page - 1].extract_text()
    assert [item.title for item in reader.outline if not isinstance(item, list)][:2] == [
        "Note conceptuelle",
        "Sujet\u00a0: Énoncé des travaux pratiques",
    ]


def test_docx_has_a_toc_field_heading_styles_and_the_list_of_documents(world):
    data = build_proceedings(world.edition, "docx", "fr")

    xml = docx_xml(data)
    assert 'TOC \\o "1-2"' in xml
    document = Document(BytesIO(data))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    level_one = [text for style, text in headings if style == "Heading 1"]
    assert level_one[0] == "Note conceptuelle"
    assert level_one[2:] == ["Gouvernement — Zoulou", "Secteur privé — Mango", "Société civile — Alpha"]
    assert ("Heading 2", "Partie 1 de Zoulou") in headings
    assert ("Heading 3", "Sous-titre Zoulou") in headings  # the group's own headings sit under its sections
    listed = [p.text for p in document.paragraphs if p.style.name == "List Number"]
    assert listed[:3] == ["Gouvernement — Zoulou", "Secteur privé — Mango", "Société civile — Alpha"]


def test_proceedings_in_english_use_the_english_names(world):
    text = docx_text(build_proceedings(world.edition, "docx", "en"))

    assert "Government — Zoulou" in text
    assert "Question 1 (en)" in text
    assert "Practical work" in text


def test_images_of_published_documents_are_embedded(world):
    add_image(world.submissions["Mango"])

    pdf = PdfReader(BytesIO(build_proceedings(world.edition, "pdf", "fr")))
    docx = Document(BytesIO(build_proceedings(world.edition, "docx", "fr")))

    assert sum(len(page.images) for page in pdf.pages) == 1
    assert len(docx.inline_shapes) == 1


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_an_edition_without_assignment_nor_publication_still_builds(db, fmt):
    edition = EditionFactory(slug="vide", title="Édition vide", status=Edition.Status.RUNNING)

    data = build_proceedings(edition, fmt, "fr")

    text = pdf_text(data) if fmt == "pdf" else docx_text(data)
    assert "Édition vide" in text
    assert CONCEPT_NOTE not in text


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_proceedings_thank_the_sponsors_on_the_cover(world, fmt):
    Sponsor.objects.create(edition=world.edition, name="Smart Africa")

    data = build_proceedings(world.edition, fmt, "en")

    text = pdf_text(data) if fmt == "pdf" else docx_text(data)
    assert "With the support of: Smart Africa" in text
