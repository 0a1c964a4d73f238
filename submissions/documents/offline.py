"""The offline pack: the assignment and the group's current draft as a Word file to edit during a shutdown, and the
reader that turns an edited copy back into section HTML.

How a pack is recognised and read back:
- A JSON payload (section keys, titles, base versions, a fingerprint of each section, the images, the guidance
  notes) is stored twice: in a custom document property (docProps/custom.xml, as chunks under 255 characters,
  Word's limit) and in the core "comments" property. Either one is enough; Word and LibreOffice keep both.
- Each section starts at a visible "Heading 1" carrying a bookmark `malisig_s<index>`. Headings are matched to
  sections by bookmark, then by position when the remaining counts match and the order holds, then by title
  (accents, case and "II." numbering ignored). A Heading 1 matching no section becomes a subheading of the
  section before it, with a problem note.
- Guidance paragraphs (style "MaliSIG Guidance") are skipped when their text is still the one we wrote.
- Images of the draft sit in "MaliSIG Image" paragraphs captioned "[Image N]": they come back as the original
  <img>. Pictures or drawings added in Word are left out, with a problem note (the HTML has no place for bytes).
- `changed` compares each section's HTML with a fingerprint of what reading the untouched pack gives, so an
  untouched section is reported unchanged even where the Word round trip is lossy (e.g. a rowspan). For usual
  content, an untouched section's HTML is exactly `normalise_html` of the draft.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from io import BytesIO
from typing import Any

import docx
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from lxml import etree

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
    blocks_to_html,
    clean_text,
    is_safe_href,
    normalise_runs,
    parse_html,
    runs_text,
    strip_accents,
)
from .docx import HEADER_CELL_FILL, LIST_INDENT_TWIPS, MAX_LIST_LEVEL, DocxWriter, indent_paragraph, new_document, save
from .images import ImageLoader
from .labels import metadata_lines

logger = logging.getLogger(__name__)

PACK_FORMAT = "malisig-offline-pack"
PACK_VERSION = 1
GUIDANCE_STYLE = "MaliSIG Guidance"
IMAGE_STYLE = "MaliSIG Image"
BOOKMARK_PREFIX = "malisig_s"
CUSTOM_PROPERTY = "MaliSIGOfflinePack"
COMMENTS_PREFIX = "malisig-offline-pack:"
CHUNK = 240
MAX_UNCOMPRESSED = 80 * 1024 * 1024
MAX_ENTRIES = 5000
TITLE_SIMILARITY = 0.75

_CUSTOM_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
_IMAGE_CAPTION = re.compile(r"\[[^\]\d]*?(\d+)\s*\]")
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass(frozen=True)
class OfflineSection:
    key: str
    title: str
    version: int  # the section version the draft in the pack was taken from


@dataclass(frozen=True)
class UploadedSection:
    key: str
    base_version: int
    html: str  # canonical HTML of the allowlist; sanitise it like any typed text before saving
    changed: bool  # False: the group did not touch this section in Word, the caller can skip it


@dataclass(frozen=True)
class OfflineUpload:
    sections: list[UploadedSection]  # in the pack's order; sections whose heading was lost are left out
    problems: list[str]  # for the person uploading, in the active language
    reference: str = ""  # what the caller passed to build_offline_pack, e.g. to check the group


class OfflinePackError(Exception):
    """The file is not an offline pack of this platform, or cannot be read. `message` can be shown as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------------------------------------
# Building


