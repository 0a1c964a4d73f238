import pytest

from cohorts.importing.readers import UnreadableFile

from .conftest import all_rows, table_from

FRENCH_HEADER = "Prénom;Nom;Adresse de courriel;Note finale"


def test_utf8_file_is_read_with_accents_and_header_on_line_1():
    data = f"{FRENCH_HEADER}\nAïssata;Kéïta;aissata@example.org;12,5\n".encode()

    table = table_from(data)

    assert (table.format, table.encoding, table.delimiter, table.header_line) == ("csv", "utf-8", ";", 1)
    assert table.headers == ["Prénom", "Nom", "Adresse de courriel", "Note finale"]
    assert all_rows(table) == [(2, ["Aïssata", "Kéïta", "aissata@example.org", "12,5"])]


def test_utf8_bom_is_stripped_from_the_first_header():
    data = "\ufeffEmail,First name\r\nsekou@example.org,Sékou\r\n".encode()

    table = table_from(data)

    assert table.encoding == "utf-8-sig"
    assert table.headers == ["Email", "First name"]
    assert all_rows(table) == [(2, ["sekou@example.org", "Sékou"])]


def test_windows_1252_file_keeps_accents_and_typographic_apostrophe():
    data = f"{FRENCH_HEADER}\r\nAwa;N’Diaye;awa@example.org;14\r\nAïssata;Kéïta;aissata@example.org;9,5\r\n"

    table = table_from(data.encode("cp1252"))

    assert table.encoding == "cp1252"
    assert all_rows(table) == [
        (2, ["Awa", "N’Diaye", "awa@example.org", "14"]),
        (3, ["Aïssata", "Kéïta", "aissata@example.org", "9,5"]),
    ]


def test_utf16_le_with_bom_is_read():
    data = "Email\tNom complet\r\nawa@example.org\tAwa N'Diaye\r\n".encode("utf-16")  # BOM + little endian here

    table = table_from(data)

    assert table.encoding == "utf-16"
    assert table.delimiter == "\t"
    assert all_rows(table) == [(2, ["awa@example.org", "Awa N'Diaye"])]


def test_utf16_be_with_bom_is_read():
    data = "\ufeffEmail;Prénom\nawa@example.org;Awa\n".encode("utf-16-be")

    table = table_from(data)

    assert all_rows(table) == [(2, ["awa@example.org", "Awa"])]


def test_ascii_start_then_utf8_accent_far_down_is_read_as_utf8():
    filler = "".join(f"person{n}@example.org;Awa;12\n" for n in range(5000))  # about 130 KB of ASCII
    data = f"Email;Prénom;Note\n{filler}kadi@example.org;Kadiatou Sékou;15\n".encode()

    rows = all_rows(table_from(data))

    assert rows[-1] == (5002, ["kadi@example.org", "Kadiatou Sékou", "15"])


def test_utf8_file_with_a_stray_windows_byte_later_gives_a_replacement_character_not_mojibake():
    data = "Email;Prénom\nawa@example.org;Aïssata\n".encode() + b"sekou@example.org;S\xe9kou\n"

    rows = all_rows(table_from(data))

    assert rows == [(2, ["awa@example.org", "Aïssata"]), (3, ["sekou@example.org", "S\ufffdkou"])]


def test_multibyte_character_cut_by_a_read_chunk_is_decoded_whole():
    padding = "a" * (64 * 1024 - len("Email;Nom\nx@example.org;") - 1)  # "é" straddles the 64 KiB boundary
    data = f"Email;Nom\nx@example.org;{padding}é\n".encode()

    rows = all_rows(table_from(data))

    assert rows[0][1][1].endswith("aé")


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("Email;Nom;Note\na@example.org;Traoré;12,5\nb@example.org;Keita;9,75\n", ";"),
        ('Email,Name,Grade\na@example.org,"Traoré, Awa",12.5\nb@example.org,Keita,9\n', ","),
        ("Email\tNom\tNote\na@example.org\tTraoré\t12,5\nb@example.org\tKeita\t9\n", "\t"),
    ],
)
def test_delimiter_is_detected_from_the_header_region(text, delimiter):
    table = table_from(text.encode())

    assert table.delimiter == delimiter
    assert len(table.headers) == 3
    assert [len(cells) for _line, cells in all_rows(table)] == [3, 3]


