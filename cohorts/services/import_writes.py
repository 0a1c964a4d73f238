"""The writes of one import batch: COPY on PostgreSQL, plain bulk ORM queries on other databases (SQLite).

The engine (services/imports.py) decides, row by row, what a batch changes and fills a `WritePlan`; `write_plan`
writes it with a fixed number of queries, whatever the batch size:

- PostgreSQL: the batch is COPYed into one temporary table (one row per person), then a few INSERT ... SELECT
  ... ON CONFLICT DO NOTHING and UPDATE ... FROM statements move it into the real tables. A concurrent import
  of the same people cannot duplicate anyone: the unique constraints decide and the later insert skips the row.
  Rows are inserted in one order (email, then user id) so that two imports waiting on each other's rows cannot
  deadlock. An audit row (EnrolmentChange) is written only for an enrolment this batch actually created or
  promoted (RETURNING), never twice for one change.
- Elsewhere: bulk_create(ignore_conflicts=True) and bulk_update, as the ORM does them. SQLite lets one writer
  in at a time, so the races above cannot happen there.

The values COPYed are those save() would store: the import gives some, and every other column is filled from
the model (its default, auto_now, or a value save() derives from the row, such as a folded name).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, models
from django.db.models import Field
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import sql

from malisig.models import User, with_folds

from ..models import Enrolment, EnrolmentChange, ImportJob, ImportRow, Profile
from .roster_facts import roster_facts_changed

S = Enrolment.Status
PROFILE_FIELDS = ("gender", "country", "city", "organisation", "sector", "job_title", "phone")
ENROLMENT_FIELDS = ("grade", "completed_course", "completion_date", "external_id", "eligible", "eligibility_reason")


@dataclass
class WritePlan:
    """What one batch writes, keyed by the person's email. Values are those of the model fields (attnames)."""

    users: dict[str, dict] = field(default_factory=dict)  # new people
    profiles: dict[str, dict] = field(default_factory=dict)  # new profiles (kept as they are if one exists)
    enrolments: dict[str, dict] = field(default_factory=dict)  # new enrolments, status included
    profile_updates: dict[str, tuple[int, dict]] = field(default_factory=dict)  # (profile pk, PROFILE_FIELDS)
    enrolment_updates: dict[str, tuple[int, dict]] = field(default_factory=dict)  # (pk, ENROLMENT_FIELDS)
    promotions: dict[str, int] = field(default_factory=dict)  # enrolment pk: a candidate now eligible, admitted

    def __bool__(self) -> bool:
        return any((self.users, self.profiles, self.enrolments, self.profile_updates, self.enrolment_updates))


def write_plan(plan: WritePlan) -> None:
    """Write one batch's plan, in the caller's transaction.

    Writes: Users, Profiles, Enrolments, and one EnrolmentChange per enrolment created admitted or promoted; the
    roster's cached facts forgotten (bulk writes send no signal).
    """
    if not plan:
        return
    if connection.vendor == "postgresql":
        _write_with_copy(plan)
    else:
        _write_with_orm(plan)
    roster_facts_changed()


def record_rows(job: ImportJob, rows: list[dict]) -> None:
    """The ImportRows of one batch (what each line became); COPY on PostgreSQL."""
    if connection.vendor == "postgresql":
        _copy_into_table(ImportRow, [{"job_id": job.pk, **row} for row in rows])
    else:
        ImportRow.objects.bulk_create([ImportRow(job=job, **row) for row in rows])


def _admitted_note() -> str:
    return _("Imported: eligible")


def _promoted_note() -> str:
    return _("Imported again: now eligible")


# --- Other databases: the ORM's bulk queries -------------------------------------------------------------------


