"""The course results, from a French-Excel CSV to a participant on the edition's page."""

import re

import pytest
from playwright.sync_api import expect

from cohorts.models import EditionRole, Enrolment, Role
from malisig.demo import DEMO_PASSWORD, EDITION_SLUG

from .conftest import invitation_link, login

pytestmark = pytest.mark.e2e

EDITION_PATH = f"/editions/{EDITION_SLUG}/"
EXPORT = (
    "Résultats du cours en ligne;;;;;;;\r\n"
    ";;;;;;;\r\n"
    "Prénom;Nom;Adresse de courriel;Organisation;Pays;Genre;Note finale;Date d'achèvement\r\n"
    "Kadidiatou;N'Diaye;kadidiatou.ndiaye@example.org;AGETIC;Mali;F;14,5;04/09/2023\r\n"
    "Lamine;Kéïta;lamine.keita@example.org;Orange Mali;Mali;M;8,25;05/09/2023\r\n"
    "Oumou;Sangaré;pas-une-adresse;ISOC Mali;Mali;F;12;05/09/2023\r\n"
).encode("cp1252")


def test_an_organiser_imports_a_french_excel_export_and_the_invited_participant_joins(
    demo, page, new_page, base_url, mailoutbox, tmp_path
):
    # Arrange: the online course's export, as French-locale Excel saves it.
    export = tmp_path / "resultats.csv"
    export.write_bytes(EXPORT)
    login(page, base_url, "organisatrice@example.org", DEMO_PASSWORD)

    # Act: upload, check the guessed columns, preview, apply.
    page.goto(f"{base_url}{EDITION_PATH}import/")
    page.locator("input[type=file]").set_input_files(str(export))
    page.locator("input[name=upload]").click()
    expect(page.locator("#id_email")).to_have_value("2")  # "Adresse de courriel" guessed
    page.locator("input[name=preview]").click()
    expect(page.get_by_test_id("import-status")).to_have_text(re.compile(r"Prévisualisé|Previewed"))
    expect(page.locator("main table")).to_contain_text("pas-une-adresse")
    page.get_by_test_id("apply-import").click()
    expect(page.get_by_test_id("import-status")).to_have_text(re.compile(r"Importé|Imported"))

    # Act: invite everyone admitted from the roster.
    page.goto(f"{base_url}{EDITION_PATH}participants/?q=kadidiatou")
    expect(page.locator("main table")).to_contain_text("Kadidiatou")
    page.goto(f"{base_url}{EDITION_PATH}participants/")
    page.get_by_test_id("invite-admitted").click()
    link = invitation_link(mailoutbox, "kadidiatou.ndiaye@example.org")

    # Act: she follows the emailed link, chooses a password and lands on the edition.
    invitee = new_page()
    invitee.goto(link)
    invitee.locator("#id_password1").fill("Falaise-de-Bandiagara-7")
    invitee.locator("#id_password2").fill("Falaise-de-Bandiagara-7")
    invitee.locator("input[name=accept]").click()
    invitee.wait_for_url(f"{base_url}{EDITION_PATH}")

    # Assert: she is an active participant; the one below the pass mark is kept, not admitted, not invited.
    expect(invitee.get_by_test_id("role-badge")).to_have_text(re.compile(r"^Participant"))
    statuses = dict(Enrolment.objects.filter(edition=demo.edition).values_list("user__email", "status"))
    assert statuses["kadidiatou.ndiaye@example.org"] == Enrolment.Status.ACTIVE
    assert statuses["lamine.keita@example.org"] == Enrolment.Status.CANDIDATE
    assert "pas-une-adresse" not in statuses
    assert not [message for message in mailoutbox if "lamine.keita@example.org" in message.to]
    assert EditionRole.objects.filter(user__email="kadidiatou.ndiaye@example.org", role=Role.PARTICIPANT).exists()
