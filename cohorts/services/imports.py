"""Import of the online course's results: one service for the web flow, the Celery task and the command.

The file is read twice, streamed both times: the first pass counts rows and finds emails that occur
more than once; the second cleans each row, merges duplicates (later non-empty values win), decides
create / update / unchanged, and writes in batches with a bounded number of queries per batch: one
query reads what the database knows of the batch's people, and services/import_writes.py writes the
batch (COPY and set-based statements on PostgreSQL, bulk ORM queries elsewhere). Only the rows of
duplicated emails are held until their last occurrence, so memory does not grow with the file.
"""

import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from typing import BinaryIO

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import FilteredRelation, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from malisig.models import User

from ..importing.columns import guess_mapping
from ..importing.eligibility import EligibilityRule, evaluate
from ..importing.readers import Table, UnreadableFile, open_table
from ..importing.rows import CleanRow, Rejection, clean_row
from ..models import Edition, Enrolment, ImportJob, ImportRow
from .import_writes import ENROLMENT_FIELDS, PROFILE_FIELDS, WritePlan, record_rows, write_plan

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
MAX_FILE_BYTES = 20 * 1024 * 1024
S = Enrolment.Status
GENDERS = {
    "f": "female", "femme": "female", "female": "female", "feminin": "female", "féminin": "female", "woman": "female",
    "m": "male", "h": "male", "homme": "male", "male": "male", "masculin": "male", "man": "male",
}  # fmt: skip


def unusable_password() -> str:
    """What make_password(None) stores, at a fraction of its cost (it draws 40 characters one by one)."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


class ImportRefused(Exception):
    """The file cannot be imported at all; `message` is one sentence for the organiser."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = str(message)


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates_merged: int = 0
    skipped_empty: int = 0
    eligible: int = 0
    not_eligible: int = 0
    rejected: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, counts: dict) -> "ImportSummary":
        """The counts an earlier run committed with its last batch (ImportJob.counts), to carry on from."""
        names = {item.name for item in fields(cls)}
        return cls(**{name: value for name, value in counts.items() if name in names})


# --- Starting an import from the web ---------------------------------------------------------------------------


