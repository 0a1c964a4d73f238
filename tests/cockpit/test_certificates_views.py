import datetime as dt
import re

import pytest
import segno
from django.urls import reverse
from django.utils import timezone

from cockpit.models import Certificate, CertificateBatch, CertificateRules
from tests.conftest import speak

from .certificates_fixtures import attend, group_in, juror_in, participant_in, pdf_text, qr_modules, review_by, sessions

pytestmark = pytest.mark.django_db
Kind = Certificate.Kind


def manage_url(edition, query=""):
    return reverse("cockpit:certificates", kwargs={"slug": edition.slug}) + query


def issue_url(edition):
    return reverse("cockpit:certificates_issue", kwargs={"slug": edition.slug})


def download_url(certificate):
    return reverse("cockpit:certificate_download", kwargs={"slug": certificate.edition.slug, "pk": certificate.pk})


def verify_url(code):
    return reverse("cockpit:verify_certificate", kwargs={"code": code})


@pytest.fixture
def cohort(edition):
    group = group_in(edition)
    return {
        "awa": participant_in(edition, "awa@example.org", first_name="Awa", last_name="Traoré", group=group),
        "sekou": participant_in(edition, "sekou@example.org", first_name="Sékou", last_name="Keïta", completed=False),
    }


@pytest.fixture
def issued(edition, cohort, organiser, client, django_capture_on_commit_callbacks):
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(issue_url(edition), {"kind": Kind.PARTICIPATION, "language": ""})
    client.logout()
    return Certificate.objects.get(user=cohort["awa"])


# --- The organisers' page ---------------------------------------------------------------------------------------


def test_organiser_sees_who_qualifies_and_why_not(client, edition, cohort, organiser):
    client.force_login(organiser)

    response = client.get(manage_url(edition))

    assert response.status_code == 200
    standings = {s.user.email: s for s in response.context["page"]}
    assert standings["awa@example.org"].qualifies
    assert not standings["sekou@example.org"].qualifies
    assert standings["sekou@example.org"].reasons
    assert response.context["counts"]["participants"]["waiting"] == 1


def test_organiser_filters_those_who_do_not_qualify(client, edition, cohort, organiser):
    client.force_login(organiser)

    response = client.get(manage_url(edition, "?show=not_qualifying"))

    assert [s.user for s in response.context["page"]] == [cohort["sekou"]]


def test_jury_tab_lists_jurors_with_their_standing(client, edition, organiser):
    active = juror_in(edition, "oumar@example.org")
    juror_in(edition, "idle@example.org", first_name="Idle")
    review_by(active, group_in(edition))
    client.force_login(organiser)

    response = client.get(manage_url(edition, "?tab=jury"))

    assert {(s.user.email, s.qualifies) for s in response.context["page"]} == {
        ("oumar@example.org", True),
        ("idle@example.org", False),
    }


def test_organiser_saves_the_rules(client, edition, organiser):
    client.force_login(organiser)

    response = client.post(
        manage_url(edition),
        {"course_completed": "on", "min_attendance": "75", "signatory_name": "Dr Sanogo", "signatory_title": "Chair"},
    )

    assert response.status_code == 302
    rules = CertificateRules.objects.get(edition=edition)
    assert (rules.course_completed, rules.min_attendance, rules.group_submitted) == (True, 75, False)
    assert rules.signatory_name == "Dr Sanogo"


def test_an_attendance_above_100_is_refused_next_to_the_field(client, edition, organiser):
    client.force_login(organiser)

    response = client.post(manage_url(edition), {"min_attendance": "120", "signatory_name": "Dr Sanogo"})

    assert response.status_code == 400
    assert "min_attendance" in response.context["rules_form"].errors
    assert response.context["rules_form"]["signatory_name"].value() == "Dr Sanogo"  # what was typed is kept
    assert not CertificateRules.objects.filter(edition=edition).exists()


def test_issue_button_issues_and_shows_the_finished_batch(
    client, edition, cohort, organiser, django_capture_on_commit_callbacks
):
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(issue_url(edition), {"kind": Kind.PARTICIPATION, "language": "en"})

    assert response.status_code == 302
    certificate = Certificate.objects.get(user=cohort["awa"])
    assert certificate.language == "en"
    page = client.get(manage_url(edition))
    (batch,) = page.context["batches"]
    assert (batch.status, batch.done, batch.total, batch.percent) == (CertificateBatch.Status.DONE, 1, 1, 100)
    assert not page.context["running"]