def build_offline_pack(
    content: DocumentContent,
    sections_meta: Sequence[OfflineSection],
    guidance: Mapping[str, str] | Sequence[str] | None = None,
    *,
    statement_html: str = "",
    image_loader: ImageLoader | None = None,
    reference: str = "",
) -> bytes:
    """A .docx with the assignment (title, `statement_html`), then one Heading 1 per section of `sections_meta`
    holding the section's current draft from `content.sections` (matched by key).

    `guidance` is either per section (key → plain text, shown under the section's heading) or a list of plain-text
    notes shown once after the statement. `reference` is stored and handed back by `read_offline_pack`.
    """
    document = new_document(content)
    _add_styles(document)
    images: list[dict[str, str]] = []
    per_section = guidance if isinstance(guidance, Mapping) else {}
    general = [] if isinstance(guidance, Mapping) or guidance is None else list(guidance)

    def add_image(writer: DocxWriter, image: Image) -> None:
        images.append({"src": image.src, "alt": image.alt})
        paragraph = document.add_paragraph(style=IMAGE_STYLE)
        indent_paragraph(paragraph, image.level)
        if writer.add_picture(image, paragraph=paragraph):
            paragraph.add_run().add_break()
        label = _("Image")
        paragraph.add_run(f"[{label} {len(images)}] {image.alt}".strip())

    writer = DocxWriter(document, image_loader, on_image=add_image, relative_links=True)
    document.add_paragraph(clean_text(content.assignment_title), style="Title")
    for line in metadata_lines(content):
        document.add_paragraph(line, style="Subtitle")
    for line in _how_to():
        document.add_paragraph(line, style=GUIDANCE_STYLE)
    statement = parse_html(statement_html)
    if statement:
        document.add_paragraph(_("Assignment"), style="Heading 2")
        writer.add_blocks(statement)
    for note in general:
        _add_guidance(document, note)

    drafts = {section.key: section for section in content.sections}
    for index, meta in enumerate(sections_meta):
        heading = document.add_paragraph(clean_text(meta.title) or clean_text(meta.key), style="Heading 1")
        _add_bookmark(heading, index)
        _add_guidance(document, _("Version %(version)s of this section.") % {"version": meta.version})
        _add_guidance(document, per_section.get(meta.key, ""))
        draft = drafts.get(meta.key)
        blocks = parse_html(draft.html) if draft else []
        if blocks:
            writer.add_blocks(blocks)
        else:
            document.add_paragraph()

    payload: dict[str, Any] = {
        "format": PACK_FORMAT,
        "version": PACK_VERSION,
        "reference": reference,
        "sections": [{"key": meta.key, "title": meta.title, "version": meta.version} for meta in sections_meta],
        "images": images,
        "guidance": [],
    }
    # What reading this very file gives back is the reference for `changed`: read it once here.
    document = docx.Document(BytesIO(save(document)))
    payload["guidance"] = sorted(
        {
            _fingerprint(clean_text(paragraph.text))
            for paragraph in document.paragraphs
            if paragraph.style is not None and paragraph.style.name == GUIDANCE_STYLE
        }
    )
    section_blocks, _problems = _read_sections(document, payload)
    for index, section in enumerate(payload["sections"]):
        section["fingerprint"] = _fingerprint(blocks_to_html(section_blocks.get(index, [])))
    _write_payload(document, payload)
    return save(document)


def _how_to() -> list[str]:
    return [
        _("Write offline in this file, then upload it on the platform once you are back online."),
        _(
            "Each section starts at its title in the style “Heading 1”: keep these titles and do not add other "
            "“Heading 1” titles (use Heading 2 to 4 inside a section)."
        ),
        _("Grey notes like this one are guidance: they are not imported."),
        _("Images already in the draft stay in place. Images added in Word are not imported: add them online."),
    ]


def _add_guidance(document: Document, text: str) -> None:
    for line in (text or "").splitlines():
        if clean_text(line):
            document.add_paragraph(clean_text(line), style=GUIDANCE_STYLE)


