import copy
import zipfile
from datetime import UTC, datetime
from io import BytesIO

import docx
import pypdf
import pytest
from django.utils import translation
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage
from PIL import ImageDraw
from pptx import Presentation

from submissions.documents import (
    DocumentContent,
    OfflinePackError,
    OfflineSection,
    SectionContent,
    build_docx,
    build_offline_pack,
    build_pdf,
    build_presentation_starter,
    normalise_html,
    parse_html,
    read_offline_pack,
)
from submissions.documents.content import Heading, Image, ListItem, Paragraph, Run, Table
from submissions.documents.pptx import starter_points

INTRODUCTION = """
<p>Le secteur privé, dans le contexte de la gouvernance de l’Internet, se réfère aux entreprises à but lucratif.
Son rôle est significatif dans les aspects techniques, commerciaux et de développement.</p>
<p>En bamanankan, on dit : « Mɔgɔw bɛ ɲɔgɔn dɛmɛ » ; la solidarité œuvre aussi en ligne.</p>
"""
LEGALITY = """
<p>Le Mali ne dispose pas de lois spécifiques sur les coupures d’Internet : nous nous appuyons sur le cadre
<strong>constitutionnel</strong> général.</p>
<h3>Principes en cause</h3>
<ol><li>Ouverture et transparence</li><li>Participation de toutes les parties prenantes</li></ol>
<p>Voir le <a href="https://www.igschools.net/sig/">wiki des écoles</a> pour d’autres positions.</p>
"""
STAKES = """
<p>Les coupures entravent les opérations commerciales :</p>
<ul>
  <li>perte de <strong>chiffre d’affaires</strong>
    <ul><li>paiements mobiles bloqués</li></ul>
  </li>
  <li>atteinte à la réputation</li>
</ul>
<table>
  <thead><tr><th>Pays</th><th>Année</th><th>Durée</th></tr></thead>
  <tbody>
    <tr><td>Sénégal</td><td>2023</td><td>7 jours</td></tr>
    <tr><td>Algérie</td><td>2023</td><td>5 jours</td></tr>
  </tbody>
</table>
"""
CONSEQUENCES = """
<h2>Pertes économiques</h2>
<p>Chaque jour de coupure coûte cher à l’économie.</p>
<p><img src="/media/sections/pertes.png" alt="Argent perdu par jour de coupure"></p>
<blockquote><p>L’accès à Internet est un droit fondamental.</p></blockquote>
"""


def _chart_png() -> bytes:
    image = PILImage.new("RGB", (640, 320), "white")
    draw = ImageDraw.Draw(image)
    for index, height in enumerate((80, 200, 140, 260)):
        draw.rectangle((60 + index * 140, 300 - height, 140 + index * 140, 300), fill=(31, 56, 100))
    output = BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


CHART = _chart_png()


def image_loader(src):
    return CHART if src == "/media/sections/pertes.png" else None


def make_content(members=("Aïssata Traoré", "Sékou N'Diaye"), sections=None):
    return DocumentContent(
        edition_title="MaliSIG 2023",
        school_name="École malienne sur la gouvernance de l’Internet",
        assignment_title="Les coupures d’Internet lors des crises socio-politiques",
        group_name="Groupe Secteur privé",
        stakeholder="Secteur privé",
        members=list(members) if members is not None else None,
        sections=sections
        or [
            SectionContent("introduction", "I. Introduction", INTRODUCTION),
            SectionContent("legality", "II. Légalité et légitimité", LEGALITY),
            SectionContent("stakes", "III. Les enjeux", STAKES),
            SectionContent("consequences", "IV. Les conséquences", CONSEQUENCES),
        ],
        generated_at=datetime(2023, 11, 18, 9, 30, tzinfo=UTC),
        version_label="Version 4",
    )


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- HTML → blocks


