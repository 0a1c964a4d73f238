import io
import struct
import warnings
import zipfile
import zlib

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.utils import translation
from docx import Document
from PIL import Image
from pptx import Presentation
from pypdf import PdfWriter
from pypdf.actions import JavaScript, PageTrigger
from pypdf.annotations import Link
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from malisig.uploads import (
    ATTACHMENT_KINDS,
    DOCUMENT_KINDS,
    IMAGE_KINDS,
    PRESENTATION_KINDS,
    FileKind,
    attachment_headers,
    check_upload,
    safe_display_name,
)

PPTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"

# --- Files built for the tests ----------------------------------------------------------------------------------------


def pdf_bytes(setup=None, *, password=None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if setup is not None:
        setup(writer)
    if password is not None:
        writer.encrypt(password, algorithm="RC4-128")  # RC4 needs no extra crypto package
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_with_object_stream(catalog_entries: bytes = b"") -> bytes:
    """A PDF 1.5+ whose catalog sits in a compressed object stream, out of sight of a scan of the raw bytes."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_entries + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    offsets, body = [], b""
    for number, text in enumerate(objects, start=1):
        offsets.append(b"%d %d" % (number, len(body)))
        body += text + b"\n"
    index = b" ".join(offsets) + b"\n"
    packed = zlib.compress(index + body)
    out = bytearray(b"%PDF-1.7\n")
    object_stream_at = len(out)
    out += b"4 0 obj\n<< /Type /ObjStm /N 3 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        len(index),
        len(packed),
    )
    out += packed + b"\nendstream\nendobj\n"
    xref_at = len(out)
    rows = [(0, 0, 65535), (2, 4, 0), (2, 4, 1), (2, 4, 2), (1, object_stream_at, 0), (1, xref_at, 0)]
    xref = b"".join(struct.pack(">BIH", *row) for row in rows)
    out += b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(xref)
    out += xref + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def pptx_bytes() -> bytes:
    buffer = io.BytesIO()
    Presentation().save(buffer)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    Document().save(buffer)
    return buffer.getvalue()


def image_bytes(pillow_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, pillow_format)
    return buffer.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG declaring its size, with almost no pixel data: what a decompression bomb looks like from outside."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def rewrite_zip(data: bytes, *, replace=None, add=None, drop=()) -> bytes:
    """A copy of the zip `data`, some parts replaced, added or dropped."""
    replace, add = replace or {}, add or {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename not in drop:
                target.writestr(entry.filename, replace.get(entry.filename, source.read(entry)))
        for name, content in add.items():
            target.writestr(name, content)
    return buffer.getvalue()


def content_types_of(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("[Content_Types].xml").decode()


def macro_enabled(data: bytes, *, main: str, macro_main: str) -> bytes:
    """The .pptm/.docm way: the main part typed macroEnabled, and a VBA project."""
    vba = '<Override PartName="/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
    content_types = content_types_of(data).replace(main, macro_main).replace("</Types>", vba)
    return rewrite_zip(data, replace={"[Content_Types].xml": content_types.encode()}, add={"vbaProject.bin": b"VBA"})


def patch_declared_size(data: bytes, name: str, file_size: int) -> bytes:
    """Rewrite the uncompressed size that the central directory declares for `name`; the data stays as it was."""
    patched = bytearray(data)
    at = patched.find(b"PK\x01\x02")
    while at >= 0:
        name_length = struct.unpack_from("<H", patched, at + 28)[0]
        if patched[at + 46 : at + 46 + name_length].decode() == name:
            struct.pack_into("<L", patched, at + 24, file_size)
            return bytes(patched)
        at = patched.find(b"PK\x01\x02", at + 46)
    raise LookupError(name)


def upload(data: bytes, name: str = "fichier") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def refusal(data: bytes, *, allowed=ATTACHMENT_KINDS, name: str = "fichier", **options) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check_upload(upload(data, name), allowed=allowed, **options)
    return caught.value


def message_in_english(error: ValidationError) -> str:
    with translation.override("en"):
        return " ".join(error.messages)


# --- Accepted files ---------------------------------------------------------------------------------------------------


def test_a_powerpoint_presentation_is_accepted_with_its_name_kept_for_display():
    data = pptx_bytes()

    checked = check_upload(upload(data, "Présentation finale du groupe.pptx"), allowed=PRESENTATION_KINDS)

    assert checked.kind == FileKind.PPTX
    assert checked.content_type == "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    assert checked.extension == ".pptx"
    assert checked.size == len(data)
    assert checked.display_name == "Présentation finale du groupe.pptx"


def test_a_word_document_is_accepted_as_docx():
    checked = check_upload(upload(docx_bytes(), "Position commune.docx"), allowed=DOCUMENT_KINDS)

    assert checked.kind == FileKind.DOCX
    assert checked.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert checked.display_name == "Position commune.docx"


def test_a_plain_pdf_is_accepted():
    checked = check_upload(upload(pdf_bytes(), "slides.pdf"), allowed=PRESENTATION_KINDS)

    assert (checked.kind, checked.content_type, checked.extension) == (FileKind.PDF, "application/pdf", ".pdf")


def test_a_pdf_with_web_links_and_an_opening_page_is_accepted():
    def links_and_opening_page(writer):
        writer.add_annotation(0, Link(rect=(10, 10, 90, 30), url="https://isoc.ml/"))
        writer.open_destination = writer.pages[0]

    checked = check_upload(upload(pdf_bytes(links_and_opening_page)), allowed=PRESENTATION_KINDS)

    assert checked.kind == FileKind.PDF


def test_a_pdf_with_compressed_object_streams_is_accepted():
    assert check_upload(upload(pdf_with_object_stream()), allowed=PRESENTATION_KINDS).kind == FileKind.PDF


def test_a_pdf_after_a_little_leading_junk_is_accepted_but_not_after_more_than_1024_bytes():
    checked = check_upload(upload(b"\n" * 100 + pdf_bytes()), allowed=PRESENTATION_KINDS)
    error = refusal(b" " * 1100 + pdf_bytes(), allowed=PRESENTATION_KINDS)

    assert checked.kind == FileKind.PDF
    assert error.code == "unknown_kind"


@pytest.mark.parametrize(
    ("pillow_format", "kind", "content_type", "extension"),
    [
        ("PNG", FileKind.PNG, "image/png", ".png"),
        ("JPEG", FileKind.JPEG, "image/jpeg", ".jpg"),
        ("WEBP", FileKind.WEBP, "image/webp", ".webp"),
    ],
)
def test_images_are_recognised_by_their_signature(pillow_format, kind, content_type, extension):
    checked = check_upload(upload(image_bytes(pillow_format), "photo"), allowed=IMAGE_KINDS)

    assert (checked.kind, checked.content_type, checked.extension) == (kind, content_type, extension)
    assert checked.display_name == f"photo{extension}"


def test_the_kind_comes_from_the_content_and_a_misleading_extension_is_replaced():
    checked = check_upload(upload(pptx_bytes(), "slides.exe"), allowed=PRESENTATION_KINDS)

    assert checked.kind == FileKind.PPTX
    assert checked.display_name == "slides.pptx"


def test_a_plain_binary_file_object_is_accepted_too():
    checked = check_upload(io.BytesIO(pdf_bytes()), allowed=PRESENTATION_KINDS)

    assert checked.display_name == "fichier.pdf"


def test_the_file_is_left_at_its_start_whether_accepted_or_refused():
    accepted = upload(pptx_bytes())
    refused = upload(b"<svg/>")
    accepted.seek(100)

    check_upload(accepted, allowed=PRESENTATION_KINDS)
    with pytest.raises(ValidationError):
        check_upload(refused, allowed=PRESENTATION_KINDS)

    assert (accepted.tell(), refused.tell()) == (0, 0)


# --- Size and kind ----------------------------------------------------------------------------------------------------


def test_an_empty_file_is_refused():
    error = refusal(b"")

    assert error.code == "empty"
    assert message_in_english(error) == "The file is empty."


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    error = refusal(pdf_bytes(), max_bytes=100)

    assert error.code == "too_large"
    assert message_in_english(error).startswith("The file is too large (")


def test_the_size_limit_comes_from_settings(settings):
    settings.UPLOAD_MAX_BYTES = 100

    assert refusal(pdf_bytes()).code == "too_large"


def test_the_default_size_limit_is_20_mb():
    limit = 20 * 1024 * 1024

    assert refusal(b"%PDF-1.7\n" + b"\0" * (limit - 8)).code == "too_large"


def test_a_kind_not_accepted_here_is_refused_with_what_is_accepted():
    error = refusal(image_bytes("PNG"), allowed=PRESENTATION_KINDS)

    assert error.code == "not_allowed_kind"
    assert message_in_english(error) == "PNG files are not accepted here. Accepted: PowerPoint (PPTX) or PDF."


def test_a_word_document_is_not_a_presentation():
    assert refusal(docx_bytes(), allowed=PRESENTATION_KINDS).code == "not_allowed_kind"


def test_an_executable_renamed_pdf_is_refused_as_unknown():
    error = refusal(b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 500, name="rapport.pdf", allowed=PRESENTATION_KINDS)

    assert error.code == "unknown_kind"
    assert "whatever its name says" in message_in_english(error)


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'\xef\xbb\xbf  \n<svg xmlns="http://www.w3.org/2000/svg"/>',
        b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        "<html><body>bonjour</body></html>".encode("utf-16"),
    ],
    ids=["svg", "svg-after-bom-and-spaces", "html", "html-utf16"],
)
def test_svg_and_html_are_refused(data):
    error = refusal(data, name="image.png", allowed=ATTACHMENT_KINDS)

    assert error.code == "svg_or_html"
    assert message_in_english(error).startswith("SVG images, web pages (HTML) and other XML files are not accepted")


def test_an_old_office_or_password_protected_file_is_refused():
    ole_header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504

    assert refusal(ole_header, name="slides.ppt").code == "old_office"


# --- PDF --------------------------------------------------------------------------------------------------------------


def _document_javascript(writer):
    writer.add_open_action(JavaScript("app.alert('bonjour');"))


def _javascript_open_action(writer):
    action = {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(action)


def _launch_open_action(writer):
    action = {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")}
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(action)


def _page_open_script(writer):
    writer.pages[0].add_action(PageTrigger.OPEN, JavaScript("app.alert(1)"))


def _embedded_file(writer):
    writer.add_attachment("notes.txt", b"bonjour")


def _xfa_form(writer):
    form = {NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): ArrayObject()}
    writer.root_object[NameObject("/AcroForm")] = DictionaryObject(form)


def _script_link(writer):
    writer.add_annotation(0, Link(rect=(10, 10, 90, 30), url="javascript:app.alert(1)"))


@pytest.mark.parametrize(
    "setup",
    [
        _document_javascript,
        _javascript_open_action,
        _launch_open_action,
        _page_open_script,
        _embedded_file,
        _xfa_form,
        _script_link,
    ],
    ids=["document-javascript", "open-action-javascript", "launch", "page-open-script", "embedded-file", "xfa", "link"],
)
def test_a_pdf_with_active_content_is_refused(setup):
    error = refusal(pdf_bytes(setup), allowed=PRESENTATION_KINDS)

    assert error.code == "pdf_active_content"
    assert message_in_english(error).startswith("This PDF contains active content")


def test_a_hex_escaped_javascript_name_is_still_found():
    data = pdf_bytes(_javascript_open_action).replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/#4AS ")

    error = refusal(data, allowed=PRESENTATION_KINDS)

    assert error.code == "pdf_active_content"
    assert error.params["found"] in {"/JavaScript", "/JS"}


def test_javascript_hidden_in_a_compressed_object_stream_is_found():
    data = pdf_with_object_stream(b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>")
    assert b"JavaScript" not in data

    assert refusal(data, allowed=PRESENTATION_KINDS).code == "pdf_active_content"


def test_an_encrypted_pdf_is_refused_as_it_cannot_be_checked():
    error = refusal(pdf_bytes(password="secret"), allowed=PRESENTATION_KINDS)

    assert error.code == "pdf_encrypted"


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n" + bytes(range(256)) * 8, pdf_bytes()[:200]],
    ids=["garbage", "truncated"],
)
def test_a_damaged_pdf_is_refused(data):
    error = refusal(data, allowed=PRESENTATION_KINDS)

    assert error.code == "pdf_corrupt"
    assert message_in_english(error).startswith("This PDF is damaged")


# --- PowerPoint and Word ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "main", "macro_main", "allowed"),
    [
        (pptx_bytes, PPTX_MAIN, "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml", PRESENTATION_KINDS),
        (docx_bytes, DOCX_MAIN, "application/vnd.ms-word.document.macroEnabled.main+xml", DOCUMENT_KINDS),
    ],
    ids=["pptm", "docm"],
)
def test_a_macro_enabled_office_file_is_refused(build, main, macro_main, allowed):
    error = refusal(macro_enabled(build(), main=main, macro_main=macro_main), allowed=allowed)

    assert error.code == "macro_enabled"
    assert message_in_english(error).startswith("This file contains macros")


def test_a_vba_project_slipped_into_a_pptx_is_refused():
    data = rewrite_zip(pptx_bytes(), add={"ppt/vbaProject.bin": b"VBA"})

    assert refusal(data, allowed=PRESENTATION_KINDS).code == "macro_enabled"


def test_a_macro_enabled_presentation_is_not_a_word_document():
    data = macro_enabled(
        pptx_bytes(), main=PPTX_MAIN, macro_main="application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"
    )

    assert refusal(data, allowed=DOCUMENT_KINDS).code == "not_allowed_kind"


def test_an_excel_workbook_is_refused_as_the_wrong_office_type():
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)

    error = refusal(buffer.getvalue(), name="slides.pptx", allowed=PRESENTATION_KINDS)

    assert error.code == "ooxml_wrong_type"


def test_a_plain_zip_is_refused_as_the_wrong_office_type():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("slides.pptx", b"not really")

    assert refusal(buffer.getvalue(), allowed=PRESENTATION_KINDS).code == "ooxml_wrong_type"


def test_a_pptx_missing_its_main_part_is_refused_as_damaged():
    data = rewrite_zip(pptx_bytes(), drop={"ppt/presentation.xml"})

    assert refusal(data, allowed=PRESENTATION_KINDS).code == "zip_corrupt"


def test_a_damaged_zip_is_refused():
    error = refusal(b"PK\x03\x04" + b"\x14\x00broken" * 50, allowed=PRESENTATION_KINDS)

    assert error.code == "zip_corrupt"
    assert message_in_english(error).startswith("This file is damaged")


def test_a_zip_with_two_content_type_parts_is_refused_as_damaged():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate name
        data = rewrite_zip(pptx_bytes(), add={"[Content_Types].xml": b"<Types/>"})

    assert refusal(data, allowed=PRESENTATION_KINDS).code == "zip_corrupt"


def test_a_zip_bomb_is_refused_from_its_compression_ratio():
    data = rewrite_zip(pptx_bytes(), add={"ppt/media/zeros.bin": b"\0" * 50_000_000})
    assert len(data) < 200_000

    error = refusal(data, allowed=PRESENTATION_KINDS)

    assert error.code == "zip_bomb"
    assert message_in_english(error).startswith("This file declares an unreasonable size once unpacked")


def test_a_zip_declaring_gigabytes_is_refused_from_the_declaration_alone():
    data = patch_declared_size(pptx_bytes(), "ppt/presentation.xml", 0xFFFF_FFF0)

    assert refusal(data, allowed=PRESENTATION_KINDS).code == "zip_bomb"


def many_entries(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(count):
            archive.writestr(f"ppt/{number}.xml", b"")
    return buffer.getvalue()


def test_a_zip_with_too_many_entries_is_refused():
    assert refusal(many_entries(10_001), allowed=PRESENTATION_KINDS).code == "zip_bomb"


def test_a_zip_whose_end_record_understates_its_entries_is_refused_all_the_same():
    data = bytearray(many_entries(10_001))
    end_record = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, end_record + 8, 3, 3)  # entries on this disk, entries in all

    assert refusal(bytes(data), allowed=PRESENTATION_KINDS).code == "zip_bomb"


def test_content_types_larger_than_declared_are_refused_as_damaged():
    data = patch_declared_size(pptx_bytes(), "[Content_Types].xml", 10)

    assert refusal(data, allowed=PRESENTATION_KINDS).code == "zip_corrupt"


def test_content_types_declared_over_1_mb_are_refused_unread():
    data = patch_declared_size(pptx_bytes(), "[Content_Types].xml", 2 * 1024 * 1024)

    assert refusal(data, allowed=PRESENTATION_KINDS).code == "zip_bomb"


# --- Images -----------------------------------------------------------------------------------------------------------


def test_an_image_with_a_signature_but_no_readable_header_is_refused():
    error = refusal(b"\x89PNG\r\n\x1a\n" + b"not a png" * 20, allowed=IMAGE_KINDS)

    assert error.code == "image_corrupt"


def test_an_image_declaring_too_many_pixels_is_refused():
    error = refusal(png_header(30_000, 30_000), allowed=IMAGE_KINDS)

    assert error.code == "image_too_large"
    assert message_in_english(error) == "This image has too many pixels: reduce it to at most 100 megapixels."


# --- Display names and download headers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("Présentation finale du groupe.pptx", ".pptx", "Présentation finale du groupe.pptx"),
        ("Pre\u0301sentation.pdf", None, "Présentation.pdf"),  # macOS sends decomposed accents
        ("../../etc/passwd", None, "passwd"),
        ("C:\\Users\\Awa\\Desktop\\rapport.pdf", ".pdf", "rapport.pdf"),
        ("rapport\r\nSet-Cookie: x=1.pdf", ".pdf", "rapport Set-Cookie x=1.pdf"),
        ('le "grand" rapport.pdf', ".pdf", "le grand rapport.pdf"),
        ("l'équipe.docx", ".docx", "l'équipe.docx"),
        ("  ..cachée .pdf", ".pdf", "cachée.pdf"),
        ("\u202egpj.exe", ".png", "gpj.png"),  # a right-to-left override would show "exe.jpg"
        ("slides.exe", ".pptx", "slides.pptx"),
        ("Rapport v1.2", ".pdf", "Rapport v1.2.pdf"),
        ("Notes de M. Diallo", ".docx", "Notes de M. Diallo.docx"),
        ("photo.JPEG", ".jpg", "photo.JPEG"),
        (".pptx", ".pptx", "fichier.pptx"),
        ("", None, "fichier"),
        ("", ".pdf", "fichier.pdf"),
    ],
)
def test_display_names_are_made_safe(name, extension, expected):
    assert safe_display_name(name, extension=extension) == expected


def test_long_display_names_are_cut_keeping_their_extension():
    shortened = safe_display_name("é" * 300 + ".pptx", extension=".pptx")

    assert len(shortened) == 150
    assert shortened.endswith("é.pptx")


def test_safe_display_names_are_stable():
    name = safe_display_name("  ../Pré\x00sentation \t «finale»?.pptx", extension=".pptx")

    assert safe_display_name(name, extension=".pptx") == name == "Présentation «finale».pptx"


def test_downloads_are_attachments_with_an_ascii_fallback_and_the_utf8_name():
    response = HttpResponse(b"...")

    attachment_headers(response, "Présentation finale du groupe.pptx")

    assert response["Content-Disposition"] == (
        'attachment; filename="Presentation finale du groupe.pptx"; '
        "filename*=utf-8''Pr%C3%A9sentation%20finale%20du%20groupe.pptx"
    )
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_ascii_download_name_needs_no_second_form():
    response = HttpResponse(b"...")

    attachment_headers(response, "slides.pdf")

    assert response["Content-Disposition"] == 'attachment; filename="slides.pdf"'


def test_a_download_name_cannot_inject_headers():
    response = HttpResponse(b"...")

    attachment_headers(response, 'x.pdf"\r\nSet-Cookie: session=1')

    assert response["Content-Disposition"] == 'attachment; filename="x.pdf Set-Cookie session=1"'
