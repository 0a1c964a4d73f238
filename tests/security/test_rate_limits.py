"""Rate limits: autosave, uploads, invitations (malisig/ratelimit.py) and password reset (allauth).

Each limit is set low here; the real ones (settings.RATE_LIMITS, ACCOUNT_RATE_LIMITS) are generous.
"""

import json
import logging
import os
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from cohorts.models import Role
from groups.models import Formation
from malisig import ratelimit
from malisig.ratelimit import Rate, hit, parse_rate
from submissions import services
from tests.factories import (
    AssignmentFactory,
    EditionRoleFactory,
    GroupFactory,
    MembershipFactory,
    SectionTemplateFactory,
    UserFactory,
)

PASSWORD_RESET = "/comptes/password/reset/"


@pytest.fixture
def group(edition):
    assignment = AssignmentFactory(edition=edition)
    for position in (1, 2):
        SectionTemplateFactory(assignment=assignment, position=position, title_fr=f"Partie {position}")
    Formation.objects.update_or_create(edition=edition, defaults={"published_at": timezone.now()})
    return GroupFactory(edition=edition, name="Secteur privé")


@pytest.fixture
def awa(group):
    return MembershipFactory(group=group, user=UserFactory(email="awa@example.org")).user


@pytest.fixture
def sekou(group):
    return MembershipFactory(group=group, user=UserFactory(email="sekou@example.org")).user


@pytest.fixture
def section(group):
    return services.ensure_sections(group)[0]


@pytest.fixture
def limits(settings):
    """Two requests per scope and window, for every scope."""
    settings.RATE_LIMITS = {"autosave": "2/1m", "upload": "2/10m", "invitation": "2/1h"}
    return settings.RATE_LIMITS


def save_url(section) -> str:
    return reverse("submissions:section_save", args=[section.group.edition.slug, section.group.pk, section.pk])


def autosave(client, section, text: str):
    body = {"html": f"<p>{text}</p>", "base_version": section.versions.count(), "origin": "typed"}
    return client.post(
        save_url(section), json.dumps(body), content_type="application/json", HTTP_ACCEPT="application/json"
    )


# ---------------------------------------------------------------------------
# The limiter itself
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "rate"),
    [("120/1m", Rate(120, 60)), ("30/10m", Rate(30, 600)), ("200/1h", Rate(200, 3600)), ("5/m", Rate(5, 60))],
)
def test_rates_are_read_as_amount_per_period(text, rate):
    assert parse_rate(text) == rate


def test_the_window_is_fixed_and_a_new_one_starts_afresh(db):
    rate = Rate(2, 60)
    start = 6000.0  # the start of a window

    assert [hit("test", "user:1", rate, now=start + offset)[0] for offset in (0, 10, 20)] == [True, True, False]
    assert hit("test", "user:1", rate, now=start + 20) == (False, 40)  # Retry-After: the rest of the window
    assert hit("test", "user:1", rate, now=start + 60)[0] is True


def test_the_default_limits_are_generous(settings):
    assert parse_rate(settings.RATE_LIMITS["autosave"]) == Rate(120, 60)
    assert parse_rate(settings.RATE_LIMITS["upload"]) == Rate(30, 600)
    assert parse_rate(settings.RATE_LIMITS["invitation"]) == Rate(200, 3600)
    assert settings.ACCOUNT_RATE_LIMITS["reset_password"] == "20/5m/ip,5/5m/key"


# ---------------------------------------------------------------------------
# Autosave: JSON the editor understands, per user
# ---------------------------------------------------------------------------
def test_autosave_answers_429_in_json_after_the_limit_and_nothing_is_written(client, limits, awa, section):
    client.force_login(awa)
    assert [autosave(client, section, f"Version {n}").status_code for n in (1, 2)] == [200, 200]

    response = autosave(client, section, "Version 3")

    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert int(response["Retry-After"]) >= 1
    data = response.json()
    # static/submissions/editor.js, handle(): 429 keeps the text on the device and sends it again later.
    assert data["status"] == "rate_limited"
    assert data["message"]
    assert section.versions.count() == 2


