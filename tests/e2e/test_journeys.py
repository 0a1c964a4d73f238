"""Browser journeys through the demo edition: log in per role, accept an invitation, use a phone."""

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from cohorts.models import EditionRole, Role
from malisig.demo import DEMO_PASSWORD, EDITION_SLUG

from .conftest import invitation_link, login

pytestmark = pytest.mark.e2e

EDITION_PATH = f"/editions/{EDITION_SLUG}/"
PHONE = {"width": 360, "height": 740}


@dataclass(frozen=True)
class Persona:
    email: str
    sees_edition: bool = True
    sees_invitations: bool = False
    sees_jury: bool = False
    sees_administration: bool = False


PERSONAS = {
    # Organisers may read the jury area (cohorts.view_jury_area), so the menu offers it to them too.
    "organiser": Persona("organisatrice@example.org", sees_invitations=True, sees_jury=True),
    "jury-chair": Persona("jury.presidente@example.org", sees_jury=True),
    "juror": Persona("jury1@example.org", sees_jury=True),
    "participant": Persona("participant01@example.org"),
    # Site staff hold no role in the edition: their home sends them to the administration instead.
    "staff": Persona("admin@example.org", sees_edition=False, sees_administration=True),
}


def expect_link(nav, name: str, visible: bool) -> None:
    link = nav.get_by_role("link", name=name, exact=True)
    if visible:
        expect(link).to_be_visible()
    else:
        expect(link).to_have_count(0)


@pytest.mark.parametrize("persona", PERSONAS.values(), ids=PERSONAS.keys())
def test_each_demo_role_logs_in_sees_its_navigation_switches_language_and_logs_out(demo, page, base_url, persona):
    # Arrange: a desktop browser, so the navbar is expanded.
    html = page.locator("html")

    # Act: log in through the form.
    login(page, base_url, persona.email, DEMO_PASSWORD)

    # Assert: home, in French, with this role's navigation.
    expect(page).to_have_url(f"{base_url}/")
    expect(html).to_have_attribute("lang", "fr")
    nav = page.get_by_test_id("nav")
    expect_link(nav, "MaliSIG 2023", persona.sees_edition)
    expect_link(nav, "Invitations", persona.sees_invitations)
    expect_link(nav, "Jury", persona.sees_jury)
    expect_link(nav, "Administration", persona.sees_administration)

    # Act: switch to English from the footer.
    page.get_by_test_id("language-switcher").get_by_role("button", name="English").click()

    # Assert: same page, now in English.
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{base_url}/")
    expect_link(nav, "My space", visible=True)

    # Act: log out from the user menu (a Bootstrap dropdown: wait for its deferred script).
    page.wait_for_load_state("load")
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()

    # Assert: anonymous home, offering to log in again.
    expect(page.get_by_test_id("user-menu")).to_have_count(0)
    expect(page).to_have_url(f"{base_url}/")
    expect(page.locator("nav a[href='/comptes/login/']")).to_have_text(re.compile(r"Log in|Se connecter"))


def test_invitation_link_accepted_end_to_end_grants_the_role_and_lands_on_the_edition(
    demo, page, new_page, base_url, mailoutbox
):
    # Arrange: the organiser invites a new person from the invitations page.
    email = "nouvelle.participante@example.org"
    login(page, base_url, "organisatrice@example.org", DEMO_PASSWORD)
    page.goto(f"{base_url}{EDITION_PATH}invitations/")
    page.get_by_test_id("invite-someone").click()
    page.locator("#id_email").fill(email)
    page.locator("#id_first_name").fill("Aïssata")
    page.locator("#id_last_name").fill("N'Diaye")
    page.locator("#id_role").select_option(Role.PARTICIPANT.value)
    page.locator("input[name=invite]").click()
    expect(page.locator("main table")).to_contain_text(email)
    link = invitation_link(mailoutbox, email)
    invitee = new_page()

    # Act: the invitee, not logged in, follows the link and creates her account.
    invitee.goto(link)
    expect(invitee.locator("#id_first_name")).to_have_value("Aïssata")
    expect(invitee.locator("#id_last_name")).to_have_value("N'Diaye")
    invitee.locator("#id_password1").fill("Baobab-de-Kayes-1987")
    invitee.locator("#id_password2").fill("Baobab-de-Kayes-1987")
    invitee.locator("input[name=accept]").click()

    # Assert: she lands on the edition as a participant.
    invitee.wait_for_url(f"{base_url}{EDITION_PATH}")
    expect(invitee.get_by_test_id("role-badge")).to_have_text(re.compile(r"^Participant"))  # fr: Participant(e)
    assert EditionRole.objects.filter(edition=demo.edition, user__email=email, role=Role.PARTICIPANT).count() == 1

    # Act: she opens the link again (a double click, an old tab), then someone else opens it on another device.
    invitee.goto(link)
    invitee.wait_for_url(f"{base_url}{EDITION_PATH}")
    stranger = new_page()
    stranger.goto(link)

    # Assert: she is simply back on the edition; for anyone else the link is used up; nothing more was granted.
    expect(invitee.get_by_test_id("role-badge")).to_have_count(1)
    expect(stranger.get_by_test_id("invitation-problem")).to_be_visible()
    assert EditionRole.objects.filter(edition=demo.edition, user__email=email).count() == 1


def test_phone_width_layout_has_no_horizontal_scroll(demo, new_page, base_url):
    # Arrange: a participant on a small phone.
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    login(page, base_url, "participant01@example.org", DEMO_PASSWORD)

    for path in ("/", EDITION_PATH):
        # Act
        page.goto(f"{base_url}{path}")

        # Assert: nothing wider than the screen, and the collapsed menu's button shows.
        expect(page.locator("h1")).to_be_visible()
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= PHONE["width"] + 1, f"{path} is {scroll_width}px wide on a {PHONE['width']}px screen"
        expect(page.locator("button.navbar-toggler")).to_be_visible()
