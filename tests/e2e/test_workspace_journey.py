"""Writing the group document in the browser: two members at once, and one through a network cut."""

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from cohorts.models import Role
from groups.models import Formation
from submissions.models import GroupFile, Section, SectionVersion, Submission
from tests.factories import (
    PASSWORD,
    AssignmentFactory,
    EditionFactory,
    EditionRoleFactory,
    GroupFactory,
    MembershipFactory,
    SectionTemplateFactory,
    UserFactory,
)

from .conftest import login
from .editor import SAVE_WAIT, expect_state, stored_html, type_into

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def workspace(transactional_db):
    """An edition with a three-part document and a group of two members, Awa and Sékou; the groups are published."""
    edition = EditionFactory(slug="malisig-2023", title="MaliSIG 2023", year=2023)
    Formation.objects.create(edition=edition, published_at=timezone.now())
    assignment = AssignmentFactory(edition=edition)
    for position, title in enumerate(["Introduction", "Légalité et légitimité", "Conclusion"], start=1):
        SectionTemplateFactory(assignment=assignment, position=position, title_fr=title, word_limit=300)
    group = GroupFactory(edition=edition, name="Secteur privé")
    members = []
    for email, first_name in [("awa@example.org", "Awa"), ("sekou@example.org", "Sékou")]:
        person = UserFactory(email=email, first_name=first_name, last_name="Traoré")
        EditionRoleFactory(edition=edition, user=person, role=Role.PARTICIPANT)
        MembershipFactory(group=group, user=person)
        members.append(person)
    return edition, group, members


def open_workspace(page, base_url, edition, group, person):
    login(page, base_url, person.email, PASSWORD)
    page.goto(f"{base_url}/editions/{edition.slug}/groupes/{group.pk}/document/")
    expect(page.get_by_test_id("editor-area")).to_have_count(3)


def second_section(page):
    return page.get_by_test_id("section").nth(1)


def test_two_members_edit_one_section_and_both_texts_end_up_saved(workspace, new_page, base_url):
    edition, group, (awa, sekou) = workspace
    awa_page, sekou_page = new_page(), new_page(**PHONE)
    open_workspace(awa_page, base_url, edition, group, awa)
    open_workspace(sekou_page, base_url, edition, group, sekou)

    # Act: Awa writes and her text is saved; Sékou, still on version 0, writes too.
    type_into(second_section(awa_page), "Les coupures violent les droits.")
    expect_state(second_section(awa_page), "saved")
    type_into(second_section(sekou_page), "Elles coûtent cher aux entreprises.")

    # Assert: Sékou sees the conflict, Awa's text read only beside his own; nothing was overwritten.
    sekou_section = second_section(sekou_page)
    expect_state(sekou_section, "conflict")
    expect(sekou_section.get_by_test_id("theirs")).to_contain_text("Les coupures violent les droits.")
    assert "Les coupures violent les droits." in stored_html(group)
    assert "coûtent" not in stored_html(group)

    # Act: he keeps both.
    sekou_section.get_by_test_id("keep-both").click()

    # Assert: both texts saved, as a merged version; the merge view is gone.
    expect_state(sekou_section, "saved")
    expect(sekou_section.get_by_test_id("merge")).to_be_hidden()
    html = stored_html(group)
    assert html.index("Les coupures violent les droits.") < html.index("Elles coûtent cher aux entreprises.")
    latest = SectionVersion.objects.filter(section__group=group).order_by("-created_at", "-number").first()
    assert (latest.number, latest.origin, latest.author) == (2, SectionVersion.Origin.MERGED, sekou)
    scroll_width = sekou_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 361, f"the workspace is {scroll_width}px wide on a 360px screen"


