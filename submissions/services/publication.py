"""Publication of accepted documents on the edition's public page (HTML and PDF), members' consent to have their
name printed, and the side-by-side comparison of the groups' answers, question by question, by stakeholder type.

Publishing itself is `review.publish()` (the state change); this module chooses what may be published, publishes
the accepted documents together, and reads what the public and the jury are allowed to see.
"""

import hashlib
import html as html_lib
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation

from cohorts.models import Edition
from groups.models import Group, Membership, StakeholderType
from malisig.models import User

from ..documents import build_pdf
from ..documents.content import DocumentContent, SectionContent
from ..models import Assignment, ExportFile, NameConsent, SectionTemplate, Submission, SubmittedSection
from . import review
from .exports import image_loader_for
from .reviews import jury_images
from .submission import InvalidTransition

S = Submission.State
CONFIGURE = "submissions.configure_review"
READ_FOR_JURY = "submissions.read_for_jury"
# What the organiser may publish: a group's current submission, accepted (defended or not).
PUBLISHABLE = frozenset({S.ACCEPTED, S.DEFENDED})
# What the jury compares: the current submission of each group, under review or decided (not withdrawn).
FOR_JURY = review.UNDER_JURY | review.DECIDED
PUBLISHED_PDF_PREFIX = "published-"


# ---------------------------------------------------------------------------
# Name consent


def is_member(group: Group, user: User) -> bool:
    return user.is_authenticated and Membership.objects.filter(group=group, user=user).exists()


def consent_of(group: Group, user: User) -> NameConsent | None:
    """The member's answer, or None (not asked yet: their name is not printed)."""
    if not user.is_authenticated:
        return None
    return NameConsent.objects.filter(group=group, user=user).first()


@transaction.atomic
def set_name_consent(group: Group, *, by: User, publish_name: bool) -> NameConsent:
    """A member says whether their own name is printed with the group's published document.

    Writes one NameConsent row (created or updated) and drops the cached published PDFs of the group (the next
    download is built with the new list of names). Raises PermissionDenied if `by` is not a member of the group.
    """
    if not is_member(group, by):
        raise PermissionDenied
    consent, _created = NameConsent.objects.update_or_create(
        group=group, user=by, defaults={"publish_name": publish_name, "answered_at": timezone.now()}
    )
    _drop_published_pdfs(group)
    return consent


def consenting_names(group: Group) -> list[str]:
    """The full names of the group's members who agreed to have them printed (no answer: not printed).
    Never an email address: a member without a name is left out."""
    members = (
        User.objects.filter(
            group_memberships__group=group,
            pk__in=NameConsent.objects.filter(group=group, publish_name=True).values("user_id"),
        )
        .order_by("last_name", "first_name")
        .only("first_name", "last_name")
    )
    return [name for name in (member.get_full_name() for member in members) if name]


# ---------------------------------------------------------------------------
# Publishing


def _current(edition: Edition) -> QuerySet[Submission]:
    """Each group's current (latest) submission in the edition."""
    latest = Submission.objects.filter(group=OuterRef("group")).order_by("-number").values("number")[:1]
    return Submission.objects.filter(group__edition=edition, number=Subquery(latest))


def publication_candidates(edition: Edition) -> list[Submission]:
    """The current submissions the organiser may publish or has published, by stakeholder type then group."""
    return list(
        _current(edition)
        .filter(state__in=PUBLISHABLE | {S.PUBLISHED})
        .select_related("group__stakeholder_type")
        .order_by("group__stakeholder_type__position", "group__name", "group_id")
    )


def publish_submission(submission: Submission, *, by: User) -> Submission:
    """Publish one accepted (or defended) document: `review.publish()`, after checking it is the group's current
    submission. Raises PermissionDenied, InvalidTransition (not accepted, already published, superseded)."""
    if not by.has_perm(CONFIGURE, submission.group.edition):
        raise PermissionDenied
    latest = Submission.objects.filter(group_id=submission.group_id).order_by("-number").values("pk").first()
    if latest is None or latest["pk"] != submission.pk:
        raise InvalidTransition(submission.state, S.PUBLISHED)
    return review.publish(submission, by=by)


def publish_all_accepted(edition: Edition, *, by: User) -> list[Submission]:
    """Publish every group's current accepted (or defended) document at once. Those that moved meanwhile are left
    as they are. Writes: states and SubmissionChanges (one per document); notifications after commit."""
    if not by.has_perm(CONFIGURE, edition):
        raise PermissionDenied
    published = []
    for submission in _current(edition).filter(state__in=PUBLISHABLE).select_related("group__edition"):
        try:
            published.append(review.publish(submission, by=by))
        except InvalidTransition:
            continue
    return published


# ---------------------------------------------------------------------------
# What the public reads


def public_editions() -> QuerySet[Edition]:
    """Editions whose public page exists (not drafts): the same rule as cohorts' public pages."""
    return Edition.objects.exclude(status=Edition.Status.DRAFT)