def test_parse_html_gives_flat_blocks_with_nested_lists_tables_and_images():
    blocks = parse_html(STAKES + CONSEQUENCES)

    assert blocks[0] == Paragraph((Run("Les coupures entravent les opérations commerciales :"),))
    assert [(b.level, b.number, b.ordered) for b in blocks if isinstance(b, ListItem)] == [
        (1, 1, False),
        (2, 1, False),
        (1, 2, False),
    ]
    assert blocks[1].runs == (Run("perte de "), Run("chiffre d’affaires", bold=True))
    table = next(b for b in blocks if isinstance(b, Table))
    assert [cell.runs[0].text for cell in table.rows[0]] == ["Pays", "Année", "Durée"]
    assert all(cell.header for cell in table.rows[0]) and not any(cell.header for cell in table.rows[1])
    assert Heading(2, (Run("Pertes économiques"),)) in blocks
    assert Image("/media/sections/pertes.png", "Argent perdu par jour de coupure") in blocks


def test_parse_html_keeps_links_breaks_and_text_of_broken_markup():
    blocks = parse_html('<p>a <a href="https://x.org">lien</a><br>ligne <b>gras<p>coupé</b></p><li>seul<td>x')

    assert blocks[0].runs == (Run("a "), Run("lien", href="https://x.org"), Run("\nligne "), Run("gras", bold=True))
    assert [type(b).__name__ for b in blocks] == ["Paragraph", "Paragraph", "ListItem"]
    assert "x" in blocks[-1].runs[-1].text


def test_parse_html_drops_unsafe_links_but_keeps_their_text():
    blocks = parse_html('<p><a href="javascript:alert(1)">cliquer</a></p>')

    assert blocks == [Paragraph((Run("cliquer"),))]


@pytest.mark.parametrize(
    "html",
    [
        "<ul><li><p>a</p><p>b</p></li><li>c<ul><li>d</li></ul>e</li></ul>",
        "<ol><li>un</li></ol><ol><li>re-un</li></ol>",
        "<table><tr><th>A</th><td colspan='2'>B<br>C</td></tr></table>",
        "<blockquote><p>q1</p><p>q2</p></blockquote><h4>fin</h4>",
        "<p>x <em>y <u>z</u></em></p><p><img src='/m/a.png' alt='a'></p>",
    ],
)
def test_normalise_html_is_a_fixed_point(html):
    once = normalise_html(html)

    assert normalise_html(once) == once


# --- DOCX


def _docx_paragraphs(data):
    document = docx.Document(BytesIO(data))
    return document, [(p.style.name, p.text) for p in document.paragraphs]


def test_build_docx_writes_title_metadata_and_sections_in_order():
    data = build_docx(make_content(), image_loader)

    document, paragraphs = _docx_paragraphs(data)
    assert paragraphs[0] == ("Title", "Les coupures d’Internet lors des crises socio-politiques")
    assert ("Subtitle", "Members: Aïssata Traoré, Sékou N'Diaye") in paragraphs
    assert [text for style, text in paragraphs if style == "Heading 1"] == [
        "I. Introduction",
        "II. Légalité et légitimité",
        "III. Les enjeux",
        "IV. Les conséquences",
    ]
    texts = [text for _, text in paragraphs]
    assert (
        texts.index("II. Légalité et légitimité") < texts.index("Principes en cause") < texts.index("III. Les enjeux")
    )
    assert ("Heading 3", "Principes en cause") in paragraphs
    assert ("Heading 2", "Pertes économiques") in paragraphs
    assert ("List Number", "Ouverture et transparence") in paragraphs
    assert ("List Bullet 2", "paiements mobiles bloqués") in paragraphs
    assert ("Quote", "L’accès à Internet est un droit fondamental.") in paragraphs
    assert any("Mɔgɔw bɛ ɲɔgɔn dɛmɛ" in text for text in texts)
    assert "École malienne" in document.sections[0].header.paragraphs[0].text


