import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone, translation

from malisig.exports import csv_response, csv_text, neutralise, xlsx_response

FORMULA = '=HYPERLINK("http://evil.example","Cliquez")'


def read_csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return list(workbook.active.iter_rows(values_only=True))


@pytest.mark.parametrize("text", ["=1+1", "+223 70 00 00 00", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_neutralise_prefixes_what_a_spreadsheet_would_run(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Traoré", "", "a=b", 5, Decimal("-1.5"), None, dt.date(2023, 3, 5)])
def test_neutralise_leaves_plain_text_and_other_values_alone(value):
    assert neutralise(value) == value


def test_csv_text_writes_what_french_excel_reads():
    with translation.override("en"):
        cells = [
            csv_text(value) for value in (Decimal("12.500"), Decimal("100"), dt.date(2023, 3, 5), True, None, FORMULA)
        ]

    assert cells == ["12,5", "100", "05/03/2023", "yes", "", "'" + FORMULA]


def test_csv_response_streams_semicolons_with_a_bom_and_neutralised_formulas():
    rows = iter([[FORMULA, "Kéïta & Fils; SARL", Decimal("15.25")], ["Traoré", "-", None]])

    response = csv_response("participants.csv", ["Nom", "Organisation", "Note"], rows)

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="participants.csv"'
    assert read_csv(response) == [
        ["Nom", "Organisation", "Note"],
        ["'" + FORMULA, "Kéïta & Fils; SARL", "15,25"],
        ["Traoré", "'-", ""],
    ]


def test_csv_response_neutralises_the_header_too():
    response = csv_response("x.csv", ["=cmd"], [])

    assert read_csv(response) == [["'=cmd"]]


def test_xlsx_response_keeps_accents_and_types_and_neutralises_formulas(settings):
    moment = timezone.make_aware(dt.datetime(2023, 3, 5, 9, 30))
    rows = [[FORMULA, "Kéïta", Decimal("15.25"), dt.date(2023, 3, 5), moment, None, "bell\x07"]]

    response = xlsx_response("participants.xlsx", ["Nom", "Prénom", "Note", "Date", "Moment", "Vide", "Texte"], rows)

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="participants.xlsx"'
    assert read_xlsx(response) == [
        ("Nom", "Prénom", "Note", "Date", "Moment", "Vide", "Texte"),
        ("'" + FORMULA, "Kéïta", 15.25, dt.datetime(2023, 3, 5), dt.datetime(2023, 3, 5, 9, 30), None, "bell"),
    ]


def test_xlsx_dates_are_shown_as_day_month_year():
    response = xlsx_response("x.xlsx", ["Date"], [[dt.date(2023, 3, 5)]])

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].number_format == "DD/MM/YYYY"
