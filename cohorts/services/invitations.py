"""Every write about editions, roles and invitations. Views call these; nothing else writes roles."""

import logging

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from malisig.models import User, normalise_email, normalise_name

from ..models import Edition, EditionRole, Invitation, Role, new_token_nonce
from .editions import grant_role

logger = logging.getLogger(__name__)

INVITATION_SALT = "cohorts.invitation"


class InvitationProblem(Exception):
    """Why an invitation link cannot be used; `invitation` is known unless the link was tampered with."""

    def __init__(self, reason: str, message: str, invitation: Invitation | None = None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.invitation = invitation


class AlreadyHoldsRole(Exception):
    """The invited email already holds this role in the edition."""


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.token_nonce}, salt=INVITATION_SALT, compress=True)


@transaction.atomic
def invite(
    edition: Edition,
    email: str,
    role: str,
    *,
    by: User | None,
    first_name: str = "",
    last_name: str = "",
    language: str | None = None,
) -> Invitation:
    """Invite an email to a role, or refresh its open invitation with a new link and expiry.

    Permission: `by` must be allowed to invite (None means the platform itself, e.g. a command).
    Refused with AlreadyHoldsRole when the person already holds the role.
    Writes: one Invitation row. After commit: the invitation email (Celery).
    """
    if by is not None and not by.has_perm("cohorts.invite_to_edition", edition):
        raise PermissionDenied
    email = normalise_email(email)
    if EditionRole.objects.filter(edition=edition, user__email__iexact=email, role=role).exists():
        raise AlreadyHoldsRole(email)
    open_invitation = (
        Invitation.objects.select_for_update()
        .filter(edition=edition, email__iexact=email, role=role, accepted_at=None, revoked_at=None)
        .first()
    )
    invitation = open_invitation or Invitation(edition=edition, email=email, role=role)
    invitation.first_name = normalise_name(first_name) or invitation.first_name
    invitation.last_name = normalise_name(last_name) or invitation.last_name
    invitation.language = language or invitation.language
    invitation.invited_by = by or invitation.invited_by
    invitation.token_nonce = new_token_nonce()
    invitation.expires_at = Invitation.default_expiry()
    invitation.sent_at = None
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        # Two organisers invited the same person at once: the other one's invitation stands.
        invitation = Invitation.objects.get(
            edition=edition, email__iexact=email, role=role, accepted_at=None, revoked_at=None
        )
    queue_invitation_email(invitation)
    logger.info("Invitation %s: %s invited as %s to %s", invitation.pk, email, role, edition.slug)
    return invitation


def queue_invitation_email(invitation: Invitation) -> None:
    from ..tasks import send_invitation_email_task

    nonce = invitation.token_nonce
    transaction.on_commit(lambda: send_invitation_email_task.enqueue(invitation_id=invitation.pk, nonce=nonce))


def read_invitation_token(token: str) -> Invitation:
    """The invitation a link stands for, or InvitationProblem saying why it cannot be used."""
    try:
        payload = signing.loads(token, salt=INVITATION_SALT)
        invitation = Invitation.objects.select_related("edition").get(pk=payload["i"])
    except (signing.BadSignature, KeyError, TypeError, Invitation.DoesNotExist):
        raise InvitationProblem(
            "invalid", _("This invitation link is not valid. Copy the whole link from the email.")
        ) from None
    if invitation.token_nonce != payload.get("n"):
        raise InvitationProblem(
            "replaced", _("A newer invitation link was sent to you: use the most recent email."), invitation
        )
    if invitation.status == Invitation.Status.ACCEPTED:
        raise InvitationProblem("used", _("This invitation link has already been used."), invitation)
    if invitation.status == Invitation.Status.REVOKED:
        raise InvitationProblem("revoked", _("This invitation was withdrawn by the organisers."), invitation)
    if invitation.status == Invitation.Status.EXPIRED:
        raise InvitationProblem("expired", _("This invitation link has expired."), invitation)
    return invitation


