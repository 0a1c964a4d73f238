import pytest

from cockpit.models import Certificate, CertificateRules
from cockpit.services.certificates import juror_standings, language_for, participant_standings
from cohorts.models import Enrolment, Role
from submissions.models import Review, Submission

from .certificates_fixtures import (
    attend,
    defense_score_by,
    group_in,
    juror_in,
    participant_in,
    review_by,
    sessions,
    submit,
)

pytestmark = pytest.mark.django_db


def _standing(edition, user, rules=None):
    return next(standing for standing in participant_standings(edition, rules) if standing.user == user)


def test_participant_meeting_every_default_rule_qualifies(edition):
    person = participant_in(edition, "awa@example.org", group=group_in(edition))

    standing = _standing(edition, person)

    assert standing.qualifies
    assert standing.reasons == []
    assert standing.group.name == "Groupe Kati"


def test_course_not_completed_does_not_qualify_with_the_reason(edition):
    person = participant_in(edition, "awa@example.org", completed=False, group=group_in(edition))

    standing = _standing(edition, person)

    assert not standing.qualifies
    assert len(standing.reasons) == 1


def test_a_completion_date_counts_as_course_completed(edition):
    import datetime as dt

    person = participant_in(
        edition, "awa@example.org", completed=None, completion_date=dt.date(2023, 10, 1), group=group_in(edition)
    )

    assert _standing(edition, person).qualifies


def test_course_rule_off_lets_a_participant_without_the_course_qualify(edition):
    person = participant_in(edition, "awa@example.org", completed=False, group=group_in(edition))
    rules = CertificateRules(edition=edition, course_completed=False)

    assert _standing(edition, person, rules).qualifies


def test_participant_without_enrolment_has_not_completed_the_course(edition):
    person = participant_in(edition, "awa@example.org", enrolled=False, group=group_in(edition))

    assert not _standing(edition, person).qualifies


def test_participant_without_a_group_does_not_qualify_when_the_group_must_submit(edition):
    person = participant_in(edition, "awa@example.org")

    standing = _standing(edition, person)

    assert not standing.qualifies
    assert len(standing.reasons) == 1


def test_group_without_submission_does_not_qualify(edition):
    person = participant_in(edition, "awa@example.org", group=group_in(edition, submitted=False))

    assert not _standing(edition, person).qualifies


def test_a_withdrawn_submission_does_not_count(edition):
    group = group_in(edition, submitted=False)
    submit(group, state=Submission.State.WITHDRAWN)
    person = participant_in(edition, "awa@example.org", group=group)

    assert not _standing(edition, person).qualifies


def test_a_later_resubmission_counts_after_a_withdrawn_one(edition):
    group = group_in(edition, submitted=False)
    submit(group, state=Submission.State.WITHDRAWN)
    submit(group, state=Submission.State.RESUBMITTED)
    person = participant_in(edition, "awa@example.org", group=group)

    assert _standing(edition, person).qualifies


def test_group_rule_off_lets_a_participant_without_a_group_qualify(edition):
    person = participant_in(edition, "awa@example.org")
    rules = CertificateRules(edition=edition, group_submitted=False)

    assert _standing(edition, person, rules).qualifies


@pytest.mark.parametrize(
    ("present", "total", "minimum", "qualifies"),
    [
        (3, 4, 75, True),  # exactly the threshold
        (2, 3, 67, False),  # 66.67 % is below 67 %
        (2, 3, 66, True),
        (0, 4, 1, False),
        (0, 4, 0, True),
        (4, 4, 100, True),
        (3, 4, 100, False),
    ],
)
def test_attendance_threshold_edges(edition, present, total, minimum, qualifies):
    person = participant_in(edition, "awa@example.org", group=group_in(edition))
    attend(person, edition, sessions(edition, total), present)
    rules = CertificateRules(edition=edition, min_attendance=minimum)

    standing = _standing(edition, person, rules)

    assert standing.qualifies is qualifies
    assert (standing.present, standing.sessions) == (present, total)


def test_attendance_without_any_session_counts_as_met_and_says_so(edition):
    person = participant_in(edition, "awa@example.org", group=group_in(edition))
    rules = CertificateRules(edition=edition, min_attendance=80)

    standing = _standing(edition, person, rules)

    assert standing.qualifies
    assert standing.notes


def test_absent_rows_do_not_count_as_presence(edition):
    person = participant_in(edition, "awa@example.org", group=group_in(edition))
    attend(person, edition, sessions(edition, 2), present=0)  # two rows, both absent
    rules = CertificateRules(edition=edition, min_attendance=50)

    assert not _standing(edition, person, rules).qualifies


