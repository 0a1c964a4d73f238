import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cockpit.services.dashboard import edition_dashboard, sort_groups
from cohorts.models import Enrolment
from submissions.models import Extension, Section
from tests.conftest import speak
from tests.factories import EditionFactory

from .dashboard_fixtures import crafted_edition, enrol, sized_edition

pytestmark = pytest.mark.django_db


def dashboard_url(edition):
    return reverse("cockpit:dashboard", args=[edition.slug])


# ---------------------------------------------------------------------------
# The service


def test_the_funnel_counts_each_step_of_a_crafted_edition(edition):
    crafted_edition(edition)

    board = edition_dashboard(edition)

    counts = {step.key: step.count for step in board.funnel}
    assert counts == {
        "imported": 18,  # 10 outside groups + 8 members
        "eligible": 15,  # 3 not eligible
        "invited": 14,  # 2 invited, 3 active, 1 completed + 8 active members
        "active": 12,
        "in_group": 8,
        "submitted": 6,  # Alpha 3, Gamma 1, Delta 2 (Beta withdrew)
        "accepted": 5,  # Alpha, Delta (defended)
        "defended": 2,
        "certified": 2,  # the revoked one left out
    }
    assert board.funnel[0].share == 1
    assert board.step("in_group").percent == round(100 * 8 / 18)


def test_an_empty_edition_has_a_funnel_of_zeros_without_shares(edition):
    board = edition_dashboard(edition)

    assert [step.count for step in board.funnel] == [0] * 9
    assert all(step.share is None for step in board.funnel)
    assert board.groups == []
    assert board.jury.jurors == []


def test_each_group_shows_its_sections_words_activity_deadline_and_submission(edition):
    crafted = crafted_edition(edition)

    board = edition_dashboard(edition)

    rows = {row.group.name: row for row in board.groups}
    alpha = rows["Alpha"]
    assert (alpha.members, alpha.sections_total, alpha.sections_started, alpha.sections_ready) == (3, 3, 2, 1)
    assert alpha.words == 150
    assert alpha.last_activity == max(section.updated_at for section in crafted.groups["alpha"].sections.all() if
                                      section.updated_at)  # fmt: skip
    assert alpha.days_to_deadline == 6  # the edition-wide extension
    assert alpha.submission_state == "accepted"
    assert rows["Beta"].days_to_deadline == 8  # its own extension
    assert rows["Beta"].submission_state == "withdrawn"
    gamma = rows["Gamma"]
    assert (gamma.sections_started, gamma.sections_ready, gamma.words, gamma.last_activity) == (0, 0, 0, None)
    # The groups come in their stakeholder types' order, then by name.
    assert [row.group.name for row in board.groups] == ["Beta", "Gamma", "Alpha", "Delta"]


def test_groups_sort_by_words_then_reverse(edition):
    crafted_edition(edition)
    board = edition_dashboard(edition)

    by_words, applied = sort_groups(board.groups, "words")
    reversed_rows, _ = sort_groups(board.groups, "-words")
    unknown, none = sort_groups(board.groups, "password")

    assert applied == "words"
    assert by_words[0].group.name == "Alpha"
    assert reversed_rows[-1].group.name == "Alpha"
    assert (unknown, none) == (board.groups, "")


def test_the_jury_progress_counts_reviews_per_juror_leaving_conflicts_out(edition):
    crafted = crafted_edition(edition)

    jury = edition_dashboard(edition).jury

    rows = {row.juror.pk: row for row in jury.jurors}
    one, two = rows[crafted.jurors["one"].pk], rows[crafted.jurors["two"].pk]
    assert (one.assigned, one.to_review, one.submitted, one.draft, one.not_started, one.waiting) == (3, 2, 1, 1, 0, 1)
    assert (two.assigned, two.to_review, two.submitted, two.draft, two.not_started, two.waiting) == (1, 1, 0, 0, 1, 0)
    assert (jury.assignments, jury.submitted, jury.draft, jury.not_started, jury.waiting) == (4, 1, 1, 1, 1)


# ---------------------------------------------------------------------------
# The page


def test_an_organiser_sees_the_funnel_groups_and_jury(client, edition, organiser):
    crafted_edition(edition)
    client.force_login(organiser)

    response = client.get(dashboard_url(edition))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-step="submitted"' in content
    assert "<svg" in content and "<title>" in content
    assert content.count('data-testid="group"') == 4
    assert content.count('data-testid="juror"') == 2
    assert 'class="table-responsive"' in content
    assert "css/cockpit.css" in content


def test_the_page_speaks_english_when_asked(client, edition, organiser):
    crafted_edition(edition)
    client.force_login(organiser)
    speak(client, "en")

    content = client.get(dashboard_url(edition)).content.decode()

    assert "In a group that submitted" in content
    assert "Waiting for a document" in content


