"""Read an uploaded results file, CSV or XLSX, as a stream of rows.

Decisions, so that callers can explain them to organisers:

- The content decides the format, never the file name: a zip holding `xl/workbook.xml` is an Excel workbook,
  an OLE compound file (old .xls, or an .xlsx that Excel saved with a password) is refused with advice, known
  binary files (PNG, PDF, ...) are refused, anything else is read as CSV.
- CSV encoding: a byte-order mark decides (UTF-8, UTF-16 LE/BE); UTF-16 without a mark is recognised by its zero
  bytes. Otherwise the *first non-ASCII character of the file* decides: valid UTF-8 there means UTF-8, anything else
  means Windows-1252 (French Excel's "CSV (separator: semicolon)"). The file is then decoded with replacement
  characters (U+FFFD) for bytes that do not fit, so a mixed file never crashes and never turns into mojibake:
  `rows.clean_row` rejects a line whose mapped cells hold such a character.
- CSV delimiter: semicolon, comma or tab, whichever splits the first records into the most consistent number of
  columns (at least two); ties go to the semicolon, then the comma.
- Line numbers are what the organiser sees when opening the file in Excel: the header of a file starting with it
  is line 1, and a quoted cell holding a line break does not add a line (CSV lines are counted as records).
- The header is the first row, among the first 30 non-blank ones, with two filled cells and an email column (a
  known email header such as "Email" or "Courriel" is preferred to one that merely mentions "e-mail"); else the
  first row with two filled cells followed by a row holding an "@".
- XLSX: first worksheet only, read in openpyxl's streaming mode; numbers come back without a useless ".0" and
  dates as dd/mm/yyyy.
- Memory stays flat for CSV. For XLSX, openpyxl keeps the workbook's table of distinct texts in memory.
- `Table.rows()` may still raise UnreadableFile when the damage is further down the file than the header.
"""

import codecs
import csv
import io
import itertools
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import BinaryIO

import openpyxl
from django.utils.translation import gettext_lazy as _

from .columns import EXACT_MATCH, PATTERN_MATCH, match_header
from .messages import lazy_message

HEADER_SEARCH_ROWS = 30  # non-blank rows looked at to find the header
HEADER_SEARCH_LINES = 1000  # and never more lines than this, blank ones included
SNIFF_BYTES = 64 * 1024
READ_CHUNK = 64 * 1024
DELIMITERS = (";", ",", "\t")  # in order of preference on a tie: French Excel first

ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BINARY_SIGNATURES = (
    b"\x89PNG",
    b"%PDF",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"\x1f\x8b",  # gzip
    b"Rar!",
    b"7z\xbc\xaf",
    b"{\\rtf",
)
# Web pages and Excel 2003 XML, which some platforms name ".xls", are text but not a table we can read.
MARKUP_STARTS = (b"<!doctype", b"<html", b"<?xml", b"<table")
# Names of the streams inside an OLE file, as stored in its directory (UTF-16, NUL-terminated).
ENCRYPTED_PACKAGE_STREAM = "EncryptedPackage\x00".encode("utf-16-le")
OLD_EXCEL_STREAMS = ("Workbook\x00".encode("utf-16-le"), "Book\x00".encode("utf-16-le"))

