"""A juror's review: the dashboard, the review page, draft then submit, scores within the scale, every counting
criterion scored to submit, nothing changes once the round is closed or the submission left review, and jurors who
are not assigned (or conflicted) find nothing at a guessed address. Also the diff shown for a resubmission."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from cohorts.models import Role
from submissions.models import (
    ConflictOfInterest,
    Criterion,
    JuryMessage,
    Review,
    ReviewAssignment,
    Score,
    Submission,
)
from submissions.services import submission as submission_service
from submissions.services.review import (
    ReviewRefused,
    close_round,
    criteria_of,
    release_decisions,
    stage_decision,
    start_all_reviews,
    start_review,
)
from submissions.services.reviews import save_review
from submissions.services.workspace import ensure_sections, save_section
from tests.conftest import speak
from tests.factories import GroupFactory, StakeholderTypeFactory
from tests.review.conftest import person

S = Submission.State


@pytest.fixture(autouse=True)
def _english(client):
    speak(client, "en")
    with translation.override("en"):
        yield


@pytest.fixture
def in_review(submissions, chair, edition, review_settings):
    start_all_reviews(edition, by=chair)
    return {code: Submission.objects.get(pk=s.pk) for code, s in submissions.items()}


@pytest.fixture
def criteria(review_settings, edition):
    return criteria_of(edition, Criterion.Rubric.DOCUMENT)


@pytest.fixture
def juror(assigned):
    return assigned[0]


@pytest.fixture
def group(groups):
    return groups["secteur-prive"]


def review_url(group):
    return reverse("submissions:review_page", args=[group.edition.slug, group.pk])


def dashboard_url(edition):
    return reverse("submissions:juror_dashboard", args=[edition.slug])


def form_data(criteria, values, action="draft", message="", note=""):
    data = {"action": action, "message_to_group": message, "private_note": note}
    for criterion, value in zip(criteria, values, strict=False):
        data[f"score_{criterion.pk}"] = "" if value is None else str(value)
        data[f"comment_{criterion.pk}"] = f"Comment on {criterion.name_en}"
    return data


def all_scores(criteria, value=4):
    return {criterion.pk: (value, f"About {criterion.name_en}") for criterion in criteria}


# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------
def test_save_review_keeps_a_draft_then_submits_it(in_review, juror, criteria):
    submission = in_review["secteur-prive"]

    draft = save_review(submission, by=juror, scores={criteria[0].pk: (3, "Solid sources")}, message="Bravo")

    assert draft.state == Review.State.DRAFT and draft.submitted_at is None
    assert list(Score.objects.filter(review=draft).values_list("criterion_id", "value", "comment")) == [
        (criteria[0].pk, Decimal("3.00"), "Solid sources")
    ]

    submitted = save_review(submission, by=juror, scores=all_scores(criteria[1:]), message="Bravo", submit=True)

    assert submitted.pk == draft.pk
    assert submitted.state == Review.State.SUBMITTED and submitted.submitted_at is not None
    values = dict(Score.objects.filter(review=submitted).values_list("criterion_id", "value"))
    assert values == {criteria[0].pk: Decimal("3.00"), **{c.pk: Decimal("4.00") for c in criteria[1:]}}
    assert Review.objects.count() == 1


def test_submit_requires_every_criterion_that_counts(in_review, juror, criteria):
    informational = criteria[-1]
    Criterion.objects.filter(pk=informational.pk).update(informational=True)
    partial = {c.pk: (4, "") for c in criteria[:2]}

    with pytest.raises(ValidationError) as refused:
        save_review(in_review["secteur-prive"], by=juror, scores=partial, submit=True)

    missing = {str(c.pk) for c in criteria[2:-1]}
    assert set(refused.value.message_dict) == missing
    assert not Review.objects.filter(juror=juror).exists()

    review = save_review(in_review["secteur-prive"], by=juror, scores=all_scores(criteria[:-1]), submit=True)

    assert review.state == Review.State.SUBMITTED
    assert not review.scores.filter(criterion=informational).exists()


@pytest.mark.parametrize("value", [-1, 6, "5.5", "abc", "2.555"])
def test_a_score_outside_the_scale_is_refused_and_nothing_saved(in_review, juror, criteria, value):
    with pytest.raises(ValidationError) as refused:
        save_review(in_review["secteur-prive"], by=juror, scores={criteria[0].pk: (value, "")})

    assert list(refused.value.message_dict) == [str(criteria[0].pk)]
    assert not Review.objects.exists() and not Score.objects.exists()


def test_a_criterion_of_another_rubric_is_refused(in_review, juror, edition):
    defense = criteria_of(edition, Criterion.Rubric.DEFENSE)[0]

    with pytest.raises(ValidationError):
        save_review(in_review["secteur-prive"], by=juror, scores={defense.pk: (3, "")})

    assert not Review.objects.exists()


def test_a_submitted_review_stays_submitted_when_saved_again(in_review, juror, criteria):
    submission = in_review["secteur-prive"]
    save_review(submission, by=juror, scores=all_scores(criteria), submit=True)

    with pytest.raises(ValidationError):
        save_review(submission, by=juror, scores={criteria[0].pk: (None, "")})
    review = save_review(submission, by=juror, scores={criteria[0].pk: (2, "Changed my mind")})

    assert review.state == Review.State.SUBMITTED
    assert review.scores.get(criterion=criteria[0]).value == Decimal("2.00")


def test_no_review_once_the_round_is_closed(in_review, juror, criteria, chair, edition):
    submission = in_review["secteur-prive"]
    save_review(submission, by=juror, scores=all_scores(criteria), submit=True)
    close_round(edition, by=chair)

    with pytest.raises(ReviewRefused) as refused:
        save_review(submission, by=juror, scores=all_scores(criteria, 1), submit=True)

    assert "closed" in refused.value.message
    assert set(Score.objects.values_list("value", flat=True)) == {Decimal("4.00")}


def test_no_review_before_the_review_starts(submissions, juror, criteria):
    with pytest.raises(ReviewRefused):
        save_review(submissions["secteur-prive"], by=juror, scores=all_scores(criteria))

    assert not Review.objects.exists()


def test_unassigned_and_conflicted_jurors_cannot_review(in_review, jurors, groups, criteria, edition):
    unassigned = person(edition, "juror9@example.org", "Juré9", "Jury", role=Role.JUROR)
    conflicted = jurors[1]
    ReviewAssignment.objects.create(group=groups["secteur-prive"], juror=conflicted)
    ConflictOfInterest.objects.create(
        juror=conflicted, group=groups["secteur-prive"], kind="institutional", status="declared"
    )

    for user in (unassigned, conflicted):
        with pytest.raises(PermissionDenied):
            save_review(in_review["secteur-prive"], by=user, scores=all_scores(criteria))

    assert not Review.objects.exists()


# ---------------------------------------------------------------------------
# The review page
# ---------------------------------------------------------------------------
def test_the_review_page_shows_the_snapshot_and_the_form(client, in_review, juror, group, criteria):
    client.force_login(juror)

    response = client.get(review_url(group))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Review of Secteur privé A" in html
    assert "<p>secteur-prive : Introduction.</p>" in html
    assert html.count('data-testid="criterion"') == len(criteria)
    assert 'data-testid="save-draft"' in html and 'data-testid="submit-review"' in html
    assert "Awa Traoré" in html  # not blind: who handed it in


def test_saving_a_draft_then_submitting_through_the_page(client, in_review, juror, group, criteria):
    client.force_login(juror)

    draft = client.post(review_url(group), form_data(criteria, [3, None, 4], message="Bravo", note="Entre nous"))

    assert draft.status_code == 302
    review = Review.objects.get(juror=juror)
    assert (review.state, review.message_to_group, review.private_note) == ("draft", "Bravo", "Entre nous")
    assert review.scores.count() == 3  # two scored, one with only a comment

    submitted = client.post(review_url(group), form_data(criteria, [3, 2, 4, 5, 1], action="submit"))

    assert submitted.status_code == 302
    review.refresh_from_db()
    assert review.state == Review.State.SUBMITTED
    page = client.get(review_url(group)).content.decode()
    assert "Update my review" in page and 'data-testid="save-draft"' not in page


def test_a_score_outside_the_scale_gets_its_message_next_to_the_field(client, in_review, juror, group, criteria):
    client.force_login(juror)

    response = client.post(review_url(group), form_data(criteria, [7, 3], action="draft"))

    html = response.content.decode()
    assert response.status_code == 400
    assert f'id="error_1_id_score_{criteria[0].pk}"' in html
    assert "The score must be between 0 and 5." in html
    assert not Review.objects.exists() and not Score.objects.exists()


def test_submitting_with_a_criterion_unscored_is_refused(client, in_review, juror, group, criteria):
    client.force_login(juror)

    response = client.post(review_url(group), form_data(criteria, [3, 3, 3, 3, None], action="submit"))

    assert response.status_code == 400
    assert "Score this criterion to submit the review." in response.content.decode()
    assert not Review.objects.exists()


def test_editing_after_the_round_closed_is_refused_and_the_page_is_read_only(
    client, in_review, juror, group, criteria, chair, edition
):
    save_review(in_review["secteur-prive"], by=juror, scores=all_scores(criteria), message="Avant", submit=True)
    close_round(edition, by=chair)
    client.force_login(juror)

    response = client.post(review_url(group), form_data(criteria, [1, 1, 1, 1, 1], action="submit", message="Après"))

    assert response.status_code == 409
    assert "The review round is closed" in response.content.decode()
    review = Review.objects.get()
    assert review.message_to_group == "Avant"
    assert set(review.scores.values_list("value", flat=True)) == {Decimal("4.00")}
    page = client.get(review_url(group)).content.decode()
    assert 'data-testid="review-form"' not in page and 'data-testid="read-only"' in page
    assert 'data-testid="scores"' in page


def test_the_page_is_read_only_before_the_review_starts(client, submissions, juror, group, criteria):
    client.force_login(juror)

    page = client.get(review_url(group))
    refused = client.post(review_url(group), form_data(criteria, [1, 1, 1, 1, 1], action="submit"))

    assert page.status_code == 200 and 'data-testid="review-form"' not in page.content.decode()
    assert "has not started yet" in page.content.decode()
    assert refused.status_code == 409
    assert not Review.objects.exists()


def test_the_page_is_read_only_once_decided(client, in_review, juror, group, criteria, chair, edition):
    stage_decision(in_review["secteur-prive"], "accepted", by=chair)
    release_decisions(edition, by=chair)
    client.force_login(juror)

    refused = client.post(review_url(group), form_data(criteria, [1, 1, 1, 1, 1], action="submit"))

    assert refused.status_code == 409
    assert "no longer in review" in refused.content.decode()
    assert not Review.objects.exists()


def test_the_chair_and_organisers_read_without_a_form(client, in_review, group, chair, organiser, criteria):
    for reader in (chair, organiser):
        client.force_login(reader)

        response = client.get(review_url(group))

        html = response.content.decode()
        assert response.status_code == 200
        assert "<p>secteur-prive : Introduction.</p>" in html
        assert 'data-testid="review-form"' not in html
        assert "only the jurors assigned to it review it" in html

        assert client.post(review_url(group), form_data(criteria, [1] * 5, action="submit")).status_code == 403
    assert not Review.objects.exists()


def test_guessed_ids_give_404_to_unassigned_and_conflicted_jurors(
    client, in_review, jurors, groups, edition, group, criteria, outsider, member, other_member, other_organiser
):
    unassigned = person(edition, "juror9@example.org", "Juré9", "Jury", role=Role.JUROR)
    conflicted = jurors[1]
    ConflictOfInterest.objects.create(juror=conflicted, group=group, kind="personal", status="suggested")
    file_url = reverse("submissions:review_file", args=[edition.slug, group.pk, 1])
    discussion_url = reverse("submissions:review_discussion", args=[edition.slug, group.pk])

    for user in (unassigned, conflicted, outsider, member, other_member, other_organiser):
        client.force_login(user)
        page = client.get(review_url(group))
        posted = client.post(review_url(group), form_data(criteria, [1] * 5, action="submit"))
        file = client.get(file_url)
        said = client.post(discussion_url, {"text": "Hello"})

        assert [page.status_code, posted.status_code, file.status_code, said.status_code] == [404] * 4, user
        assert "Secteur privé A" not in page.content.decode()
    assert not Review.objects.exists() and not JuryMessage.objects.exists()


def test_a_group_of_another_edition_is_not_found(client, in_review, juror, other_edition, group):
    client.force_login(juror)

    response = client.get(reverse("submissions:review_page", args=[other_edition.slug, group.pk]))

    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, in_review, group):
    response = client.get(review_url(group))

    assert response.status_code == 302 and "login" in response["Location"]


# ---------------------------------------------------------------------------
# Dashboard
# ---------------------------------------------------------------------------
def test_the_dashboard_lists_assigned_groups_with_my_review_progress(
    client, in_review, juror, criteria, review_settings, groups
):
    review_settings.review_deadline = timezone.now() + dt.timedelta(days=5, hours=1)
    review_settings.save()
    save_review(in_review["secteur-prive"], by=juror, scores={criteria[0].pk: (3, "")})
    save_review(in_review["gouvernement"], by=juror, scores=all_scores(criteria), submit=True)
    client.force_login(juror)

    response = client.get(dashboard_url(in_review["gouvernement"].group.edition))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="assignment"') == 3
    assert 'data-progress="draft"' in html and 'data-progress="submitted"' in html
    assert 'data-progress="not_started"' in html
    assert "Secteur privé A" in html and "Gouvernement A" in html
    assert "5 days left" in html
    assert "waiting for your review: 2" in html
    civil = groups["societe-civile"]
    assert reverse("submissions:review_page", args=[civil.edition.slug, civil.pk]) in html


def test_the_dashboard_leaves_out_a_conflicted_group(client, in_review, juror, group, edition):
    ConflictOfInterest.objects.create(juror=juror, group=group, kind="personal", status="confirmed")
    client.force_login(juror)

    html = client.get(dashboard_url(edition)).content.decode()

    assert html.count('data-testid="assignment"') == 2
    assert "Secteur privé A" not in html


@pytest.mark.parametrize("persona", ["outsider", "member", "organiser"])
def test_the_dashboard_is_for_jurors(client, in_review, edition, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(dashboard_url(edition)).status_code == 403


def _more_groups(edition, count):
    kind = StakeholderTypeFactory(edition=edition, code=f"extra{count}", name_fr="Extra", name_en="Extra", position=9)
    jurors = list(ReviewAssignment.objects.filter(group__edition=edition).values_list("juror", flat=True).distinct())
    for n in range(count):
        group = GroupFactory(edition=edition, stakeholder_type=kind, name=f"Extra {count}-{n}")
        Submission.objects.create(group=group, number=1, state=S.CHANGES_REQUESTED, declaration="ok")
        Submission.objects.create(group=group, number=2, state=S.IN_REVIEW, declaration="ok")
        for juror_id in jurors:
            ReviewAssignment.objects.create(group=group, juror_id=juror_id)


@pytest.mark.parametrize("blind", [False, True])
def test_the_dashboard_query_count_does_not_grow_with_the_groups(
    client, in_review, juror, edition, criteria, review_settings, blind
):
    review_settings.blind = blind
    review_settings.save()
    save_review(in_review["secteur-prive"], by=juror, scores={criteria[0].pk: (3, "")})
    client.force_login(juror)
    client.get(dashboard_url(edition))

    with CaptureQueriesContext(connection) as small:
        assert client.get(dashboard_url(edition)).status_code == 200
    _more_groups(edition, 8)
    with CaptureQueriesContext(connection) as large:
        html = client.get(dashboard_url(edition)).content.decode()

    assert html.count('data-testid="assignment"') == 11
    assert html.count("Revised") == 8
    assert len(large.captured_queries) == len(small.captured_queries) <= 15


# ---------------------------------------------------------------------------
# Resubmission: the diff against the previous submitted version and the jury's earlier request
# ---------------------------------------------------------------------------
def test_a_resubmission_shows_the_diff_and_the_earlier_decision(
    client, in_review, juror, group, chair, edition, coordinator, criteria
):
    stage_decision(
        in_review["secteur-prive"], "changes_requested", by=chair, message="Citez vos sources.",
        criteria_feedback={str(criteria[0].pk): "Pas de chiffres."},
        revision_deadline=timezone.now() + dt.timedelta(days=3),
    )  # fmt: skip
    release_decisions(edition, by=chair)
    section = ensure_sections(group)[1]
    save_section(section, "<p>secteur-prive : Légalité, selon l'UIT 2023.</p>", base_version=section.version,
                 by=coordinator)  # fmt: skip
    again = submission_service.submit(group, by=coordinator, declaration_accepted=True)
    assert again.state == S.RESUBMITTED
    start_review(again, by=chair)
    client.force_login(juror)

    html = client.get(review_url(group)).content.decode()

    assert 'data-testid="resubmission"' in html
    assert "Changes since submission 1" in html
    assert "<ins>Légalité, selon l&#x27;UIT 2023.</ins>" in html
    assert "<del>Légalité et légitimité des coupures.</del>" in html
    assert html.count('data-testid="section-diff"') == 3
    assert html.count('data-testid="section-diff" open') == 1  # only the changed part is opened
    assert "Citez vos sources." in html and "Pas de chiffres." in html
    assert 'data-testid="review-form"' in html


def test_a_first_submission_shows_no_diff(client, in_review, juror, group):
    client.force_login(juror)

    html = client.get(review_url(group)).content.decode()

    assert 'data-testid="resubmission"' not in html


def test_the_dashboard_shows_the_assigned_documents_a_page_at_a_time(client, in_review, juror, edition, monkeypatch):
    monkeypatch.setattr("submissions.views.reviews.DASHBOARD_PAGE_SIZE", 2)
    client.force_login(juror)

    first = client.get(dashboard_url(edition)).content.decode()
    second = client.get(dashboard_url(edition) + "?page=2").content.decode()

    assert first.count('data-testid="assignment"') == 2
    assert second.count('data-testid="assignment"') == 1
    assert "page=2" in first
