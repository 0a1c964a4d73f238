"""The edition's proceedings as one PDF and one DOCX: a cover, a table of contents, the concept note, the assignment,
then each published group document in stakeholder order (the shape of the printed booklet of an edition).

Built with the group documents' own writers (submissions.documents: `parse_html` blocks, `DocxWriter`, the PDF
`Renderer` on a `DocumentPDF`), one image loader per group document. Pure: no database; the words around the text
are in the active language (the caller wraps the call in `translation.override`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.utils.translation import gettext as _
from docx.document import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph as DocxParagraph
from fpdf.errors import FPDFException

from submissions.documents.content import (
    Block,
    DocumentContent,
    Heading,
    ListItem,
    Run,
    SectionContent,
    clean_text,
    parse_html,
)
from submissions.documents.docx import DocxWriter, new_document, save
from submissions.documents.images import ImageLoader
from submissions.documents.labels import format_datetime
from submissions.documents.pdf import FAMILY, GREY, TITLE_BLUE, DocumentPDF, Renderer

logger = logging.getLogger(__name__)

# Word fills the table of contents from these heading levels: parts (1) and the groups' sections (2).
TOC_INSTRUCTION = 'TOC \\o "1-2" \\h \\z \\u'
MAX_HEADING_LEVEL = 6


@dataclass(frozen=True)
class ProceedingsDocument:
    """One published group document: its frozen sections and only the names its members agreed to print."""

    group_name: str
    stakeholder: str
    members: list[str]
    sections: list[SectionContent]
    image_loader: ImageLoader | None = None

    @property
    def title(self) -> str:
        parts = [clean_text(self.stakeholder), clean_text(self.group_name)]
        return " — ".join(part for part in parts if part) or "—"


@dataclass(frozen=True)
class Proceedings:
    school_name: str
    edition_title: str
    theme: str
    year: int | None
    concept_note_html: str  # "" for none
    assignment_title: str  # "" when the edition has no assignment
    statement_html: str
    questions: list[str]
    documents: list[ProceedingsDocument]  # in stakeholder order
    generated_at: datetime
    sponsors: list[str] = field(default_factory=list)  # thanked on the cover, as the printed booklet does


# ---------------------------------------------------------------------------------------------------------------------
# Shared


def running_header(proceedings: Proceedings) -> str:
    parts = (clean_text(proceedings.school_name), clean_text(proceedings.edition_title))
    return " · ".join(part for part in parts if part)


def footer_text(proceedings: Proceedings) -> str:
    return f"{clean_text(proceedings.edition_title)} · {_('Proceedings')}"


def assignment_heading(proceedings: Proceedings) -> str:
    return _("Assignment: %(title)s") % {"title": clean_text(proceedings.assignment_title)}


def document_lines(document: ProceedingsDocument) -> list[str]:
    """Stakeholder, group and the consenting members, one line each, under a document's title."""
    lines = [
        _("Stakeholder: %(stakeholder)s") % {"stakeholder": clean_text(document.stakeholder)},
        _("Group: %(group)s") % {"group": clean_text(document.group_name)},
    ]
    members = [clean_text(name) for name in document.members if clean_text(name)]
    if members:
        lines.append(_("Members: %(members)s") % {"members": ", ".join(members)})
    return lines


def question_items(questions: list[str]) -> list[Block]:
    return [
        ListItem(runs=(Run(clean_text(text)),), ordered=True, level=1, number=number, list_id=-1)
        for number, text in enumerate(questions, start=1)
    ]


def shifted(blocks: list[Block]) -> list[Block]:
    """A group's headings one level down: in the proceedings its sections are level 2, under the document."""
    return [
        replace(block, level=min(block.level + 1, MAX_HEADING_LEVEL)) if isinstance(block, Heading) else block
        for block in blocks
    ]


def cover_lines(proceedings: Proceedings) -> list[str]:
    lines = [clean_text(proceedings.theme)] if clean_text(proceedings.theme) else []
    if proceedings.year:
        lines.append(str(proceedings.year))
    return lines