@transaction.atomic
def accept_invitation(token: str, user: User) -> Invitation:
    """Grant the invited role to `user` and use up the link.

    The row is locked so that a double click or two tabs grant the role once.
    Writes: Invitation.accepted_at/by, one EditionRole, the email marked verified (the link proved it).
    """
    invitation = read_invitation_token(token)
    invitation = Invitation.objects.select_for_update().select_related("edition").get(pk=invitation.pk)
    if invitation.accepted_at:
        raise InvitationProblem("used", _("This invitation link has already been used."), invitation)
    if normalise_email(user.email) != normalise_email(invitation.email):
        raise InvitationProblem(
            "other_account",
            _("This invitation was sent to another email address. Log out, then open the link again."),
            invitation,
        )
    grant_role(invitation.edition, user, invitation.role, by=invitation.invited_by)
    if invitation.role == Role.PARTICIPANT:
        from .enrolment import activate_enrolment

        activate_enrolment(invitation.edition, user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    mark_email_verified(user)
    logger.info("Invitation %s accepted by user %s", invitation.pk, user.pk)
    return invitation


def account_waiting_for_password(email: str) -> User | None:
    """An account created for someone (by an import or by hand) who has never set a password."""
    user = User.objects.filter(email__iexact=email).first()
    return user if user is not None and not user.has_usable_password() else None


def must_log_in_to_accept(invitation: Invitation) -> bool:
    """The invited email already has an account with a password: its owner logs in to accept."""
    return (
        User.objects.filter(email__iexact=invitation.email)
        .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .exists()
    )


@transaction.atomic
def create_account_from_invitation(token: str, *, first_name: str, last_name: str, password: str) -> User:
    """A person follows their link and chooses a password, then accepts.

    Writes: User (created, or completed when an import created it without password), EmailAddress, role.
    """
    invitation = read_invitation_token(token)
    if must_log_in_to_accept(invitation):
        raise InvitationProblem(
            "account_exists", _("An account already exists for this email: log in to accept."), invitation
        )
    user = account_waiting_for_password(invitation.email) or User(email=invitation.email)
    user.first_name = normalise_name(first_name)
    user.last_name = normalise_name(last_name)
    user.preferred_language = invitation.language
    user.set_password(password)
    user.save()
    accept_invitation(token, user)
    return user


def mark_email_verified(user: User) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email__iexact=user.email, defaults={"email": user.email, "verified": True, "primary": True}
    )


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, by: User) -> Invitation:
    """Withdraw an open invitation; its link stops working. Writes: Invitation.revoked_at."""
    if not by.has_perm("cohorts.invite_to_edition", invitation.edition):
        raise PermissionDenied
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


RENEWAL_REQUEST_INTERVAL = timezone.timedelta(hours=1)


@transaction.atomic
def request_new_invitation(invitation: Invitation) -> bool:
    """The invitee asks for a fresh link; the edition's organisers are told, at most once an hour.

    Writes: Invitation.renewal_requested_at. After commit: one email to the organisers.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    now = timezone.now()
    if invitation.renewal_requested_at and now - invitation.renewal_requested_at < RENEWAL_REQUEST_INTERVAL:
        return False
    invitation.renewal_requested_at = now
    invitation.save(update_fields=["renewal_requested_at"])
    from ..tasks import notify_renewal_request_task

    transaction.on_commit(lambda: notify_renewal_request_task.enqueue(invitation_id=invitation.pk))
    return True


INVITATION_FILTERS = ("waiting", "accepted", "revoked", "all")


def invitations_to_show(edition: Edition, shown: str):
    """The invitations list: by default those not accepted yet (pending or expired), newest first."""
    invitations = edition.invitations.all()
    if shown == "accepted":
        return invitations.exclude(accepted_at=None)
    if shown == "revoked":
        return invitations.exclude(revoked_at=None)
    if shown == "all":
        return invitations
    return invitations.filter(accepted_at=None, revoked_at=None)
