"""The public defense at the closing ceremony: the running order of the accepted groups, each group's turn (the
timer), "defended", the positions shown on the projector one question at a time, and the jurors' defense scores.

The final score and the ranking are computed elsewhere (services.results); this module only stores DefenseScore rows.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from lxml import html as lxml_html
from lxml.etree import LxmlError

from cohorts.models import Edition, EditionRole, Role
from groups.models import Group, StakeholderType
from malisig.models import User
from malisig.sanitise import sanitise_html

from ..models import Criterion, DefenseScore, DefenseSlot, ReviewSettings, SectionTemplate, Submission, SubmittedSection
from ..rules import is_conflicted
from .results import results_changed
from .review import (
    CHAIR,
    ReviewRefused,
    criteria_of,
    latest_submission,
    record_defense,
    review_settings_for,
    set_settings_moment,
)
from .reviews import jury_images

S = Submission.State
JURY = "submissions.serve_on_jury"
# A group defends once its document is accepted; it stays in the order once defended (and published).
DEFENDING = frozenset({S.ACCEPTED, S.DEFENDED, S.PUBLISHED})
# What the projector shows of an answer: its first blocks (paragraphs, lists), at most this many words.
SHOWN_BLOCKS = 2
SHOWN_WORDS = 120


class RoundClosed(ReviewRefused):
    """The chair closed the round: scores are read only (HTTP 423)."""


# ---------------------------------------------------------------------------
# Reading: who defends, in which order, who is on now


@dataclass
class Turn:
    """One group's place in the running order. `slot` is None until the order is first written."""

    number: int
    group: Group
    slot: DefenseSlot | None

    @property
    def state(self) -> str:
        return self.group.current_state

    @property
    def state_label(self) -> str:
        return S(self.group.current_state).label

    @property
    def is_running(self) -> bool:
        return bool(self.slot and self.slot.started_at and not self.slot.ended_at)

    @property
    def is_over(self) -> bool:
        return bool(self.slot and self.slot.ended_at)

    @property
    def can_be_marked_defended(self) -> bool:
        return self.group.current_state == S.ACCEPTED


def defending_groups(edition: Edition):
    """The edition's groups whose current (latest) submission is accepted or defended, in the automatic order
    (stakeholder type's order, then name). Each carries `current_state` and `current_submission_id`. One query."""
    latest = Submission.objects.filter(group=OuterRef("pk")).order_by("-number")
    return (
        Group.objects.filter(edition=edition)
        .annotate(
            current_state=Subquery(latest.values("state")[:1]),
            current_submission_id=Subquery(latest.values("pk")[:1]),
        )
        .filter(current_state__in=DEFENDING)
        .select_related("stakeholder_type")
        .order_by("stakeholder_type__position", "stakeholder_type__code", "name", "pk")
    )


def running_order(edition: Edition) -> list[Turn]:
    """The defending groups in the order of their DefenseSlot; a group without a slot yet (accepted since the order
    was set) comes after them, in the automatic order. Two queries."""
    groups = list(defending_groups(edition))
    slots = {slot.group_id: slot for slot in DefenseSlot.objects.filter(edition=edition)}
    automatic = {group.pk: index for index, group in enumerate(groups)}

    def place(group: Group) -> tuple[int, int]:
        slot = slots.get(group.pk)
        return (slot.position if slot else 10_000, automatic[group.pk])

    ordered = sorted(groups, key=place)
    return [Turn(number, group, slots.get(group.pk)) for number, group in enumerate(ordered, start=1)]


def current_turn(turns: list[Turn]) -> Turn | None:
    """The group on now (started, not stopped); if none, None."""
    running = [turn for turn in turns if turn.is_running]
    return max(running, key=lambda turn: turn.slot.started_at) if running else None


def next_turn(turns: list[Turn]) -> Turn | None:
    """The first group that has not defended nor started yet."""
    return next((t for t in turns if not (t.slot and t.slot.started_at) and t.state == S.ACCEPTED), None)


