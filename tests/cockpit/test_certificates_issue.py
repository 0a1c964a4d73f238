import datetime as dt
import os
import time
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cockpit.models import Certificate, CertificateBatch, CertificateRules
from cockpit.services import certificates as service
from cockpit.services.certificates import (
    NothingToIssue,
    issue_certificates,
    revoke_certificate,
    run_certificate_batch,
    verify_code,
)
from cockpit.tasks_certificates import issue_certificates_task
from cohorts.models import Role

from .certificates_fixtures import (
    group_in,
    juror_in,
    participant_in,
    pdf_image_count,
    pdf_text,
    read_file,
    review_by,
)

pytestmark = pytest.mark.django_db
Kind = Certificate.Kind


@pytest.fixture
def dated_edition(edition):
    edition.starts_on = dt.date(2023, 11, 20)
    edition.ends_on = dt.date(2023, 11, 24)
    edition.venue = "Bamako"
    edition.save()
    CertificateRules.objects.create(
        edition=edition, signatory_name="Dr Oumar Sanogo", signatory_title="Président du comité"
    )
    return edition


@pytest.fixture
def cohort(dated_edition):
    """Two participants who qualify (one reads English), one who does not."""
    group = group_in(dated_edition)
    return {
        "awa": participant_in(dated_edition, "awa@example.org", first_name="Awa", last_name="Traoré", group=group),
        "kate": participant_in(
            dated_edition, "kate@example.org", first_name="Kate", last_name="Mensah", group=group, language="en"
        ),
        "sekou": participant_in(dated_edition, "sekou@example.org", first_name="Sékou", last_name="Keïta"),
    }


def _issue(edition, by, kind=Kind.PARTICIPATION, language="", capture=None):
    with capture(execute=True):
        return issue_certificates(edition, kind, by=by, language=language)


def test_issuing_certifies_everyone_qualifying_with_a_stored_pdf(
    dated_edition, cohort, organiser, django_capture_on_commit_callbacks
):
    batch = _issue(dated_edition, organiser, capture=django_capture_on_commit_callbacks)

    batch.refresh_from_db()
    certificates = Certificate.objects.filter(edition=dated_edition).order_by("full_name")
    assert [c.full_name for c in certificates] == ["Awa Traoré", "Kate Mensah"]
    assert all(c.file and c.issued_by == organiser and c.kind == Kind.PARTICIPATION for c in certificates)
    assert (batch.status, batch.total, batch.done) == (CertificateBatch.Status.DONE, 2, 2)
    assert batch.finished_at is not None


def test_issuing_twice_makes_no_duplicate(dated_edition, cohort, organiser, django_capture_on_commit_callbacks):
    first = _issue(dated_edition, organiser, capture=django_capture_on_commit_callbacks)

    with pytest.raises(NothingToIssue):
        _issue(dated_edition, organiser, capture=django_capture_on_commit_callbacks)
    assert issue_certificates_task(batch_id=first.pk) == 0  # the same task delivered again
    assert Certificate.objects.filter(edition=dated_edition).count() == 2


def test_a_second_run_of_a_queued_batch_issues_nothing_more(
    dated_edition, cohort, organiser, django_capture_on_commit_callbacks
):
    batch = issue_certificates(dated_edition, Kind.PARTICIPATION, by=organiser)  # queued, not run
    other = issue_certificates(dated_edition, Kind.PARTICIPATION, by=organiser)

    assert run_certificate_batch(batch.pk) == 2
    assert run_certificate_batch(other.pk) == 0
    assert Certificate.objects.filter(edition=dated_edition).count() == 2
    other.refresh_from_db()
    assert other.status == CertificateBatch.Status.DONE