def _write_with_orm(plan: WritePlan) -> None:
    User.objects.bulk_create([User(**values) for values in plan.users.values()], ignore_conflicts=True)
    emails = [*plan.profiles, *plan.enrolments]
    people = User.objects.annotate(key=Lower("email")).filter(key__in=emails)
    user_ids = dict(people.values_list("key", "pk")) if emails else {}
    Profile.objects.bulk_create(
        [Profile(user_id=user_ids[email], **values) for email, values in plan.profiles.items()],
        ignore_conflicts=True,
    )
    if plan.profile_updates:
        now = timezone.now()
        profiles = [Profile(pk=pk, updated_at=now, **values) for pk, values in plan.profile_updates.values()]
        Profile.objects.bulk_update(profiles, [*PROFILE_FIELDS, "updated_at"])
    _create_enrolments_with_orm(plan, [user_ids[email] for email in plan.enrolments])
    if plan.enrolment_updates:
        now = timezone.now()
        enrolments = [Enrolment(pk=pk, updated_at=now, **values) for pk, values in plan.enrolment_updates.values()]
        Enrolment.objects.bulk_update(enrolments, [*ENROLMENT_FIELDS, "updated_at"])
    if plan.promotions:
        waiting = Enrolment.objects.filter(pk__in=plan.promotions.values(), status=S.CANDIDATE)
        promoted = list(waiting.values_list("pk", flat=True))
        Enrolment.objects.filter(pk__in=promoted).update(status=S.ADMITTED)
        note = _promoted_note()
        EnrolmentChange.objects.bulk_create(
            [EnrolmentChange(enrolment_id=pk, old=S.CANDIDATE, new=S.ADMITTED, note=note) for pk in promoted]
        )


def _create_enrolments_with_orm(plan: WritePlan, user_ids: list[int]) -> None:
    if not plan.enrolments:
        return
    Enrolment.objects.bulk_create(
        [
            Enrolment(user_id=user_id, **values)
            for user_id, values in zip(user_ids, plan.enrolments.values(), strict=True)
        ],
        ignore_conflicts=True,  # a concurrent import of the same people: the unique constraint decides
    )
    edition_ids = {values["edition_id"] for values in plan.enrolments.values()}
    # Imports write statuses in bulk (not through transition_enrolment), but leave the same audit rows.
    admitted_now = Enrolment.objects.filter(
        edition_id__in=edition_ids, user_id__in=user_ids, status=S.ADMITTED, changes__isnull=True
    ).values_list("pk", flat=True)
    note = _admitted_note()
    EnrolmentChange.objects.bulk_create(
        [EnrolmentChange(enrolment_id=pk, old=S.CANDIDATE, new=S.ADMITTED, note=note) for pk in admitted_now]
    )


# --- PostgreSQL: one COPY, then set-based statements ------------------------------------------------------------


def _derived_on_save(model_field: Field) -> bool:
    """Whether save() computes the field from the row itself (a folded name...), hence per row.

    Dates and times only read the clock (auto_now) or their own attribute: once per batch is enough.
    """
    if isinstance(model_field, models.DateField):
        return False
    return type(model_field).pre_save is not Field.pre_save


class _Columns:
    """One model's columns as a COPY row carries them: the values given, the rest as save() would fill them.

    Defaults, auto_now and auto_now_add are computed once per batch; fields that save() derives from the row
    are computed per row, by their own pre_save() on one unsaved instance holding the row's values (building an
    instance per row would cost more than the insert). Given values must already be what the database stores.
    """

    def __init__(self, model: type[models.Model], *, skip: Iterable[str] = (), prefix: str = ""):
        self.model, self.prefix = model, prefix
        self.table = sql.Identifier(model._meta.db_table)
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in skip]
        self.scratch = model()  # an unsaved instance, reset to its defaults before each row's derived values
        self.scratch_defaults = {f.attname: getattr(self.scratch, f.attname) for f in model._meta.concrete_fields}
        self.defaults = [f.get_db_prep_save(f.pre_save(self.scratch, add=True), connection) for f in self.fields]
        self.derived = [(index, f) for index, f in enumerate(self.fields) if _derived_on_save(f)]
        self.nulls = (None,) * len(self.fields)

    def column(self, name: str) -> sql.Identifier:
        return sql.Identifier(self.model._meta.get_field(name).column)

    def staged(self, name: str) -> sql.Identifier:
        """The column holding `name` in the batch table."""
        return sql.Identifier(f"{self.prefix}{self.model._meta.get_field(name).column}")

    def columns(self) -> sql.Composed:
        return sql.SQL(", ").join(sql.Identifier(f.column) for f in self.fields)

    def staged_columns(self) -> sql.Composed:
        return sql.SQL(", ").join(self.staged(f.name) for f in self.fields)

    def declarations(self) -> list[sql.Composed]:
        return [sql.SQL("{} {}").format(self.staged(f.name), sql.SQL(f.db_type(connection))) for f in self.fields]

    def values(self, given: dict | None) -> tuple:
        if given is None:
            return self.nulls
        values = [given.get(f.attname, default) for f, default in zip(self.fields, self.defaults, strict=True)]
        if self.derived:
            self.scratch.__dict__.update(self.scratch_defaults)
            self.scratch.__dict__.update(given)
            for index, derived in self.derived:
                values[index] = derived.get_db_prep_save(derived.pre_save(self.scratch, add=True), connection)
        return tuple(values)


