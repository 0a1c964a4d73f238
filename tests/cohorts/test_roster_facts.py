"""The roster's country filter and totals come from a cache: whatever changes them shows on the next page view."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cohorts.models import AttendanceEvent, Enrolment
from cohorts.services import roster_facts
from cohorts.services.imports import import_path
from malisig import generations
from tests.cohorts.test_import_participants import french_excel_csv, write
from tests.cohorts.test_roster import act, enrol, names_in, roster_url
from tests.factories import MasterclassFactory

S = Enrolment.Status


def countries_in(response) -> list[str]:
    return [value for value, _label in response.context["form"].fields["country"].choices[1:]]


def total_of(response) -> int:
    return response.context["page"].paginator.count


def test_a_country_brought_by_an_import_is_in_the_filter_at_once(client, organiser, edition, tmp_path):
    edition.pass_mark = Decimal("10")
    edition.save()
    enrol(edition, "Awa", "Diarra", country="Mali")
    client.force_login(organiser)
    before = client.get(roster_url(edition))
    path = write(tmp_path, french_excel_csv("Fatou;Sow;fatou@example.org;Sonatel;Sénégal;F;15;"))

    import_path(edition, path, dry_run=False)

    after = client.get(roster_url(edition))
    assert (countries_in(before), total_of(before)) == (["Mali"], 1)
    assert (countries_in(after), total_of(after)) == (["Mali", "Sénégal"], 2)
    assert names_in(client.get(roster_url(edition, country="Sénégal"))) == ["Sow"]


def test_a_country_changed_by_an_import_leaves_the_filter_at_once(client, organiser, edition, tmp_path):
    enrol(edition, "Fatou", "Sow", email="fatou@example.org", country="Mali", grade=Decimal("15"))
    client.force_login(organiser)
    before = client.get(roster_url(edition))
    path = write(tmp_path, french_excel_csv("Fatou;Sow;fatou@example.org;Orange Mali;Sénégal;F;15;"))

    import_path(edition, path, dry_run=False)

    assert countries_in(before) == ["Mali"]
    assert countries_in(client.get(roster_url(edition))) == ["Sénégal"]


def test_a_country_changed_on_ones_own_profile_is_in_the_filter_at_once(client, organiser, edition):
    moved = enrol(edition, "Awa", "Diarra", country="Mali")
    client.force_login(organiser)
    before = client.get(roster_url(edition))
    client.force_login(moved.user)
    client.post(
        reverse("cohorts:my_profile"),
        {"first_name": "Awa", "last_name": "Diarra", "preferred_language": "fr", "country": "Niger"},
    )
    client.force_login(organiser)

    after = client.get(roster_url(edition))

    assert (countries_in(before), countries_in(after)) == (["Mali"], ["Niger"])
    assert names_in(client.get(roster_url(edition, country="Niger"))) == ["Diarra"]


def test_someone_added_by_hand_counts_and_brings_their_country_at_once(client, organiser, edition):
    enrol(edition, "Awa", "Diarra", country="Mali")
    client.force_login(organiser)
    before = client.get(roster_url(edition))

    client.post(
        reverse("cohorts:participant_add", args=[edition.slug]),
        {"email": "ali@example.org", "first_name": "Ali", "last_name": "Keïta", "country": "Guinée"},
    )

    after = client.get(roster_url(edition))
    assert (countries_in(before), total_of(before)) == (["Mali"], 1)
    assert (countries_in(after), total_of(after)) == (["Guinée", "Mali"], 2)


def test_the_totals_by_status_follow_a_withdrawal_at_once(client, organiser, edition):
    leaving = enrol(edition, "Awa", "Diarra", status=S.ACTIVE)
    enrol(edition, "Ali", "Keïta", status=S.ACTIVE)
    client.force_login(organiser)
    active_before = client.get(roster_url(edition, status=S.ACTIVE))
    withdrawn_before = client.get(roster_url(edition, status=S.WITHDRAWN))

    act(client, edition, "withdraw", [leaving.pk])

    active_after = client.get(roster_url(edition, status=S.ACTIVE))
    withdrawn_after = client.get(roster_url(edition, status=S.WITHDRAWN))
    assert (total_of(active_before), total_of(withdrawn_before)) == (2, 0)
    assert (total_of(active_after), total_of(withdrawn_after)) == (1, 1)
    assert names_in(withdrawn_after) == ["Diarra"]


def test_a_deleted_person_leaves_the_total_and_the_filter_at_once(client, organiser, edition):
    enrol(edition, "Awa", "Diarra", country="Mali")
    leaving = enrol(edition, "Ali", "Keïta", country="Niger")
    client.force_login(organiser)
    before = client.get(roster_url(edition))

    leaving.user.delete()

    after = client.get(roster_url(edition))
    assert (countries_in(before), total_of(before)) == (["Mali", "Niger"], 2)
    assert (countries_in(after), total_of(after)) == (["Mali"], 1)


def test_the_checklist_total_follows_an_admission_at_once(client, organiser, edition):
    session = AttendanceEvent.objects.create(edition=edition, title="Jour 1", date=dt.date(2023, 6, 12))
    enrol(edition, "Awa", "Diarra", status=S.ACTIVE)
    waiting = enrol(edition, "Ali", "Keïta", status=S.CANDIDATE)
    client.force_login(organiser)
    url = reverse("cohorts:attendance_take", args=[edition.slug, session.pk])
    before = client.get(url)

    act(client, edition, "admit", [waiting.pk], reason="Dossier complet")

    after = client.get(url)
    assert (before.context["page"].paginator.count, after.context["page"].paginator.count) == (1, 2)
    assert client.get(reverse("cohorts:attendance_list", args=[edition.slug])).context["expected"] == 2


def test_a_session_created_by_hand_counts_as_held_at_once(client, organiser, edition):
    enrol(edition)
    client.force_login(organiser)
    before = client.get(roster_url(edition))

    client.post(
        reverse("cohorts:attendance_list", args=[edition.slug]),
        {"title": "Atelier, jour 1", "date": timezone.localdate().isoformat()},
    )

    assert (before.context["held_sessions"], client.get(roster_url(edition)).context["held_sessions"]) == (0, 1)


def test_the_sessions_of_the_masterclasses_count_as_held_at_once(client, organiser, edition):
    enrol(edition)
    MasterclassFactory(edition=edition, starts_at=timezone.now() - dt.timedelta(days=1))
    MasterclassFactory(edition=edition, starts_at=timezone.now() + dt.timedelta(days=1))
    client.force_login(organiser)
    before = client.get(roster_url(edition))

    client.post(reverse("cohorts:attendance_from_masterclasses", args=[edition.slug]), {"masterclass": "all"})

    assert (before.context["held_sessions"], client.get(roster_url(edition)).context["held_sessions"]) == (0, 1)


def test_a_filter_beyond_the_status_is_counted_by_the_database(client, organiser, edition):
    enrol(edition, "Awa", "Diarra", status=S.ADMITTED, country="Mali")
    enrol(edition, "Ali", "Keïta", status=S.ADMITTED, country="Niger")
    enrol(edition, "Issa", "Sow", status=S.CANDIDATE, country="Mali")
    client.force_login(organiser)

    response = client.get(roster_url(edition, status=S.ADMITTED, country="Mali"))

    assert (names_in(response), total_of(response)) == (["Diarra"], 1)


def test_a_page_past_the_end_shows_the_last_one(client, organiser, edition):
    for n in range(51):
        enrol(edition, "Awa", f"Diarra {n:02d}", profile=False)
    client.force_login(organiser)

    response = client.get(roster_url(edition, page=7))

    assert (response.context["page"].number, names_in(response)) == (2, ["Diarra 50"])


def test_the_roster_reads_its_countries_and_totals_once_until_something_changes(client, organiser, edition):
    enrol(edition, "Awa", "Diarra", country="Mali")
    client.force_login(organiser)

    with CaptureQueriesContext(connection) as first:
        client.get(roster_url(edition))
    with CaptureQueriesContext(connection) as second:
        client.get(roster_url(edition))
    enrol(edition, "Ali", "Keïta", country="Niger")
    with CaptureQueriesContext(connection) as after_a_change:
        response = client.get(roster_url(edition))

    assert len(second) == len(first) - 3  # the countries, the totals by status and the sessions' dates
    assert len(after_a_change) == len(first)
    assert (countries_in(response), total_of(response)) == (["Mali", "Niger"], 2)


def test_a_change_forgets_the_facts_at_once_and_again_when_committed(db, django_capture_on_commit_callbacks):
    roster_facts.status_counts(1)
    cached = cache.get(roster_facts.GENERATION_KEY)

    with django_capture_on_commit_callbacks() as on_commit:
        roster_facts.roster_facts_changed()
    at_once = cache.get(roster_facts.GENERATION_KEY)
    for callback in on_commit:
        callback()

    # A read between the write and its commit may have filed what it saw before the commit under the new token.
    assert len({cached, at_once, cache.get(roster_facts.GENERATION_KEY)}) == 3


@pytest.mark.parametrize("lost", [roster_facts.GENERATION_KEY, "cohorts:roster-facts:1:status_counts"])
def test_facts_are_read_again_when_the_cache_lost_a_key(db, lost, django_assert_num_queries):
    roster_facts.status_counts(1)
    cache.delete(lost)

    with django_assert_num_queries(1):
        roster_facts.status_counts(1)
    with django_assert_num_queries(0):
        roster_facts.status_counts(1)


def test_the_roster_still_answers_when_the_cache_server_is_down(client, organiser, edition, monkeypatch):
    from tests.factories import EnrolmentFactory, ProfileFactory

    class Unreachable:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("cache down")

            return fail

    monkeypatch.setattr(generations, "cache", Unreachable())
    ProfileFactory(user=EnrolmentFactory(edition=edition).user, country="Niger")
    client.force_login(organiser)

    response = client.get(reverse("cohorts:roster", args=[edition.slug]))

    assert response.status_code == 200 and "Niger" in response.content.decode()