def test_a_worker_killed_mid_batch_is_finished_by_the_rerun_without_duplicates(
    dated_edition, cohort, organiser, monkeypatch
):
    for n in range(5):
        participant_in(
            dated_edition, f"more{n}@example.org", first_name=f"P{n}", group=group_in(dated_edition, f"G{n}")
        )
    batch = issue_certificates(dated_edition, Kind.PARTICIPATION, by=organiser)
    monkeypatch.setattr(service, "PROGRESS_EVERY", 2)  # two certificates per transaction
    real_build = service.build_certificate_pdf
    built = []

    def killed_at_the_fifth(content):
        if len(built) == 4:
            raise SystemExit("worker killed")
        built.append(content)
        return real_build(content)

    monkeypatch.setattr(service, "build_certificate_pdf", killed_at_the_fifth)
    with pytest.raises(SystemExit):
        run_certificate_batch(batch.pk)
    monkeypatch.setattr(service, "build_certificate_pdf", real_build)
    batch.refresh_from_db()
    assert Certificate.objects.filter(edition=dated_edition).count() == 4
    assert (batch.status, batch.done, batch.total) == (CertificateBatch.Status.RUNNING, 4, 7)

    assert issue_certificates_task(batch_id=batch.pk) == 3

    batch.refresh_from_db()
    assert Certificate.objects.filter(edition=dated_edition).count() == 7
    assert Certificate.objects.filter(edition=dated_edition).values("user").distinct().count() == 7
    assert (batch.status, batch.total, batch.done) == (CertificateBatch.Status.DONE, 7, 7)


def test_a_taken_code_is_drawn_again(dated_edition, cohort, organiser, monkeypatch):
    taken = Certificate.objects.create(
        edition=dated_edition, user=organiser, full_name="Someone", code="AAAA-AAAA-AAAA"
    )
    codes = iter(["AAAA-AAAA-AAAA", "BBBB-BBBB-BBBB", "CCCC-CCCC-CCCC"])
    monkeypatch.setattr(service, "new_certificate_code", lambda: next(codes))
    batch = issue_certificates(dated_edition, Kind.PARTICIPATION, by=organiser)

    assert run_certificate_batch(batch.pk) == 2

    assert set(Certificate.objects.exclude(pk=taken.pk).values_list("code", flat=True)) == {
        "BBBB-BBBB-BBBB",
        "CCCC-CCCC-CCCC",
    }


def test_a_failing_pdf_marks_the_batch_failed_and_a_rerun_finishes(dated_edition, cohort, organiser, monkeypatch):
    batch = issue_certificates(dated_edition, Kind.PARTICIPATION, by=organiser)
    monkeypatch.setattr(service, "build_certificate_pdf", lambda content: (_ for _ in ()).throw(OSError("disk full")))

    assert run_certificate_batch(batch.pk) == 0
    batch.refresh_from_db()
    assert batch.status == CertificateBatch.Status.FAILED
    assert "disk full" in batch.error

    monkeypatch.undo()
    assert run_certificate_batch(batch.pk) == 2
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.error) == (CertificateBatch.Status.DONE, 2, "")


def test_a_concurrent_issue_is_refused_by_the_constraint_and_skipped(dated_edition, cohort, organiser):
    batch = issue_certificates(dated_edition, Kind.PARTICIPATION, by=organiser)
    standing = next(s for s in service.participant_standings(dated_edition) if s.user == cohort["awa"])
    Certificate.objects.create(edition=dated_edition, user=cohort["awa"], full_name="Awa Traoré")
    context = service._BatchContext(dated_edition, Kind.PARTICIPATION, service.rules_for(dated_edition), "", organiser)

    assert service._issue_one(standing, context) is None
    assert Certificate.objects.filter(user=cohort["awa"]).count() == 1
    assert batch.pk


def test_a_valid_certificate_without_its_file_gets_it_on_the_next_run(dated_edition, cohort, organiser):
    bare = Certificate.objects.create(edition=dated_edition, user=cohort["awa"], full_name="Awa Traoré")
    batch = CertificateBatch.objects.create(edition=dated_edition, kind=Kind.PARTICIPATION, created_by=organiser)

    run_certificate_batch(batch.pk)

    bare.refresh_from_db()
    assert bare.file
    assert "Awa Traoré" in pdf_text(read_file(bare))
    assert Certificate.objects.filter(edition=dated_edition).count() == 2


def test_the_pdf_holds_the_name_code_edition_dates_venue_group_signatory_and_a_qr_image(
    dated_edition, cohort, organiser, django_capture_on_commit_callbacks
):
    _issue(dated_edition, organiser, capture=django_capture_on_commit_callbacks)
    certificate = Certificate.objects.get(user=cohort["awa"])

    data = read_file(certificate)
    text = pdf_text(data)

    assert data.startswith(b"%PDF")
    for expected in ("Awa Traoré", certificate.code, "MaliSIG 2023", "Bamako", "Groupe Kati", "Secteur privé"):
        assert expected in text
    assert "Dr Oumar Sanogo" in text
    assert "novembre 2023" in text  # French dates
    assert f"/editions/certificats/{certificate.code}/" in text
    assert pdf_image_count(data) == 1