def turn_ends_at(turn: Turn, minutes: int):
    return turn.slot.started_at + dt.timedelta(minutes=minutes) if turn and turn.is_running else None


# ---------------------------------------------------------------------------
# The chair runs the ceremony


def _require(user: User, perm: str, obj) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied


def _lock_order(edition: Edition) -> None:
    # lock: two organisers may reorder or start turns at once; each reads the order after the other's write.
    list(DefenseSlot.objects.select_for_update().filter(edition=edition).values_list("pk", flat=True))


def _write_order(edition: Edition, groups: list[Group]) -> list[DefenseSlot]:
    """Positions 1..n for `groups`, creating the missing slots; slots of groups no longer defending go."""
    slots = {slot.group_id: slot for slot in DefenseSlot.objects.select_for_update().filter(edition=edition)}
    keep = {group.pk for group in groups}
    stale = [slot.pk for group_id, slot in slots.items() if group_id not in keep]
    if stale:
        DefenseSlot.objects.filter(pk__in=stale).delete()
    written, new = [], []
    for position, group in enumerate(groups, start=1):
        slot = slots.get(group.pk)
        if slot is None:
            new.append(DefenseSlot(edition=edition, group=group, position=position))
        else:
            slot.position = position
            written.append(slot)
    DefenseSlot.objects.bulk_update(written, ["position"])
    DefenseSlot.objects.bulk_create(new)
    return sorted(written + new, key=lambda slot: slot.position)


@transaction.atomic
def set_automatic_order(edition: Edition, *, by: User) -> list[DefenseSlot]:
    """The running order becomes: stakeholder types in their order, then groups by name.

    Writes: DefenseSlot positions (creates missing slots, deletes those of groups no longer defending)."""
    _require(by, CHAIR, edition)
    return _write_order(edition, list(defending_groups(edition)))


def close_defense_scoring(edition: Edition, *, by: User) -> ReviewSettings:
    """The chair closes the defense score sheets (the final scores are then settled)."""
    return set_settings_moment(edition, "defense_closed_at", on=True, by=by, perm=CHAIR)


def reopen_defense_scoring(edition: Edition, *, by: User) -> ReviewSettings:
    """The chair reopens the score sheets (a juror's late correction)."""
    return set_settings_moment(edition, "defense_closed_at", on=False, by=by, perm=CHAIR)


@transaction.atomic
def move_in_order(edition: Edition, group: Group, *, up: bool, by: User) -> bool:
    """Swap the group with the one before it (up) or after it. False when it is already first (last) or not in
    the order. Writes: DefenseSlot positions (the whole order is written, as shown)."""
    _require(by, CHAIR, edition)
    _lock_order(edition)
    groups = [turn.group for turn in running_order(edition)]
    index = next((i for i, item in enumerate(groups) if item.pk == group.pk), None)
    other = None if index is None else index + (-1 if up else 1)
    if other is None or not 0 <= other < len(groups):
        return False
    groups[index], groups[other] = groups[other], groups[index]
    _write_order(edition, groups)
    return True


def _slot_for(edition: Edition, group: Group) -> DefenseSlot:
    """The group's slot (locked), writing the order as shown first if this group has none yet."""
    _lock_order(edition)
    turns = running_order(edition)
    if not any(turn.group.pk == group.pk for turn in turns):
        raise ReviewRefused(_("This group is not in the running order: its document is not accepted."))
    if any(turn.slot is None for turn in turns):
        _write_order(edition, [turn.group for turn in turns])
    return DefenseSlot.objects.select_for_update().get(edition=edition, group=group)