def test_issue_with_nobody_waiting_says_so(client, edition, issued, organiser, django_capture_on_commit_callbacks):
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(issue_url(edition), {"kind": Kind.PARTICIPATION}, follow=True)

    assert response.status_code == 200
    assert CertificateBatch.objects.count() == 1
    assert Certificate.objects.count() == 1


def test_a_running_batch_makes_the_page_reload_itself(client, edition, cohort, organiser):
    CertificateBatch.objects.create(
        edition=edition, kind=Kind.PARTICIPATION, status=CertificateBatch.Status.RUNNING, total=10, done=4
    )
    client.force_login(organiser)

    response = client.get(manage_url(edition))

    assert response.context["running"]
    assert response.context["batches"][0].percent == 40
    assert b'http-equiv="refresh"' in response.content


def test_a_batch_running_for_hours_is_shown_stalled_and_the_page_stops_reloading(client, edition, organiser):
    CertificateBatch.objects.create(
        edition=edition,
        kind=Kind.PARTICIPATION,
        status=CertificateBatch.Status.RUNNING,
        total=10,
        done=4,
        created_at=timezone.now() - dt.timedelta(hours=3),
    )
    client.force_login(organiser)

    response = client.get(manage_url(edition))

    assert response.context["batches"][0].stalled
    assert not response.context["running"]
    assert b'http-equiv="refresh"' not in response.content


def test_issued_tab_lists_certificates_with_download_and_revoke(client, edition, issued, organiser):
    client.force_login(organiser)

    response = client.get(manage_url(edition, "?tab=issued"))

    assert list(response.context["page"]) == [issued]
    assert download_url(issued).encode() in response.content
    assert reverse("cockpit:certificate_revoke", args=[edition.slug, issued.pk]).encode() in response.content


def test_organiser_revokes_with_a_reason(client, edition, issued, organiser):
    client.force_login(organiser)
    url = reverse("cockpit:certificate_revoke", args=[edition.slug, issued.pk])

    refused = client.post(url, {"reason": ""})
    response = client.post(url, {"reason": "Issued by mistake"})

    assert refused.status_code == 400
    assert "reason" in refused.context["form"].errors
    assert response.status_code == 302
    issued.refresh_from_db()
    assert (issued.revoke_reason, issued.revoked_by) == ("Issued by mistake", organiser)


