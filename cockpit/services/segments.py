"""Who a message goes to: segments of an edition's people, resolved into outbox recipients.

A segment is stored on the message as JSON, `{"kind": ..., <parameters>}`, and resolved when the message is queued
(so a draft reaches the people who match at sending time). Each resolution reads a constant number of queries,
whatever the edition's size, and never leaves the edition.

Kinds: participants · group (group_id) · stakeholder_type (stakeholder_type_id) · groups_without_submission · jury
(jurors and chair) · jurors_with_reviews_due · pending_invitations (by email: no account yet).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import Edition, EditionRole, Enrolment, Invitation, Role
from cohorts.services.invitations import invitation_token
from cohorts.services.outbox import Recipient
from groups.models import Group, Membership, StakeholderType
from malisig.urls_helpers import absolute_url
from submissions.models import (
    AssignmentSettings,
    ConflictOfInterest,
    Extension,
    Review,
    ReviewAssignment,
    Submission,
)
from submissions.services.results import REVIEW_DUE

PARTICIPANTS = "participants"
GROUP = "group"
STAKEHOLDER_TYPE = "stakeholder_type"
WITHOUT_SUBMISSION = "groups_without_submission"
JURY = "jury"
REVIEWS_DUE = "jurors_with_reviews_due"
PENDING_INVITATIONS = "pending_invitations"

SIMPLE_KINDS = (PARTICIPANTS, WITHOUT_SUBMISSION, JURY, REVIEWS_DUE, PENDING_INVITATIONS)


class UnknownSegment(ValueError):
    """A segment that does not exist, or names a group or stakeholder type of another edition."""


@dataclass(frozen=True)
class Choice:
    code: str  # what a form posts: "participants", "group:12", "stakeholder_type:3"
    label: str


def simple_labels() -> dict[str, str]:
    return {
        PARTICIPANTS: _("All participants"),
        WITHOUT_SUBMISSION: _("Groups without a submission"),
        JURY: _("The jury (jurors and chair)"),
        REVIEWS_DUE: _("Jurors with reviews due"),
        PENDING_INVITATIONS: _("Invitations not yet accepted"),
    }


def choices(edition: Edition) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a select (two queries): everyone-kinds, then each stakeholder type, then each group."""
    types = list(StakeholderType.objects.filter(edition=edition).order_by("position", "pk"))
    groups = list(Group.objects.filter(edition=edition).select_related("stakeholder_type").order_by("name"))
    return [
        (_("Segments"), list(simple_labels().items())),
        (_("A stakeholder type"), [(f"{STAKEHOLDER_TYPE}:{t.pk}", _type_label(t)) for t in types]),
        (_("A group"), [(f"{GROUP}:{g.pk}", _group_label(g)) for g in groups]),
    ]


def _type_label(stakeholder_type: StakeholderType) -> str:
    return _("Stakeholder type: %(name)s") % {"name": stakeholder_type.tr.name}


def _group_label(group: Group) -> str:
    return _("Group: %(name)s") % {"name": group.name}


def parse(edition: Edition, code: str) -> tuple[dict, str]:
    """(segment, label) for a posted code; UnknownSegment if unknown or outside the edition. One query at most."""
    kind, _sep, ident = (code or "").partition(":")
    if kind in SIMPLE_KINDS and not ident:
        return {"kind": kind}, simple_labels()[kind]
    if not ident.isdigit():
        raise UnknownSegment(code)
    if kind == GROUP:
        group = Group.objects.filter(edition=edition, pk=ident).first()
        if group is not None:
            return {"kind": GROUP, "group_id": group.pk}, _group_label(group)
    if kind == STAKEHOLDER_TYPE:
        stakeholder_type = StakeholderType.objects.filter(edition=edition, pk=ident).first()
        if stakeholder_type is not None:
            return {"kind": STAKEHOLDER_TYPE, "stakeholder_type_id": stakeholder_type.pk}, _type_label(stakeholder_type)
    raise UnknownSegment(code)


