import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from cohorts import services
from cohorts.models import EditionRole, Invitation, Role
from malisig.models import User
from tests.conftest import speak
from tests.factories import PASSWORD, InvitationFactory, UserFactory

# Real commits, so that emails queued with transaction.on_commit are sent as in production.
pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Bamako-2023-shutdowns"


def link_in(message) -> str:
    return re.search(r"http://testserver(/\S+)", message.body).group(1)


def accept_form(first_name="Aïssata", last_name="N'Diaye"):
    return {"first_name": first_name, "last_name": last_name, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}


def test_organiser_invites_an_email_and_it_receives_a_link(client, organiser, edition):
    client.force_login(organiser)

    response = client.post(
        reverse("cohorts:invitation_create", args=[edition.slug]),
        {"email": " Awa.Diarra@Example.org ", "role": Role.JUROR, "language": "en", "first_name": "Awa"},
    )

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == ("awa.diarra@example.org", "juror", organiser)
    assert invitation.sent_at is not None
    assert [message.to for message in mail.outbox] == [["awa.diarra@example.org"]]
    assert mail.outbox[0].subject == f"Your invitation to {edition.title}"
    assert "/editions/invitation/" in link_in(mail.outbox[0])


def test_a_new_person_follows_the_link_sets_a_password_and_lands_on_the_edition_with_the_role(client, edition):
    services.invite(edition, "new@example.org", Role.PARTICIPANT, by=None)
    link = link_in(mail.outbox[0])

    response = client.post(link, accept_form())

    assert response.status_code == 302
    assert response.url == edition.get_absolute_url()
    user = User.objects.get(email="new@example.org")
    assert user.get_full_name() == "Aïssata N'Diaye"
    assert user.check_password(NEW_PASSWORD)
    assert EditionRole.objects.filter(edition=edition, user=user, role=Role.PARTICIPANT).exists()
    assert client.get(edition.get_absolute_url()).status_code == 200
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.get(user=user).verified