def support_line(proceedings: Proceedings) -> str:
    names = [clean_text(name) for name in proceedings.sponsors if clean_text(name)]
    return _("With the support of: %(sponsors)s") % {"sponsors": ", ".join(names)} if names else ""


# ---------------------------------------------------------------------------------------------------------------------
# PDF


def build_proceedings_pdf(proceedings: Proceedings) -> bytes:
    """The proceedings as PDF: cover, table of contents with page numbers, then each part from a new page."""
    try:
        return _render_pdf(proceedings, with_toc=True)
    except FPDFException:  # the table of contents did not fill its reserved pages exactly
        logger.warning("Proceedings: PDF table of contents failed; rendering without it", exc_info=True)
        return _render_pdf(proceedings, with_toc=False)


def _render_pdf(proceedings: Proceedings, *, with_toc: bool) -> bytes:
    pdf = DocumentPDF(running_header(proceedings), footer_text(proceedings))
    pdf.set_title(clean_text(f"{_('Proceedings')} — {proceedings.edition_title}"))
    pdf.set_author(clean_text(proceedings.school_name))
    pdf.set_subject(clean_text(proceedings.theme or proceedings.edition_title))
    pdf.set_creator("MaliSIG")
    pdf.set_creation_date(proceedings.generated_at)
    pdf.add_page()
    renderer = Renderer(pdf, None)
    _pdf_cover(pdf, proceedings)
    parts = bool(proceedings.concept_note_html) + bool(proceedings.assignment_title) + len(proceedings.documents)
    if with_toc and parts:
        pdf.add_page()
        renderer.toc_placeholder(parts)
    if proceedings.concept_note_html:
        _pdf_part_title(pdf, _("Concept note"))
        renderer.blocks(parse_html(proceedings.concept_note_html))
    if proceedings.assignment_title:
        _pdf_part_title(pdf, assignment_heading(proceedings))
        renderer.blocks(parse_html(proceedings.statement_html))
        if proceedings.questions:
            renderer.blocks([Heading(2, (Run(_("Questions")),)), *question_items(proceedings.questions)])
    for document in proceedings.documents:
        renderer.image_loader = document.image_loader
        _pdf_part_title(pdf, document.title)
        pdf.set_font(FAMILY, "", 10.5)
        pdf.set_text_color(*GREY)
        for line in document_lines(document):
            pdf.multi_cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
        pdf.ln(4)
        for section in document.sections:
            renderer.section_title(clean_text(section.title), level=1)
            renderer.blocks(shifted(parse_html(section.html)))
    return bytes(pdf.output())