def start_import(edition: Edition, upload: UploadedFile, *, by: User) -> ImportJob:
    """Check that the upload is a readable results file, keep it, and guess its column mapping.

    Raises ImportRefused with one sentence when the file cannot be read. Writes: one ImportJob.
    """
    if not by.has_perm("cohorts.import_participants", edition):
        raise PermissionDenied
    if upload.size > MAX_FILE_BYTES:
        raise ImportRefused(
            _("The file is larger than %(limit)s MB: split it, or remove columns you do not need.")
            % {"limit": MAX_FILE_BYTES // (1024 * 1024)}
        )
    upload.seek(0)
    with _opened(upload) as table:
        headers = table.headers
    upload.seek(0)
    job = ImportJob.objects.create(
        edition=edition,
        created_by=by,
        file=upload,
        original_name=upload.name[:255],
        headers=headers,
        mapping=remembered_or_guessed_mapping(edition, headers),
    )
    logger.info("Import %s: %s uploaded for %s", job.pk, job.original_name, edition.slug)
    return job


@contextmanager
def _opened(fileobj: BinaryIO) -> Iterator[Table]:
    try:
        table = open_table(fileobj)
    except UnreadableFile as problem:
        raise ImportRefused(problem.message) from None
    try:
        yield table
    finally:
        table.close()


def remembered_or_guessed_mapping(edition: Edition, headers: list[str]) -> dict[str, int]:
    """The edition's remembered mapping (by header text) where it fits these headers, else a guess."""
    guessed = guess_mapping(headers)
    remembered = edition.import_mapping or {}
    positions = {header: index for index, header in reversed(list(enumerate(headers)))}
    from_memory = {name: positions[header] for name, header in remembered.items() if header in positions}
    if "email" not in from_memory:
        return guessed
    return from_memory


def save_mapping(job: ImportJob, mapping: dict[str, int], *, by: User) -> ImportJob:
    """The organiser's column mapping, remembered for the edition's next imports (by header text)."""
    if not by.has_perm("cohorts.import_participants", job.edition):
        raise PermissionDenied
    job.mapping = mapping
    job.save(update_fields=["mapping"])
    edition = job.edition
    edition.import_mapping = {name: job.headers[index] for name, index in mapping.items()}
    edition.save(update_fields=["import_mapping"])
    return job


def queue_run(job: ImportJob, *, dry_run: bool, by: User) -> None:
    """Preview (dry run) or apply in the background; the page polls the job's progress."""
    if not by.has_perm("cohorts.import_participants", job.edition):
        raise PermissionDenied
    from ..tasks import run_import_task

    job.status = ImportJob.Status.PREVIEWING if dry_run else ImportJob.Status.APPLYING
    job.rows_done = 0
    job.error = ""
    job.save(update_fields=["status", "rows_done", "error"])
    transaction.on_commit(lambda: run_import_task.enqueue(job_id=job.pk, dry_run=dry_run))


def run_job(job: ImportJob, *, dry_run: bool) -> ImportSummary:
    """What the Celery task does: run the import of a stored upload and record rows and counts.

    Each batch's writes, its ImportRows and the progress (rows_done and the counts so far) commit together, so a
    rerun of the same run (the worker died, the broker handed the task over again) carries on after the last
    committed batch: no line is written, recorded or counted twice, and the bar never goes back. `queue_run` sets
    rows_done to 0, so a new run starts afresh.
    """
    if job.rows_done:
        resume_after, summary = job.rows_done, ImportSummary.from_dict(job.counts)
        logger.info("Import %s: carrying on after line %s of %s", job.pk, resume_after, job.rows_total)
    else:
        job.rows.all().delete()
        resume_after, summary = 0, ImportSummary()
    try:
        with job.file.open("rb") as fileobj:
            summary = run_import(
                job.edition,
                fileobj,
                mapping={name: int(index) for name, index in job.mapping.items()},
                dry_run=dry_run,
                record=lambda rows: record_rows(job, rows),
                progress=lambda done, total, so_far: ImportJob.objects.filter(pk=job.pk).update(
                    rows_done=done, rows_total=total, counts=so_far.as_dict()
                ),
                summary=summary,
                resume_after=resume_after,
            )
    except ImportRefused as problem:
        _finish(job, ImportJob.Status.FAILED, error=problem.message)
        raise
    _finish(job, ImportJob.Status.PREVIEWED if dry_run else ImportJob.Status.APPLIED, counts=summary.as_dict())
    return summary


def report_stopped(job_id: int) -> None:
    """An unexpected error ended the run: the page says so instead of "running" for ever. Best effort, as the
    database may be what failed. Writes: the job's status, error and finished_at, if it was still running."""
    message = _(
        "The import stopped on an unexpected error. Upload the file again: "
        "the lines already imported will not be duplicated."
    )
    try:
        ImportJob.objects.filter(pk=job_id, status__in=[ImportJob.Status.PREVIEWING, ImportJob.Status.APPLYING]).update(
            status=ImportJob.Status.FAILED, error=message[:500], finished_at=timezone.now()
        )
    except (OperationalError, InterfaceError):
        logger.exception("Import %s: its failure could not be recorded", job_id)
    else:
        logger.error("Import %s stopped on an unexpected error", job_id, exc_info=True)


def _finish(job: ImportJob, status: str, *, counts=None, error: str = "") -> None:
    job.status = status
    job.counts = counts or job.counts
    job.error = error[:500]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "counts", "error", "finished_at"])


# --- The command line ------------------------------------------------------------------------------------------


def import_path(edition: Edition, path: str, *, dry_run: bool, pass_mark: Decimal | None = None) -> ImportSummary:
    """`manage.py import_participants`: automatic (or remembered) mapping, same rules as the web flow."""
    if pass_mark is not None:
        edition.pass_mark = pass_mark
        edition.save(update_fields=["pass_mark"])
    try:
        fileobj = open(path, "rb")  # noqa: SIM115 - closed below, after both passes
    except OSError as error:
        raise ImportRefused(_("The file cannot be opened: %(error)s") % {"error": error.strerror}) from None
    with fileobj, _opened(fileobj) as table:
        mapping = remembered_or_guessed_mapping(edition, table.headers)
    with open(path, "rb") as fileobj:
        return run_import(edition, fileobj, mapping=mapping, dry_run=dry_run)