def test_text_typed_offline_survives_a_closed_tab_and_is_sent_once_back_online(workspace, new_page, base_url):
    edition, group, (awa, _) = workspace
    page = new_page(**PHONE)
    context = page.context
    open_workspace(page, base_url, edition, group, awa)
    type_into(second_section(page), "Avant la coupure.")
    expect_state(second_section(page), "saved")

    # Act: the connection drops; she keeps typing.
    context.set_offline(True)
    type_into(second_section(page), " Pendant la coupure.")

    # Assert: the page says the text is on this device only; the server does not have it.
    expect_state(second_section(page), "local")
    assert "Pendant" not in stored_html(group)

    # Act: she closes the tab; later, back online, she opens the document again.
    page.close()
    context.set_offline(False)
    page = context.new_page()
    page.goto(f"{base_url}/editions/{edition.slug}/groupes/{group.pk}/document/")

    # Assert: her unsent text is restored from the device, said so, and sent.
    section = second_section(page)
    expect(section.get_by_test_id("restored")).to_be_visible()
    expect(section.get_by_test_id("editor-area")).to_contain_text("Avant la coupure. Pendant la coupure.")
    expect_state(section, "saved")
    assert "Avant la coupure. Pendant la coupure." in stored_html(group)
    latest = SectionVersion.objects.filter(section__group=group).order_by("-number").first()
    assert latest.origin == SectionVersion.Origin.OFFLINE
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('malisig:ws:')).length") == 0


def test_text_typed_offline_is_sent_when_the_connection_returns(workspace, new_page, base_url):
    edition, group, (awa, _) = workspace
    page = new_page()
    open_workspace(page, base_url, edition, group, awa)

    # Act: offline from the start of her writing.
    page.context.set_offline(True)
    type_into(second_section(page), "Écrit sans connexion.")
    state = second_section(page).get_by_test_id("save-state")
    expect(state).to_have_attribute("data-state", "local", timeout=SAVE_WAIT)

    # Act: the connection returns, the page stays open.
    page.context.set_offline(False)

    # Assert: sent without a reload, as an offline version.
    expect(state).to_have_attribute("data-state", "saved", timeout=SAVE_WAIT)
    assert "Écrit sans connexion." in stored_html(group)
    assert SectionVersion.objects.get(section__group=group).origin == SectionVersion.Origin.OFFLINE


def test_the_toolbar_formats_the_text_and_the_server_keeps_the_allowed_html(workspace, new_page, base_url):
    edition, group, (awa, _) = workspace
    page = new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_workspace(page, base_url, edition, group, awa)
    section = second_section(page)
    toolbar = section.locator(".ws-toolbar")
    area = section.get_by_test_id("editor-area")

    # Act: a heading, a bulleted list, a bold word, a link, a 2 × 3 table.
    area.click()
    toolbar.locator("[data-cmd=h2]").click()
    page.keyboard.type("Enjeux")
    page.keyboard.press("Enter")
    toolbar.locator("[data-cmd=insertUnorderedList]").click()
    page.keyboard.type("Économie")
    page.keyboard.press("Enter")
    page.keyboard.type("Droits")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("Important")
    page.keyboard.press("Shift+Home")
    toolbar.locator("[data-cmd=bold]").click()
    page.keyboard.press("End")
    page.once("dialog", lambda dialog: dialog.accept("https://www.internetsociety.org/"))
    toolbar.locator("[data-cmd=link]").click()
    page.once("dialog", lambda dialog: dialog.accept("2 x 3"))
    toolbar.locator("[data-cmd=table]").click()

    # Assert: saved as the allowed HTML.
    expect_state(section, "saved")
    html = stored_html(group)
    assert "<h2>Enjeux</h2>" in html
    assert "<b>Important</b>" in html or "<strong>Important</strong>" in html
    assert "<ul><li>Économie</li><li>Droits</li></ul>" in html
    assert 'href="https://www.internetsociety.org/"' in html
    assert html.count("<th>") == 3 and html.count("<td>") == 3
    # The live count agrees with the server's (the link's address counts too: https, www, internetsociety, org).
    assert Section.objects.get(group=group, template__position=2).words == 8
    expect(section.get_by_test_id("words")).to_have_text("8")
    assert errors == []


def png_file(name: str = "carte.png") -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="PNG")
    return {"name": name, "mimeType": "image/png", "buffer": buffer.getvalue()}