def _pdf_cover(pdf: DocumentPDF, proceedings: Proceedings) -> None:
    pdf.set_font(FAMILY, "", 12)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, 6, clean_text(proceedings.school_name) or "—", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(45)
    pdf.set_text_color(*TITLE_BLUE)
    pdf.set_font(FAMILY, "B", 30)
    pdf.multi_cell(0, 14, _("Proceedings"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FAMILY, "B", 20)
    pdf.multi_cell(0, 10, clean_text(proceedings.edition_title) or "—", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_text_color(0)
    pdf.set_font(FAMILY, "", 14)
    for line in cover_lines(proceedings):
        pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    if support_line(proceedings):
        pdf.ln(20)
        pdf.set_font(FAMILY, "I", 11)
        pdf.multi_cell(0, 6, support_line(proceedings), new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(-40)
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, 5, _("Generated on %(date)s") % {"date": format_datetime(proceedings.generated_at)})
    pdf.set_text_color(0)


def _pdf_part_title(pdf: DocumentPDF, title: str) -> None:
    """A part of the proceedings (listed in the table of contents), from a new page."""
    if pdf.y > pdf.t_margin + 1:  # the table of contents' placeholder leaves a fresh page behind it
        pdf.add_page()
    title = clean_text(title) or "—"
    pdf.start_section(title, level=0, strict=False)
    pdf.set_font(FAMILY, "B", 19)
    pdf.set_text_color(*TITLE_BLUE)
    pdf.multi_cell(0, 9.5, title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.ln(3)


# ---------------------------------------------------------------------------------------------------------------------
# DOCX


def build_proceedings_docx(proceedings: Proceedings) -> bytes:
    """The proceedings as .docx: cover, a table of contents field (Word fills it from the headings) and the list of
    the documents, then one Heading 1 per part and one Heading 2 per section of a group's document."""
    header = DocumentContent(
        edition_title=proceedings.edition_title,
        school_name=proceedings.school_name,
        assignment_title=f"{_('Proceedings')} — {proceedings.edition_title}",
        group_name=footer_text(proceedings),
        stakeholder="",
        members=None,
        sections=[],
        generated_at=proceedings.generated_at,
    )
    document = new_document(header)
    document.core_properties.subject = clean_text(proceedings.theme or proceedings.edition_title)[:250]
    _update_fields_on_open(document)

    document.add_paragraph(clean_text(proceedings.school_name), style="Subtitle")
    document.add_paragraph(clean_text(proceedings.edition_title) or "—", style="Title")
    document.add_paragraph(_("Proceedings"), style="Subtitle")
    for line in cover_lines(proceedings):
        document.add_paragraph(line)
    if support_line(proceedings):
        document.add_paragraph().add_run(support_line(proceedings)).italic = True

    contents = document.add_paragraph(_("Table of contents"), style="TOC Heading")
    contents.paragraph_format.page_break_before = True
    _add_toc_field(document.add_paragraph(), _("Right-click and choose “Update field” to fill the table of contents."))
    if proceedings.documents:
        listed = document.add_paragraph()
        listed.add_run(_("Documents in these proceedings")).bold = True
        items = [
            ListItem(runs=(Run(document_item.title),), ordered=True, level=1, number=number, list_id=-1)
            for number, document_item in enumerate(proceedings.documents, start=1)
        ]
        DocxWriter(document, None).add_blocks(items)

    if proceedings.concept_note_html:
        _docx_part_title(document, _("Concept note"))
        DocxWriter(document, None).add_blocks(parse_html(proceedings.concept_note_html))
    if proceedings.assignment_title:
        _docx_part_title(document, assignment_heading(proceedings))
        writer = DocxWriter(document, None)
        writer.add_blocks(parse_html(proceedings.statement_html))
        if proceedings.questions:
            writer.add_blocks([Heading(2, (Run(_("Questions")),)), *question_items(proceedings.questions)])
    for item in proceedings.documents:
        _docx_part_title(document, item.title)
        for line in document_lines(item):
            document.add_paragraph().add_run(line).italic = True
        for section in item.sections:
            document.add_paragraph(clean_text(section.title) or "—", style="Heading 2")
            # A writer per section: its lists' numbers restart, as in the group's own export.
            DocxWriter(document, item.image_loader).add_blocks(shifted(parse_html(section.html)))
    return save(document)


def _docx_part_title(document: Document, title: str) -> None:
    heading = document.add_paragraph(clean_text(title) or "—", style="Heading 1")
    heading.paragraph_format.page_break_before = True


def _field_char(paragraph: DocxParagraph, kind: str) -> None:
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    if kind == "begin":
        char.set(qn("w:dirty"), "true")  # Word refreshes it on opening
    paragraph.add_run()._r.append(char)


def _add_toc_field(paragraph: DocxParagraph, placeholder: str) -> None:
    """A TOC field over the heading styles; `placeholder` shows until Word (or LibreOffice) updates it."""
    _field_char(paragraph, "begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = TOC_INSTRUCTION
    paragraph.add_run()._r.append(instruction)
    _field_char(paragraph, "separate")
    paragraph.add_run(placeholder).italic = True
    _field_char(paragraph, "end")


def _update_fields_on_open(document: Document) -> None:
    setting = OxmlElement("w:updateFields")
    setting.set(qn("w:val"), "true")
    document.settings.element.append(setting)
