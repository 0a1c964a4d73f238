"""Uploaded files: stored under random names, checked by what they contain, never by their name.

`check_upload` tells a file's kind from its bytes and refuses anything that could act on its own once opened:
PDFs with JavaScript or other active content, macro-enabled Office files, SVG and HTML, zip bombs. It only reads:
a zip is judged from its central directory, and only `[Content_Types].xml` is ever unpacked, with a bounded read.
It has no side effects, so a refused upload leaves whatever was stored before untouched.
"""

import enum
import io
import re
import secrets
import struct
import time
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote

import defusedxml.ElementTree
import pypdf
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.functional import lazy
from django.utils.http import content_disposition_header
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpg",
}


@deconstructible
class RandomName:
    """upload_to: the folder, then a random name keeping only a short, plain extension."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        suffix = PurePath(filename).suffix.lower()
        safe_suffix = suffix if suffix.isascii() and suffix[1:].isalnum() and len(suffix) <= 6 else ""
        return f"{self.folder}/{secrets.token_urlsafe(16)}{safe_suffix}"

    def __eq__(self, other) -> bool:
        return isinstance(other, RandomName) and other.folder == self.folder


def image_kind(head: bytes) -> str | None:
    for signature, kind in IMAGE_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def validate_image(upload) -> None:
    """PNG, JPEG or WebP, told apart by their first bytes; SVG and anything else refused."""
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(16)
    upload.seek(position)
    if not head:
        raise ValidationError(_("The file is empty."), code="empty")
    if image_kind(head) is None:
        raise ValidationError(_("Only PNG, JPEG or WebP images are accepted."), code="not_an_image")


# --- Kinds ------------------------------------------------------------------------------------------------------------


class FileKind(enum.StrEnum):
    PDF = "pdf"
    PPTX = "pptx"
    DOCX = "docx"
    PNG = "png"
    JPEG = "jpeg"
    WEBP = "webp"


PRESENTATION_KINDS = {FileKind.PPTX, FileKind.PDF}
DOCUMENT_KINDS = {FileKind.DOCX}
IMAGE_KINDS = {FileKind.PNG, FileKind.JPEG, FileKind.WEBP}
ATTACHMENT_KINDS = set(FileKind)

CONTENT_TYPES = {
    FileKind.PDF: "application/pdf",
    FileKind.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    FileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileKind.PNG: "image/png",
    FileKind.JPEG: "image/jpeg",
    FileKind.WEBP: "image/webp",
}
EXTENSIONS = {
    FileKind.PDF: ".pdf",
    FileKind.PPTX: ".pptx",
    FileKind.DOCX: ".docx",
    FileKind.PNG: ".png",
    FileKind.JPEG: ".jpg",
    FileKind.WEBP: ".webp",
}
# Product names, the same in every language; listed in this order in messages.
LABELS = {
    FileKind.PPTX: "PowerPoint (PPTX)",
    FileKind.DOCX: "Word (DOCX)",
    FileKind.PDF: "PDF",
    FileKind.PNG: "PNG",
    FileKind.JPEG: "JPEG",
    FileKind.WEBP: "WebP",
}


@dataclass(frozen=True)
class CheckedUpload:
    kind: FileKind
    content_type: str
    size: int
    display_name: str
    extension: str  # from the kind, never from the name


# --- Limits -----------------------------------------------------------------------------------------------------------

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
HEAD_BYTES = 2048
PDF_HEADER_WITHIN = 1024  # readers accept a little junk before %PDF-; we accept no more than this
PDF_MAX_OBJECTS = 200_000
PDF_MAX_SECONDS = 10.0
PDF_MAX_STREAM_OUTPUT = 16 * 1024 * 1024  # only object and xref streams are decoded, and they are small
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_DIRECTORY_SIZE = 4 * 1024 * 1024  # 10,000 entries with names of up to ~350 characters
ZIP_MAX_TOTAL_SIZE = 200 * 1024 * 1024
ZIP_MAX_RATIO = 100
ZIP_RATIO_FROM_SIZE = 1024 * 1024  # small parts (XML) compress well and harmlessly
CONTENT_TYPES_MAX_SIZE = 1024 * 1024
IMAGE_MAX_PIXELS = 100_000_000
DISPLAY_NAME_MAX_LENGTH = 150
DISPLAY_NAME_FALLBACK = "fichier"

# --- Messages ---------------------------------------------------------------------------------------------------------

EMPTY = _("The file is empty.")
TOO_LARGE = _("The file is too large (%(size)s): the limit is %(limit)s per file.")
NOT_ALLOWED_KIND = _("%(kind)s files are not accepted here. Accepted: %(accepted)s.")
UNKNOWN_KIND = _(
    "The content of this file is not in an accepted format, whatever its name says. Accepted: %(accepted)s."
)
SVG_OR_HTML = _(
    "SVG images, web pages (HTML) and other XML files are not accepted, as they can carry scripts. "
    "Accepted: %(accepted)s."
)
OLD_OFFICE = _(
    "This is an old Office file (such as .ppt or .doc) or a password-protected one, which cannot be checked: "
    "save it again in a recent format, without a password. Accepted: %(accepted)s."
)
PDF_CORRUPT = _("This PDF is damaged and cannot be read: export it again from the original document.")
PDF_ENCRYPTED = _(
    "This PDF is encrypted or protected by a password, so its content cannot be checked: "
    "export it again without protection."
)
PDF_ACTIVE_CONTENT = _(
    "This PDF contains active content (JavaScript, automatic actions, embedded files, multimedia or XFA forms), "
    "which is not accepted: export it again as a plain PDF from the original document."
)
PDF_TOO_COMPLEX = _("This PDF is too complex to be checked: export it again from the original document, or split it.")
OOXML_WRONG_TYPE = _(
    "This file is a zip archive or an Office file of another kind, not an accepted document. Accepted: %(accepted)s."
)
MACRO_ENABLED = _(
    "This file contains macros or ActiveX controls, which are not accepted: "
    "save it again as a plain PowerPoint (.pptx) or Word (.docx) file."
)
ZIP_BOMB = _(
    "This file declares an unreasonable size once unpacked, so it was refused: "
    "save it again from the application that created it."
)
ZIP_CORRUPT = _(
    "This file is damaged (its zip structure cannot be read): save it again from the application that created it."
)
IMAGE_CORRUPT = _("This image is damaged and cannot be read: export it again as PNG, JPEG or WebP.")
IMAGE_TOO_LARGE = _("This image has too many pixels: reduce it to at most %(megapixels)s megapixels.")

lazy_text_list = lazy(get_text_list, str)  # "PowerPoint (PPTX) or PDF", the "or" translated when shown
lazy_file_size = lazy(filesizeformat, str)


def accepted_text(allowed) -> str:
    return lazy_text_list([label for kind, label in LABELS.items() if kind in allowed])


# --- The check --------------------------------------------------------------------------------------------------------


def check_upload(upload, *, allowed: set[FileKind], max_bytes: int | None = None) -> CheckedUpload:
    """What `upload` is, told from its bytes; ValidationError (with a code) when it must be refused.

    `upload` is a Django UploadedFile or any seekable binary file; it is left at position 0.
    """
    limit = max_bytes if max_bytes is not None else getattr(settings, "UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)
    try:
        size = _size_of(upload)
        if size == 0:
            raise ValidationError(EMPTY, code="empty")
        if size > limit:
            params = {"size": lazy_file_size(size), "limit": lazy_file_size(limit)}
            raise ValidationError(TOO_LARGE, code="too_large", params=params)
        upload.seek(0)
        head = upload.read(HEAD_BYTES)
        kind, has_macros = _identify(upload, head, size, allowed)
        if kind not in allowed:
            params = {"kind": LABELS[kind], "accepted": accepted_text(allowed)}
            raise ValidationError(NOT_ALLOWED_KIND, code="not_allowed_kind", params=params)
        if has_macros:
            raise ValidationError(MACRO_ENABLED, code="macro_enabled")
        if kind == FileKind.PDF:
            _check_pdf(upload)
        elif kind in IMAGE_KINDS:
            _check_image(upload, kind)
    finally:
        upload.seek(0)
    extension = EXTENSIONS[kind]
    return CheckedUpload(
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        size=size,
        display_name=safe_display_name(getattr(upload, "name", None) or "", extension=extension),
        extension=extension,
    )


def _size_of(upload) -> int:
    try:
        upload.seek(0, io.SEEK_END)
        return upload.tell()
    except (AttributeError, OSError, ValueError):
        return int(upload.size)


def _identify(upload, head: bytes, size: int, allowed) -> tuple[FileKind, bool]:
    """The kind, and whether an Office file holds macros; raises for what is no accepted kind at all."""
    simple = image_kind(head)
    if simple is not None:
        return {"png": FileKind.PNG, "jpg": FileKind.JPEG, "webp": FileKind.WEBP}[simple], False
    if head.startswith(b"%PDF-"):
        return FileKind.PDF, False
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _inspect_ooxml(upload, size, allowed)
    params = {"accepted": accepted_text(allowed)}
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: .ppt, .doc, or an encrypted .pptx/.docx
        raise ValidationError(OLD_OFFICE, code="old_office", params=params)
    if _looks_like_markup(head):
        raise ValidationError(SVG_OR_HTML, code="svg_or_html", params=params)
    if b"%PDF-" in head[: PDF_HEADER_WITHIN + 5]:
        return FileKind.PDF, False
    raise ValidationError(UNKNOWN_KIND, code="unknown_kind", params=params)


MARKUP_TAGS = ("<svg", "<html", "<!doctype html", "<script", "<?xml", "<body", "<iframe")


def _looks_like_markup(head: bytes) -> bool:
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            text = head[len(bom) :].decode(encoding, errors="ignore")
            break
    else:
        if head[1:2] == b"\x00":
            text = head.decode("utf-16-le", errors="ignore")
        elif head[:1] == b"\x00":
            text = head.decode("utf-16-be", errors="ignore")
        else:
            text = head.decode("latin-1")
    if text.lstrip().startswith("<"):
        return True
    lowered = text.lower()
    return any(tag in lowered for tag in MARKUP_TAGS)


# --- PDF --------------------------------------------------------------------------------------------------------------

# Names that make a PDF act on its own or carry other files: scripts, automatic and launch actions, embedded files,
# multimedia, XFA forms. A link (/URI) or a go-to-page action is fine.
PDF_ACTIVE_NAMES = frozenset(
    {
        "JS",
        "JavaScript",
        "AA",
        "Launch",
        "SubmitForm",
        "ImportData",
        "GoToE",
        "EmbeddedFile",
        "EmbeddedFiles",
        "EF",
        "FileAttachment",
        "RichMedia",
        "RichMediaContent",
        "RichMediaExecute",
        "Rendition",
        "Movie",
        "Sound",
        "Screen",
        "3D",
        "XFA",
    }
)
# A name: "/" then regular characters, "#xx" escapes allowed (/J#61vaScript is /JavaScript), ended by a delimiter.
PDF_NAME = re.compile(rb"/((?:[A-Za-z0-9]|#[0-9A-Fa-f]{2})+)(?=[\x00\t\n\x0c\r ()<>\[\]{}/%]|\Z)")
PDF_STREAM_START = re.compile(rb">>[\x00\t\n\x0c\r ]*stream(?:\r\n|\n|\r)")
PDF_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _check_pdf(upload) -> None:
    upload.seek(0)
    data = upload.read()
    found = _scan_pdf_names(data)
    if found:
        raise ValidationError(PDF_ACTIVE_CONTENT, code="pdf_active_content", params={"found": found})
    try:
        with pypdf.apply_configuration(
            zlib_maximum_output_length=PDF_MAX_STREAM_OUTPUT,
            lzw_maximum_output_length=PDF_MAX_STREAM_OUTPUT,
            run_length_maximum_output_length=PDF_MAX_STREAM_OUTPUT,
            brotli_maximum_output_length=PDF_MAX_STREAM_OUTPUT,
            stream_decoding_work_maximum_length=4 * PDF_MAX_STREAM_OUTPUT,
        ):
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise ValidationError(PDF_ENCRYPTED, code="pdf_encrypted")
            found = _walk_pdf(reader)
            if not found and len(reader.pages) == 0:
                raise ValidationError(PDF_CORRUPT, code="pdf_corrupt")
    except ValidationError:
        raise
    except (LimitReachedError, RecursionError) as error:
        raise ValidationError(PDF_TOO_COMPLEX, code="pdf_too_complex") from error
    except Exception as error:  # pypdf reports damage with many exception types
        raise ValidationError(PDF_CORRUPT, code="pdf_corrupt") from error
    if found:
        raise ValidationError(PDF_ACTIVE_CONTENT, code="pdf_active_content", params={"found": found})


def _scan_pdf_names(data: bytes) -> str:
    """First line, on the raw bytes: an active name in any dictionary outside stream data ("" if none)."""
    position = 0
    while position < len(data):
        start = PDF_STREAM_START.search(data, position)
        end_of_text = start.end() if start else len(data)
        for match in PDF_NAME.finditer(data, position, end_of_text):
            name = PDF_HEX_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), match[1]).decode("latin-1")
            if name in PDF_ACTIVE_NAMES:
                return "/" + name
        if start is None:
            break
        stream_end = data.find(b"endstream", start.end())
        position = len(data) if stream_end < 0 else stream_end
    return ""


def _walk_pdf(reader: pypdf.PdfReader) -> str:
    """Every object reachable from the trailer (compressed object streams included), stream data left undecoded."""
    deadline = time.monotonic() + PDF_MAX_SECONDS
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            reference = (item.idnum, item.generation)
            if reference in seen:
                continue
            seen.add(reference)
            if len(seen) > PDF_MAX_OBJECTS or time.monotonic() > deadline:
                raise LimitReachedError("too many objects to check")
            item = item.get_object()
        if isinstance(item, DictionaryObject):  # stream dictionaries included
            if _is_script_link(item):
                return "/URI"
            for key, value in item.items():
                if key[1:] in PDF_ACTIVE_NAMES:
                    return key
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
        elif isinstance(item, NameObject) and item[1:] in PDF_ACTIVE_NAMES:
            return item
    return ""


def _is_script_link(action: DictionaryObject) -> bool:
    """A link whose address runs a script when followed (javascript:, vbscript:, data:)."""
    if "/URI" not in action or action.get("/S") != "/URI":
        return False
    uri = action["/URI"]  # resolved
    text = uri.decode("latin-1") if isinstance(uri, bytes) else str(uri)
    return "".join(text.split()).lower().startswith(("javascript:", "vbscript:", "data:"))


# --- PowerPoint and Word (OOXML) --------------------------------------------------------------------------------------

CONTENT_TYPES_PART = "[content_types].xml"
MAIN_CONTENT_TYPES = {
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": FileKind.PPTX,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": FileKind.DOCX,
}
MACRO_MAIN_PREFIXES = {"application/vnd.ms-powerpoint.": FileKind.PPTX, "application/vnd.ms-word.": FileKind.DOCX}
MACRO_MARKERS = ("macroenabled", "vbaproject", "activex")
EOCD = struct.Struct("<4s4H2LH")
ZIP64_LOCATOR = struct.Struct("<4sLQL")
ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")


def _inspect_ooxml(upload, size: int, allowed) -> tuple[FileKind, bool]:
    """PPTX or DOCX from [Content_Types].xml; zip bombs refused from the central directory, nothing inflated."""
    count, directory_size = _declared_directory(upload, size)
    if count > ZIP_MAX_ENTRIES or directory_size > ZIP_MAX_DIRECTORY_SIZE:  # zipfile parses the whole directory
        raise ValidationError(ZIP_BOMB, code="zip_bomb")
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            _refuse_bomb(entries)
            names = [entry.filename.lower() for entry in entries]
            if len(set(names)) != len(names):  # two parts with one name: readers may disagree on which counts
                raise ValidationError(ZIP_CORRUPT, code="zip_corrupt")
            content_types = _read_content_types(archive, entries)
    except ValidationError:
        raise
    except Exception as error:  # BadZipFile, zlib.error, encrypted entries, bad XML, DTDs and entities (defusedxml)
        raise ValidationError(ZIP_CORRUPT, code="zip_corrupt") from error
    if content_types is None:
        raise ValidationError(OOXML_WRONG_TYPE, code="ooxml_wrong_type", params={"accepted": accepted_text(allowed)})

    has_macros = any(marker in name for name in names for marker in MACRO_MARKERS) or any(
        marker in content_type for _, content_type in content_types for marker in MACRO_MARKERS
    )
    kinds = set()
    for part_name, content_type in content_types:
        kind = MAIN_CONTENT_TYPES.get(content_type)
        if kind is None and content_type.endswith("main+xml") and "macroenabled" in content_type:
            kind = next((k for prefix, k in MACRO_MAIN_PREFIXES.items() if content_type.startswith(prefix)), None)
        if kind is not None:
            if part_name.lstrip("/").lower() not in names:
                raise ValidationError(ZIP_CORRUPT, code="zip_corrupt")
            kinds.add(kind)
    if len(kinds) != 1:
        raise ValidationError(OOXML_WRONG_TYPE, code="ooxml_wrong_type", params={"accepted": accepted_text(allowed)})
    return kinds.pop(), has_macros


def _declared_directory(upload, size: int) -> tuple[int, int]:
    """Entry count and central directory size from the end record, read before zipfile lists every entry."""
    tail_length = min(size, EOCD.size + 0xFFFF)
    upload.seek(size - tail_length)
    tail = upload.read(tail_length)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + EOCD.size > len(tail):
        raise ValidationError(ZIP_CORRUPT, code="zip_corrupt")
    count, directory_size = EOCD.unpack_from(tail, at)[4:6]
    locator_at = at - ZIP64_LOCATOR.size
    if locator_at >= 0 and tail[locator_at : locator_at + 4] == b"PK\x06\x07":
        upload.seek(ZIP64_LOCATOR.unpack_from(tail, locator_at)[2])
        record = upload.read(ZIP64_EOCD.size)
        if len(record) < ZIP64_EOCD.size or not record.startswith(b"PK\x06\x06"):
            raise ValidationError(ZIP_CORRUPT, code="zip_corrupt")
        count, directory_size = ZIP64_EOCD.unpack(record)[7:9]
    return count, directory_size


def _refuse_bomb(entries: list[zipfile.ZipInfo]) -> None:
    total = 0
    for entry in entries:
        total += entry.file_size
        compressed_large = entry.file_size > ZIP_RATIO_FROM_SIZE
        if total > ZIP_MAX_TOTAL_SIZE or (compressed_large and entry.file_size > ZIP_MAX_RATIO * entry.compress_size):
            raise ValidationError(ZIP_BOMB, code="zip_bomb")
    if len(entries) > ZIP_MAX_ENTRIES:
        raise ValidationError(ZIP_BOMB, code="zip_bomb")


def _read_content_types(archive: zipfile.ZipFile, entries) -> list[tuple[str, str]] | None:
    """(part name, content type) for every Override and (*.ext, type) for every Default; None without the part."""
    entry = next((e for e in entries if e.filename.lower() == CONTENT_TYPES_PART), None)
    if entry is None:
        return None
    if entry.file_size > CONTENT_TYPES_MAX_SIZE:
        raise ValidationError(ZIP_BOMB, code="zip_bomb")
    with archive.open(entry) as part:
        data = part.read(CONTENT_TYPES_MAX_SIZE + 1)  # zipfile stops at the declared size and checks the CRC
    if len(data) > CONTENT_TYPES_MAX_SIZE:
        raise ValidationError(ZIP_BOMB, code="zip_bomb")
    root = defusedxml.ElementTree.fromstring(data)
    found = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        content_type = element.get("ContentType", "").strip().lower()
        if tag == "Override":
            found.append((element.get("PartName", ""), content_type))
        elif tag == "Default":
            found.append(("*." + element.get("Extension", ""), content_type))
    return found


# --- Images -----------------------------------------------------------------------------------------------------------

PILLOW_FORMATS = {FileKind.PNG: "PNG", FileKind.JPEG: "JPEG", FileKind.WEBP: "WEBP"}


def _check_image(upload, kind: FileKind) -> None:
    """The header must parse as the kind its signature names (Pillow reads it, not the pixels)."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(upload, formats=[PILLOW_FORMATS[kind]]) as image:
                width, height = image.size
    except Image.DecompressionBombError:  # Pillow's own limit, above ours
        width, height = None, None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error, EOFError) as error:
        raise ValidationError(IMAGE_CORRUPT, code="image_corrupt") from error
    if width is None or width * height > IMAGE_MAX_PIXELS:
        params = {"megapixels": IMAGE_MAX_PIXELS // 1_000_000}
        raise ValidationError(IMAGE_TOO_LARGE, code="image_too_large", params=params)
    if width <= 0 or height <= 0:
        raise ValidationError(IMAGE_CORRUPT, code="image_corrupt")


# --- Names and headers ------------------------------------------------------------------------------------------------

# Path separators are handled first; these break headers or file systems, and are replaced by a space.
NAME_FORBIDDEN = frozenset('"\\/<>:|?*;`')
# Control, format (bidi overrides, zero-width), surrogate, private and unassigned characters: dropped.
NAME_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
EXTENSION = re.compile(r"[A-Za-z0-9]{0,7}[A-Za-z][A-Za-z0-9]{0,7}")
EXTENSION_ALIASES = {".jpg": {".jpg", ".jpeg"}}


def safe_display_name(name: str, *, extension: str | None = None) -> str:
    """The name to show and to offer on download: accents and spaces kept; no path, control or quote character.

    With `extension`, the name ends with it, a misleading one replaced: "slides.exe" checked as PPTX → "slides.pptx".
    """
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[/\\]", text)[-1]
    kept = []
    for char in text:
        if char.isspace() or char in NAME_FORBIDDEN:
            kept.append(" ")
        elif unicodedata.category(char) not in NAME_INVISIBLE:
            kept.append(char)
    text = " ".join("".join(kept).split())

    stem, dot, suffix = text.rpartition(".")
    if not dot or not EXTENSION.fullmatch(suffix):
        stem, suffix = text, ""
    stem = stem.strip(" .")
    current = f".{suffix}" if suffix else ""
    if extension is not None and current.lower() not in EXTENSION_ALIASES.get(extension, {extension}):
        current = extension
    stem = stem or DISPLAY_NAME_FALLBACK
    stem = stem[: max(DISPLAY_NAME_MAX_LENGTH - len(current), 1)].rstrip(" .") or DISPLAY_NAME_FALLBACK
    return stem + current


def attachment_headers(response, display_name: str) -> None:
    """Download, never display: Content-Disposition attachment (ASCII fallback + UTF-8 name) and nosniff."""
    name = safe_display_name(display_name)
    ascii_name = safe_display_name(unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii"))
    header = content_disposition_header(True, ascii_name)
    if ascii_name != name:
        header += f"; filename*=utf-8''{quote(name, safe='')}"
    response["Content-Disposition"] = header
    response["X-Content-Type-Options"] = "nosniff"
