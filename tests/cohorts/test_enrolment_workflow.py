import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from cohorts import services
from cohorts.models import EditionRole, Enrolment, EnrolmentChange, Role
from malisig.models import User
from tests.factories import EnrolmentFactory

S = Enrolment.Status
ALL_STATES = list(S)


@pytest.mark.parametrize("old", ALL_STATES)
@pytest.mark.parametrize("new", ALL_STATES)
def test_only_allowed_transitions_happen_and_each_is_logged(old, new, edition, organiser):
    enrolment = EnrolmentFactory(edition=edition, status=old)
    allowed = new in services.available_transitions(enrolment)

    if allowed:
        services.transition_enrolment(enrolment, new, by=organiser, note="why")
    else:
        with pytest.raises(services.InvalidTransition):
            services.transition_enrolment(enrolment, new, by=organiser)

    enrolment.refresh_from_db()
    assert enrolment.status == (new if allowed else old)
    logged = list(EnrolmentChange.objects.values_list("old", "new", "by", "note"))
    assert logged == ([(old, new, organiser.pk, "why")] if allowed else [])


def test_an_organiser_admits_a_not_eligible_person_by_hand_with_a_reason(edition, organiser):
    enrolment = EnrolmentFactory(edition=edition, status=S.CANDIDATE, eligible=False)

    services.admit_by_hand(enrolment, by=organiser, reason="Certificate shown in person")

    enrolment.refresh_from_db()
    assert enrolment.status == S.ADMITTED
    assert enrolment.changes.get().note == "Certificate shown in person"


def test_admitting_by_hand_needs_a_reason(edition, organiser):
    enrolment = EnrolmentFactory(edition=edition, status=S.CANDIDATE)

    with pytest.raises(ValueError):
        services.admit_by_hand(enrolment, by=organiser, reason="  ")


@pytest.mark.parametrize("persona", ["participant", "juror", "other_organiser"])
def test_only_the_editions_organisers_change_enrolments(edition, persona, request):
    enrolment = EnrolmentFactory(edition=edition, status=S.CANDIDATE)

    with pytest.raises(PermissionDenied):
        services.admit_by_hand(enrolment, by=request.getfixturevalue(persona), reason="because")


def test_adding_a_participant_by_hand_creates_an_account_without_password_and_admits(edition, organiser):
    enrolment, created = services.add_participant(
        edition, by=organiser, email=" Awa.Keita@Example.org", first_name="Awa", last_name="Kéïta", country="Mali"
    )

    assert created
    assert enrolment.status == S.ADMITTED
    user = User.objects.get(email="awa.keita@example.org")
    assert not user.has_usable_password()
    assert user.profile.country == "Mali"


def test_adding_the_same_person_twice_keeps_one_enrolment(edition, organiser):
    services.add_participant(edition, by=organiser, email="awa@example.org", first_name="Awa", last_name="Keïta")

    _enrolment, created = services.add_participant(
        edition, by=organiser, email="AWA@example.org", first_name="Awa", last_name="Keïta"
    )

    assert not created
    assert Enrolment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_inviting_admitted_people_emails_each_link_and_marks_them_invited(edition, organiser):
    first = EnrolmentFactory(edition=edition, status=S.ADMITTED)
    second = EnrolmentFactory(edition=edition, status=S.ADMITTED)
    not_admitted = EnrolmentFactory(edition=edition, status=S.CANDIDATE)

    count = services.invite_participants(edition, [first.pk, second.pk, not_admitted.pk], by=organiser)

    assert count == 2
    assert sorted(message.to[0] for message in mail.outbox) == sorted([first.user.email, second.user.email])
    assert set(Enrolment.objects.values_list("status", flat=True)) == {S.INVITED, S.CANDIDATE}


@pytest.mark.django_db(transaction=True)
def test_an_imported_person_sets_a_password_from_the_link_and_becomes_active(client, edition, organiser):
    enrolment, _created = services.add_participant(
        edition, by=organiser, email="sekou@example.org", first_name="Sékou", last_name="Traoré"
    )
    services.invite_participants(edition, [enrolment.pk], by=organiser)
    link = re.search(r"http://testserver(/\S+)", mail.outbox[0].body).group(1)

    page = client.get(link)
    response = client.post(
        link,
        {"first_name": "Sékou", "last_name": "Traoré", "password1": "Djoliba-1960!", "password2": "Djoliba-1960!"},
    )

    assert "form" in page.context  # a password form, not "log in to accept"
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == S.ACTIVE
    assert EditionRole.objects.filter(edition=edition, user=enrolment.user, role=Role.PARTICIPANT).exists()
    assert User.objects.get(email="sekou@example.org").check_password("Djoliba-1960!")
    assert list(enrolment.changes.values_list("new", flat=True)) == [S.ADMITTED, S.INVITED, S.ACTIVE]


def test_a_participant_invited_directly_gets_an_active_enrolment(edition, participant):
    invitation = services.invite(edition, "direct@example.org", Role.PARTICIPANT, by=None)
    user = User.objects.create_user("direct@example.org", "x-Long-Passw0rd")

    services.accept_invitation(services.invitation_token(invitation), user)

    assert Enrolment.objects.get(user=user).status == S.ACTIVE
