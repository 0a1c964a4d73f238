"""Personas and test-wide settings. The personas hold their roles in `edition`; `other_edition` is elsewhere."""

import pytest
from django.conf import settings

from cohorts.models import Role
from malisig.celery import app as celery_app

from .factories import EditionFactory, EditionRoleFactory, UserFactory


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path, request):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SITE_URL = "http://testserver"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if request.node.get_closest_marker("integration") is None:
        # Unit tests run tasks in-process even when REDIS_URL points at a real broker.
        previous = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True
        yield
        celery_app.conf.task_always_eager = previous
    else:
        yield


@pytest.fixture(autouse=True)
def _clear_cache(_test_settings):
    """Rate-limit counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def edition(db):
    return EditionFactory(slug="malisig-2023", title="MaliSIG 2023", year=2023)


@pytest.fixture
def other_edition(db):
    return EditionFactory(slug="malisig-2022", title="MaliSIG 2022", year=2022)


def _person_with_role(edition, role, email):
    user = UserFactory(email=email)
    EditionRoleFactory(edition=edition, user=user, role=role)
    return user


@pytest.fixture
def organiser(edition):
    return _person_with_role(edition, Role.ORGANISER, "organiser@example.org")


@pytest.fixture
def juror(edition):
    return _person_with_role(edition, Role.JUROR, "juror@example.org")


@pytest.fixture
def jury_chair(edition):
    return _person_with_role(edition, Role.JURY_CHAIR, "chair@example.org")


@pytest.fixture
def participant(edition):
    return _person_with_role(edition, Role.PARTICIPANT, "participant@example.org")


@pytest.fixture
def other_organiser(other_edition):
    """Organiser of another edition: no rights in `edition`."""
    return _person_with_role(other_edition, Role.ORGANISER, "other.organiser@example.org")


@pytest.fixture
def outsider(db):
    return UserFactory(email="outsider@example.org")


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.org", is_staff=True)


def speak(client, language: str) -> None:
    """What the language switcher does: remember the choice in the language cookie."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language


@pytest.fixture
def english(client):
    speak(client, "en")
    return client