def code_of(segment: dict) -> str:
    """The form's code for a stored segment (the inverse of parse)."""
    kind = segment.get("kind", "")
    if kind == GROUP:
        return f"{GROUP}:{segment.get('group_id')}"
    if kind == STAKEHOLDER_TYPE:
        return f"{STAKEHOLDER_TYPE}:{segment.get('stakeholder_type_id')}"
    return kind


# ---------------------------------------------------------------------------
# Resolution


def resolve(edition: Edition, segment: dict) -> list[Recipient]:
    """The segment's recipients now, each once (by email), in a stable order. UnknownSegment for a bad segment."""
    kind = segment.get("kind")
    if kind == PARTICIPANTS:
        recipients = _participants(edition)
    elif kind == GROUP:
        recipients = _members(edition, Q(group_id=segment.get("group_id")))
    elif kind == STAKEHOLDER_TYPE:
        recipients = _members(edition, Q(group__stakeholder_type_id=segment.get("stakeholder_type_id")))
    elif kind == WITHOUT_SUBMISSION:
        recipients = _members(edition, ~Q(group_id__in=groups_with_submission(edition)))
    elif kind == JURY:
        recipients = _jury(edition)
    elif kind == REVIEWS_DUE:
        recipients = _jurors_with_reviews_due(edition)
    elif kind == PENDING_INVITATIONS:
        recipients = _pending_invitations(edition)
    else:
        raise UnknownSegment(kind)
    unique, seen = [], set()
    for recipient in recipients:
        if recipient.email.lower() not in seen:
            seen.add(recipient.email.lower())
            unique.append(recipient)
    return unique


def groups_with_submission(edition: Edition):
    """Ids of the edition's groups holding a submission that is not withdrawn (a subquery)."""
    return (
        Submission.objects.filter(group__edition=edition).exclude(state=Submission.State.WITHDRAWN).values("group_id")
    )


def group_deadlines(edition: Edition) -> dict[int | None, dt.datetime | None]:
    """Each group's deadline with extensions, as window_for computes it, in two queries. Key None: the default."""
    settings = AssignmentSettings.objects.filter(assignment__edition=edition).first()
    if settings is None:
        return {None: None}
    everyone, per_group = settings.deadline, {}
    for group_id, deadline in Extension.objects.filter(assignment_id=settings.assignment_id).values_list(
        "group_id", "deadline"
    ):
        if group_id is None:
            everyone = max(everyone, deadline) if everyone else deadline
        else:
            per_group[group_id] = max(per_group[group_id], deadline) if group_id in per_group else deadline
    deadlines = {None: everyone}
    for group_id, deadline in per_group.items():
        deadlines[group_id] = max(everyone, deadline) if everyone else deadline
    return deadlines


def _language(user) -> str:
    return user.preferred_language or ""


def _person(user, **details) -> Recipient:
    """A recipient with an account: name and language from the user, the rest (group, deadline, link) given."""
    return Recipient(
        email=user.email,
        user_id=user.pk,
        first_name=user.first_name,
        last_name=user.last_name,
        language=_language(user),
        **details,
    )


def _workspace_link(edition: Edition) -> str:
    return absolute_url(reverse("submissions:my_workspace", kwargs={"slug": edition.slug}))


def _members(edition: Edition, condition: Q) -> list[Recipient]:
    deadlines = group_deadlines(edition)
    link = _workspace_link(edition)
    memberships = (
        Membership.objects.filter(edition=edition, group__edition=edition, user__is_active=True)
        .filter(condition)
        .select_related("user", "group")
        .order_by("group__name", "user__last_name", "user__first_name", "pk")
    )
    return [
        _person(m.user, group=m.group.name, deadline=deadlines.get(m.group_id, deadlines[None]), link=link)
        for m in memberships
    ]


