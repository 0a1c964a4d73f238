import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from cockpit.services.statistics import TABLE_HEADER, school_statistics, schools_for
from cohorts.models import Edition, EditionRole, Enrolment, Profile, Role
from tests.conftest import speak
from tests.factories import EditionFactory, SchoolFactory, UserFactory

from .dashboard_fixtures import enrol, group_with_members, submit

pytestmark = pytest.mark.django_db
E = Enrolment.Status


def statistics_url(school, **query):
    url = reverse("cockpit:statistics", args=[school.slug])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def person(gender="", country="", sector=""):
    user = UserFactory()
    Profile.objects.create(user=user, gender=gender, country=country, sector=sector)
    return user


@pytest.fixture
def school(edition):
    return edition.school


@pytest.fixture
def two_editions(school, edition, other_edition):
    """other_edition (2022): 2 women from Mali (one completed), 1 man from Senegal, 1 candidate (not counted).
    edition (2023): the Malian woman again (completed), 1 woman with nothing stated, 1 man from "mali " (same
    country), 1 withdrawn (not counted); 2 groups, one submitted."""
    awa = person(Profile.Gender.FEMALE, "Mali", "Gouvernement")
    enrol(other_edition, E.COMPLETED, user=awa)
    enrol(other_edition, E.ACTIVE, user=person(Profile.Gender.FEMALE, "Mali", "Société civile"))
    enrol(other_edition, E.ACTIVE, user=person(Profile.Gender.MALE, "Sénégal", "Secteur privé"))
    enrol(other_edition, E.CANDIDATE, user=person(Profile.Gender.MALE, "Niger", "Secteur privé"))
    enrol(edition, E.COMPLETED, user=awa)
    enrol(edition, E.ADMITTED, user=UserFactory())
    enrol(edition, E.INVITED, user=person(Profile.Gender.MALE, "mali ", "gouvernement"))
    enrol(edition, E.WITHDRAWN, user=person(Profile.Gender.FEMALE, "Togo", "Académie"))
    submitted = group_with_members(edition, "Alpha", 0)
    group_with_members(edition, "Beta", 0)
    submit(submitted, "in_review")
    return edition, other_edition


# ---------------------------------------------------------------------------
# The figures


def test_statistics_count_participants_completion_submission_and_gender_per_edition(school, two_editions):
    edition, other_edition = two_editions

    stats = school_statistics(school)

    assert [row.edition for row in stats.editions] == [other_edition, edition]  # oldest first
    old, new = stats.editions
    assert (old.people.participants, old.people.completed, old.people.women, old.people.men) == (3, 1, 2, 1)
    assert old.people.completion_rate == pytest.approx(1 / 3)
    assert (old.groups, old.submission_rate) == (0, None)
    assert (new.people.participants, new.people.women, new.people.men, new.people.gender_not_stated) == (3, 1, 1, 1)
    assert new.people.women_share == pytest.approx(0.5)  # of those whose gender is known
    assert (new.groups, new.groups_submitted, new.submission_rate) == (2, 1, 0.5)
    assert new.people.country_count == 1  # "Mali" and "mali " are one


def test_the_headline_counts_people_once_across_editions(school, two_editions):
    headline = school_statistics(school).headline

    assert headline.editions == 2
    assert headline.participants == 5  # Awa took part twice
    assert headline.countries == 2  # Mali, Sénégal
    assert (headline.women, headline.gender_known) == (2, 4)
    assert headline.women_percent == 50


def test_countries_and_sectors_add_up_participations_merging_spellings(school, two_editions):
    stats = school_statistics(school)

    assert stats.countries == [("Mali", 4), ("", 1), ("Sénégal", 1)]
    assert dict(stats.sectors)["Gouvernement"] == 3


# ---------------------------------------------------------------------------
# Who sees what


def test_an_organiser_sees_every_edition_of_their_school_and_no_other_schools(client, school, two_editions, organiser):
    elsewhere = EditionFactory(school=SchoolFactory(slug="senegalsig", acronym="SenSIG"), title="SenSIG 2023")
    enrol(elsewhere, E.ACTIVE)
    client.force_login(organiser)

    response = client.get(statistics_url(school))

    assert response.status_code == 200
    titles = [row[0] for row in response.context["rows"]]
    assert titles == ["MaliSIG 2022", "MaliSIG 2023"]
    assert "SenSIG 2023" not in response.content.decode()
    assert client.get(statistics_url(elsewhere.school)).status_code == 403
    assert schools_for(organiser) == [school]


def test_site_staff_see_any_school(client, school, staff):
    client.force_login(staff)

    assert client.get(statistics_url(school)).status_code == 200
    assert school in schools_for(staff)