# --- The engine ------------------------------------------------------------------------------------------------


@dataclass
class _Occurrences:
    """First pass: how many rows, and the first and last line of each email seen more than once."""

    total: int = 0
    first_line: dict[str, int] = field(default_factory=dict)
    last_line: dict[str, int] = field(default_factory=dict)


def run_import(
    edition: Edition,
    fileobj: BinaryIO,
    *,
    mapping: dict[str, int],
    dry_run: bool,
    record: Callable[[list[dict]], object] | None = None,
    progress: Callable[[int, int, ImportSummary], object] | None = None,
    summary: ImportSummary | None = None,
    resume_after: int = 0,
) -> ImportSummary:
    """Read, clean, decide and (unless dry_run) write. `record` receives each batch's row outcomes and `progress`
    (lines done, lines in all, the counts so far) follows, in the batch's transaction.

    With `resume_after`, the first lines were done by an earlier run whose counts are `summary`: they are read
    again only to rebuild the merge of duplicates whose last occurrence is still to come, and not written again."""
    if "email" not in mapping:
        raise ImportRefused(_("Choose the column that holds the email addresses."))
    start = fileobj.tell()
    with _opened(fileobj) as table:
        occurrences = _first_pass(table, mapping)
    fileobj.seek(start)
    rule = EligibilityRule(pass_mark=edition.pass_mark, completion_required=edition.completion_required)
    summary = summary if summary is not None else ImportSummary()
    batch = _Batch(edition, rule, summary, dry_run=dry_run)
    written = _AlreadyWritten()
    held: dict[str, CleanRow] = {}
    done = 0
    with _opened(fileobj) as table:
        headers_count = len(table.headers)
        for raw in table.rows():
            if raw.is_blank:
                if not resume_after or done > resume_after:  # those before are in the earlier run's counts
                    summary.skipped_empty += 1
                continue
            if done < resume_after:
                done += 1
                _take(clean_row(raw, headers_count, mapping), occurrences, held, written)
                continue
            # Flushed when the next line comes: only the last flush has done == total, blank lines included.
            if len(batch) >= BATCH_SIZE:
                _flush(batch, record, progress, done, occurrences.total)
            done += 1
            _take(clean_row(raw, headers_count, mapping), occurrences, held, batch)
    _flush(batch, record, progress, done, occurrences.total)
    return summary


def _first_pass(table: Table, mapping: dict[str, int]) -> _Occurrences:
    occurrences = _Occurrences()
    column = mapping["email"]
    seen: dict[str, int] = {}
    for raw in table.rows():
        if raw.is_blank:
            continue
        occurrences.total += 1
        email = raw.cells[column].replace("\xa0", " ").strip().lower() if column < len(raw.cells) else ""
        if not email:
            continue
        if email in seen:
            occurrences.first_line.setdefault(email, seen[email])
            occurrences.last_line[email] = raw.line
        else:
            seen[email] = raw.line
    return occurrences


def _take(
    row: CleanRow | Rejection, occurrences: _Occurrences, held: dict[str, CleanRow], batch: "_Batch | _AlreadyWritten"
) -> None:
    if isinstance(row, Rejection):
        batch.reject(row)
        return
    first_line = occurrences.first_line.get(row.email)
    if first_line is None:
        batch.add(row)
        return
    if row.line != first_line:
        batch.report_duplicate(row, first_line)
    merged = _merge(held.get(row.email), row)
    if row.line == occurrences.last_line[row.email]:
        merged.line = first_line
        batch.add(merged)
        held.pop(row.email, None)
    else:
        held[row.email] = merged