def test_a_member_uploads_a_picture_from_the_toolbar_and_it_is_saved_at_the_caret(workspace, new_page, base_url):
    edition, group, (awa, _) = workspace
    page = new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_workspace(page, base_url, edition, group, awa)
    section = second_section(page)
    type_into(section, "Avant la carte. Après la carte.")
    for _ in " Après la carte.":
        page.keyboard.press("ArrowLeft")

    # Act: the image button, a PNG from this device, a description, Insert.
    section.locator(".ws-toolbar [data-cmd=image]").click()
    dialog = section.get_by_test_id("image-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("image-file").set_input_files(png_file())
    expect(dialog.get_by_test_id("image-src")).to_have_value(re.compile(r"/fichiers/\d+/$"))
    expect(dialog.get_by_test_id("image-list").locator("img")).to_have_count(1)
    dialog.get_by_test_id("image-alt").fill("Carte des coupures")
    with page.expect_response(lambda response: "/enregistrer/" in response.url, timeout=SAVE_WAIT) as autosave:
        dialog.get_by_test_id("image-insert").click()

    # Assert: the image is shown where the caret was, in its own paragraph, and saved with the group file's address.
    expect(dialog).to_be_hidden()
    expect(section.get_by_test_id("editor-area").locator("p > img")).to_have_count(1)
    assert autosave.value.status == 200
    expect_state(section, "saved")
    image = GroupFile.objects.get(group=group, role=GroupFile.Role.IMAGE)
    src = reverse("submissions:group_file", args=[edition.slug, group.pk, image.pk])
    html = stored_html(group)
    assert f'<p><img src="{src}" alt="Carte des coupures"></p>' in html
    assert html.index("Avant la carte.") < html.index("<img") < html.index("Après la carte.")
    assert errors == []


def test_the_image_dialog_says_a_picture_needs_a_connection(workspace, new_page, base_url):
    edition, group, (awa, _) = workspace
    page = new_page(**PHONE)
    open_workspace(page, base_url, edition, group, awa)
    section = second_section(page)
    type_into(section, "Texte gardé.")
    page.context.set_offline(True)

    section.locator(".ws-toolbar [data-cmd=image]").click()

    offline = page.evaluate("JSON.parse(document.getElementById('ws-labels').textContent).imageOffline")
    expect(section.get_by_test_id("image-state")).to_have_text(offline)
    expect(section.get_by_test_id("editor-area")).to_contain_text("Texte gardé.")


def test_text_kept_on_the_device_meets_a_newer_version_in_the_merge_view(workspace, new_page, base_url):
    edition, group, (awa, sekou) = workspace
    page = new_page(**PHONE)
    context = page.context
    open_workspace(page, base_url, edition, group, awa)
    context.set_offline(True)
    type_into(second_section(page), "Version d'Awa, hors ligne.")
    expect_state(second_section(page), "local")
    page.close()

    # Act: meanwhile Sékou saves the same section; Awa comes back online and opens the document.
    other = new_page()
    open_workspace(other, base_url, edition, group, sekou)
    type_into(second_section(other), "Version de Sékou.")
    expect_state(second_section(other), "saved")
    context.set_offline(False)
    page = context.new_page()
    page.goto(f"{base_url}/editions/{edition.slug}/groupes/{group.pk}/document/")

    # Assert: her text is back, beside his, and nothing was overwritten.
    section = second_section(page)
    expect_state(section, "conflict")
    expect(section.get_by_test_id("theirs")).to_contain_text("Version de Sékou.")
    expect(section.get_by_test_id("editor-area")).to_contain_text("Version d'Awa, hors ligne.")
    assert "Awa" not in stored_html(group)

    # Act: she keeps both.
    section.get_by_test_id("keep-both").click()

    # Assert: both saved, his first.
    expect_state(section, "saved")
    html = stored_html(group)
    assert html.index("Version de Sékou.") < html.index("Version d'Awa, hors ligne.")


def test_text_kept_on_the_device_stays_visible_when_the_document_closed_meanwhile(workspace, new_page, base_url):
    edition, group, (awa, _) = workspace
    page = new_page(**PHONE)
    context = page.context
    open_workspace(page, base_url, edition, group, awa)
    context.set_offline(True)
    type_into(second_section(page), "Écrit pendant la coupure, avant le dépôt.")
    expect_state(second_section(page), "local")
    page.close()

    # Act: the coordinator submits meanwhile; Awa comes back online.
    Submission.objects.create(group=group, number=1, submitted_by=awa, declaration="ok")
    context.set_offline(False)
    page = context.new_page()
    page.goto(f"{base_url}/editions/{edition.slug}/groupes/{group.pk}/document/")

    # Assert: the page is read only, and shows her unsent text to copy; the device keeps it.
    expect(page.get_by_test_id("workspace-closed")).to_be_visible()
    expect(second_section(page).get_by_test_id("unsent")).to_contain_text("Écrit pendant la coupure, avant le dépôt.")
    assert "coupure" not in stored_html(group)
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('malisig:ws:')).length") == 1
