import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

LOGIN = "/comptes/login/"


@pytest.fixture
def person(db):
    from cohorts.services import mark_email_verified

    user = UserFactory(email="sekou@example.org")
    mark_email_verified(user)
    return user


def test_login_with_email_and_password_opens_my_space(client, person):
    response = client.post(LOGIN, {"login": "Sekou@Example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).context["user"] == person


def test_wrong_password_gets_a_generic_error_next_to_the_form(english, client, person):
    response = client.post(LOGIN, {"login": person.email, "password": "wrong"})

    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_unknown_email_gets_the_same_generic_error(english, client, db):
    response = client.post(LOGIN, {"login": "nobody@example.org", "password": "wrong"})

    assert "The email address and/or password you specified are not correct." in response.content.decode()


def test_repeated_failures_are_throttled_even_with_the_right_password(english, client, person):
    for _attempt in range(5):
        client.post(LOGIN, {"login": person.email, "password": "wrong"})

    response = client.post(LOGIN, {"login": person.email, "password": PASSWORD})

    assert "Too many failed login attempts" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_a_room_behind_one_address_logs_in_together_despite_a_few_typos(english, client, db):
    """Forty people at one venue (one public address): allauth's default of 30 logins a minute per address, and
    five failures per address, would lock the room out at the start of a session."""
    from cohorts.services import mark_email_verified

    people = [UserFactory(email=f"participant{number}@example.org") for number in range(40)]
    for person in people:
        mark_email_verified(person)
    for person in people[:8]:
        client.post(LOGIN, {"login": person.email, "password": "typo"})

    answers = []
    for person in people:
        client.logout()
        answers.append(client.post(LOGIN, {"login": person.email, "password": PASSWORD}))

    assert [(answer.status_code, answer.url) for answer in answers] == [(302, reverse("home"))] * 40


def test_form_errors_are_shown_in_french_by_default_even_to_an_english_browser(client, person):
    response = client.post(LOGIN, {"login": person.email, "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en-US,en")

    assert "L’adresse e-mail ou le mot de passe sont incorrects." in response.content.decode()


def test_open_self_registration_is_closed(client, db):
    response = client.post(
        "/comptes/signup/", {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 200
    assert "account/signup_closed.html" in [template.name for template in response.templates]
    from malisig.models import User

    assert not User.objects.filter(email="new@example.org").exists()


def test_password_reset_emails_a_link(client, person):
    client.post("/comptes/password/reset/", {"email": person.email})

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [person.email]
    assert "/comptes/password/reset/key/" in mail.outbox[0].body


def test_password_change_requires_login(client, db):
    response = client.get("/comptes/password/change/")

    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_logout_is_a_post_and_ends_the_session(client, person):
    client.force_login(person)

    client.post("/comptes/logout/")

    assert not client.get(reverse("home")).context["user"].is_authenticated