def _add_styles(document: Document) -> None:
    styles = document.styles
    normal = styles["Normal"]
    guidance = styles.add_style(GUIDANCE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    guidance.base_style = normal
    guidance.next_paragraph_style = normal
    guidance.font.italic = True
    guidance.font.size = Pt(9.5)
    guidance.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), "EFEFEF")
    guidance.element.get_or_add_pPr().append(shading)
    image = styles.add_style(IMAGE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    image.base_style = normal
    image.next_paragraph_style = normal
    image.font.size = Pt(9)
    image.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    image.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _add_bookmark(paragraph, index: int) -> None:
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(9000 + index))
    start.set(qn("w:name"), f"{BOOKMARK_PREFIX}{index}")
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(9000 + index))
    p = paragraph._p
    p.insert(1 if p.pPr is not None else 0, start)
    p.append(end)


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _write_payload(document: Document, payload: dict) -> None:
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    # python-docx refuses core properties over 255 characters; the format has no such limit, set the element.
    document.core_properties._element._get_or_add("description").text = COMMENTS_PREFIX + text
    document.core_properties.category = "MaliSIG offline pack"
    root = etree.Element(f"{{{_CUSTOM_NS}}}Properties", nsmap={None: _CUSTOM_NS, "vt": _VT_NS})
    for number, start in enumerate(range(0, len(text), CHUNK), start=1):
        prop = etree.SubElement(root, f"{{{_CUSTOM_NS}}}property")
        prop.set("fmtid", _FMTID)
        prop.set("pid", str(number + 1))
        prop.set("name", f"{CUSTOM_PROPERTY}{number:03d}")
        etree.SubElement(prop, f"{{{_VT_NS}}}lpwstr").text = text[start : start + CHUNK]
    blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    package = document.part.package
    existing = _custom_properties_part(document)
    if existing is not None:
        existing._blob = blob
    else:
        part = Part(PackURI("/docProps/custom.xml"), _CUSTOM_CONTENT_TYPE, blob, package)
        package.relate_to(part, RT.CUSTOM_PROPERTIES)


def _custom_properties_part(document: Document) -> Part | None:
    for relationship in document.part.package.rels.values():
        if relationship.reltype == RT.CUSTOM_PROPERTIES and not relationship.is_external:
            return relationship.target_part
    return None


# ---------------------------------------------------------------------------------------------------------------------
# Reading


def read_offline_pack(data: bytes) -> OfflineUpload:
    """The sections of an edited offline pack. Raises OfflinePackError for anything that is not a readable pack."""
    document = _open(data)
    payload = _read_payload(document)
    try:
        section_blocks, problems = _read_sections(document, payload)
        sections = []
        for index, section in enumerate(payload["sections"]):
            if index in section_blocks:
                html = blocks_to_html(section_blocks[index])
                changed = _fingerprint(html) != section.get("fingerprint")
                sections.append(UploadedSection(section["key"], section["version"], html, changed))
    except Exception as error:  # a damaged pack must give the person a message, not a server error
        logger.exception("Offline pack could not be read")
        raise OfflinePackError(
            _("This offline pack could not be read. Download a new pack, copy your text into it and try again.")
        ) from error
    return OfflineUpload(sections, problems, str(payload.get("reference") or ""))


def _open(data: bytes) -> Document:
    not_docx = _("This file is not a Word document (.docx).")
    if not isinstance(data, bytes | bytearray | memoryview) or not data:
        raise OfflinePackError(not_docx)
    data = bytes(data)
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ENTRIES or sum(entry.file_size for entry in entries) > MAX_UNCOMPRESSED:
                raise OfflinePackError(_("This file is too large to be an offline pack."))
            names = {entry.filename for entry in entries}
            if "mimetype" in names and archive.read("mimetype").startswith(b"application/vnd.oasis.opendocument"):
                raise OfflinePackError(
                    _("This is an OpenDocument file (.odt). Save it in Word format (.docx) and upload it again.")
                )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise OfflinePackError(not_docx) from error
    try:
        return docx.Document(BytesIO(data))
    except Exception as error:  # python-docx raises KeyError, ValueError, lxml errors... on foreign files
        raise OfflinePackError(_("This file is not a Word document (.docx), or it is damaged.")) from error


def _read_payload(document: Document) -> dict:
    for text in (_custom_payload(document), _comments_payload(document)):
        if not text:
            continue
        try:
            payload = json.loads(text)
        except ValueError:
            continue
        if _valid_payload(payload):
            if payload["version"] > PACK_VERSION:
                raise OfflinePackError(_("This offline pack comes from a newer version of the platform."))
            return payload
    raise OfflinePackError(
        _(
            "This Word document is not an offline pack of this platform. Download the offline pack of your group, "
            "write in it and upload that file."
        )
    )


