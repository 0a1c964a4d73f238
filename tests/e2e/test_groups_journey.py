"""Forming the groups in the browser: automatic assignment previewed then applied, published, seen by a participant."""

import re

import pytest
from playwright.sync_api import expect

from cohorts.models import Enrolment, Role
from groups.models import Group, Membership
from tests.factories import (
    PASSWORD,
    EditionFactory,
    EditionRoleFactory,
    EnrolmentFactory,
    ProfileFactory,
    StakeholderTypeFactory,
    UserFactory,
)

from .conftest import login

pytestmark = pytest.mark.e2e

SECTORS = ["Gouvernement", "Secteur privé", "Société civile"]
BRIEF_FR = "Vous représentez les citoyens, les associations, les médias et les défenseurs des droits."
MY_GROUP_LINK = re.compile(r"https?://\S+/editions/[\w-]+/mon-groupe/")


@pytest.fixture
def cohort(transactional_db):
    """An edition with its three roles, an organiser and nine active participants, no group yet."""
    edition = EditionFactory(slug="malisig-2024", title="MaliSIG 2024", year=2024)
    for position, (code, name_fr, name_en, brief_fr) in enumerate([
        ("government", "Gouvernement", "Government", "Vous représentez l'État."),
        ("private-sector", "Secteur privé", "Private Sector", "Vous représentez les entreprises."),
        ("civil-society", "Société civile", "Civil Society", BRIEF_FR),
    ]):  # fmt: skip
        StakeholderTypeFactory(
            edition=edition, code=code, name_fr=name_fr, name_en=name_en, brief_fr=brief_fr, sectors=name_fr,
            position=position,
        )  # fmt: skip
    organiser = UserFactory(email="organisatrice@example.org", first_name="Mariam", last_name="Koné")
    EditionRoleFactory(edition=edition, user=organiser, role=Role.ORGANISER)
    participants = []
    for index in range(9):
        person = UserFactory(email=f"participant{index}@example.org", first_name=f"Awa{index}", last_name="Traoré")
        EditionRoleFactory(edition=edition, user=person, role=Role.PARTICIPANT)
        EnrolmentFactory(edition=edition, user=person, status=Enrolment.Status.ACTIVE)
        ProfileFactory(
            user=person, gender="female" if index % 2 else "male", sector=SECTORS[index % 3],
            organisation=f"Organisation {index % 4}", country=["Mali", "Sénégal", "Guinée"][index % 3],
        )  # fmt: skip
        participants.append(person)
    return edition, organiser, participants


def test_an_organiser_forms_the_groups_automatically_publishes_them_and_a_participant_reads_hers(
    cohort, page, new_page, base_url, mailoutbox
):
    edition, organiser, participants = cohort
    edition_path = f"/editions/{edition.slug}/"

    # Act: from the edition's organiser tools to the automatic assignment; one group per role; preview.
    login(page, base_url, organiser.email, PASSWORD)
    page.goto(f"{base_url}{edition_path}")
    page.get_by_test_id("groups-link").click()
    page.get_by_test_id("groups-nav").locator(f"a[href='{edition_path}groupes/automatique/']").click()
    page.locator("#id_groups_per_type").fill("1")
    page.get_by_test_id("preview").click()

    # Assert: three new groups of three, nothing written yet.
    table = page.get_by_test_id("preview-table")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table).to_contain_text("Société civile")
    assert not Group.objects.filter(edition=edition).exists()

    # Act: apply what was previewed.
    page.get_by_test_id("apply").click()

    # Assert: back on the formation screen, everyone placed, three groups of three.
    expect(page).to_have_url(re.compile(rf"{edition_path}groupes/$"))
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.get_by_test_id("everyone-placed")).to_be_visible()
    expect(page.get_by_test_id("group-size")).to_have_text(["3", "3", "3"])
    assert Membership.objects.filter(edition=edition).count() == 9

    # Act: publish.
    page.get_by_test_id("publish").click()

    # Assert: published, and each participant was emailed the link to her group.
    expect(page.get_by_test_id("unpublish")).to_be_visible()
    assert len(mailoutbox) == 9
    reader = participants[2]  # sector "Société civile"
    (email,) = [message for message in mailoutbox if reader.email in message.to]
    link = MY_GROUP_LINK.search(email.body).group(0)

    # Act: the participant logs in on her own device and follows the emailed link.
    phone = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    login(phone, base_url, reader.email, PASSWORD)
    phone.goto(link)

    # Assert: her group, the role it plays and its brief, her fellow members.
    group = Membership.objects.select_related("group__stakeholder_type").get(user=reader).group
    expect(phone.locator("h1")).to_contain_text(group.name)
    expect(phone.get_by_test_id("group-role")).to_have_text(group.stakeholder_type.name_fr)
    expect(phone.get_by_test_id("group-brief")).to_contain_text(group.stakeholder_type.brief_fr)
    expect(phone.get_by_test_id("group-members").locator("li")).to_have_count(3)
    scroll_width = phone.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 361, f"the group page is {scroll_width}px wide on a 360px screen"
