"""Spreadsheet exports (CSV and XLSX) shared by every app, safe to open in Excel or LibreOffice.

Every cell goes through `neutralise`: a text typed by a participant ("=HYPERLINK(...)") must never run as a formula
on an organiser's computer (OWASP "CSV injection").

CSV is written for French Excel, which most organisers use: UTF-8 with a byte order mark (without it Excel reads
"Traoré" as "TraorÃ©"), semicolons between cells (the comma is the decimal separator in French), decimal commas and
dates as dd/mm/yyyy. XLSX keeps numbers and dates typed, so any spreadsheet shows them in its own locale.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

CSV_DELIMITER = ";"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"

# What spreadsheets read as the start of a formula (OWASP), tab and carriage return included.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text that a spreadsheet would run as a formula, prefixed with a single quote; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(value) -> str:
    """One cell as French Excel reads it: empty for None, decimal comma, dd/mm/yyyy, yes/no; neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f").replace(".", ",")
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    if isinstance(value, dt.datetime):
        return _local(value).strftime(DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT)
    return neutralise(str(value))


class _Line:
    """The file-like object csv.writer wants; it hands back each line instead of storing it."""

    def write(self, line: str) -> str:
        return line


def csv_lines(header: Sequence, rows: Iterable[Sequence]) -> Iterable[str]:
    """The CSV file line by line: byte order mark and header first."""
    writer = csv.writer(_Line(), delimiter=CSV_DELIMITER)
    yield "\ufeff" + writer.writerow([csv_text(str(title)) for title in header])
    for row in rows:
        yield writer.writerow([csv_text(value) for value in row])


def csv_response(filename: str, header: Sequence, rows: Iterable[Sequence]) -> StreamingHttpResponse:
    """A CSV download streamed row by row, so a large roster never sits whole in memory."""
    language = translation.get_language()

    def lines():
        # The rows are read after the view returned: keep the request's language for yes/no and labels.
        with translation.override(language):
            yield from csv_lines(header, rows)

    response = StreamingHttpResponse(lines(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def xlsx_cell_value(value):
    """One cell for openpyxl: typed numbers and dates, naive local datetimes, clean neutralised text."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or isinstance(value, bool | int | float | Decimal | dt.date):
        if isinstance(value, dt.datetime):
            return _local(value).replace(tzinfo=None)
        return value
    # openpyxl refuses control characters (a pasted vertical tab would fail the whole file).
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def xlsx_bytes(header: Sequence, rows: Iterable[Sequence], *, sheet_title: str = "") -> bytes:
    """The workbook, written in openpyxl's write-only mode (rows go straight to the file, little memory)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(sheet_title))
    sheet.append([xlsx_cell_value(str(title)) for title in header])
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=xlsx_cell_value(value))
            if isinstance(value, dt.datetime):
                cell.number_format = "DD/MM/YYYY HH:MM"
            elif isinstance(value, dt.date):
                cell.number_format = "DD/MM/YYYY"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, header: Sequence, rows: Iterable[Sequence], *, sheet_title: str = "") -> HttpResponse:
    """An XLSX download (one sheet); the file is built whole, as the format is a zip archive."""
    response = HttpResponse(xlsx_bytes(header, rows, sheet_title=sheet_title), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def _sheet_title(title: str) -> str:
    """Excel's limits: 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in title).strip()
    return cleaned[:31] or "Sheet1"
