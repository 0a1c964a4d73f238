"""Placing people in groups by hand: assign or move, remove, pin, choose the coordinator.

Every change of group formation takes the edition's Formation row lock first: two organisers working on the same
edition are served one after the other, each seeing the other's result, so nobody ever gets two memberships and a
full group never overflows. A refused action raises PlacementRefused with a message for the organiser and changes
nothing (one transaction).
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cohorts.models import Edition, Enrolment
from malisig.models import User

from ..models import Formation, Group, Membership, PlacementChange
from .setup import require_former

S = Enrolment.Status
# Who may be in a group: people of the cohort who have not withdrawn (nor only applied).
PLACEABLE_STATUSES = (S.ADMITTED, S.INVITED, S.ACTIVE, S.COMPLETED)
# Who the automatic assignment places: the "admitted, invited or active".
AUTO_PLACED_STATUSES = (S.ADMITTED, S.INVITED, S.ACTIVE)


class PlacementRefused(Exception):
    """Nothing was changed; `message` says why, in the organiser's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def lock_formation(edition: Edition) -> Formation:
    """The edition's formation row, locked until the end of the transaction (created on first use)."""
    Formation.objects.get_or_create(edition=edition)
    return Formation.objects.select_for_update().get(edition=edition)


def clean_ids(values: Iterable) -> list[int]:
    """Ids from a form, tampered values dropped, order kept, each once."""
    seen: dict[int, None] = {}
    for value in values:
        text = str(value).strip()
        if text.isdigit():
            seen.setdefault(int(text), None)
    return list(seen)


def _names(users: Iterable[User]) -> str:
    return ", ".join(sorted(user.get_full_name() or user.email for user in users))


def _require_placeable(edition: Edition, user_ids: list[int]) -> None:
    placeable = set(
        Enrolment.objects.filter(edition=edition, user_id__in=user_ids, status__in=PLACEABLE_STATUSES).values_list(
            "user_id", flat=True
        )
    )
    refused = [pk for pk in user_ids if pk not in placeable]
    if refused:
        # Named only if they belong to the edition: a tampered id must not reveal someone else's name or email.
        people = User.objects.filter(pk__in=refused, enrolments__edition=edition)
        raise PlacementRefused(
            ngettext(
                "%(names)s is not enrolled in this edition or has withdrawn: nobody was placed.",
                "%(names)s are not enrolled in this edition or have withdrawn: nobody was placed.",
                len(refused),
            )
            % {"names": _names(people) or _("Unknown people")}
        )


def _group_of(edition: Edition, group_id) -> Group:
    group = Group.objects.filter(pk=group_id).select_related("edition").first() if str(group_id).isdigit() else None
    if group is None or group.edition_id != edition.pk:
        raise PlacementRefused(_("This group does not belong to this edition: nobody was placed."))
    return group


def _notify_after_commit(edition: Edition) -> None:
    from ..tasks import notify_group_news_task

    if Formation.objects.filter(edition=edition, published_at__isnull=False).exists():
        transaction.on_commit(lambda: notify_group_news_task.enqueue(edition_id=edition.pk))


