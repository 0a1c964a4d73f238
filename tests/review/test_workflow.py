"""The submission workflow: every transition of ALLOWED through its named action (logged with who), every refused
one (InvalidTransition / ReviewRefused / SubmissionRefused, nothing changed), and the groups' notifications."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from submissions.models import Decision, Submission, SubmissionChange
from submissions.services import submission as submission_service
from submissions.services.review import (
    ReviewRefused,
    explain,
    publish,
    record_defense,
    release_decisions,
    stage_decision,
    start_review,
)
from submissions.services.submission import ALLOWED, InvalidTransition, transition_submission
from submissions.tasks import notify_state_change_task
from tests.review.conftest import SECTION_TITLES, write_and_submit

S = Submission.State


@pytest.fixture
def private(submissions):
    return submissions["secteur-prive"]


def fresh(submission):
    return Submission.objects.get(pk=submission.pk)


def log(submission):
    return list(SubmissionChange.objects.filter(submission=submission).order_by("pk").values_list("old", "new", "by"))


def decide(submission, outcome, chair, edition, **kwargs):
    stage_decision(submission, outcome, by=chair, **kwargs)
    return release_decisions(edition, by=chair)


def put_in(submission, state):
    """Arrange a state directly (the transitions themselves are tested one by one below)."""
    Submission.objects.filter(pk=submission.pk).update(state=state)
    return fresh(submission)


# ---------------------------------------------------------------------------
# Every allowed transition, through its named action


def test_submitted_to_withdrawn_by_the_coordinator(private, coordinator):
    submission_service.withdraw(private, by=coordinator)

    assert fresh(private).state == S.WITHDRAWN
    assert log(private)[-1] == (S.SUBMITTED, S.WITHDRAWN, coordinator.pk)


def test_submitted_to_in_review_by_the_chair(private, chair):
    start_review(private, by=chair, note="Lancement")

    assert fresh(private).state == S.IN_REVIEW
    change = SubmissionChange.objects.filter(submission=private).latest("pk")
    assert (change.old, change.new, change.by, change.note) == (S.SUBMITTED, S.IN_REVIEW, chair, "Lancement")
    assert change.at is not None


@pytest.mark.parametrize("outcome", [S.CHANGES_REQUESTED, S.ACCEPTED, S.NOT_ACCEPTED])
def test_in_review_to_each_decision_once_released(private, chair, edition, outcome):
    start_review(private, by=chair)
    deadline = timezone.now() + dt.timedelta(days=3)

    released = decide(private, outcome, chair, edition, message="Pourquoi", revision_deadline=deadline)

    assert [decision.submission_id for decision in released] == [private.pk]
    assert fresh(private).state == outcome
    assert log(private)[-1] == (S.IN_REVIEW, outcome, chair.pk)
    assert SubmissionChange.objects.filter(submission=private).latest("pk").note == "Pourquoi"


@pytest.fixture
def resubmitted(private, chair, edition, coordinator):
    start_review(private, by=chair)
    decide(private, S.CHANGES_REQUESTED, chair, edition, revision_deadline=timezone.now() + dt.timedelta(days=3))
    return write_and_submit(private.group, coordinator, [f"<p>v2 {title}</p>" for title in SECTION_TITLES])


def test_changes_requested_then_a_new_submission_is_resubmitted(resubmitted, private, coordinator):
    assert resubmitted.state == S.RESUBMITTED and resubmitted.number == 2
    assert fresh(private).state == S.CHANGES_REQUESTED
    assert log(resubmitted) == [("", S.RESUBMITTED, coordinator.pk)]


def test_resubmitted_to_withdrawn(resubmitted, coordinator):
    submission_service.withdraw(resubmitted, by=coordinator)

    assert fresh(resubmitted).state == S.WITHDRAWN


def test_resubmitted_to_in_review(resubmitted, chair):
    start_review(resubmitted, by=chair)

    assert fresh(resubmitted).state == S.IN_REVIEW
    assert log(resubmitted)[-1] == (S.RESUBMITTED, S.IN_REVIEW, chair.pk)


@pytest.fixture
def accepted(private, chair, edition):
    start_review(private, by=chair)
    decide(private, S.ACCEPTED, chair, edition)
    return fresh(private)


def test_accepted_to_defended_by_the_chair(accepted, chair):
    record_defense(accepted, by=chair)

    assert fresh(accepted).state == S.DEFENDED
    assert log(accepted)[-1] == (S.ACCEPTED, S.DEFENDED, chair.pk)


def test_accepted_to_published_by_an_organiser(accepted, organiser):
    publish(accepted, by=organiser)

    assert fresh(accepted).state == S.PUBLISHED
    assert log(accepted)[-1] == (S.ACCEPTED, S.PUBLISHED, organiser.pk)


def test_defended_to_published(accepted, chair, organiser):
    record_defense(accepted, by=chair)

    publish(accepted, by=organiser)

    assert fresh(accepted).state == S.PUBLISHED
    assert [new for _old, new, _by in log(accepted)] == [S.SUBMITTED, S.IN_REVIEW, S.ACCEPTED, S.DEFENDED, S.PUBLISHED]


# ---------------------------------------------------------------------------
# Refused, through the named actions: nothing changes, nothing is logged


def assert_untouched(submission, state, changes):
    assert fresh(submission).state == state
    assert SubmissionChange.objects.filter(submission=submission).count() == changes


def test_accepting_a_submitted_document_not_in_review_is_refused(private, chair):
    with pytest.raises(ReviewRefused):
        stage_decision(private, S.ACCEPTED, by=chair)

    assert_untouched(private, S.SUBMITTED, 1)
    assert not Decision.objects.exists()


def test_deciding_twice_after_release_is_refused(accepted, chair):
    with pytest.raises(ReviewRefused):
        stage_decision(accepted, S.NOT_ACCEPTED, by=chair)

    assert_untouched(accepted, S.ACCEPTED, 3)
    assert Decision.objects.get().outcome == S.ACCEPTED


def test_withdrawing_in_review_is_refused(private, chair, coordinator):
    start_review(private, by=chair)

    with pytest.raises(submission_service.SubmissionRefused):
        submission_service.withdraw(private, by=coordinator)

    assert_untouched(private, S.IN_REVIEW, 2)


@pytest.mark.parametrize("state", [S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.NOT_ACCEPTED, S.WITHDRAWN])
def test_publishing_a_document_not_accepted_is_refused(private, organiser, state):
    private = put_in(private, state)

    with pytest.raises(InvalidTransition) as refused:
        publish(private, by=organiser)

    assert_untouched(private, state, 1)
    assert str(S(state).label) in explain(refused.value)


@pytest.mark.parametrize("state", [S.SUBMITTED, S.IN_REVIEW, S.NOT_ACCEPTED, S.DEFENDED, S.PUBLISHED])
def test_recording_a_defense_outside_accepted_is_refused(private, chair, state):
    private = put_in(private, state)

    with pytest.raises(InvalidTransition):
        record_defense(private, by=chair)

    assert_untouched(private, state, 1)


@pytest.mark.parametrize("state", [S.WITHDRAWN, S.IN_REVIEW, S.ACCEPTED, S.CHANGES_REQUESTED, S.PUBLISHED])
def test_starting_the_review_outside_submitted_or_resubmitted_is_refused(private, chair, state):
    private = put_in(private, state)

    with pytest.raises(InvalidTransition):
        start_review(private, by=chair)

    assert_untouched(private, state, 1)


def test_a_staged_decision_whose_submission_left_review_is_not_released(private, chair, edition, coordinator):
    start_review(private, by=chair)
    stage_decision(private, S.ACCEPTED, by=chair)
    put_in(private, S.NOT_ACCEPTED)

    assert release_decisions(edition, by=chair) == []
    assert Decision.objects.get().is_pending


EVERY_REFUSED = [(old, new) for old in S.values for new in S.values if new not in ALLOWED.get(old, set())]


@pytest.mark.parametrize(("old", "new"), EVERY_REFUSED)
def test_every_transition_outside_the_table_is_refused_and_nothing_changes(private, chair, old, new):
    private = put_in(private, old)

    with pytest.raises(InvalidTransition):
        transition_submission(private, new, by=chair)

    assert_untouched(private, old, 1)


# ---------------------------------------------------------------------------
# Who may act


def test_a_juror_may_not_start_the_review(private, jurors):
    with pytest.raises(PermissionDenied):
        start_review(private, by=jurors[0])

    assert_untouched(private, S.SUBMITTED, 1)


def test_the_chair_may_not_publish(accepted, chair):
    with pytest.raises(PermissionDenied):
        publish(accepted, by=chair)

    assert fresh(accepted).state == S.ACCEPTED


def test_a_member_may_not_decide_nor_release(private, chair, edition, member):
    start_review(private, by=chair)

    with pytest.raises(PermissionDenied):
        stage_decision(private, S.ACCEPTED, by=member)
    with pytest.raises(PermissionDenied):
        release_decisions(edition, by=member)

    assert not Decision.objects.exists()


# ---------------------------------------------------------------------------
# Notifications: released decisions and the publication only, once


def test_groups_hear_of_released_decisions_only_and_once(
    private, chair, edition, organiser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        start_review(private, by=chair)
    with django_capture_on_commit_callbacks(execute=True):
        stage_decision(private, S.ACCEPTED, by=chair, message="Bravo")
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        release_decisions(edition, by=chair)
    with django_capture_on_commit_callbacks(execute=True):
        release_decisions(edition, by=chair)

    assert sorted(message.to[0] for message in mail.outbox) == ["awa@example.org", "sekou@example.org"]


def test_a_rerun_notification_after_the_state_moved_on_sends_nothing(accepted, chair):
    record_defense(accepted, by=chair)

    assert notify_state_change_task(submission_id=accepted.pk, state=S.ACCEPTED) == 0
    assert mail.outbox == []


def test_publication_is_notified(accepted, organiser, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        publish(accepted, by=organiser)

    assert len(mail.outbox) == 2


def test_the_reopened_workspace_points_the_group_at_the_jurys_feedback(client, edition, groups, submissions, chair,
                                                                         coordinator):  # fmt: skip
    from submissions.services.review import release_decisions, stage_decision, start_review

    submission = start_review(submissions["secteur-prive"], by=chair)
    stage_decision(submission, "changes_requested", by=chair, message="Chiffrez vos propositions.")
    release_decisions(edition, by=chair)
    client.force_login(coordinator)
    group = groups["secteur-prive"]

    page = client.get(reverse("submissions:workspace", args=[edition.slug, group.pk])).content.decode()

    assert 'data-testid="revision-requested"' in page
    assert reverse("submissions:submission_detail", args=[edition.slug, group.pk, submission.number]) in page
