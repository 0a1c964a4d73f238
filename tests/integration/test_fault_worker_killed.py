"""Fault drill: a Celery worker killed (-9) in the middle of an import and of a certificate batch, then a new worker
started. The job finishes without duplicates, and the progress bar (read through the page the organiser watches)
tells the truth all along: it never goes back nor past 100 %, never says "done" while nobody works, and ends at
"all lines / all certificates". Real worker subprocesses on Redis, against pytest's PostgreSQL test database; the
worker is slowed down by tests/integration/slow_worker.py so that the kill lands mid-job. Run with e.g.
DATABASE_URL=postgres://postgres@127.0.0.1:5432/malisig_faults REDIS_URL=redis://127.0.0.1:6379/13."""

import os
import re
import signal
import subprocess
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from cockpit.models import Certificate, CertificateBatch, CertificateRules
from cohorts.models import Enrolment, EnrolmentChange, ImportJob, ImportRow, Role
from cohorts.services.imports import queue_run, start_import
from malisig.models import User
from tests.factories import EditionRoleFactory, UserFactory
from tests.integration.stack import VISIBILITY_TIMEOUT, committed_database_url, killable_workers, require, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def real_stack():
    require("integration tests")


LINES, BATCH = 500, 50
PARTICIPANTS = 40
HEADER = "Prénom;Nom;Adresse de courriel;Organisation;Pays;Genre;Note finale;Date d'achèvement"


@pytest.fixture
def workers(real_stack, transactional_db, tmp_path):
    """start(name) runs a real worker, slowed down so that a kill lands mid-job."""
    env = {
        **os.environ,
        "DATABASE_URL": committed_database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),  # the uploads this process stored, the PDFs this process reads
        "CONN_MAX_AGE": "0",
        "SLOW_IMPORT_BATCH_SIZE": str(BATCH),
        "SLOW_IMPORT_BATCH_SECONDS": "0.5",
        "SLOW_CERTIFICATE_SECONDS": "0.15",
    }
    with killable_workers(
        tmp_path, env, bootstrap="from tests.integration import slow_worker; slow_worker.install(); "
    ) as start:
        yield start


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()


def log_of(tmp_path, name: str) -> str:
    return (tmp_path / f"{name}.log").read_text(errors="replace")[-3000:]


def import_file(lines: int) -> SimpleUploadedFile:
    """One line per person, every third below the pass mark."""
    rows = [
        f"Awa{i};Traoré;p{i:04d}@example.org;Orange Mali;Mali;F;{8 if i % 3 == 0 else 14};05/09/2023"
        for i in range(lines)
    ]
    return SimpleUploadedFile("resultats.csv", ("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp1252"))


def test_an_import_whose_worker_is_killed_finishes_once_and_its_bar_tells_the_truth(
    workers, edition, organiser, tmp_path
):
    edition.pass_mark = Decimal("10")
    edition.save()
    client = Client()
    client.force_login(organiser)
    job = start_import(edition, import_file(LINES), by=organiser)
    page = reverse("cohorts:import_detail", args=[edition.slug, job.pk])

    def seen():
        response = client.get(page)
        assert response.status_code == 200
        html, context = response.content.decode(), response.context
        bar = [int(value) for value in re.findall(r'<progress[^>]*\bvalue="(\d+)"', html)]
        seen.samples.append((context["running"], context["job"].rows_done, bar))
        return context, bar

    seen.samples = []
    first = workers("first")
    queue_run(job, dry_run=False, by=organiser)  # committed at once: the task goes to Redis

    assert wait_until(lambda: seen()[0]["job"].rows_done >= 3 * BATCH, timeout=60), log_of(tmp_path, "first")
    kill(first)
    job.refresh_from_db()
    at_the_kill = job.rows_done
    assert 0 < at_the_kill < LINES, "the kill landed after the end: slow the worker down"
    # Nobody works now: the page must keep saying "running", at the committed count, for as long as it lasts.
    outage_end = time.monotonic() + VISIBILITY_TIMEOUT + 1
    while time.monotonic() < outage_end:
        context, bar = seen()
        assert context["running"] and context["job"].status == ImportJob.Status.APPLYING
        assert context["job"].rows_done == at_the_kill and bar == [round(100 * at_the_kill / LINES)]
        time.sleep(0.5)
    workers("second")

    assert wait_until(lambda: not seen()[0]["running"], timeout=90), log_of(tmp_path, "second")
    context, bar = seen()
    job.refresh_from_db()
    print(f"import: killed at {at_the_kill}/{LINES} lines; {len(seen.samples)} page reads")
    assert (job.status, job.rows_done, job.rows_total, job.error) == (ImportJob.Status.APPLIED, LINES, LINES, "")
    assert not bar and context["job"].counts["created"] == LINES
    assert f'<div class="fs-5">{LINES}</div>' in client.get(page).content.decode()  # "500 created"
    # The bar never went back nor past 100 %, and said "done" only once everything was.
    done_counts = [rows_done for running, rows_done, _bar in seen.samples]
    assert done_counts == sorted(done_counts)
    assert all(value <= 100 for _running, _done, bars in seen.samples for value in bars)
    assert all(rows_done == LINES for running, rows_done, _bar in seen.samples if not running)
    assert "carrying on after line" in log_of(tmp_path, "second")
    # Exactly one person, one enrolment and one recorded outcome per line; one audit row per admission.
    imported = User.objects.filter(email__endswith="@example.org", email__startswith="p0")
    assert imported.count() == LINES
    assert Enrolment.objects.filter(edition=edition).count() == LINES
    assert not Enrolment.objects.values("user").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert list(job.rows.values_list("line", flat=True)) == list(range(2, LINES + 2))
    assert Counter(job.rows.values_list("outcome", flat=True)) == {
        ImportRow.Outcome.CREATE: LINES - LINES // 3 - 1,
        ImportRow.Outcome.NOT_ELIGIBLE: LINES // 3 + 1,
    }
    admitted = Enrolment.objects.filter(edition=edition, status=Enrolment.Status.ADMITTED).count()
    assert EnrolmentChange.objects.filter(enrolment__edition=edition).count() == admitted == LINES - LINES // 3 - 1