def _custom_payload(document: Document) -> str:
    part = _custom_properties_part(document)
    if part is None:
        return ""
    try:
        root = etree.fromstring(part.blob, parser=_XML_PARSER)
    except etree.XMLSyntaxError:
        return ""
    chunks = []
    for prop in root.iter(f"{{{_CUSTOM_NS}}}property"):
        name = prop.get("name") or ""
        if name.startswith(CUSTOM_PROPERTY):
            chunks.append((name, "".join(prop.itertext())))
    return "".join(text for _name, text in sorted(chunks))


def _comments_payload(document: Document) -> str:
    comments = document.core_properties.comments or ""
    return comments[len(COMMENTS_PREFIX) :] if comments.startswith(COMMENTS_PREFIX) else ""


def _valid_payload(payload: Any) -> bool:
    if not isinstance(payload, dict) or payload.get("format") != PACK_FORMAT:
        return False
    if not isinstance(payload.get("version"), int) or not isinstance(payload.get("sections"), list):
        return False
    for section in payload["sections"]:
        if not isinstance(section, dict) or not isinstance(section.get("key"), str):
            return False
        if not isinstance(section.get("version"), int) or not isinstance(section.get("title", ""), str):
            return False
    images = payload.setdefault("images", [])
    guidance = payload.setdefault("guidance", [])
    return (
        isinstance(images, list)
        and all(isinstance(image, dict) and isinstance(image.get("src"), str) for image in images)
        and isinstance(guidance, list)
    )


@dataclass(frozen=True)
class _SectionHeading:
    runs: Runs
    bookmark: int | None


@dataclass(frozen=True)
class _LeftOut:
    pictures: int


def _read_sections(document: Document, payload: dict) -> tuple[dict[int, list[Block]], list[str]]:
    """Blocks per section index of the payload, and the problems met."""
    items = _BodyReader(document, payload).read()
    sections = payload["sections"]
    headings = [item for item in items if isinstance(item, _SectionHeading)]
    matches = iter(_match_headings(headings, sections))
    problems: list[str] = []
    blocks: dict[int, list[Block]] = {}
    left_out: dict[int, int] = {}
    current: int | None = None
    for item in items:
        if isinstance(item, _SectionHeading):
            match = next(matches)
            text = clean_text(runs_text(item.runs))
            if match is not None:
                current = match
                blocks[current] = []
            elif current is not None and text:
                blocks[current].append(Heading(2, item.runs))
                problems.append(
                    _("The heading “%(heading)s” matches no section: it was kept as a subheading of “%(section)s”.")
                    % {"heading": text, "section": sections[current]["title"]}
                )
            elif text:
                problems.append(
                    _("The text under the heading “%(heading)s” was ignored: it matches no section.")
                    % {"heading": text}
                )
        elif current is None:
            continue
        elif isinstance(item, _LeftOut):
            left_out[current] = left_out.get(current, 0) + item.pictures
        else:
            blocks[current].append(item)
    for index, count in left_out.items():
        problems.append(
            ngettext(
                "Section “%(section)s”: %(count)s picture or drawing added in Word was left out; add images online.",
                "Section “%(section)s”: %(count)s pictures or drawings added in Word were left out; add images online.",
                count,
            )
            % {"section": sections[index]["title"], "count": count}
        )
    for index, section in enumerate(sections):
        if index not in blocks:
            problems.append(
                _("Section “%(section)s” was not found in the file (its title is missing): it was left unchanged.")
                % {"section": section["title"]}
            )
    return blocks, problems


def _title_key(text: str) -> str:
    text = strip_accents(text).casefold()
    text = re.sub(r"^\s*(?:[ivxlcdm]+|\d+|[a-z])\s*[.)\-–:]\s*", "", text)
    return " ".join(re.findall(r"\w+", text))


