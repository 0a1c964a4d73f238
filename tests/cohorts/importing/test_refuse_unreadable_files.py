import io
import zipfile

import pytest

from cohorts.importing.readers import OLE_SIGNATURE, UnreadableFile

from .conftest import table_from, xlsx_bytes


def refusal(data: bytes) -> str:
    with pytest.raises(UnreadableFile) as caught:
        table_from(data)
    return str(caught.value.message)


def ole_file(*stream_names: str) -> bytes:
    """A stand-in for an OLE compound file: its signature and its directory's stream names."""
    directory = b"".join(f"{name}\x00".encode("utf-16-le").ljust(128, b"\x00") for name in stream_names)
    return OLE_SIGNATURE + b"\x00" * 504 + directory + b"\x00" * 1024


def test_empty_file_is_refused():
    assert refusal(b"") == "The file is empty."


def test_file_of_blank_lines_is_refused_as_empty():
    assert refusal(b";;;\r\n\r\n;;\r\n") == "The file is empty."


def test_png_is_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"

    assert "neither an Excel workbook (.xlsx) nor a CSV file" in refusal(png)


def test_pdf_is_refused():
    assert "neither an Excel workbook (.xlsx) nor a CSV file" in refusal(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")


def test_html_page_named_xls_is_refused():
    assert "neither an Excel workbook" in refusal(b"\r\n<!DOCTYPE html><html><table><tr><td>Email</td></tr></table>")


def test_unknown_binary_with_zero_bytes_is_refused():
    assert "neither an Excel workbook (.xlsx) nor a CSV file" in refusal(bytes(range(256)) * 4)


def test_password_protected_xlsx_says_to_remove_the_password():
    message = refusal(ole_file("Root Entry", "EncryptionInfo", "EncryptedPackage"))

    assert message == (
        "This Excel file is protected by a password: open it in Excel and save it again without a password."
    )


def test_old_xls_says_to_save_as_xlsx_or_csv():
    assert "old Excel file (.xls)" in refusal(ole_file("Root Entry", "Workbook", "SummaryInformation"))


def test_ole_file_that_cannot_be_told_apart_names_both_causes():
    assert refusal(OLE_SIGNATURE + b"\x00" * 600) == (
        "This is an old Excel (.xls) or password-protected file: save it as .xlsx without password or as CSV."
    )


def test_corrupt_zip_is_refused_as_a_damaged_workbook():
    truncated = xlsx_bytes([["Email", "Nom"]])[:300]

    assert "damaged" in refusal(truncated)


def test_zip_with_a_broken_workbook_part_is_refused_as_damaged():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not really xml")

    assert "damaged" in refusal(buffer.getvalue())


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")

    assert "neither an Excel workbook (.xlsx) nor a CSV file" in refusal(buffer.getvalue())


def test_csv_without_an_email_column_is_refused():
    data = "Prénom;Nom;Note\nAwa;Traoré;12\nSékou;Keita;9\n".encode()

    assert refusal(data).startswith("No column with email addresses was found")


def test_xlsx_without_an_email_column_is_refused():
    assert refusal(xlsx_bytes([["Prénom", "Nom"], ["Awa", "Traoré"]])).startswith("No column with email addresses")


def test_header_beyond_the_first_30_non_blank_rows_is_not_found():
    titles = "".join(f"Titre {n};note {n}\n" for n in range(30))
    data = f"{titles}Email;Nom\na@example.org;Traore\n".encode()

    assert refusal(data).startswith("No column with email addresses")
