"""The audit log of organiser and jury actions (django-auditlog): which models and fields it keeps, the edition each
entry belongs to, the writes that send no model signal, and what the journal page reads.

What is kept: who (the request's user, through auditlog.middleware.AuditlogMiddleware; none for the system, e.g. a
Celery task), what (the object's type and its text when written), when, and before → after for the key fields listed
in TRACKED below. Private texts (section texts, review comments and notes, the chair's messages, a juror's reason
for a conflict) are never listed, so never kept.

Every entry carries its edition in `additional_data` ({"edition": id}) so the journal can show one edition's
entries: `edition_id_of` finds it from the instance, through its cached relations when it can (no query), else with
one query. A queryset update() or a bulk_create() sends no model signal: the services announce those key actions
through malisig.audit.action_written, and `log_written` (connected in cockpit.receivers) writes their entries.
"""

import contextvars
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from auditlog.cid import get_cid
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from dateutil import parser as date_parser
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.encoding import smart_str
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)

# {"app_label.Model": fields kept (empty: every field but those in UNTRACKED)}. Order: the journal's type filter.
TRACKED: dict[str, list[str]] = {
    "cohorts.Edition": ["title", "status", "starts_on", "ends_on", "capacity", "pass_mark", "completion_required"],
    "cohorts.Enrolment": ["status", "eligible", "grade", "completed_course"],
    "cohorts.EditionRole": ["user", "role"],
    "cohorts.Invitation": ["email", "role", "expires_at", "accepted_at", "revoked_at"],
    "groups.Group": ["name", "stakeholder_type", "mentor", "max_size"],
    "groups.Membership": ["user", "group", "group_role"],
    "groups.Formation": ["published_at"],
    "submissions.AssignmentSettings": ["opens_at", "deadline", "late_policy", "late_cutoff", "members_confirm"],
    "submissions.Extension": ["group", "deadline", "reason"],
    "submissions.Submission": ["state"],
    "submissions.ReviewSettings": [],
    "submissions.Criterion": ["rubric", "name_fr", "name_en", "scale_min", "scale_max", "weight", "informational"],
    "submissions.ConflictOfInterest": ["juror", "group", "kind", "status"],
    "submissions.ReviewAssignment": ["juror", "group"],
    "submissions.Review": ["state", "submitted_at"],
    "submissions.Decision": ["outcome", "revision_deadline", "released_at"],
    "submissions.DefenseSlot": ["group", "position", "started_at", "ended_at"],
    "cockpit.CertificateRules": [],
    "cockpit.Certificate": ["user", "kind", "revoked_at", "revoke_reason"],
    # The outbox (cohorts.Message, being added): kept only once it exists, by its state.
    "cohorts.Message": ["state", "segment_label"],
}
# Never kept, even for a model whose every field is (bookkeeping, or the row's own link to its edition).
UNTRACKED = ["id", "edition", "updated_at"]

# How to reach the edition from an instance that has no `edition` of its own.
EDITION_PATHS: dict[str, list[str]] = {
    "submissions.AssignmentSettings": ["assignment"],
    "submissions.Extension": ["assignment"],
    "submissions.Submission": ["group"],
    "submissions.ConflictOfInterest": ["group"],
    "submissions.ReviewAssignment": ["group"],
    "submissions.Review": ["submission", "group"],
    "submissions.Decision": ["submission", "group"],
}


def tracked_models() -> list[type[models.Model]]:
    """The models of TRACKED that exist (cohorts.Message may not yet), in TRACKED's order."""
    found = []
    for label in TRACKED:
        try:
            found.append(apps.get_model(label))
        except LookupError:
            continue
    return found


def register_all() -> None:
    """Register every tracked model with auditlog (idempotent: a model registered already is left as is)."""
    for model in tracked_models():
        if auditlog.contains(model):
            continue
        label = model._meta.label
        names = {f.name for f in model._meta.concrete_fields}
        include = [name for name in TRACKED[label] if name in names]
        if TRACKED[label] and not include:
            continue  # none of the listed fields exists (yet): nothing worth keeping
        if include:
            auditlog.register(model, include_fields=include)
        else:
            auditlog.register(model, exclude_fields=[name for name in UNTRACKED if name in names])


# ---------------------------------------------------------------------------
# The edition of an entry


