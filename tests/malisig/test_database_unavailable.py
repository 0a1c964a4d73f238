"""PostgreSQL unreachable (restarting, failing over): every request gets a clean 503 with Retry-After, a plain page
or JSON for the editor, built without touching the database; other errors stay 500s."""

import json

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import path, reverse

from malisig.urls import urlpatterns
from tests.conftest import speak

DOWN = OperationalError('connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused')


@pytest.fixture
def database_down(monkeypatch):
    """Every session read fails as it does while PostgreSQL restarts (the first query of a logged-in request)."""

    def refuse(*args, **kwargs):
        raise DOWN

    monkeypatch.setattr(SessionStore, "_get_session_from_db", refuse)


@pytest.fixture
def logged_in(participant):
    client = Client(raise_request_exception=False)
    client.force_login(participant)
    return client


@pytest.fixture
def failing_view():
    """/failing/<kind>/: a view whose query fails with `kind` (operational, interface, other)."""
    errors = {"operational": DOWN, "interface": InterfaceError("connection already closed"), "other": KeyError("x")}

    def failing(request, kind):
        raise errors[kind]

    urlpatterns.append(path("failing/<str:kind>/", failing))
    yield
    urlpatterns.pop()


def test_a_page_asked_while_the_database_is_down_is_a_plain_503_with_retry_after(logged_in, database_down):
    response = logged_in.get(reverse("home"))

    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"].startswith("text/html")
    assert '<html lang="fr">' in html and "Réessayer" in html  # French by default
    assert "Traceback" not in html and "OperationalError" not in html and "5432" not in html


def test_the_503_page_follows_the_language_cookie(logged_in, database_down):
    speak(logged_in, "en")

    response = logged_in.get(reverse("home"))

    assert response.status_code == 503
    html = response.content.decode()
    assert '<html lang="en">' in html and "Nothing you saved is lost" in html and "Try again" in html


def test_an_autosave_while_the_database_is_down_gets_json_so_the_editor_keeps_the_text(logged_in, database_down):
    url = reverse("submissions:section_save", args=["malisig-2023", 1, 1])

    response = logged_in.post(
        url,
        json.dumps({"html": "<p>Texte</p>", "base_version": 1, "origin": "typed"}),
        content_type="application/json",
        headers={"accept": "application/json"},
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["status"] == "unavailable"
    assert response.json()["retry_after"] == 30


@pytest.mark.parametrize("kind", ["operational", "interface"])
def test_a_database_error_in_a_view_is_a_503_built_without_a_query(kind, failing_view, db, django_assert_num_queries):
    client = Client(raise_request_exception=False)

    with django_assert_num_queries(0):
        response = client.get(f"/failing/{kind}/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"


def test_any_other_error_is_still_a_500(failing_view, db):
    client = Client(raise_request_exception=False)

    response = client.get("/failing/other/")

    assert response.status_code == 500
    assert "Retry-After" not in response
