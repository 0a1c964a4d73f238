"""Security headers: Content-Security-Policy (no inline script anywhere), HSTS, secure cookies, framing, referrer.

The production settings themselves (DEBUG off: secure cookies, HSTS, `check --deploy` clean) are checked from the
environment in tests/malisig/test_settings_from_environment.py; here, what the responses carry.
"""

import re
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.urls import reverse

from malisig.models import User
from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/comptes/login/"
POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'", "'unsafe-inline'"},
    "img-src": {"'self'", "data:", "https:"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
    "base-uri": {"'self'"},
    "object-src": {"'none'"},
}

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
DATA_TYPES = {"application/json", "application/ld+json"}
EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*?\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
# Links the crawl does not follow: files and documents (generated, not HTML), leaving, language switch.
NOT_PAGES = re.compile(
    r"(logout|/static/|/media/|fichiers/\d+/|export|telecharg|hors-ligne|\.(csv|pdf|docx|pptx|xlsx|zip|ics|svg)\b"
    r"|/i18n/)",
    re.IGNORECASE,
)


def policy_of(response) -> dict[str, set[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: set(sources) for name, *sources in directives}


def inline_script_problems(html: str) -> list[str]:
    """Everything a browser would run from the page itself: <script> without src, on*= handlers, javascript: URLs."""
    problems = []
    for attributes, body in SCRIPT_TAG.findall(html):
        kind = re.search(r"""\btype\s*=\s*["']?([^"'\s>]+)""", attributes, re.IGNORECASE)
        if kind and kind.group(1).lower() in DATA_TYPES:
            continue  # data for a script (json_script), never executed
        if re.search(r"\bsrc\s*=", attributes, re.IGNORECASE) and not body.strip():
            continue
        problems.append(f"inline <script{attributes}>{body[:80]}")
    problems += [f"event handler: {match.group(0)[-80:]}" for match in EVENT_HANDLER.finditer(html)]
    problems += [f"javascript: URL: {match.group(0)}" for match in JAVASCRIPT_URL.finditer(html)]
    return problems


# ---------------------------------------------------------------------------
# The header on every kind of answer
# ---------------------------------------------------------------------------
def test_the_login_page_carries_the_policy_and_the_other_headers(client, db):
    response = client.get(LOGIN)

    assert response.status_code == 200
    assert policy_of(response) == POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_for_people_logged_in_errors_and_json_carry_the_policy(client, participant, edition):
    client.force_login(participant)

    for url in [reverse("home"), "/no-such-page/", reverse("healthz")]:
        response = client.get(url)
        assert policy_of(response) == POLICY, url


def test_the_admin_carries_the_policy_and_runs_no_inline_script(client, db):
    staff = UserFactory(email="staff@example.org", is_staff=True, is_superuser=True)
    client.force_login(staff)

    for url in [
        reverse("admin:index"),
        reverse("admin:malisig_user_changelist"),
        reverse("admin:malisig_user_change", args=[staff.pk]),
        reverse("admin:malisig_user_add"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert policy_of(response) == POLICY, url
        assert inline_script_problems(response.content.decode()) == [], url


def test_static_scripts_need_no_eval_nor_inline_code():
    for script in (ROOT / "static").rglob("*.js"):
        if "vendor" in script.parts:
            continue
        code = script.read_text(encoding="utf-8")
        assert not re.search(r"\beval\s*\(|new\s+Function\s*\(|setTimeout\s*\(\s*[\"'`]", code), script
        assert not re.search(r"""setAttribute\(\s*["']on""", code, re.IGNORECASE), script


# ---------------------------------------------------------------------------
# HTTPS: HSTS, the redirect, cookies only over TLS (the production values, set here by hand)
# ---------------------------------------------------------------------------
@pytest.fixture
def production_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.LANGUAGE_COOKIE_SECURE = True


def test_over_https_the_answers_carry_hsts(client, db, production_https):
    response = client.get(LOGIN, secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_plain_http_is_redirected_to_https(client, db, production_https):
    response = client.get(LOGIN)

    assert response.status_code == 301
    assert response.url.startswith("https://")


def test_session_csrf_and_language_cookies_are_sent_only_over_https(client, db, production_https):
    UserFactory(email="awa@example.org")

    client.get(LOGIN, secure=True)
    client.post(LOGIN, {"login": "awa@example.org", "password": PASSWORD}, secure=True)
    client.post(reverse("set_language"), {"language": "en", "next": "/"}, secure=True)

    for name in ("sessionid", "csrftoken", "django_language"):
        assert name in client.cookies, name
        assert client.cookies[name]["secure"], name
    assert client.cookies["sessionid"]["httponly"]


# ---------------------------------------------------------------------------
# No inline script on any page: the demo, crawled as each kind of person
# ---------------------------------------------------------------------------
def shape(url: str) -> str:
    return re.sub(r"\d+", "N", urlsplit(url).path)


def crawl(client, start: list[str], limit: int) -> dict[str, list[str]]:
    """Breadth first through the site's links (GET only), one page per shape of address (/participants/12/ stands
    for every participant); each HTML page's inline-script problems."""
    seen, queue, found = {shape(url) for url in start}, deque(start), {}
    while queue and len(found) < limit:
        url = queue.popleft()
        response = client.get(url)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        assert policy_of(response) == POLICY, url
        html = response.content.decode()
        found[url] = inline_script_problems(html)
        for href in HREF.findall(html):
            link = urldefrag(href.replace("&amp;", "&"))[0]
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not link.startswith("/") or NOT_PAGES.search(link):
                continue
            if shape(link) not in seen:
                seen.add(shape(link))
                queue.append(link)
    return found


@pytest.mark.parametrize(
    "email",
    [
        "organisatrice@example.org",
        "jury.presidente@example.org",
        "jury1@example.org",
        "participant01@example.org",
        "admin@example.org",
    ],
)
def test_no_page_of_the_demo_runs_inline_script(client, db, email):
    from malisig.demo import seed_demo

    seed_demo()
    client.force_login(User.objects.get(email=email))

    pages = crawl(client, [reverse("home")], limit=150)

    assert len(pages) >= 5, pages.keys()
    assert {url: problems for url, problems in pages.items() if problems} == {}


def test_the_anonymous_pages_run_no_inline_script(client, db):
    pages = crawl(client, [LOGIN, "/comptes/password/reset/", reverse("help")], limit=20)

    assert LOGIN in pages
    assert {url: problems for url, problems in pages.items() if problems} == {}


def test_the_checker_sees_inline_scripts_handlers_and_javascript_urls():
    html = (
        '<script src="/static/a.js"></script><script id="d" type="application/json">{"a": 1}</script>'
        "<script>alert(1)</script><button onclick=\"go()\">x</button><a href='javascript:go()'>y</a>"
    )

    problems = inline_script_problems(html)

    assert len(problems) == 3
    assert inline_script_problems('<p class="only on=paper">content on=x</p>') == []