def test_build_docx_has_table_cells_link_and_scaled_picture():
    data = build_docx(make_content(), image_loader)

    document = docx.Document(BytesIO(data))
    table = document.tables[0]
    assert [cell.text for cell in table.rows[0].cells] == ["Pays", "Année", "Durée"]
    assert [cell.text for cell in table.rows[1].cells] == ["Sénégal", "2023", "7 jours"]
    links = [link for p in document.paragraphs for link in p.hyperlinks]
    assert [(link.text, link.url) for link in links] == [("wiki des écoles", "https://www.igschools.net/sig/")]
    assert len(document.inline_shapes) == 1
    section = document.sections[0]
    assert document.inline_shapes[0].width <= section.page_width - section.left_margin - section.right_margin


def test_build_docx_leaves_members_out_when_anonymised():
    data = build_docx(make_content(members=None), image_loader)

    _, paragraphs = _docx_paragraphs(data)
    assert not any("Members" in text or "Aïssata" in text for _, text in paragraphs)


def test_build_docx_writes_alt_text_when_the_image_cannot_be_loaded():
    data = build_docx(make_content(), lambda src: None)

    document, paragraphs = _docx_paragraphs(data)
    assert len(document.inline_shapes) == 0
    assert ("Normal", "[Image: Argent perdu par jour de coupure]") in paragraphs


# --- PDF


def _pdf_text(data):
    reader = pypdf.PdfReader(BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_build_pdf_prints_titles_accents_and_bambara_letters():
    data = build_pdf(make_content(), image_loader)

    reader, text = _pdf_text(data)
    for title in ("I. Introduction", "II. Légalité et légitimité", "III. Les enjeux", "IV. Les conséquences"):
        assert title in text
    assert "Table of contents" in text
    assert "Mɔgɔw bɛ ɲɔgɔn dɛmɛ" in text
    assert "œuvre" in text and "Sénégal" in text and "gouvernance de l’Internet" in text
    assert "Aïssata Traoré" in text
    assert f"Page 1 of {len(reader.pages)}" in text
    assert [item.title for item in reader.outline if not isinstance(item, list)][:4] == [
        "I. Introduction",
        "II. Légalité et légitimité",
        "III. Les enjeux",
        "IV. Les conséquences",
    ]


def test_build_pdf_embeds_the_loaded_image():
    data = build_pdf(make_content(), image_loader)

    reader = pypdf.PdfReader(BytesIO(data))
    assert sum(len(page.images) for page in reader.pages) == 1


def test_build_pdf_survives_awkward_html():
    awkward = (
        "<table></table><table><tr></tr></table>"
        "<p>" + "x" * 3000 + "</p>"
        "<table><tr>" + "<td>cellule</td>" * 40 + "</tr></table>"
        "<table><tr><td>" + "très long " * 2500 + "</td><td>b</td></tr></table>"
        "<table><tr><td rowspan='3' colspan='9'>a</td></tr><tr><td>b</td></tr></table>"
        + "<ul><li>niveau" * 30
        + "</li></ul>" * 30
        + '<img src="/broken.png" alt="cassée"><img src="/raises.png"><img src="">'
    )

    def loader(src):
        if src == "/raises.png":
            raise OSError("storage down")
        return b"not an image"

    data = build_pdf(make_content(members=None, sections=[SectionContent("x", "", awkward)]), loader)

    _, text = _pdf_text(data)
    assert "cellule" in text and "niveau" in text and "[Image: cassée]" in text


# --- Presentation


def test_presentation_starter_has_a_title_slide_and_one_slide_per_section():
    data = build_presentation_starter(make_content())

    presentation = Presentation(BytesIO(data))
    slides = list(presentation.slides)
    assert len(slides) == 1 + 4
    assert slides[0].shapes.title.text == "Les coupures d’Internet lors des crises socio-politiques"
    assert "Groupe Secteur privé" in slides[0].placeholders[1].text_frame.text
    assert [slide.shapes.title.text for slide in slides[1:]] == [
        "I. Introduction",
        "II. Légalité et légitimité",
        "III. Les enjeux",
        "IV. Les conséquences",
    ]
    points = [p.text for p in slides[1].placeholders[1].text_frame.paragraphs]
    assert points[0] == (
        "Le secteur privé, dans le contexte de la gouvernance de l’Internet, se réfère aux entreprises à but lucratif."
    )
    legality = [(p.level, p.text) for p in slides[2].placeholders[1].text_frame.paragraphs]
    assert (0, "Principes en cause") in legality and (1, "Ouverture et transparence") in legality
    assert all(len(slide.placeholders[1].text_frame.paragraphs) <= 5 for slide in slides[1:])
    assert "Sénégal | 2023 | 7 jours" in slides[3].notes_slide.notes_text_frame.text


def test_presentation_points_are_first_sentences_trimmed_and_at_most_five():
    html = "<p>" + "Une phrase très longue " * 12 + ". Deuxième phrase.</p>" + "<ul><li>point</li></ul>" * 8

    points = starter_points(parse_html(html))

    assert len(points) == 5
    assert points[0][1].endswith("…") and len(points[0][1]) <= 110 and "Deuxième" not in points[0][1]
    assert points[1] == (0, "point", False)


# --- Offline pack


def _pack(content=None, versions=(3, 7, 2, 5)):
    content = content or make_content()
    meta = [OfflineSection(s.key, s.title, v) for s, v in zip(content.sections, versions, strict=True)]
    guidance = {"legality": "Question 1 : quelle est la légalité de ces coupures ?"}
    return build_offline_pack(
        content,
        meta,
        guidance,
        statement_html="<p>Prenez position sur les coupures d’Internet.</p>",
        image_loader=image_loader,
        reference="group-12",
    )


def _section_paragraphs(document, title):
    """Paragraphs of one section of a pack, after its Heading 1 and guidance notes."""
    paragraphs = document.paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.style.name == "Heading 1" and p.text == title)
    end = next((i for i, p in enumerate(paragraphs) if i > start and p.style.name == "Heading 1"), len(paragraphs))
    return [p for p in paragraphs[start + 1 : end] if p.style.name != "MaliSIG Guidance"]


