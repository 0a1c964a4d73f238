"""The enrolment workflow: one transition function, and the named actions that call it."""

import logging

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from malisig.models import User, normalise_email, normalise_name

from ..models import Edition, Enrolment, EnrolmentChange, Profile, Role
from ..signals import enrolment_status_changed

logger = logging.getLogger(__name__)

S = Enrolment.Status
ALLOWED = {
    S.CANDIDATE: {S.ADMITTED, S.WITHDRAWN},
    S.ADMITTED: {S.INVITED, S.ACTIVE, S.WITHDRAWN},
    S.INVITED: {S.ACTIVE, S.WITHDRAWN},
    S.ACTIVE: {S.COMPLETED, S.WITHDRAWN},
    S.WITHDRAWN: {S.ADMITTED},
    S.COMPLETED: {S.ACTIVE},
}


class InvalidTransition(Exception):
    def __init__(self, old: str, new: str):
        super().__init__(f"{old} → {new}")
        self.old, self.new = old, new


@transaction.atomic
def transition_enrolment(enrolment: Enrolment, to: str, *, by: User | None, note: str = "") -> Enrolment:
    """Lock the row, check ALLOWED, write an EnrolmentChange, save. The only writer of `status`."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if to not in ALLOWED.get(enrolment.status, ()):
        raise InvalidTransition(enrolment.status, to)
    old = enrolment.status
    EnrolmentChange.objects.create(enrolment=enrolment, old=old, new=to, by=by, note=note[:300])
    enrolment.status = to
    enrolment.save(update_fields=["status", "updated_at"])
    enrolment_status_changed.send(sender=Enrolment, enrolment=enrolment, old=old, by=by)
    return enrolment


def available_transitions(enrolment: Enrolment) -> set[str]:
    return set(ALLOWED.get(enrolment.status, ()))


def _require_manager(edition: Edition, by: User | None) -> None:
    if by is not None and not by.has_perm("cohorts.manage_edition", edition):
        raise PermissionDenied


def admit_by_hand(enrolment: Enrolment, *, by: User, reason: str) -> Enrolment:
    """An organiser admits someone the course results did not make eligible; the reason is logged."""
    _require_manager(enrolment.edition, by)
    if not reason.strip():
        raise ValueError("A reason is required to admit someone by hand")
    return transition_enrolment(enrolment, S.ADMITTED, by=by, note=reason.strip())


def withdraw(enrolment: Enrolment, *, by: User, reason: str = "") -> Enrolment:
    _require_manager(enrolment.edition, by)
    return transition_enrolment(enrolment, S.WITHDRAWN, by=by, note=reason)


def reinstate(enrolment: Enrolment, *, by: User, reason: str = "") -> Enrolment:
    _require_manager(enrolment.edition, by)
    return transition_enrolment(enrolment, S.ADMITTED, by=by, note=reason)


def person_for_email(email: str, *, first_name: str = "", last_name: str = "") -> User:
    """The account for this email, created without a usable password when new (it is set on invitation)."""
    email = normalise_email(email)
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email, password=None, first_name=normalise_name(first_name), last_name=normalise_name(last_name)
            )
    except IntegrityError:
        # Created by another request at the same moment: the database's unique email decided.
        return User.objects.get(email__iexact=email)


PROFILE_FIELDS = ("gender", "country", "city", "organisation", "sector", "job_title", "phone")


@transaction.atomic
def add_participant(edition: Edition, *, by: User | None, email: str, first_name: str, last_name: str, **profile):
    """Enrol one person by hand, admitted. Writes: User (if new), Profile, Enrolment, EnrolmentChange.

    Returns (enrolment, created); an existing enrolment is returned untouched.
    """
    _require_manager(edition, by)
    user = person_for_email(email, first_name=first_name, last_name=last_name)
    values = {field: profile[field] for field in PROFILE_FIELDS if profile.get(field)}
    if values:
        Profile.objects.update_or_create(user=user, defaults=values)
    enrolment, created = Enrolment.objects.get_or_create(
        edition=edition, user=user, defaults={"status": S.ADMITTED, "eligible": True}
    )
    if created:
        EnrolmentChange.objects.create(
            enrolment=enrolment, old=S.CANDIDATE, new=S.ADMITTED, by=by, note=str(_("Added by hand"))
        )
    return enrolment, created


INVITABLE = {S.ADMITTED, S.INVITED}


def invite_participants(edition: Edition, enrolment_ids: list[int], *, by: User) -> int:
    """Invite admitted people (or send a new link to invited ones) in the background.

    Permission: manage the edition. After commit: a Celery task sends each invitation.
    Returns how many enrolments will be invited.
    """
    _require_manager(edition, by)
    ids = list(
        Enrolment.objects.filter(edition=edition, pk__in=enrolment_ids, status__in=INVITABLE).values_list(
            "pk", flat=True
        )
    )
    if ids:
        from ..tasks import invite_participants_task

        transaction.on_commit(lambda: invite_participants_task.enqueue(enrolment_ids=ids, by_id=by.pk))
    return len(ids)


def invite_enrolment(enrolment: Enrolment, *, by: User | None) -> None:
    """One participant's invitation: the link by email, and the enrolment marked invited."""
    from .invitations import invite

    user = enrolment.user
    invite(
        enrolment.edition,
        user.email,
        Role.PARTICIPANT,
        by=None,  # permission was checked when the batch was queued
        first_name=user.first_name,
        last_name=user.last_name,
        language=user.preferred_language,
    )
    if enrolment.status == S.ADMITTED:
        transition_enrolment(enrolment, S.INVITED, by=by, note=str(_("Invitation sent")))


def activate_enrolment(edition: Edition, user: User) -> Enrolment:
    """The participant accepted their invitation: enrolled and active (created if invited directly)."""
    enrolment, created = Enrolment.objects.get_or_create(
        edition=edition, user=user, defaults={"status": S.ACTIVE, "eligible": True}
    )
    if created:
        EnrolmentChange.objects.create(
            enrolment=enrolment, old=S.CANDIDATE, new=S.ACTIVE, by=user, note=str(_("Invitation accepted"))
        )
    elif S.ACTIVE in available_transitions(enrolment):
        transition_enrolment(enrolment, S.ACTIVE, by=user, note=str(_("Invitation accepted")))
    return enrolment
