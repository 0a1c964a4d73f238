import datetime as dt

import pytest
from django.utils import timezone

from cockpit.services import segments
from cohorts.models import Enrolment, Role
from submissions.models import ConflictOfInterest, Extension, Review, ReviewAssignment, Submission
from tests.factories import EnrolmentFactory, InvitationFactory

from .messages_fixtures import build_world, elsewhere_fixture, member, submit, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def emails(edition, segment):
    return sorted(r.email for r in segments.resolve(edition, segment))


def test_all_participants_in_the_edition_only(world, elsewhere):
    assert emails(world.edition, {"kind": "participants"}) == [
        "awa@example.org",
        "binta@example.org",
        "loner@example.org",
        "sekou@example.org",
    ]


def test_a_withdrawn_participant_is_left_out(world):
    EnrolmentFactory(edition=world.edition, user=world.loner, status=Enrolment.Status.WITHDRAWN)

    assert "loner@example.org" not in emails(world.edition, {"kind": "participants"})


def test_participants_carry_their_group_language_and_deadline(world):
    by_email = {r.email: r for r in segments.resolve(world.edition, {"kind": "participants"})}

    assert by_email["sekou@example.org"].group == "Gouvernement A"
    assert by_email["sekou@example.org"].language == "en"
    assert by_email["sekou@example.org"].deadline == world.settings.deadline
    assert by_email["loner@example.org"].group == ""
    assert by_email["awa@example.org"].link.endswith(f"/editions/{world.edition.slug}/mon-document/")


def test_one_group_is_its_members(world, elsewhere):
    assert emails(world.edition, {"kind": "group", "group_id": world.group_a.pk}) == [
        "awa@example.org",
        "sekou@example.org",
    ]


def test_a_group_of_another_edition_reaches_nobody(world, elsewhere):
    assert emails(world.edition, {"kind": "group", "group_id": elsewhere.group_a.pk}) == []
    with pytest.raises(segments.UnknownSegment):
        segments.parse(world.edition, f"group:{elsewhere.group_a.pk}")
    with pytest.raises(segments.UnknownSegment):
        segments.parse(world.edition, f"stakeholder_type:{elsewhere.civil.pk}")


def test_one_stakeholder_type_is_its_groups_members(world, elsewhere):
    segment, label = segments.parse(world.edition, f"stakeholder_type:{world.civil.pk}")

    assert emails(world.edition, segment) == ["binta@example.org"]
    assert "Société civile" in label


def test_groups_without_a_submission(world, elsewhere):
    assert emails(world.edition, {"kind": "groups_without_submission"}) == ["awa@example.org", "sekou@example.org"]


def test_a_withdrawn_submission_does_not_count(world):
    submit(world.group_a, Submission.State.WITHDRAWN)

    assert emails(world.edition, {"kind": "groups_without_submission"}) == ["awa@example.org", "sekou@example.org"]


def test_a_group_extension_moves_its_members_deadline(world):
    later = timezone.now() + dt.timedelta(days=20)
    Extension.objects.create(assignment=world.settings.assignment, group=world.group_a, deadline=later, reason="x")

    by_email = {r.email: r for r in segments.resolve(world.edition, {"kind": "groups_without_submission"})}

    assert by_email["awa@example.org"].deadline == later


def test_the_jury_is_jurors_and_chair(world, elsewhere):
    assert emails(world.edition, {"kind": "jury"}) == [
        "chair@example.org",
        "idle.juror@example.org",
        "juror@example.org",
    ]


def test_jurors_with_reviews_due_leave_out_those_who_reviewed(world, elsewhere):
    assert emails(world.edition, {"kind": "jurors_with_reviews_due"}) == ["juror@example.org"]


def test_a_conflicted_juror_or_a_submitted_review_is_not_due(world):
    ConflictOfInterest.objects.create(juror=world.juror, group=world.group_b, status=ConflictOfInterest.BLOCKING[0])

    assert emails(world.edition, {"kind": "jurors_with_reviews_due"}) == []


def test_a_juror_whose_group_resubmitted_is_due_again(world):
    Review.objects.filter(juror=world.idle_juror).update(state=Review.State.SUBMITTED)
    Submission.objects.filter(pk=world.submission_b.pk).update(state=Submission.State.CHANGES_REQUESTED)
    submit(world.group_b, Submission.State.IN_REVIEW, number=2)

    assert emails(world.edition, {"kind": "jurors_with_reviews_due"}) == ["idle.juror@example.org", "juror@example.org"]


def test_invitations_not_yet_accepted_go_by_email_with_their_link(world, elsewhere):
    InvitationFactory(edition=world.edition, email="accepted@example.org", accepted_at=timezone.now())
    InvitationFactory(edition=world.edition, email="revoked@example.org", revoked_at=timezone.now())
    InvitationFactory(edition=world.edition, email="old@example.org", expires_at=timezone.now() - dt.timedelta(1))

    [recipient] = segments.resolve(world.edition, {"kind": "pending_invitations"})

    assert (recipient.email, recipient.user_id, recipient.first_name, recipient.language) == (
        "invitee@example.org",
        None,
        "Kadia",
        "en",
    )
    assert "/editions/invitation/" in recipient.link


def test_a_juror_who_is_also_chair_is_listed_once(world):
    from tests.factories import EditionRoleFactory

    EditionRoleFactory(edition=world.edition, user=world.juror, role=Role.JURY_CHAIR)

    assert emails(world.edition, {"kind": "jury"}).count("juror@example.org") == 1


def test_unknown_segment_is_refused(world):
    with pytest.raises(segments.UnknownSegment):
        segments.resolve(world.edition, {"kind": "everyone-on-earth"})
    with pytest.raises(segments.UnknownSegment):
        segments.parse(world.edition, "everyone-on-earth")


def grow(world, n):
    for i in range(n):
        group = world.group_a if i % 2 else world.group_b
        member(group, f"extra{i}-{group.pk}@example.org")
        juror = member(world.group_a, f"juror{i}@example.org")
        ReviewAssignment.objects.create(group=world.group_b, juror=juror)
        InvitationFactory(edition=world.edition, email=f"extra-invitee{i}@example.org", role=Role.PARTICIPANT)


@pytest.mark.parametrize("kind", [*segments.SIMPLE_KINDS, "group", "stakeholder_type"])
@pytest.mark.parametrize("size", [1, 12])
def test_resolving_a_segment_takes_the_same_queries_at_any_size(world, django_assert_max_num_queries, kind, size):
    grow(world, size)
    segment = {"kind": kind, "group_id": world.group_a.pk, "stakeholder_type_id": world.government.pk}

    with django_assert_max_num_queries(4):
        recipients = segments.resolve(world.edition, segment)

    assert recipients
