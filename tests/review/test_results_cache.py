"""The results page and the chair's board read the edition's scores from a cache (services.results): whatever
changes them shows on the next page view, the pages still answer when the cache server is down, and a second visit
reads fewer queries than the first, the same number whatever the size of the edition."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from malisig import generations
from submissions.models import ConflictOfInterest, Criterion, Submission
from submissions.services import results
from submissions.services.defense import save_defense_scores
from submissions.services.jury import auto_assign, declare_conflict
from submissions.services.results import edition_results
from submissions.services.review import (
    close_round,
    criteria_of,
    release_decisions,
    stage_decision,
    start_all_reviews,
)
from submissions.services.reviews import save_review
from tests.conftest import speak
from tests.review.test_chair_dashboard import add_groups
from tests.review.test_results import make_scored_groups

S = Submission.State


def results_url(edition):
    return reverse("submissions:results", args=[edition.slug])


def board_url(edition):
    return reverse("submissions:chair_dashboard", args=[edition.slug])


def row_of(response, name: str) -> dict:
    """The results page's row of a group (the organiser reads names)."""
    return next(row for row in response.context["rows"] if row["label"] == name)


def board_row(response, name: str):
    return next(row for row in response.context["page"].object_list if row.label == name)


def reference(edition, group):
    """The group's figures computed from the database, without the cache."""
    result = edition_results(edition).for_group(group.pk)
    return result.document.total, result.defense, result.final


def figures(row: dict):
    return row["document"], row["defense"], row["final"]


@pytest.fixture
def in_review(edition, submissions, chair, assigned, review_settings):
    start_all_reviews(edition, by=chair)
    return {code: Submission.objects.get(pk=submission.pk) for code, submission in submissions.items()}


@pytest.fixture
def private(groups):
    return groups["secteur-prive"]


def review(submission, juror, value, submit=True):
    scores = {criterion.pk: (value, "") for criterion in criteria_of(submission.group.edition)}
    return save_review(submission, by=juror, scores=scores, submit=submit)


# ---------------------------------------------------------------------------
# Every kind of write shows at once


def test_a_review_submitted_through_the_service_shows_on_the_results_and_the_board(
    client, organiser, edition, in_review, jurors, private
):
    client.force_login(organiser)
    before = client.get(results_url(edition))
    board_before = client.get(board_url(edition))

    review(in_review["secteur-prive"], jurors[0], 4)

    after = client.get(results_url(edition))
    board_after = client.get(board_url(edition))
    assert row_of(before, private.name)["document"] is None
    assert row_of(after, private.name)["document"] == Decimal(80)
    assert figures(row_of(after, private.name)) == reference(edition, private)
    assert (board_row(board_before, private.name).submitted, board_row(board_before, private.name).total) == (0, None)
    assert (board_row(board_after, private.name).submitted, board_row(board_after, private.name).total) == (
        1,
        Decimal(80),
    )


def test_a_draft_shows_on_the_board_at_once(client, chair, edition, in_review, jurors, private):
    client.force_login(chair)
    client.get(board_url(edition))

    review(in_review["secteur-prive"], jurors[1], 2, submit=False)

    row = board_row(client.get(board_url(edition)), private.name)
    assert [reviewer.state for reviewer in row.reviewers if reviewer.juror == jurors[1]] == ["draft"]


def test_a_defense_score_saved_shows_at_once(client, organiser, edition, in_review, jurors, chair, private):
    review(in_review["secteur-prive"], jurors[0], 4)
    stage_decision(in_review["secteur-prive"], "accepted", by=chair)
    release_decisions(edition, by=chair)
    client.force_login(organiser)
    before = client.get(results_url(edition))
    defense = criteria_of(edition, Criterion.Rubric.DEFENSE)

    save_defense_scores(private, {criterion.pk: "4" for criterion in defense}, by=jurors[0])

    after = client.get(results_url(edition))
    assert row_of(before, private.name)["defense"] is None
    assert row_of(after, private.name)["defense"] == Decimal(80)
    assert figures(row_of(after, private.name)) == reference(edition, private)