def _merge(earlier: CleanRow | None, later: CleanRow) -> CleanRow:
    """Duplicates of one email become one row: later non-empty values win."""
    if earlier is None:
        return CleanRow(**{f.name: getattr(later, f.name) for f in fields(CleanRow)})
    for item in fields(CleanRow):
        value = getattr(later, item.name)
        if value not in ("", None) and item.name != "line":
            setattr(earlier, item.name, value)
    return earlier


def _flush(batch: "_Batch", record, progress, done: int, total: int) -> None:
    # One transaction: a worker killed mid-batch leaves neither writes nor rows nor progress of it, only earlier ones.
    with transaction.atomic():
        outcomes = batch.flush()
        if record is not None and outcomes:
            record(outcomes)
        if progress is not None:
            progress(done, total, batch.summary)


class _AlreadyWritten:
    """Stands for the batch while a rerun reads again the lines an earlier run committed: they go nowhere."""

    def reject(self, rejection: Rejection) -> None:
        pass

    def report_duplicate(self, row: CleanRow, first_line: int) -> None:
        pass

    def add(self, row: CleanRow) -> None:
        pass


class _Batch:
    """Up to BATCH_SIZE clean rows decided and written together: a fixed number of queries per batch."""

    def __init__(self, edition: Edition, rule: EligibilityRule, summary: ImportSummary, *, dry_run: bool):
        self.edition, self.rule, self.summary, self.dry_run = edition, rule, summary, dry_run
        self.rows: list[CleanRow] = []
        self.outcomes: list[dict] = []
        self.verdicts: dict[tuple, tuple[bool, str]] = {}

    def __len__(self) -> int:
        return len(self.rows) + len(self.outcomes)

    def reject(self, rejection: Rejection) -> None:
        reason = str(rejection.reason)
        self.summary.rejected.append({"line": rejection.line, "reason": reason})
        self.outcomes.append({"line": rejection.line, "outcome": ImportRow.Outcome.REJECTED, "reason": reason[:300]})

    def report_duplicate(self, row: CleanRow, first_line: int) -> None:
        self.summary.duplicates_merged += 1
        reason = _("duplicate of line %(line)s (merged)") % {"line": first_line}
        self.outcomes.append(
            {"line": row.line, "outcome": ImportRow.Outcome.DUPLICATE, "email": row.email, "reason": reason}
        )

    def add(self, row: CleanRow) -> None:
        self.rows.append(row)

    def flush(self) -> list[dict]:
        """Decide and write the rows held, in the caller's transaction (see `_flush`); their outcomes."""
        if self.rows:
            self._decide_and_write()
        outcomes, self.rows, self.outcomes = self.outcomes, [], []
        return outcomes

    def _decide_and_write(self) -> None:
        known = _known_people(self.edition, [row.email for row in self.rows])
        plan = WritePlan()
        for row in self.rows:
            self._decide(row, known.get(row.email), plan)
        if not self.dry_run:
            write_plan(plan)

    def _decide(self, row: CleanRow, known: "_Known | None", plan: WritePlan) -> None:
        eligible, why_not = self._evaluate(row)
        self.summary.eligible += eligible
        self.summary.not_eligible += not eligible
        wanted = _enrolment_values(row, eligible, why_not)
        if known is None or known.enrolment_id is None:
            self.summary.created += 1
            outcome = ImportRow.Outcome.CREATE
            self._plan_creation(row, known, wanted, plan)
        else:
            profile_changes = _profile_changes(known, row)
            # The reason's wording follows the organiser's language: only the facts decide "updated".
            enrolment_changed = any(
                known.enrolment[key] != value for key, value in wanted.items() if key != "eligibility_reason"
            )
            if profile_changes or enrolment_changed:
                self.summary.updated += 1
                outcome = ImportRow.Outcome.UPDATE
                _plan_update(row.email, known, profile_changes, wanted if enrolment_changed else None, plan)
            else:
                self.summary.unchanged += 1
                outcome = ImportRow.Outcome.UNCHANGED
        if not eligible:
            outcome = ImportRow.Outcome.NOT_ELIGIBLE
        self.outcomes.append(
            {
                "line": row.line,
                "outcome": outcome,
                "email": row.email,
                "name": f"{row.first_name} {row.last_name}".strip()[:310],
                "reason": why_not[:300],
            }
        )

    def _evaluate(self, row: CleanRow) -> tuple[bool, str]:
        """(eligible, reason), the reason translated and formatted once per distinct (grade, completion) facts."""
        facts = (row.grade, row.completed, row.completion_date is None)
        if facts not in self.verdicts:
            eligible, why_not = evaluate(row, self.rule)
            self.verdicts[facts] = (eligible, str(why_not or ""))
        return self.verdicts[facts]

    def _plan_creation(self, row: CleanRow, known: "_Known | None", wanted: dict, plan: WritePlan) -> None:
        if known is None:
            plan.users[row.email] = {
                "email": row.email,
                "first_name": row.first_name,
                "last_name": row.last_name,
                "password": unusable_password(),
            }
        status = S.ADMITTED if wanted["eligible"] else S.CANDIDATE
        plan.enrolments[row.email] = {"edition_id": self.edition.pk, "status": status, **wanted}
        if values := _profile_values(row):
            plan.profiles[row.email] = values


