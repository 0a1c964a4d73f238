from datetime import date
from decimal import Decimal

import pytest

from cohorts.importing.readers import RawRow
from cohorts.importing.rows import CleanRow, Rejection, clean_row

HEADERS = ["Prénom", "Nom", "Courriel", "Organisation", "Ville", "Note", "Date d'achèvement", "Terminé"]
MAPPING = {
    "first_name": 0,
    "last_name": 1,
    "email": 2,
    "organisation": 3,
    "city": 4,
    "grade": 5,
    "completion_date": 6,
    "completed": 7,
}
GOOD = ["Aïssata", "Kéïta", " Aissata.Keita@Example.ORG\u00a0", "AMRTP", "Bamako", "12,5", "05/09/2023", "Oui"]


def cleaned(cells: list[str], line: int = 7, mapping: dict[str, int] = MAPPING):
    return clean_row(RawRow(line, cells), len(HEADERS), mapping)


def with_cell(index: int, value: str) -> list[str]:
    cells = list(GOOD)
    cells[index] = value
    return cells


def reason_of(result) -> tuple[int, str]:
    assert isinstance(result, Rejection)
    return result.line, str(result.reason)


def test_clean_row_normalises_email_and_reads_every_field():
    result = cleaned(GOOD)

    assert result == CleanRow(
        line=7,
        email="aissata.keita@example.org",
        first_name="Aïssata",
        last_name="Kéïta",
        organisation="AMRTP",
        city="Bamako",
        grade=Decimal("12.5"),
        completion_date=date(2023, 9, 5),
        completed=True,
    )


def test_names_are_kept_as_typed_with_their_apostrophes_in_nfc():
    cells = with_cell(1, "N’Diaye\u00a0")
    cells[0] = "Ai\u0308ssata"  # typed with a combining diaeresis

    result = cleaned(cells)

    assert (result.first_name, result.last_name) == ("Aïssata", "N’Diaye")


def test_full_name_is_split_when_first_and_last_name_are_absent():
    mapping = {"full_name": 0, "email": 1}

    result = clean_row(RawRow(3, ["TRAORÉ Aïssata", "a@example.org"]), 2, mapping)

    assert (result.first_name, result.last_name) == ("Aïssata", "TRAORÉ")


def test_a_line_break_typed_in_a_cell_becomes_a_space():
    assert cleaned(with_cell(3, "Orange\r\nMali")).organisation == "Orange Mali"


def test_formula_like_text_is_kept_as_typed():
    assert cleaned(with_cell(3, "=HYPERLINK(1)")).organisation == "=HYPERLINK(1)"


def test_trailing_empty_cells_beyond_the_headers_are_fine():
    assert isinstance(cleaned([*GOOD, "", "  ", ""]), CleanRow)


def test_missing_cells_at_the_end_of_a_short_line_are_empty():
    result = cleaned(GOOD[:3])

    assert (result.email, result.grade, result.completed) == ("aissata.keita@example.org", None, None)


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        (with_cell(2, ""), "missing email"),
        (with_cell(2, "x@"), "invalid email address: 'x@'"),
        (with_cell(2, "awa traore@example.org"), "invalid email address: 'awa traore@example.org'"),
        ([*GOOD, "extra"], "more filled cells (9) than headers (8)"),
        ([*GOOD, "", "extra"], "more filled cells (10) than headers (8)"),
        (with_cell(0, "A" * 163), "first name is longer than 150 characters (163)"),
        (with_cell(3, "O" * 201), "organisation is longer than 200 characters (201)"),
        (with_cell(0, "<b>"), "markup is not allowed in first name: '<b>'"),
        (with_cell(4, "Bamako <script>"), "markup is not allowed in city: 'Bamako <script>'"),
        (with_cell(0, "Awa\x07"), "first name contains control characters"),
        (with_cell(5, "abc"), "grade is not a number: 'abc'"),
        (with_cell(6, "31/02/2023"), "completion date is not a date (dd/mm/yyyy): '31/02/2023'"),
        (with_cell(7, "peut-être"), "course completion is not yes or no: 'peut-être'"),
        (
            with_cell(1, "Ke\ufffdta"),
            "some characters cannot be read (mixed encodings): save the file again as CSV UTF-8",
        ),
    ],
)
def test_clean_row_rejects_with_a_specific_reason_and_the_line(cells, reason):
    assert reason_of(cleaned(cells, line=12)) == (12, reason)


def test_markup_in_a_full_name_is_rejected():
    result = clean_row(RawRow(4, ["<i>Awa</i>", "a@example.org"]), 2, {"full_name": 0, "email": 1})

    assert reason_of(result) == (4, "markup is not allowed in full name: '<i>Awa</i>'")


def test_long_values_are_shortened_in_the_reason():
    result = cleaned(with_cell(5, "z" * 80))

    assert str(result.reason) == f"grade is not a number: '{'z' * 49}…'"


def test_max_lengths_can_be_tightened_by_the_caller():
    limits = {"email": 254, "phone": 8}
    mapping = {"email": 0, "phone": 1}

    result = clean_row(RawRow(2, ["a@example.org", "+223 76 54 32 10"]), 2, mapping, max_lengths=limits)

    assert str(result.reason) == "phone is longer than 8 characters (16)"
