"""Handing in the document: what is still missing, members' confirmations, submit, withdraw.

Submission states, written once here (ARCHITECTURE "Workflow states"): `transition_submission()` is the only
writer of `Submission.state` after creation; `ALLOWED` lists the transitions. The review issue extends `ALLOWED`
(e.g. submitted → in review → changes requested) and adds its named wrappers that call `transition_submission()`.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import Group, Membership
from malisig.models import User

from ..models import (
    GroupFile,
    MemberConfirmation,
    Section,
    Submission,
    SubmissionChange,
    SubmittedFile,
    SubmittedSection,
)
from .deadlines import window_for
from .workspace import WorkspaceClosed, ensure_sections, has_pending_submission, settings_for

S = Submission.State
# The whole workflow of a submission, from hand-in to publication. The group withdraws before the deadline; the
# chair starts the review, stages decisions that are released together (services.review); an accepted document is
# defended at the closing ceremony, then published. A group asked for changes hands in a new submission
# (RESUBMITTED); every earlier one stays as it ended.
ALLOWED: dict[str, set[str]] = {
    S.SUBMITTED: {S.WITHDRAWN, S.IN_REVIEW},
    S.RESUBMITTED: {S.WITHDRAWN, S.IN_REVIEW},
    S.IN_REVIEW: {S.CHANGES_REQUESTED, S.ACCEPTED, S.NOT_ACCEPTED},
    S.ACCEPTED: {S.DEFENDED, S.PUBLISHED},
    S.DEFENDED: {S.PUBLISHED},
}
SUBMIT = "submissions.submit_document"


class SubmissionRefused(WorkspaceClosed):
    """The group may not submit (or withdraw) now; `message` says why, `messages` lists every reason."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(" ".join(self.messages))


class InvalidTransition(Exception):
    def __init__(self, old: str, new: str):
        super().__init__(f"{old} → {new}")
        self.old, self.new = old, new


def _last_edit(sections: list[Section]):
    return max((section.updated_at for section in sections if section.updated_at), default=None)


def _valid_confirmations(group: Group, sections: list[Section]) -> dict[int, MemberConfirmation]:
    """Confirmations given after the last edit of any section: an edit voids the earlier ones."""
    last_edit = _last_edit(sections)
    confirmations = MemberConfirmation.objects.filter(group=group)
    if last_edit is not None:
        confirmations = confirmations.filter(confirmed_at__gte=last_edit)
    return {confirmation.user_id: confirmation for confirmation in confirmations}


def members_with_confirmation(group: Group) -> list[tuple[User, MemberConfirmation | None]]:
    """Every member of the group with their valid confirmation, or None."""
    valid = _valid_confirmations(group, ensure_sections(group))
    members = Membership.objects.filter(group=group).select_related("user").order_by("user__first_name", "pk")
    return [(membership.user, valid.get(membership.user_id)) for membership in members]


def missing_for_submission(group: Group) -> list[str]:
    """What stops the group from submitting, one clear message each (empty: nothing missing)."""
    settings = settings_for(group)
    sections = ensure_sections(group)
    missing = []
    for section in sections:
        title = section.template.tr.title
        if section.template.required and section.words == 0:
            missing.append(_("The section “%(title)s” is required and still empty.") % {"title": title})
        limit = section.template.word_limit
        if limit and section.words > limit:
            missing.append(
                _("The section “%(title)s” has %(words)d words, over its limit of %(limit)d.")
                % {"title": title, "words": section.words, "limit": limit}
            )
    if settings is not None and settings.presentation_required:
        current = GroupFile.objects.filter(group=group, role=GroupFile.Role.PRESENTATION, replaced_at__isnull=True)
        if not current.exists():
            missing.append(_("The presentation (PPTX or PDF) is missing."))
    if settings is not None and settings.members_confirm:
        valid = _valid_confirmations(group, sections)
        waiting = [
            str(membership.user)
            for membership in Membership.objects.filter(group=group).select_related("user").order_by("pk")
            if membership.user_id not in valid
        ]
        if waiting:
            missing.append(
                _("Every member confirms the document before it is submitted; still waiting for: %(names)s.")
                % {"names": ", ".join(waiting)}
            )
    return missing


def confirm(group: Group, *, by: User) -> MemberConfirmation:
    """A member confirms the document as it is now. Writes one MemberConfirmation row (replacing theirs)."""
    if not by.has_perm("submissions.write_sections", group):
        raise PermissionDenied
    if has_pending_submission(group):
        raise WorkspaceClosed(_("The document is already submitted."))
    confirmation, _created = MemberConfirmation.objects.update_or_create(
        group=group, user=by, defaults={"confirmed_at": timezone.now()}
    )
    return confirmation


