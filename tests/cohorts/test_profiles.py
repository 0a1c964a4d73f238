from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import resolve, reverse
from django.utils import timezone

from cohorts import services
from cohorts.models import Attendance, AttendanceEvent, Enrolment, EnrolmentChange, Profile
from cohorts.views import profiles
from tests.factories import EnrolmentFactory, ProfileFactory, UserFactory

S = Enrolment.Status


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def profile_url(enrolment) -> str:
    return reverse("cohorts:participant_profile", args=[enrolment.edition.slug, enrolment.pk])


def transition_url(enrolment) -> str:
    return reverse("cohorts:participant_transition", args=[enrolment.edition.slug, enrolment.pk])


@pytest.fixture
def enrolment(edition):
    user = UserFactory(first_name="Fanta", last_name="Kéïta", email="fanta@example.org")
    ProfileFactory(user=user, city="Bamako", sector="Société civile", job_title="Juriste", phone="+223 70 00 00 00")
    return EnrolmentFactory(edition=edition, user=user, status=S.CANDIDATE, eligible=False, grade=Decimal("9.5"))


# --- A participant's page, for organisers -------------------------------------------------------------------------


def test_participant_page_shows_profile_history_and_attendance(english, client, organiser, edition, enrolment):
    services.admit_by_hand(enrolment, by=organiser, reason="Certificat présenté")
    day = AttendanceEvent.objects.create(edition=edition, title="Atelier, jour 1", date=timezone.localdate())
    AttendanceEvent.objects.create(edition=edition, title="Atelier, jour 2", date=timezone.localdate())
    Attendance.objects.create(event=day, enrolment=enrolment, recorded_by=organiser)
    client.force_login(organiser)

    response = client.get(profile_url(enrolment))

    assert response.status_code == 200
    content = response.content.decode()
    for text in ("Fanta Kéïta", "fanta@example.org", "Bamako", "Société civile", "Juriste", "+223 70 00 00 00"):
        assert text in content
    assert [(change.old, change.new, change.by, change.note) for change in response.context["changes"]] == [
        (S.CANDIDATE, S.ADMITTED, organiser, "Certificat présenté")
    ]
    assert [(event.title, mark) for event, mark in response.context["attendance"]] == [
        ("Atelier, jour 1", True),
        ("Atelier, jour 2", None),
    ]
    assert response.context["attendance_rate"] == 50
    assert [to for to, _label in response.context["buttons"]] == [S.INVITED, S.WITHDRAWN]


def test_participant_page_works_without_a_profile(client, organiser, edition):
    bare = EnrolmentFactory(edition=edition)
    client.force_login(organiser)

    response = client.get(profile_url(bare))

    assert response.status_code == 200
    assert response.context["profile"] is None


@pytest.mark.parametrize(
    ("status", "buttons"),
    [
        (S.CANDIDATE, ["Admit by hand", "Withdraw"]),
        (S.ADMITTED, ["Send the invitation", "Withdraw"]),
        (S.INVITED, ["Withdraw"]),
        (S.ACTIVE, ["Withdraw", "Mark as completed"]),
        (S.WITHDRAWN, ["Reinstate"]),
        (S.COMPLETED, ["Back to active"]),
    ],
)
def test_participant_page_offers_the_changes_the_workflow_allows(english, client, organiser, edition, status, buttons):
    enrolment = EnrolmentFactory(edition=edition, status=status)
    client.force_login(organiser)

    response = client.get(profile_url(enrolment))

    assert [label for _to, label in response.context["buttons"]] == buttons


@pytest.mark.parametrize("persona", ["participant", "juror", "jury_chair", "other_organiser", "outsider"])
def test_participant_page_is_forbidden_to_everyone_but_organisers(client, enrolment, persona, request):
    client.force_login(request.getfixturevalue(persona))

    page = client.get(profile_url(enrolment))
    change = client.post(transition_url(enrolment), {"to": S.WITHDRAWN})

    assert (page.status_code, change.status_code) == (403, 403)
    enrolment.refresh_from_db()
    assert enrolment.status == S.CANDIDATE


def test_participant_page_of_another_editions_enrolment_is_not_found(client, organiser, edition, other_edition):
    elsewhere = EnrolmentFactory(edition=other_edition)
    client.force_login(organiser)

    page = client.get(reverse("cohorts:participant_profile", args=[edition.slug, elsewhere.pk]))
    change = client.post(
        reverse("cohorts:participant_transition", args=[edition.slug, elsewhere.pk]), {"to": "withdrawn"}
    )

    assert (page.status_code, change.status_code) == (404, 404)
    elsewhere.refresh_from_db()
    assert elsewhere.status == S.ADMITTED


def test_participant_page_sends_anonymous_visitors_to_log_in(client, enrolment):
    response = client.get(profile_url(enrolment))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# --- Status buttons -----------------------------------------------------------------------------------------------


def test_withdrawing_from_the_participant_page_logs_who_and_why(english, client, organiser, enrolment):
    client.force_login(organiser)

    response = client.post(transition_url(enrolment), {"to": S.WITHDRAWN, "note": "A déménagé"})

    assert response.status_code == 302
    assert response.url == profile_url(enrolment)
    enrolment.refresh_from_db()
    assert enrolment.status == S.WITHDRAWN
    assert list(enrolment.changes.values_list("old", "new", "by", "note")) == [
        (S.CANDIDATE, S.WITHDRAWN, organiser.pk, "A déménagé")
    ]
    assert messages_of(response) == ["New status: Withdrawn."]


