"""groups listens to cohorts: copied settings bring the stakeholder types along; a withdrawal empties a seat."""

from django.db import transaction
from django.dispatch import receiver

from cohorts.models import Enrolment
from cohorts.signals import edition_copied, enrolment_status_changed

from .models import Membership, PlacementChange, StakeholderType

STAKEHOLDER_FIELDS = ("code", "name_fr", "name_en", "brief_fr", "brief_en", "sectors", "position")


@receiver(edition_copied, dispatch_uid="groups.copy_stakeholder_types")
def copy_stakeholder_types(sender, *, source, target, by=None, **kwargs) -> None:
    """Idempotent: types whose code the new edition already has are left alone."""
    existing = set(StakeholderType.objects.filter(edition=target).values_list("code", flat=True))
    with transaction.atomic():
        StakeholderType.objects.bulk_create(
            StakeholderType(edition=target, **{name: getattr(kind, name) for name in STAKEHOLDER_FIELDS})
            for kind in StakeholderType.objects.filter(edition=source).exclude(code__in=existing)
        )


@receiver(enrolment_status_changed, dispatch_uid="groups.withdrawn_leave_their_group")
def withdrawn_leave_their_group(sender, *, enrolment, old, by=None, **kwargs) -> None:
    """Someone who withdraws leaves their group, with a trail; reinstated, they come back unassigned."""
    if enrolment.status != Enrolment.Status.WITHDRAWN:
        return
    membership = Membership.objects.filter(edition_id=enrolment.edition_id, user_id=enrolment.user_id).first()
    if membership is None:
        return
    PlacementChange.objects.create(
        edition_id=enrolment.edition_id,
        user_id=enrolment.user_id,
        from_group_id=membership.group_id,
        by=by,
        note="withdrawn",
    )
    membership.delete()