def _snapshot_language(group: Group) -> str:
    languages = [code.strip() for code in (group.edition.school.languages or "").split(",") if code.strip()]
    return languages[0] if languages else "fr"


@transaction.atomic
def submit(group: Group, *, by: User, declaration_accepted: bool) -> Submission:
    """The coordinator hands in the document: a frozen snapshot of every section and the current files.

    Writes: one Submission, its SubmittedSection and SubmittedFile rows, one SubmissionChange. After commit, queues
    notify_submission_received_task (an email to every member). Raises PermissionDenied, SubmissionRefused.
    """
    # lock: two clicks (or two coordinators' tabs) must not hand in twice
    group = Group.objects.select_for_update().get(pk=group.pk)
    if not by.has_perm(SUBMIT, group):
        raise PermissionDenied
    settings = settings_for(group)
    window = window_for(group, settings)
    if not window.is_open:
        raise SubmissionRefused(_("The assignment is not open yet."))
    if window.is_past_cutoff:
        raise SubmissionRefused(_("The deadline has passed: the document can no longer be submitted."))
    if has_pending_submission(group):
        raise SubmissionRefused(_("The document is already submitted."))
    if not declaration_accepted:
        raise SubmissionRefused(_("Accept the statement to submit the document."))
    missing = missing_for_submission(group)
    if missing:
        raise SubmissionRefused(missing)

    last = Submission.objects.filter(group=group).order_by("-number").values_list("number", "state").first()
    number, state = (last[0] + 1, _first_state_after(last[1])) if last else (1, S.SUBMITTED)
    submission = Submission.objects.create(
        group=group, number=number, state=state, submitted_by=by, submitted_at=timezone.now(),
        deadline=window.deadline, is_late=window.is_late, declaration=settings.tr.declaration if settings else "",
    )  # fmt: skip
    language = _snapshot_language(group)
    SubmittedSection.objects.bulk_create(
        SubmittedSection(
            submission=submission,
            template=section.template,
            position=section.template.position,
            title=getattr(section.template, f"title_{language}", "") or section.template.title_fr,
            html=section.html,
            words=section.words,
            version=section.version,
        )
        for section in ensure_sections(group)
    )
    files = GroupFile.objects.filter(
        group=group, replaced_at__isnull=True, role__in=[GroupFile.Role.PRESENTATION, GroupFile.Role.ATTACHMENT]
    )
    SubmittedFile.objects.bulk_create(SubmittedFile(submission=submission, group_file=file) for file in files)
    SubmissionChange.objects.create(submission=submission, old="", new=state, by=by)

    from ..tasks import notify_submission_received_task

    transaction.on_commit(lambda: notify_submission_received_task.enqueue(submission_id=submission.pk))
    return submission


def _first_state_after(previous_state: str) -> str:
    """A document handed in again after the jury asked for changes is "resubmitted": the jury reads it against the
    earlier one."""
    return S.RESUBMITTED if previous_state == S.CHANGES_REQUESTED else S.SUBMITTED


def can_withdraw(submission: Submission, user: User) -> bool:
    """For the page's button: the coordinator, a pending submission, before the deadline."""
    if submission.state not in ALLOWED or S.WITHDRAWN not in ALLOWED[submission.state]:
        return False
    if not user.has_perm(SUBMIT, submission.group):
        return False
    return not window_for(submission.group, settings_for(submission.group)).is_late


@transaction.atomic
def withdraw(submission: Submission, *, by: User, note: str = "") -> Submission:
    """The coordinator takes the submission back before the deadline: the workspace reopens, the snapshot stays.

    Writes: the Submission's state and one SubmissionChange. Raises PermissionDenied, SubmissionRefused.
    """
    group = Group.objects.select_for_update().get(pk=submission.group_id)
    if not by.has_perm(SUBMIT, group):
        raise PermissionDenied
    if window_for(group, settings_for(group)).is_late:
        raise SubmissionRefused(_("The deadline has passed: the submission can no longer be withdrawn."))
    try:
        return transition_submission(submission, S.WITHDRAWN, by=by, note=note)
    except InvalidTransition as error:
        raise SubmissionRefused(_("This submission can no longer be withdrawn.")) from error


@transaction.atomic
def transition_submission(submission: Submission, to: str, *, by: User | None, note: str = "") -> Submission:
    """The only writer of `Submission.state`: lock the row, check ALLOWED, log a SubmissionChange, save.

    Callers check who may act; this checks what is possible (InvalidTransition).
    """
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if to not in ALLOWED.get(submission.state, ()):
        raise InvalidTransition(submission.state, to)
    SubmissionChange.objects.create(submission=submission, old=submission.state, new=to, by=by, note=note)
    submission.state = to
    submission.save(update_fields=["state"])
    return submission
