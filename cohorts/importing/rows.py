"""Turn one raw line of a results file into clean participant values, or into the reason it is rejected.

Decisions:

- Text is kept as typed, after trimming, NFC and turning line breaks typed inside a cell into spaces; a value
  starting with = + - @ is kept too (exports neutralise formulas). Nothing is ever truncated: too long is rejected.
- Any < or > in a text field rejects the line: names are shown in pages and mails, markup has no place there.
- First and last name columns win; a full name is split (see `split_full_name`) only when both are empty.
- A grade is an exact Decimal: "12,5", "12.5", "1 234,5", "15/20" (the number before the slash), "85 %" (the
  number); "" and "-" mean no grade.
- Dates are always day first; a two-digit year is in the 2000s.
- "Course completed" reads yes/no words in French and English and Moodle's labels; a date there means completed;
  an empty cell or "-" is None (not stated), so a completion date in another column can still count.
- Callers skip blank rows (`RawRow.is_blank`) before calling `clean_row`.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

from malisig.models import normalise_email, normalise_name

from .columns import FIELDS
from .messages import lazy_message
from .readers import RawRow

FIELD_MAX_LENGTHS = {
    "email": 254,
    "first_name": 150,
    "last_name": 150,
    "organisation": 200,
    "country": 100,
    "city": 100,
    "job_title": 150,
    "phone": 40,
    "sector": 100,
    "gender": 30,
    "external_id": 100,
}
TEXT_FIELDS = ("organisation", "country", "gender", "city", "job_title", "phone", "sector", "external_id")
SHOWN_VALUE_LENGTH = 50  # a rejection quotes at most this much of the offending value
NO_VALUE = {"", "-", "–", "—"}  # Moodle and Excel show a dash, sometimes a typographic one

_LINE_BREAKS = re.compile(r"[\t\r\n\v\f\x85\u2028\u2029]+")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_UNUSUAL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f<>\u2028\u2029]")
_THOUSANDS_SEPARATOR = re.compile(r"(?<=\d)[ \u00a0\u202f'](?=\d{3}(?!\d))")
_DECIMAL_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)")
_SURNAME_PARTICLES = {"de", "du", "des", "da", "dos", "das", "di", "van", "von", "der", "le", "la", "ag", "ould", "ben"}


class _EmailValidator(EmailValidator):
    """Django's rules, its patterns compiled once (its lazy proxies cost more than the match on 50,000 rows)."""

    user_regex = re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags)
    domain_regex = re.compile(EmailValidator.domain_regex.pattern, EmailValidator.domain_regex.flags)
    literal_regex = re.compile(EmailValidator.literal_regex.pattern, EmailValidator.literal_regex.flags)


validate_email = _EmailValidator(allowlist=[])  # no "awa@localhost": a participant's address has a real domain