def _save(document):
    output = BytesIO()
    document.save(output)
    return output.getvalue()


def test_offline_pack_untouched_comes_back_identical_and_unchanged():
    content = make_content()

    upload = read_offline_pack(_pack(content))

    assert upload.problems == []
    assert upload.reference == "group-12"
    assert [(s.key, s.base_version, s.changed) for s in upload.sections] == [
        ("introduction", 3, False),
        ("legality", 7, False),
        ("stakes", 2, False),
        ("consequences", 5, False),
    ]
    for uploaded, section in zip(upload.sections, content.sections, strict=True):
        assert uploaded.html == normalise_html(section.html)


def test_offline_pack_shows_the_assignment_guidance_and_keeps_headings_visible():
    document = docx.Document(BytesIO(_pack()))

    texts = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Normal", "Prenez position sur les coupures d’Internet.") in texts
    assert ("MaliSIG Guidance", "Question 1 : quelle est la légalité de ces coupures ?") in texts
    assert ("MaliSIG Guidance", "Version 7 of this section.") in texts
    assert [text for style, text in texts if style == "Heading 1"][1] == "II. Légalité et légitimité"


def test_offline_pack_reads_back_edits_made_in_word():
    document = docx.Document(BytesIO(_pack()))
    introduction = _section_paragraphs(document, "I. Introduction")
    introduction[0].text = "Le secteur privé est touché de plein fouet."
    stakes = _section_paragraphs(document, "III. Les enjeux")
    last_bullet = next(p for p in stakes if p.text == "atteinte à la réputation")
    new_bullet = copy.deepcopy(last_bullet._p)  # what Enter at the end of a bullet does in Word
    last_bullet._p.addnext(new_bullet)
    docx.text.paragraph.Paragraph(new_bullet, last_bullet._parent).text = "fuite des investisseurs"
    legality = _section_paragraphs(document, "II. Légalité et légitimité")
    legality[0].runs[0].bold = True
    document.paragraphs[0].text = "Titre modifié"  # outside the sections: ignored

    upload = read_offline_pack(_save(document))

    changed = {s.key: s for s in upload.sections if s.changed}
    assert set(changed) == {"introduction", "legality", "stakes"}
    assert changed["introduction"].html.startswith("<p>Le secteur privé est touché de plein fouet.</p><p>En bamanankan")
    assert "<li>atteinte à la réputation</li><li>fuite des investisseurs</li></ul>" in changed["stakes"].html
    assert changed["legality"].html.startswith(
        "<p><strong>Le Mali ne dispose pas de lois spécifiques sur les coupures d’Internet : "
        "nous nous appuyons sur le cadre constitutionnel</strong> général.</p><h3>"
    )
    assert '<a href="https://www.igschools.net/sig/">wiki des écoles</a>' in changed["legality"].html
    assert (changed["stakes"].base_version, changed["legality"].base_version) == (2, 7)
    consequences = next(s for s in upload.sections if s.key == "consequences")
    assert not consequences.changed
    assert consequences.html == normalise_html(CONSEQUENCES)
    assert '<img src="/media/sections/pertes.png" alt="Argent perdu par jour de coupure">' in consequences.html