def edition_id_of(instance: models.Model) -> int | None:
    """The id of the edition `instance` belongs to: no query when its relations are cached, else one."""
    Edition = apps.get_model("cohorts", "Edition")
    if isinstance(instance, Edition):
        return instance.pk
    edition_id = getattr(instance, "edition_id", None)
    if edition_id is not None:
        return edition_id
    path = EDITION_PATHS.get(instance._meta.label)
    if not path:
        return None
    current = instance
    for index, step in enumerate(path):
        relation = current._meta.get_field(step)
        if not relation.is_cached(current):
            related_id = getattr(current, relation.attname)
            if related_id is None:
                return None
            rest = "__".join([*path[index + 1 :], "edition"])
            return relation.related_model._base_manager.filter(pk=related_id).values_list(rest, flat=True).first()
        current = getattr(current, step)
        if current is None:
            return None
    return getattr(current, "edition_id", None)


# The instance being logged, between auditlog's pre_log signal and the save of its LogEntry: (model, pk, edition id).
_pending: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("cockpit_audit_pending", default=None)


def remember_edition(sender, instance, **kwargs) -> None:
    """pre_log receiver: find the edition now, while the instance (and its cached relations) is at hand."""
    try:
        _pending.set((instance._meta.concrete_model, smart_str(instance.pk), edition_id_of(instance)))
    except Exception:  # never let the audit stop the action it records
        logger.warning("No edition found for the audit of %r", instance, exc_info=True)
        _pending.set(None)


def forget_edition(sender, **kwargs) -> None:
    """post_log receiver."""
    _pending.set(None)


def tag_entry(sender, instance: LogEntry, **kwargs) -> None:
    """pre_save receiver of LogEntry: write the edition remembered for this entry's object into additional_data."""
    pending = _pending.get()
    if pending is None or instance.pk is not None:
        return
    model, pk, edition_id = pending
    if edition_id is None or smart_str(instance.object_pk) != pk or instance.content_type.model_class() is not model:
        return
    data = dict(instance.additional_data or {})
    data.setdefault("edition", edition_id)
    instance.additional_data = data


# ---------------------------------------------------------------------------
# Writes that send no model signal (announced through malisig.audit.action_written)

ACTIONS = {
    "create": LogEntry.Action.CREATE,
    "update": LogEntry.Action.UPDATE,
    "delete": LogEntry.Action.DELETE,
}


def log_written(sender, *, instances, action: str, by=None, changes: dict | None = None, **kwargs) -> None:
    """Write one LogEntry per row of a bulk write or queryset update() (one INSERT for them all).

    `changes` ({field: (before, after)}) is the same for every row; for a create it may be left out: the tracked
    fields are read from each row. Fields not tracked for the model are dropped.
    """
    if not instances or not auditlog.contains(sender):
        return
    kept = set(auditlog.get_model_fields(sender)["include_fields"])
    content_type = ContentType.objects.get_for_model(sender)
    actor = by if getattr(by, "is_authenticated", False) else None
    cid = get_cid()
    entries = []
    for instance in instances:
        if changes is None:
            diff = model_instance_diff(None, instance) if action == "create" else None
        else:
            diff = {
                name: (smart_str(before), smart_str(after))
                for name, (before, after) in changes.items()
                if not kept or name in kept
            }
        if not diff:
            continue
        edition_id = edition_id_of(instance)
        entries.append(
            LogEntry(
                content_type=content_type,
                object_pk=smart_str(instance.pk),
                object_id=instance.pk if isinstance(instance.pk, int) else None,
                object_repr=smart_str(instance),
                action=ACTIONS[action],
                changes=diff,
                actor=actor,
                actor_email=getattr(actor, "email", None),
                cid=cid,
                additional_data={"edition": edition_id} if edition_id is not None else None,
            )
        )
    LogEntry.objects.bulk_create(entries)


# ---------------------------------------------------------------------------
# What the journal reads


def entries_of(edition) -> models.QuerySet:
    """The edition's entries, newest first, with their actor and content type (no query per row)."""
    return (
        LogEntry.objects.filter(additional_data__edition=edition.pk)
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )


def filtered(edition, filters: dict) -> models.QuerySet:
    """entries_of(edition) narrowed by the journal's filters (AuditFilterForm.filters())."""
    entries = entries_of(edition)
    actor = filters.get("actor")
    if actor == "system":
        entries = entries.filter(actor__isnull=True)
    elif actor:
        entries = entries.filter(actor_id=int(actor))
    if "kind" in filters:
        entries = entries.filter(content_type_id=int(filters["kind"]))
    if "action" in filters:
        entries = entries.filter(action=int(filters["action"]))
    if "since" in filters:
        entries = entries.filter(timestamp__gte=day_start(filters["since"]))
    if "until" in filters:
        entries = entries.filter(timestamp__lt=day_start(filters["until"] + timedelta(days=1)))
    if "q" in filters:
        entries = entries.filter(object_repr__icontains=filters["q"])
    return entries