def _plan_update(email: str, known: "_Known", profile_changes: dict, enrolment: dict | None, plan: WritePlan) -> None:
    if profile_changes:
        if known.profile_id is None:
            plan.profiles[email] = profile_changes
        else:
            plan.profile_updates[email] = (known.profile_id, {**known.profile, **profile_changes})
    if enrolment is not None:
        plan.enrolment_updates[email] = (known.enrolment_id, enrolment)
        if enrolment["eligible"] and known.status == S.CANDIDATE:
            plan.promotions[email] = known.enrolment_id


@dataclass(slots=True)
class _Known:
    """What the database holds of one person: user, profile (if any) and enrolment in the edition (if any)."""

    profile_id: int | None
    profile: dict
    enrolment_id: int | None
    status: str | None
    enrolment: dict


_KNOWN_COLUMNS = (
    "key",
    "profile__pk",
    *(f"profile__{name}" for name in PROFILE_FIELDS),
    "this_enrolment__pk",
    "this_enrolment__status",
    *(f"this_enrolment__{name}" for name in ENROLMENT_FIELDS),
)


def _known_people(edition: Edition, emails: list[str]) -> dict[str, _Known]:
    """The people of a batch already in the database, by email: one query, plain values (no model instances)."""
    people = (
        User.objects.annotate(key=Lower("email"))  # the unique index of identities
        .filter(key__in=emails)
        .annotate(this_enrolment=FilteredRelation("enrolments", condition=Q(enrolments__edition=edition)))
        .order_by()
        .values_list(*_KNOWN_COLUMNS)
    )
    profile_end = 2 + len(PROFILE_FIELDS)
    known = {}
    for values in people:
        known[values[0]] = _Known(
            profile_id=values[1],
            profile=dict(zip(PROFILE_FIELDS, values[2:profile_end], strict=True)),
            enrolment_id=values[profile_end],
            status=values[profile_end + 1],
            enrolment=dict(zip(ENROLMENT_FIELDS, values[profile_end + 2 :], strict=True)),
        )
    return known


def _enrolment_values(row: CleanRow, eligible: bool, why_not: str) -> dict:
    return {
        "grade": row.grade,
        "completed_course": row.completed,
        "completion_date": row.completion_date,
        "external_id": row.external_id,
        "eligible": eligible,
        "eligibility_reason": "" if eligible else why_not[:200],
    }


def _profile_values(row: CleanRow) -> dict:
    values = {name: getattr(row, name) for name in PROFILE_FIELDS if getattr(row, name)}
    if "gender" in values:
        values["gender"] = GENDERS.get(values["gender"].strip().lower(), "other")
    return values


def _profile_changes(known: _Known, row: CleanRow) -> dict:
    wanted = _profile_values(row)
    if known.profile_id is None:
        return wanted
    return {name: value for name, value in wanted.items() if known.profile[name] != value}
