from datetime import date
from decimal import Decimal

import pytest

from cohorts.importing.rows import CellError, parse_completed, parse_date, parse_grade, split_full_name


@pytest.mark.parametrize(
    ("full_name", "expected"),
    [
        ("Aïssata Traoré", ("Aïssata", "Traoré")),
        ("TRAORÉ Aïssata", ("Aïssata", "TRAORÉ")),
        ("Aïssata TRAORÉ", ("Aïssata", "TRAORÉ")),
        ("N'DIAYE Awa Bintou", ("Awa Bintou", "N'DIAYE")),
        ("N'Diaye, Awa", ("Awa", "N'Diaye")),
        ("Awa Bintou N'Diaye", ("Awa Bintou", "N'Diaye")),
        ("Awa Bintou N’Diaye", ("Awa Bintou", "N’Diaye")),
        ("Mohamed ag Ahmed", ("Mohamed", "ag Ahmed")),
        ("  Sékou \u00a0 Keita ", ("Sékou", "Keita")),
        ("AÏSSATA TRAORÉ", ("AÏSSATA", "TRAORÉ")),
        ("Traoré", ("", "Traoré")),
        ("", ("", "")),
    ],
)
def test_split_full_name(full_name, expected):
    assert split_full_name(full_name) == expected


def test_split_full_name_composes_accents_typed_as_combining_marks():
    first, last = split_full_name("Ai\u0308ssata Traore\u0301")

    assert (first, last) == ("Aïssata", "Traoré")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,5", Decimal("12.5")),
        ("12.5", Decimal("12.5")),
        (" 15 ", Decimal("15")),
        ("1 234,5", Decimal("1234.5")),
        ("1\u00a0234,5", Decimal("1234.5")),
        ("1\u202f234,5", Decimal("1234.5")),
        ("15/20", Decimal("15")),
        ("12,5 / 20", Decimal("12.5")),
        ("85 %", Decimal("85")),
        ("9.99", Decimal("9.99")),
        ("14.333333333333334", Decimal("14.333333333333334")),
        ("-", None),
        ("", None),
        ("  ", None),
    ],
)
def test_parse_grade_reads_french_and_english_numbers_exactly(text, expected):
    assert parse_grade(text) == expected


@pytest.mark.parametrize("text", ["abc", "12,5,1", "1,234.5", "12 5", "/20", "15/abc", "#N/A", "A+"])
def test_parse_grade_refuses_what_is_not_a_number(text):
    with pytest.raises(CellError) as caught:
        parse_grade(text)

    assert str(caught.value.reason) == f"grade is not a number: '{text}'"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/09/2023", date(2023, 9, 5)),
        ("5/9/2023", date(2023, 9, 5)),
        ("05/09/23", date(2023, 9, 5)),
        ("05-09-2023", date(2023, 9, 5)),
        ("05.09.2023", date(2023, 9, 5)),
        ("2023-09-05", date(2023, 9, 5)),
        ("2023-09-05T14:32:00Z", date(2023, 9, 5)),
        ("05/09/2023 14:32", date(2023, 9, 5)),
        ("05/09/2023 14:32:10", date(2023, 9, 5)),
        ("12/01/2023", date(2023, 1, 12)),
        ("Tuesday, 5 September 2023, 2:32 PM", date(2023, 9, 5)),
        ("mardi 5 septembre 2023, 14:32", date(2023, 9, 5)),
        ("1er août 2023", date(2023, 8, 1)),
        ("5 sept. 2023", date(2023, 9, 5)),
        ("-", None),
        ("", None),
    ],
)
def test_parse_date_reads_day_first_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2023", "13/13/2023", "2023", "hier", "05/09/2023 25:00", "5 Foo 2023"])
def test_parse_date_refuses_what_is_not_a_date(text):
    with pytest.raises(CellError) as caught:
        parse_date(text)

    assert str(caught.value.reason) == f"not a date (dd/mm/yyyy): '{text}'"


@pytest.mark.parametrize(
    "text",
    ["yes", "Yes", "oui", "OUI", "1", "true", "TRUE", "x", "Complete", "Completed", "Complété", "Terminé", "Achevé",
     "Completed (achieved pass grade)", "05/09/2023"],
)  # fmt: skip
def test_parse_completed_reads_yes(text):
    assert parse_completed(text) is True


@pytest.mark.parametrize("text", ["no", "Non", "0", "false", "Not completed", "Non achevé", "Pas terminé", "En cours"])
def test_parse_completed_reads_no(text):
    assert parse_completed(text) is False


@pytest.mark.parametrize("text", ["", "  ", "-"])
def test_parse_completed_leaves_an_empty_cell_unstated(text):
    assert parse_completed(text) is None


def test_parse_completed_refuses_an_unknown_word():
    with pytest.raises(CellError) as caught:
        parse_completed("peut-être")

    assert str(caught.value.reason) == "course completion is not yes or no: 'peut-être'"