_NON_ASCII = re.compile(rb"[\x80-\xff]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


class UnreadableFile(Exception):
    """The file cannot be read as results; `message` says why in one sentence for the organiser."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


EMPTY_FILE = _("The file is empty.")
NOT_A_SPREADSHEET = _(
    "This file is neither an Excel workbook (.xlsx) nor a CSV file: save the results in one of these formats."
)
PASSWORD_PROTECTED = _(
    "This Excel file is protected by a password: open it in Excel and save it again without a password."
)
OLD_EXCEL = _("This is an old Excel file (.xls): save it as an Excel workbook (.xlsx), without a password, or as CSV.")
OLD_EXCEL_OR_PASSWORD = _(
    "This is an old Excel (.xls) or password-protected file: save it as .xlsx without password or as CSV."
)
DAMAGED_WORKBOOK = _("This Excel workbook is damaged and cannot be opened: save it again from Excel, or as CSV.")
NO_WORKSHEET = _("This Excel workbook has no worksheet.")
NO_EMAIL_COLUMN = _(
    "No column with email addresses was found in the first rows: the file needs a header row with an email column."
)


@dataclass(slots=True)
class RawRow:
    """One line of the file as text cells; `line` is the number the organiser sees in Excel."""

    line: int
    cells: list[str]

    @property
    def is_blank(self) -> bool:
        return not any(cell.strip() for cell in self.cells)

    @property
    def filled_count(self) -> int:
        return sum(1 for cell in self.cells if cell.strip())


class Table:
    """An opened file: its header, and a one-shot stream of the rows after it (blank rows included)."""

    def __init__(self, *, headers, header_line, format, encoding, delimiter, rows, close=None):
        self.headers: list[str] = headers
        self.header_line: int = header_line
        self.format: str = format  # "csv" or "xlsx"
        self.encoding: str = encoding  # Python codec name; "" for xlsx
        self.delimiter: str = delimiter  # "" for xlsx
        self._rows: Iterator[RawRow] = rows
        self._close = close
        self._started = False

    def rows(self) -> Iterator[RawRow]:
        """The rows after the header, read as they are consumed; call it once."""
        if self._started:
            raise RuntimeError("Table.rows() can be called only once.")
        self._started = True
        return self._stream()

    def _stream(self) -> Iterator[RawRow]:
        try:
            yield from self._rows
        finally:
            self.close()

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def open_table(fileobj: BinaryIO, filename: str = "") -> Table:
    """Open a seekable binary file (an upload, an open file) as a Table, or raise UnreadableFile.

    `filename` is accepted for callers' convenience but unused: the content decides the format.
    """
    start = fileobj.tell()
    head = fileobj.read(SNIFF_BYTES)
    fileobj.seek(start)
    if not head:
        raise UnreadableFile(EMPTY_FILE)
    if head.startswith(ZIP_SIGNATURE):
        return _open_xlsx(fileobj, start)
    if head.startswith(OLE_SIGNATURE):
        raise UnreadableFile(_why_ole_file_is_refused(fileobj, start))
    if head.startswith(BINARY_SIGNATURES) or _starts_with_markup(head):
        raise UnreadableFile(NOT_A_SPREADSHEET)
    return _open_csv(fileobj, start, head)


def _starts_with_markup(head: bytes) -> bool:
    start = head.removeprefix(codecs.BOM_UTF8)[:100].lstrip().lower()
    return start.startswith(MARKUP_STARTS)


# --- header ---------------------------------------------------------------------------------------------------------


def _find_header(rows: Iterator[RawRow]) -> tuple[RawRow, Iterator[RawRow]]:
    """The header row, and every row after it (the ones read while searching come first)."""
    seen: list[RawRow] = []
    non_blank: list[RawRow] = []
    for row in itertools.islice(rows, HEADER_SEARCH_LINES):
        seen.append(row)
        if not row.is_blank:
            non_blank.append(row)
            if len(non_blank) > HEADER_SEARCH_ROWS:  # one more than searched: the fallback looks at the next row
                break
    if not non_blank:
        raise UnreadableFile(EMPTY_FILE)
    header = _row_with_email_header(non_blank[:HEADER_SEARCH_ROWS]) or _row_followed_by_an_address(non_blank)
    if header is None:
        raise UnreadableFile(NO_EMAIL_COLUMN)
    after_header = [row for row in seen if row.line > header.line]
    return header, itertools.chain(after_header, rows)


def _row_with_email_header(rows: list[RawRow]) -> RawRow | None:
    """A known email header ("Email") first: a title row may mention "e-mail" in passing."""
    for score in (EXACT_MATCH, PATTERN_MATCH):
        for row in rows:
            if row.filled_count >= 2 and any(match_header(cell) == ("email", score) for cell in row.cells):
                return row
    return None


def _row_followed_by_an_address(rows: list[RawRow]) -> RawRow | None:
    for row, next_row in itertools.pairwise(rows):
        if row.filled_count >= 2 and any("@" in cell for cell in next_row.cells):
            return row
    return None


def _header_texts(header: RawRow) -> list[str]:
    """Header cells on one line each, trailing empty ones dropped (Excel pads rows with separators)."""
    headers = [" ".join(cell.split()) for cell in header.cells]
    while headers and not headers[-1]:
        headers.pop()
    return headers


def _table(header: RawRow, rows: Iterator[RawRow], **details) -> Table:
    return Table(headers=_header_texts(header), header_line=header.line, rows=rows, **details)


# --- CSV ------------------------------------------------------------------------------------------------------------


def _open_csv(fileobj: BinaryIO, start: int, head: bytes) -> Table:
    encoding = _csv_encoding(fileobj, start, head)
    fileobj.seek(start)
    delimiter = _csv_delimiter(_decoded_head(head, encoding, at_end=len(head) < SNIFF_BYTES))
    rows = _csv_rows(fileobj, encoding, delimiter)
    header, rest = _find_header(rows)
    return _table(header, rest, format="csv", encoding=encoding, delimiter=delimiter)


def _csv_encoding(fileobj: BinaryIO, start: int, head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # the codec reads the mark and strips it
    if utf16 := _utf16_without_mark(head):
        return utf16
    if _looks_binary(head):
        raise UnreadableFile(NOT_A_SPREADSHEET)
    return "utf-8" if _first_non_ascii_is_utf8(fileobj, start) else "cp1252"


def _utf16_without_mark(head: bytes) -> str | None:
    """UTF-16 text without a byte-order mark shows a zero byte in every other position."""
    sample = head[:2000]
    if len(sample) < 4:
        return None
    even_zeros, odd_zeros = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd_zeros > 0.4 * half and even_zeros < 0.05 * half:
        return "utf-16-le"
    if even_zeros > 0.4 * half and odd_zeros < 0.05 * half:
        return "utf-16-be"
    return None


def _looks_binary(head: bytes) -> bool:
    return b"\x00" in head or len(_CONTROL_BYTES.findall(head)) > 0.01 * len(head)


def _first_non_ascii_is_utf8(fileobj: BinaryIO, start: int) -> bool:
    """Whether the file's first non-ASCII byte starts a valid UTF-8 sequence; a pure ASCII file reads as UTF-8."""
    fileobj.seek(start)
    while chunk := fileobj.read(READ_CHUNK):
        found = _NON_ASCII.search(chunk)
        if found is None:
            continue
        window = chunk[found.start() : found.start() + 4]
        window += fileobj.read(4 - len(window))  # the sequence may go on in the next chunk
        return _starts_with_utf8_character(window)
    return True


def _starts_with_utf8_character(window: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(window, final=False)
    except UnicodeDecodeError as error:
        return error.start > 0  # a valid character came before the bad byte
    return True


def _decoded_head(head: bytes, encoding: str, *, at_end: bool) -> str:
    """The head of the file as text, without its last line when that line may be cut."""
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=at_end)
    if at_end:
        return text
    last_break = max(text.rfind("\n"), text.rfind("\r"))
    return text[: last_break + 1] if last_break >= 0 else text


def _csv_delimiter(head_text: str) -> str:
    """The delimiter giving the most lines with the same number of columns (at least two)."""

    def consistency(delimiter: str) -> tuple[bool, int, int]:
        records = csv.reader(io.StringIO(head_text, newline=""), delimiter=delimiter)
        filled = (cells for cells in records if any(cell.strip(" \t;,") for cell in cells))  # not just separators
        widths = Counter(len(cells) for cells in itertools.islice(filled, 100))
        if not widths:
            return (False, 0, 0)
        width, lines = max(widths.items(), key=lambda item: (item[0] >= 2, item[1], item[0]))
        return (width >= 2, lines, width)

    return max(DELIMITERS, key=consistency)


def _csv_rows(fileobj: BinaryIO, encoding: str, delimiter: str) -> Iterator[RawRow]:
    records = csv.reader(_decoded_lines(fileobj, encoding), delimiter=delimiter, skipinitialspace=True)
    line = 0
    try:
        for line, cells in enumerate(records, start=1):
            yield RawRow(line, cells)
    except csv.Error as error:
        message = _("Line %(line)s of the file cannot be read as CSV: check its quotes.")
        raise UnreadableFile(lazy_message(message, line=line + 1)) from error


def _decoded_lines(fileobj: BinaryIO, encoding: str) -> Iterator[str]:
    """Text lines with their line breaks (CR, LF or CRLF), decoded chunk by chunk; bad bytes become U+FFFD."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    pending = ""
    while True:
        chunk = fileobj.read(READ_CHUNK)
        text = pending + decoder.decode(chunk, final=not chunk)
        if not chunk:
            yield from io.StringIO(text, newline="")
            return
        complete_up_to = _end_of_complete_lines(text)
        pending = text[complete_up_to:]
        yield from io.StringIO(text[:complete_up_to], newline="")


def _end_of_complete_lines(text: str) -> int:
    """Where the complete lines of `text` end; a final CR waits, as an LF may follow in the next chunk."""
    end = len(text)
    if text.endswith("\r"):
        end -= 1
    return max(text.rfind("\n", 0, end), text.rfind("\r", 0, end)) + 1


# --- XLSX -----------------------------------------------------------------------------------------------------------


def _open_xlsx(fileobj: BinaryIO, start: int) -> Table:
    _check_is_workbook(fileobj, start)
    try:
        workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as error:  # openpyxl reports damage with many exception types (KeyError, ValueError, ...)
        raise UnreadableFile(DAMAGED_WORKBOOK) from error
    try:
        if not workbook.worksheets:
            raise UnreadableFile(NO_WORKSHEET)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # trust the cells, not the size the file declares
        header, rest = _find_header(_xlsx_rows(sheet))
    except BaseException:
        workbook.close()
        raise
    return _table(header, rest, format="xlsx", encoding="", delimiter="", close=workbook.close)


def _check_is_workbook(fileobj: BinaryIO, start: int) -> None:
    try:
        with zipfile.ZipFile(fileobj) as archive:
            is_workbook = "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise UnreadableFile(DAMAGED_WORKBOOK) from error
    finally:
        fileobj.seek(start)
    if not is_workbook:  # a .docx, an .ods, a zip of anything
        raise UnreadableFile(NOT_A_SPREADSHEET)


def _xlsx_rows(sheet) -> Iterator[RawRow]:
    line = 0
    values_by_row = sheet.iter_rows(min_row=1, values_only=True)
    while True:
        try:
            values = next(values_by_row, None)
        except Exception as error:  # damage further down the sheet: a bad zip entry or XML
            message = _("The Excel workbook is damaged at line %(line)s: save it again from Excel.")
            raise UnreadableFile(lazy_message(message, line=line + 1)) from error
        if values is None:
            return
        line += 1
        yield RawRow(line, [cell_text(value) for value in values])


def cell_text(value) -> str:
    """A cell value as the organiser sees it: 15 not 15.0, 12.5, dates as dd/mm/yyyy, nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, datetime | date):  # the time of a completion date does not matter
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    if isinstance(value, time):
        return f"{value.hour:02d}:{value.minute:02d}"
    return str(value)