def test_a_weak_password_is_refused_next_to_the_field_and_nothing_is_created(english, client, edition):
    services.invite(edition, "new@example.org", Role.PARTICIPANT, by=None)

    response = client.post(
        link_in(mail.outbox[0]), {"first_name": "Awa", "last_name": "Diarra", "password1": "123", "password2": "123"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["password2"]
    assert not User.objects.filter(email="new@example.org").exists()


def test_an_existing_account_is_asked_to_log_in_then_accepts(client, edition):
    person = UserFactory(email="alumnus@example.org")
    services.invite(edition, "alumnus@example.org", Role.JUROR, by=None)
    link = link_in(mail.outbox[0])

    anonymous_page = client.get(link)
    client.force_login(person)
    response = client.post(link)

    assert "cohorts/invitation_login.html" in [template.name for template in anonymous_page.templates]
    assert response.status_code == 302
    assert EditionRole.objects.filter(edition=edition, user=person, role=Role.JUROR).exists()


def test_an_alumnus_can_be_juror_next_year(participant, edition, other_edition):
    services.invite(other_edition, participant.email, Role.JUROR, by=None)
    token = services.invitation_token(Invitation.objects.get())

    services.accept_invitation(token, participant)

    roles = set(EditionRole.objects.filter(user=participant).values_list("edition__slug", "role"))
    assert roles == {(edition.slug, Role.PARTICIPANT), (other_edition.slug, Role.JUROR)}


def test_a_used_link_shows_a_clear_page_and_grants_nothing_more(client, edition):
    services.invite(edition, "new@example.org", Role.PARTICIPANT, by=None)
    link = link_in(mail.outbox[0])
    client.post(link, accept_form())
    client.logout()
    speak(client, "en")

    response = client.post(link, accept_form())

    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert EditionRole.objects.filter(edition=edition).count() == 1


def test_an_expired_link_offers_to_ask_for_a_new_one_and_grants_nothing(client, edition):
    invitation = InvitationFactory(edition=edition, expires_at=timezone.now() - timedelta(minutes=1))
    token = services.invitation_token(invitation)

    response = client.post(reverse("cohorts:invitation_accept", args=[token]), accept_form())

    assert response.status_code == 410
    assert response.context["problem"].reason == "expired"
    assert reverse("cohorts:invitation_renewal", args=[token]) in response.content.decode()
    assert not User.objects.filter(email=invitation.email).exists()


def test_a_tampered_link_is_refused(client, edition):
    invitation = InvitationFactory(edition=edition)
    token = services.invitation_token(invitation)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

    response = client.post(reverse("cohorts:invitation_accept", args=[tampered]), accept_form())

    assert response.status_code == 410
    assert response.context["problem"].reason == "invalid"
    assert not User.objects.filter(email=invitation.email).exists()


def test_a_link_replaced_by_a_newer_one_no_longer_works(client, organiser, edition):
    first = services.invite(edition, "new@example.org", Role.PARTICIPANT, by=organiser)
    old_token = services.invitation_token(first)

    services.invite(edition, "new@example.org", Role.PARTICIPANT, by=organiser)
    response = client.get(reverse("cohorts:invitation_accept", args=[old_token]))

    assert response.context["problem"].reason == "replaced"
    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 2


def test_a_withdrawn_invitation_no_longer_works(client, organiser, edition):
    invitation = services.invite(edition, "new@example.org", Role.PARTICIPANT, by=organiser)
    client.force_login(organiser)

    client.post(reverse("cohorts:invitation_action", args=[edition.slug]), {"revoke": invitation.pk})
    client.logout()
    response = client.get(reverse("cohorts:invitation_accept", args=[services.invitation_token(invitation)]))

    assert response.context["problem"].reason == "revoked"


def test_a_link_opened_while_logged_in_as_someone_else_grants_nothing(client, participant, edition):
    services.invite(edition, "someone.else@example.org", Role.JUROR, by=None)
    client.force_login(participant)

    response = client.post(link_in(mail.outbox[0]))

    assert response.context["problem"].reason == "other_account"
    assert not EditionRole.objects.filter(user=participant, role=Role.JUROR).exists()


def test_asking_for_a_new_link_tells_the_organisers_once_an_hour(client, organiser, edition):
    invitation = InvitationFactory(edition=edition, expires_at=timezone.now() - timedelta(days=1))
    renewal = reverse("cohorts:invitation_renewal", args=[services.invitation_token(invitation)])

    client.post(renewal)
    client.post(renewal)

    assert [message.to for message in mail.outbox] == [[organiser.email]]
    assert invitation.email in mail.outbox[0].subject
    invitation.refresh_from_db()
    assert invitation.renewal_requested_at is not None


def test_a_double_click_on_accept_grants_the_role_once(participant, edition):
    services.invite(edition, participant.email, Role.JUROR, by=None)
    token = services.invitation_token(Invitation.objects.get())
    services.accept_invitation(token, participant)

    with pytest.raises(services.InvitationProblem):
        services.accept_invitation(token, participant)

    assert EditionRole.objects.filter(user=participant, role=Role.JUROR).count() == 1


def test_the_invitation_email_is_sent_once_even_if_the_task_runs_twice(edition):
    from cohorts.tasks import send_invitation_email_task

    invitation = services.invite(edition, "new@example.org", Role.PARTICIPANT, by=None)

    rerun = send_invitation_email_task(invitation_id=invitation.pk, nonce=invitation.token_nonce)

    assert rerun is False
    assert len(mail.outbox) == 1


def test_the_invitation_email_is_written_in_the_invitees_language(edition):
    services.invite(edition, "fr@example.org", Role.PARTICIPANT, by=None, language="fr", first_name="Sékou")

    assert mail.outbox[0].subject == f"Votre invitation à {edition.title}"
    assert mail.outbox[0].body.startswith("Bonjour Sékou,")


@pytest.mark.parametrize("persona", ["participant", "juror", "jury_chair", "other_organiser", "outsider"])
def test_only_organisers_and_staff_may_invite(client, edition, persona, request):
    client.force_login(request.getfixturevalue(persona))
    list_url = reverse("cohorts:invitation_list", args=[edition.slug])
    create_url = reverse("cohorts:invitation_create", args=[edition.slug])

    list_response = client.get(list_url)
    form_response = client.get(create_url)
    post_response = client.post(create_url, {"email": "x@example.org", "role": Role.ORGANISER, "language": "fr"})

    assert (list_response.status_code, form_response.status_code, post_response.status_code) == (403, 403, 403)
    assert not Invitation.objects.exists()


def test_staff_may_invite_in_any_edition(client, staff, edition):
    client.force_login(staff)

    client.post(
        reverse("cohorts:invitation_create", args=[edition.slug]),
        {"email": "x@example.org", "role": Role.ORGANISER, "language": "fr"},
    )

    assert Invitation.objects.filter(edition=edition, role=Role.ORGANISER).exists()


def test_the_invite_service_itself_refuses_a_user_without_the_right(participant, edition):
    with pytest.raises(PermissionDenied):
        services.invite(edition, "x@example.org", Role.ORGANISER, by=participant)


def test_an_organiser_cannot_resend_or_withdraw_another_editions_invitation(client, other_organiser, edition):
    invitation = InvitationFactory(edition=edition)
    client.force_login(other_organiser)

    resend = client.post(reverse("cohorts:invitation_action", args=[edition.slug]), {"resend": invitation.pk})
    revoke = client.post(reverse("cohorts:invitation_action", args=[edition.slug]), {"revoke": invitation.pk})
    crossed = client.post(reverse("cohorts:invitation_action", args=["malisig-2022"]), {"revoke": invitation.pk})

    assert (resend.status_code, revoke.status_code, crossed.status_code) == (403, 403, 404)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_the_invitation_list_makes_the_same_number_of_queries_for_1_or_30_invitations(
    client, organiser, edition, django_assert_max_num_queries
):
    client.force_login(organiser)
    url = reverse("cohorts:invitation_list", args=[edition.slug])
    InvitationFactory(edition=edition)
    with django_assert_max_num_queries(12) as few:
        client.get(url)

    InvitationFactory.create_batch(29, edition=edition)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)

    assert len(response.context["page"]) == 25
    assert response.context["page"].paginator.count == 30


def test_the_invitation_list_shows_who_has_not_accepted_by_default(client, organiser, edition):
    waiting = InvitationFactory(edition=edition)
    InvitationFactory(edition=edition, accepted_at=timezone.now())
    client.force_login(organiser)
    url = reverse("cohorts:invitation_list", args=[edition.slug])

    default = client.get(url)
    everything = client.get(url, {"show": "all"})

    assert list(default.context["page"]) == [waiting]
    assert everything.context["page"].paginator.count == 2


def test_login_redirect_from_an_invitation_keeps_the_link(client, edition):
    UserFactory(email="alumnus@example.org")
    services.invite(edition, "alumnus@example.org", Role.JUROR, by=None)
    link = link_in(mail.outbox[0])

    response = client.post(f"/comptes/login/?next={link}", {"login": "alumnus@example.org", "password": PASSWORD})

    assert response.url == link


def test_inviting_someone_to_a_role_they_already_hold_is_refused_next_to_the_email(
    english, client, organiser, juror, edition
):
    client.force_login(organiser)

    response = client.post(
        reverse("cohorts:invitation_create", args=[edition.slug]),
        {"email": juror.email.upper(), "role": Role.JUROR, "language": "en"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["This person already holds this role in the edition."]
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_the_person_who_accepted_opening_the_link_again_is_taken_to_the_edition(client, edition):
    services.invite(edition, "new@example.org", Role.PARTICIPANT, by=None)
    link = link_in(mail.outbox[0])
    client.post(link, accept_form())

    response = client.get(link)

    assert response.status_code == 302
    assert response.url == edition.get_absolute_url()


def test_an_anonymous_visitor_of_a_used_link_whose_account_was_deleted_gets_the_clear_page(client, edition):
    services.invite(edition, "gone@example.org", Role.PARTICIPANT, by=None)
    link = link_in(mail.outbox[0])
    client.post(link, accept_form())
    User.objects.filter(email="gone@example.org").delete()
    client.logout()

    response = client.get(link)

    assert response.status_code == 410
    assert response.context["problem"].reason == "used"


def test_an_organiser_sends_a_new_link_from_the_table(client, organiser, edition):
    invitation = services.invite(edition, "late@example.org", Role.PARTICIPANT, by=organiser)
    old_token = services.invitation_token(invitation)
    client.force_login(organiser)

    response = client.post(reverse("cohorts:invitation_action", args=[edition.slug]), {"resend": invitation.pk})

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert services.invitation_token(invitation) != old_token
    assert len(mail.outbox) == 2


def test_a_tampered_invitation_id_in_the_table_is_not_found(client, organiser, edition, other_edition):
    elsewhere = InvitationFactory(edition=other_edition)
    client.force_login(organiser)

    response = client.post(reverse("cohorts:invitation_action", args=[edition.slug]), {"revoke": elsewhere.pk})

    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.revoked_at is None
