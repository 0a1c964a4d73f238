import pytest

from cohorts.importing.columns import FIELDS, guess_field, guess_mapping, header_key

MOODLE_GRADEBOOK = [
    "First name",
    "Last name",
    "ID number",
    "Institution",
    "Department",
    "Email address",
    "Quiz: Module 1 - Governance (Real)",
    "Quiz: Module 2 - Infrastructure (Real)",
    "Course total (Real)",
    "Last downloaded from this course",
]
MOODLE_COMPLETION = [
    "ID",
    "Name",
    "Email address",
    "Module 1 quiz",
    "Module 1 quiz - Completion date",
    "Module 2 forum",
    "Module 2 forum - Completion date",
    "Course complete",
]
FRENCH_EXCEL = [
    "Prénom",
    "Nom",
    "Adresse de courriel",
    "Organisation",
    "Pays",
    "Genre",
    "Note finale",
    "Date d'achèvement",
]


def test_moodle_gradebook_export_maps_course_total_not_quizzes():
    mapping = guess_mapping(MOODLE_GRADEBOOK)

    assert mapping == {
        "first_name": 0,
        "last_name": 1,
        "external_id": 2,
        "organisation": 3,
        "email": 5,
        "grade": 8,
    }


def test_moodle_completion_report_maps_name_and_course_complete_not_activity_dates():
    mapping = guess_mapping(MOODLE_COMPLETION)

    assert mapping == {"external_id": 0, "full_name": 1, "email": 2, "completed": 7}


def test_french_excel_headers_map_nom_to_last_name_next_to_prenom():
    mapping = guess_mapping(FRENCH_EXCEL)

    assert mapping == {
        "first_name": 0,
        "last_name": 1,
        "email": 2,
        "organisation": 3,
        "country": 4,
        "gender": 5,
        "grade": 6,
        "completion_date": 7,
    }


def test_nom_alone_is_the_full_name():
    assert guess_mapping(["Nom", "Courriel", "Note /20"]) == {"full_name": 0, "email": 1, "grade": 2}


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("E-mail", "email"),
        ("Courriel", "email"),
        ("Adresse électronique", "email"),
        ("ADRESSE E-MAIL", "email"),
        ("Email professionnel", "email"),
        ("Nom complet", "full_name"),
        ("Nom et prénom(s)", "full_name"),
        ("Prénom(s)", "first_name"),
        ("Sexe", "gender"),
        ("Structure", "organisation"),
        ("Entreprise", "organisation"),
        ("Ville", "city"),
        ("Fonction", "job_title"),
        ("Poste", "job_title"),
        ("Téléphone", "phone"),
        ("Tél.", "phone"),
        ("Secteur", "sector"),
        ("Secteur d’origine", "sector"),
        ("Note", "grade"),
        ("Note /20", "grade"),
        ("Score", "grade"),
        ("Grade", "grade"),
        ("Final grade", "grade"),
        ("Total du cours (Réel)", "grade"),
        ("Terminé", "completed"),
        ("Achevé", "completed"),
        ("Statut d'achèvement", "completed"),
        ("Date d’achèvement", "completion_date"),
        ("Completion date", "completion_date"),
        ("Date de complétion", "completion_date"),
        ("Course completed on", "completion_date"),
        ("Numéro d'identification", "external_id"),
    ],
)
def test_common_headers_are_recognised(header, field):
    assert guess_field(header) == field


@pytest.mark.parametrize(
    "header",
    [
        "Department",
        "Last downloaded from this course",
        "Quiz: Module 1 (Real)",
        "Course total (Letter)",
        "Module 1 quiz - Completion date",
        "Date",
        "",
    ],
)
def test_headers_that_name_no_field_stay_unmapped(header):
    assert guess_field(header) is None


def test_each_field_goes_to_the_leftmost_best_column_and_known_headers_beat_patterns():
    headers = ["Email du responsable", "Email", "Courriel", "Note"]

    assert guess_mapping(headers) == {"email": 1, "grade": 3}


def test_header_key_ignores_case_accents_and_punctuation():
    assert header_key("  Date d’ACHÈVEMENT (du cours) ") == "date d achevement du cours"


def test_every_field_has_a_label():
    assert list(FIELDS) == [
        "email",
        "first_name",
        "last_name",
        "full_name",
        "grade",
        "completion_date",
        "completed",
        "organisation",
        "country",
        "gender",
        "city",
        "job_title",
        "phone",
        "sector",
        "external_id",
    ]