def test_offline_pack_matches_a_retyped_heading_by_position_and_a_moved_one_by_title():
    document = docx.Document(BytesIO(_pack()))
    headings = [p for p in document.paragraphs if p.style.name == "Heading 1"]
    headings[0].text = "1. Introduction générale"  # retyped: the bookmark is gone
    headings[2].text = "III – Les enjeux"

    upload = read_offline_pack(_save(document))

    assert [s.key for s in upload.sections] == ["introduction", "legality", "stakes", "consequences"]
    assert upload.problems == []
    assert not any(s.changed for s in upload.sections)


def test_offline_pack_keeps_an_extra_heading_1_as_a_subheading_and_reports_it():
    document = docx.Document(BytesIO(_pack()))
    for paragraph in document.paragraphs:
        if paragraph.style.name == "Heading 1":
            paragraph.text = paragraph.text  # drop every bookmark
    stakes = _section_paragraphs(document, "III. Les enjeux")
    stakes[0].insert_paragraph_before("Enjeux sociaux", style="Heading 1")

    upload = read_offline_pack(_save(document))

    stakes_upload = next(s for s in upload.sections if s.key == "stakes")
    assert stakes_upload.changed and stakes_upload.html.startswith("<h2>Enjeux sociaux</h2>")
    assert len(upload.problems) == 1 and "Enjeux sociaux" in upload.problems[0]


def test_offline_pack_reports_pictures_added_in_word_and_lost_sections():
    document = docx.Document(BytesIO(_pack()))
    _section_paragraphs(document, "I. Introduction")[0].add_run().add_picture(BytesIO(CHART))
    heading = next(p for p in document.paragraphs if p.text == "IV. Les conséquences")
    heading.style = document.styles["Normal"]
    for start in heading._p.xpath(".//w:bookmarkStart"):
        start.getparent().remove(start)

    upload = read_offline_pack(_save(document))

    assert [s.key for s in upload.sections] == ["introduction", "legality", "stakes"]
    assert any("I. Introduction" in problem and "1 picture" in problem for problem in upload.problems)
    assert any("IV. Les conséquences" in problem and "not found" in problem for problem in upload.problems)
    stakes = next(s for s in upload.sections if s.key == "stakes")
    assert stakes.changed and "Les conséquences" in stakes.html  # the orphaned text joined the section before


