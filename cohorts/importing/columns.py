"""Which column of an uploaded file holds which participant field.

Headers are compared by their *key*: accents, case and punctuation removed ("Adresse de courriel" and
"ADRESSE DE COURRIEL" are both `adresse de courriel`; "Note /20" is `note 20`). A key that is a known name of a
field scores 2; a key that only fits a field's pattern scores 1. `guess_mapping` gives each field to its best
scoring column, the leftmost one on a tie, and never gives a column two fields.

Rules worth knowing:

- "Nom" or "Name" alone is the last name when the file also has a first-name column ("Prénom", "First name"),
  and the full name otherwise (Moodle's completion report has a single "Name" column).
- Only a course-level completion date maps to `completion_date` ("Date d'achèvement", "Completion date",
  "Course completed on"): Moodle's per-activity "<activity> - Completion date" columns stay unmapped.
- Only the course total maps to `grade` ("Course total (Real)", "Note finale", "Note /20"): quiz columns such as
  "Quiz: Module 1 (Real)" and the letter grade "Course total (Letter)" stay unmapped.
- Columns nobody asked for ("Department", "Last downloaded from this course") stay unmapped.
"""

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

FIELDS = {
    "email": _("email"),
    "first_name": _("first name"),
    "last_name": _("last name"),
    "full_name": _("full name"),
    "grade": _("grade"),
    "completion_date": _("completion date"),
    "completed": _("course completed"),
    "organisation": _("organisation"),
    "country": _("country"),
    "gender": _("gender"),
    "city": _("city"),
    "job_title": _("job title"),
    "phone": _("phone"),
    "sector": _("sector"),
    "external_id": _("external identifier"),
}

EXACT_MATCH = 2
PATTERN_MATCH = 1

# Keys (see header_key) that name a field outright.
_KNOWN_HEADERS = {
    "email": [
        "email", "emails", "e mail", "e mails", "mail", "mel", "courriel", "email address", "e mail address",
        "adresse email", "adresse e mail", "adresse mail", "adresse courriel", "adresse de courriel",
        "adresse electronique", "adresse mail electronique", "courrier electronique", "adresse de messagerie",
    ],
    "first_name": [
        "prenom", "prenoms", "prenom s", "first name", "firstname", "first names", "given name", "given names",
        "forename", "prenom usuel",
    ],
    "last_name": [
        "nom de famille", "noms de famille", "last name", "lastname", "surname", "family name", "nom patronymique",
    ],
    "full_name": [
        "nom complet", "full name", "fullname", "nom et prenom", "nom et prenoms", "nom et prenom s",
        "noms et prenoms", "noms et prenom s", "nom prenom", "nom prenoms", "nom prenom s", "noms prenoms",
        "prenom et nom", "prenoms et nom", "prenom s et nom", "prenom nom", "prenoms nom",
        "first name last name", "first name surname", "surname first name", "last name first name",
        "participant", "nom du participant", "nom de l apprenant", "apprenant", "learner", "student",
    ],
    "grade": [
        "note", "notes", "note finale", "note final", "note globale", "note totale", "note du cours", "note sur 20",
        "note 20", "note sur 100", "note 100", "grade", "final grade", "course grade", "score", "final score",
        "score final", "total score", "moyenne", "moyenne finale", "moyenne generale", "course total",
        "course total real", "total du cours", "total du cours reel",
    ],
    "completion_date": [
        "date d achevement", "date d achevement du cours", "completion date", "course completion date",
        "date de completion", "course completed on", "completed on", "date of completion", "date de fin du cours",
        "acheve le", "termine le", "date de reussite",
    ],
    "completed": [
        "course complete", "course completed", "completed", "complete", "termine", "terminee", "acheve", "achevee",
        "statut d achevement", "statut de completion", "etat d achevement", "achevement", "achevement du cours",
        "cours termine", "cours acheve", "completion status", "course completion status", "completion",
        "formation terminee", "formation achevee",
    ],
    "organisation": [
        "organisation", "organization", "organisme", "institution", "structure", "entreprise", "societe", "company",
        "employeur", "employer", "etablissement", "affiliation", "structure d origine", "organisation d origine",
        "institution d origine", "nom de l organisation", "nom de la structure", "organisation structure",
        "structure organisation", "organisation institution",
    ],
    "country": ["pays", "country", "pays de residence", "country of residence"],
    "gender": ["genre", "sexe", "gender", "sex", "sexe genre", "genre sexe"],
    "city": ["ville", "city", "town", "city town", "ville de residence", "localite", "commune"],
    "job_title": [
        "fonction", "poste", "job title", "title", "titre", "position", "profession", "occupation", "emploi",
        "poste occupe", "titre du poste", "fonction occupee",
    ],
    "phone": [
        "telephone", "tel", "phone", "phone number", "numero de telephone", "numero de tel", "mobile",
        "mobile phone", "portable", "telephone portable", "telephone mobile", "cellulaire", "gsm", "whatsapp",
        "numero whatsapp", "contact telephonique",
    ],
    "sector": [
        "secteur", "sector", "secteur d origine", "secteur d activite", "secteur d activites", "stakeholder group",
        "stakeholder", "groupe de parties prenantes", "partie prenante", "groupe d acteurs",
    ],
    "external_id": [
        "id number", "idnumber", "id", "identifiant", "identifiant externe", "numero d identification",
        "numero d identifiant", "matricule", "user id", "userid", "external id",
    ],
}  # fmt: skip
_FIELD_BY_KNOWN_HEADER = {key: field for field, keys in _KNOWN_HEADERS.items() for key in keys}

