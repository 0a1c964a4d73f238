"""The assignment and the groups' work on it: every action that changes state, one function each."""

from .deadlines import Window, window_for
from .workspace import (
    Conflict,
    Saved,
    WorkspaceClosed,
    add_comment,
    ensure_sections,
    has_pending_submission,
    require_writable,
    restore_version,
    save_section,
    set_status,
    settings_for,
    word_count,
)

__all__ = [
    "Conflict",
    "Saved",
    "Window",
    "WorkspaceClosed",
    "add_comment",
    "ensure_sections",
    "has_pending_submission",
    "require_writable",
    "restore_version",
    "save_section",
    "set_status",
    "settings_for",
    "window_for",
    "word_count",
]
