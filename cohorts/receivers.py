"""cohorts listens to its own models: a write of an enrolment, a profile or an attendance session makes the roster's
cached facts stale.

Bulk writes (bulk_create, update(), raw SQL) send no signal: their writers call roster_facts_changed() themselves
(services.roster_facts).
"""

import logging

from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from .models import AttendanceEvent, Enrolment, Profile
from .services.roster_facts import roster_facts_changed

logger = logging.getLogger(__name__)


@receiver(post_save, sender=Enrolment, dispatch_uid="cohorts.roster_facts.enrolment_saved")
@receiver(post_delete, sender=Enrolment, dispatch_uid="cohorts.roster_facts.enrolment_deleted")
@receiver(post_save, sender=Profile, dispatch_uid="cohorts.roster_facts.profile_saved")
@receiver(post_delete, sender=Profile, dispatch_uid="cohorts.roster_facts.profile_deleted")
@receiver(post_save, sender=AttendanceEvent, dispatch_uid="cohorts.roster_facts.session_saved")
@receiver(post_delete, sender=AttendanceEvent, dispatch_uid="cohorts.roster_facts.session_deleted")
def forget_roster_facts(sender, *, using, **kwargs) -> None:
    """Statuses, people, countries or session dates may have changed (services.roster_facts)."""
    roster_facts_changed(using)


@receiver(post_migrate, dispatch_uid="cohorts.roster_facts.migrated")
def forget_roster_facts_after_migrating(sender, *, using, **kwargs) -> None:
    """A data migration writes without signals. The cache may not answer while deploying: that must not stop it."""
    try:
        roster_facts_changed(using)
    except Exception:
        logger.warning("The roster's cached facts could not be forgotten after migrating", exc_info=True)
