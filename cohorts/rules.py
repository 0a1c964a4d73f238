"""Who may do what in an edition. Roles are read once per request and cached on the user."""

import rules

from .models import EditionRole, Role

_ROLES_CACHE = "_malisig_edition_roles"


def roles_by_edition(user) -> dict[int, frozenset[str]]:
    """{edition_id: {roles}} for this user, in one query, cached on the user object."""
    if not user.is_authenticated:
        return {}
    cached = getattr(user, _ROLES_CACHE, None)
    if cached is None:
        collected: dict[int, set[str]] = {}
        for edition_id, role in EditionRole.objects.filter(user=user).values_list("edition_id", "role"):
            collected.setdefault(edition_id, set()).add(role)
        cached = {edition_id: frozenset(roles) for edition_id, roles in collected.items()}
        setattr(user, _ROLES_CACHE, cached)
    return cached


def forget_roles(user) -> None:
    """Call after granting a role, so the same request sees it."""
    if hasattr(user, _ROLES_CACHE):
        delattr(user, _ROLES_CACHE)


def roles_in(user, edition) -> frozenset[str]:
    if edition is None:
        return frozenset()
    return roles_by_edition(user).get(edition.pk, frozenset())


@rules.predicate
def is_organiser(user, edition) -> bool:
    return Role.ORGANISER in roles_in(user, edition)


@rules.predicate
def is_jury_chair(user, edition) -> bool:
    return Role.JURY_CHAIR in roles_in(user, edition)


@rules.predicate
def is_juror(user, edition) -> bool:
    """Jury members and the chair alike."""
    return bool({Role.JUROR, Role.JURY_CHAIR} & roles_in(user, edition))


@rules.predicate
def is_participant(user, edition) -> bool:
    return Role.PARTICIPANT in roles_in(user, edition)


@rules.predicate
def is_edition_member(user, edition) -> bool:
    return bool(roles_in(user, edition))


is_site_staff = rules.is_staff

rules.add_perm("cohorts.view_edition", is_site_staff | is_edition_member)
rules.add_perm("cohorts.manage_edition", is_site_staff | is_organiser)
rules.add_perm("cohorts.invite_to_edition", is_site_staff | is_organiser)
rules.add_perm("cohorts.view_jury_area", is_site_staff | is_organiser | is_juror)
rules.add_perm("cohorts.chair_jury", is_site_staff | is_jury_chair)
# The roster, imports, attendance and enrolment changes: the edition's organisers.
rules.add_perm("cohorts.view_roster", is_site_staff | is_organiser)
rules.add_perm("cohorts.import_participants", is_site_staff | is_organiser)
rules.add_perm("cohorts.take_attendance", is_site_staff | is_organiser)


@rules.predicate
def is_self(user, person) -> bool:
    return person is not None and user.pk == person.pk


# A profile (object: the person): its owner edits it within limits; organisers of the person's editions
# see it through the roster (checked with cohorts.view_roster on the edition).
rules.add_perm("cohorts.edit_own_profile", rules.is_authenticated & is_self)
