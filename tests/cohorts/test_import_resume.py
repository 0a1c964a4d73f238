"""An import whose worker died mid-file, handed over again by the broker: it carries on after the last committed
batch, so every line is written, recorded and counted once, and the summary says what this import did."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from cohorts.models import Enrolment, EnrolmentChange, ImportJob, ImportRow, Profile
from cohorts.services import imports
from cohorts.services.imports import queue_run, start_import
from cohorts.tasks import run_import_task
from malisig.models import User

HEADER = "Prénom;Nom;Adresse de courriel;Organisation;Pays;Genre;Note finale;Date d'achèvement"
Outcome = ImportRow.Outcome


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: the run stops where it is, its open transaction rolled back."""


def results(*lines: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("resultats.csv", ("\r\n".join([HEADER, *lines]) + "\r\n").encode("cp1252"))


def person(index: int) -> str:
    return f"Awa{index};Traoré;p{index}@example.org;Orange Mali;Mali;F;{12 if index % 3 else 8};05/09/2023"


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", 10)


@pytest.fixture
def applying(edition, organiser):
    """queue_run(upload, dry_run): the job as the task finds it (the task itself is not run: no commit here)."""
    edition.pass_mark = Decimal("10")
    edition.save()

    def applying(upload, *, dry_run=False) -> ImportJob:
        job = start_import(edition, upload, by=organiser)
        queue_run(job, dry_run=dry_run, by=organiser)
        return ImportJob.objects.select_related("edition").get(pk=job.pk)

    return applying


def killed_at_batch(monkeypatch, number: int) -> None:
    """The next run dies right after writing its `number`th batch, before that transaction commits."""
    real_flush = imports._Batch.flush
    calls = []

    def flush(batch):
        outcomes = real_flush(batch)
        calls.append(1)
        if len(calls) == number:
            raise WorkerKilled  # after the batch's writes: they must go with it
        return outcomes

    monkeypatch.setattr(imports._Batch, "flush", flush)


def test_a_rerun_after_a_killed_worker_carries_on_and_counts_each_line_once(applying, small_batches, monkeypatch):
    job = applying(results(*(person(i) for i in range(45))))
    killed_at_batch(monkeypatch, 3)
    with pytest.raises(WorkerKilled):
        imports.run_job(job, dry_run=False)
    job.refresh_from_db()
    committed = (job.rows_done, job.status, Enrolment.objects.count(), job.rows.count())
    monkeypatch.undo()
    monkeypatch.setattr(imports, "BATCH_SIZE", 10)

    run_import_task(job_id=job.pk, dry_run=False)

    assert committed == (20, ImportJob.Status.APPLYING, 20, 20)
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total) == (ImportJob.Status.APPLIED, 45, 45)
    assert (job.counts["created"], job.counts["unchanged"], job.counts["eligible"]) == (45, 0, 30)
    assert list(job.rows.values_list("line", flat=True)) == list(range(2, 47))
    assert set(job.rows.values_list("outcome", flat=True)) == {Outcome.CREATE, Outcome.NOT_ELIGIBLE}
    assert User.objects.filter(email__startswith="p").count() == 45
    assert Enrolment.objects.count() == Profile.objects.filter(organisation="Orange Mali").count() == 45
    assert EnrolmentChange.objects.count() == 30  # one audit row per person admitted, none twice


def test_a_person_listed_before_and_after_the_interruption_is_merged_as_one(applying, small_batches, monkeypatch):
    lines = [person(i) for i in range(30)]
    lines[2] = "Fatou;Keïta;fatou@example.org;AMRTP;;F;11;"
    lines[27] = "Fatou;Keïta;fatou@example.org;;Sénégal;F;;05/09/2023"
    job = applying(results(*lines))
    killed_at_batch(monkeypatch, 2)
    with pytest.raises(WorkerKilled):
        imports.run_job(job, dry_run=False)
    monkeypatch.undo()
    monkeypatch.setattr(imports, "BATCH_SIZE", 10)

    run_import_task(job_id=job.pk, dry_run=False)

    job.refresh_from_db()
    fatou = Profile.objects.get(user__email="fatou@example.org")
    assert (fatou.organisation, fatou.country) == ("AMRTP", "Sénégal")
    assert Enrolment.objects.get(user__email="fatou@example.org").grade == Decimal("11")
    assert (job.counts["created"], job.counts["duplicates_merged"]) == (29, 1)
    assert job.rows.filter(outcome=Outcome.DUPLICATE).get().line == 29


