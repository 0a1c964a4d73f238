"""Stakeholder types and groups of an edition: the defaults, and creating N groups per type."""

import string

from django.core.exceptions import PermissionDenied
from django.db import transaction

from cohorts.models import Edition
from malisig.models import User

from ..defaults import DEFAULT_TYPES
from ..models import Group, StakeholderType


def require_former(edition: Edition, by: User | None) -> None:
    """`by` None is the system (command line, demo): trusted callers only."""
    if by is not None and not by.has_perm("groups.form_groups", edition):
        raise PermissionDenied


def add_default_types(edition: Edition, *, by: User | None, codes: list[str] | None = None) -> list[StakeholderType]:
    """The usual roles (Government, Private Sector, Civil Society, or the `codes` asked for) the edition lacks.

    Idempotent: a code the edition has is left as it is. Writes: StakeholderType rows (one bulk insert).
    """
    require_former(edition, by)
    existing = set(StakeholderType.objects.filter(edition=edition).values_list("code", flat=True))
    next_position = len(existing)
    new = [kind for kind in default_types(edition, codes) if kind.code not in existing]
    for offset, kind in enumerate(new):
        kind.position = next_position + offset
    StakeholderType.objects.bulk_create(new, ignore_conflicts=True)
    return new


def _first_language(edition: Edition) -> str:
    return (edition.school.languages.split(",")[0].strip() or "fr")[:2]


def group_names(kind: StakeholderType, count: int, *, language: str, taken: set[str]) -> list[str]:
    """ "Gouvernement" for one group, "Gouvernement A", "Gouvernement B"... for several, skipping names taken."""
    base = kind.name_en if language == "en" and kind.name_en else kind.name_fr or kind.name_en
    lettered = any(name.startswith(f"{base} ") for name in taken)
    if count == 1 and base not in taken and not lettered:
        return [base]
    names = []
    for suffix in _suffixes():
        name = f"{base} {suffix}"
        if name not in taken:
            names.append(name)
        if len(names) == count:
            return names
    raise AssertionError("unreachable: suffixes never run out")


def _suffixes():
    letters = string.ascii_uppercase
    yield from letters
    for first in letters:
        for second in letters:
            yield first + second


def default_types(edition: Edition, codes: list[str] | None = None) -> list[StakeholderType]:
    """Unsaved stakeholder types from DEFAULT_TYPES: those offered first, or the `codes` asked for."""
    wanted = [kind for kind in DEFAULT_TYPES if (kind.code in codes if codes is not None else kind.offered_first)]
    return [
        StakeholderType(
            edition=edition,
            code=kind.code,
            name_fr=kind.name_fr,
            name_en=kind.name_en,
            brief_fr=kind.brief_fr,
            brief_en=kind.brief_en,
            sectors=kind.sectors,
            position=position,
        )
        for position, kind in enumerate(wanted)
    ]


def planned_groups(edition: Edition, per_type: int, types: list[StakeholderType] | None = None) -> list[Group]:
    """Unsaved groups, `per_type` for each stakeholder type (the edition's, or `types`), named by group_names()."""
    taken = set(Group.objects.filter(edition=edition).values_list("name", flat=True))
    language = _first_language(edition)
    groups = []
    if types is None:
        types = list(StakeholderType.objects.filter(edition=edition).order_by("position", "code"))
    for kind in types:
        for name in group_names(kind, per_type, language=language, taken=taken):
            taken.add(name)
            groups.append(Group(edition=edition, stakeholder_type=kind, name=name))
    return groups


@transaction.atomic
def create_groups(edition: Edition, per_type: int, *, by: User | None) -> list[Group]:
    """`per_type` new groups for each stakeholder type (the default types first if there are none).

    Writes: StakeholderType rows if the edition had none, Group rows (one bulk insert).
    """
    require_former(edition, by)
    if per_type < 1:
        raise ValueError("per_type must be at least 1")
    if not StakeholderType.objects.filter(edition=edition).exists():
        add_default_types(edition, by=by)
    groups = planned_groups(edition, per_type)
    return Group.objects.bulk_create(groups)