def test_a_criterion_weight_changed_shows_at_once(client, organiser, edition, in_review, jurors, private):
    criteria = criteria_of(edition)
    scores = {criterion.pk: (5 if position == 0 else 1, "") for position, criterion in enumerate(criteria)}
    save_review(in_review["secteur-prive"], by=jurors[0], scores=scores, submit=True)
    client.force_login(organiser)
    before = client.get(results_url(edition))

    heavy = criteria[0]
    heavy.weight = heavy.weight * 10
    heavy.save()

    after = client.get(results_url(edition))
    assert row_of(after, private.name)["document"] > row_of(before, private.name)["document"]
    assert figures(row_of(after, private.name)) == reference(edition, private)


def test_a_conflict_declared_leaves_the_jurors_review_out_at_once(
    client, organiser, edition, in_review, jurors, private
):
    review(in_review["secteur-prive"], jurors[0], 5)
    review(in_review["secteur-prive"], jurors[1], 1)
    client.force_login(organiser)
    before = client.get(results_url(edition))
    board_before = client.get(board_url(edition))

    declare_conflict(private, ConflictOfInterest.Kind.PERSONAL, "Ma cousine est dans le groupe.", by=jurors[0])

    after = client.get(results_url(edition))
    board_after = client.get(board_url(edition))
    assert (row_of(before, private.name)["document"], row_of(after, private.name)["document"]) == (
        Decimal(60),
        Decimal(20),
    )
    assert board_row(board_before, private.name).assigned == 3
    assert board_row(board_after, private.name).assigned == 2


def test_a_decision_released_shows_at_once(client, organiser, edition, in_review, jurors, chair, private):
    review(in_review["secteur-prive"], jurors[0], 4)
    stage_decision(in_review["secteur-prive"], "accepted", by=chair)
    client.force_login(organiser)
    before = client.get(results_url(edition))
    board_before = client.get(board_url(edition))

    release_decisions(edition, by=chair)

    after = client.get(results_url(edition))
    board_after = client.get(board_url(edition))
    with translation.override("fr"):
        assert row_of(before, private.name)["state_label"] == str(S.IN_REVIEW.label)
        assert row_of(after, private.name)["state_label"] == str(S.ACCEPTED.label)
    assert board_row(board_before, private.name).decision_pending is True
    assert board_row(board_after, private.name).decision_pending is False
    assert [row.label for row in board_before.context["board"].pending_decisions] == [private.name]
    assert board_after.context["board"].pending_decisions == []


def test_jurors_assigned_in_bulk_show_on_the_board_at_once(
    client, chair, edition, submissions, jurors, review_settings, private
):
    client.force_login(chair)
    before = client.get(board_url(edition))

    auto_assign(edition, by=chair)  # bulk_create: no signal

    after = client.get(board_url(edition))
    assert board_row(before, private.name).assigned == 0
    assert board_row(after, private.name).assigned == 3


def test_closing_the_round_shows_on_the_board_at_once(client, chair, edition, in_review, jurors):
    client.force_login(chair)
    before = client.get(board_url(edition))

    close_round(edition, by=chair)  # update(): no signal

    after = client.get(board_url(edition))
    assert sum(load.pending for load in before.context["board"].jurors) == 9
    assert sum(load.pending for load in after.context["board"].jurors) == 0
    assert 'data-testid="round-closed"' in after.content.decode()


def test_the_state_labels_follow_the_viewers_language(client, organiser, edition, in_review, private):
    client.force_login(organiser)
    french = client.get(results_url(edition))
    speak(client, "en")

    english = client.get(results_url(edition))

    assert row_of(french, private.name)["state_label"] == "En évaluation"
    assert row_of(english, private.name)["state_label"] == "In review"


# ---------------------------------------------------------------------------
# What depends on the viewer stays per viewer


