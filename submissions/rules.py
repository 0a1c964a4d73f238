"""Who may read and write a group's workspace. Roles per edition come from cohorts; membership from groups."""

import rules

from cohorts.rules import is_edition_member, is_organiser, is_site_staff
from groups.models import Membership
from groups.rules import groups_are_published

_MEMBERSHIP_CACHE = "_malisig_group_roles"


def group_role_of(user, group) -> str | None:
    """The user's role in this group ("member", "coordinator") or None; read once per user and group."""
    if group is None or not user.is_authenticated:
        return None
    cache = user.__dict__.setdefault(_MEMBERSHIP_CACHE, {})
    if group.pk not in cache:
        cache[group.pk] = Membership.objects.filter(group=group, user=user).values_list("group_role", flat=True).first()
    return cache[group.pk]


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