def test_the_plain_form_without_javascript_gets_a_page(client, limits, awa, section):
    client.force_login(awa)
    for n in (1, 2):
        client.post(save_url(section), {"html": f"Version {n}", "base_version": n - 1})

    response = client.post(save_url(section), {"html": "Version 3", "base_version": 2})

    assert response.status_code == 429
    assert "text/html" in response["Content-Type"]
    with translation.override("fr"):
        message = translation.gettext("Too many requests in a short time. Wait a moment, then try again.")
    assert escape(message) in response.content.decode()


def test_each_user_has_their_own_allowance(client, limits, awa, sekou, section):
    client.force_login(awa)
    for n in (1, 2, 3):
        autosave(client, section, f"Awa {n}")
    assert autosave(client, section, "Awa 4").status_code == 429

    client.force_login(sekou)

    assert autosave(client, section, "Sékou 1").status_code == 200


def test_the_limit_message_is_translated(client, limits, awa, section, settings):
    client.force_login(awa)
    for n in (1, 2):
        autosave(client, section, f"Version {n}")

    french = autosave(client, section, "Version 3").json()["message"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = autosave(client, section, "Version 4").json()["message"]

    assert english == "Too many requests in a short time. Wait a moment, then try again."
    with translation.override("fr"):
        assert french == translation.gettext(english)


def test_reading_pages_does_not_use_up_the_allowance(client, limits, awa, section):
    client.force_login(awa)
    files = reverse("submissions:group_files", args=[section.group.edition.slug, section.group.pk])
    for _ in range(5):
        assert client.get(files).status_code == 200

    assert autosave(client, section, "Version 1").status_code == 200


# ---------------------------------------------------------------------------
# Uploads: group files, editor images, the offline pack, the participants' import
# ---------------------------------------------------------------------------
def test_group_file_uploads_are_limited_per_user(client, limits, awa, sekou, group):
    url = reverse("submissions:group_files", args=[group.edition.slug, group.pk])
    client.force_login(awa)
    for _ in range(2):
        assert client.post(url, {"role": "attachment"}).status_code == 400  # no file: refused, but counted

    response = client.post(url, {"role": "attachment"})

    assert response.status_code == 429
    assert "text/html" in response["Content-Type"]
    client.force_login(sekou)
    assert client.post(url, {"role": "attachment"}).status_code == 400


def test_editor_image_uploads_answer_429_in_the_json_the_image_dialog_reads(client, limits, awa, group):
    url = reverse("submissions:group_images", args=[group.edition.slug, group.pk])
    client.force_login(awa)
    for _ in range(2):
        assert client.post(url, {}).status_code == 400

    response = client.post(url, {"file": SimpleUploadedFile("a.png", b"x", content_type="image/png")})

    assert response.status_code == 429
    assert response.json()["error"]  # editor.js, sendImage(): shows data.error
    assert client.get(url).status_code == 200  # the list of images is still there


def test_offline_pack_uploads_are_limited(client, limits, awa, group):
    url = reverse("submissions:offline_pack_upload", args=[group.edition.slug, group.pk])
    client.force_login(awa)
    for _ in range(2):
        assert client.post(url, {}).status_code == 302

    assert client.post(url, {}).status_code == 429


def test_import_uploads_are_limited(client, limits, edition, organiser):
    url = reverse("cohorts:import_start", args=[edition.slug])
    client.force_login(organiser)
    for _ in range(2):
        assert client.post(url, {}).status_code == 200  # no file: the form again

    response = client.post(url, {})

    assert response.status_code == 429
    assert client.get(url).status_code == 200


# ---------------------------------------------------------------------------
# Invitations: per organiser
# ---------------------------------------------------------------------------
def test_invitations_are_limited_per_organiser(client, limits, edition, organiser):
    other = UserFactory(email="organisateur@example.org")
    EditionRoleFactory(edition=edition, user=other, role=Role.ORGANISER)
    url = reverse("cohorts:invitation_create", args=[edition.slug])
    client.force_login(organiser)
    for n in (1, 2):
        data = {"email": f"p{n}@example.org", "role": Role.PARTICIPANT, "language": "fr"}
        assert client.post(url, data).status_code == 302

    response = client.post(url, {"email": "p3@example.org", "role": Role.PARTICIPANT, "language": "fr"})

    assert response.status_code == 429
    assert sorted(edition.invitations.values_list("email", flat=True)) == ["p1@example.org", "p2@example.org"]
    client.force_login(other)
    assert client.post(url, {"email": "p3@example.org", "role": Role.PARTICIPANT, "language": "fr"}).status_code == 302


def test_resending_invitations_counts_too(client, limits, edition, organiser):
    url = reverse("cohorts:invitation_action", args=[edition.slug])
    client.force_login(organiser)
    for _ in range(2):
        assert client.post(url, {}).status_code == 302

    assert client.post(url, {}).status_code == 429


# ---------------------------------------------------------------------------
# Password reset (allauth, same cache)
# ---------------------------------------------------------------------------
def test_password_reset_is_limited_per_email(client, db, settings, mailoutbox):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "20/5m/ip,2/5m/key"}
    UserFactory(email="awa@example.org")
    for _ in range(2):
        assert client.post(PASSWORD_RESET, {"email": "awa@example.org"}).status_code == 302

    assert client.post(PASSWORD_RESET, {"email": "awa@example.org"}).status_code == 429
    assert client.post(PASSWORD_RESET, {"email": "other@example.org"}).status_code == 302
    assert [message.to for message in mailoutbox].count(["awa@example.org"]) == 2


