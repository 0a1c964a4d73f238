"""The audit log records organiser and jury actions done through the real pages: who, what, when, the key fields
before and after, tagged with the edition; private texts never."""

import datetime as dt

import pytest
from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Edition, Enrolment, Invitation
from cohorts.services import update_edition
from submissions.models import Decision, Extension, Review, ReviewAssignment, ReviewSettings
from submissions.services.jury import auto_assign
from submissions.services.review import criteria_of, release_scores, stage_decision, start_all_reviews
from tests.cohorts.test_edition_setup import edition_form
from tests.conftest import speak
from tests.factories import EnrolmentFactory, InvitationFactory
from tests.review.conftest import *  # noqa: F403 - the review's fixtures (three groups that submitted, a jury)

PRIVATE_NOTE = "Note privée : le groupe a copié un rapport."
MESSAGE = "Message confidentiel au groupe sur la légalité."


def entries_for(model, **filters):
    return LogEntry.objects.get_for_model(model).filter(**filters).order_by("timestamp", "pk")


def all_logged_text() -> str:
    return " ".join(f"{e.object_repr} {e.changes} {e.additional_data}" for e in LogEntry.objects.all())


# ---------------------------------------------------------------------------
# Organisers


def test_saving_the_edition_settings_logs_the_organiser_and_before_after(client, organiser, edition):
    client.force_login(organiser)

    client.post(reverse("cohorts:edition_settings", args=[edition.slug]), edition_form(status="open", pass_mark="12"))

    entry = entries_for(Edition, action=LogEntry.Action.UPDATE).get()
    assert entry.actor == organiser
    assert entry.changes["status"] == ["running", "open"]
    assert entry.changes["pass_mark"] == ["None", "12"]
    assert "concept_note" not in entry.changes and "theme" not in entry.changes
    assert entry.additional_data == {"edition": edition.pk}


def test_revoking_an_invitation_logs_who_revoked_it(client, organiser, edition):
    invitation = InvitationFactory(edition=edition, email="guest@example.org")
    client.force_login(organiser)

    client.post(reverse("cohorts:invitation_action", args=[edition.slug]), {"revoke": invitation.pk})

    entry = entries_for(Invitation, action=LogEntry.Action.UPDATE).get()
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert (entry.actor, entry.additional_data) == (organiser, {"edition": edition.pk})
    assert entry.changes["revoked_at"][0] == "None"


def test_granting_an_extension_logs_the_organiser_and_the_new_deadline(client, organiser, edition, groups, assignment):
    group = groups["secteur-prive"]
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=9)).replace(second=0, microsecond=0)
    client.force_login(organiser)

    client.post(
        reverse("submissions:settings_extensions", args=[edition.slug]),
        {"scope": group.pk, "deadline": deadline.strftime("%Y-%m-%dT%H:%M"), "reason": "Coupure d'électricité"},
    )

    entry = entries_for(Extension).get()
    assert entry.action == LogEntry.Action.CREATE and entry.actor == organiser
    assert entry.changes["group"] == ["None", str(group.pk)]
    assert entry.changes["reason"] == ["None", "Coupure d'électricité"]
    assert entry.additional_data == {"edition": edition.pk}


def test_a_change_without_a_request_has_no_actor(edition, organiser):
    update_edition(edition, {"title": "MaliSIG 2023 bis"}, by=organiser)

    entry = entries_for(Edition, action=LogEntry.Action.UPDATE).get()
    assert entry.actor is None  # a task or a command: "the system"
    assert entry.changes == {"title": ["MaliSIG 2023", "MaliSIG 2023 bis"]}


def test_fields_that_are_not_kept_write_no_entry(edition):
    with disable_auditlog():
        enrolment = EnrolmentFactory(edition=edition)

    enrolment.external_id = "X-42"
    enrolment.save()

    assert not entries_for(Enrolment).exists()


def test_the_edition_is_found_through_the_relations(edition, submissions, jurors, chair):
    """Review → submission → group → edition; Decision likewise."""
    start_all_reviews(edition, by=chair)
    submission = submissions["secteur-prive"]

    ReviewAssignment.objects.create(group=submission.group, juror=jurors[0], assigned_by=chair)
    Review.objects.create(submission_id=submission.pk, juror=jurors[0])  # submission not cached: one query

    tags = {entry.additional_data["edition"] for entry in LogEntry.objects.exclude(additional_data=None)}
    assert tags == {edition.pk}
    assert entries_for(Review).get().additional_data == {"edition": edition.pk}


