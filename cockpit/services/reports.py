"""The edition's reports: its proceedings (concept note, assignment, the published group documents) and a report for
sponsors (figures, charts, groups and results), as PDF and DOCX, in French or English.

Each file is built by a Celery task and kept in a `Report` row per edition, kind, format, language and version key.
The key hashes what the file prints (for the proceedings: the edition's cover and concept note, the assignment and its
questions, each published submission with its group, stakeholder type and the consenting members' names; for the
sponsors: the figures themselves), so a new publication or an edited concept note gives a new key and a new file,
while a second request with no change reuses the stored one. The key costs a constant number of queries.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cohorts.models import Edition, Sponsor
from malisig.models import User
from submissions.documents.content import SectionContent
from submissions.models import Assignment, NameConsent, Question, ReviewSettings, Submission, SubmittedSection
from submissions.services.assignment import rich_text
from submissions.services.exports import image_loader_for
from submissions.services.publication import consenting_names, published_submissions
from submissions.services.results import exact, ranked_results

from ..documents.proceedings import (
    Proceedings,
    ProceedingsDocument,
    build_proceedings_docx,
    build_proceedings_pdf,
)
from ..documents.sponsors import Chart, SponsorReport, Table, build_sponsor_docx, build_sponsor_pdf
from ..models import Report
from .dashboard import SUBMITTED_STATES, edition_dashboard

logger = logging.getLogger(__name__)

PERM = "cockpit.build_reports"
Kind = Report.Kind
Format = Report.Format
# Part of every key: change it when the builders print differently, so stored files are rebuilt.
SHAPE = "1"
# A build still without a file after this long is taken for lost (a worker died): the next request queues it again.
STALE_AFTER = timedelta(minutes=15)
CONTENT_TYPES = {
    Format.PDF: "application/pdf",
    Format.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class UnknownFormat(ValueError):
    """A format (file extension) the reports are not written in."""


# ---------------------------------------------------------------------------------------------------------------------
# The proceedings: what they print


def _with_school(edition: Edition) -> Edition:
    """The edition with its school read (no query when the caller read it already)."""
    if Edition._meta.get_field("school").is_cached(edition):
        return edition
    return Edition.objects.select_related("school").get(pk=edition.pk)


def _latest_published(edition: Edition) -> list[Submission]:
    """Each group's latest published submission, in stakeholder order (the public page's order). One query."""
    chosen: dict[int, Submission] = {}
    for submission in published_submissions(edition).select_related("group__stakeholder_type"):
        chosen.setdefault(submission.group_id, submission)
    return list(chosen.values())


def published_count(edition: Edition) -> int:
    """How many groups have a published document (what the proceedings print). One query."""
    return published_submissions(edition).order_by().values("group_id").distinct().count()


def proceedings_content(edition: Edition, language: str) -> Proceedings:
    """The proceedings of `edition` as the builders read them, in `language`: each group's published snapshot (its
    frozen sections, not the live draft) with only the names its members agreed to print. Reads only."""
    edition = _with_school(edition)
    assignment = Assignment.objects.filter(edition=edition).first()
    questions = list(Question.objects.filter(assignment=assignment).order_by("position", "pk")) if assignment else []
    submissions = _latest_published(edition)
    sections: dict[int, list[SectionContent]] = {submission.pk: [] for submission in submissions}
    rows = SubmittedSection.objects.filter(submission__in=submissions).order_by("submission_id", "position", "pk")
    for section in rows.only("pk", "submission_id", "title", "html"):
        sections[section.submission_id].append(SectionContent(str(section.pk), section.title, section.html))
    with translation.override(language):
        documents = []
        for submission in submissions:
            group = submission.group
            group.edition = edition  # the image loader reads the edition's slug: no query per group
            documents.append(
                ProceedingsDocument(
                    group_name=group.name,
                    stakeholder=group.stakeholder_type.tr.name,
                    members=consenting_names(group),  # the public page's rule
                    sections=sections[submission.pk],
                    image_loader=image_loader_for(group),
                )
            )
        return Proceedings(
            school_name=edition.school.name,
            edition_title=edition.title,
            theme=edition.theme,
            year=edition.year,
            concept_note_html=str(rich_text(edition.concept_note)),
            assignment_title=assignment.tr.title if assignment else "",
            statement_html=str(rich_text(assignment.tr.statement)) if assignment else "",
            questions=[question.tr.text for question in questions],
            documents=documents,
            generated_at=timezone.now(),
            sponsors=_sponsor_names(edition),
        )


def _sponsor_names(edition: Edition) -> list[str]:
    return list(
        Sponsor.objects.filter(edition=edition).order_by("kind", "position", "name").values_list("name", flat=True)
    )


def proceedings_key(edition: Edition, language: str) -> str:
    """A hash of everything the proceedings print, in `language`. Six queries whatever the number of documents."""
    edition = _with_school(edition)
    parts: list[object] = [
        SHAPE,
        Kind.PROCEEDINGS,
        language,
        edition.school.name,
        edition.title,
        edition.theme,
        edition.year,
        edition.concept_note,
    ]
    parts.append(_sponsor_names(edition))
    parts.append(
        list(
            Assignment.objects.filter(edition=edition).values_list(
                "title_fr", "title_en", "statement_fr", "statement_en"
            )
        )
    )
    parts.append(
        list(
            Question.objects.filter(assignment__edition=edition)
            .order_by("position", "pk")
            .values_list("text_fr", "text_en")
        )
    )
    parts.append(
        list(
            published_submissions(edition).values_list(
                "pk",
                "number",
                "group_id",
                "group__name",
                "group__stakeholder_type__name_fr",
                "group__stakeholder_type__name_en",
                "group__stakeholder_type__position",
            )
        )
    )
    # Who agreed to be named, and under which name: a withdrawn consent or a renamed member gives a new file.
    parts.append(
        list(
            NameConsent.objects.filter(
                group__edition=edition, publish_name=True, user__group_memberships__group=F("group")
            )
            .order_by("group_id", "user_id")
            .values_list("group_id", "user_id", "user__first_name", "user__last_name")
        )
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def build_proceedings(edition: Edition, fmt: str, language: str) -> bytes:
    """The proceedings' file (PDF or DOCX) in `language`. Reads only; raises UnknownFormat."""
    if fmt not in Format.values:
        raise UnknownFormat(fmt)
    content = proceedings_content(edition, language)
    with translation.override(language):
        if fmt == Format.DOCX:
            return build_proceedings_docx(content)
        return build_proceedings_pdf(content)