def test_read_offline_pack_refuses_a_word_document_that_is_not_a_pack():
    document = docx.Document()
    document.add_heading("I. Introduction", level=1)
    document.add_paragraph("Un document quelconque.")

    with pytest.raises(OfflinePackError, match="not an offline pack"):
        read_offline_pack(_save(document))


@pytest.mark.parametrize("data", [b"", b"%PDF-1.7 not a zip", b"PK\x03\x04broken"])
def test_read_offline_pack_refuses_files_that_are_not_docx(data):
    with pytest.raises(OfflinePackError, match=r"\.docx"):
        read_offline_pack(data)


def test_read_offline_pack_refuses_an_odt_and_a_zip_without_word_parts():
    odt, other = BytesIO(), BytesIO()
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("hello.txt", "bonjour")

    with pytest.raises(OfflinePackError, match="OpenDocument"):
        read_offline_pack(odt.getvalue())
    with pytest.raises(OfflinePackError, match="not a Word document"):
        read_offline_pack(other.getvalue())


def test_read_offline_pack_falls_back_to_the_core_comments_when_custom_properties_are_lost():
    document = docx.Document(BytesIO(_pack()))
    package = document.part.package
    for relationship_id, relationship in list(package.rels.items()):
        if relationship.reltype == RT.CUSTOM_PROPERTIES:
            package.rels.pop(relationship_id)

    upload = read_offline_pack(_save(document))

    assert [s.base_version for s in upload.sections] == [3, 7, 2, 5]


# --- Property tests: any markup of the allowlist

_TEXT = st.text(alphabet='aé ɛɔɲœ’<&"x\n', min_size=0, max_size=12)
_INLINE_TAGS = ["strong", "b", "em", "i", "u", "s", "a"]
_BLOCK_TAGS = ["p", "h2", "h3", "h4", "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td"]


def _element(children):
    def render(tag, parts):
        attributes = ' href="https://example.org/x"' if tag == "a" else ""
        return f"<{tag}{attributes}>" + "".join(parts) + f"</{tag}>"

    return st.tuples(st.sampled_from(_INLINE_TAGS + _BLOCK_TAGS), st.lists(children, max_size=4)).map(
        lambda pair: render(*pair)
    )


_MARKUP = st.recursive(
    st.one_of(_TEXT, st.just("<br>"), st.just('<img src="/media/a.png" alt="graphe">')),
    _element,
    max_leaves=25,
).map(lambda html: html if isinstance(html, str) else "".join(html))
_PROPERTY_SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@_PROPERTY_SETTINGS
@given(html=_MARKUP)
def test_parse_html_never_fails_and_normalises_to_a_fixed_point(html):
    once = normalise_html(html)

    assert normalise_html(once) == once


@_PROPERTY_SETTINGS
@given(html=_MARKUP)
def test_builders_never_fail_on_allowlisted_markup(html):
    content = make_content(sections=[SectionContent("s", "Section", html)])

    assert build_docx(content, image_loader)[:2] == b"PK"
    assert build_pdf(content, image_loader)[:5] == b"%PDF-"
    assert build_presentation_starter(content)[:2] == b"PK"


@_PROPERTY_SETTINGS
@given(html=_MARKUP)
def test_offline_pack_round_trip_reports_untouched_sections_unchanged(html):
    content = make_content(sections=[SectionContent("s", "Section", html), SectionContent("t", "Suite", "<p>fin</p>")])

    upload = read_offline_pack(
        build_offline_pack(content, [OfflineSection("s", "Section", 1), OfflineSection("t", "Suite", 2)])
    )

    assert [(s.key, s.changed) for s in upload.sections] == [("s", False), ("t", False)]
    assert upload.sections[1].html == "<p>fin</p>"


def test_an_empty_list_between_two_bullet_lists_does_not_split_them():
    html = "<strong><ul><</ul><ol></ol><ul><</ul></strong>"

    assert normalise_html(html) == "<ul><li><strong>&lt;</strong></li><li><strong>&lt;</strong></li></ul>"