class CellError(ValueError):
    """A cell that cannot be read; `reason` is the user-facing rejection reason."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True, kw_only=True)
class CleanRow:
    line: int
    email: str
    first_name: str = ""
    last_name: str = ""
    organisation: str = ""
    country: str = ""
    gender: str = ""
    city: str = ""
    job_title: str = ""
    phone: str = ""
    sector: str = ""
    external_id: str = ""
    grade: Decimal | None = None
    completion_date: date | None = None
    completed: bool | None = None


@dataclass(slots=True)
class Rejection:
    line: int
    reason: str


def clean_row(
    raw: RawRow, headers_count: int, mapping: dict[str, int], max_lengths: dict[str, int] = FIELD_MAX_LENGTHS
) -> CleanRow | Rejection:
    """The line's clean values, or the first reason to reject it.

    Checked in this order: cells beyond the headers, unreadable characters, email, names, other texts, grade,
    completion date, completion.
    """
    try:
        return _clean(raw, headers_count, mapping, max_lengths)
    except CellError as error:
        return Rejection(raw.line, error.reason)


def _clean(raw: RawRow, headers_count: int, mapping: dict[str, int], max_lengths: dict[str, int]) -> CleanRow:
    _check_width(raw.cells, headers_count)
    values = {field: raw.cells[index] if index < len(raw.cells) else "" for field, index in mapping.items()}
    _check_readable(values)
    email = _email(values.get("email", ""), max_lengths)
    first_name, last_name = _names(values, max_lengths)
    texts = {field: _text(field, values[field], max_lengths) for field in TEXT_FIELDS if field in values}
    return CleanRow(
        line=raw.line,
        email=email,
        first_name=first_name,
        last_name=last_name,
        **texts,
        grade=parse_grade(values.get("grade", "")),
        completion_date=_completion_date(values.get("completion_date", "")),
        completed=parse_completed(values.get("completed", "")),
    )


def _check_width(cells: list[str], headers_count: int) -> None:
    """A filled cell right of the last header usually means an unquoted separator shifted the line."""
    if len(cells) <= headers_count or not any(cell.strip() for cell in cells[headers_count:]):
        return
    width = max(index for index, cell in enumerate(cells) if cell.strip()) + 1
    message = _("more filled cells (%(cells)s) than headers (%(headers)s)")
    raise CellError(lazy_message(message, cells=width, headers=headers_count))


def _check_readable(values: dict[str, str]) -> None:
    if "\ufffd" in "".join(values.values()):  # the reader's mark for bytes that did not decode
        raise CellError(_("some characters cannot be read (mixed encodings): save the file again as CSV UTF-8"))


def _email(value: str, max_lengths: dict[str, int]) -> str:
    email = normalise_email(value)
    if not email:
        raise CellError(_("missing email"))
    _check_length("email", email, max_lengths)
    try:
        validate_email(email)
    except ValidationError as error:
        raise CellError(lazy_message(_("invalid email address: '%(value)s'"), value=_shown(email))) from error
    return email


def _names(values: dict[str, str], max_lengths: dict[str, int]) -> tuple[str, str]:
    first_name = _text("first_name", values.get("first_name", ""), max_lengths)
    last_name = _text("last_name", values.get("last_name", ""), max_lengths)
    if first_name or last_name:
        return first_name, last_name
    first_name, last_name = split_full_name(_text("full_name", values.get("full_name", ""), max_lengths))
    _check_length("first_name", first_name, max_lengths)
    _check_length("last_name", last_name, max_lengths)
    return first_name, last_name


def _text(field: str, value: str, max_lengths: dict[str, int]) -> str:
    text = normalise_name(value)
    if _UNUSUAL_CHARACTERS.search(text):  # rare: keep the common case to one search
        text = _LINE_BREAKS.sub(" ", text)  # Alt+Enter in a cell; these fields are one line
        _check_no_control_characters(field, text)
        _check_no_markup(field, text)
    _check_length(field, text, max_lengths)
    return text


def _check_no_control_characters(field: str, text: str) -> None:
    if _CONTROL_CHARACTERS.search(text):
        raise CellError(lazy_message(_("%(field)s contains control characters"), field=FIELDS[field]))


def _check_no_markup(field: str, text: str) -> None:
    if "<" in text or ">" in text:
        message = _("markup is not allowed in %(field)s: '%(value)s'")
        raise CellError(lazy_message(message, field=FIELDS[field], value=_shown(text)))


def _check_length(field: str, text: str, max_lengths: dict[str, int]) -> None:
    limit = max_lengths.get(field)
    if limit is not None and len(text) > limit:
        message = _("%(field)s is longer than %(limit)s characters (%(length)s)")
        raise CellError(lazy_message(message, field=FIELDS[field], limit=limit, length=len(text)))


def _completion_date(value: str) -> date | None:
    try:
        return parse_date(value)
    except CellError as error:
        message = _("completion date is not a date (dd/mm/yyyy): '%(value)s'")
        raise CellError(lazy_message(message, value=_shown(value.strip()))) from error


def _shown(value: str) -> str:
    return value if len(value) <= SHOWN_VALUE_LENGTH else value[: SHOWN_VALUE_LENGTH - 1] + "…"


def _word_key(text: str) -> str:
    """Lower case, no accents, punctuation as single spaces: "Non achevé." → "non acheve"."""
    decomposed = unicodedata.normalize("NFKD", text)
    unaccented = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[\W_]+", " ", unaccented.casefold()).split())


# --- names ----------------------------------------------------------------------------------------------------------


def split_full_name(text: str) -> tuple[str, str]:
    """(first name, last name) from one full-name cell.

    - "N'Diaye, Awa": a comma puts the last name first.
    - "TRAORÉ Aïssata", "Aïssata TRAORÉ": words in capitals are the last name, first or last (common in Mali).
    - "Awa Bintou N'Diaye": otherwise the last word is the last name, with its particles ("Awa de Souza",
      "Mohamed ag Ahmed").
    - "Traoré": a single word is a last name, ("", "Traoré"); everything in capitals reads as first-last order.
    """
    name = " ".join(normalise_name(text).split())
    if "," in name:
        last, _comma, first = name.partition(",")
        return first.strip(), last.strip()
    words = name.split()
    if len(words) <= 1:
        return "", name
    capitals = [_is_in_capitals(word) for word in words]
    if not all(capitals):
        leading = _count_leading(capitals)
        if leading:
            return " ".join(words[leading:]), " ".join(words[:leading])
        trailing = _count_leading(capitals[::-1])
        if trailing:
            return " ".join(words[:-trailing]), " ".join(words[-trailing:])
    last_start = len(words) - 1
    while last_start > 1 and words[last_start - 1].casefold() in _SURNAME_PARTICLES:
        last_start -= 1
    return " ".join(words[:last_start]), " ".join(words[last_start:])


def _is_in_capitals(word: str) -> bool:
    letters = [char for char in word if char.isalpha()]
    return len(letters) >= 2 and all(char.isupper() for char in letters)


def _count_leading(flags: list[bool]) -> int:
    count = 0
    for flag in flags:
        if not flag:
            break
        count += 1
    return count


# --- grades ---------------------------------------------------------------------------------------------------------


def parse_grade(text: str) -> Decimal | None:
    """The grade as an exact Decimal, None when empty or "-"; CellError when it is not a number."""
    if _DECIMAL_NUMBER.fullmatch(text):  # the common case, "12,5", in one match
        return Decimal(text.replace(",", "."))
    compact = _THOUSANDS_SEPARATOR.sub("", text.strip())
    if compact in NO_VALUE:
        return None
    number, slash, out_of = (part.strip() for part in compact.partition("/"))
    number = number.removesuffix("%").rstrip()
    if not _DECIMAL_NUMBER.fullmatch(number) or (slash and not _DECIMAL_NUMBER.fullmatch(out_of)):
        raise CellError(lazy_message(_("grade is not a number: '%(value)s'"), value=_shown(text.strip())))
    return Decimal(number.replace(",", "."))


# --- dates ----------------------------------------------------------------------------------------------------------

_MONTHS = {
    "january": 1, "jan": 1, "janvier": 1, "janv": 1,
    "february": 2, "feb": 2, "fevrier": 2, "fevr": 2, "fev": 2,
    "march": 3, "mar": 3, "mars": 3,
    "april": 4, "apr": 4, "avril": 4, "avr": 4,
    "may": 5, "mai": 5,
    "june": 6, "jun": 6, "juin": 6,
    "july": 7, "jul": 7, "juillet": 7, "juil": 7,
    "august": 8, "aug": 8, "aout": 8,
    "september": 9, "sep": 9, "sept": 9, "septembre": 9,
    "october": 10, "oct": 10, "octobre": 10,
    "november": 11, "nov": 11, "novembre": 11,
    "december": 12, "dec": 12, "decembre": 12,
}  # fmt: skip
_WEEKDAYS = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "wed", "thu", "fri", "sat", "sun",
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    "lun", "mer", "jeu", "ven", "sam", "dim",  # no "mar": March wins over mardi
}  # fmt: skip
_TIME = r"(?P<hour>\d{1,2})[:h](?P<minute>\d{2})(?::\d{2}(?:\.\d+)?)?\s*(?P<half>am|pm)?(?:z|[+-]\d{2}:?\d{2})?"
_NUMERIC_DATE = re.compile(
    rf"(?P<day>\d{{1,2}})([/.-])(?P<month>\d{{1,2}})\2(?P<year>\d{{4}}|\d{{2}})(?:[ t,]+{_TIME})?"
)
_ISO_DATE = re.compile(rf"(?P<year>\d{{4}})-(?P<month>\d{{1,2}})-(?P<day>\d{{1,2}})(?:[ t]+{_TIME})?")
_TIME_AFTER_WORDS = re.compile(rf",?\s*(?:a|at)?\s*{_TIME}$")  # ", 2:32 PM", " à 14h32"
_DAY = re.compile(r"(?P<day>\d{1,2})(?:er|st|nd|rd|th)?")
_YEAR = re.compile(r"\d{4}")


class _NotADate(ValueError):
    pass


def parse_date(text: str) -> date | None:
    """A day-first date, with or without a time; None when empty or "-"; CellError when it is not a date."""
    value = text.strip()
    if value in NO_VALUE:
        return None
    try:
        return _date_in_figures(value.casefold()) or _date_in_words(value)
    except _NotADate:
        message = _("not a date (dd/mm/yyyy): '%(value)s'")
        raise CellError(lazy_message(message, value=_shown(value))) from None


def _date_in_figures(value: str) -> date | None:
    """05/09/2023, 5.9.23, 05-09-2023 14:32, 2023-09-05T14:32:00Z; None when the value is not in figures."""
    found = _NUMERIC_DATE.fullmatch(value) or _ISO_DATE.fullmatch(value)
    if found is None:
        return None
    _check_time(found)
    return _date(found["year"], found["month"], found["day"])


def _date_in_words(value: str) -> date:
    """Moodle's "Tuesday, 5 September 2023, 2:32 PM", French "mardi 5 septembre 2023, 14:32", "1er sept. 2023"."""
    unaccented = "".join(c for c in unicodedata.normalize("NFKD", value.casefold()) if not unicodedata.combining(c))
    if time_part := _TIME_AFTER_WORDS.search(unaccented):
        _check_time(time_part)
        unaccented = unaccented[: time_part.start()]
        if in_figures := _date_in_figures(unaccented.strip(" ,")):  # "05/09/2023 à 14h32"
            return in_figures
    words = [word for word in re.split(r"[\s,.]+", unaccented) if word and word not in _WEEKDAYS]
    if len(words) == 3 and words[0] in _MONTHS:  # "September 5, 2023"
        words = [words[1], words[0], words[2]]
    if len(words) != 3:
        raise _NotADate
    day, month, year = _DAY.fullmatch(words[0]), _MONTHS.get(words[1]), words[2]
    if day is None or month is None or not _YEAR.fullmatch(year):
        raise _NotADate
    return _date(year, str(month), day["day"])