@transaction.atomic
def start_turn(edition: Edition, group: Group, *, by: User) -> DefenseSlot:
    """The group's turn starts now (the timer counts down from here); a turn still running ends.

    Writes: DefenseSlot.started_at (ended_at cleared), ended_at of the other running turn. Raises ReviewRefused."""
    _require(by, CHAIR, edition)
    slot = _slot_for(edition, group)
    now = timezone.now()
    DefenseSlot.objects.filter(edition=edition, started_at__isnull=False, ended_at__isnull=True).exclude(
        pk=slot.pk
    ).update(ended_at=now)
    slot.started_at, slot.ended_at = now, None
    slot.save(update_fields=["started_at", "ended_at"])
    return slot


@transaction.atomic
def stop_turn(edition: Edition, group: Group, *, by: User) -> DefenseSlot:
    """The group's turn ends now. Writes: DefenseSlot.ended_at. Raises ReviewRefused if it never started."""
    _require(by, CHAIR, edition)
    slot = _slot_for(edition, group)
    if slot.started_at is None:
        raise ReviewRefused(_("This group's turn has not started."))
    if slot.ended_at is None:
        slot.ended_at = timezone.now()
        slot.save(update_fields=["ended_at"])
    return slot


@transaction.atomic
def mark_defended(edition: Edition, group: Group, *, by: User) -> Submission:
    """The group has defended its document: its current submission goes accepted → defended (review.record_defense,
    which logs and notifies) and its turn ends if it was running.

    Raises PermissionDenied, ReviewRefused (nothing submitted), InvalidTransition (not accepted)."""
    _require(by, CHAIR, edition)
    submission = latest_submission(group)
    if submission is None:
        raise ReviewRefused(_("This group has submitted nothing."))
    submission.group = group
    defended = record_defense(submission, by=by)
    DefenseSlot.objects.filter(group=group, started_at__isnull=False, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
    return defended


# ---------------------------------------------------------------------------
# The projector: one question, every defending group's position


@dataclass
class Column:
    """One stakeholder type on the projector, with the answers of its defending groups."""

    stakeholder_type: StakeholderType
    answers: list[tuple[Group, str]] = field(default_factory=list)


def questions_of(edition: Edition) -> list[SectionTemplate]:
    return list(
        SectionTemplate.objects.filter(assignment__edition=edition, kind=SectionTemplate.Kind.QUESTION).select_related(
            "question"
        )
    )


def shorten(html: str, blocks: int = SHOWN_BLOCKS, words: int = SHOWN_WORDS) -> str:
    """The first `blocks` top-level blocks of sanitised HTML, cut at `words` words (tags kept balanced)."""
    if not html.strip():
        return ""
    try:
        fragments = lxml_html.fragments_fromstring(html)
    except LxmlError:  # unreadable: show nothing rather than fail the ceremony
        return ""
    kept = [lxml_html.tostring(item, encoding="unicode", with_tail=False) if not isinstance(item, str)
            else f"<p>{escape(item)}</p>" for item in fragments[:blocks]]  # fmt: skip
    return sanitise_html(Truncator("".join(kept)).words(words, html=True, truncate="…"))


def positions_on(template: SectionTemplate, turns: list[Turn], edition_slug: str) -> list[Column]:
    """For one question, each defending group's answer (shortened) from its current submission, in columns by
    stakeholder type (the types' order). One query."""
    ids = [turn.group.current_submission_id for turn in turns]
    texts = dict(
        SubmittedSection.objects.filter(submission_id__in=ids, template=template).values_list("submission_id", "html")
    )
    columns: dict[int, Column] = {}
    for turn in sorted(turns, key=lambda t: (t.group.stakeholder_type.position, t.group.stakeholder_type.code)):
        kind = turn.group.stakeholder_type
        column = columns.setdefault(kind.pk, Column(kind))
        # Pictures through the jury's image view, as on every page showing a submitted text to the jury.
        text = jury_images(turn.group, edition_slug)(texts.get(turn.group.current_submission_id, ""))
        column.answers.append((turn.group, shorten(text)))
    return list(columns.values())


# ---------------------------------------------------------------------------
# Jurors' defense scores


def may_score(user: User, group: Group) -> bool:
    """A juror (the chair included) scores every defending group but those they have a conflict with."""
    return user.has_perm(JURY, group.edition) and not is_conflicted(user, group)


def score_value(criterion: Criterion, raw) -> Decimal | None:
    """A typed score as a number within the criterion's scale, None when empty; ValidationError otherwise."""
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as error:
        raise ValidationError(_("“%(criterion)s”: a number is expected.") % {"criterion": criterion.tr.name}) from error
    if not value.is_finite() or not criterion.scale_min <= value <= criterion.scale_max:
        raise ValidationError(
            _("“%(criterion)s”: the score must be between %(min)s and %(max)s.")
            % {"criterion": criterion.tr.name, "min": criterion.scale_min, "max": criterion.scale_max}
        )
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def save_defense_scores(group: Group, values: Mapping, *, by: User) -> dict[int, Decimal | None]:
    """A juror's defense scores for one group: {criterion id: value, or None/"" to clear}. Criteria left out are
    kept as they are; a second save replaces the first (one row per juror, group and criterion).

    Writes: DefenseScore rows (upsert), deletes the cleared ones. Raises PermissionDenied (not a juror, conflicted),
    RoundClosed, ReviewRefused (group not defending), ValidationError (unknown criterion, value outside the scale).
    """
    edition = group.edition
    if not may_score(by, group):
        raise PermissionDenied
    if review_settings_for(edition).defense_closed_at is not None:
        raise RoundClosed(_("Defense scoring is closed: scores can no longer be changed."))
    if not defending_groups(edition).filter(pk=group.pk).exists():
        raise ReviewRefused(_("This group is not in the running order: its document is not accepted."))
    criteria = {criterion.pk: criterion for criterion in criteria_of(edition, Criterion.Rubric.DEFENSE)}
    parsed: dict[int, Decimal | None] = {}
    for key, raw in values.items():
        criterion = criteria.get(int(key)) if str(key).isdigit() else None
        if criterion is None:
            raise ValidationError(_("Unknown criterion: reload the page."))
        parsed[criterion.pk] = score_value(criterion, raw)
    now = timezone.now()
    kept = [DefenseScore(group=group, juror=by, criterion_id=pk, value=value, updated_at=now)
            for pk, value in parsed.items() if value is not None]  # fmt: skip
    DefenseScore.objects.bulk_create(
        kept,
        update_conflicts=True,
        unique_fields=["group", "juror", "criterion"],
        update_fields=["value", "updated_at"],
    )
    results_changed()  # bulk_create sends no signal
    cleared = [pk for pk, value in parsed.items() if value is None]
    if cleared:
        DefenseScore.objects.filter(group=group, juror=by, criterion_id__in=cleared).delete()
    return parsed


def scores_of(juror: User, edition: Edition) -> dict[int, dict[int, Decimal]]:
    """{group id: {criterion id: value}} of one juror's defense scores in the edition. One query."""
    found: dict[int, dict[int, Decimal]] = {}
    rows = DefenseScore.objects.filter(juror=juror, group__edition=edition).values_list(
        "group_id", "criterion_id", "value"
    )
    for group_id, criterion_id, value in rows:
        found.setdefault(group_id, {})[criterion_id] = value
    return found


def scoring_progress(edition: Edition) -> tuple[dict[int, int], int]:
    """({group id: how many jurors scored its defense}, how many jurors the edition has): the chair sees who is
    still scoring before the results. Two queries."""
    scored = dict(
        DefenseScore.objects.filter(group__edition=edition)
        .values("group")
        .annotate(jurors=Count("juror", distinct=True))
        .values_list("group", "jurors")
    )
    jurors = (
        EditionRole.objects.filter(edition=edition, role__in=[Role.JUROR, Role.JURY_CHAIR])
        .values("user")
        .distinct()
        .count()
    )
    return scored, jurors
