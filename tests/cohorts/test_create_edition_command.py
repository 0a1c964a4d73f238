from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.utils import translation

from cohorts.models import Edition, School
from tests.factories import EditionFactory, SchoolFactory


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_edition", *args, stdout=out)
    return out.getvalue()


def test_create_edition_adds_a_draft_edition_to_the_school_found_by_acronym(db):
    school = SchoolFactory()
    EditionFactory(school=school, number=4, year=2023)

    output = run("malisig-2026", "--school", "malisig", "--year", "2026")

    edition = Edition.objects.get(slug="malisig-2026")
    assert (edition.school, edition.year, edition.number, edition.title, edition.status, edition.pass_mark) == (
        school,
        2026,
        5,
        "MaliSIG 2026",
        Edition.Status.DRAFT,
        None,
    )
    assert output == (
        "Created edition malisig-2026 “MaliSIG 2026” (no. 5, 2026, draft) of the school MaliSIG (malisig).\n"
    )


def test_create_edition_finds_the_school_by_its_full_name_in_any_case(db):
    school = SchoolFactory()

    run("malisig-2026", "--school", "école malienne sur la GOUVERNANCE de l'internet", "--year", "2026")

    assert Edition.objects.get(slug="malisig-2026").school == school
    assert School.objects.count() == 1


def test_create_edition_creates_a_missing_school_with_a_slug_from_its_name(db):
    output = run("bfsig-2026", "--school", "Burkina SIG", "--year", "2026", "--title", "BFSIG : 1re édition")

    school = School.objects.get()
    edition = Edition.objects.get()
    assert (school.name, school.acronym, school.slug) == ("Burkina SIG", "Burkina SIG", "burkina-sig")
    assert (edition.school, edition.number, edition.title) == (school, 1, "BFSIG : 1re édition")
    assert output == (
        "Created edition bfsig-2026 “BFSIG : 1re édition” (no. 1, 2026, draft) "
        "and the new school Burkina SIG (burkina-sig).\n"
    )


@pytest.mark.parametrize(("typed", "stored"), [("10,5", Decimal("10.5")), ("10.5", Decimal("10.5")), ("12", 12)])
def test_create_edition_reads_the_pass_mark_with_a_comma_or_a_dot(db, typed, stored):
    run("malisig-2026", "--school", "MaliSIG", "--year", "2026", "--pass-mark", typed)

    assert Edition.objects.get(slug="malisig-2026").pass_mark == stored


def test_create_edition_refuses_a_slug_already_used(db):
    EditionFactory(slug="malisig-2026")

    with pytest.raises(CommandError, match=r"^An edition already uses the address name “malisig-2026”\.$"):
        run("malisig-2026", "--school", "MaliSIG", "--year", "2026")

    assert Edition.objects.count() == 1


@pytest.mark.parametrize("year", ["26", "20266", "deux", "2026a"])
def test_create_edition_refuses_a_year_without_four_digits(db, year):
    with pytest.raises(CommandError, match=r"^The year must have four digits, e\.g\. 2026, not “.+”\.$"):
        run("malisig-2026", "--school", "MaliSIG", "--year", year)

    assert not Edition.objects.exists()
    assert not School.objects.exists()


@pytest.mark.parametrize("mark", ["dix", "10,5,2", "10;5"])
def test_create_edition_refuses_a_pass_mark_that_is_not_a_number(db, mark):
    with pytest.raises(CommandError, match=r"is not a number \(write it like 10.5 or 10,5\)\.$"):
        run("malisig-2026", "--school", "MaliSIG", "--year", "2026", "--pass-mark", mark)

    assert not Edition.objects.exists()


def test_a_refused_edition_leaves_no_new_school_behind(db):
    EditionFactory(slug="taken", school=SchoolFactory(slug="other", name="Other", acronym="OSIG"))

    with pytest.raises(CommandError):
        run("taken", "--school", "Brand new school", "--year", "2026")

    assert list(School.objects.values_list("slug", flat=True)) == ["other"]


def test_create_edition_exits_with_1_and_one_line_on_stderr_when_refused(db, capsys):
    EditionFactory(slug="malisig-2026")

    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "create_edition", "malisig-2026", "--school", "X", "--year", "2026"])

    assert exit_info.value.code == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "CommandError: An edition already uses the address name “malisig-2026”."
    ]