def test_attendance_in_another_edition_does_not_count(edition, other_edition):
    person = participant_in(edition, "awa@example.org", group=group_in(edition))
    sessions(edition, 2)
    from tests.factories import EnrolmentFactory

    EnrolmentFactory(edition=other_edition, user=person)
    attend(person, other_edition, sessions(other_edition, 2), present=2)
    rules = CertificateRules(edition=edition, min_attendance=50)

    assert _standing(edition, person, rules).present == 0


def test_withdrawn_participant_never_qualifies(edition):
    person = participant_in(edition, "awa@example.org", status=Enrolment.Status.WITHDRAWN, group=group_in(edition))

    assert not _standing(edition, person).qualifies


def test_participant_without_a_name_does_not_qualify(edition):
    person = participant_in(edition, "awa@example.org", first_name="", last_name="", group=group_in(edition))

    assert not _standing(edition, person).qualifies


def test_several_reasons_are_all_given(edition):
    person = participant_in(edition, "awa@example.org", completed=False)
    attend(person, edition, sessions(edition, 4), present=1)
    rules = CertificateRules(edition=edition, min_attendance=50)

    assert len(_standing(edition, person, rules).reasons) == 3


def test_only_participants_of_the_edition_are_listed(edition, other_edition, organiser, juror):
    mine = participant_in(edition, "awa@example.org")
    participant_in(other_edition, "sekou@example.org")

    assert [standing.user for standing in participant_standings(edition)] == [mine]


def test_existing_valid_certificate_is_attached_and_revoked_one_is_not(edition):
    person = participant_in(edition, "awa@example.org", group=group_in(edition))
    Certificate.objects.create(edition=edition, user=person, full_name="Awa Traoré", revoked_at="2023-12-01T10:00Z")

    assert _standing(edition, person).certificate is None
    valid = Certificate.objects.create(edition=edition, user=person, full_name="Awa Traoré")
    assert _standing(edition, person).certificate == valid


def test_standings_take_a_constant_number_of_queries(edition, django_assert_max_num_queries):
    group = group_in(edition)
    events = sessions(edition, 3)
    for n in range(3):
        person = participant_in(edition, f"p{n}@example.org", group=group)
        attend(person, edition, events, present=n)
    with django_assert_max_num_queries(8):
        small = participant_standings(edition)
    for n in range(3, 30):
        person = participant_in(edition, f"p{n}@example.org", group=group_in(edition, f"G{n}"))
        attend(person, edition, events, present=n % 4)

    with django_assert_max_num_queries(8):
        large = participant_standings(edition)

    assert (len(small), len(large)) == (3, 30)


# --- The jury ---------------------------------------------------------------------------------------------------


def test_juror_who_submitted_a_review_qualifies(edition):
    juror = juror_in(edition, "oumar@example.org")
    review_by(juror, group_in(edition))

    (standing,) = juror_standings(edition)

    assert standing.qualifies
    assert standing.kind == Certificate.Kind.CONTRIBUTION


def test_juror_with_only_a_draft_review_does_not_qualify(edition):
    juror = juror_in(edition, "oumar@example.org")
    review_by(juror, group_in(edition), state=Review.State.DRAFT)

    (standing,) = juror_standings(edition)

    assert not standing.qualifies
    assert standing.reasons


def test_juror_who_scored_a_defense_qualifies(edition):
    juror = juror_in(edition, "oumar@example.org")
    defense_score_by(juror, group_in(edition))

    (standing,) = juror_standings(edition)

    assert standing.qualifies


def test_jury_chair_qualifies_for_chairing(edition):
    juror_in(edition, "chair@example.org", role=Role.JURY_CHAIR)

    (standing,) = juror_standings(edition)

    assert standing.qualifies
    assert standing.jury_role == Role.JURY_CHAIR


def test_juror_who_is_also_chair_appears_once_as_chair(edition):
    chair = juror_in(edition, "chair@example.org", role=Role.JURY_CHAIR)
    from tests.factories import EditionRoleFactory

    EditionRoleFactory(edition=edition, user=chair, role=Role.JUROR)

    assert [(s.user, s.jury_role) for s in juror_standings(edition)] == [(chair, Role.JURY_CHAIR)]


def test_reviews_in_another_edition_do_not_count(edition, other_edition):
    juror = juror_in(edition, "oumar@example.org")
    review_by(juror, group_in(other_edition))

    (standing,) = juror_standings(edition)

    assert not standing.qualifies


# --- Language ---------------------------------------------------------------------------------------------------


def test_language_is_the_chosen_one_then_the_persons_then_the_editions(edition):
    english = participant_in(edition, "en@example.org", language="en")
    nobody = participant_in(edition, "none@example.org")
    nobody.preferred_language = ""

    assert language_for(english, edition, "fr") == "fr"
    assert language_for(english, edition) == "en"
    assert language_for(nobody, edition) == "fr"
    edition.school.languages = "en,fr"
    assert language_for(nobody, edition) == "en"
