"""When a group may still write and submit: the assignment's dates, its late policy, and extensions."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from groups.models import Group

from ..models import AssignmentSettings, Extension


@dataclass(frozen=True)
class Window:
    """A group's submission window, as of `now`."""

    opens_at: dt.datetime | None
    deadline: dt.datetime | None  # with extensions
    cutoff: dt.datetime | None  # the last moment anything is accepted (None: no end)
    now: dt.datetime

    @property
    def is_open(self) -> bool:
        return self.opens_at is None or self.now >= self.opens_at

    @property
    def is_past_cutoff(self) -> bool:
        return self.cutoff is not None and self.now > self.cutoff

    @property
    def is_late(self) -> bool:
        return self.deadline is not None and self.now > self.deadline

    @property
    def accepts_work(self) -> bool:
        return self.is_open and not self.is_past_cutoff


def window_for(group: Group, settings: AssignmentSettings | None, *, now: dt.datetime | None = None) -> Window:
    """The group's window: the latest of the assignment's deadline, an edition-wide and a group extension.

    Late policy "flagged": work is accepted until the cut-off (pushed back as much as the deadline was), flagged late
    after the deadline. "Hard stop": nothing after the deadline. One query for the extensions.
    """
    now = now or timezone.now()
    if settings is None:
        return Window(opens_at=None, deadline=None, cutoff=None, now=now)
    deadline = settings.deadline
    extended = (
        Extension.objects.filter(assignment_id=settings.assignment_id)
        .filter(Q(group__isnull=True) | Q(group=group))
        .order_by("-deadline")
        .values_list("deadline", flat=True)
        .first()
    )
    deadline = latest_deadline(deadline, extended)
    return Window(opens_at=settings.opens_at, deadline=deadline, cutoff=_cutoff(settings, deadline), now=now)


def latest_deadline(*moments: dt.datetime | None) -> dt.datetime | None:
    """A group's deadline: the latest of the assignment's deadline and the extensions that apply to it (None: unset)."""
    candidates = [moment for moment in moments if moment is not None]
    return max(candidates) if candidates else None


def _cutoff(settings: AssignmentSettings, deadline: dt.datetime | None) -> dt.datetime | None:
    if deadline is None:
        return None
    if settings.late_policy == AssignmentSettings.LatePolicy.HARD_STOP:
        return deadline
    if settings.late_cutoff is None:
        return None
    # An extension moves the cut-off by as much as it moves the deadline.
    grace = settings.late_cutoff - settings.deadline if settings.deadline else dt.timedelta(0)
    return deadline + max(grace, dt.timedelta(0))