def _participants(edition: Edition) -> list[Recipient]:
    deadlines = group_deadlines(edition)
    link = _workspace_link(edition)
    membership = Membership.objects.filter(edition=edition, user=OuterRef("user"))
    withdrawn = Enrolment.objects.filter(edition=edition, user=OuterRef("user"), status=Enrolment.Status.WITHDRAWN)
    roles = (
        EditionRole.objects.filter(edition=edition, role=Role.PARTICIPANT, user__is_active=True)
        .exclude(Exists(withdrawn))
        .annotate(
            group_id=Subquery(membership.values("group_id")[:1]),
            group_name=Subquery(membership.values("group__name")[:1]),
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    return [
        _person(
            role.user, group=role.group_name or "", deadline=deadlines.get(role.group_id, deadlines[None]), link=link
        )
        for role in roles
    ]


def _review_deadline(edition: Edition) -> dt.datetime | None:
    from submissions.models import ReviewSettings

    return ReviewSettings.objects.filter(edition=edition).values_list("review_deadline", flat=True).first()


def _jury_link(edition: Edition) -> str:
    return absolute_url(edition.get_absolute_url() + "#jury")


def _jury(edition: Edition) -> list[Recipient]:
    deadline, link = _review_deadline(edition), _jury_link(edition)
    roles = (
        EditionRole.objects.filter(edition=edition, role__in=[Role.JUROR, Role.JURY_CHAIR], user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    return [_person(role.user, deadline=deadline, link=link) for role in roles]


def jurors_with_reviews_due(edition: Edition):
    """Review assignments whose group's current submission is in review without the juror's submitted review
    (conflicted jurors excepted), while the round is open: a queryset of assignments, one query."""
    from submissions.models import ReviewSettings

    latest = Submission.objects.filter(group=OuterRef("group")).order_by("-number")
    submitted = Review.objects.filter(
        juror=OuterRef("juror"), submission=OuterRef("current_id"), state=Review.State.SUBMITTED
    )
    conflicted = ConflictOfInterest.objects.filter(
        juror=OuterRef("juror"), group=OuterRef("group"), status__in=ConflictOfInterest.BLOCKING
    )
    closed = ReviewSettings.objects.filter(edition=edition, round_closed_at__isnull=False)
    return (
        ReviewAssignment.objects.filter(group__edition=edition, juror__is_active=True)
        .annotate(current_id=Subquery(latest.values("pk")[:1]), current_state=Subquery(latest.values("state")[:1]))
        .filter(current_state__in=REVIEW_DUE)
        .exclude(Exists(submitted))
        .exclude(Exists(conflicted))
        .exclude(Exists(closed))
    )


def _jurors_with_reviews_due(edition: Edition) -> list[Recipient]:
    deadline, link = _review_deadline(edition), _jury_link(edition)
    assignments = (
        jurors_with_reviews_due(edition)
        .select_related("juror")
        .order_by("juror__last_name", "juror__first_name", "juror_id")
    )
    return [_person(a.juror, deadline=deadline, link=link) for a in assignments]


def _pending_invitations(edition: Edition) -> list[Recipient]:
    invitations = Invitation.objects.filter(
        edition=edition, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("email", "pk")
    return [
        Recipient(
            email=invitation.email,
            first_name=invitation.first_name,
            last_name=invitation.last_name,
            language=invitation.language,
            link=absolute_url(reverse("cohorts:invitation_accept", kwargs={"token": invitation_token(invitation)})),
        )
        for invitation in invitations
    ]


# ---------------------------------------------------------------------------
# Sending drafts: their segment is resolved now


@dataclass
class Queued:
    sent: list  # (message, number of recipients)
    refused: list  # (message, reason)


def queue_drafts(edition: Edition, messages, *, by) -> Queued:
    """Resolve each draft's segment and queue it (cohorts.services.outbox.queue_message: rows, task after commit).
    Each message on its own: an empty segment or a bad text refuses that one and keeps it as a draft."""
    from django.core.exceptions import ValidationError

    from cohorts.services import outbox

    result = Queued(sent=[], refused=[])
    for message in messages:
        if message.edition_id != edition.pk:
            continue
        try:
            count = outbox.queue_message(message, resolve(edition, message.segment), by=by)
        except UnknownSegment:
            result.refused.append((message, _("its recipients no longer exist")))
        except outbox.OutboxError as error:
            result.refused.append((message, str(error)))
        except ValidationError as error:
            result.refused.append((message, " ".join(error.messages)))
        else:
            result.sent.append((message, count))
    return result
