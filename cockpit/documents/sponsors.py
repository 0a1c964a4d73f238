"""The report for an edition's sponsors as PDF and DOCX: key figures (the participants' funnel), charts, the groups
and their results.

Pure: no database. The PDF draws the cockpit's SVG charts (fpdf2 reads SVG); the DOCX gives each chart's figures as
a table (Word has no SVG renderer we can count on). Words in the active language (the caller overrides it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH

from submissions.documents.content import DocumentContent, clean_text
from submissions.documents.docx import new_document, save
from submissions.documents.labels import format_datetime
from submissions.documents.pdf import FAMILY, GREY, TITLE_BLUE, DocumentPDF, fit_text

from ..charts import bar_chart_svg, format_value

_SVG_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)
_SVG_FONT = re.compile(r'font-family="[^"]*"')
TABLE_FILL = (217, 226, 243)


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart: (label, value) items, an optional note after each value (e.g. "80 %")."""

    title: str
    items: list[tuple[str, float]]
    notes: list[str] | None = None
    maximum: float | None = None
    unit: str = ""


@dataclass(frozen=True)
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    empty: str = "—"


@dataclass(frozen=True)
class SponsorReport:
    school_name: str
    edition_title: str
    theme: str
    year: int | None
    sponsors: list[str]
    headline: list[tuple[str, str]]  # (label, value) key figures
    charts: list[Chart]
    tables: list[Table]  # the funnel, the groups, the results...
    notes: list[str]  # paragraphs after the tables (e.g. "results not released yet")
    generated_at: datetime


def report_title() -> str:
    return _("Report for sponsors")


def _svg_for_pdf(chart: Chart) -> bytes:
    """The cockpit's SVG chart, in the PDF's font (fpdf2 would use a core font without "…"), without <title>s
    (fpdf2 ignores them, noisily)."""
    svg = str(bar_chart_svg(chart.items, title=chart.title, unit=chart.unit, maximum=chart.maximum, notes=chart.notes))
    svg = _SVG_TITLE.sub("", svg)
    svg = _SVG_FONT.sub(f'font-family="{FAMILY}"', svg)
    return svg.encode()


# ---------------------------------------------------------------------------------------------------------------------
# PDF