# ---------------------------------------------------------------------------------------------------------------------
# The report for sponsors: what it prints


def _number(value: int | float) -> str:
    return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def _score(text: str | None) -> str:
    value = exact(text)
    return "—" if value is None else number_format(value, decimal_pos=2, use_l10n=True)


def sponsor_content(edition: Edition, language: str, *, fresh: bool = True) -> SponsorReport:
    """The report for sponsors in `language`: the dashboard's funnel and groups (cockpit.services.dashboard), the
    published documents, and the ranking once the scores are released (else only each group's state). Reads only;
    a constant number of queries. `fresh=False` takes the dashboard's cached figures (at most a couple of minutes
    old), enough for the version key the reports page reads."""
    edition = _with_school(edition)
    with translation.override(language):
        board = edition_dashboard(edition, fresh=fresh)
        first = board.funnel[0].count if board.funnel else 0
        published = published_count(edition)
        submitted = sum(1 for row in board.groups if row.submission_state in SUBMITTED_STATES)
        headline = [
            (_("People in the roster"), _number(first)),
            (_("Groups"), _number(len(board.groups))),
            (_("Groups that submitted their document"), _number(submitted)),
            (_("Published documents"), _number(published)),
            (_("Jurors"), _number(len(board.jury.jurors))),
            (_("Reviews submitted"), _number(board.jury.submitted)),
        ]
        by_type: dict[str, int] = {}
        by_state: dict[str, int] = {}
        for row in board.groups:
            by_type[row.stakeholder_type.tr.name] = by_type.get(row.stakeholder_type.tr.name, 0) + 1
            by_state[row.submission_label] = by_state.get(row.submission_label, 0) + 1
        charts = [
            Chart(
                _("Participants, step by step"),
                [(step.label, step.count) for step in board.funnel],
                notes=[f"{step.percent}\u00a0%" if step.percent is not None else "" for step in board.funnel],
                maximum=first or None,
            ),
            Chart(_("Groups by stakeholder type"), list(by_type.items())),
            Chart(_("Groups by state of their document"), list(by_state.items())),
        ]
        tables = [
            Table(
                _("Participants, step by step"),
                [_("Step"), _("People"), _("Share of the roster")],
                [
                    [step.label, _number(step.count), f"{step.percent}\u00a0%" if step.percent is not None else "—"]
                    for step in board.funnel
                ],
            ),
            Table(
                _("Groups"),
                [_("Group"), _("Stakeholder type"), _("Members"), _("Words"), _("Document")],
                [
                    [
                        row.group.name,
                        row.stakeholder_type.tr.name,
                        _number(row.members),
                        _number(row.words),
                        row.submission_label,
                    ]
                    for row in board.groups
                ],
                empty=_("No group yet."),
            ),
        ]
        notes = []
        released = ReviewSettings.objects.filter(edition=edition, scores_released_at__isnull=False).exists()
        if released:
            ranking = ranked_results(edition)
            tables.append(
                Table(
                    _("Results"),
                    [_("Rank"), _("Group"), _("Stakeholder type"), _("Document"), _("Defense"), _("Final score")],
                    [
                        [
                            str(row.rank) if row.rank is not None else "—",
                            ranking.groups.get(row.group_id, ("—", None))[0],
                            _type_name(ranking, row.group_id),
                            _score(row.document),
                            _score(row.defense),
                            _score(row.final),
                        ]
                        for row in ranking.rows
                        if row.submission_id is not None
                    ],
                    empty=_("No scored document."),
                )
            )
        else:
            notes.append(_("The jury's scores are not released yet: this report gives each group's state only."))
        return SponsorReport(
            school_name=edition.school.name,
            edition_title=edition.title,
            theme=edition.theme,
            year=edition.year,
            sponsors=_sponsor_names(edition),
            headline=headline,
            charts=charts,
            tables=tables,
            notes=notes,
            generated_at=timezone.now(),
        )