def _copy_into_table(model: type[models.Model], rows: list[dict]) -> None:
    columns = _Columns(model)
    # COPY goes to psycopg directly: its errors are turned into Django's here, as a query's are (a dropped
    # connection is then an OperationalError, and Django knows the connection is broken).
    copying = COPY_ROWS.format(columns.table, columns.columns())
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.copy(_text(copying)) as copy:
        for row in rows:
            copy.write_row(columns.values(row))


class _BatchTable:
    """The temporary table of one batch: each person's email, what to write for them, and each model's columns."""

    flags = (
        ("new_user", "boolean"),
        ("new_profile", "boolean"),
        ("profile_id", "bigint"),  # the profile to update
        ("new_enrolment", "boolean"),
        ("enrolment_id", "bigint"),  # the enrolment to update
        ("promote", "boolean"),
    )

    def __init__(self):
        self.user = _Columns(User, prefix="u_")
        self.profile = _Columns(Profile, skip=("user_id",), prefix="p_")
        self.enrolment = _Columns(Enrolment, skip=("user_id",), prefix="e_")
        self.parts = (self.user, self.profile, self.enrolment)

    def create(self) -> sql.Composed:
        declarations = [
            sql.SQL("email text"),
            *(sql.SQL(f"{name} {kind}") for name, kind in self.flags),
            *(declaration for part in self.parts for declaration in part.declarations()),
        ]
        return CREATE_BATCH.format(sql.SQL(", ").join(declarations))

    def copy(self) -> sql.Composed:
        names = [sql.Identifier("email"), *(sql.Identifier(name) for name, _kind in self.flags)]
        names += [part.staged_columns() for part in self.parts]
        return COPY_ROWS.format(BATCH_TABLE, sql.SQL(", ").join(names))

    def row(self, email: str, plan: WritePlan) -> tuple:
        profile_id, profile = plan.profile_updates.get(email, (None, plan.profiles.get(email)))
        enrolment_id, enrolment = plan.enrolment_updates.get(email, (None, plan.enrolments.get(email)))
        flags = (
            email in plan.users,
            email in plan.profiles,
            profile_id,
            email in plan.enrolments,
            enrolment_id,
            email in plan.promotions,
        )
        return (
            email,
            *flags,
            *self.user.values(plan.users.get(email)),
            *self.profile.values(profile),
            *self.enrolment.values(enrolment),
        )