def published_submissions(edition: Edition) -> QuerySet[Submission]:
    """The edition's published documents, by stakeholder type then group name."""
    return (
        Submission.objects.filter(group__edition=edition, state=S.PUBLISHED)
        .select_related("group__stakeholder_type")
        .order_by("group__stakeholder_type__position", "group__name", "group_id", "-number")
    )


_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]*)(")', re.IGNORECASE)


def _group_image_id(group: Group, src: str) -> int | None:
    """The id of the group file an image address points at (the workspace's permission-checked address)."""
    try:
        match = resolve(urlsplit(html_lib.unescape(src)).path)
    except (Resolver404, ValueError):
        return None
    if match.view_name != "submissions:group_file":
        return None
    if match.kwargs.get("slug") != group.edition.slug or match.kwargs.get("group_pk") != group.pk:
        return None
    return match.kwargs.get("file_pk")


def image_ids(submission: Submission) -> set[int]:
    """The group files shown as images in the submission's frozen sections: the only ones made public."""
    ids = set()
    for text in SubmittedSection.objects.filter(submission=submission).values_list("html", flat=True):
        for match in _IMG_SRC.finditer(text):
            file_id = _group_image_id(submission.group, match.group(2))
            if file_id is not None:
                ids.add(file_id)
    return ids


def public_html(submission: Submission, text: str) -> str:
    """A frozen section's HTML (sanitised on save) with its images pointing at their public address."""

    def swap(match: re.Match) -> str:
        file_id = _group_image_id(submission.group, match.group(2))
        if file_id is None:
            return match.group(0)
        edition = submission.group.edition
        address = reverse("submissions:published_image", args=[edition.slug, submission.pk, file_id])
        return f"{match.group(1)}{address}{match.group(3)}"

    return _IMG_SRC.sub(swap, text) if "<img" in text.lower() else text


def public_sections(submission: Submission) -> list[SubmittedSection]:
    """The published snapshot's sections in order, `html` ready for the public page."""
    sections = list(SubmittedSection.objects.filter(submission=submission).order_by("position", "pk"))
    for section in sections:
        section.html = public_html(submission, section.html)
    return sections


def published_document_content(submission: Submission, language: str) -> DocumentContent:
    """The published snapshot as the builders read it: its frozen sections and only the consenting members."""
    group = submission.group
    edition = group.edition
    assignment = Assignment.objects.filter(edition=edition).first()
    sections = SubmittedSection.objects.filter(submission=submission).order_by("position", "pk")
    with translation.override(language):
        return DocumentContent(
            edition_title=edition.title,
            school_name=edition.school.name,
            assignment_title=assignment.tr.title if assignment else edition.title,
            group_name=group.name,
            stakeholder=group.stakeholder_type.tr.name if group.stakeholder_type_id else "",
            members=consenting_names(group),
            sections=[SectionContent(str(section.pk), section.title, section.html) for section in sections],
            generated_at=timezone.now(),
        )


def _published_key(submission: Submission, language: str, names: list[str]) -> str:
    # The names are part of the key: a member who withdraws consent never finds their name in a cached file.
    digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]
    return f"{PUBLISHED_PDF_PREFIX}{submission.pk}-{language}-{digest}"


