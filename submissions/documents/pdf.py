"""The group's document as PDF (fpdf2, DejaVu fonts so é œ ’ ɛ ɔ ɲ print).

fpdf2 raises on a few layouts (a table row taller than a page, a column narrower than one letter): tables are
measured first and printed as lines of text when they would not fit, so no section HTML can break the export.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from io import BytesIO
from pathlib import Path

from django.utils.translation import gettext as _
from fpdf import FPDF, FontFace
from fpdf.errors import FPDFException

from .content import (
    Block,
    DocumentContent,
    Heading,
    Image,
    ListItem,
    Paragraph,
    Run,
    Runs,
    Table,
    TableCell,
    clean_text,
    is_external_href,
    parse_html,
    runs_text,
    table_grid,
)
from .images import ImageLoader, load_image
from .labels import metadata_lines, missing_image, running_header

logger = logging.getLogger(__name__)
# fontTools logs every step of font subsetting at INFO: each PDF would add ~40 lines to a worker's log.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FAMILY = "DejaVu"
FONT_FILES = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "I": "DejaVuSans-Oblique.ttf",
    "BI": "DejaVuSans-BoldOblique.ttf",
}

BODY_SIZE = 10.5
LINE = 5.4  # mm, body line height
TABLE_SIZE = 9
TABLE_LINE = 4.6
HEADING_SIZES = {1: 16, 2: 13.5, 3: 12, 4: 11}
LIST_INDENT = 6.5  # mm per level
MAX_INDENT_LEVELS = 5
MIN_COLUMN_WIDTH = 14  # mm: narrower and a table becomes lines of text
TOC_LINE = 7
TOC_TITLE = 9
GREY = (100, 100, 100)
LINK_BLUE = (5, 99, 193)
TITLE_BLUE = (31, 56, 100)


def build_pdf(content: DocumentContent, image_loader: ImageLoader | None) -> bytes:
    """The document as PDF: title page with table of contents, one titled part per section, page numbers."""
    try:
        return _render(content, image_loader, with_toc=True)
    except FPDFException:  # the table of contents did not fill its reserved pages exactly
        logger.warning("PDF table of contents failed; rendering without it", exc_info=True)
        return _render(content, image_loader, with_toc=False)


def _render(content: DocumentContent, image_loader: ImageLoader | None, *, with_toc: bool) -> bytes:
    pdf = DocumentPDF(running_header(content), clean_text(content.group_name))
    pdf.set_title(clean_text(content.assignment_title))
    pdf.set_author(clean_text(content.school_name))
    pdf.set_subject(clean_text(f"{content.group_name} — {content.stakeholder}"))
    pdf.set_creator("MaliSIG")
    pdf.set_creation_date(content.generated_at)
    pdf.add_page()
    renderer = Renderer(pdf, image_loader)
    renderer.title_page(content)
    titles = [clean_text(section.title) for section in content.sections]
    if titles and with_toc:
        renderer.toc_placeholder(len(titles))
    for title, section in zip(titles, content.sections, strict=True):
        renderer.section_title(title)
        renderer.blocks(parse_html(section.html))
    return bytes(pdf.output())


class DocumentPDF(FPDF):
    """A4 pages with a running header (from page 2) and a footer with page numbers; the proceedings use it too."""

    def __init__(self, header_text: str, footer_text: str) -> None:
        super().__init__(format="A4", unit="mm")
        for style, filename in FONT_FILES.items():
            self.add_font(FAMILY, style, str(FONT_DIR / filename))
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(True, margin=18)
        self.header_text = header_text
        self.footer_text = footer_text
        self.alias_nb_pages()

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*GREY)
        self.set_y(9)
        self.cell(0, 4, fit_text(self, self.header_text, self.epw), align="L")
        self.set_text_color(0)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*GREY)
        page = _("Page %(page)s of %(total)s") % {"page": self.page_no(), "total": "{nb}"}
        page_width = self.get_string_width(page) + 2
        self.cell(self.epw - page_width, 4, fit_text(self, self.footer_text, self.epw - page_width - 4), align="L")
        self.cell(page_width, 4, page, align="R")
        self.set_text_color(0)


def fit_text(pdf: FPDF, text: str, width: float) -> str:
    """`text` cut with an ellipsis to fit on one line of `width` mm in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if pdf.get_string_width(text[:middle].rstrip() + "…") <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


