"""The audit log's hook for the writes that send no model signal (kept by the top floor, cockpit).

django-auditlog sees a row's save() and delete(), not a queryset update() nor a bulk_create(). A service that does
a key organiser or jury action that way announces it here; cockpit.receivers writes the entries. cohorts, groups and
submissions send it without importing cockpit (ARCHITECTURE: arrows go one way).

action_written
    sender: the model class; keyword arguments `instances` (the rows as written), `action` ("create", "update" or
    "delete"), `by` (the User, or None for the system) and `changes` ({field name: (before, after)}, the same for
    every row; None for a create, whose kept fields are read from each row).
"""

from collections.abc import Iterable

from django.db import models
from django.dispatch import Signal

action_written = Signal()


def announce(model: type[models.Model], instances: Iterable[models.Model], *, action: str, by, changes=None) -> None:
    """Tell the audit log about a write that sent no model signal (see the module's docstring)."""
    instances = list(instances)
    if instances:
        action_written.send(sender=model, instances=instances, action=action, by=by, changes=changes)