def test_the_certificate_follows_the_persons_language(
    dated_edition, cohort, organiser, django_capture_on_commit_callbacks
):
    _issue(dated_edition, organiser, capture=django_capture_on_commit_callbacks)
    french, english = Certificate.objects.get(user=cohort["awa"]), Certificate.objects.get(user=cohort["kate"])

    assert (french.language, english.language) == ("fr", "en")
    english_text = pdf_text(read_file(english))
    assert "November 20, 2023" in english_text
    assert "Private Sector" in english_text
    assert "Certificate of participation" in english_text


def test_the_organiser_may_choose_the_language_of_the_batch(
    dated_edition, cohort, organiser, django_capture_on_commit_callbacks
):
    _issue(dated_edition, organiser, language="en", capture=django_capture_on_commit_callbacks)

    assert set(Certificate.objects.values_list("language", flat=True)) == {"en"}
    assert "November" in pdf_text(read_file(Certificate.objects.get(user=cohort["awa"])))


def test_jurors_get_a_certificate_of_contribution(dated_edition, organiser, django_capture_on_commit_callbacks):
    juror = juror_in(dated_edition, "oumar@example.org", first_name="Oumar", last_name="Sanogo")
    idle = juror_in(dated_edition, "idle@example.org", first_name="Idle", last_name="Juror")
    review_by(juror, group_in(dated_edition))

    _issue(dated_edition, organiser, kind=Kind.CONTRIBUTION, capture=django_capture_on_commit_callbacks)

    (certificate,) = Certificate.objects.filter(edition=dated_edition)
    assert (certificate.user, certificate.kind) == (juror, Kind.CONTRIBUTION)
    assert not Certificate.objects.filter(user=idle).exists()
    assert "Oumar Sanogo" in pdf_text(read_file(certificate))


def test_a_participant_cannot_issue(dated_edition, cohort, participant):
    with pytest.raises(PermissionDenied):
        issue_certificates(dated_edition, Kind.PARTICIPATION, by=participant)


def test_an_organiser_of_another_edition_cannot_issue(dated_edition, cohort, other_organiser):
    with pytest.raises(PermissionDenied):
        issue_certificates(dated_edition, Kind.PARTICIPATION, by=other_organiser)


# --- Revoking and verifying ---------------------------------------------------------------------------------------


def test_revoked_certificate_no_longer_verifies_and_a_new_one_can_be_issued(
    dated_edition, cohort, organiser, django_capture_on_commit_callbacks
):
    _issue(dated_edition, organiser, capture=django_capture_on_commit_callbacks)
    certificate = Certificate.objects.get(user=cohort["awa"])
    assert verify_code(certificate.code) == certificate

    revoke_certificate(certificate, by=organiser, reason="Name misspelt")

    certificate.refresh_from_db()
    assert (certificate.revoked_by, certificate.revoke_reason) == (organiser, "Name misspelt")
    assert verify_code(certificate.code) is None
    _issue(dated_edition, organiser, capture=django_capture_on_commit_callbacks)
    assert Certificate.objects.filter(user=cohort["awa"], revoked_at__isnull=True).count() == 1
    assert Certificate.objects.filter(user=cohort["awa"]).count() == 2


def test_revoking_needs_a_reason_and_an_organiser(dated_edition, cohort, organiser, participant):
    certificate = Certificate.objects.create(edition=dated_edition, user=cohort["awa"], full_name="Awa Traoré")

    with pytest.raises(ValidationError):
        revoke_certificate(certificate, by=organiser, reason="  ")
    with pytest.raises(PermissionDenied):
        revoke_certificate(certificate, by=participant, reason="because")
    certificate.refresh_from_db()
    assert certificate.is_valid


def test_revoking_twice_keeps_the_first_revocation(dated_edition, cohort, organiser):
    certificate = Certificate.objects.create(edition=dated_edition, user=cohort["awa"], full_name="Awa Traoré")
    first = revoke_certificate(certificate, by=organiser, reason="first")

    second = revoke_certificate(certificate, by=organiser, reason="second")

    assert (second.revoked_at, second.revoke_reason) == (first.revoked_at, "first")


