"""Certificates: who qualifies, issuing in bulk through Celery, revoking, and the public check of a code.

Who qualifies
- Participants (EditionRole participant) earn a certificate of participation by the edition's CertificateRules:
  course completed (Enrolment.completed_course, or a completion date), attendance (sessions marked present over
  the edition's attendance sessions, at least `min_attendance` %; with no session recorded yet the rule counts as
  met, and the page says so), their group submitted (a Submission of their group that is not withdrawn). Someone
  who withdrew from the edition, or whose account has no name, never qualifies.
- The jury earns a certificate of contribution: the jury chair for chairing; a juror who submitted at least one
  review or scored at least one group's defense (a juror who did neither did not contribute).
Every standing says why someone does not qualify. All of it is read for the whole edition in a constant number of
queries (see `standings`).

Issuing
`issue_certificates` records a CertificateBatch and queues `issue_certificates_task`, which calls
`run_certificate_batch`: it re-reads who qualifies and issues a certificate (PDF in Certificate.file) to each person
without a valid one of that kind, ten at a time: the PDFs are rendered and stored, then the ten rows and
`batch.done` are written in one transaction, so the progress bar never runs ahead of the certificates. Safe to run
twice: a person already holding a valid certificate is skipped, and the database's partial unique constraint (one
valid certificate per person, kind and edition) refuses a second one from a concurrent run. A worker killed
mid-batch leaves the committed ones in place (and at most ten stored files without a row); the rerun counts them
(issued since the batch was queued) and issues the rest.

Language: the batch's if the organiser chose one, else the person's preferred language, else the edition's
(its school's first language, French by default).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cohorts.models import Attendance, AttendanceEvent, Edition, EditionRole, Enrolment, Role
from groups.models import Group, Membership
from malisig.models import User
from malisig.urls_helpers import absolute_url
from submissions.models import DefenseScore, Review, Submission

from ..documents.certificate import CertificateContent, build_certificate_pdf
from ..models import CODE_ALPHABET, Certificate, CertificateBatch, CertificateRules, new_certificate_code

logger = logging.getLogger(__name__)

MANAGE = "cockpit.manage_certificates"
Kind = Certificate.Kind
Status = CertificateBatch.Status
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)
PROGRESS_EVERY = 10  # certificates per transaction, and between two writes of batch.done
CODE_ATTEMPTS = 3


class NothingToIssue(Exception):
    """Everyone who qualifies already holds a valid certificate of that kind (or nobody qualifies)."""


@dataclass
class Standing:
    """One person's place for a kind of certificate: qualifies or not, and why not."""

    user: User
    kind: str
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    group: Group | None = None
    enrolment_status: str = ""
    present: int = 0
    sessions: int = 0
    jury_role: str = ""
    certificate: Certificate | None = None  # the valid one, if issued

    @property
    def qualifies(self) -> bool:
        return not self.reasons

    @property
    def attendance_percent(self) -> int | None:
        return round(100 * self.present / self.sessions) if self.sessions else None

    @property
    def full_name(self) -> str:
        return self.user.get_full_name()


# ---------------------------------------------------------------------------
# Reading: rules and standings
# ---------------------------------------------------------------------------
def rules_for(edition: Edition) -> CertificateRules:
    """The edition's rules, or the defaults (unsaved) when the organisers have not set any. Reads only."""
    rules = CertificateRules.objects.filter(edition=edition).first()
    return rules if rules is not None else CertificateRules(edition=edition)


def standings(edition: Edition, kind: str, rules: CertificateRules | None = None) -> list[Standing]:
    """Everyone who could hold a certificate of `kind` in the edition, sorted by name. A constant number of queries
    (participants: 8, the jury: 4), whatever the edition's size."""
    if kind == Kind.CONTRIBUTION:
        return juror_standings(edition)
    return participant_standings(edition, rules)