def _match_headings(headings: list[_SectionHeading], sections: list[dict]) -> list[int | None]:
    """Section index for each Heading 1: by bookmark, then position when it keeps the order, then title."""
    result: list[int | None] = [None] * len(headings)
    used: set[int] = set()
    for index, heading in enumerate(headings):
        if heading.bookmark is not None and 0 <= heading.bookmark < len(sections) and heading.bookmark not in used:
            result[index] = heading.bookmark
            used.add(heading.bookmark)
    free_headings = [index for index in range(len(headings)) if result[index] is None]
    free_sections = [index for index in range(len(sections)) if index not in used]
    if not free_headings or not free_sections:
        return result
    if len(free_headings) == len(free_sections):
        candidate = list(result)
        for heading_index, section_index in zip(free_headings, free_sections, strict=True):
            candidate[heading_index] = section_index
        if candidate == sorted(candidate):
            return candidate
    for heading_index in free_headings:
        key = _title_key(runs_text(headings[heading_index].runs))
        best, best_ratio = None, TITLE_SIMILARITY
        for section_index in free_sections:
            if section_index in used:
                continue
            ratio = SequenceMatcher(None, key, _title_key(sections[section_index].get("title", ""))).ratio()
            if ratio >= best_ratio:
                best, best_ratio = section_index, ratio
        if best is not None:
            result[heading_index] = best
            used.add(best)
    return result


@dataclass
class _OpenList:
    key: str
    ordered: bool
    list_id: int
    count: int = 0


_W_ON = {"0", "false", "off", "none"}
# Inline wrappers whose runs are shown text: insertions, moves, smart tags, simple fields, bidi.
_TRANSPARENT = frozenset(
    qn(tag) for tag in ("w:ins", "w:moveTo", "w:smartTag", "w:fldSimple", "w:customXml", "w:dir", "w:bdo")
)
_LIST_STYLE = re.compile(r"list (bullet|number|continue)(?: (\d))?")
_HEADING_STYLE = re.compile(r"heading ([1-9])")


_NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}


def _xp(element, path: str) -> list:
    """XPath with the w: prefix on any element (python-docx's own xpath only exists on the elements it knows)."""
    return etree._Element.xpath(element, path, namespaces=_NS)


def _on(element) -> bool:
    if element is None:
        return False
    value = element.get(qn("w:val"))
    return value is None or value.lower() not in _W_ON


