"""The published proceedings (PDF) on the edition's public pages, for anyone."""

import pytest
from django.urls import reverse

from cockpit.models import Report
from cohorts.models import Edition
from submissions.models import Submission

from .reports_fixtures import pdf_text, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def url(edition):
    return reverse("cockpit:public_proceedings", args=[edition.slug])


def test_anyone_downloads_the_published_proceedings(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(url(world.edition))
    assert first.status_code == 200
    assert b'http-equiv="refresh"' in first.content  # queued; the next visit serves it

    response = client.get(url(world.edition))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    text = pdf_text(b"".join(response.streaming_content))
    assert "Texte publié de Zoulou" in text
    assert "Bravo" not in text and "Moussa" not in text
    assert Report.objects.get().requested_by is None


def test_the_public_file_is_the_organisers_one(client, world, organiser, django_capture_on_commit_callbacks):
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("cockpit:report_build", args=[world.edition.slug]), {"kind": "proceedings", "format": "pdf"}
        )
    client.logout()

    response = client.get(url(world.edition))

    assert response.status_code == 200 and response.streaming
    assert Report.objects.count() == 1


def test_no_public_proceedings_for_a_draft_edition(client, world):
    Edition.objects.filter(pk=world.edition.pk).update(status=Edition.Status.DRAFT)

    assert client.get(url(world.edition)).status_code == 404
    assert not Report.objects.exists()


def test_no_public_proceedings_before_any_publication(client, world):
    Submission.objects.filter(state=Submission.State.PUBLISHED).update(state=Submission.State.ACCEPTED)

    assert client.get(url(world.edition)).status_code == 404


def test_a_failed_build_is_not_retried_by_visitors(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        client.get(url(world.edition))
    Report.objects.update(error="disque plein")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.get(url(world.edition))

    assert b'data-testid="proceedings-unavailable"' in response.content
    assert callbacks == []
