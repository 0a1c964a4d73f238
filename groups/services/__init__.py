"""Group formation: every action that changes it, one function each (transaction, permission, trail, notice)."""

from .automatic import GroupFigures, Preview, apply, preview, sector_matcher, unassigned_count
from .formation import (
    INLINE_MEMBERS_UP_TO,
    FormationBoard,
    GroupCard,
    PersonRow,
    formation_board,
    gender_labels,
    group_members,
    unassigned_page,
)
from .placement import (
    AUTO_PLACED_STATUSES,
    PLACEABLE_STATUSES,
    PlacementRefused,
    clean_ids,
    group_sizes,
    make_coordinator,
    place,
    remove,
    set_pinned,
)
from .publication import publish, send_group_news, unpublish
from .settings import MENTOR_ROLES, mentor_candidates, save_groups, save_stakeholder_types
from .setup import add_default_types, create_groups, planned_groups, require_former

__all__ = [
    "AUTO_PLACED_STATUSES",
    "INLINE_MEMBERS_UP_TO",
    "MENTOR_ROLES",
    "PLACEABLE_STATUSES",
    "FormationBoard",
    "GroupCard",
    "GroupFigures",
    "PersonRow",
    "PlacementRefused",
    "Preview",
    "add_default_types",
    "apply",
    "clean_ids",
    "create_groups",
    "formation_board",
    "gender_labels",
    "group_members",
    "group_sizes",
    "make_coordinator",
    "mentor_candidates",
    "place",
    "planned_groups",
    "preview",
    "publish",
    "remove",
    "require_former",
    "save_groups",
    "save_stakeholder_types",
    "sector_matcher",
    "send_group_news",
    "set_pinned",
    "unassigned_count",
    "unassigned_page",
    "unpublish",
]