def test_password_reset_is_limited_per_address(client, db, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "2/5m/ip,5/5m/key"}
    for n in (1, 2):
        assert client.post(PASSWORD_RESET, {"email": f"p{n}@example.org"}).status_code == 302

    assert client.post(PASSWORD_RESET, {"email": "p3@example.org"}).status_code == 429
    other_address = client.post(PASSWORD_RESET, {"email": "p3@example.org"}, REMOTE_ADDR="10.0.0.9")
    assert other_address.status_code == 302


def test_the_429_page_is_ours_and_translated(rf, db):
    request = rf.get("/")
    request.user = UserFactory()

    with translation.override("en"):
        response = ratelimit.handler429(request)

    assert response.status_code == 429
    assert "Too many requests in a short time." in response.content.decode()


# ---------------------------------------------------------------------------
# The cache down: nobody is blocked
# ---------------------------------------------------------------------------
def test_a_broken_cache_lets_requests_through_and_logs_a_warning(client, limits, awa, section, monkeypatch, caplog):
    class BrokenCache:
        def add(self, *args, **kwargs):
            raise ConnectionError("Redis is down")

        incr = set = add

    monkeypatch.setattr(ratelimit, "cache", BrokenCache())
    client.force_login(awa)

    with caplog.at_level(logging.WARNING, logger="malisig.ratelimit"):
        statuses = [autosave(client, section, f"Version {n}").status_code for n in (1, 2, 3, 4)]

    assert statuses == [200, 200, 200, 200]
    assert "cache is unavailable" in caplog.text


def test_an_unreachable_redis_lets_requests_through(settings, client, limits, awa, section):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    client.force_login(awa)

    assert [autosave(client, section, f"Version {n}").status_code for n in (1, 2, 3)] == [200, 200, 200]


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set: the counters' Redis test needs one")
def test_counters_in_redis_are_shared_by_every_process(settings):
    """Two cache connections (as two gunicorn processes would hold) count into the same window."""
    from django.core.cache.backends.redis import RedisCache

    location = os.environ["REDIS_URL"]
    first, second = RedisCache(location, {}), RedisCache(location, {})
    rate, now, identity = Rate(3, 60), 6000.0, f"user:{uuid.uuid4()}"
    answers = []
    try:
        for cache in (first, second, first, second):
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(ratelimit, "cache", cache)
                answers.append(hit("redis-test", identity, rate, now=now)[0])
    finally:
        first.delete(f"ratelimit:redis-test:{identity}:60:100")

    assert answers == [True, True, True, False]