def test_reinstating_a_withdrawn_person_needs_no_reason(client, organiser, edition):
    gone = EnrolmentFactory(edition=edition, status=S.WITHDRAWN)
    client.force_login(organiser)

    client.post(transition_url(gone), {"to": S.ADMITTED})

    gone.refresh_from_db()
    assert gone.status == S.ADMITTED
    assert list(gone.changes.values_list("old", "new")) == [(S.WITHDRAWN, S.ADMITTED)]


def test_admitting_a_candidate_by_hand_without_a_reason_changes_nothing(english, client, organiser, enrolment):
    client.force_login(organiser)

    response = client.post(transition_url(enrolment), {"to": S.ADMITTED, "note": ""})

    enrolment.refresh_from_db()
    assert enrolment.status == S.CANDIDATE
    assert not EnrolmentChange.objects.exists()
    assert messages_of(response) == ["Say why you admit this person by hand: it is kept in their history."]


@pytest.mark.parametrize(
    ("status", "to"), [(S.CANDIDATE, S.COMPLETED), (S.WITHDRAWN, S.WITHDRAWN), (S.ADMITTED, S.ACTIVE)]
)
def test_a_change_the_workflow_refuses_is_a_message_not_an_error(english, client, organiser, edition, status, to):
    enrolment = EnrolmentFactory(edition=edition, status=status)
    client.force_login(organiser)

    response = client.post(transition_url(enrolment), {"to": to})

    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == status
    assert not EnrolmentChange.objects.exists()
    assert messages_of(response) == [f"Nothing changed: the status is now “{enrolment.get_status_display()}”."]


def test_sending_the_invitation_from_the_participant_page(
    client, organiser, edition, django_capture_on_commit_callbacks
):
    admitted = EnrolmentFactory(edition=edition, status=S.ADMITTED)
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(transition_url(admitted), {"to": S.INVITED})

    admitted.refresh_from_db()
    assert admitted.status == S.INVITED
    assert [message.to for message in mail.outbox] == [[admitted.user.email]]


def test_completing_and_reopening_an_active_enrolment(client, organiser, edition):
    active = EnrolmentFactory(edition=edition, status=S.ACTIVE)
    client.force_login(organiser)

    client.post(transition_url(active), {"to": S.COMPLETED})
    client.post(transition_url(active), {"to": S.ACTIVE, "note": "Erreur"})

    assert list(active.changes.values_list("old", "new", "note")) == [
        (S.ACTIVE, S.COMPLETED, ""),
        (S.COMPLETED, S.ACTIVE, "Erreur"),
    ]


# --- My profile ---------------------------------------------------------------------------------------------------

MY_PROFILE = {
    "first_name": " Fanta ",
    "last_name": "Kéïta",
    "preferred_language": "en",
    "gender": "female",
    "country": "Mali",
    "city": "Ségou",
    "organisation": "AMRTP",
    "sector": "Gouvernement",
    "job_title": "Ingénieure",
    "phone": "+223 76 00 00 00",
}


def test_my_profile_lives_under_editions_before_the_edition_pages():
    assert reverse("cohorts:my_profile") == "/editions/mon-profil/"
    assert resolve("/editions/mon-profil/").func is profiles.my_profile


def test_anyone_logged_in_edits_their_own_profile(client, outsider):
    client.force_login(outsider)

    response = client.post(reverse("cohorts:my_profile"), MY_PROFILE)

    assert response.status_code == 302
    outsider.refresh_from_db()
    assert (outsider.first_name, outsider.last_name, outsider.preferred_language) == ("Fanta", "Kéïta", "en")
    profile = Profile.objects.get(user=outsider)
    assert (profile.gender, profile.city, profile.organisation, profile.job_title, profile.phone) == (
        "female",
        "Ségou",
        "AMRTP",
        "Ingénieure",
        "+223 76 00 00 00",
    )
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_my_profile_cannot_change_email_grade_status_or_eligibility(client, edition, enrolment):
    person = enrolment.user
    client.force_login(person)

    client.post(
        reverse("cohorts:my_profile"),
        {**MY_PROFILE, "email": "other@example.org", "grade": "20", "status": "completed", "eligible": "on"},
    )

    person.refresh_from_db()
    enrolment.refresh_from_db()
    assert person.email == "fanta@example.org"
    assert (enrolment.grade, enrolment.status, enrolment.eligible) == (Decimal("9.5"), S.CANDIDATE, False)
    assert person.profile.city == "Ségou"


def test_my_profile_needs_a_first_and_last_name(client, outsider):
    client.force_login(outsider)

    response = client.post(reverse("cohorts:my_profile"), {**MY_PROFILE, "first_name": "", "last_name": " "})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"first_name", "last_name"}
    outsider.refresh_from_db()
    assert outsider.first_name == "Aïssata"


def test_my_profile_is_prefilled_and_lists_my_editions(client, edition, enrolment):
    client.force_login(enrolment.user)

    response = client.get(reverse("cohorts:my_profile"))

    assert response.status_code == 200
    assert response.context["form"].initial["city"] == "Bamako"
    assert list(response.context["enrolments"]) == [enrolment]


def test_my_profile_sends_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("cohorts:my_profile"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