class _BodyReader:
    """Word paragraphs and tables → our blocks, section headings and left-out pictures, in document order."""

    def __init__(self, document: Document, payload: dict) -> None:
        self.part = document.part
        self.styles: dict[str, tuple[str, Any]] = {}
        for style in document.styles:
            try:
                self.styles[style.style_id] = ((style.name or "").lower(), style)
            except Exception:  # a style element python-docx cannot read: its paragraphs read as Normal
                logger.info("Unreadable style in an offline pack", exc_info=True)
        self.numbering = self._numbering_formats(document)
        self.guidance = set(payload.get("guidance", []))
        self.images = payload.get("images", [])
        self.items: list[Block | _SectionHeading | _LeftOut] = []
        self.lists: list[_OpenList | None] = []
        self.next_list_id = 1
        self.cell_pictures = 0

    def read(self) -> list:
        self._container(self.part.element.body)
        return self.items

    def _container(self, element) -> None:
        for child in element.iterchildren():
            if child.tag == qn("w:p"):
                self._paragraph(child)
            elif child.tag == qn("w:tbl"):
                self._table(child)
            elif child.tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    self._container(content)
            elif child.tag == qn("w:customXml"):
                self._container(child)

    # -- paragraphs

    def _style(self, p) -> str:
        ids = _xp(p, "./w:pPr/w:pStyle/@w:val")
        return self.styles.get(ids[0], ("", None))[0] if ids else "normal"

    def _paragraph(self, p) -> None:
        style = self._style(p)
        raw, pictures = self._runs(p)
        runs = normalise_runs(raw)
        heading = _HEADING_STYLE.fullmatch(style)
        if heading and heading.group(1) == "1":
            bookmarks = [
                int(name[len(BOOKMARK_PREFIX) :])
                for name in _xp(p, ".//w:bookmarkStart/@w:name")
                if name.startswith(BOOKMARK_PREFIX) and name[len(BOOKMARK_PREFIX) :].isdigit()
            ]
            self.items.append(_SectionHeading(runs, bookmarks[0] if bookmarks else None))
            self.lists.clear()
            return
        if style == IMAGE_STYLE.lower():
            found = _IMAGE_CAPTION.search(runs_text(runs))
            number = int(found.group(1)) if found else 0
            if 1 <= number <= len(self.images):
                image = self.images[number - 1]
                level = self._in_list(_xp(p, "./w:pPr/w:ind/@w:left | ./w:pPr/w:ind/@w:start"), ours=True)
                self.items.append(Image(str(image["src"]), str(image.get("alt") or ""), level=level))
                return
        if pictures:
            self.items.append(_LeftOut(pictures))
        if not runs:
            return
        if style == GUIDANCE_STYLE.lower() and _fingerprint(clean_text(runs_text(runs))) in self.guidance:
            return
        if heading:
            self._close_lists()
            self.items.append(Heading(min(max(int(heading.group(1)), 2), 4), runs))
        elif style in ("title", "subtitle"):
            self._close_lists()
            self.items.append(Heading(2, runs))
        elif style in ("quote", "intense quote"):
            self._close_lists()
            self.items.append(Paragraph(runs, quote=True))
        elif not self._list_item(p, style, runs):
            self._close_lists()
            self.items.append(Paragraph(runs))

    def _close_lists(self) -> None:
        self.lists.clear()

    def _in_list(self, indents: list[str], *, ours: bool = False) -> int:
        """The list depth a table or image indented by `indents` twips sits in (0: none); closes deeper lists.

        Only an open list counts, except for our own image paragraphs indented exactly as we do.
        """
        try:
            twips = int(indents[0]) if indents else 0
        except ValueError:
            twips = 0
        level = max(0, round(twips / LIST_INDENT_TWIPS))
        if not (ours and twips % LIST_INDENT_TWIPS == 0):
            level = min(level, len(self.lists))
        level = min(level, MAX_LIST_LEVEL)
        del self.lists[level:]
        return level

    def _list_item(self, p, style: str, runs: Runs) -> bool:
        numbering = _xp(p, "./w:pPr/w:numPr")
        num_id = _xp(numbering[0], "./w:numId/@w:val") if numbering else []
        ilvl = _xp(numbering[0], "./w:ilvl/@w:val") if numbering else []
        listed = _LIST_STYLE.fullmatch(style)
        if num_id and num_id[0] == "0":  # numbering switched off on this paragraph
            return False
        if listed:
            kind, level = listed.group(1), int(listed.group(2) or 1)
            if kind == "continue":
                return self._continue(level, runs)
            ordered = kind == "number"
            key = num_id[0] if num_id else f"style:{style}"
            key = key if ordered else "bullets"  # bullets in a row are one list, whatever their numbering
        elif num_id:
            level = int(ilvl[0]) + 1 if ilvl and ilvl[0].isdigit() else 1
            ordered = self.numbering.get((num_id[0], level - 1), "decimal") not in ("bullet", "none")
            key = num_id[0] if ordered else "bullets"
        else:
            return False
        level = min(max(level, 1), 9)
        del self.lists[level:]
        current = self.lists[level - 1] if len(self.lists) >= level else None
        if current is None or current.key != key or current.ordered != ordered:
            current = _OpenList(key, ordered, self.next_list_id)
            self.next_list_id += 1
            self.lists.extend([None] * (level - len(self.lists)))
            self.lists[level - 1] = current
        current.count += 1
        self.items.append(ListItem(runs, ordered, level, current.count, current.list_id))
        return True

    def _continue(self, level: int, runs: Runs) -> bool:
        current = self.lists[level - 1] if len(self.lists) >= level else None
        if current is None:
            return False
        del self.lists[level:]
        self.items.append(ListItem(runs, current.ordered, level, current.count, current.list_id, continued=True))
        return True

    @staticmethod
    def _numbering_formats(document: Document) -> dict[tuple[str, int], str]:
        """(numId, level) → numFmt ("bullet", "decimal", ...) from the numbering part."""
        formats: dict[tuple[str, int], str] = {}
        try:
            numbering = document.part.numbering_part.element
        except Exception:  # no numbering part: no list defined by numbering
            return formats
        abstract: dict[str, dict[int, str]] = {}
        for definition in _xp(numbering, "./w:abstractNum"):
            levels = {}
            for level in _xp(definition, "./w:lvl"):
                index = level.get(qn("w:ilvl"), "0")
                fmt = _xp(level, "./w:numFmt/@w:val")
                if index.isdigit():
                    levels[int(index)] = fmt[0] if fmt else "decimal"
            abstract[definition.get(qn("w:abstractNumId"), "")] = levels
        for num in _xp(numbering, "./w:num"):
            abstract_id = _xp(num, "./w:abstractNumId/@w:val")
            for index, fmt in abstract.get(abstract_id[0] if abstract_id else "", {}).items():
                formats[(num.get(qn("w:numId"), ""), index)] = fmt
        return formats

    # -- runs

    def _runs(self, element) -> tuple[list[Run], int]:
        state = {"runs": [], "pictures": 0, "field": []}  # field: stack of [instruction, href, shown]
        self._inline(element, None, state)
        return state["runs"], state["pictures"]

    def _inline(self, element, href: str | None, state: dict) -> None:
        for child in element.iterchildren():
            tag = child.tag
            if tag == qn("w:r"):
                self._run(child, href, state)
            elif tag == qn("w:hyperlink"):
                self._inline(child, self._hyperlink(child) or href, state)
            elif tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    self._inline(content, href, state)
            elif tag in _TRANSPARENT:
                self._inline(child, href, state)
            # w:del, w:moveFrom (deleted text), math, bookmarks, comments, proofing marks: nothing to read

    def _hyperlink(self, element) -> str | None:
        relationship_id = element.get(qn("r:id"))
        if not relationship_id:
            return None
        relationship = self.part.rels.get(relationship_id)
        if relationship is None or not relationship.is_external:
            return None
        target = (relationship.target_ref or "").strip()
        return target if is_safe_href(target) else None

    def _run(self, r, href: str | None, state: dict) -> None:
        fields = state["field"]
        properties = r.find(qn("w:rPr"))
        bold = italic = underline = strike = False
        if properties is not None:
            bold = _on(properties.find(qn("w:b")))
            italic = _on(properties.find(qn("w:i")))
            u = properties.find(qn("w:u"))
            underline = u is not None and (u.get(qn("w:val")) or "single").lower() not in _W_ON
            strike = _on(properties.find(qn("w:strike"))) or _on(properties.find(qn("w:dstrike")))
            style_id = _xp(properties, "./w:rStyle/@w:val")
            style = self.styles.get(style_id[0], ("", None))[0] if style_id else ""
            bold = bold or style in ("strong", "intense emphasis")
            italic = italic or style in ("emphasis", "intense emphasis", "subtle emphasis")
        field_href = next((field[1] for field in reversed(fields) if field[2] and field[1]), None)
        base = Run("", bold=bold, italic=italic, underline=underline, strike=strike, href=href or field_href)
        for child in r.iterchildren():
            tag = child.tag
            if tag == qn("w:fldChar"):
                kind = child.get(qn("w:fldCharType"))
                if kind == "begin":
                    fields.append(["", None, False])
                elif kind == "separate" and fields:
                    fields[-1][2] = True
                    found = re.search(r'HYPERLINK\s+"([^"]+)"', fields[-1][0])
                    fields[-1][1] = found.group(1) if found and is_safe_href(found.group(1)) else None
                elif kind == "end" and fields:
                    fields.pop()
                field_href = next((field[1] for field in reversed(fields) if field[2] and field[1]), None)
                base = Run("", bold=bold, italic=italic, underline=underline, strike=strike, href=href or field_href)
            elif tag == qn("w:instrText"):
                if fields:
                    fields[-1][0] += child.text or ""
            elif fields and not fields[-1][2]:
                continue  # inside a field's instruction: not shown text
            elif tag == qn("w:t"):
                state["runs"].append(Run(child.text or "", *_format(base)))
            elif tag in (qn("w:tab"), qn("w:ptab")):
                state["runs"].append(Run(" ", *_format(base)))
            elif tag == qn("w:br"):
                if (child.get(qn("w:type")) or "textWrapping") == "textWrapping":
                    state["runs"].append(Run("\n"))
            elif tag == qn("w:cr"):
                state["runs"].append(Run("\n"))
            elif tag == qn("w:noBreakHyphen"):
                state["runs"].append(Run("-", *_format(base)))
            elif tag in (qn("w:drawing"), qn("w:pict"), qn("w:object")) or child.tag.endswith("}AlternateContent"):
                state["pictures"] += 1

    # -- tables

    def _table(self, tbl) -> None:
        placed: list[list[tuple[int, int, str | None, TableCell]]] = []
        for tr in tbl.iterchildren(qn("w:tr")):
            header_row = _on(tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}"))
            before = _xp(tr, "./w:trPr/w:gridBefore/@w:val")
            column = int(before[0]) if before and before[0].isdigit() else 0
            row = []
            for tc in tr.iterchildren(qn("w:tc")):
                span = _xp(tc, "./w:tcPr/w:gridSpan/@w:val")
                span = min(max(int(span[0]), 1), 63) if span and span[0].isdigit() else 1
                merge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
                merge_kind = None if merge is None else (merge.get(qn("w:val")) or "continue")
                fill = _xp(tc, "./w:tcPr/w:shd/@w:fill")
                header = header_row or (bool(fill) and fill[0].upper() == HEADER_CELL_FILL)
                row.append((column, span, merge_kind, TableCell(self._cell_runs(tc), header=header, colspan=span)))
                column += span
            placed.append(row)
        rows = []
        for row_index, row in enumerate(placed):
            cells = []
            for column, span, merge_kind, cell in row:
                if merge_kind == "continue":
                    continue
                rowspan = 1
                if merge_kind == "restart":
                    for below in placed[row_index + 1 :]:
                        if any(c == column and kind == "continue" for c, _s, kind, _cell in below):
                            rowspan += 1
                        else:
                            break
                cells.append(TableCell(cell.runs, header=cell.header, colspan=span, rowspan=min(rowspan, 20)))
            if cells:
                rows.append(tuple(cells))
        if rows:
            level = self._in_list(_xp(tbl, "./w:tblPr/w:tblInd[not(@w:type) or @w:type='dxa']/@w:w"))
            self.items.append(Table(tuple(rows), level=level))
        if self.cell_pictures:
            self.items.append(_LeftOut(self.cell_pictures))
            self.cell_pictures = 0

    def _cell_runs(self, tc) -> Runs:
        runs: list[Run] = []
        for child in tc.iterchildren():
            lines: list[list[Run]] = []
            if child.tag == qn("w:p"):
                raw, pictures = self._runs(child)
                lines.append(raw)
                self.cell_pictures += pictures
            elif child.tag == qn("w:tbl"):  # a table in a cell: its rows as lines
                for tr in child.iterchildren(qn("w:tr")):
                    line: list[Run] = []
                    for index, inner in enumerate(tr.iterchildren(qn("w:tc"))):
                        if index:
                            line.append(Run(" | "))
                        line.extend(self._cell_runs(inner))
                    lines.append(line)
            for line in lines:
                if runs:
                    runs.append(Run("\n"))
                runs.extend(line)
        return normalise_runs(runs)


def _format(run: Run) -> tuple:
    return (run.bold, run.italic, run.underline, run.strike, run.href)