BATCH_TABLE = sql.Identifier("import_batch")
CREATE_BATCH = sql.SQL("CREATE TEMPORARY TABLE import_batch ({}) ON COMMIT DROP")
COPY_ROWS = sql.SQL("COPY {} ({}) FROM STDIN")
# Ordered, so that two imports inserting the same people wait for each other in one direction only.
INSERT_USERS = sql.SQL(
    "INSERT INTO {table} ({columns}) SELECT {staged} FROM import_batch WHERE new_user ORDER BY email "
    "ON CONFLICT DO NOTHING"
)
INSERT_FOR_USERS = sql.SQL(
    "INSERT INTO {table} (user_id, {columns}) SELECT u.id, {staged} FROM import_batch AS t "
    "JOIN {users} AS u ON lower(u.email) = t.email WHERE t.{flag} ORDER BY u.id ON CONFLICT DO NOTHING"
)
UPDATE_FROM_BATCH = sql.SQL(
    "UPDATE {table} AS target SET {assignments} FROM import_batch AS t WHERE target.id = t.{key}"
)
# The status is checked again here: a change made since the batch was read wins.
PROMOTE = sql.SQL(
    "UPDATE {table} AS e SET status = {admitted} FROM import_batch AS t "
    "WHERE e.id = t.enrolment_id AND t.promote AND e.status = {candidate} RETURNING e.id, e.status"
)
AUDITED = sql.SQL(
    "WITH changed AS ({changing}) INSERT INTO {table} (enrolment_id, {columns}) "
    "SELECT id, {values} FROM changed WHERE status = {admitted}"
)


def _write_with_copy(plan: WritePlan) -> None:
    table = _BatchTable()
    emails = sorted({*plan.users, *plan.profiles, *plan.profile_updates, *plan.enrolments, *plan.enrolment_updates})
    statements = []
    if plan.users:
        statements.append(
            INSERT_USERS.format(
                table=table.user.table, columns=table.user.columns(), staged=table.user.staged_columns()
            )
        )
    if plan.profiles:
        statements.append(_insert_for_users(table.profile, "new_profile"))
    if plan.profile_updates:
        statements.append(_update_from_batch(table.profile, "profile_id", [*PROFILE_FIELDS, "updated_at"]))
    if plan.enrolments:
        created = sql.SQL("{} RETURNING id, status").format(_insert_for_users(table.enrolment, "new_enrolment"))
        statements.append(_audited(created, note=_admitted_note()))
    if plan.enrolment_updates:
        statements.append(_update_from_batch(table.enrolment, "enrolment_id", [*ENROLMENT_FIELDS, "updated_at"]))
    if plan.promotions:
        promote = PROMOTE.format(
            table=table.enrolment.table, admitted=sql.Literal(S.ADMITTED), candidate=sql.Literal(S.CANDIDATE)
        )
        statements.append(_audited(promote, note=_promoted_note()))
    with connection.cursor() as cursor:
        cursor.execute(_text(table.create()))
        with connection.wrap_database_errors, cursor.copy(_text(table.copy())) as copy:  # see _copy_into_table
            for email in emails:
                copy.write_row(table.row(email, plan))
        for statement in statements:
            cursor.execute(_text(statement))
        cursor.execute("DROP TABLE import_batch")  # the batch may run inside a longer transaction


def _insert_for_users(part: _Columns, flag: str) -> sql.Composed:
    """INSERT ... SELECT of the flagged rows into `part`'s model, its user_id found by email."""
    return INSERT_FOR_USERS.format(
        table=part.table,
        columns=part.columns(),
        staged=part.staged_columns(),
        users=sql.Identifier(User._meta.db_table),
        flag=sql.Identifier(flag),
    )


def _update_from_batch(part: _Columns, key: str, names: list[str]) -> sql.Composed:
    """UPDATE ... FROM the batch table of `names` (and their folded columns) where `key` names the row."""
    names = with_folds(part.model, names)
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = t.{}").format(part.column(name), part.staged(name)) for name in names
    )
    return UPDATE_FROM_BATCH.format(table=part.table, assignments=assignments, key=sql.Identifier(key))


def _audited(changing: sql.Composed, *, note: str) -> sql.Composed:
    """`changing` (it returns enrolments' id and status) and one audit row for each enrolment now admitted."""
    audit = _Columns(EnrolmentChange, skip=("enrolment_id",))
    values = audit.values({"old": S.CANDIDATE, "new": S.ADMITTED, "note": note[:300]})
    return AUDITED.format(
        changing=changing,
        table=audit.table,
        columns=audit.columns(),
        values=sql.SQL(", ").join(sql.Literal(value) for value in values),
        admitted=sql.Literal(S.ADMITTED),
    )


def _text(statement: sql.Composable) -> str:
    """The statement as text for Django's cursor, which logs and counts it like any other query."""
    return statement.as_string(connection.connection)
