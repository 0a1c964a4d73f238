"""The group's document as a Word file (python-docx), and the block writer the offline pack shares."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from io import BytesIO

import docx
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Inches, RGBColor, Twips
from docx.text.paragraph import Paragraph as DocxParagraph

from .content import (
    Block,
    DocumentContent,
    Heading,
    Image,
    ListItem,
    Paragraph,
    Runs,
    Table,
    clean_text,
    is_external_href,
    is_safe_href,
    parse_html,
    table_grid,
)
from .images import ImageLoader, load_image
from .labels import metadata_lines, missing_image, running_header

HEADER_CELL_FILL = "D9E2F3"  # also how the offline pack tells a <th> from a <td> when reading back
MAX_LIST_LEVEL = 3  # the default template has List Bullet, List Bullet 2, List Bullet 3
LIST_INDENT_TWIPS = 360  # the list styles' text indent per level; a table or image in a list item gets the same


def build_docx(content: DocumentContent, image_loader: ImageLoader | None) -> bytes:
    """The document as .docx: running header, title page lines, then one Heading 1 per section."""
    document = new_document(content)
    document.add_paragraph(clean_text(content.assignment_title), style="Title")
    for line in metadata_lines(content):
        document.add_paragraph(line, style="Subtitle")
    writer = DocxWriter(document, image_loader)
    for section in content.sections:
        document.add_paragraph(clean_text(section.title), style="Heading 1")
        writer.add_blocks(parse_html(section.html))
    return save(document)


def new_document(content: DocumentContent) -> Document:
    """A blank A4 document with the running header, page numbers and core properties set."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2)
    section.header.paragraphs[0].text = running_header(content)
    footer = section.footer.paragraphs[0]
    footer.text = clean_text(content.group_name) + " · "
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _add_field(footer, "PAGE")
    if "Hyperlink" not in [style.name for style in document.styles]:
        link_style = document.styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
        link_style.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
        link_style.font.underline = True
    package = document.part.package
    for relationship_id, relationship in list(package.rels.items()):
        if relationship.reltype == RT.THUMBNAIL:  # the template's preview of an empty page
            package.rels.pop(relationship_id)
    properties = document.core_properties
    properties.title = clean_text(content.assignment_title)[:250]
    properties.subject = clean_text(f"{content.group_name} — {content.stakeholder}")[:250]
    properties.author = clean_text(content.school_name)[:250]
    properties.last_modified_by = properties.author
    properties.keywords = clean_text(content.edition_title)[:250]
    properties.comments = ""
    properties.revision = 1
    generated = content.generated_at
    if generated.tzinfo is not None:
        generated = generated.astimezone(UTC).replace(tzinfo=None)
    properties.created = properties.modified = generated
    return document


def save(document: Document) -> bytes:
    output = BytesIO()
    document.save(output)
    return output.getvalue()


def list_indent(level: int) -> int:
    return LIST_INDENT_TWIPS * min(level, MAX_LIST_LEVEL)


def indent_paragraph(paragraph: DocxParagraph, level: int) -> None:
    if level:
        paragraph.paragraph_format.left_indent = Twips(list_indent(level))


def _add_field(paragraph: DocxParagraph, instruction: str) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