@pytest.mark.parametrize("persona", ["participant", "juror", "other_organiser", "outsider"])
def test_only_the_editions_organisers_manage_certificates(client, edition, cohort, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(manage_url(edition)).status_code == 403
    assert client.post(issue_url(edition), {"kind": Kind.PARTICIPATION}).status_code == 403
    assert client.post(manage_url(edition), {"min_attendance": "10"}).status_code == 403
    assert not CertificateBatch.objects.exists()
    assert not CertificateRules.objects.exists()


def test_participant_cannot_revoke(client, edition, issued, participant):
    client.force_login(participant)

    response = client.post(reverse("cockpit:certificate_revoke", args=[edition.slug, issued.pk]), {"reason": "x"})

    assert response.status_code == 403
    issued.refresh_from_db()
    assert issued.is_valid


def test_anonymous_is_sent_to_login(client, edition):
    response = client.get(manage_url(edition))

    assert response.status_code == 302
    assert "/comptes/" in response.url


def test_site_staff_manage_certificates(client, edition, staff):
    client.force_login(staff)

    assert client.get(manage_url(edition)).status_code == 200


def _fill(edition, start, count, events):
    for n in range(start, start + count):
        group = group_in(edition, f"G{n}", stakeholder_fr=f"Type {n}")
        person = participant_in(edition, f"p{n}@example.org", first_name=f"P{n}", group=group)
        attend(person, edition, events, present=n % 3)
        juror = juror_in(edition, f"j{n}@example.org")
        review_by(juror, group)
        Certificate.objects.create(edition=edition, user=person, full_name=f"P{n}", file="private/certificates/x.pdf")
    CertificateBatch.objects.create(edition=edition, kind=Kind.PARTICIPATION, total=count, done=count)


@pytest.mark.parametrize("tab", ["participants", "jury", "issued"])
def test_the_page_makes_the_same_number_of_queries_at_two_sizes(
    client, edition, organiser, tab, django_assert_max_num_queries
):
    CertificateRules.objects.create(edition=edition, min_attendance=50)
    events = sessions(edition, 3)
    _fill(edition, 0, 2, events)
    client.force_login(organiser)
    client.get(manage_url(edition))  # session and roles warmed
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(manage_url(edition, f"?tab={tab}")).status_code == 200
    _fill(edition, 2, 25, events)

    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(manage_url(edition, f"?tab={tab}"))

    assert response.status_code == 200
    assert len(response.context["page"]) == 27


# --- Downloads --------------------------------------------------------------------------------------------------


def test_owner_downloads_their_certificate_as_an_attachment(client, edition, issued, cohort):
    client.force_login(cohort["awa"])

    response = client.get(download_url(issued))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Awa Traoré" in pdf_text(b"".join(response.streaming_content))


def test_organiser_downloads_any_certificate_of_the_edition(client, edition, issued, organiser):
    client.force_login(organiser)

    assert client.get(download_url(issued)).status_code == 200


@pytest.mark.parametrize("persona", ["participant", "juror", "other_organiser", "outsider"])
def test_others_cannot_download_a_certificate(client, edition, issued, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(download_url(issued)).status_code == 403


def test_another_participant_of_the_edition_cannot_download_it(client, edition, issued, cohort):
    client.force_login(cohort["sekou"])

    assert client.get(download_url(issued)).status_code == 403


def test_anonymous_download_goes_to_login(client, issued):
    response = client.get(download_url(issued))

    assert response.status_code == 302


def test_owner_cannot_download_a_revoked_certificate(client, edition, issued, cohort):
    issued.revoked_at = issued.issued_at
    issued.save()
    client.force_login(cohort["awa"])

    assert client.get(download_url(issued)).status_code == 403


def test_a_certificate_is_looked_up_inside_the_edition(client, edition, other_edition, issued, organiser):
    client.force_login(organiser)

    response = client.get(reverse("cockpit:certificate_download", args=[other_edition.slug, issued.pk]))

    assert response.status_code == 404


def test_participant_sees_their_own_certificates(client, edition, issued, cohort):
    client.force_login(cohort["awa"])

    response = client.get(reverse("cockpit:my_certificates", args=[edition.slug]))

    assert list(response.context["certificates"]) == [issued]
    assert download_url(issued).encode() in response.content


def test_someone_elses_certificates_are_not_listed(client, edition, issued, cohort):
    client.force_login(cohort["sekou"])

    response = client.get(reverse("cockpit:my_certificates", args=[edition.slug]))

    assert list(response.context["certificates"]) == []


# --- Public verification ----------------------------------------------------------------------------------------


def test_anyone_checks_a_valid_code_without_logging_in(client, edition, issued):
    speak(client, "en")

    response = client.get(verify_url(issued.code))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Awa Traoré" in content
    assert "MaliSIG 2023" in content
    assert "Certificate of participation" in content
    assert "awa@example.org" not in content


def _plain(content: bytes, code: str) -> str:
    text = content.decode().replace(code, "CODE")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def test_a_revoked_code_and_an_unknown_code_show_the_same_not_valid_page(client, edition, issued):
    issued.revoked_at = issued.issued_at
    issued.save()

    revoked = client.get(verify_url(issued.code))
    unknown = client.get(verify_url("ZZZZ-ZZZZ-ZZZZ"))

    assert revoked.status_code == unknown.status_code == 404
    # The same page, but for the address itself (the language switcher links back to it) and the CSRF token.
    assert _plain(revoked.content, issued.code) == _plain(unknown.content, "ZZZZ-ZZZZ-ZZZZ")
    assert b"Awa" not in revoked.content
    assert b"MaliSIG 2023" not in revoked.content
    assert revoked.templates[0].name == "cockpit/certificate_verify_invalid.html"


def test_a_code_typed_in_lower_case_goes_to_its_page(client, issued):
    response = client.get(verify_url(issued.code.lower()))

    assert response.status_code == 302
    assert response.url == verify_url(issued.code)


def test_the_verification_form_sends_to_the_codes_page(client, issued):
    form_url = reverse("cockpit:verify_certificate_form")

    assert client.get(form_url).status_code == 200
    response = client.get(form_url, {"code": issued.code.replace("-", " ").lower()})

    assert response.status_code == 302
    assert response.url == verify_url(issued.code)


def test_the_verification_form_refuses_what_cannot_be_a_code(client):
    response = client.get(reverse("cockpit:verify_certificate_form"), {"code": "hello"})

    assert response.status_code == 400
    assert "code" in response.context["form"].errors


def test_the_qr_code_address_is_the_public_verification_page(client, edition, issued):
    data = issued.file.open("rb").read()
    address = f"http://testserver{verify_url(issued.code)}"

    assert address in pdf_text(data)
    assert qr_modules(data) == [list(row) for row in segno.make(address, error="m", micro=False).matrix]