@pytest.mark.parametrize("typed", ["abcd-efgh-jkl2", "ABCD EFGH JKL2", "abcdefghjkl2", " ABCD-EFGH-JKL2 "])
def test_a_code_is_recognised_however_typed(dated_edition, cohort, typed):
    certificate = Certificate.objects.create(
        edition=dated_edition, user=cohort["awa"], full_name="Awa Traoré", code="ABCD-EFGH-JKL2"
    )

    assert verify_code(typed) == certificate


@pytest.mark.parametrize("typed", ["", "ABCD-EFGH", "ABCD-EFGH-JKL0", "ZZZZ-ZZZZ-ZZZZ", "../../etc/passwd"])
def test_unknown_or_malformed_codes_do_not_verify(dated_edition, cohort, typed):
    Certificate.objects.create(edition=dated_edition, user=cohort["awa"], full_name="Awa Traoré", code="ABCD-EFGH-JKL2")

    assert verify_code(typed) is None


def test_the_jury_chair_certificate_says_chaired(dated_edition, organiser, django_capture_on_commit_callbacks):
    chair = juror_in(dated_edition, "chair@example.org", role=Role.JURY_CHAIR, language="en")

    _issue(dated_edition, organiser, kind=Kind.CONTRIBUTION, capture=django_capture_on_commit_callbacks)

    text = pdf_text(read_file(Certificate.objects.get(user=chair)))
    assert "chaired the jury" in text
    assert "Certificate of contribution" in text


def test_the_cut_fonts_are_made_again_when_the_temporary_folder_was_cleaned():
    from cockpit.documents import certificate as builder

    paths, _held = builder._light_fonts()
    for path in paths.values():
        os.unlink(path)

    again = builder._font_paths(["Awa Traoré"])

    assert all(os.path.exists(path) for path in again.values())


def test_a_name_outside_the_cut_fonts_gets_the_whole_font():
    from cockpit.documents import certificate as builder

    assert "DejaVuSans.ttf" in builder._font_paths(["Ѐлена"])[""]
    assert "DejaVuSans.ttf" not in builder._font_paths(["Ɲɛnɛ Kɔnɛ, Aïssata N’Diaye"])[""]


def test_two_checkouts_of_the_same_fonts_share_one_cut_instead_of_deleting_each_others(tmp_path, monkeypatch):
    """A web process and a worker of two release folders (or two test runs) on one machine: the same font files with
    other dates must name the same cut, else each deletes the other's while it prints."""
    from cockpit.documents import certificate as builder

    builder._light_fonts.cache_clear()
    first, _held = builder._light_fonts()
    other_checkout = tmp_path / "fonts"
    other_checkout.mkdir()
    for filename in builder.FONT_FILES.values():
        copy = other_checkout / filename
        copy.write_bytes((builder.FONT_DIR / filename).read_bytes())
        os.utime(copy, (1_000_000_000, 1_000_000_000))
    monkeypatch.setattr(builder, "FONT_DIR", other_checkout)
    builder._light_fonts.cache_clear()

    second, _held = builder._light_fonts()

    assert second == first
    assert all(os.path.exists(path) for path in first.values())
    builder._light_fonts.cache_clear()


def test_a_cut_of_another_charset_is_removed_only_once_nobody_wrote_it_for_a_day(monkeypatch):
    from cockpit.documents import certificate as builder

    builder._light_fonts.cache_clear()
    paths, _held = builder._light_fonts()
    folder = Path(paths[""]).parent
    recent, stale = folder / "DejaVuSans-0000000000000001.ttf", folder / "DejaVuSans-0000000000000002.ttf"
    for cut in (recent, stale):
        cut.write_bytes(b"an earlier cut")
    os.utime(stale, (time.time() - 2 * 24 * 3600,) * 2)
    monkeypatch.setattr(builder, "CHARSET_VERSION", "another")
    builder._light_fonts.cache_clear()

    other_charset, _held = builder._light_fonts()

    assert recent.exists() and not stale.exists()
    for cut in (recent, *map(Path, other_charset.values())):
        cut.unlink()
    builder._light_fonts.cache_clear()