def build_sponsor_pdf(report: SponsorReport) -> bytes:
    header = " · ".join(part for part in (clean_text(report.school_name), clean_text(report.edition_title)) if part)
    pdf = DocumentPDF(header, f"{clean_text(report.edition_title)} · {report_title()}")
    pdf.set_title(clean_text(f"{report_title()} — {report.edition_title}"))
    pdf.set_author(clean_text(report.school_name))
    pdf.set_creator("MaliSIG")
    pdf.set_creation_date(report.generated_at)
    pdf.add_page()
    _pdf_cover(pdf, report)
    if report.headline:
        _pdf_heading(pdf, _("Key figures"))
        for label, value in report.headline:
            pdf.set_font(FAMILY, "", 11)
            pdf.cell(pdf.epw * 0.7, 7, fit_text(pdf, label, pdf.epw * 0.7 - 2))
            pdf.set_font(FAMILY, "B", 11)
            pdf.cell(pdf.epw * 0.3, 7, value, align="R", new_x="LMARGIN", new_y="NEXT")
    for chart in report.charts:
        _pdf_heading(pdf, chart.title, new_page_if=80)
        pdf.image(BytesIO(_svg_for_pdf(chart)), x=pdf.l_margin, w=pdf.epw)
        pdf.ln(4)
    for table in report.tables:
        _pdf_heading(pdf, table.title, new_page_if=40)
        _pdf_table(pdf, table)
    for paragraph in report.notes:
        pdf.set_font(FAMILY, "I", 10.5)
        pdf.multi_cell(0, 5.5, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    return bytes(pdf.output())


def _pdf_cover(pdf: DocumentPDF, report: SponsorReport) -> None:
    pdf.set_font(FAMILY, "", 12)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, 6, clean_text(report.school_name) or "—", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(20)
    pdf.set_text_color(*TITLE_BLUE)
    pdf.set_font(FAMILY, "B", 26)
    pdf.multi_cell(0, 12, report_title(), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "B", 18)
    pdf.multi_cell(0, 9, clean_text(report.edition_title) or "—", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.set_font(FAMILY, "", 12)
    for line in _cover_lines(report):
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)


def _pdf_heading(pdf: DocumentPDF, text: str, *, new_page_if: float = 30) -> None:
    if pdf.will_page_break(new_page_if):
        pdf.add_page()
    else:
        pdf.ln(4)
    pdf.start_section(clean_text(text) or "—", level=0, strict=False)
    pdf.set_font(FAMILY, "B", 14)
    pdf.set_text_color(*TITLE_BLUE)
    pdf.multi_cell(0, 8, clean_text(text) or "—", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.ln(1)


def _pdf_table(pdf: DocumentPDF, table: Table) -> None:
    pdf.set_font(FAMILY, "", 9.5)
    if not table.rows:
        pdf.set_font(FAMILY, "I", 10)
        pdf.multi_cell(0, 5.5, table.empty, new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(
        first_row_as_headings=True,
        line_height=5,
        text_align="LEFT",
        width=pdf.epw,
        padding=1.2,
    ) as grid:
        row = grid.row()
        for cell in table.header:
            row.cell(cell)
        for cells in table.rows:
            row = grid.row()
            for cell in cells:
                row.cell(clean_text(cell))
    pdf.ln(3)


def _cover_lines(report: SponsorReport) -> list[str]:
    lines = [clean_text(report.theme)] if clean_text(report.theme) else []
    if report.year:
        lines.append(str(report.year))
    if report.sponsors:
        lines.append(_("With the support of: %(sponsors)s") % {"sponsors": ", ".join(report.sponsors)})
    lines.append(_("Generated on %(date)s") % {"date": format_datetime(report.generated_at)})
    return lines


# ---------------------------------------------------------------------------------------------------------------------
# DOCX


def build_sponsor_docx(report: SponsorReport) -> bytes:
    header = DocumentContent(
        edition_title=report.edition_title,
        school_name=report.school_name,
        assignment_title=f"{report_title()} — {report.edition_title}",
        group_name=f"{clean_text(report.edition_title)} · {report_title()}",
        stakeholder="",
        members=None,
        sections=[],
        generated_at=report.generated_at,
    )
    document = new_document(header)
    document.core_properties.subject = report_title()
    document.add_paragraph(clean_text(report.school_name), style="Subtitle")
    document.add_paragraph(report_title(), style="Title")
    document.add_paragraph(clean_text(report.edition_title), style="Subtitle")
    for line in _cover_lines(report):
        document.add_paragraph(line)
    if report.headline:
        document.add_paragraph(_("Key figures"), style="Heading 1")
        _docx_table(document, [_("Figure"), _("Value")], [list(pair) for pair in report.headline])
    for chart in report.charts:
        document.add_paragraph(chart.title, style="Heading 1")
        rows = [
            [label, format_value(value, chart.unit), (chart.notes[index] if chart.notes else "") or ""]
            for index, (label, value) in enumerate(chart.items)
        ]
        _docx_table(document, [_("Label"), _("Value"), _("Note")], rows)
    for table in report.tables:
        document.add_paragraph(table.title, style="Heading 1")
        if table.rows:
            _docx_table(document, table.header, table.rows)
        else:
            document.add_paragraph().add_run(table.empty).italic = True
    for paragraph in report.notes:
        document.add_paragraph().add_run(paragraph).italic = True
    return save(document)


def _docx_table(document, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    table.style = document.styles["Table Grid"]
    for index, text in enumerate(header):
        cell = table.rows[0].cells[index]
        cell.paragraphs[0].add_run(clean_text(text)).bold = True
    for row_index, cells in enumerate(rows, start=1):
        for index, text in enumerate(cells):
            paragraph = table.rows[row_index].cells[index].paragraphs[0]
            paragraph.add_run(clean_text(str(text)))
            if index and _is_number(str(text)):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph()


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[\d\s\u00a0.,%#]+", text.strip())) if text.strip() else False