def test_semicolon_wins_even_when_every_grade_has_a_decimal_comma():
    data = "Email;Nom;Note\na@example.org;Traoré;12,5\nb@example.org;Keita;9,5\n".encode()

    assert table_from(data).delimiter == ";"


def test_quoted_cells_keep_delimiters_and_line_breaks_and_count_as_one_line():
    data = 'Email;Nom;Organisation\r\na@example.org;"Traoré; Awa";"Orange\r\nMali"\r\nb@example.org;Keita;AMRTP\r\n'

    rows = all_rows(table_from(data.encode()))

    assert rows == [
        (2, ["a@example.org", "Traoré; Awa", "Orange\r\nMali"]),
        (3, ["b@example.org", "Keita", "AMRTP"]),
    ]


def test_title_and_blank_rows_before_the_header_set_the_header_line():
    lines = ["Résultats du cours en ligne;;;", ";;;", "", "Exporté le 05/09/2023;;;", "Prénom;Nom;Courriel;Note"]
    data = "\n".join([*lines, "Awa;Traoré;a@example.org;12", ""])

    table = table_from(data.encode())

    assert table.header_line == 5
    assert table.headers == ["Prénom", "Nom", "Courriel", "Note"]
    assert all_rows(table) == [(6, ["Awa", "Traoré", "a@example.org", "12"])]


def test_bare_separator_rows_are_yielded_as_blank():
    data = "Email;Nom;Note\n;;\na@example.org;Traoré;12\n   ;  ;\n".encode()

    rows = list(table_from(data).rows())

    assert [(row.line, row.is_blank) for row in rows] == [(2, True), (3, False), (4, True)]


def test_header_without_an_email_word_is_found_from_the_address_below_it():
    data = "Liste;;\nParticipant;Contact;Structure\nAwa Traoré;awa@example.org;Orange\n".encode()

    table = table_from(data)

    assert (table.header_line, table.headers) == (2, ["Participant", "Contact", "Structure"])


def test_trailing_empty_header_cells_are_dropped_and_header_whitespace_collapsed():
    data = b' Email ;"Adresse\npostale";;;\na@example.org;Bamako;;;\n'

    assert table_from(data).headers == ["Email", "Adresse postale"]


def test_lone_carriage_returns_end_lines_like_old_mac_files():
    data = b"Email;Nom\ra@example.org;Traore\rb@example.org;Keita\r"

    assert all_rows(table_from(data)) == [(2, ["a@example.org", "Traore"]), (3, ["b@example.org", "Keita"])]


def test_rows_can_be_iterated_only_once():
    table = table_from(b"Email;Nom\na@example.org;Traore\n")
    list(table.rows())

    with pytest.raises(RuntimeError):
        table.rows()


def test_title_row_mentioning_email_loses_to_the_real_email_header():
    data = "Résultats envoyés par e-mail;05/09/2023\nPrénom;Email\nAwa;awa@example.org\n".encode()

    assert table_from(data).header_line == 2


def test_utf16_le_without_bom_is_recognised_by_its_zero_bytes():
    data = "Email;Prénom\r\nawa@example.org;Aïssata\r\n".encode("utf-16-le")

    table = table_from(data)

    assert table.encoding == "utf-16-le"
    assert all_rows(table) == [(2, ["awa@example.org", "Aïssata"])]


def test_unreadable_record_further_down_stops_the_stream_with_its_line():
    good_lines = "".join(f"p{n}@example.org;Traoré\n" for n in range(40))  # beyond the header search
    data = f'Email;Nom\n{good_lines}b@example.org;"{"x" * 200_000}"\n'.encode()
    rows = table_from(data).rows()

    with pytest.raises(UnreadableFile) as caught:
        list(rows)

    assert str(caught.value.message) == "Line 42 of the file cannot be read as CSV: check its quotes."
