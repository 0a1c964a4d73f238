"""Who may read and write a group's workspace, and who may review it. Roles per edition come from cohorts;
membership from groups; review assignments and conflicts of interest from this app."""

import rules

from cohorts.rules import is_edition_member, is_juror, is_jury_chair, is_organiser, is_site_staff
from groups.models import Membership
from groups.rules import groups_are_published

from .models import ConflictOfInterest, ReviewAssignment

_MEMBERSHIP_CACHE = "_malisig_group_roles"
_JURY_CACHE = "_malisig_jury_groups"


def group_role_of(user, group) -> str | None:
    """The user's role in this group ("member", "coordinator") or None; read once per user and group."""
    if group is None or not user.is_authenticated:
        return None
    cache = user.__dict__.setdefault(_MEMBERSHIP_CACHE, {})
    if group.pk not in cache:
        cache[group.pk] = Membership.objects.filter(group=group, user=user).values_list("group_role", flat=True).first()
    return cache[group.pk]


def remember_group_role(user, group, role: str | None) -> None:
    """For a caller that read it already (in a join): group_role_of() then answers without a query."""
    cache = getattr(user, _MEMBERSHIP_CACHE, None)  # getattr/setattr: request.user (lazy) passes them on to the user
    if cache is None:
        cache = {}
        setattr(user, _MEMBERSHIP_CACHE, cache)
    cache[group.pk] = role


@rules.predicate
def is_group_member(user, group) -> bool:
    return group_role_of(user, group) is not None


@rules.predicate
def member_of_published_group(user, group) -> bool:
    """Members see their group's workspace once the organisers publish the groups, not before."""
    return is_group_member(user, group) and groups_are_published(group.edition)


@rules.predicate
def is_group_coordinator(user, group) -> bool:
    return group_role_of(user, group) == Membership.GroupRole.COORDINATOR


@rules.predicate
def is_group_mentor(user, group) -> bool:
    return group is not None and user.is_authenticated and group.mentor_id == user.pk


@rules.predicate
def organises_groups_edition(user, group) -> bool:
    return group is not None and is_organiser(user, group.edition)


rules.add_perm("submissions.view_assignment", is_site_staff | is_edition_member)
# A group's workspace (object: the group): its members write; its mentor and the edition's organisers read and
# comment; nobody else sees it (other groups, jurors before a submission: the review issue opens that door).
# Members only once the groups are published: before that, nothing about the groups shows.
rules.add_perm(
    "submissions.view_workspace",
    member_of_published_group | is_group_mentor | organises_groups_edition | is_site_staff,
)
rules.add_perm("submissions.write_sections", member_of_published_group)
rules.add_perm("submissions.comment_sections", member_of_published_group | is_group_mentor | organises_groups_edition)
rules.add_perm("submissions.upload_files", member_of_published_group)
rules.add_perm("submissions.submit_document", is_group_coordinator & member_of_published_group)


# ---------------------------------------------------------------------------
# Review. A juror reads and scores the groups they are assigned to; a conflict of interest (declared, detected and
# not dismissed, or confirmed) shuts every door to that group: its submission, files, reviews and jury discussion,
# for the chair too.


def jury_groups_of(user) -> tuple[frozenset[int], frozenset[int]]:
    """(groups the user is assigned to review, groups the user has a blocking conflict with): two queries per
    request, cached on the user. Call forget_jury_groups(user) after changing either in the same request."""
    if not user.is_authenticated:
        return frozenset(), frozenset()
    cached = user.__dict__.get(_JURY_CACHE)
    if cached is None:
        assigned = frozenset(ReviewAssignment.objects.filter(juror=user).values_list("group_id", flat=True))
        conflicted = frozenset(
            ConflictOfInterest.objects.filter(juror=user, status__in=ConflictOfInterest.BLOCKING).values_list(
                "group_id", flat=True
            )
        )
        cached = user.__dict__[_JURY_CACHE] = (assigned, conflicted)
    return cached


def forget_jury_groups(user) -> None:
    user.__dict__.pop(_JURY_CACHE, None)


@rules.predicate
def is_conflicted(user, group) -> bool:
    return group is not None and group.pk in jury_groups_of(user)[1]


@rules.predicate
def is_assigned_juror(user, group) -> bool:
    """Assigned to this group's document and not conflicted (a conflict declared after assignment wins)."""
    if group is None:
        return False
    assigned, conflicted = jury_groups_of(user)
    return group.pk in assigned and group.pk not in conflicted and is_juror(user, group.edition)


@rules.predicate
def chairs_groups_jury(user, group) -> bool:
    return group is not None and is_jury_chair(user, group.edition)


# Object: the edition.
rules.add_perm("submissions.configure_review", is_site_staff | is_organiser)
rules.add_perm("submissions.chair_review", is_site_staff | is_organiser | is_jury_chair)
rules.add_perm("submissions.serve_on_jury", is_juror)
# Object: the group. Organisers run the edition and see everything; the chair sees every group they are not
# conflicted with; a juror sees the groups assigned to them.
rules.add_perm("submissions.review_group", is_assigned_juror)
rules.add_perm(
    "submissions.read_for_jury",
    is_site_staff | organises_groups_edition | is_assigned_juror | (chairs_groups_jury & ~is_conflicted),
)
rules.add_perm("submissions.view_feedback", member_of_published_group | organises_groups_edition | is_site_staff)