def participant_standings(edition: Edition, rules: CertificateRules | None = None) -> list[Standing]:
    rules = rules or rules_for(edition)
    participant_roles = EditionRole.objects.filter(edition=edition, role=Role.PARTICIPANT)
    people = list(
        User.objects.filter(pk__in=participant_roles.values("user_id"))
        .order_by("last_name", "first_name", "email")
        .only("pk", "email", "first_name", "last_name", "preferred_language")
    )
    wanted = participant_roles.values("user_id")
    enrolments = {
        user_id: (status, completed, completion_date)
        for user_id, status, completed, completion_date in Enrolment.objects.filter(
            edition=edition, user_id__in=wanted
        ).values_list("user_id", "status", "completed_course", "completion_date")
    }
    sessions = AttendanceEvent.objects.filter(edition=edition).count()
    present = dict(
        Attendance.objects.filter(event__edition=edition, present=True, enrolment__user_id__in=wanted)
        .values("enrolment__user_id")
        .annotate(count=Count("pk"))
        .values_list("enrolment__user_id", "count")
    )
    groups = {
        membership.user_id: membership.group
        for membership in Membership.objects.filter(edition=edition).select_related("group__stakeholder_type")
    }
    submitted = set(
        Submission.objects.filter(group__edition=edition)
        .exclude(state=Submission.State.WITHDRAWN)
        .values_list("group_id", flat=True)
        .distinct()
    )
    held = _valid_certificates(edition, Kind.PARTICIPATION)

    result = []
    for person in people:
        status, completed, completion_date = enrolments.get(person.pk, ("", None, None))
        standing = Standing(
            user=person,
            kind=Kind.PARTICIPATION,
            group=groups.get(person.pk),
            enrolment_status=status,
            present=present.get(person.pk, 0),
            sessions=sessions,
            certificate=held.get(person.pk),
        )
        if not person.get_full_name():
            standing.reasons.append(_("No name in their account."))
        if status == Enrolment.Status.WITHDRAWN:
            standing.reasons.append(_("Withdrew from the edition."))
        if rules.course_completed and not (completed or completion_date):
            standing.reasons.append(_("Online course not completed."))
        if rules.min_attendance is not None:
            if not sessions:
                standing.notes.append(_("No attendance taken yet: the attendance rule is not counted."))
            elif standing.present * 100 < rules.min_attendance * sessions:
                standing.reasons.append(
                    _("Attended %(percent)s%% of the sessions (%(present)s of %(sessions)s); %(minimum)s%% required.")
                    % {
                        "percent": standing.attendance_percent,
                        "present": standing.present,
                        "sessions": sessions,
                        "minimum": rules.min_attendance,
                    }
                )
        if rules.group_submitted:
            if standing.group is None:
                standing.reasons.append(_("Not in a group."))
            elif standing.group.pk not in submitted:
                standing.reasons.append(_("Their group has not submitted its document."))
        result.append(standing)
    return result


def juror_standings(edition: Edition) -> list[Standing]:
    jury = {}
    for role in (
        EditionRole.objects.filter(edition=edition, role__in=[Role.JUROR, Role.JURY_CHAIR])
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email")
    ):
        if role.user_id not in jury or role.role == Role.JURY_CHAIR:
            jury[role.user_id] = role
    reviewed = set(
        Review.objects.filter(submission__group__edition=edition, state=Review.State.SUBMITTED)
        .values_list("juror_id", flat=True)
        .distinct()
    )
    scored = set(DefenseScore.objects.filter(group__edition=edition).values_list("juror_id", flat=True).distinct())
    held = _valid_certificates(edition, Kind.CONTRIBUTION)
    result = []
    for user_id, role in jury.items():
        standing = Standing(user=role.user, kind=Kind.CONTRIBUTION, jury_role=role.role, certificate=held.get(user_id))
        if not role.user.get_full_name():
            standing.reasons.append(_("No name in their account."))
        if role.role != Role.JURY_CHAIR and user_id not in reviewed and user_id not in scored:
            standing.reasons.append(_("No review submitted and no defense scored."))
        result.append(standing)
    return result


def _valid_certificates(edition: Edition, kind: str) -> dict[int, Certificate]:
    return {
        certificate.user_id: certificate
        for certificate in Certificate.objects.filter(edition=edition, kind=kind, revoked_at__isnull=True)
    }


def language_for(user: User, edition: Edition, chosen: str = "") -> str:
    """The batch's language if chosen, else the person's, else the edition's (its school's first language)."""
    if chosen in LANGUAGES:
        return chosen
    if getattr(user, "preferred_language", "") in LANGUAGES:
        return user.preferred_language
    school_first = (edition.school.languages or "").split(",")[0].strip()
    return school_first if school_first in LANGUAGES else settings.LANGUAGE_CODE


# ---------------------------------------------------------------------------
# Writing: rules, issuing, revoking
# ---------------------------------------------------------------------------
def _require_manager(edition: Edition, by: User | None) -> None:
    if by is None or not by.has_perm(MANAGE, edition):
        raise PermissionDenied


RULE_FIELDS = ("course_completed", "min_attendance", "group_submitted", "signatory_name", "signatory_title")


@transaction.atomic
def save_rules(edition: Edition, values: dict, *, by: User) -> CertificateRules:
    """Create or update the edition's rules. Side effects: one CertificateRules row. Issued certificates are kept."""
    _require_manager(edition, by)
    rules, _created = CertificateRules.objects.select_for_update().get_or_create(edition=edition)
    for name in RULE_FIELDS:
        if name in values:
            setattr(rules, name, values[name])
    rules.save()
    logger.info("Certificate rules of %s saved by %s", edition.slug, by.pk)
    return rules