def _type_name(ranking, group_id: int) -> str:
    type_id = ranking.groups.get(group_id, ("", None))[1]
    kind = ranking.types.get(type_id)
    return kind.tr.name if kind is not None else "—"


def sponsors_key(edition: Edition, language: str) -> str:
    """A hash of what the report for sponsors prints (its date aside). Constant number of queries."""
    content = replace(sponsor_content(edition, language, fresh=False), generated_at=None)
    return hashlib.sha256(repr((SHAPE, Kind.SPONSORS, language, content)).encode()).hexdigest()


def build_sponsor_report(edition: Edition, fmt: str, language: str) -> bytes:
    """The report for sponsors' file (PDF or DOCX) in `language`. Reads only; raises UnknownFormat."""
    if fmt not in Format.values:
        raise UnknownFormat(fmt)
    content = sponsor_content(edition, language)
    with translation.override(language):
        if fmt == Format.DOCX:
            return build_sponsor_docx(content)
        return build_sponsor_pdf(content)


# ---------------------------------------------------------------------------------------------------------------------
# Any report: key, build, cache


def version_key(edition: Edition, kind: str, language: str) -> str:
    if kind == Kind.SPONSORS:
        return sponsors_key(edition, language)
    return proceedings_key(edition, language)


def build_file(edition: Edition, kind: str, fmt: str, language: str) -> bytes:
    """The report's bytes, built now (the command line and the task). Reads only."""
    if kind == Kind.SPONSORS:
        return build_sponsor_report(edition, fmt, language)
    return build_proceedings(edition, fmt, language)


def is_building(report: Report) -> bool:
    return not report.file and not report.error


def is_stale(report: Report) -> bool:
    return is_building(report) and report.created_at < timezone.now() - STALE_AFTER


def current_reports(edition: Edition, language: str) -> dict[tuple[str, str], Report | None]:
    """{(kind, format): the stored report of the current version, or None}, in `language`. Reads only; a constant
    number of queries (the two keys and one read of the rows)."""
    keys = {kind: version_key(edition, kind, language) for kind in Kind.values}
    found = {
        (report.kind, report.format): report
        for report in Report.objects.filter(edition=edition, language=language, version_key__in=keys.values())
        if keys.get(report.kind) == report.version_key
    }
    return {(kind, fmt): found.get((kind, fmt)) for kind in Kind.values for fmt in Format.values}


