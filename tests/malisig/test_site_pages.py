import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from cohorts.models import Role
from tests.conftest import speak
from tests.factories import EditionRoleFactory


def test_healthz_answers_200_with_database_and_broker_up(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_answers_503_without_details_when_the_broker_is_down(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "down"}


def test_healthz_answers_503_when_the_database_is_down(client, db, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    with monkeypatch.context() as patched:
        patched.setattr(connection, "cursor", refuse)
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "down"
    assert "refused" not in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        ("organiser", ["Invitations", "Jury"], ["Administration"]),
        ("jury_chair", ["Jury"], ["Invitations", "Administration"]),
        ("juror", ["Jury"], ["Invitations", "Administration"]),
        ("participant", ["Assignment"], ["Invitations", "Jury", "Administration"]),
        ("staff", ["Administration"], ["Invitations", "Jury"]),
    ],
)
def test_navigation_shows_what_each_role_may_open(english, client, edition, persona, shown, hidden, request):
    client.force_login(request.getfixturevalue(persona))

    nav = client.get("/").content.decode().split('data-testid="nav"')[1].split("</ul>")[0]

    assert all(f">{label}</a>" in nav for label in shown)
    assert not any(f">{label}</a>" in nav for label in hidden)


def test_home_makes_the_same_number_of_queries_for_1_or_4_editions(
    client, participant, other_edition, django_assert_max_num_queries
):
    client.force_login(participant)
    with django_assert_max_num_queries(8) as few:
        client.get("/")

    for _ in range(3):
        EditionRoleFactory(user=participant, role=Role.JUROR)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/")

    assert len(response.context["nav_editions"]) == 4


def test_french_is_the_default_and_the_switcher_changes_the_language(client, participant):
    client.force_login(participant)

    french = client.get(reverse("help"))
    client.post(reverse("set_language"), {"language": "en", "next": reverse("help")})
    english = client.get(reverse("help"))

    assert '<html lang="fr">' in french.content.decode()
    assert "Mon espace" in french.content.decode()
    assert '<html lang="en">' in english.content.decode()
    assert "My space" in english.content.decode()


def test_unknown_pages_get_the_friendly_404(english, client, db):
    response = client.get("/nulle-part/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_server_errors_get_a_page_that_says_saved_work_is_safe(db):
    from malisig.urls import urlpatterns

    def explode(request):
        raise RuntimeError("boom")

    from django.urls import path

    urlpatterns.append(path("boom/", explode))
    try:
        client = Client(raise_request_exception=False)
        speak(client, "en")
        response = client.get("/boom/")
    finally:
        urlpatterns.pop()

    assert response.status_code == 500
    assert "What you had saved is safe" in response.content.decode()


def test_an_english_browser_still_gets_french_until_the_person_switches(client, participant):
    client.force_login(participant)

    response = client.get(reverse("help"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert '<html lang="fr">' in response.content.decode()


def test_the_language_chosen_follows_the_person_to_another_device(client, participant):
    client.force_login(participant)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("help")})

    other_device = Client()
    other_device.force_login(participant)
    response = other_device.get(reverse("help"))

    participant.refresh_from_db()
    assert participant.preferred_language == "en"
    assert '<html lang="en">' in response.content.decode()


def test_site_staff_see_every_edition_on_their_home(client, staff, edition, other_edition):
    client.force_login(staff)

    response = client.get("/")

    assert list(response.context["all_editions"]) == [edition, other_edition]
    assert edition.get_absolute_url() in response.content.decode()


def test_browsers_asking_for_favicon_ico_get_the_svg(client, db):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response.url.endswith("favicon.svg")
