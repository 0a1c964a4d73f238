"""Browser journeys: Debian's Chromium driven by Playwright against pytest-django's live server.

Chromium is never downloaded: without /usr/bin/chromium the journeys are skipped, and on CI (CI=true)
they fail, so a runner that lost its browser cannot pass silently.
"""

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio loop running in this thread; Django would refuse ORM calls here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
DESKTOP = {"width": 1280, "height": 800}
# A phone set to English: the site must still open in French (it ignores Accept-Language on purpose).
BROWSER_LOCALE = "en-US"
INVITATION_LINK = re.compile(r"https?://\S+/editions/invitation/[^/\s]+/")


def login(page, base_url: str, email: str, password: str) -> None:
    """Log in through the real form and wait until the site has let us in."""
    page.goto(f"{base_url}/comptes/login/")
    form = page.locator("main form")
    form.locator("input[name=login]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/comptes/login/" not in url)


def invitation_link(outbox, email: str) -> str:
    """The acceptance link of the last email sent to `email`."""
    sent = [message for message in outbox if email in message.to]
    assert sent, f"no email to {email} in {[message.to for message in outbox]}"
    match = INVITATION_LINK.search(sent[-1].body)
    assert match, f"no invitation link in:\n{sent[-1].body}"
    return match.group(0)


@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the journeys"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Package scope: the loop stops once the journeys are done, before other test folders run.
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh browser contexts (separate cookies); every static file they load must be found."""
    contexts, missing = [], []

    def record_missing_static(response) -> None:
        if "/static/" in response.url and response.status >= 400:
            missing.append(f"{response.status} {response.url}")

    def open_page(viewport=None, **options):
        context = browser.new_context(viewport=viewport or DESKTOP, locale=BROWSER_LOCALE, **options)
        context.set_default_timeout(10_000)
        context.on("response", record_missing_static)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    assert not missing, f"static files not served: {missing}"


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(autouse=True)
def _journey_environment(settings, live_server, mailoutbox):
    """Links in emails point at the live server; tasks run in the server's thread even when REDIS_URL is set."""
    from malisig.celery import app as celery_app

    settings.SITE_URL = live_server.url
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def demo(transactional_db):
    """The MaliSIG 2023 demo, committed so that the live server sees it."""
    from malisig.demo import seed_demo

    return seed_demo()


@pytest.fixture
def base_url(live_server) -> str:
    return live_server.url