@transaction.atomic
def issue_certificates(edition: Edition, kind: str, *, by: User, language: str = "") -> CertificateBatch:
    """Queue the issue of certificates of `kind` to everyone qualifying without one. Side effects: a
    CertificateBatch (queued, total = people to certify now); issue_certificates_task after commit. Raises
    NothingToIssue when there is nobody to certify, ValueError for an unknown kind or language."""
    _require_manager(edition, by)
    if kind not in Kind.values:
        raise ValueError(f"Unknown certificate kind {kind!r}")
    if language and language not in LANGUAGES:
        raise ValueError(f"Unknown language {language!r}")
    waiting = [standing for standing in standings(edition, kind) if standing.qualifies and not standing.certificate]
    if not waiting:
        raise NothingToIssue
    batch = CertificateBatch.objects.create(edition=edition, kind=kind, total=len(waiting), created_by=by)
    from ..tasks_certificates import issue_certificates_task

    transaction.on_commit(lambda: issue_certificates_task.enqueue(batch_id=batch.pk, language=language))
    logger.info("Certificate batch %s (%s, %s people) queued by %s", batch.pk, kind, len(waiting), by.pk)
    return batch


def run_certificate_batch(batch_id: int, *, language: str = "") -> int:
    """What the Celery task does. Issues a certificate, PDF included, to each qualifying person of the batch's
    edition without a valid one, and renders the missing PDF of any valid certificate without a file. Side effects:
    Certificate rows and their files; batch status, total, done and finished_at. Returns how many certificates this
    run issued. A rerun (worker killed, task retried) carries on where the last committed chunk ended."""
    batch = CertificateBatch.objects.select_related("edition__school", "created_by").filter(pk=batch_id).first()
    if batch is None:
        logger.warning("Certificate batch %s vanished before it ran", batch_id)
        return 0
    if batch.status == Status.DONE:
        return 0
    edition = batch.edition
    try:
        qualifying = [standing for standing in standings(edition, batch.kind) if standing.qualifies]
        to_render = [standing for standing in qualifying if standing.certificate and not standing.certificate.file]
        to_issue = [standing for standing in qualifying if standing.certificate is None]
        # Issued by an earlier run of this batch (or a concurrent one): they count as done.
        done = sum(
            1
            for standing in qualifying
            if standing.certificate and standing.certificate.file and standing.certificate.issued_at >= batch.created_at
        )
        total = done + len(to_issue) + len(to_render)
        CertificateBatch.objects.filter(pk=batch.pk).update(status=Status.RUNNING, total=total, done=done, error="")
        context = _BatchContext(edition, batch.kind, rules_for(edition), language, batch.created_by)
        for standing in to_render:
            _render_missing_file(standing.certificate, standing, context)
            done += 1
            CertificateBatch.objects.filter(pk=batch.pk).update(done=done)
        issued = 0
        for start in range(0, len(to_issue), PROGRESS_EVERY):
            chunk = to_issue[start : start + PROGRESS_EVERY]
            prepared = [(standing, _prepared(standing, context)) for standing in chunk]  # the slow part
            with transaction.atomic():  # the rows and the progress together: `done` never runs ahead
                issued += _insert_chunk(prepared, context)
                done += len(chunk)
                CertificateBatch.objects.filter(pk=batch.pk).update(done=done)
    except Exception as error:
        logger.exception("Certificate batch %s failed", batch.pk)
        CertificateBatch.objects.filter(pk=batch.pk).update(
            status=Status.FAILED, error=str(error)[:500], finished_at=timezone.now()
        )
        return 0
    CertificateBatch.objects.filter(pk=batch.pk).update(status=Status.DONE, done=done, finished_at=timezone.now())
    logger.info("Certificate batch %s done: %s issued", batch.pk, issued)
    return issued


@dataclass
class _BatchContext:
    edition: Edition
    kind: str
    rules: CertificateRules
    language: str
    by: User | None


def _insert_chunk(prepared: list[tuple[Standing, Certificate]], context: _BatchContext) -> int:
    """Insert a few prepared certificates at once; when the database refuses them (someone got a certificate
    meanwhile, or a code was taken), one by one. Returns how many were inserted."""
    try:
        with transaction.atomic():
            Certificate.objects.bulk_create([certificate for _standing, certificate in prepared])
        return len(prepared)
    except IntegrityError:
        pass
    issued = 0
    for standing, certificate in prepared:
        if _insert(certificate) or _issue_one(standing, context) is not None:
            issued += 1
    return issued


