"""The Content-Security-Policy in a real browser: the editor, the defense sheet and projector, and the admin work
under it, and Chromium reports no violation (it would log "Refused to ..." on the console)."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, UserFactory

from .conftest import login
from .editor import expect_state, type_into
from .test_defense_journey import PHONE, ceremony  # noqa: F401 - fixture
from .test_workspace_journey import open_workspace, second_section, workspace  # noqa: F401

pytestmark = pytest.mark.e2e

SAVE_WAIT = 15_000


@pytest.fixture
def watched(new_page):
    """Pages whose CSP violations (console and securitypolicyviolation events) and script errors are recorded."""
    violations = []

    def open_watched(**options):
        page = new_page(**options)
        page.on(
            "console",
            lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        page.on("pageerror", lambda error: violations.append(f"script error: {error}"))
        return page

    yield open_watched, violations


def test_the_editor_saves_and_inserts_an_image_under_the_policy(workspace, watched, base_url):  # noqa: F811
    open_page, violations = watched
    edition, group, (awa, _) = workspace
    page = open_page()
    response = page.goto(f"{base_url}/comptes/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]

    open_workspace(page, base_url, edition, group, awa)
    section = second_section(page)
    type_into(section, "Sous la politique de sécurité.")
    expect_state(section, "saved")

    assert violations == []


def test_the_defense_sheet_and_projector_work_under_the_policy(ceremony, watched, base_url):  # noqa: F811
    open_page, violations = watched
    edition, _, chair, juror = ceremony
    sheet, control, projector = open_page(**PHONE), open_page(), open_page()
    login(sheet, base_url, juror.email, PASSWORD)
    login(control, base_url, chair.email, PASSWORD)
    login(projector, base_url, chair.email, PASSWORD)

    sheet.goto(f"{base_url}/editions/{edition.slug}/jury/soutenance/notes/")
    card = sheet.get_by_test_id("score-card").first
    for select in card.get_by_test_id("score").all():
        select.select_option("3")
    expect(card.get_by_test_id("save-state")).to_have_attribute("data-state", "saved", timeout=SAVE_WAIT)
    projector.goto(f"{base_url}/editions/{edition.slug}/jury/soutenance/ecran/")
    control.goto(f"{base_url}/editions/{edition.slug}/jury/soutenance/")
    control.get_by_test_id("turn").first.get_by_test_id("start").click()
    expect(projector.get_by_test_id("countdown")).to_be_visible(timeout=SAVE_WAIT)

    assert violations == []


def test_the_admin_works_under_the_policy(transactional_db, watched, base_url):
    open_page, violations = watched
    staff = UserFactory(email="staff@example.org", is_staff=True, is_superuser=True)
    page = open_page()
    login(page, base_url, staff.email, PASSWORD)

    page.goto(f"{base_url}/admin/malisig/user/{staff.pk}/change/")
    expect(page.locator("#user_form")).to_be_visible()
    page.goto(f"{base_url}/admin/malisig/user/")
    page.locator("#action-toggle").check()  # admin's actions.js: ticks every row
    expect(page.locator("input.action-select").first).to_be_checked()

    assert violations == []
