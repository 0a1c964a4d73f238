"""Who may form groups and who may see a group. Roles come from cohorts (cohorts/rules.py)."""

import rules

from cohorts.rules import is_organiser, is_participant, is_site_staff

from .models import Formation, Group

_PUBLISHED_CACHE = "_malisig_groups_published"


def groups_are_published(edition) -> bool:
    """Whether participants may see the groups; read once per edition object."""
    if edition is None:
        return False
    cached = getattr(edition, _PUBLISHED_CACHE, None)
    if cached is None:
        cached = Formation.objects.filter(edition=edition, published_at__isnull=False).exists()
        setattr(edition, _PUBLISHED_CACHE, cached)
    return cached


def remember_publication(edition, published: bool) -> None:
    """For a caller that read it already (in a join): groups_are_published() then answers without a query."""
    setattr(edition, _PUBLISHED_CACHE, published)


def forget_publication(edition) -> None:
    if hasattr(edition, _PUBLISHED_CACHE):
        delattr(edition, _PUBLISHED_CACHE)


@rules.predicate
def published(user, edition) -> bool:
    return groups_are_published(edition)


@rules.predicate
def organises_group(user, group: Group) -> bool:
    return group is not None and (user.is_staff or is_organiser(user, group.edition))


@rules.predicate
def mentors_group(user, group: Group) -> bool:
    return group is not None and user.is_authenticated and group.mentor_id == user.pk


@rules.predicate
def member_of_published_group(user, group: Group) -> bool:
    if group is None or not user.is_authenticated or not groups_are_published(group.edition):
        return False
    return group.memberships.filter(user=user).exists()


# Forming groups (types, groups, placements, automatic assignment, publication): the edition's organisers.
rules.add_perm("groups.form_groups", is_site_staff | is_organiser)
# The "my group" page is a participant's (it says when the groups are not published yet): roles only, no query.
rules.add_perm("groups.open_own_group", is_participant)
# A participant's own group page shows something once the groups are published.
rules.add_perm("groups.see_own_group", is_participant & published)
# A group's page (object: the group).
rules.add_perm("groups.view_group", organises_group | mentors_group | member_of_published_group)