# ---------------------------------------------------------------------------
# The jury


@pytest.fixture
def in_review(edition, submissions, chair, assigned):
    start_all_reviews(edition, by=chair)
    return submissions


def review_data(edition, action):
    data = {"action": action, "message_to_group": MESSAGE, "private_note": PRIVATE_NOTE}
    for criterion in criteria_of(edition):
        data[f"score_{criterion.pk}"] = "4"
        data[f"comment_{criterion.pk}"] = "Commentaire secret du juré"
    return data


def test_a_submitted_review_is_logged_with_the_juror_and_no_private_text(client, edition, in_review, jurors):
    group = in_review["secteur-prive"].group
    client.force_login(jurors[0])
    url = reverse("submissions:review_page", args=[edition.slug, group.pk])

    client.post(url, review_data(edition, "draft"))
    client.post(url, review_data(edition, "submit"))

    created, submitted = entries_for(Review)
    assert (created.action, created.actor) == (LogEntry.Action.CREATE, jurors[0])
    assert (submitted.action, submitted.actor) == (LogEntry.Action.UPDATE, jurors[0])
    assert submitted.changes["state"] == ["draft", "submitted"]
    assert submitted.additional_data == {"edition": edition.pk}
    logged = all_logged_text()
    assert PRIVATE_NOTE not in logged and MESSAGE not in logged and "Commentaire secret" not in logged


def test_releasing_a_decision_is_logged_with_the_chair(client, edition, in_review, chair):
    submission = in_review["secteur-prive"]
    stage_decision(submission, "accepted", by=chair, message=MESSAGE, criteria_feedback={})
    client.force_login(chair)

    client.post(reverse("submissions:chair_release_decisions", args=[edition.slug]), {"release_all": "on"})

    staged, released = entries_for(Decision)
    assert staged.changes["outcome"] == ["None", "accepted"]
    assert released.actor == chair and released.changes["released_at"][0] == "None"
    assert released.additional_data == {"edition": edition.pk}
    assert MESSAGE not in all_logged_text()


def test_closing_the_round_a_queryset_update_is_logged_with_the_chair(client, edition, in_review, chair):
    client.force_login(chair)

    client.post(reverse("submissions:chair_round", args=[edition.slug]), {"action": "close"})
    client.post(reverse("submissions:chair_round", args=[edition.slug]), {"action": "close"})  # a double click

    entry = entries_for(ReviewSettings, action=LogEntry.Action.UPDATE).get()
    assert entry.actor == chair and entry.additional_data == {"edition": edition.pk}
    assert list(entry.changes) == ["round_closed_at"] and entry.changes["round_closed_at"][0] == "None"


def test_releasing_the_scores_is_logged_with_the_organiser(edition, in_review, organiser):
    release_scores(edition, by=organiser)

    entry = entries_for(ReviewSettings, action=LogEntry.Action.UPDATE).get()
    assert entry.actor == organiser and list(entry.changes) == ["scores_released_at"]


def test_automatic_assignment_a_bulk_create_is_logged_once_per_assignment(edition, submissions, jurors, organiser):
    made = auto_assign(edition, by=organiser)

    logged = entries_for(ReviewAssignment, action=LogEntry.Action.CREATE)
    assert logged.count() == ReviewAssignment.objects.count() > 0
    assert {entry.actor for entry in logged} == {organiser}
    assert {entry.additional_data["edition"] for entry in logged} == {edition.pk}
    assert made is not None


def test_the_journal_shows_the_chairs_actions_to_the_organisers(client, edition, in_review, chair, organiser):
    client.force_login(chair)
    client.post(reverse("submissions:chair_round", args=[edition.slug]), {"action": "close"})
    client.force_login(organiser)
    speak(client, "en")

    response = client.get(reverse("cockpit:audit_log", args=[edition.slug]), {"actor": chair.pk})

    first = response.context["rows"][0]
    assert (first.entry.actor, first.kind, first.action) == (chair, "Review settings", "Changed")
    assert [(change.label, change.before) for change in first.changes] == [("Review round closed at", "—")]
    assert "Review round closed at" in response.content.decode()