def request_report(edition: Edition, kind: str, fmt: str, *, by: User, language: str) -> Report:
    """The report of the current version: the stored one if ready or being built; else a new (or failed, or lost)
    one queued for building after commit.

    Writes: at most one Report row (created, or its error cleared); queues build_report_task after commit.
    Raises PermissionDenied without cockpit.build_reports on the edition, ValueError for an unknown kind or format.
    """
    if not by.has_perm(PERM, edition):
        raise PermissionDenied
    if kind not in Kind.values or fmt not in Format.values:
        raise ValueError(f"unknown report {kind!r} / {fmt!r}")
    return _request(edition, kind, fmt, language, by=by, retry_failed=True)


def public_proceedings(edition: Edition, language: str) -> Report | None:
    """The published proceedings (PDF) of a public edition for anyone: the current version's file, queued for
    building on first request (a failed build is not retried from here: the organisers' page does that).

    None when the edition is a draft or has no published document. Writes as request_report(), without a requester.
    """
    if edition.status == Edition.Status.DRAFT or not published_count(edition):
        return None
    return _request(edition, Kind.PROCEEDINGS, Format.PDF, language, by=None, retry_failed=False)


def _request(edition: Edition, kind: str, fmt: str, language: str, *, by: User | None, retry_failed: bool) -> Report:
    """The Report row of the current version, created (or a failed one reset) and queued unless ready or building."""
    from ..tasks_reports import build_report_task

    key = version_key(edition, kind, language)
    with transaction.atomic():
        report, created = Report.objects.select_for_update().get_or_create(
            edition=edition,
            kind=kind,
            format=fmt,
            language=language,
            version_key=key,
            defaults={"requested_by": by},
        )
        if report.file or (report.error and not retry_failed):
            return report
        if not created and not report.error and not is_stale(report):
            return report  # being built
        if not created:  # failed or lost: try again
            report.error = ""
            report.created_at = timezone.now()
            report.requested_by = by
            report.save(update_fields=["error", "created_at", "requested_by"])
        report_id = report.pk
        transaction.on_commit(lambda: build_report_task.enqueue(report_id=report_id))
    return report


def build_report(report_id: int) -> Report | None:
    """Build the file of a Report row unless it has one (safe to run twice). Writes the file and `finished_at`, or
    `error` when building fails; then deletes the older versions' rows of the same report (their files once
    committed). None if the row is gone."""
    report = Report.objects.select_related("edition").filter(pk=report_id).first()
    if report is None or report.file:
        return report
    try:
        data = build_file(report.edition, report.kind, report.format, report.language)
    except Exception as error:
        logger.exception("Report %s could not be built", report_id)
        Report.objects.filter(pk=report_id, file="").update(error=str(error)[:500] or type(error).__name__)
        return Report.objects.filter(pk=report_id).first()
    name = report.file.field.generate_filename(report, f"report.{report.format}")
    stored = report.file.storage.save(name, ContentFile(data))
    updated = Report.objects.filter(pk=report_id, file="").update(file=stored, finished_at=timezone.now(), error="")
    if not updated:  # another run stored it first
        report.file.storage.delete(stored)
    else:
        _forget_older_versions(report)
    return Report.objects.filter(pk=report_id).first()


def _forget_older_versions(report: Report) -> None:
    """Older versions' files of the same report, language and format are not served any more: delete them."""
    older = list(
        Report.objects.filter(
            edition_id=report.edition_id,
            kind=report.kind,
            format=report.format,
            language=report.language,
            created_at__lte=report.created_at,
        )
        .exclude(pk=report.pk)
        .exclude(version_key=report.version_key)
    )
    if not older:
        return
    Report.objects.filter(pk__in=[row.pk for row in older]).delete()
    files = [row.file for row in older if row.file]
    transaction.on_commit(lambda: [file.delete(save=False) for file in files])


def report_filename(report: Report) -> str:
    stem = "actes" if report.kind == Kind.PROCEEDINGS else "rapport-partenaires"
    if report.language == "en":
        stem = "proceedings" if report.kind == Kind.PROCEEDINGS else "sponsor-report"
    return f"{slugify(report.edition.slug)}-{stem}.{report.format}"


def format_of(path: str) -> str:
    """The report format a file name asks for, from its extension; raises UnknownFormat."""
    suffix = Path(path).suffix.lower().removeprefix(".")
    if suffix not in Format.values:
        raise UnknownFormat(suffix)
    return suffix
