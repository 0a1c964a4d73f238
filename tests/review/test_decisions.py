"""Decisions: the chair reads the reviews and stages a decision with consolidated feedback; decisions are released
together from the board; the group sees the outcome, the feedback and the message only once released, and its
scores only once the organisers release them."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Role
from submissions.models import (
    AssignmentSettings,
    ConflictOfInterest,
    Decision,
    Extension,
    Submission,
    SubmissionChange,
)
from submissions.services.review import (
    criteria_of,
    release_decisions,
    release_scores,
    stage_decision,
    start_all_reviews,
)
from submissions.services.workspace import ensure_sections, save_section
from tests.conftest import speak
from tests.review.conftest import SECTION_TITLES, person, write_and_submit
from tests.review.test_results import write_review

PENDING_MESSAGE = "Revoyez la partie sur la légalité des coupures."
CRITERION_COMMENT = "Les sources manquent pour les chiffres cités."
PRIVATE_NOTE = "Note privée : le groupe a copié un rapport."


@pytest.fixture
def in_review(edition, submissions, chair, assigned, jurors):
    start_all_reviews(edition, by=chair)
    for submission in submissions.values():
        write_review(submission, jurors[0], [4, 4, 4, 4, 4])
        write_review(submission, jurors[1], [2, 2, 2, 2, 2])
    return {code: Submission.objects.get(pk=submission.pk) for code, submission in submissions.items()}


@pytest.fixture
def private(in_review):
    return in_review["secteur-prive"]


def decision_url(edition, submission):
    return reverse("submissions:chair_decision", args=[edition.slug, submission.group_id])


def detail_url(edition, submission):
    return reverse("submissions:submission_detail", args=[edition.slug, submission.group_id, submission.number])


def release_url(edition):
    return reverse("submissions:chair_release_decisions", args=[edition.slug])


def form_data(edition, outcome="changes_requested", deadline=None, **extra):
    first = criteria_of(edition)[0]
    data = {"outcome": outcome, "message": PENDING_MESSAGE, f"feedback_{first.pk}": CRITERION_COMMENT}
    if deadline is not None:
        data["revision_deadline"] = timezone.localtime(deadline).strftime("%Y-%m-%dT%H:%M")
    data.update(extra)
    return data


def stage(private, chair, outcome="changes_requested", **kwargs):
    first = criteria_of(private.group.edition)[0]
    return stage_decision(
        private,
        outcome,
        by=chair,
        message=PENDING_MESSAGE,
        criteria_feedback={str(first.pk): CRITERION_COMMENT},
        **kwargs,
    )


# ---------------------------------------------------------------------------
# The decision page


def test_chair_reads_every_submitted_review_side_by_side(client, chair, edition, private, jurors):
    private.reviews.filter(juror=jurors[0]).update(private_note=PRIVATE_NOTE, message_to_group="Bon travail")
    client.force_login(chair)
    speak(client, "en")

    response = client.get(decision_url(edition, private))

    html = response.content.decode()
    assert response.status_code == 200
    assert str(jurors[0]) in html and str(jurors[1]) in html
    assert PRIVATE_NOTE in html and "Bon travail" in html
    assert 'data-testid="total">60.0' in html
    assert 'data-testid="decision-form"' in html


def test_a_review_by_a_juror_now_conflicted_is_neither_shown_nor_counted(client, chair, edition, private, jurors):
    private.reviews.filter(juror=jurors[1]).update(private_note=PRIVATE_NOTE)
    ConflictOfInterest.objects.create(juror=jurors[1], group=private.group, kind="personal", status="declared")
    client.force_login(chair)
    speak(client, "en")

    html = client.get(decision_url(edition, private)).content.decode()

    assert str(jurors[0]) in html and str(jurors[1]) not in html
    assert PRIVATE_NOTE not in html
    assert 'data-testid="total">80.0' in html


@pytest.mark.parametrize("persona", ["outsider", "member", "other_member", "plain_juror", "other_organiser"])
def test_others_may_not_open_or_post_a_decision(client, request, edition, private, persona):
    user = (
        person(edition, "plain@example.org", "Plain", "Juror", role=Role.JUROR)
        if persona == "plain_juror"
        else request.getfixturevalue(persona)
    )
    client.force_login(user)

    assert client.get(decision_url(edition, private)).status_code == 403
    assert client.post(decision_url(edition, private), form_data(edition, "accepted")).status_code == 403
    assert not Decision.objects.exists()


def test_an_assigned_juror_who_is_not_chair_may_not_decide(client, edition, private, jurors):
    client.force_login(jurors[0])

    assert client.post(decision_url(edition, private), form_data(edition, "accepted")).status_code == 403
    assert not Decision.objects.exists()


def test_a_conflicted_chair_may_not_open_or_decide(client, chair, edition, private):
    ConflictOfInterest.objects.create(juror=chair, group=private.group, kind="personal", status="declared")
    client.force_login(chair)

    assert client.get(decision_url(edition, private)).status_code == 403
    assert client.post(decision_url(edition, private), form_data(edition, "accepted")).status_code == 403
    assert not Decision.objects.exists()


def test_a_group_of_another_edition_is_not_found(client, chair, other_edition, private):
    client.force_login(chair)

    response = client.get(reverse("submissions:chair_decision", args=[other_edition.slug, private.group_id]))

    assert response.status_code in (403, 404)


def test_staging_keeps_the_decision_pending_and_the_state_in_review(client, chair, edition, private, member):
    client.force_login(chair)

    response = client.post(decision_url(edition, private), form_data(edition, "accepted"))

    decision = Decision.objects.get(submission=private)
    private.refresh_from_db()
    assert response.status_code == 302
    assert decision.is_pending and decision.outcome == "accepted" and decision.decided_by == chair
    assert decision.criteria_feedback == {str(criteria_of(edition)[0].pk): CRITERION_COMMENT}
    assert decision.revision_deadline is None
    assert private.state == Submission.State.IN_REVIEW
    assert mail.outbox == []


def test_staging_again_replaces_the_pending_decision(client, chair, edition, private):
    client.force_login(chair)
    client.post(decision_url(edition, private), form_data(edition, "accepted"))

    client.post(decision_url(edition, private), form_data(edition, "not_accepted", message="Autre"))

    decision = Decision.objects.get(submission=private)
    assert (decision.outcome, decision.message) == ("not_accepted", "Autre")


def test_deciding_on_a_submission_not_in_review_is_refused_with_409_and_nothing_written(
    client, chair, edition, submissions
):
    waiting = submissions["secteur-prive"]  # submitted, not in review
    client.force_login(chair)
    speak(client, "en")

    response = client.post(decision_url(edition, waiting), form_data(edition, "accepted"))

    waiting.refresh_from_db()
    assert response.status_code == 409
    assert "Only a submission in review can be decided on." in response.content.decode()
    assert not Decision.objects.exists()
    assert waiting.state == Submission.State.SUBMITTED


def test_deciding_again_after_release_is_refused_with_409(client, chair, edition, private):
    stage(private, chair, "accepted")
    release_decisions(edition, by=chair)
    client.force_login(chair)
    speak(client, "en")

    response = client.post(decision_url(edition, private), form_data(edition, "not_accepted"))

    decision = Decision.objects.get(submission=private)
    assert response.status_code == 409
    assert decision.outcome == "accepted" and not decision.is_pending


def test_revision_deadline_required_once_the_groups_deadline_has_passed(client, chair, edition, private):
    AssignmentSettings.objects.update(deadline=timezone.now() - dt.timedelta(hours=1))
    client.force_login(chair)
    speak(client, "en")

    response = client.post(decision_url(edition, private), form_data(edition))

    assert response.status_code == 200
    assert "give a deadline for the revised document" in response.content.decode()
    assert not Decision.objects.exists()


def test_a_revision_deadline_in_the_past_is_refused_next_to_the_form(client, chair, edition, private):
    client.force_login(chair)
    speak(client, "en")

    response = client.post(
        decision_url(edition, private), form_data(edition, deadline=timezone.now() - dt.timedelta(days=1))
    )

    assert response.status_code == 200
    assert "must be ahead" in response.content.decode()
    assert not Decision.objects.exists()


def test_changes_requested_with_a_deadline_is_staged(client, chair, edition, private):
    deadline = (timezone.now() + dt.timedelta(days=5)).replace(second=0, microsecond=0)
    client.force_login(chair)

    client.post(decision_url(edition, private), form_data(edition, deadline=deadline))

    assert Decision.objects.get(submission=private).revision_deadline == deadline


# ---------------------------------------------------------------------------
# Release


def test_release_selected_releases_only_the_ticked_ones(client, chair, edition, in_review, member):
    chosen = stage(in_review["secteur-prive"], chair, "accepted")
    other = stage(in_review["gouvernement"], chair, "not_accepted")
    client.force_login(chair)

    client.post(release_url(edition), {"decisions": [chosen.pk]})

    chosen.refresh_from_db()
    other.refresh_from_db()
    assert not chosen.is_pending and chosen.released_by == chair
    assert other.is_pending
    assert Submission.objects.get(pk=in_review["gouvernement"].pk).state == Submission.State.IN_REVIEW


def test_release_all_releases_every_pending_decision_together_and_tells_each_group_once(
    client, chair, edition, in_review, django_capture_on_commit_callbacks
):
    stage(in_review["secteur-prive"], chair, "accepted")
    stage(in_review["gouvernement"], chair, "not_accepted")
    client.force_login(chair)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(release_url(edition), {"release_all": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(release_url(edition), {"release_all": "on"})

    states = dict(Submission.objects.values_list("group__name", "state"))
    released_at = set(Decision.objects.values_list("released_at", flat=True))
    assert states == {"Secteur privé A": "accepted", "Gouvernement A": "not_accepted", "Société civile A": "in_review"}
    assert len(released_at) == 1 and None not in released_at
    # Secteur privé A: Awa and Sékou; Gouvernement A: Fatoumata.
    assert sorted(message.to[0] for message in mail.outbox) == [
        "awa@example.org",
        "fatou@example.org",
        "sekou@example.org",
    ]


def test_release_with_nothing_ticked_says_so(client, chair, edition, private):
    stage(private, chair, "accepted")
    client.force_login(chair)
    speak(client, "en")

    response = client.post(release_url(edition), {}, follow=True)

    assert "Tick the decisions to release" in response.content.decode()
    assert Decision.objects.get().is_pending


def test_a_juror_may_not_release(client, edition, private, chair, jurors):
    stage(private, chair, "accepted")
    client.force_login(jurors[0])

    assert client.post(release_url(edition), {"release_all": "on"}).status_code == 403
    assert Decision.objects.get().is_pending


def test_board_lists_pending_decisions_with_release_buttons(client, chair, edition, private):
    stage(private, chair, "accepted")
    client.force_login(chair)

    html = client.get(reverse("submissions:chair_dashboard", args=[edition.slug])).content.decode()

    assert 'data-testid="pending-decisions"' in html
    assert f'value="{Decision.objects.get().pk}"' in html
    assert 'data-testid="release-all"' in html


# ---------------------------------------------------------------------------
# What the group sees


def test_group_sees_nothing_of_a_pending_decision(client, chair, edition, private, member, jurors):
    stage(private, chair, "changes_requested")
    client.force_login(member)

    html = client.get(detail_url(edition, private)).content.decode()

    assert PENDING_MESSAGE not in html and CRITERION_COMMENT not in html
    assert 'data-testid="feedback"' not in html


def test_group_sees_the_released_outcome_feedback_and_messages_but_no_juror_nor_note(
    client, chair, edition, private, member, jurors
):
    private.reviews.filter(juror=jurors[0]).update(private_note=PRIVATE_NOTE, message_to_group="Message du juré")
    stage(private, chair, "accepted")
    release_decisions(edition, by=chair)
    client.force_login(member)
    speak(client, "en")

    html = client.get(detail_url(edition, private)).content.decode()

    assert 'data-testid="feedback"' in html and "Accepted" in html
    assert PENDING_MESSAGE in html and CRITERION_COMMENT in html
    assert "Message du juré" in html.split('data-testid="juror-messages"')[1]  # unsigned
    assert PRIVATE_NOTE not in html
    assert str(jurors[0]) not in html and jurors[0].email not in html
    assert 'data-testid="score-total"' not in html and 'data-testid="criterion-score"' not in html


def test_scores_show_only_once_the_organisers_release_them(client, chair, organiser, edition, private, member):
    stage(private, chair, "accepted")
    release_decisions(edition, by=chair)
    client.force_login(member)
    before = client.get(detail_url(edition, private)).content.decode()

    release_scores(edition, by=organiser)
    after = client.get(detail_url(edition, private)).content.decode()

    assert "60" not in before.split('data-testid="feedback"')[1].split("</section>")[0]
    assert 'data-testid="score-total"' in after
    assert "60,0" in after or "60.0" in after
    assert after.count('data-testid="criterion-score"') == 5


def test_released_scores_never_show_with_a_pending_decision(client, chair, organiser, edition, private, member):
    release_scores(edition, by=organiser)
    stage(private, chair, "accepted")
    client.force_login(member)

    html = client.get(detail_url(edition, private)).content.decode()

    assert 'data-testid="feedback"' not in html and 'data-testid="score-total"' not in html


def test_another_group_never_sees_this_groups_feedback(client, chair, edition, private, other_member):
    stage(private, chair, "accepted")
    release_decisions(edition, by=chair)
    client.force_login(other_member)

    assert client.get(detail_url(edition, private)).status_code in (403, 404)


# ---------------------------------------------------------------------------
# Changes requested: the workspace reopens, the revision deadline becomes an extension, the resubmission


def test_changes_requested_reopens_the_workspace_and_the_group_resubmits(
    edition, chair, private, coordinator, django_capture_on_commit_callbacks
):
    deadline = timezone.now() + dt.timedelta(days=7)
    stage(private, chair, "changes_requested", revision_deadline=deadline)
    with django_capture_on_commit_callbacks(execute=True):
        release_decisions(edition, by=chair)
    extension = Extension.objects.get(group=private.group)

    section = ensure_sections(private.group)[1]
    save_section(section, "<p>Version revue.</p>", base_version=section.version, by=coordinator)
    revised = write_and_submit(private.group, coordinator, [f"<p>v2 {title}</p>" for title in SECTION_TITLES])

    private.refresh_from_db()
    assert private.state == Submission.State.CHANGES_REQUESTED
    assert extension.deadline == deadline and extension.granted_by == chair
    assert (revised.number, revised.state) == (2, Submission.State.RESUBMITTED)
    assert SubmissionChange.objects.filter(submission=revised, new="resubmitted", by=coordinator).exists()
    assert len(mail.outbox) == 2  # the decision to Awa and Sékou; submission-received mails wait for commit


def test_blind_review_keeps_the_group_name_off_the_chairs_decision_page(
    client, chair, edition, private, review_settings
):
    from submissions.models import ReviewSettings

    ReviewSettings.objects.filter(pk=review_settings.pk).update(blind=True)
    client.force_login(chair)

    html = client.get(decision_url(edition, private)).content.decode()

    assert "Secteur privé A" not in html and "Awa" not in html and "Sékou" not in html
    assert "Document 2" in html


def test_a_second_click_on_release_selected_is_an_info_not_an_error(client, chair, edition, private):
    decision = stage(private, chair, "accepted")
    client.force_login(chair)
    speak(client, "en")
    client.post(release_url(edition), {"decisions": [decision.pk]})

    response = client.post(release_url(edition), {"decisions": [decision.pk]}, follow=True)

    assert "already released" in response.content.decode()
    assert SubmissionChange.objects.filter(submission=private, new="accepted").count() == 1