def test_a_certificate_batch_whose_worker_is_killed_issues_each_certificate_once(workers, edition, organiser, tmp_path):
    CertificateRules.objects.create(edition=edition, course_completed=False, group_submitted=False)
    for i in range(PARTICIPANTS):
        person = UserFactory(email=f"c{i:02d}@example.org", first_name=f"Awa{i}", last_name="Traoré")
        EditionRoleFactory(edition=edition, user=person, role=Role.PARTICIPANT)
    client = Client()
    client.force_login(organiser)
    page = reverse("cockpit:certificates", args=[edition.slug])
    samples = []

    def seen() -> tuple[CertificateBatch, str]:
        response = client.get(page)
        assert response.status_code == 200
        html = response.content.decode()
        batch = response.context["batches"][0]
        shown = re.search(r'data-testid="batch-progress">\s*(\d+)\D+(\d+)\s*<', html)
        bar = int(re.search(r'<progress[^>]*\bvalue="(\d+)"', html).group(1))
        samples.append((batch.status, int(shown.group(1)), int(shown.group(2)), bar))
        return batch, html

    first = workers("first")
    issued = client.post(reverse("cockpit:certificates_issue", args=[edition.slug]), {"kind": "participation"})
    assert issued.status_code == 302

    assert wait_until(lambda: seen()[0].done >= 10, timeout=60), log_of(tmp_path, "first")
    kill(first)
    batch = CertificateBatch.objects.get()
    at_the_kill = batch.done
    assert 0 < at_the_kill < PARTICIPANTS, "the kill landed after the end: slow the worker down"
    assert Certificate.objects.count() == at_the_kill  # the progress never runs ahead of the certificates
    outage_end = time.monotonic() + VISIBILITY_TIMEOUT + 1
    while time.monotonic() < outage_end:
        shown, _html = seen()
        assert shown.status == CertificateBatch.Status.RUNNING and shown.done == at_the_kill
        assert samples[-1][1:] == (at_the_kill, PARTICIPANTS, round(100 * at_the_kill / PARTICIPANTS))
        time.sleep(0.5)
    workers("second")

    assert wait_until(lambda: seen()[0].status == CertificateBatch.Status.DONE, timeout=90), log_of(tmp_path, "second")
    batch.refresh_from_db()
    print(f"certificates: killed at {at_the_kill}/{PARTICIPANTS}; {len(samples)} page reads")
    assert (batch.done, batch.total, batch.error) == (PARTICIPANTS, PARTICIPANTS, "")
    assert samples[-1] == (CertificateBatch.Status.DONE, PARTICIPANTS, PARTICIPANTS, 100)
    assert [done for _status, done, _total, _bar in samples] == sorted(done for _s, done, _t, _b in samples)
    assert all(bar <= 100 and done <= total for _status, done, total, bar in samples)
    assert all(done == total for status, done, total, _bar in samples if status == CertificateBatch.Status.DONE)
    # One valid certificate per participant, each with its PDF; at most one chunk of PDFs orphaned by the kill.
    certificates = Certificate.objects.filter(edition=edition, kind=Certificate.Kind.PARTICIPATION)
    per_person = Counter(certificates.values_list("user__email", flat=True))
    assert len(per_person) == PARTICIPANTS and set(per_person.values()) == {1}
    assert all(
        certificate.file and certificate.file.storage.exists(certificate.file.name) for certificate in certificates
    )
    stored = list(Path(settings.MEDIA_ROOT).rglob("*.pdf"))
    assert PARTICIPANTS <= len(stored) <= PARTICIPANTS + 10