@pytest.mark.parametrize("persona", ["participant", "juror", "jury_chair", "outsider"])
def test_people_who_organise_nothing_in_the_school_are_refused(client, school, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(statistics_url(school)).status_code == 403
    assert client.get(statistics_url(school, format="csv")).status_code == 403


def test_an_organiser_of_another_school_is_refused(client, school):
    other_school = SchoolFactory(slug="senegalsig", acronym="SenSIG")
    organiser = UserFactory()
    EditionRole.objects.create(edition=EditionFactory(school=other_school), user=organiser, role=Role.ORGANISER)
    client.force_login(organiser)

    assert client.get(statistics_url(school)).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, school):
    response = client.get(statistics_url(school))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


# ---------------------------------------------------------------------------
# The page and the exports


def test_the_page_shows_charts_and_the_table(client, school, two_editions, organiser):
    client.force_login(organiser)
    speak(client, "en")

    content = client.get(statistics_url(school)).content.decode()

    assert content.count("<svg") == 6
    assert "Participants per edition" in content
    assert content.count('data-testid="edition-row"') == 2
    assert "?format=xlsx" in content


def test_the_csv_export_holds_the_same_table(client, school, two_editions, organiser):
    client.force_login(organiser)
    speak(client, "en")

    response = client.get(statistics_url(school, format="csv"))

    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header == [str(title) for title in TABLE_HEADER]
    assert [row[0] for row in rows] == ["MaliSIG 2022", "MaliSIG 2023"]
    newest = dict(zip(header, rows[1], strict=True))
    assert newest["Participants"] == "3"
    assert newest["Submission rate (%)"] == "50,0"
    assert newest["Women (%)"] == "50,0"


def test_the_xlsx_export_holds_the_same_table_with_numbers(client, school, two_editions, organiser):
    client.force_login(organiser)
    speak(client, "en")

    response = client.get(statistics_url(school, format="xlsx"))

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [str(title) for title in TABLE_HEADER]
    oldest = dict(zip(rows[0], rows[1], strict=True))
    assert oldest["Edition"] == "MaliSIG 2022"
    assert oldest["Participants"] == 3
    assert oldest["Completion rate (%)"] == pytest.approx(33.3)
    assert oldest["Submission rate (%)"] is None


def test_an_unknown_export_format_is_not_found(client, school, organiser):
    client.force_login(organiser)

    assert client.get(statistics_url(school, format="pdf")).status_code == 404


@pytest.mark.parametrize("extra", [0, 6])
def test_the_statistics_page_makes_a_bounded_number_of_queries(
    client, school, organiser, extra, django_assert_max_num_queries
):
    for index in range(extra):
        edition = EditionFactory(school=school, slug=f"extra-{index}", year=2030 + index)
        enrol(edition, E.ACTIVE, user=person(Profile.Gender.FEMALE, "Mali", "Gouvernement"))
        submit(group_with_members(edition, f"G{index}", 1), "submitted")
    client.force_login(organiser)

    with django_assert_max_num_queries(14):
        assert client.get(statistics_url(school)).status_code == 200


# ---------------------------------------------------------------------------
# The school's public page


def test_the_public_school_page_shows_the_headline_figures(client, school, two_editions):
    Edition.objects.filter(pk=two_editions[1].pk).update(status=Edition.Status.DRAFT)  # 2022 hidden

    response = client.get(reverse("cohorts:school_public", args=[school.slug]))

    content = response.content.decode()
    assert 'data-testid="figure-participants">3<' in content  # 2023 only
    assert 'data-testid="figure-countries">1<' in content
    assert 'data-testid="figure-women">50 %<' in content


def test_the_public_figures_follow_a_new_participant_and_a_newly_published_edition(client, school, two_editions):
    edition, other_edition = two_editions
    Edition.objects.filter(pk=other_edition.pk).update(status=Edition.Status.DRAFT)
    url = reverse("cohorts:school_public", args=[school.slug])
    assert client.get(url).context["headline"].participants == 3  # now cached

    enrol(edition, E.ACTIVE, user=person(Profile.Gender.FEMALE, "Niger"))
    after_enrolment = client.get(url).context["headline"]
    Edition.objects.filter(pk=other_edition.pk).update(status=Edition.Status.CLOSED)  # no signal: the list tells
    after_publication = client.get(url).context["headline"]

    assert (after_enrolment.participants, after_enrolment.countries) == (4, 2)
    assert (after_publication.participants, after_publication.editions) == (6, 2)


def test_the_public_school_page_reads_its_figures_from_the_cache_the_second_time(
    client, school, two_editions, django_assert_max_num_queries
):
    url = reverse("cohorts:school_public", args=[school.slug])
    client.get(url)

    with django_assert_max_num_queries(2):
        response = client.get(url)

    assert response.context["headline"].participants == 5
