"""groups listens to cohorts: when an edition's settings are copied, its stakeholder types come along."""

from django.db import transaction
from django.dispatch import receiver

from cohorts.signals import edition_copied

from .models import StakeholderType

STAKEHOLDER_FIELDS = ("code", "name_fr", "name_en", "brief_fr", "brief_en", "position")


@receiver(edition_copied, dispatch_uid="groups.copy_stakeholder_types")
def copy_stakeholder_types(sender, *, source, target, by=None, **kwargs) -> None:
    """Idempotent: types whose code the new edition already has are left alone."""
    existing = set(StakeholderType.objects.filter(edition=target).values_list("code", flat=True))
    with transaction.atomic():
        StakeholderType.objects.bulk_create(
            StakeholderType(edition=target, **{name: getattr(kind, name) for name in STAKEHOLDER_FIELDS})
            for kind in StakeholderType.objects.filter(edition=source).exclude(code__in=existing)
        )