def actors_of(edition) -> list[tuple[int, str]]:
    """[(user id, name)] of the edition's organisers and jury, for the journal's "who" filter: one query."""
    EditionRole = apps.get_model("cohorts", "EditionRole")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    roles = ["organiser", "juror", "jury_chair"]
    ids = EditionRole.objects.filter(edition=edition, role__in=roles).values("user_id")
    people = User.objects.filter(pk__in=ids).order_by("last_name", "first_name", "email")
    return [(person.pk, str(person)) for person in people]


def kinds() -> list[tuple[int, str]]:
    """[(content type id, the model's name)] of the tracked models (content types are cached by Django)."""
    models_ = [model for model in tracked_models() if auditlog.contains(model)]
    types = ContentType.objects.get_for_models(*models_)
    return [(types[model].pk, capfirst(model._meta.verbose_name)) for model in models_]


ACTION_LABELS = {
    LogEntry.Action.CREATE: gettext_lazy("Created"),
    LogEntry.Action.UPDATE: gettext_lazy("Changed"),
    LogEntry.Action.DELETE: gettext_lazy("Deleted"),
}


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Row:
    entry: LogEntry
    kind: str
    action: str
    changes: list[Change] = field(default_factory=list)


def _raw_changes(entry: LogEntry) -> dict:
    changes = entry.changes
    if isinstance(changes, str):  # written as text by an older auditlog
        try:
            changes = json.loads(changes)
        except ValueError:
            return {}
    return changes if isinstance(changes, dict) else {}


def _shown(model_field, value, names: dict) -> str:
    """One stored value (auditlog keeps text), as a reader should see it."""
    if value in (None, "None", ""):
        return "—"
    value = str(value)
    if model_field is None:
        return value
    if model_field.is_relation:
        return names.get((model_field.related_model, value), value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return {"True": _("Yes"), "False": _("No")}.get(value, value)
    if isinstance(model_field, models.DateTimeField):
        try:
            moment = date_parser.parse(value)
        except (ValueError, OverflowError):
            return value
        if timezone.is_naive(moment):  # auditlog stores UTC without its offset
            moment = moment.replace(tzinfo=UTC)
        return formats.localize(timezone.localtime(moment))
    if isinstance(model_field, models.DateField):
        try:
            return formats.localize(date.fromisoformat(value[:10]))
        except ValueError:
            return value
    return value


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def describe(entries: list[LogEntry]) -> list[Row]:
    """The page's rows: each change as (field's verbose name, before, after), values readable.

    The related objects named by the changes (a juror, a group...) are read with one query per related model for
    the whole page, whatever its size.
    """
    wanted: dict[type, set] = defaultdict(set)
    parsed = []
    for entry in entries:
        model = entry.content_type.model_class()
        changes = _raw_changes(entry)
        parsed.append((entry, model, changes))
        for name, values in changes.items():
            model_field = _field(model, name)
            if model_field is not None and model_field.is_relation and isinstance(values, list | tuple):
                wanted[model_field.related_model].update(str(v) for v in values[:2] if v not in (None, "None", ""))
    names: dict[tuple, str] = {}
    for related, pks in wanted.items():
        valid = {pk for pk in pks if pk.isdigit()}
        for obj in related._base_manager.filter(pk__in=valid):
            names[(related, str(obj.pk))] = str(obj)
    rows = []
    for entry, model, changes in parsed:
        kind = capfirst(model._meta.verbose_name) if model is not None else entry.content_type.model
        row = Row(entry=entry, kind=kind, action=str(ACTION_LABELS.get(entry.action, entry.get_action_display())))
        for name, values in changes.items():
            if not isinstance(values, list | tuple) or len(values) != 2:
                continue  # an m2m change: not used here
            model_field = _field(model, name)
            label = capfirst(model_field.verbose_name) if model_field is not None else name
            before, after = (_shown(model_field, value, names) for value in values)
            if before == after:
                continue  # auditlog writes an empty date of a new row as None → "None"
            row.changes.append(Change(label=str(label), before=before, after=after))
        rows.append(row)
    return rows


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))