def published_pdf(submission: Submission, language: str) -> ExportFile:
    """The PDF of a published document, built from its snapshot on first request and cached per submission,
    language and list of consenting names. Writes one ExportFile and its file (safe to run twice)."""
    if submission.state != S.PUBLISHED:
        raise PermissionDenied
    content = published_document_content(submission, language)
    key = _published_key(submission, language, content.members or [])
    group = submission.group
    existing = ExportFile.objects.filter(group=group, kind=ExportFile.Kind.PDF, version_key=key).first()
    if existing is not None:
        return existing
    with translation.override(language):
        data = build_pdf(content, image_loader_for(group))
    export = ExportFile(group=group, kind=ExportFile.Kind.PDF, version_key=key)
    export.file.save("published.pdf", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            export.save()
    except IntegrityError:
        export.file.delete(save=False)  # another request stored it first
        return ExportFile.objects.get(group=group, kind=ExportFile.Kind.PDF, version_key=key)
    return export


def _drop_published_pdfs(group: Group) -> None:
    """Forget the group's cached published PDFs (their names changed); the files go once the change is committed."""
    stale = list(ExportFile.objects.filter(group=group, version_key__startswith=PUBLISHED_PDF_PREFIX))
    ExportFile.objects.filter(pk__in=[export.pk for export in stale]).delete()
    transaction.on_commit(lambda: [export.file.delete(save=False) for export in stale])


# ---------------------------------------------------------------------------
# The side-by-side comparison


@dataclass
class Answer:
    label: str
    group: Group
    submission: Submission
    html: str
    words: int


@dataclass
class Column:
    stakeholder: StakeholderType
    answers: list[Answer] = field(default_factory=list)


@dataclass
class Row:
    number: int
    template: SectionTemplate
    columns: list[Column]


@dataclass
class Comparison:
    questions: list[SectionTemplate]
    stakeholders: list[StakeholderType]
    rows: list[Row]
    selected: int | None  # the question number shown alone, or None for all

    @property
    def is_empty(self) -> bool:
        return not self.stakeholders


def comparison_questions(edition: Edition) -> list[SectionTemplate]:
    """The parts compared: the assignment's questions in order (introductions and conclusions frame a document
    rather than answer the exercise; each document's page shows them). Without any question part, every part."""
    templates = list(SectionTemplate.objects.filter(assignment__edition=edition).order_by("position", "pk"))
    questions = [template for template in templates if template.kind == SectionTemplate.Kind.QUESTION]
    return questions or templates


def _comparison(
    questions: list[SectionTemplate],
    submissions: list[Submission],
    labels: dict[int, str],
    selected: int | None,
    *,
    public: bool = False,
) -> Comparison:
    shown = [(number, template) for number, template in enumerate(questions, start=1) if selected in (None, number)]
    sections = SubmittedSection.objects.filter(submission__in=submissions).only(
        "submission_id", "template_id", "position", "html", "words"
    )
    by_template: dict[tuple[int, int], SubmittedSection] = {}
    by_position: dict[tuple[int, int], SubmittedSection] = {}
    for section in sections:
        if section.template_id is not None:
            by_template[(section.submission_id, section.template_id)] = section
        by_position[(section.submission_id, section.position)] = section

    stakeholders: list[StakeholderType] = []
    for submission in submissions:  # ordered by stakeholder type position
        if submission.group.stakeholder_type not in stakeholders:
            stakeholders.append(submission.group.stakeholder_type)
    # The jury reads images through its own view (never the workspace's): one rewriter per group.
    jury_html = {} if public else {s.group_id: jury_images(s.group) for s in submissions}
    rows = []
    for number, template in shown:
        columns = {kind.pk: Column(kind) for kind in stakeholders}
        for submission in submissions:
            section = by_template.get((submission.pk, template.pk)) or by_position.get(
                (submission.pk, template.position)
            )
            columns[submission.group.stakeholder_type_id].answers.append(
                Answer(
                    label=labels[submission.group_id],
                    group=submission.group,
                    submission=submission,
                    html=(
                        public_html(submission, section.html)
                        if public
                        else jury_html[submission.group_id](section.html)
                    )
                    if section
                    else "",
                    words=section.words if section else 0,
                )
            )
        rows.append(Row(number, template, list(columns.values())))
    return Comparison(questions, stakeholders, rows, selected)


def _selected(questions: list[SectionTemplate], q: str | int | None) -> int | None:
    try:
        number = int(q)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= len(questions) else None


def _ordered(submissions, rank=None) -> list[Submission]:
    """By stakeholder type, then by `rank(submission)` (default: the group's name)."""
    rank = rank or (lambda s: (s.group.name, s.group_id))
    return sorted(
        submissions, key=lambda s: (s.group.stakeholder_type.position, s.group.stakeholder_type.code, rank(s))
    )


def public_comparison(edition: Edition, q: str | int | None = None) -> Comparison:
    """Every published document, question by question, columns by stakeholder type. Reads only."""
    questions = comparison_questions(edition)
    submissions: dict[int, Submission] = {}
    for submission in published_submissions(edition):
        submission.group.edition = edition  # read for the images' addresses: no query per group
        submissions.setdefault(submission.group_id, submission)  # the latest published of a group
    ordered = _ordered(submissions.values())
    labels = {submission.group_id: submission.group.name for submission in ordered}
    return _comparison(questions, ordered, labels, _selected(questions, q), public=True)


def may_compare_for_jury(user: User, edition: Edition) -> bool:
    return user.has_perm("submissions.serve_on_jury", edition) or user.has_perm("submissions.chair_review", edition)


def jury_comparison(edition: Edition, *, by: User, q: str | int | None = None) -> Comparison:
    """The current submissions under review or decided, of the groups `by` may read for the jury (conflicted groups
    left out); in blind review the groups are "Document N" (organisers, who run the edition, see names).
    Raises PermissionDenied if `by` is neither on the jury nor running it. Reads only."""
    if not may_compare_for_jury(by, edition):
        raise PermissionDenied
    questions = comparison_questions(edition)
    current = (
        _current(edition)
        .filter(state__in=FOR_JURY)
        .select_related("group__stakeholder_type")
        .order_by("group__stakeholder_type__position", "group__name", "group_id")
    )
    readable = []
    for submission in current:
        submission.group.edition = edition  # the predicates read the edition: no query per group
        if by.has_perm(READ_FOR_JURY, submission.group):
            readable.append(submission)
    review_settings = review.review_settings_for(edition)
    if review_settings.blind and not by.has_perm(CONFIGURE, edition):
        numbers = review.blind_numbers(edition)
        labels = {s.group_id: review.jury_label(s.group, review_settings, numbers) for s in readable}
        ordered = _ordered(readable, lambda s: numbers.get(s.group_id, 0))  # the names' order would tell
    else:
        labels = {s.group_id: s.group.name for s in readable}
        ordered = _ordered(readable)
    return _comparison(questions, ordered, labels, _selected(questions, q))
