"""Scores to results through the real service (services.results): mean and median, weights, informational and
unscored criteria, the jurors' spread, the defense, the final score and the ranking with ties; the results page."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cohorts.models import Role
from submissions.models import (
    ConflictOfInterest,
    Criterion,
    DefenseScore,
    Review,
    ReviewAssignment,
    ReviewSettings,
    Score,
    Submission,
)
from submissions.services.results import STRONG_DISAGREEMENT, edition_results
from submissions.services.review import criteria_of, start_all_reviews
from tests.conftest import speak
from tests.factories import GroupFactory
from tests.review.conftest import person


def write_review(submission, juror, values, state=Review.State.SUBMITTED):
    """values: a list (one per document criterion, None: not scored) or {criterion: value}."""
    criteria = criteria_of(submission.group.edition)
    if not isinstance(values, dict):
        values = dict(zip(criteria, values, strict=False))
    review = Review.objects.create(
        submission=submission,
        juror=juror,
        state=state,
        submitted_at=timezone.now() if state == Review.State.SUBMITTED else None,
    )
    Score.objects.bulk_create(
        Score(review=review, criterion=criterion, value=None if value is None else Decimal(str(value)))
        for criterion, value in values.items()
    )
    return review


def result_of(edition, group):
    return edition_results(edition).for_group(group.pk)


@pytest.fixture
def private(groups):
    return groups["secteur-prive"]


# ---------------------------------------------------------------------------
# Aggregation


def test_mean_of_the_submitted_reviews_per_criterion_and_total_on_100(edition, submissions, jurors, review_settings):
    write_review(submissions["secteur-prive"], jurors[0], [4, 4, 4, 4, 4])
    write_review(submissions["secteur-prive"], jurors[1], [2, 2, 2, 2, 2])

    result = result_of(edition, submissions["secteur-prive"].group)

    assert [item.value for item in result.document.criteria] == [Decimal(3)] * 5
    assert result.document.total == Decimal(60)
    assert result.document.reviews == 2


def test_median_when_the_edition_says_so(edition, submissions, jurors, review_settings):
    ReviewSettings.objects.filter(pk=review_settings.pk).update(aggregation=ReviewSettings.Aggregation.MEDIAN)
    for juror, value in zip(jurors, [1, 2, 5], strict=True):
        write_review(submissions["secteur-prive"], juror, [value] * 5)

    result = result_of(edition, submissions["secteur-prive"].group)

    assert result.document.criteria[0].value == Decimal(2)
    assert result.document.total == Decimal(40)


def test_weights_count_in_the_total(edition, submissions, jurors, review_settings):
    first = criteria_of(edition)[0]
    Criterion.objects.filter(pk=first.pk).update(weight=3)
    write_review(submissions["secteur-prive"], jurors[0], [5, 0, 0, 0, 0])

    result = result_of(edition, submissions["secteur-prive"].group)

    # 3 × 100 % + 4 × 0 % over a weight of 7
    assert result.document.total.quantize(Decimal("0.01")) == Decimal("42.86")


def test_informational_criterion_is_shown_but_left_out_of_the_total(edition, submissions, jurors, review_settings):
    first = criteria_of(edition)[0]
    Criterion.objects.filter(pk=first.pk).update(informational=True)
    write_review(submissions["secteur-prive"], jurors[0], [0, 5, 5, 5, 5])

    result = result_of(edition, submissions["secteur-prive"].group)

    assert result.document.criteria[0].value == Decimal(0)
    assert result.document.total == Decimal(100)


def test_a_criterion_nobody_scored_is_left_out_with_its_weight(edition, submissions, jurors, review_settings):
    write_review(submissions["secteur-prive"], jurors[0], [5, 5, 5, 5, None])
    write_review(submissions["secteur-prive"], jurors[1], [5, 5, 5, 5])

    result = result_of(edition, submissions["secteur-prive"].group)

    assert result.document.criteria[4].value is None
    assert result.document.total == Decimal(100)


def test_draft_reviews_and_earlier_submissions_do_not_count(edition, submissions, jurors, review_settings, private):
    write_review(submissions["secteur-prive"], jurors[0], [5] * 5)
    current = Submission.objects.create(group=private, number=2, state=Submission.State.RESUBMITTED, declaration="x")
    write_review(current, jurors[1], [1] * 5)
    write_review(current, jurors[2], [5] * 5, state=Review.State.DRAFT)

    result = result_of(edition, private)

    assert result.submission == current
    assert result.document.total == Decimal(20)
    assert result.document.reviews == 1


def test_no_review_no_score(edition, submissions, review_settings, private):
    result = result_of(edition, private)

    assert result.document.total is None
    assert result.final is None
    assert result.rank is None


# ---------------------------------------------------------------------------
# Spread


def test_spread_of_the_jurors_totals_flags_a_strong_disagreement_from_25_points(
    edition, submissions, jurors, review_settings
):
    write_review(submissions["secteur-prive"], jurors[0], [5] * 5)  # 100
    write_review(submissions["secteur-prive"], jurors[1], ["3.75"] * 5)  # 75
    write_review(submissions["gouvernement"], jurors[0], [5] * 5)  # 100
    write_review(submissions["gouvernement"], jurors[1], ["3.80"] * 5)  # 76

    results = edition_results(edition)
    flagged = results.for_group(submissions["secteur-prive"].group_id).document
    close = results.for_group(submissions["gouvernement"].group_id).document

    assert Decimal(25) == STRONG_DISAGREEMENT
    assert flagged.spread == Decimal(25) and flagged.strong_disagreement
    assert close.spread == Decimal(24) and not close.strong_disagreement
    assert flagged.juror_totals == {jurors[0].pk: Decimal(100), jurors[1].pk: Decimal(75)}


def test_one_review_has_no_spread(edition, submissions, jurors, review_settings):
    write_review(submissions["secteur-prive"], jurors[0], [5] * 5)

    document = result_of(edition, submissions["secteur-prive"].group).document

    assert document.spread is None
    assert not document.strong_disagreement


# ---------------------------------------------------------------------------
# Defense, final score, ranking


def defend(group, juror, value):
    for criterion in criteria_of(group.edition, Criterion.Rubric.DEFENSE):
        DefenseScore.objects.create(group=group, juror=juror, criterion=criterion, value=Decimal(value))


def test_defense_is_the_mean_over_jurors_and_the_final_mixes_both_by_the_weights(
    edition, submissions, jurors, review_settings, private
):
    write_review(submissions["secteur-prive"], jurors[0], [4] * 5)  # 80
    defend(private, jurors[0], 4)
    defend(private, jurors[1], 2)  # mean 3 of 5: 60

    result = result_of(edition, private)

    assert result.defense == Decimal(60)
    assert [item.value for item in result.defense_criteria] == [Decimal(3)] * 4
    assert result.final == Decimal(74)  # 70 % × 80 + 30 % × 60


def test_ranking_shows_ties_and_leaves_unscored_groups_unranked(edition, submissions, jurors, review_settings, groups):
    write_review(submissions["gouvernement"], jurors[0], [5] * 5)
    write_review(submissions["secteur-prive"], jurors[0], [3] * 5)
    write_review(submissions["societe-civile"], jurors[0], [3] * 5)
    extra = GroupFactory(edition=edition, stakeholder_type=groups["gouvernement"].stakeholder_type, name="Gouv B")
    unscored = GroupFactory(edition=edition, stakeholder_type=groups["gouvernement"].stakeholder_type, name="Gouv C")
    Submission.objects.create(group=unscored, number=1, declaration="x")
    write_review(Submission.objects.create(group=extra, number=1, declaration="x"), jurors[0], [1] * 5)

    results = edition_results(edition)

    assert [(result.group.name, result.rank) for result in results.groups] == [
        ("Gouvernement A", 1),
        ("Secteur privé A", 2),
        ("Société civile A", 2),
        ("Gouv B", 4),
        ("Gouv C", None),
    ]


def make_scored_groups(edition, kind, jurors, count, start=0):
    for n in range(start, start + count):
        group = GroupFactory(edition=edition, stakeholder_type=kind, name=f"Groupe {n}")
        submission = Submission.objects.create(group=group, number=1, declaration="x")
        for juror in jurors:
            ReviewAssignment.objects.create(group=group, juror=juror)
            write_review(submission, juror, [n % 5] * 5)
        defend(group, jurors[0], 3)


def test_results_read_a_constant_number_of_queries(edition, groups, jurors, review_settings):
    kind = groups["gouvernement"].stakeholder_type
    make_scored_groups(edition, kind, jurors, 1)
    with CaptureQueriesContext(connection) as small:
        edition_results(edition)
    make_scored_groups(edition, kind, jurors, 12, start=1)

    with CaptureQueriesContext(connection) as large:
        results = edition_results(edition)

    assert len(results.groups) == 16
    # settings, criteria, groups, current submissions, conflicts, means, jurors' totals, defense; groups, submissions
    assert len(large.captured_queries) == len(small.captured_queries) <= 10


# ---------------------------------------------------------------------------
# The results page


def url(edition):
    return reverse("submissions:results", args=[edition.slug])


def test_organiser_sees_the_ranking_with_names_types_and_scores(
    client, organiser, edition, submissions, jurors, review_settings
):
    write_review(submissions["gouvernement"], jurors[0], [5] * 5)
    write_review(submissions["secteur-prive"], jurors[0], [3] * 5)
    write_review(submissions["societe-civile"], jurors[0], [3] * 5)
    client.force_login(organiser)
    speak(client, "en")

    response = client.get(url(edition))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="result"') == 3
    ranks = [chunk.split("</td>")[0] for chunk in html.split('data-testid="rank">')[1:]]
    assert ranks == ["1", "2", "2"]
    assert "Gouvernement A" in html and "Private Sector" in html
    assert "70.00" in html  # final of the 100-point document with no defense: 70 % × 100


def test_chair_serving_on_a_blind_jury_reads_document_numbers(client, chair, edition, submissions, review_settings):
    ReviewSettings.objects.filter(pk=review_settings.pk).update(blind=True)
    client.force_login(chair)

    html = client.get(url(edition)).content.decode()

    assert "Secteur privé A" not in html and "Awa" not in html
    assert "Document 2" in html


def test_a_conflicted_chair_sees_the_row_closed(client, chair, edition, submissions, jurors, review_settings):
    write_review(submissions["secteur-prive"], jurors[0], ["4.44"] * 5)
    ConflictOfInterest.objects.create(
        juror=chair, group=submissions["secteur-prive"].group, kind="personal", status="declared"
    )
    client.force_login(chair)

    html = client.get(url(edition)).content.decode()

    assert 'data-testid="result-conflicted"' in html
    assert "88.80" not in html and "62.16" not in html


@pytest.mark.parametrize("persona", ["outsider", "other_organiser", "member", "juror_of_the_edition", "staff"])
def test_who_may_not_read_the_results(client, request, edition, submissions, persona):
    if persona == "juror_of_the_edition":
        user = person(edition, "plain.juror@example.org", "Plain", "Juror", role=Role.JUROR)
    else:
        user = request.getfixturevalue(persona)
    client.force_login(user)

    response = client.get(url(edition))

    assert response.status_code == (200 if persona == "staff" else 403)


def test_anonymous_goes_to_login(client, edition):
    response = client.get(url(edition))

    assert response.status_code == 302 and "login" in response.url


def test_results_page_queries_do_not_grow(client, organiser, edition, groups, jurors, review_settings):
    kind = groups["gouvernement"].stakeholder_type
    make_scored_groups(edition, kind, jurors, 1)
    client.force_login(organiser)
    client.get(url(edition))
    with CaptureQueriesContext(connection) as small:
        client.get(url(edition))
    make_scored_groups(edition, kind, jurors, 10, start=1)
    client.get(url(edition))  # both measured visits read the cache: the first after writes fills it

    with CaptureQueriesContext(connection) as large:
        response = client.get(url(edition))

    assert response.content.decode().count('data-testid="result"') == 14
    assert len(large.captured_queries) == len(small.captured_queries)


def test_organiser_releases_the_scores_once(client, organiser, edition, review_settings):
    client.force_login(organiser)

    response = client.post(reverse("submissions:results_release_scores", args=[edition.slug]))
    review_settings.refresh_from_db()
    first = review_settings.scores_released_at
    client.post(reverse("submissions:results_release_scores", args=[edition.slug]))
    review_settings.refresh_from_db()

    assert response.status_code == 302
    assert first is not None and review_settings.scores_released_at == first


def test_the_chair_may_not_release_the_scores(client, chair, edition, review_settings):
    client.force_login(chair)

    response = client.post(reverse("submissions:results_release_scores", args=[edition.slug]))
    review_settings.refresh_from_db()

    assert response.status_code == 403
    assert review_settings.scores_released_at is None


def test_release_button_shown_to_organisers_only(client, organiser, chair, edition, review_settings):
    client.force_login(organiser)
    assert 'data-testid="release-scores"' in client.get(url(edition)).content.decode()
    client.force_login(chair)
    assert 'data-testid="release-scores"' not in client.get(url(edition)).content.decode()


def test_start_all_reviews_keeps_scores_of_the_same_submission(edition, submissions, chair, jurors, review_settings):
    write_review(submissions["secteur-prive"], jurors[0], [5] * 5)
    start_all_reviews(edition, by=chair)

    result = result_of(edition, submissions["secteur-prive"].group)

    assert result.submission.state == Submission.State.IN_REVIEW
    assert result.document.total == Decimal(100)


# ---------------------------------------------------------------------------
# Conflicts of interest declared after reviewing


@pytest.mark.parametrize("aggregation", ["mean", "median"])
def test_a_review_by_a_juror_now_conflicted_is_left_out(edition, submissions, jurors, review_settings, aggregation):
    ReviewSettings.objects.filter(pk=review_settings.pk).update(aggregation=aggregation)
    private = submissions["secteur-prive"]
    write_review(private, jurors[0], [5] * 5)  # 100
    write_review(private, jurors[1], [1] * 5)  # 20: then conflicted
    defend(private.group, jurors[0], 4)
    defend(private.group, jurors[1], 0)
    ConflictOfInterest.objects.create(juror=jurors[1], group=private.group, kind="personal", status="suggested")
    # A conflict with another group keeps the juror's scores here.
    ConflictOfInterest.objects.create(
        juror=jurors[0], group=submissions["gouvernement"].group, kind="other", status="confirmed"
    )

    result = result_of(edition, private.group)

    assert result.document.reviews == 1
    assert result.document.total == Decimal(100)
    assert result.document.juror_totals == {jurors[0].pk: Decimal(100)}
    assert result.defense == Decimal(80)


def test_a_dismissed_conflict_keeps_the_review(edition, submissions, jurors, review_settings):
    private = submissions["secteur-prive"]
    write_review(private, jurors[0], [5] * 5)
    write_review(private, jurors[1], [1] * 5)
    ConflictOfInterest.objects.create(juror=jurors[1], group=private.group, kind="personal", status="dismissed")

    result = result_of(edition, private.group)

    assert result.document.reviews == 2
    assert result.document.total == Decimal(60)


# ---------------------------------------------------------------------------
# The mean aggregated by the database equals the pure scoring module


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mean_in_the_database_equals_the_pure_scoring(edition, submissions, jurors, review_settings, data):
    from submissions.services.results import _document_scores, document_scores

    private = submissions["secteur-prive"]
    Review.objects.filter(submission=private).delete()
    criteria = criteria_of(edition)
    for criterion in criteria:
        criterion.scale_min = data.draw(st.integers(0, 3))
        criterion.scale_max = criterion.scale_min + data.draw(st.integers(1, 12))
        criterion.weight = Decimal(data.draw(st.integers(0, 9999))) / 100
        criterion.informational = data.draw(st.booleans())
        criterion.save()
    values = {}
    for juror in jurors[: data.draw(st.integers(1, 3))]:
        own = {}
        for criterion in criteria:
            hundredths = data.draw(
                st.one_of(st.none(), st.integers(criterion.scale_min * 100, criterion.scale_max * 100))
            )
            own[criterion] = None if hundredths is None else Decimal(hundredths) / 100
        write_review(private, juror, own)
        values[juror.pk] = {criterion.pk: value for criterion, value in own.items()}

    pure = _document_scores(values, criteria, "mean")
    scored = document_scores(Submission.objects.filter(pk=private.pk), criteria, "mean", [])[private.pk]

    assert scored.reviews == pure.reviews
    assert scored.means == {criterion.pk: item.value for criterion, item in zip(criteria, pure.criteria, strict=True)}
    assert scored.total == pure.total
    assert scored.juror_totals.keys() == pure.juror_totals.keys()
    for juror_id, total in pure.juror_totals.items():
        if total is None:
            assert scored.juror_totals[juror_id] is None
        else:  # one exact division against scoring's running sum: equal far below any display
            assert abs(scored.juror_totals[juror_id] - total) < Decimal("1e-20")
