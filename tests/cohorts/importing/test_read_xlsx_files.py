import io
from datetime import date, datetime

import openpyxl

from cohorts.importing.readers import cell_text

from .conftest import all_rows, table_from, xlsx_bytes


def test_header_on_row_3_of_the_first_sheet_and_cell_types_become_text():
    first_sheet = [
        ["Résultats du cours en ligne MaliSIG 2023"],
        [],
        ["Prénom", "Nom", "Adresse de courriel", "Note finale", "Date d'achèvement", "Téléphone"],
        ["Aïssata", "Kéïta", "aissata@example.org", 12.5, datetime(2023, 9, 5, 14, 32), 22376543210],
        ["Sékou", "N’Diaye", "sekou@example.org", 15, date(2023, 9, 6), 22365000000.0],
    ]
    second_sheet = [["Email", "Note"], ["intrus@example.org", 20]]

    table = table_from(xlsx_bytes(first_sheet, second_sheet))

    assert (table.format, table.header_line, table.encoding, table.delimiter) == ("xlsx", 3, "", "")
    assert table.headers[2] == "Adresse de courriel"
    assert all_rows(table) == [
        (4, ["Aïssata", "Kéïta", "aissata@example.org", "12.5", "05/09/2023", "22376543210"]),
        (5, ["Sékou", "N’Diaye", "sekou@example.org", "15", "06/09/2023", "22365000000"]),
    ]


def test_rows_missing_from_the_sheet_keep_excel_line_numbers():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A2"], sheet["B2"] = "Email", "Nom"
    sheet["A5"], sheet["B5"] = "awa@example.org", "Traoré"
    buffer = io.BytesIO()
    workbook.save(buffer)

    table = table_from(buffer.getvalue())

    rows = [(row.line, row.is_blank) for row in table.rows()]
    assert table.header_line == 2
    assert rows == [(3, True), (4, True), (5, False)]


def test_cell_text_writes_numbers_as_typed_and_empty_cells_as_nothing():
    values = [None, 15, 15.0, 12.5, 9.99, 1e-05, True, date(2023, 1, 2)]

    assert [cell_text(value) for value in values] == ["", "15", "15", "12.5", "9.99", "0.00001", "TRUE", "02/01/2023"]


def test_workbook_is_closed_once_rows_are_consumed():
    table = table_from(xlsx_bytes([["Email", "Nom"], ["a@example.org", "Traoré"]]))

    list(table.rows())

    assert table._close is None