class Renderer:
    """Writes a document's parts and blocks on a DocumentPDF; `image_loader` may be swapped between documents."""

    def __init__(self, pdf: DocumentPDF, image_loader: ImageLoader | None) -> None:
        self.pdf = pdf
        self.image_loader = image_loader
        self.base_margin = pdf.l_margin

    # -- document parts

    def title_page(self, content: DocumentContent) -> None:
        pdf = self.pdf
        pdf.set_font(FAMILY, "", 10)
        pdf.set_text_color(*GREY)
        pdf.multi_cell(0, 5, running_header(content), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(14)
        pdf.set_font(FAMILY, "B", 22)
        pdf.set_text_color(*TITLE_BLUE)
        pdf.multi_cell(0, 10, clean_text(content.assignment_title) or "—", align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        pdf.set_text_color(0)
        pdf.set_font(FAMILY, "", 11)
        for line in metadata_lines(content):
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(10)

    def toc_placeholder(self, entries: int) -> None:
        """Reserve exactly the pages `_render_toc` will fill (fpdf2 numbers pages wrongly if the ToC overflows)."""
        pdf = self.pdf
        if pdf.page_break_trigger - pdf.y < TOC_TITLE + TOC_LINE:
            pdf.add_page()
        first_page = math.floor((pdf.page_break_trigger - pdf.y - TOC_TITLE) / TOC_LINE + 1e-6)
        per_page = math.floor((pdf.page_break_trigger - pdf.t_margin) / TOC_LINE + 1e-6)
        pages = 1 + max(0, math.ceil((entries - first_page) / per_page))
        pdf.insert_toc_placeholder(_render_toc, pages=pages)

    def section_title(self, title: str, level: int = 0) -> None:
        """A titled part; `level` is its depth in the outline (0: listed in the table of contents)."""
        pdf = self.pdf
        if pdf.will_page_break(30):
            pdf.add_page()
        else:
            pdf.ln(4)
        pdf.start_section(title or "—", level=level, strict=False)
        pdf.set_font(FAMILY, "B", HEADING_SIZES[1])
        pdf.set_text_color(*TITLE_BLUE)
        pdf.multi_cell(0, 8, title or "—", align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
        pdf.ln(2)

    # -- blocks

    def blocks(self, blocks: list[Block]) -> None:
        for block in blocks:
            if isinstance(block, Heading):
                self.heading(block)
            elif isinstance(block, Paragraph):
                self.paragraph(block)
            elif isinstance(block, ListItem):
                self.list_item(block)
            elif isinstance(block, Table):
                self.table(block)
            elif isinstance(block, Image):
                self.image(block)

    def heading(self, block: Heading) -> None:
        pdf = self.pdf
        if pdf.will_page_break(22):
            pdf.add_page()
        else:
            pdf.ln(2)
        if block.level == 2:
            pdf.start_section(clean_text(runs_text(block.runs))[:200] or "—", level=1, strict=False)
        size = HEADING_SIZES.get(block.level, BODY_SIZE)
        self.write_runs(block.runs, size=size, line=size * 0.5, base_style="B" if block.level < 4 else "BI")
        pdf.ln(size * 0.5 + 1.5)

    def paragraph(self, block: Paragraph) -> None:
        pdf = self.pdf
        start_page, start_y = pdf.page, pdf.y
        if block.quote:
            self._indent(LIST_INDENT * 1.5)
            pdf.set_text_color(*GREY)
        self.write_runs(block.runs)
        if block.quote and pdf.page == start_page:  # a rule in the margin marks the quotation
            pdf.set_draw_color(*GREY)
            pdf.line(pdf.l_margin - 4, start_y + 0.5, pdf.l_margin - 4, pdf.y + LINE - 0.5)
            pdf.set_draw_color(0)
        pdf.set_text_color(0)
        self._indent(0)
        pdf.ln(LINE + 1.8)

    def list_item(self, item: ListItem) -> None:
        pdf = self.pdf
        level = min(item.level, MAX_INDENT_LEVELS)
        self._indent(level * LIST_INDENT)
        if not item.continued:
            pdf.set_font(FAMILY, "", BODY_SIZE)
            marker = f"{item.number}." if item.ordered else ("•", "◦", "▪")[(level - 1) % 3]
            marker_width = max(LIST_INDENT, pdf.get_string_width(marker) + 1.5)
            pdf.set_x(pdf.l_margin - marker_width)
            pdf.cell(marker_width - 1.5, LINE, marker, align="R")
            pdf.set_x(pdf.l_margin)
        self.write_runs(item.runs)
        self._indent(0)
        pdf.ln(LINE + 0.8)

    def image(self, block: Image) -> None:
        pdf = self.pdf
        loaded = load_image(self.image_loader, block.src)
        if loaded is None:
            text = missing_image(block.alt)
            if text:
                self.paragraph(Paragraph((Run(text, italic=True),)))
            return
        width, height = loaded.fit(pdf.epw / 25.4, pdf.eph * 0.75 / 25.4)
        width, height = width * 25.4, height * 25.4
        if pdf.will_page_break(height + 2):
            pdf.add_page()
        pdf.image(BytesIO(loaded.data), x=pdf.l_margin + (pdf.epw - width) / 2, w=width, h=height, alt_text=block.alt)
        pdf.ln(1.5)
        if block.alt:
            pdf.set_font(FAMILY, "I", 9)
            pdf.set_text_color(*GREY)
            pdf.multi_cell(0, 4.5, block.alt, align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0)
        pdf.ln(3)

    def table(self, block: Table) -> None:
        pdf = self.pdf
        rows = self._table_rows(block)
        if not rows:
            return
        if not self._table_fits(rows):
            self._table_as_text(block)
            return
        header = all(cell.header for cell in block.rows[0]) and len(rows) > 1
        pdf.set_font(FAMILY, "", TABLE_SIZE)
        pdf.set_text_color(0)
        start_page, start_y = pdf.page, pdf.y
        try:
            with pdf.table(
                first_row_as_headings=header,
                line_height=TABLE_LINE,
                text_align="LEFT",
                width=pdf.epw,
                padding=1.2,
                headings_style=FontFace(emphasis="BOLD", fill_color=(217, 226, 243)),
            ) as table:
                for cells in rows:
                    row = table.row()
                    for text, colspan, is_header in cells:
                        style = FontFace(emphasis="BOLD", fill_color=(217, 226, 243)) if is_header else None
                        row.cell(text, colspan=colspan, style=style)
        except (FPDFException, ValueError):
            logger.warning("Table did not fit in the PDF; printed as text", exc_info=True)
            if pdf.page == start_page:
                pdf.set_y(start_y)
            self._table_as_text(block)
            return
        pdf.ln(4)

    @staticmethod
    def _table_rows(block: Table) -> list[list[tuple[str, int, bool]]]:
        """Rows padded to the full width; rowspans are dropped (each cell stays in its own row)."""
        columns, placed = table_grid(Table(tuple(tuple(_no_rowspan(cell) for cell in row) for row in block.rows)))
        rows: list[list[tuple[str, int, bool]]] = [[] for _ in block.rows]
        used = [0] * len(block.rows)
        for row, _column, _rowspan, colspan, cell in placed:
            rows[row].append((runs_text(cell.runs), colspan, cell.header))
            used[row] += colspan
        for row, cells in enumerate(rows):
            if used[row] < columns:
                cells.append(("", columns - used[row], False))
        return [cells for cells in rows if cells] if columns else []

    def _table_fits(self, rows: list[list[tuple[str, int, bool]]]) -> bool:
        pdf = self.pdf
        columns = sum(colspan for _, colspan, _ in rows[0])
        column_width = pdf.epw / columns
        if column_width < MIN_COLUMN_WIDTH:
            return False
        pdf.set_font(FAMILY, "B", TABLE_SIZE)  # bold is the wider of the two
        try:
            for cells in rows:
                for text, colspan, _header in cells:
                    lines = pdf.multi_cell(
                        column_width * colspan - 2.4, TABLE_LINE, text, dry_run=True, output="LINES", padding=0
                    )
                    if len(lines) * TABLE_LINE + 3 > pdf.eph * 0.8:
                        return False
        except (FPDFException, ValueError):
            return False
        return True

    def _table_as_text(self, block: Table) -> None:
        for row in block.rows:
            runs: list[Run] = []
            for index, cell in enumerate(row):
                if index:
                    runs.append(Run(" | "))
                runs.extend(Run(run.text, bold=cell.header or run.bold, italic=run.italic) for run in cell.runs)
            self.write_runs(tuple(runs), size=TABLE_SIZE, line=TABLE_LINE)
            self.pdf.ln(TABLE_LINE + 1)
        self.pdf.ln(3)

    # -- inline

    def write_runs(self, runs: Runs, *, size: float = BODY_SIZE, line: float = LINE, base_style: str = "") -> None:
        pdf = self.pdf
        for run in runs:
            style = base_style
            style += "B" if run.bold and "B" not in style else ""
            style += "I" if run.italic and "I" not in style else ""
            link = run.href if is_external_href(run.href) else ""
            style += "U" if run.underline or link else ""
            style += "S" if run.strike else ""
            pdf.set_font(FAMILY, style, size)
            if link:
                pdf.set_text_color(*LINK_BLUE)
            pdf.write(line, run.text, link=link)
            if link:
                pdf.set_text_color(0)

    def _indent(self, width: float) -> None:
        self.pdf.set_left_margin(self.base_margin + width)
        self.pdf.set_x(self.pdf.l_margin)


def _no_rowspan(cell: TableCell) -> TableCell:
    return replace(cell, rowspan=1) if cell.rowspan > 1 else cell


def _render_toc(pdf: FPDF, outline) -> None:
    pdf.set_x(pdf.l_margin)
    pdf.set_font(FAMILY, "B", 13)
    pdf.set_text_color(*TITLE_BLUE)
    pdf.cell(0, TOC_TITLE, _("Table of contents"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.set_font(FAMILY, "", 11)
    for entry in outline:
        if entry.level > 0:
            continue
        link = pdf.add_link(page=entry.page_number)
        number = str(entry.page_number)
        number_width = pdf.get_string_width(number) + 4
        pdf.cell(pdf.epw - number_width, TOC_LINE, fit_text(pdf, entry.name, pdf.epw - number_width - 2), link=link)
        pdf.cell(number_width, TOC_LINE, number, align="R", link=link, new_x="LMARGIN", new_y="NEXT")