def test_blank_lines_and_rejected_lines_are_counted_once_across_the_interruption(applying, small_batches, monkeypatch):
    lines = [person(i) for i in range(25)]
    lines[3], lines[15] = ";;;;;;;", "Awa;Diarra;pas-un-email;;;;;"
    job = applying(results(*lines, ";;;;;;;"))
    killed_at_batch(monkeypatch, 2)
    with pytest.raises(WorkerKilled):
        imports.run_job(job, dry_run=False)
    monkeypatch.undo()
    monkeypatch.setattr(imports, "BATCH_SIZE", 10)

    run_import_task(job_id=job.pk, dry_run=False)

    job.refresh_from_db()
    assert (job.counts["skipped_empty"], job.counts["created"]) == (2, 23)
    assert [row["line"] for row in job.counts["rejected"]] == [17]
    assert job.rows.filter(outcome=Outcome.REJECTED).count() == 1


def test_a_preview_interrupted_then_resumed_writes_nothing_and_counts_once(applying, small_batches, monkeypatch):
    job = applying(results(*(person(i) for i in range(25))), dry_run=True)
    killed_at_batch(monkeypatch, 2)
    with pytest.raises(WorkerKilled):
        imports.run_job(job, dry_run=True)
    monkeypatch.undo()
    monkeypatch.setattr(imports, "BATCH_SIZE", 10)

    run_import_task(job_id=job.pk, dry_run=True)

    job.refresh_from_db()
    assert (job.status, job.counts["created"], job.rows.count()) == (ImportJob.Status.PREVIEWED, 25, 25)
    assert not Enrolment.objects.exists()


def test_a_task_handed_over_again_after_the_import_finished_changes_nothing(applying):
    job = applying(results(person(1), person(2)))
    run_import_task(job_id=job.pk, dry_run=False)
    job.refresh_from_db()
    finished = (job.status, job.counts, job.finished_at, list(job.rows.values_list("line", "outcome")))

    outcome = run_import_task(job_id=job.pk, dry_run=False)

    job.refresh_from_db()
    assert outcome is None
    assert (job.status, job.counts, job.finished_at, list(job.rows.values_list("line", "outcome"))) == finished
    assert finished[1]["created"] == 2


def test_a_new_run_of_the_same_job_starts_afresh(applying, organiser):
    job = applying(results(person(1), person(2)), dry_run=True)
    run_import_task(job_id=job.pk, dry_run=True)
    job.refresh_from_db()

    queue_run(job, dry_run=False, by=organiser)
    run_import_task(job_id=job.pk, dry_run=False)

    job.refresh_from_db()
    assert (job.status, job.rows_done, job.counts["created"]) == (ImportJob.Status.APPLIED, 2, 2)
    assert list(job.rows.values_list("line", "outcome")) == [(2, Outcome.CREATE), (3, Outcome.CREATE)]


def test_an_import_stopped_by_an_unexpected_error_is_shown_failed_not_running_for_ever(applying, client, organiser):
    job = applying(results(person(1), person(2)))
    job.file.storage.delete(job.file.name)  # e.g. the media volume lost meanwhile

    with pytest.raises(FileNotFoundError):
        run_import_task(job_id=job.pk, dry_run=False)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.finished_at is not None
    assert "not be duplicated" in job.error or "dupliqu" in job.error
    client.force_login(organiser)
    page = client.get(reverse("cohorts:import_detail", args=[job.edition.slug, job.pk]))
    assert page.context["running"] is False and escape(job.error) in page.content.decode()