# "Nom" / "Name" alone: the full name, or the last name next to a first-name column (see module docstring).
_BARE_NAME_HEADERS = {"nom", "noms", "name"}

# Looser shapes, tried when no known header matched; each must stay narrow (no quiz, no per-activity date).
_GRADE_QUALIFIERS = r"(?: (?:finale?|globale|generale|totale?|du cours|sur))*"
_FIELD_PATTERNS = [
    ("email", re.compile(r"(?:.* )?(?:e ?mail|courriel|adresse electronique)(?: .*)?")),
    ("grade", re.compile(rf"(?:note|grade|score|moyenne){_GRADE_QUALIFIERS}(?: \d+)?")),
    ("grade", re.compile(r"(?:course total|total du cours) (?:percentage|pourcentage)")),
    ("phone", re.compile(r"(?:telephone|phone|tel|mobile|portable)(?: .*)?")),
]

_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


def header_key(header: str) -> str:
    """The header without accents, case or punctuation: "Date d’achèvement" → "date d achevement"."""
    decomposed = unicodedata.normalize("NFKD", header)
    unaccented = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_ALPHANUMERIC.sub(" ", unaccented.casefold()).strip()


def match_header(header: str, *, has_first_name_column: bool = False) -> tuple[str, int] | None:
    """(field, EXACT_MATCH or PATTERN_MATCH) for one header, or None when it names no field."""
    key = header_key(header)
    if key in _BARE_NAME_HEADERS:
        return ("last_name" if has_first_name_column else "full_name"), EXACT_MATCH
    if key in _FIELD_BY_KNOWN_HEADER:
        return _FIELD_BY_KNOWN_HEADER[key], EXACT_MATCH
    for field, pattern in _FIELD_PATTERNS:
        if pattern.fullmatch(key):
            return field, PATTERN_MATCH
    return None


def guess_field(header: str) -> str | None:
    """The field this header names on its own ("Nom" alone reads as the full name), or None."""
    match = match_header(header)
    return match[0] if match else None


def guess_mapping(headers: list[str]) -> dict[str, int]:
    """Field → column index, each field and each column used at most once; unknown columns are left out.

    A known header beats a pattern; between equals, the leftmost column wins. "Nom"/"Name" alone becomes the last
    name when another column is a first name, else the full name.
    """
    has_first_name_column = any(guess_field(header) == "first_name" for header in headers)
    candidates = []
    for index, header in enumerate(headers):
        match = match_header(header, has_first_name_column=has_first_name_column)
        if match:
            field, score = match
            candidates.append((-score, index, field))
    mapping: dict[str, int] = {}
    for _score, index, field in sorted(candidates):
        mapping.setdefault(field, index)
    return dict(sorted(mapping.items(), key=lambda item: item[1]))