@transaction.atomic
def place(edition: Edition, user_ids: Iterable, group_id, *, by: User | None, note: str = "") -> int:
    """Put the selected people in the group: new members, or moved from their group. Returns how many changed.

    Refused as a whole (PlacementRefused) if one of them is not placeable, if the group is of another edition, or if
    it has not enough room. A moved coordinator becomes a plain member. Writes: Membership rows (bulk insert and
    update), one PlacementChange each. Notifies the people moved once the groups are published.
    """
    require_former(edition, by)
    ids = clean_ids(user_ids)
    if not ids:
        raise PlacementRefused(_("Select at least one person."))
    lock_formation(edition)
    group = _group_of(edition, group_id)
    _require_placeable(edition, ids)
    current = {m.user_id: m for m in Membership.objects.filter(edition=edition, user_id__in=ids)}
    arriving = [pk for pk in ids if pk not in current or current[pk].group_id != group.pk]
    if group.max_size is not None:
        size = Membership.objects.filter(group=group).count()
        room = max(group.max_size - size, 0)
        if len(arriving) > room:
            raise PlacementRefused(
                ngettext(
                    "%(group)s has room for %(room)d more person and %(count)d were selected: nobody was placed.",
                    "%(group)s has room for %(room)d more people and %(count)d were selected: nobody was placed.",
                    room,
                )
                % {"group": group.name, "room": room, "count": len(arriving)}
            )
    now = timezone.now()
    moved = [current[pk] for pk in arriving if pk in current]
    changes = [
        PlacementChange(edition=edition, user_id=m.user_id, from_group_id=m.group_id, to_group=group, by=by, at=now,
                        note=note)
        for m in moved
    ]  # fmt: skip
    for membership in moved:
        membership.group, membership.group_role = group, Membership.GroupRole.MEMBER
        membership.placed_at, membership.placed_by = now, by
    new = [
        Membership(edition=edition, group=group, user_id=pk, placed_at=now, placed_by=by)
        for pk in arriving
        if pk not in current
    ]
    changes += [
        PlacementChange(edition=edition, user_id=m.user_id, to_group=group, by=by, at=now, note=note) for m in new
    ]
    try:
        with transaction.atomic():
            Membership.objects.bulk_update(moved, ["group", "group_role", "placed_at", "placed_by"])
            Membership.objects.bulk_create(new)
    except IntegrityError as error:
        # Only reachable if a writer skipped the formation lock (the admin): never two memberships.
        raise PlacementRefused(
            _("Someone else placed one of these people at the same time: nobody was placed.")
        ) from error
    PlacementChange.objects.bulk_create(changes)
    if arriving:
        _notify_after_commit(edition)
    return len(arriving)


@transaction.atomic
def remove(edition: Edition, user_ids: Iterable, *, by: User | None, note: str = "") -> int:
    """Take the selected people out of their groups (back to unassigned). Returns how many were removed."""
    require_former(edition, by)
    ids = clean_ids(user_ids)
    lock_formation(edition)
    leaving = list(Membership.objects.filter(edition=edition, user_id__in=ids))
    now = timezone.now()
    PlacementChange.objects.bulk_create(
        PlacementChange(edition=edition, user_id=m.user_id, from_group_id=m.group_id, by=by, at=now, note=note)
        for m in leaving
    )
    Membership.objects.filter(pk__in=[m.pk for m in leaving]).delete()
    return len(leaving)


@transaction.atomic
def set_pinned(edition: Edition, user_ids: Iterable, pinned: bool, *, by: User | None) -> int:
    """Pin (or unpin) the selected people where they are: the automatic assignment never moves a pinned person."""
    require_former(edition, by)
    lock_formation(edition)
    return Membership.objects.filter(edition=edition, user_id__in=clean_ids(user_ids)).update(pinned=pinned)


@transaction.atomic
def make_coordinator(edition: Edition, user_id, *, by: User | None) -> Membership:
    """The person becomes their group's coordinator (rapporteur); the previous one becomes a member."""
    require_former(edition, by)
    lock_formation(edition)
    ids = clean_ids([user_id])
    membership = Membership.objects.filter(edition=edition, user_id__in=ids).select_related("group").first()
    if membership is None:
        raise PlacementRefused(_("Only a member of a group can be its coordinator."))
    Membership.objects.filter(group=membership.group_id, group_role=Membership.GroupRole.COORDINATOR).update(
        group_role=Membership.GroupRole.MEMBER
    )
    membership.group_role = Membership.GroupRole.COORDINATOR
    membership.save(update_fields=["group_role"])
    return membership


def group_sizes(edition: Edition) -> dict[int, int]:
    return dict(Group.objects.filter(edition=edition).annotate(size=Count("memberships")).values_list("pk", "size"))
