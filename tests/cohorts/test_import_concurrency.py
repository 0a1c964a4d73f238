"""Two organisers applying imports that share people at the same moment: each person is created once."""

import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count

from cohorts.models import Enrolment, EnrolmentChange, ImportJob, Profile, Role
from cohorts.services.imports import queue_run, start_import
from malisig.models import User
from tests.factories import EditionRoleFactory, UserFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite lets one writer in at a time, so two imports cannot race: run with DATABASE_URL=postgres://...",
)

SHARED, OWN = 1500, 1000  # each file: the shared people and its own, more rows than one batch
HEADER = "Prénom;Nom;Adresse de courriel;Organisation;Pays;Genre;Note finale;Date d'achèvement"


def results_file(name: str, people: list[tuple[int, str]]) -> SimpleUploadedFile:
    """One line per (index, email); every third person is below the pass mark."""
    lines = [f"Awa;Traoré;{email};Orange Mali;Mali;F;{12 if index % 3 else 8};05/09/2023" for index, email in people]
    return SimpleUploadedFile(name, ("\r\n".join([HEADER, *lines]) + "\r\n").encode("cp1252"))


def apply_at_once(jobs_and_organisers) -> list[BaseException]:
    """Apply each job in its own thread (its own connection), all released together; returns what they raised."""
    start = threading.Barrier(len(jobs_and_organisers))
    failures = []

    def apply(job_pk, organiser_pk):
        try:
            job = ImportJob.objects.select_related("edition").get(pk=job_pk)
            organiser = User.objects.get(pk=organiser_pk)
            start.wait(timeout=30)
            queue_run(job, dry_run=False, by=organiser)  # Celery runs eagerly: the import runs right here
        except BaseException as error:  # reported by the test below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=apply, args=(job.pk, by.pk)) for job, by in jobs_and_organisers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return failures


@pytest.mark.django_db(transaction=True)
def test_two_organisers_applying_imports_of_the_same_people_at_once_create_each_person_once(edition, organiser):
    edition.pass_mark = Decimal("10")
    edition.save()
    colleague = UserFactory(email="colleague@example.org")
    EditionRoleFactory(edition=edition, user=colleague, role=Role.ORGANISER)
    shared = [(index, f"shared{index}@race.example") for index in range(SHARED)]
    first_only = [(index, f"first{index}@race.example") for index in range(OWN)]
    second_only = [(index, f"second{index}@race.example") for index in range(OWN)]
    first = start_import(edition, results_file("first.csv", shared + first_only), by=organiser)
    second = start_import(edition, results_file("second.csv", second_only + shared[::-1]), by=colleague)
    for job, by in ((first, organiser), (second, colleague)):
        queue_run(job, dry_run=True, by=by)

    failures = apply_at_once([(first, organiser), (second, colleague)])

    assert failures == []
    people = SHARED + 2 * OWN
    assert User.objects.filter(email__endswith="@race.example").count() == people
    assert Profile.objects.filter(user__email__endswith="@race.example").count() == people
    enrolments = Enrolment.objects.filter(edition=edition, user__email__endswith="@race.example")
    assert enrolments.count() == people
    assert not enrolments.values("user").annotate(n=Count("pk")).filter(n__gt=1).exists()
    eligible = sum(1 for index, _email in shared + first_only + second_only if index % 3)
    assert enrolments.filter(status=Enrolment.Status.ADMITTED).count() == eligible
    changes = EnrolmentChange.objects.filter(enrolment__in=enrolments, new=Enrolment.Status.ADMITTED)
    assert changes.count() == eligible  # one audit row per admission, not one per import
    for job in (first, second):
        job.refresh_from_db()
        assert (job.status, job.error) == (ImportJob.Status.APPLIED, "")
        assert job.rows.count() == job.rows_total
