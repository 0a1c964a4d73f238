"""The chair's board: progress per submission and per juror, spread, conflicted rows, late jurors and their
reminders, starting the review and closing the round."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Role
from submissions.models import (
    ConflictOfInterest,
    Review,
    ReviewAssignment,
    ReviewSettings,
    Submission,
    SubmissionChange,
)
from submissions.services.review import start_all_reviews
from submissions.tasks import remind_jurors_task
from tests.conftest import speak
from tests.factories import GroupFactory
from tests.review.conftest import person
from tests.review.test_results import write_review


def url(edition, name="chair_dashboard"):
    return reverse(f"submissions:{name}", args=[edition.slug])


@pytest.fixture
def in_review(edition, submissions, chair, assigned):
    start_all_reviews(edition, by=chair)
    return {code: Submission.objects.get(pk=submission.pk) for code, submission in submissions.items()}


@pytest.fixture
def late(in_review, review_settings, jurors):
    """Deadline passed: juror 1 submitted everything, juror 2 has drafts, juror 3 has not started."""
    ReviewSettings.objects.filter(pk=review_settings.pk).update(review_deadline=timezone.now() - dt.timedelta(days=1))
    for submission in in_review.values():
        write_review(submission, jurors[0], [4] * 5)
        write_review(submission, jurors[1], [2] * 5, state=Review.State.DRAFT)
    return in_review


# ---------------------------------------------------------------------------
# Who


@pytest.mark.parametrize("persona", ["organiser", "chair", "staff"])
def test_chair_organiser_and_staff_open_the_board(client, request, edition, submissions, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(url(edition))

    assert response.status_code == 200
    assert response.content.decode().count('data-testid="row"') == 3


@pytest.mark.parametrize("persona", ["outsider", "other_organiser", "member", "plain_juror"])
def test_others_may_not_open_the_board(client, request, edition, submissions, persona):
    if persona == "plain_juror":
        user = person(edition, "plain@example.org", "Plain", "Juror", role=Role.JUROR)
    else:
        user = request.getfixturevalue(persona)
    client.force_login(user)

    assert client.get(url(edition)).status_code == 403
    assert client.post(url(edition, "chair_remind")).status_code == 403
    assert client.post(url(edition, "chair_start_reviews")).status_code == 403
    assert client.post(url(edition, "chair_round"), {"action": "close"}).status_code == 403
    assert not SubmissionChange.objects.filter(new=Submission.State.IN_REVIEW).exists()


def test_anonymous_goes_to_login(client, edition):
    response = client.get(url(edition))

    assert response.status_code == 302 and "login" in response.url


# ---------------------------------------------------------------------------
# What


def test_board_shows_each_review_state_progress_score_and_late_jurors(client, chair, edition, late, jurors):
    client.force_login(chair)
    speak(client, "en")

    html = client.get(url(edition)).content.decode()

    assert html.count('data-testid="progress">1 / 3<') == 3
    assert "submitted</span>" in html and "draft</span>" in html and "not started</span>" in html
    assert html.count('data-testid="document-score">80.0<') == 3
    assert html.count('data-testid="late-juror"') == 2
    assert "Remind late jurors" in html


def test_strong_disagreement_is_highlighted(client, chair, edition, in_review, jurors):
    write_review(in_review["secteur-prive"], jurors[0], [5] * 5)
    write_review(in_review["secteur-prive"], jurors[1], [1] * 5)
    write_review(in_review["gouvernement"], jurors[0], [5] * 5)
    write_review(in_review["gouvernement"], jurors[1], [4] * 5)
    client.force_login(chair)

    html = client.get(url(edition)).content.decode()

    assert html.count('data-testid="disagreement"') == 1
    assert 'class="table-warning"' in html


def test_a_conflicted_chair_sees_the_group_as_conflicted_without_scores_or_reviews(
    client, chair, edition, in_review, jurors
):
    write_review(in_review["secteur-prive"], jurors[0], ["4.44"] * 5)
    ConflictOfInterest.objects.create(
        juror=chair, group=in_review["secteur-prive"].group, kind="other", status="confirmed"
    )
    client.force_login(chair)

    html = client.get(url(edition)).content.decode()

    assert html.count('data-testid="row-conflicted"') == 1
    assert html.count('data-testid="row"') == 2
    assert "88.8" not in html
    assert reverse("submissions:chair_decision", args=[edition.slug, in_review["secteur-prive"].group_id]) not in html


def test_a_review_by_a_juror_now_conflicted_leaves_the_board_score_and_progress(
    client, chair, edition, in_review, jurors
):
    write_review(in_review["secteur-prive"], jurors[0], [5] * 5)  # 100
    write_review(in_review["secteur-prive"], jurors[1], [1] * 5)  # 20: then conflicted
    ConflictOfInterest.objects.create(
        juror=jurors[1], group=in_review["secteur-prive"].group, kind="personal", status="declared"
    )
    client.force_login(chair)

    html = client.get(url(edition)).content.decode()
    row = next(chunk for chunk in html.split("<tr ") if "Secteur privé A" in chunk)

    assert '<td data-testid="document-score">100,0</td>' in row
    assert "Juré2" not in row  # no longer listed among the group's jurors
    assert 'data-testid="disagreement"' not in row


@pytest.mark.parametrize(
    "persona",
    ["organiser", "staff", "chair", "conflicted_chair", "juror", "conflicted_juror", "unassigned_juror", "outsider"],
)
def test_the_board_reads_the_same_groups_as_the_rules(request, edition, groups, jurors, chair, persona):
    from submissions.services.results import readable_groups

    private = groups["secteur-prive"]
    ReviewAssignment.objects.create(group=private, juror=jurors[0])
    ReviewAssignment.objects.create(group=groups["gouvernement"], juror=jurors[0])
    ReviewAssignment.objects.create(group=private, juror=jurors[1])
    users = {
        "chair": chair,
        "conflicted_chair": chair,
        "juror": jurors[0],
        "conflicted_juror": jurors[1],
        "unassigned_juror": jurors[2],
    }
    user = users.get(persona) or request.getfixturevalue(persona)
    if persona.startswith("conflicted"):
        ConflictOfInterest.objects.create(juror=user, group=private, kind="other", status="confirmed")

    may_read = readable_groups(user, edition)

    for group in groups.values():
        group.edition = edition
        assert may_read(group.pk) == user.has_perm("submissions.read_for_jury", group), group.name


def test_blind_review_hides_group_names_from_a_chair_on_the_jury_not_from_organisers(
    client, chair, organiser, edition, submissions, review_settings
):
    ReviewSettings.objects.filter(pk=review_settings.pk).update(blind=True)
    client.force_login(chair)
    blind = client.get(url(edition)).content.decode()
    client.force_login(organiser)
    named = client.get(url(edition)).content.decode()

    assert "Secteur privé A" not in blind and "Document 2" in blind
    assert "Secteur privé A" in named


def test_juror_loads_count_assigned_submitted_and_skip_conflicts(edition, late, jurors, chair):
    from submissions.services.results import chair_board

    ConflictOfInterest.objects.create(
        juror=jurors[2], group=late["gouvernement"].group, kind="other", status="declared"
    )

    loads = {load.juror.pk: load for load in chair_board(edition, viewer=chair).jurors}

    assert (loads[jurors[0].pk].assigned, loads[jurors[0].pk].submitted, loads[jurors[0].pk].late) == (3, 3, False)
    assert (loads[jurors[1].pk].assigned, loads[jurors[1].pk].submitted, loads[jurors[1].pk].late) == (3, 0, True)
    assert (loads[jurors[2].pk].assigned, loads[jurors[2].pk].pending) == (2, 2)
    assert loads[chair.pk].assigned == 0 and not loads[chair.pk].late


def test_nobody_is_late_before_the_deadline(edition, in_review, chair, review_settings):
    from submissions.services.results import chair_board

    ReviewSettings.objects.filter(pk=review_settings.pk).update(review_deadline=timezone.now() + dt.timedelta(days=1))

    assert chair_board(edition, viewer=chair).late_jurors == []


# ---------------------------------------------------------------------------
# Reminders


def test_remind_sends_one_email_per_late_juror_listing_their_pending_reviews(client, chair, edition, late, jurors):
    client.force_login(chair)

    response = client.post(url(edition, "chair_remind"))

    assert response.status_code == 302
    assert sorted(message.to[0] for message in mail.outbox) == [jurors[1].email, jurors[2].email]
    body = mail.outbox[0].body
    assert "Secteur privé A" in body and "Gouvernement A" in body and "Société civile A" in body


def test_remind_in_blind_review_names_documents_not_groups(client, chair, edition, late, review_settings):
    ReviewSettings.objects.filter(pk=review_settings.pk).update(blind=True)
    client.force_login(chair)

    client.post(url(edition, "chair_remind"))

    assert mail.outbox and all("Secteur privé A" not in message.body for message in mail.outbox)
    assert "Document 2" in mail.outbox[0].body


def test_each_click_reminds_once_and_a_rerun_of_the_same_click_sends_nothing(edition, late, jurors):
    ids = [jurors[1].pk, jurors[2].pk]

    first = remind_jurors_task(edition_id=edition.pk, juror_ids=ids, click="a")
    rerun = remind_jurors_task(edition_id=edition.pk, juror_ids=ids, click="a")
    second_click = remind_jurors_task(edition_id=edition.pk, juror_ids=ids, click="b")

    assert (first, rerun, second_click) == (2, 0, 2)
    assert len(mail.outbox) == 4


def test_a_juror_with_nothing_pending_gets_no_reminder(edition, late, jurors):
    Review.objects.filter(juror=jurors[1]).update(state=Review.State.SUBMITTED, submitted_at=timezone.now())

    sent = remind_jurors_task(edition_id=edition.pk, juror_ids=[jurors[0].pk, jurors[1].pk], click="c")

    assert sent == 0
    assert mail.outbox == []


def test_no_reminder_once_the_round_is_closed(edition, late, jurors, review_settings):
    ReviewSettings.objects.filter(pk=review_settings.pk).update(round_closed_at=timezone.now())

    assert remind_jurors_task(edition_id=edition.pk, juror_ids=[jurors[2].pk], click="d") == 0


def test_remind_with_nobody_late_says_so(client, chair, edition, in_review):
    client.force_login(chair)
    speak(client, "en")

    response = client.post(url(edition, "chair_remind"), follow=True)

    assert "No juror is late" in response.content.decode()
    assert mail.outbox == []


# ---------------------------------------------------------------------------
# Starting the review, the round


def test_start_all_moves_every_submitted_document_into_review_and_logs_the_chair(client, chair, edition, submissions):
    client.force_login(chair)

    response = client.post(url(edition, "chair_start_reviews"))

    assert response.status_code == 302
    assert set(Submission.objects.values_list("state", flat=True)) == {Submission.State.IN_REVIEW}
    assert SubmissionChange.objects.filter(new=Submission.State.IN_REVIEW, by=chair).count() == 3


def test_start_all_with_nothing_waiting_changes_nothing(client, chair, edition, in_review):
    client.force_login(chair)
    speak(client, "en")

    response = client.post(url(edition, "chair_start_reviews"), follow=True)

    assert "No submitted document was waiting" in response.content.decode()
    assert SubmissionChange.objects.filter(new=Submission.State.IN_REVIEW).count() == 3


def test_chair_closes_and_reopens_the_round(client, chair, edition, review_settings):
    client.force_login(chair)

    client.post(url(edition, "chair_round"), {"action": "close"})
    review_settings.refresh_from_db()
    closed = review_settings.round_closed_at
    client.post(url(edition, "chair_round"), {"action": "reopen"})
    review_settings.refresh_from_db()

    assert closed is not None
    assert review_settings.round_closed_at is None


def test_round_actions_are_post_only(client, chair, edition):
    client.force_login(chair)

    assert client.get(url(edition, "chair_round")).status_code == 405


# ---------------------------------------------------------------------------
# Size


def add_groups(edition, kind, jurors, count, start):
    for n in range(start, start + count):
        group = GroupFactory(edition=edition, stakeholder_type=kind, name=f"Groupe {n}")
        submission = Submission.objects.create(group=group, number=1, state=Submission.State.IN_REVIEW, declaration="x")
        for juror in jurors:
            ReviewAssignment.objects.create(group=group, juror=juror)
        write_review(submission, jurors[0], [n % 5] * 5)
        write_review(submission, jurors[1], [1] * 5, state=Review.State.DRAFT)


@pytest.mark.parametrize("persona", ["organiser", "chair"])
def test_board_queries_do_not_grow_with_the_edition(client, request, edition, groups, jurors, review_settings, persona):
    ReviewSettings.objects.filter(pk=review_settings.pk).update(review_deadline=timezone.now() - dt.timedelta(days=1))
    kind = groups["gouvernement"].stakeholder_type
    add_groups(edition, kind, jurors, 1, start=0)
    client.force_login(request.getfixturevalue(persona))
    client.get(url(edition))
    with CaptureQueriesContext(connection) as small:
        client.get(url(edition))
    add_groups(edition, kind, jurors, 12, start=1)
    client.get(url(edition))  # both measured visits read the cache: the first after writes fills it

    with CaptureQueriesContext(connection) as large:
        response = client.get(url(edition))

    assert response.content.decode().count('data-testid="row"') == 16
    assert len(large.captured_queries) == len(small.captured_queries)


def test_board_rows_come_twenty_five_a_page(client, chair, edition, groups):
    kind = groups["gouvernement"].stakeholder_type
    for n in range(25):
        GroupFactory(edition=edition, stakeholder_type=kind, name=f"Groupe {n}")
    client.force_login(chair)

    first = client.get(url(edition)).content.decode()
    second = client.get(url(edition) + "?page=2").content.decode()

    assert first.count('data-testid="row"') == 25
    assert second.count('data-testid="row"') == 3