def test_a_conflicted_chair_sees_a_bare_row_where_the_organiser_reads_it_from_the_same_cache(
    client, organiser, chair, edition, in_review, jurors, private
):
    review(in_review["secteur-prive"], jurors[0], 4)
    ConflictOfInterest.objects.create(
        juror=chair, group=private, kind=ConflictOfInterest.Kind.PERSONAL, status=ConflictOfInterest.Status.DECLARED
    )
    client.force_login(organiser)
    organisers = client.get(board_url(edition))
    organisers_results = client.get(results_url(edition))
    client.force_login(chair)

    chairs = client.get(board_url(edition))
    chairs_results = client.get(results_url(edition))

    assert board_row(organisers, private.name).readable and board_row(organisers, private.name).total == Decimal(80)
    assert not board_row(chairs, private.name).readable and board_row(chairs, private.name).total is None
    assert 'data-testid="row-conflicted"' in chairs.content.decode()
    assert row_of(organisers_results, private.name)["readable"]
    conflicted = [row for row in chairs_results.context["rows"] if not row["readable"]]
    closed_row = chairs_results.content.decode().split('data-testid="result-conflicted"')[1].split("</tr>")[0]
    assert len(conflicted) == 1 and "80" not in closed_row


# ---------------------------------------------------------------------------
# The cache itself


def test_a_change_forgets_the_results_at_once_and_again_when_committed(db, django_capture_on_commit_callbacks):
    results._cached(1, "probe", lambda: "read")
    cached = cache.get(results.GENERATION_KEY)

    with django_capture_on_commit_callbacks() as on_commit:
        results.results_changed()
    at_once = cache.get(results.GENERATION_KEY)
    for callback in on_commit:
        callback()

    assert len({cached, at_once, cache.get(results.GENERATION_KEY)}) == 3


class Unreachable:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("cache down")

        return fail


def test_the_pages_answer_and_follow_writes_when_the_cache_server_is_down(
    client, organiser, edition, in_review, jurors, private, monkeypatch
):
    monkeypatch.setattr(generations, "cache", Unreachable())
    client.force_login(organiser)
    before = client.get(results_url(edition))

    review(in_review["secteur-prive"], jurors[0], 4)  # the receivers cannot reach the cache either

    after = client.get(results_url(edition))
    board = client.get(board_url(edition))
    assert (before.status_code, after.status_code, board.status_code) == (200, 200, 200)
    assert row_of(after, private.name)["document"] == Decimal(80)
    assert board_row(board, private.name).total == Decimal(80)


def test_the_pages_answer_when_the_settings_point_to_a_cache_server_that_does_not_answer(
    client, organiser, edition, in_review, jurors, private, settings
):
    review(in_review["secteur-prive"], jurors[0], 4)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.1, "socket_timeout": 0.1},
        }
    }
    client.force_login(organiser)

    response = client.get(results_url(edition))

    assert response.status_code == 200
    assert row_of(response, private.name)["document"] == Decimal(80)


# ---------------------------------------------------------------------------
# Queries


def visits(client, url) -> tuple[int, int]:
    """(queries of the first visit, of the second)."""
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    return len(first), len(second)


@pytest.mark.parametrize("persona", ["organiser", "chair"])
def test_results_read_fewer_queries_the_second_time_and_the_same_whatever_the_size(
    client, request, edition, groups, jurors, review_settings, persona
):
    kind = groups["gouvernement"].stakeholder_type
    make_scored_groups(edition, kind, jurors, 1)
    client.force_login(request.getfixturevalue(persona))
    small = visits(client, results_url(edition))
    make_scored_groups(edition, kind, jurors, 12, start=1)

    large = visits(client, results_url(edition))

    assert small == large
    assert large[1] < large[0]


@pytest.mark.parametrize("persona", ["organiser", "chair"])
def test_the_board_reads_fewer_queries_the_second_time_and_the_same_whatever_the_size(
    client, request, edition, groups, jurors, review_settings, persona
):
    kind = groups["gouvernement"].stakeholder_type
    add_groups(edition, kind, jurors, 1, start=0)
    client.force_login(request.getfixturevalue(persona))
    small = visits(client, board_url(edition))
    add_groups(edition, kind, jurors, 12, start=1)

    large = visits(client, board_url(edition))

    assert small == large
    assert large[1] < large[0]
