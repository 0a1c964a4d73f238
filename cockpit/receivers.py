"""Signal receivers of the cockpit: the audit log's registrations and edition tagging (cockpit.audit)."""

from auditlog.models import LogEntry
from auditlog.signals import post_log, pre_log
from django.db.models.signals import pre_save

from malisig.audit import action_written

from . import audit
from .services import dashboard  # noqa: F401 - connects the dashboard cache's invalidation receivers

audit.register_all()

pre_log.connect(audit.remember_edition, dispatch_uid="cockpit.audit.remember_edition")
post_log.connect(audit.forget_edition, dispatch_uid="cockpit.audit.forget_edition")
pre_save.connect(audit.tag_entry, sender=LogEntry, dispatch_uid="cockpit.audit.tag_entry")
action_written.connect(audit.log_written, dispatch_uid="cockpit.audit.log_written")