def _prepared(standing: Standing, context: _BatchContext) -> Certificate:
    """A new certificate with a fresh code and its PDF stored, not saved yet."""
    certificate = Certificate(
        edition=context.edition,
        user=standing.user,
        kind=context.kind,
        code=new_certificate_code(),
        full_name=standing.full_name[:310],
        language=language_for(standing.user, context.edition, context.language),
        issued_at=timezone.now(),
        issued_by=context.by,
    )
    _attach_pdf(certificate, standing, context)
    return certificate


def _insert(certificate: Certificate) -> bool:
    """Insert the row; on refusal, forget its file and say so."""
    try:
        with transaction.atomic():
            certificate.save(force_insert=True)
    except IntegrityError:
        certificate.file.delete(save=False)
        certificate.pk = None
        return False
    return True


def _issue_one(standing: Standing, context: _BatchContext) -> Certificate | None:
    """One certificate; None when a valid one exists already (a concurrent run issued it)."""
    for _attempt in range(CODE_ATTEMPTS):
        if Certificate.objects.filter(
            edition=context.edition, user=standing.user, kind=context.kind, revoked_at__isnull=True
        ).exists():
            return None
        certificate = _prepared(standing, context)
        if _insert(certificate):
            return certificate
        # Refused although nobody holds one: the code was taken. Draw another.
    raise RuntimeError("No free certificate code after several attempts")


def _render_missing_file(certificate: Certificate, standing: Standing, context: _BatchContext) -> None:
    _attach_pdf(certificate, standing, context)
    updated = Certificate.objects.filter(pk=certificate.pk, file="").update(file=certificate.file.name)
    if not updated:
        certificate.file.delete(save=False)


def _attach_pdf(certificate: Certificate, standing: Standing, context: _BatchContext) -> None:
    pdf = build_certificate_pdf(certificate_content(certificate, standing, context.rules))
    certificate.file.save(f"{certificate.code}.pdf", ContentFile(pdf), save=False)


def certificate_content(certificate: Certificate, standing: Standing, rules: CertificateRules) -> CertificateContent:
    edition = certificate.edition
    group = standing.group if certificate.kind == Kind.PARTICIPATION else None
    with translation.override(certificate.language):
        stakeholder = group.stakeholder_type.tr.name if group is not None and group.stakeholder_type_id else ""
    return CertificateContent(
        kind=certificate.kind,
        language=certificate.language,
        code=certificate.code,
        verification_url=verification_url(certificate.code),
        full_name=certificate.full_name,
        school_name=edition.school.name,
        edition_title=edition.title,
        issued_on=timezone.localdate(certificate.issued_at),
        starts_on=edition.starts_on,
        ends_on=edition.ends_on,
        venue=edition.venue,
        group_name=group.name if group is not None else "",
        stakeholder=stakeholder,
        jury_role=standing.jury_role,
        signatory_name=rules.signatory_name,
        signatory_title=rules.signatory_title,
    )


def verification_url(code: str) -> str:
    return absolute_url(reverse("cockpit:verify_certificate", kwargs={"code": code}))


@transaction.atomic
def revoke_certificate(certificate: Certificate, *, by: User, reason: str) -> Certificate:
    """Revoke a certificate: its code no longer verifies, and a new one may be issued to the person. Side effects:
    revoked_at/by/reason on the row (the file is kept as a record). Revoking twice changes nothing. Raises
    ValidationError({"reason": ...}) without a reason."""
    _require_manager(certificate.edition, by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the certificate is revoked.")})
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.revoked_by = by
    locked.revoke_reason = reason[:300]
    locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    logger.info("Certificate %s revoked by %s", locked.pk, by.pk)
    return locked


# ---------------------------------------------------------------------------
# Checking and downloading
# ---------------------------------------------------------------------------
def normalise_code(raw: str) -> str:
    """A code as typed (any case, spaces, dashes or none) in its printed form, or "" if it cannot be one."""
    letters = re.sub(r"[^A-Za-z0-9]", "", raw or "").upper()
    if len(letters) != 12 or any(letter not in CODE_ALPHABET for letter in letters):
        return ""
    return "-".join(letters[i : i + 4] for i in range(0, 12, 4))


def verify_code(raw: str) -> Certificate | None:
    """The valid certificate with this code, or None (unknown, malformed or revoked alike). Reads only."""
    code = normalise_code(raw)
    if not code:
        return None
    return (
        Certificate.objects.select_related("edition__school")
        .filter(code=code, revoked_at__isnull=True)
        .only("code", "full_name", "kind", "issued_at", "language", "edition__title", "edition__school__name")
        .first()
    )


def certificate_file_name(certificate: Certificate) -> str:
    with translation.override(certificate.language):
        label = _("certificate") if certificate.kind == Kind.PARTICIPATION else _("certificate-of-contribution")
    return f"{label}-{certificate.edition.slug}-{certificate.code}.pdf"