def _check_time(found: re.Match) -> None:
    if found["hour"] is None:
        return
    hour, minute = int(found["hour"]), int(found["minute"])
    highest_hour = 12 if found["half"] else 23
    if hour > highest_hour or minute > 59:
        raise _NotADate


def _date(year: str, month: str, day: str) -> date:
    full_year = int(year) + 2000 if len(year) == 2 else int(year)
    if not 1900 <= full_year <= 2100:
        raise _NotADate
    try:
        return date(full_year, int(month), int(day))
    except ValueError as error:
        raise _NotADate from error


# --- completion -----------------------------------------------------------------------------------------------------

_YES = {
    "yes", "y", "oui", "o", "1", "true", "vrai", "x", "ok", "done", "fait",
    "complete", "completed", "complet", "completee", "termine", "terminee", "acheve", "achevee",
    "course complete", "cours termine", "cours acheve",
}  # fmt: skip
_NO = {
    "no", "n", "non", "0", "false", "faux", "incomplete", "incomplet", "in progress", "en cours",
    "not started", "non commence", "pas commence",
}  # fmt: skip
_NO_PREFIXES = ("not ", "non ", "pas ")  # "Not completed", "Non achevé", "Pas terminé"
_YES_PREFIXES = ("completed ", "complete ")  # Moodle's "Completed (achieved pass grade)"


def parse_completed(text: str) -> bool | None:
    """True for yes-like words, False for no-like words, None when empty or "-"; CellError otherwise.

    A date in the cell ("05/09/2023") means completed on that day, so True.
    """
    if text.strip() in NO_VALUE:
        return None
    key = _word_key(text)
    if key in _NO or key.startswith(_NO_PREFIXES):
        return False
    if key in _YES or key.startswith(_YES_PREFIXES):
        return True
    try:
        parse_date(text)
    except CellError:
        message = _("course completion is not yes or no: '%(value)s'")
        raise CellError(lazy_message(message, value=_shown(text.strip()))) from None
    return True