def _float_text(value: float) -> str:
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))  # phone numbers and whole grades are stored as floats
    text = repr(value)
    if "e" in text and "n" not in text:  # 1e-05, but not nan or inf
        text = format(Decimal(text), "f")
    return text


# --- refused files --------------------------------------------------------------------------------------------------


def _why_ole_file_is_refused(fileobj: BinaryIO, start: int):
    """Excel wraps password-protected workbooks in the same container as old .xls files: look at stream names."""
    if _contains(fileobj, start, [ENCRYPTED_PACKAGE_STREAM]):
        return PASSWORD_PROTECTED
    if _contains(fileobj, start, OLD_EXCEL_STREAMS):
        return OLD_EXCEL
    return OLD_EXCEL_OR_PASSWORD


def _contains(fileobj: BinaryIO, start: int, needles: Iterable[bytes]) -> bool:
    """Whether any needle occurs in the file, read by chunks that overlap by the longest needle."""
    needles = list(needles)
    overlap = max(len(needle) for needle in needles)
    fileobj.seek(start)
    previous_tail = b""
    try:
        while chunk := fileobj.read(READ_CHUNK):
            window = previous_tail + chunk
            if any(needle in window for needle in needles):
                return True
            previous_tail = window[-overlap:]
        return False
    finally:
        fileobj.seek(start)
