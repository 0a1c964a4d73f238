"""The organiser's cockpit in the browser: the outbox, a reminder, the proceedings, a certificate and its check.

On the demo edition: the outbox holds a reminder to the groups without a submission, waiting for review. The organiser
edits and sends it, downloads the proceedings, issues the certificates and downloads one, then anyone verifies its
code on the public page.
"""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from cockpit.models import Certificate
from cohorts.models import Message, MessageRecipient
from malisig.demo import DEMO_PASSWORD, ORGANISERS

from .conftest import login

pytestmark = pytest.mark.e2e


def downloaded_pdf_text(download) -> str:
    with open(download.path(), "rb") as stream:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(stream.read())).pages)


def test_an_organiser_sends_a_reminder_downloads_the_proceedings_and_a_certificate_anyone_can_verify(
    demo, new_page, base_url, mailoutbox
):
    edition = demo.edition
    page = new_page()
    login(page, base_url, ORGANISERS[0].email, DEMO_PASSWORD)

    # The outbox: the reminder waits for review; the organiser sharpens its subject, then sends it.
    page.goto(f"{base_url}{edition.get_absolute_url()}")
    page.get_by_test_id("cockpit-outbox-link").click()
    draft = Message.objects.get(edition=edition, state=Message.State.DRAFT)
    row = page.get_by_test_id(f"draft-{draft.pk}")
    expect(row).to_be_visible()
    row.get_by_role("link").first.click()
    subject = page.locator("input[name=subject_fr]")
    subject.fill(f"{subject.input_value()} (J-3)")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(f"**{edition.slug}/cockpit/messages/")
    page.get_by_test_id(f"draft-{draft.pk}").locator("input[type=checkbox]").check()
    page.get_by_test_id("send-selected").click()
    expect(page.get_by_test_id("history")).to_contain_text("(J-3)")

    sent = MessageRecipient.objects.filter(message=draft, state=MessageRecipient.State.SENT)
    assert sent.count() > 0
    reminded = {address for message in mailoutbox for address in message.to if "(J-3)" in message.subject}
    assert reminded == set(sent.values_list("email", flat=True))
    page.get_by_test_id("history").get_by_role("link", name="(J-3)").click()
    expect(page.get_by_test_id("recipients")).to_contain_text(sent.first().email)

    # The proceedings: built (by Celery, eager here) and downloaded.
    page.goto(f"{base_url}{edition.get_absolute_url()}")
    page.get_by_test_id("cockpit-reports-link").click()
    page.get_by_test_id("report-proceedings-pdf").get_by_test_id("build").click()
    with page.expect_download() as proceedings:
        page.get_by_test_id("report-proceedings-pdf").get_by_test_id("download").click()
    text = downloaded_pdf_text(proceedings.value)
    assert edition.title in text
    assert edition.assignment.title_fr.split()[0] in text

    # Certificates: the organiser issues them to those who qualify, then downloads one.
    page.goto(f"{base_url}{edition.get_absolute_url()}")
    page.get_by_test_id("cockpit-certificates-link").click()
    expect(page.get_by_test_id("count-qualifying")).not_to_have_text("0")
    page.get_by_test_id("issue-participants").locator("button[type=submit]").click()
    page.goto(f"{base_url}/editions/{edition.slug}/cockpit/attestations/?tab=issued")
    first = page.get_by_test_id("certificate").first
    code = first.get_attribute("data-code")
    certificate = Certificate.objects.get(code=code)
    with page.expect_download() as download:
        first.get_by_test_id("download").click()
    text = downloaded_pdf_text(download.value)
    assert certificate.full_name in text
    assert code in text

    # Anyone checks the code on the public page, without an account.
    visitor = new_page()
    visitor.goto(f"{base_url}/editions/certificats/verifier/")
    visitor.locator("input[name=code]").fill(code.lower())
    visitor.locator("main form [type=submit]").click()
    expect(visitor.get_by_test_id("certificate-valid")).to_be_visible()
    expect(visitor.get_by_test_id("name")).to_have_text(certificate.full_name)
    visitor.goto(f"{base_url}/editions/certificats/ABCD-EFGH-JKLM/")
    expect(visitor.get_by_test_id("certificate-not-valid")).to_be_visible()
