"""The organisers' lists of stakeholder types and of groups (two formsets), saved under the formation lock."""

import logging

from django.db import transaction
from django.db.models import Count
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cohorts.models import Edition, Role
from malisig.models import User

from ..models import Group, Membership, StakeholderType
from .placement import PlacementRefused, lock_formation
from .setup import require_former

logger = logging.getLogger(__name__)

# Who may mentor a group: the edition's organisers and jury members.
MENTOR_ROLES = (Role.ORGANISER, Role.JURY_CHAIR, Role.JUROR)


def mentor_candidates(edition: Edition):
    """The people who may mentor a group of the edition, by name (one query)."""
    return (
        User.objects.filter(edition_roles__edition=edition, edition_roles__role__in=MENTOR_ROLES)
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


def _free_code(kind: StakeholderType, taken: set[str]) -> str:
    base = (slugify(kind.name_en or kind.name_fr) or "role")[:36]
    code, number = base, 1
    while code in taken:
        number += 1
        code = f"{base}-{number}"
    taken.add(code)
    return code


def _names(rows) -> str:
    return ", ".join(str(row) for row in rows)


@transaction.atomic
def save_stakeholder_types(edition: Edition, formset, *, by: User | None) -> int:
    """Save the edition's stakeholder types as validated by their formset: all rows or none.

    A new type gets a code made from its name. Refused (PlacementRefused, nothing saved) if a type to delete is
    played by a group, checked under the formation lock. Writes: StakeholderType rows. Returns rows written.
    """
    require_former(edition, by)
    lock_formation(edition)
    doomed = [form.instance.pk for form in formset.deleted_forms if form.instance.pk]
    played = StakeholderType.objects.filter(pk__in=doomed).annotate(n=Count("groups")).filter(n__gt=0)
    if played:
        raise PlacementRefused(
            _("%(types)s: a role played by a group cannot be deleted; delete or change its groups first.")
            % {"types": _names(played)}
        )
    kinds = formset.save(commit=False)
    taken = set(StakeholderType.objects.filter(edition=edition).values_list("code", flat=True))
    for kind in kinds:
        kind.edition = edition
        if not kind.pk:
            kind.code = _free_code(kind, taken)
        kind.save()
    for kind in formset.deleted_objects:
        kind.delete()
    count = len(kinds) + len(formset.deleted_objects)
    if count:
        logger.info("%s: %d stakeholder type rows saved by %s", edition.slug, count, by)
    return count


@transaction.atomic
def save_groups(edition: Edition, formset, *, by: User | None) -> int:
    """Save the edition's groups as validated by their formset: all rows or none.

    Refused (PlacementRefused, nothing saved) if a group to delete has members, or if a new maximum size is below
    a group's size, both checked under the formation lock (someone may have placed people since the page was
    read). Writes: Group rows. Returns rows written.
    """
    require_former(edition, by)
    lock_formation(edition)
    doomed = [form.instance.pk for form in formset.deleted_forms if form.instance.pk]
    busy = Group.objects.filter(pk__in=doomed).annotate(n=Count("memberships")).filter(n__gt=0)
    if busy:
        raise PlacementRefused(
            ngettext(
                "%(groups)s has members: move them or take them out of the group before deleting it.",
                "%(groups)s have members: move them or take them out of their groups before deleting them.",
                len(busy),
            )
            % {"groups": _names(busy)}
        )
    groups = formset.save(commit=False)
    limits = {group.pk: group.max_size for group in groups if group.pk and group.max_size is not None}
    if limits:
        sizes = Membership.objects.filter(group__in=limits).values("group").annotate(n=Count("pk"))
        crowded = [row["group"] for row in sizes if row["n"] > limits[row["group"]]]
        if crowded:
            raise PlacementRefused(
                _("%(groups)s: the maximum size is below the number of members: nothing was saved.")
                % {"groups": _names(group for group in groups if group.pk in crowded)}
            )
    for group in groups:
        group.edition = edition
        group.save()
    for group in formset.deleted_objects:
        group.delete()
    count = len(groups) + len(formset.deleted_objects)
    if count:
        logger.info("%s: %d group rows saved by %s", edition.slug, count, by)
    return count


__all__ = ["MENTOR_ROLES", "mentor_candidates", "save_groups", "save_stakeholder_types"]
