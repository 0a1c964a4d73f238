"""The reports page: build through Celery (eager here), cache per version, permission-checked downloads."""

import pytest
from django.urls import reverse

from cockpit.models import Report
from cockpit.services.reports import build_report, current_reports, proceedings_key, request_report
from cohorts.models import Role
from submissions.models import NameConsent

from ..conftest import speak
from ..factories import EditionRoleFactory, GroupFactory, UserFactory
from .reports_fixtures import pdf_text, publish, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def page_url(edition, language="fr"):
    return reverse("cockpit:reports", args=[edition.slug]) + f"?langue={language}"


def build_url(edition):
    return reverse("cockpit:report_build", args=[edition.slug])


def build(client, edition, capture, kind="proceedings", fmt="pdf", language="fr"):
    with capture(execute=True):
        return client.post(build_url(edition), {"kind": kind, "format": fmt, "language": language})


def test_organiser_sees_each_report_and_format_not_built_yet(client, world, organiser):
    client.force_login(organiser)

    response = client.get(page_url(world.edition))

    assert response.status_code == 200
    body = response.content.decode()
    for kind in ("proceedings", "sponsors"):
        for fmt in ("pdf", "docx"):
            assert f'data-testid="report-{kind}-{fmt}" data-state="missing"' in body


def test_building_the_proceedings_makes_them_ready_to_download(
    client, world, organiser, django_capture_on_commit_callbacks
):
    client.force_login(organiser)

    response = build(client, world.edition, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.kind, report.format, report.language, report.requested_by) == ("proceedings", "pdf", "fr", organiser)
    assert report.file and report.finished_at and not report.error
    page = client.get(page_url(world.edition)).content.decode()
    assert 'data-testid="report-proceedings-pdf" data-state="ready"' in page
    download = client.get(reverse("cockpit:report_download", args=[world.edition.slug, report.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert "malisig-2023-actes.pdf" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "Texte publié de Zoulou" in pdf_text(b"".join(download.streaming_content))


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_sponsor_report_builds_and_downloads(client, world, organiser, django_capture_on_commit_callbacks, fmt):
    client.force_login(organiser)

    build(client, world.edition, django_capture_on_commit_callbacks, kind="sponsors", fmt=fmt, language="en")

    report = Report.objects.get(kind="sponsors", format=fmt)
    assert report.file and report.language == "en"
    download = client.get(reverse("cockpit:report_download", args=[world.edition.slug, report.pk]))
    assert "sponsor-report" in download["Content-Disposition"]


def test_a_second_request_reuses_the_stored_file(client, world, organiser, django_capture_on_commit_callbacks):
    client.force_login(organiser)
    build(client, world.edition, django_capture_on_commit_callbacks)
    first = Report.objects.get()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = request_report(world.edition, "proceedings", "pdf", by=organiser, language="fr")

    assert again.pk == first.pk and again.file.name == first.file.name
    assert callbacks == []  # nothing queued
    assert Report.objects.count() == 1


def test_a_new_publication_gives_a_new_version(client, world, organiser, django_capture_on_commit_callbacks):
    client.force_login(organiser)
    build(client, world.edition, django_capture_on_commit_callbacks)
    first = Report.objects.get()
    before = proceedings_key(world.edition, "fr")

    publish(world.groups["Bravo"])

    assert proceedings_key(world.edition, "fr") != before
    assert current_reports(world.edition, "fr")[("proceedings", "pdf")] is None
    build(client, world.edition, django_capture_on_commit_callbacks)
    newest = Report.objects.get()  # the older version's row is gone, and its file
    assert newest.pk != first.pk
    assert not first.file.storage.exists(first.file.name)
    assert "Texte publié de Bravo" in pdf_text(newest.file.read())


def test_other_formats_and_languages_are_kept_when_a_version_replaces_another(
    client, world, organiser, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    build(client, world.edition, django_capture_on_commit_callbacks, fmt="docx")
    build(client, world.edition, django_capture_on_commit_callbacks, language="en")
    build(client, world.edition, django_capture_on_commit_callbacks)
    publish(world.groups["Bravo"])

    build(client, world.edition, django_capture_on_commit_callbacks)

    kept = sorted(Report.objects.values_list("format", "language"))
    assert kept == [("docx", "fr"), ("pdf", "en"), ("pdf", "fr")]


def withdraw_consent(world):
    NameConsent.objects.filter(user__first_name="Awa").update(publish_name=False)


def edit_concept_note(world):
    world.edition.concept_note = "<p>Autre note.</p>"
    world.edition.save()


def reorder_stakeholders(world):
    kind = world.groups["Mango"].stakeholder_type
    kind.position = 9
    kind.save()


@pytest.mark.parametrize("change", [withdraw_consent, edit_concept_note, reorder_stakeholders])
def test_what_the_proceedings_print_is_in_the_version(world, change):
    before = proceedings_key(world.edition, "fr")

    change(world)

    assert proceedings_key(world.edition, "fr") != before


def test_the_version_ignores_unpublished_work(world):
    before = proceedings_key(world.edition, "fr")

    GroupFactory(edition=world.edition, stakeholder_type=world.groups["Mango"].stakeholder_type, name="Nouveau")

    assert proceedings_key(world.edition, "fr") == before
    assert proceedings_key(world.edition, "en") != before


def test_page_says_the_file_is_being_prepared_until_the_task_ran(
    client, world, organiser, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    speak(client, "en")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            build_url(world.edition), {"kind": "proceedings", "format": "docx", "language": "fr"}, follow=True
        )

    assert len(callbacks) == 1
    body = response.content.decode()
    assert 'data-testid="report-proceedings-docx" data-state="building"' in body
    assert "being prepared" in body
    callbacks[0]()  # the worker runs
    assert 'data-state="ready"' in client.get(page_url(world.edition)).content.decode()


def test_running_the_task_twice_keeps_one_file(world, organiser, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        report = request_report(world.edition, "proceedings", "pdf", by=organiser, language="fr")

    first = build_report(report.pk)
    second = build_report(report.pk)

    assert first.file.name == second.file.name


def test_a_failed_build_is_reported_and_tried_again(client, world, organiser, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        report = request_report(world.edition, "proceedings", "pdf", by=organiser, language="fr")
    Report.objects.filter(pk=report.pk).update(error="disque plein")
    client.force_login(organiser)

    page = client.get(page_url(world.edition)).content.decode()
    assert 'data-testid="report-proceedings-pdf" data-state="failed"' in page
    build(client, world.edition, django_capture_on_commit_callbacks)

    report.refresh_from_db()
    assert report.file and not report.error
    assert Report.objects.count() == 1


def test_unknown_report_or_format_changes_nothing(client, world, organiser):
    client.force_login(organiser)

    response = client.post(build_url(world.edition), {"kind": "minutes", "format": "pdf"})

    assert response.status_code == 302
    assert not Report.objects.exists()


def test_site_staff_may_build(client, world, staff, django_capture_on_commit_callbacks):
    client.force_login(staff)

    build(client, world.edition, django_capture_on_commit_callbacks, fmt="docx")

    assert Report.objects.get().file


@pytest.fixture
def built(world, organiser, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return request_report(world.edition, "proceedings", "pdf", by=organiser, language="fr")


@pytest.mark.parametrize("persona", ["participant", "juror", "other_organiser", "outsider"])
def test_others_are_refused(client, world, built, persona, request):
    client.force_login(request.getfixturevalue(persona))
    download = reverse("cockpit:report_download", args=[world.edition.slug, built.pk])

    assert client.get(page_url(world.edition)).status_code == 403
    assert client.post(build_url(world.edition), {"kind": "proceedings", "format": "docx"}).status_code == 403
    assert client.get(download).status_code == 403
    assert Report.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client, world, built):
    download = reverse("cockpit:report_download", args=[world.edition.slug, built.pk])

    for response in (
        client.get(page_url(world.edition)),
        client.post(build_url(world.edition), {"kind": "proceedings", "format": "docx"}),
        client.get(download),
    ):
        assert response.status_code == 302
        assert "/login/" in response["Location"] or "connexion" in response["Location"]


def test_another_editions_report_is_not_found_through_this_edition(client, world, built, other_edition):
    organiser_of_both = UserFactory()
    for edition in (world.edition, other_edition):
        EditionRoleFactory(edition=edition, user=organiser_of_both, role=Role.ORGANISER)
    client.force_login(organiser_of_both)

    response = client.get(reverse("cockpit:report_download", args=[other_edition.slug, built.pk]))

    assert response.status_code == 404


def test_page_query_count_does_not_grow_with_documents(client, world, organiser, django_assert_max_num_queries):
    client.force_login(organiser)
    client.get(page_url(world.edition))  # warm the session and the caches (dashboard, results)
    with django_assert_max_num_queries(40) as small:
        client.get(page_url(world.edition))
    queries = len(small.captured_queries)  # read now: the next request empties the connection's log
    for index in range(6):
        group = GroupFactory(
            edition=world.edition, stakeholder_type=world.groups["Alpha"].stakeholder_type, name=f"G{index}"
        )
        publish(group)
    client.get(page_url(world.edition))

    with django_assert_max_num_queries(queries):
        response = client.get(page_url(world.edition))

    assert response.status_code == 200


def test_page_query_count_without_cache_does_not_grow_either(client, world, organiser, django_assert_max_num_queries):
    from django.core.cache import cache

    client.force_login(organiser)
    client.get(page_url(world.edition))
    cache.clear()
    with django_assert_max_num_queries(60) as small:
        client.get(page_url(world.edition))
    queries = len(small.captured_queries)
    for _index in range(6):
        publish(GroupFactory(edition=world.edition, stakeholder_type=world.groups["Mango"].stakeholder_type))
    cache.clear()

    with django_assert_max_num_queries(queries):
        client.get(page_url(world.edition))


def test_an_edition_with_nothing_yet_still_builds_every_report(
    client, edition, organiser, django_capture_on_commit_callbacks
):
    client.force_login(organiser)

    assert client.get(page_url(edition)).status_code == 200
    for kind in ("proceedings", "sponsors"):
        for fmt in ("pdf", "docx"):
            build(client, edition, django_capture_on_commit_callbacks, kind=kind, fmt=fmt)

    assert Report.objects.filter(edition=edition).exclude(file="").count() == 4
    body = client.get(page_url(edition)).content.decode()
    assert body.count('data-state="ready"') == 4