class DocxWriter:
    """Writes blocks at the end of a document.

    `on_image(writer, image)` replaces the default picture + caption (the offline pack marks its images);
    `relative_links` keeps site paths as hyperlinks so they survive a round trip.
    """

    def __init__(
        self,
        document: Document,
        image_loader: ImageLoader | None,
        *,
        on_image: Callable[[DocxWriter, Image], None] | None = None,
        relative_links: bool = False,
    ) -> None:
        self.document = document
        self.image_loader = image_loader
        self.on_image = on_image
        self.relative_links = relative_links
        self._list_numbers: dict[tuple[int, str], int] = {}

    # -- blocks

    def add_blocks(self, blocks: list[Block]) -> None:
        for block in blocks:
            if isinstance(block, Heading):
                self.add_runs(self.document.add_paragraph(style=f"Heading {block.level}"), block.runs)
            elif isinstance(block, Paragraph):
                self.add_runs(self.document.add_paragraph(style="Quote" if block.quote else None), block.runs)
            elif isinstance(block, ListItem):
                self.add_list_item(block)
            elif isinstance(block, Table):
                self.add_table(block)
            elif isinstance(block, Image):
                if self.on_image is not None:
                    self.on_image(self, block)
                else:
                    self.add_image(block)

    def add_list_item(self, item: ListItem) -> None:
        level = min(item.level, MAX_LIST_LEVEL)
        suffix = f" {level}" if level > 1 else ""
        if item.continued:
            self.add_runs(self.document.add_paragraph(style=f"List Continue{suffix}"), item.runs)
            return
        style = ("List Number" if item.ordered else "List Bullet") + suffix
        paragraph = self.document.add_paragraph(style=style)
        num_id = self._num_id(item.list_id, style)
        if num_id is not None:
            num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
            num_pr.get_or_add_ilvl().val = 0
            num_pr.get_or_add_numId().val = num_id
        self.add_runs(paragraph, item.runs)

    def _num_id(self, list_id: int, style_name: str) -> int | None:
        """A numbering instance of its own for each list: numbers restart at 1 and lists stay apart on reading."""
        key = (list_id, style_name)
        if key not in self._list_numbers:
            style = self.document.styles[style_name]
            style_num = style.element.xpath("./w:pPr/w:numPr/w:numId/@w:val")
            if not style_num:
                return None
            numbering = self.document.part.numbering_part.element
            abstract = numbering.num_having_numId(int(style_num[0])).abstractNumId.val
            num = numbering.add_num(abstract)
            num.add_lvlOverride(ilvl=0).add_startOverride(1)
            self._list_numbers[key] = num.numId
        return self._list_numbers[key]

    def add_table(self, block: Table) -> None:
        columns, placed = table_grid(block)
        if not columns:
            return
        table = self.document.add_table(rows=len(block.rows), cols=columns)
        table.style = self.document.styles["Table Grid"]
        if block.level:
            indent = OxmlElement("w:tblInd")
            indent.set(qn("w:w"), str(list_indent(block.level)))
            indent.set(qn("w:type"), "dxa")
            table._tbl.tblPr.append(indent)
        for row_index, row in enumerate(block.rows):
            if all(cell.header for cell in row):
                tr_pr = table.rows[row_index]._tr.get_or_add_trPr()
                tr_pr.append(OxmlElement("w:tblHeader"))
        for row, column, rowspan, colspan, cell in placed:
            target = table.cell(row, column)
            if rowspan > 1 or colspan > 1:
                try:
                    target = target.merge(table.cell(row + rowspan - 1, min(column + colspan, columns) - 1))
                except Exception:  # spans that cross each other: keep the cell unmerged
                    target = table.cell(row, column)
            self.add_runs(target.paragraphs[0], cell.runs)
            if cell.header:
                shading = OxmlElement("w:shd")
                shading.set(qn("w:val"), "clear")
                shading.set(qn("w:color"), "auto")
                shading.set(qn("w:fill"), HEADER_CELL_FILL)
                target._tc.get_or_add_tcPr().append(shading)
        self.document.add_paragraph()  # Word glues consecutive tables together without one

    def add_image(self, image: Image) -> None:
        if not self.add_picture(image):
            text = missing_image(image.alt)
            if text:
                paragraph = self.document.add_paragraph()
                paragraph.add_run(text).italic = True
                indent_paragraph(paragraph, image.level)
            return
        if image.alt:
            caption = self.document.add_paragraph(image.alt, style="Caption")
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def add_picture(self, image: Image, paragraph: DocxParagraph | None = None) -> bool:
        """The picture, scaled into the text width, in `paragraph` or a new centred one; False if not loadable."""
        loaded = load_image(self.image_loader, image.src)
        if loaded is None:
            return False
        section = self.document.sections[-1]
        max_width = (section.page_width - section.left_margin - section.right_margin) / Inches(1)
        max_height = (section.page_height - section.top_margin - section.bottom_margin) / Inches(1) * 0.7
        width, height = loaded.fit(max_width, max_height)
        if paragraph is None:
            paragraph = self.document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            indent_paragraph(paragraph, image.level)
        run = paragraph.add_run()
        run.add_picture(BytesIO(loaded.data), width=Inches(width), height=Inches(height))
        for doc_pr in run._r.xpath(".//wp:docPr"):
            doc_pr.set("descr", image.alt)
        return True

    # -- inline

    def add_runs(self, paragraph: DocxParagraph, runs: Runs) -> None:
        index = 0
        while index < len(runs):
            href = runs[index].href
            group = []
            while index < len(runs) and runs[index].href == href:
                group.append(runs[index])
                index += 1
            linkable = is_safe_href(href) if self.relative_links else is_external_href(href)
            if href and linkable:
                self._add_hyperlink(paragraph, href, group)
            else:
                for run in group:
                    self._add_run(paragraph, run)

    @staticmethod
    def _add_run(paragraph: DocxParagraph, run, style: str | None = None):
        docx_run = paragraph.add_run(run.text, style=style)
        font = docx_run.font
        if run.bold:
            font.bold = True
        if run.italic:
            font.italic = True
        if run.underline:
            font.underline = True
        if run.strike:
            font.strike = True
        return docx_run

    def _add_hyperlink(self, paragraph: DocxParagraph, href: str, runs) -> None:
        relationship_id = paragraph.part.relate_to(href, RT.HYPERLINK, is_external=True)
        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), relationship_id)
        paragraph._p.append(link)
        for run in runs:
            docx_run = self._add_run(paragraph, run, style="Hyperlink")
            link.append(docx_run._r)  # moved from the paragraph into the link
