"""Helpers for the import tests: reasons are asserted in English, files are built in memory."""

import io

import openpyxl
import pytest
from django.utils import translation

from cohorts.importing.readers import open_table


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def table_from(data: bytes, filename: str = ""):
    return open_table(io.BytesIO(data), filename)


def all_rows(table) -> list[tuple[int, list[str]]]:
    return [(row.line, row.cells) for row in table.rows()]


def xlsx_bytes(*sheets: list[list]) -> bytes:
    """A workbook with one worksheet per list of rows."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for number, rows in enumerate(sheets, start=1):
        sheet = workbook.create_sheet(f"Feuil{number}")
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