def test_the_groups_table_sorts_by_a_query_parameter(client, edition, organiser):
    crafted_edition(edition)
    client.force_login(organiser)

    response = client.get(dashboard_url(edition), {"sort": "-words"})

    rows = list(response.context["page"].object_list)
    assert rows[-1].group.name == "Alpha"
    assert response.context["sort"] == "-words"
    assert 'href="?sort=words"' in response.content.decode()  # the column's link now reverses


def test_site_staff_see_the_dashboard(client, edition, staff):
    client.force_login(staff)

    assert client.get(dashboard_url(edition)).status_code == 200


@pytest.mark.parametrize("persona", ["participant", "juror", "jury_chair", "other_organiser", "outsider"])
def test_people_who_do_not_organise_the_edition_are_refused(client, edition, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(dashboard_url(edition)).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, edition):
    response = client.get(dashboard_url(edition))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_an_unknown_edition_is_not_found(client, organiser):
    client.force_login(organiser)

    assert client.get(reverse("cockpit:dashboard", args=["nowhere"])).status_code == 404


# ---------------------------------------------------------------------------
# Queries: the same whatever the size

QUERY_BOUND = 20


@pytest.mark.parametrize("groups", [3, 30])
def test_the_dashboard_makes_a_bounded_number_of_queries(client, organiser, edition, groups,
                                                          django_assert_max_num_queries):  # fmt: skip
    sized_edition(edition, groups)
    client.force_login(organiser)

    with django_assert_max_num_queries(QUERY_BOUND):
        response = client.get(dashboard_url(edition))

    assert response.status_code == 200
    assert len(response.context["board"].groups) == groups


def test_the_dashboard_makes_the_same_queries_for_3_and_30_groups(client, organiser, edition):
    small = EditionFactory(slug="small-edition")
    organiser.edition_roles.create(edition=small, role="organiser")
    sized_edition(small, 3)
    sized_edition(edition, 30)
    for _ in range(4):
        enrol(edition, Enrolment.Status.CANDIDATE, eligible=False)
    client.force_login(organiser)
    client.get(dashboard_url(small))  # the session and the user's roles, read once for both

    counts = []
    for measured in (small, edition):
        cache.clear()  # read from the database
        with CaptureQueriesContext(connection) as captured:
            assert client.get(dashboard_url(measured)).status_code == 200
        with CaptureQueriesContext(connection) as cached:
            assert client.get(dashboard_url(measured)).status_code == 200
        counts.append((len(captured.captured_queries), len(cached.captured_queries)))

    assert counts[0] == counts[1]
    assert counts[0][1] < counts[0][0]  # the second time, from the cache


# ---------------------------------------------------------------------------
# The cache


def test_a_new_enrolment_shows_at_once_though_the_dashboard_is_cached(edition):
    crafted_edition(edition)
    assert edition_dashboard(edition).step("imported").count == 18

    enrol(edition, Enrolment.Status.CANDIDATE, eligible=False)

    assert edition_dashboard(edition).step("imported").count == 19


def test_reading_afresh_shows_a_sections_progress_at_once(client, edition, organiser):
    crafted = crafted_edition(edition)
    client.force_login(organiser)
    client.get(dashboard_url(edition))
    Section.objects.filter(group=crafted.groups["alpha"]).update(status=Section.Status.READY)  # no signal

    cached = client.get(dashboard_url(edition))
    fresh = client.get(dashboard_url(edition), {"fresh": "1"})

    def ready(response):
        return next(row.sections_ready for row in response.context["board"].groups if row.group.name == "Alpha")

    assert ready(cached) == 1  # within the cache's timeout
    assert ready(fresh) == 3


def test_each_language_reads_its_own_labels(client, edition, organiser):
    crafted_edition(edition)
    client.force_login(organiser)
    french = client.get(dashboard_url(edition)).content.decode()  # French first, cached

    speak(client, "en")
    english = client.get(dashboard_url(edition)).content.decode()

    assert ">Accepté<" in french
    assert ">Accepted<" in english and ">Accepté<" not in english


def test_the_deadline_column_says_in_how_many_days_or_how_late(client, edition, organiser):
    crafted = crafted_edition(edition)
    Extension.objects.filter(group=crafted.groups["beta"]).update(deadline=timezone.now() - dt.timedelta(days=2))
    Extension.objects.filter(group__isnull=True).delete()
    client.force_login(organiser)
    speak(client, "en")

    content = client.get(dashboard_url(edition), {"fresh": "1"}).content.decode()

    assert "in 5 days" in content  # the assignment's deadline
    assert "2 days ago" not in content  # Beta's own extension is earlier than the deadline: the deadline stands
    assert content.count("in 5 days") == 4
