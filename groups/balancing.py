"""Automatic assignment of participants to stakeholder groups: the pure algorithm, no Django.

The rules, strongest first:

1. Pins and capacities are never broken: fixed people stay, no group grows past `max_size`. When the groups
   cannot hold everyone, people earlier in the input get the seats; the rest are `unplaced`.
2. Sizes: final sizes (fixed + placed) differ by at most one wherever pins and capacities allow. Groups that pins
   already made big take nobody; the others are filled up towards them (water-filling).
3. Mode, given 2: as few people as possible play their own sector's type (OTHER), or as many as possible do (OWN).
   Exact: with c[t] newcomers of sector t, s[t] newcomer seats in type-t groups and n newcomers, OTHER leaves
   max(0, max over t of c[t] + s[t] - n) in their own type, OWN places sum of min(c[t], s[t]) there, and which
   groups get the one-more seats is chosen to make those figures best.
4. Gender, given 2 and 3: evenly spread, in the sense that no swap of two newcomers lowers the sum over groups and
   genders of count² / group size (which is lowest when each group holds its proportional share) without
   costing mode. With no pins and no capacities that means every gender's counts differ by at most one, unless
   the mode forbids it (e.g. all women from the government sector in OTHER mode).
5. Organisation, given 1-4: colleagues split across groups (at most ceil(k / groups) together where possible).
6. Country, given 1-5: compatriots spread likewise.
Rules 1-3 always hold. Rule 4 holds unless the work budget of the swap step (about 30 checks per person) runs
out first, which takes a hostile cohort of thousands; 5 and 6 are best effort within the same budget.

How, in three steps, each cheap enough for 10,000 people and 300 groups:

- `_newcomer_slots` decides how many newcomers each group takes. Sizes are settled there and never change after.
  Where some groups must take one more than others, the mode decides which types get the seats.
- `_deal` places people one by one: seeded-shuffled, then ordered by country and organisation so that compatriots
  and colleagues come in a row. Each goes, among the types the mode lets them play, to the group where their
  gender weighs least, least recently served first, so that people in a row land in different groups. A ledger
  (`_OtherModeLedger`, `_OwnModeLedger`) keeps the best mode figure reachable whatever the dealing order.
- `_improve` swaps pairs of placed people between groups, and keeps a swap only if it makes the plan better on
  (mode, gender, organisation, country) compared in that order. Swaps never change sizes, and mode never gets worse.

Determinism: one `random.Random(seed)` drives every choice, and no set or hash order is ever iterated.
"""

from __future__ import annotations

import enum
import heapq
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import islice

__all__ = ["Balance", "GroupFigures", "GroupSlot", "Mode", "Person", "Plan", "assign", "group_figures"]


class Mode(enum.StrEnum):
    """How a person's own sector of origin weighs on the type of group they are placed in."""

    OTHER = "other"  # play another role: avoid the type matching one's own sector (the usual teaching choice)
    OWN = "own"  # play your own role
    IGNORE = "ignore"  # sector not considered


@dataclass(frozen=True)
class Person:
    id: int
    gender: str = ""  # "female" / "male" / "other" / "" unknown
    organisation: str = ""  # normalised by the caller; "" unknown: never counts as colleagues
    country: str = ""  # normalised; "" unknown
    sector_type: str = ""  # code of the stakeholder type matching the person's sector of origin; "" unknown


@dataclass(frozen=True)
class GroupSlot:
    id: int
    type_code: str  # stakeholder type code of the group
    max_size: int | None = None  # hard capacity; None = unlimited
    fixed: tuple[Person, ...] = ()  # people who stay in the group; they count toward size and balance


@dataclass(frozen=True)
class Plan:
    placements: dict[int, int]  # person id -> group id, in input order; fixed people not included
    unplaced: tuple[int, ...] = ()  # ids that found no room (every group full), in input order

    def members(self, people: Sequence[Person], groups: Sequence[GroupSlot]) -> dict[int, list[Person]]:
        """Everyone in each group once the plan is applied: fixed people first, then newcomers in input order."""
        by_group = {group.id: list(group.fixed) for group in groups}
        for person in people:
            group_id = self.placements.get(person.id)
            if group_id is not None:
                by_group[group_id].append(person)
        return by_group

    def figures(self, people: Sequence[Person], groups: Sequence[GroupSlot]) -> Balance:
        """The preview: balance figures of the groups as they would be after this plan."""
        return group_figures(groups, self.members(people, groups), unplaced=len(self.unplaced))


@dataclass(frozen=True)
class GroupFigures:
    group_id: int
    type_code: str
    size: int
    by_gender: dict[str, int]  # every gender seen in any group, zero-filled, sorted; "" = unknown
    organisations: int  # distinct non-empty organisations
    countries: int  # distinct non-empty countries
    own_role: int  # members whose own sector matches the group's type

    def as_json(self, name: str) -> dict:
        """The `--json` row of the assignment command."""
        return {
            "name": name,
            "type": self.type_code,
            "size": self.size,
            "by_gender": dict(self.by_gender),
            "organisations": self.organisations,
            "countries": self.countries,
        }


@dataclass(frozen=True)
class Balance:
    groups: tuple[GroupFigures, ...]  # in the order of the groups given
    size_spread: int  # largest minus smallest group size
    gender_spread: dict[str, int]  # per gender: most minus fewest in a group
    colleagues_over: int  # people beyond ceil(k / groups) of their organisation in one group; 0 = split evenly
    compatriots_over: int  # the same for countries
    own_role: int  # people in a group of their own sector's type
    unplaced: int


def group_figures(
    groups: Sequence[GroupSlot], members: Mapping[int, Sequence[Person]] | None = None, *, unplaced: int = 0
) -> Balance:
    """Per-group and overall balance figures; without `members`, of the groups as they stand (fixed people only)."""
    if members is None:
        members = {group.id: group.fixed for group in groups}
    rosters = [list(members.get(group.id, ())) for group in groups]
    genders = sorted({person.gender for roster in rosters for person in roster})
    rows = tuple(_figures_of(group, roster, genders) for group, roster in zip(groups, rosters, strict=True))
    sizes = [row.size for row in rows]
    return Balance(
        groups=rows,
        size_spread=_spread(sizes),
        gender_spread={gender: _spread([row.by_gender[gender] for row in rows]) for gender in genders},
        colleagues_over=_excess_over_even_split(rosters, lambda person: person.organisation),
        compatriots_over=_excess_over_even_split(rosters, lambda person: person.country),
        own_role=sum(row.own_role for row in rows),
        unplaced=unplaced,
    )


def _figures_of(group: GroupSlot, roster: list[Person], genders: list[str]) -> GroupFigures:
    by_gender = dict.fromkeys(genders, 0)
    for person in roster:
        by_gender[person.gender] += 1
    return GroupFigures(
        group_id=group.id,
        type_code=group.type_code,
        size=len(roster),
        by_gender=by_gender,
        organisations=len({person.organisation for person in roster if person.organisation}),
        countries=len({person.country for person in roster if person.country}),
        own_role=sum(1 for person in roster if person.sector_type and person.sector_type == group.type_code),
    )


def _spread(values: list[int]) -> int:
    return max(values) - min(values) if values else 0


def _excess_over_even_split(rosters: list[list[Person]], key) -> int:
    """How many people sit beyond the even share ceil(k / groups) of their organisation (or country) in a group."""
    per_group = [_count_values(key(person) for person in roster) for roster in rosters]
    totals: dict[str, int] = {}
    for counts in per_group:
        for value, count in counts.items():
            totals[value] = totals.get(value, 0) + count
    even_share = {value: math.ceil(total / len(rosters)) for value, total in totals.items()}
    return sum(max(0, count - even_share[value]) for counts in per_group for value, count in counts.items())


def _count_values(values) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        if value:
            counts[value] = counts.get(value, 0) + 1
    return counts


def assign(people: Sequence[Person], groups: Sequence[GroupSlot], *, mode: Mode = Mode.OTHER, seed: int = 0) -> Plan:
    """Place `people` in `groups` following the rules in the module docstring; deterministic for a given seed.

    When capacities cannot hold everyone, people earlier in `people` get the seats: the caller's order is the
    priority (e.g. enrolment date). Otherwise the order of `people` does not matter beyond the seeded shuffle.
    """
    mode = Mode(mode)
    _check_inputs(people, groups)
    rng = random.Random(seed)
    room = [_room(group) for group in groups]
    seats = len(people) if any(r is None for r in room) else min(len(people), sum(r or 0 for r in room))
    placed, left_out = list(people[:seats]), people[seats:]
    if not placed:
        return Plan(placements={}, unplaced=tuple(person.id for person in left_out))

    board = _Board(placed, groups, mode)
    slots = _newcomer_slots(board, groups, rng)
    _deal(board, slots, rng)
    _improve(board, rng)
    return Plan(
        placements={person.id: groups[board.group_of[i]].id for i, person in enumerate(placed)},
        unplaced=tuple(person.id for person in left_out),
    )


def _check_inputs(people: Sequence[Person], groups: Sequence[GroupSlot]) -> None:
    """Ambiguous input would make a silent wrong plan; refuse it."""
    group_ids = [group.id for group in groups]
    if len(set(group_ids)) != len(group_ids):
        raise ValueError("Two groups share an id.")
    fixed_ids = [person.id for group in groups for person in group.fixed]
    if len(set(fixed_ids)) != len(fixed_ids):
        raise ValueError("A fixed person is in two groups.")
    ids = [person.id for person in people]
    if len(set(ids)) != len(ids):
        raise ValueError("Two people share an id.")
    if set(ids) & set(fixed_ids):
        raise ValueError("A person to place is already fixed in a group.")
    if any(group.max_size is not None and group.max_size < 0 for group in groups):
        raise ValueError("A group has a negative capacity.")


def _room(group: GroupSlot) -> int | None:
    if group.max_size is None:
        return None
    return max(0, group.max_size - len(group.fixed))


# --- working state ----------------------------------------------------------------------------------------------

_ORG, _COUNTRY = 0, 1


class _Board:
    """Who is where, with per-group counts (fixed people included) kept in step with every move.

    People, genders, types, organisations and countries are small ints here: list indexing is what makes
    10,000 people fast in CPython. Sector ids are type ids (-1: no group has the person's sector type).
    """

    def __init__(self, people: list[Person], groups: Sequence[GroupSlot], mode: Mode) -> None:
        self.mode = mode
        self.n, self.size = len(people), len(groups)
        type_codes = list(dict.fromkeys(group.type_code for group in groups))
        type_id = {code: t for t, code in enumerate(type_codes)}
        self.types = len(type_codes)
        self.type_of = [type_id[group.type_code] for group in groups]
        everyone = [*people, *(person for group in groups for person in group.fixed)]
        gender_id = {gender: x for x, gender in enumerate(sorted({person.gender for person in everyone}))}
        self.genders = len(gender_id)
        value_ids = [_ids_of(person.organisation for person in everyone), _ids_of(p.country for p in everyone)]
        self.gender = [gender_id[person.gender] for person in people]
        self.sector = [type_id.get(person.sector_type, -1) if person.sector_type else -1 for person in people]
        if mode is Mode.IGNORE:
            self.sector = [-1] * self.n  # not even as a bucket key: the plan must not depend on it
        self.value = [
            [value_ids[_ORG].get(person.organisation, -1) for person in people],
            [value_ids[_COUNTRY].get(person.country, -1) for person in people],
        ]
        self.group_of = [-1] * self.n
        self.fixed_count = [len(group.fixed) for group in groups]
        self.by_gender = [[0] * self.genders for _ in groups]  # group -> gender -> count
        # value -> group -> count, fixed people included; groups at zero are dropped
        self.hosts: list[list[dict[int, int]]] = [[{} for _ in ids] for ids in value_ids]
        # group -> gender -> sector -> newcomer indices: the people a swap may move
        self.crowd: list[list[dict[int, dict[int, None]]]] = [[{} for _ in range(self.genders)] for _ in groups]
        # value -> group -> newcomer indices of that organisation / country
        self.movers: list[list[dict[int, dict[int, None]]]] = [[{} for _ in ids] for ids in value_ids]
        self.newcomers = [0] * self.size
        self.sizes = list(self.fixed_count)  # final sizes, once dealt: swaps keep them
        for g, group in enumerate(groups):
            for person in group.fixed:
                self.by_gender[g][gender_id[person.gender]] += 1
                for a, key in ((_ORG, person.organisation), (_COUNTRY, person.country)):
                    if key:
                        hosts = self.hosts[a][value_ids[a][key]]
                        hosts[g] = hosts.get(g, 0) + 1
        self.costs = self._cost_table(mode)
        self.budget = 0  # work units the improvement may still spend
        self.cursor = 0  # where the next search for a partner group starts in the rotation

    def cost(self, sector: int, g: int) -> int:
        """1 if a person of `sector` in group g goes against the mode."""
        return self.costs[sector][g]

    def _cost_table(self, mode: Mode) -> list[list[int]]:
        """costs[sector][group], with one more row of zeros that sector -1 (no matching type) indexes from the end."""
        rows = [[0] * self.size for _ in range(self.types + 1)]
        if mode is not Mode.IGNORE:
            for t in range(self.types):
                for g, type_id in enumerate(self.type_of):
                    rows[t][g] = int(t == type_id) if mode is Mode.OTHER else int(t != type_id)
        return rows

    def put(self, i: int, g: int) -> None:
        self.group_of[i] = g
        self.newcomers[g] += 1
        self.sizes[g] += 1
        x = self.gender[i]
        self.by_gender[g][x] += 1
        self.crowd[g][x].setdefault(self.sector[i], {})[i] = None
        for a in (_ORG, _COUNTRY):
            v = self.value[a][i]
            if v >= 0:
                hosts = self.hosts[a][v]
                hosts[g] = hosts.get(g, 0) + 1
                self.movers[a][v].setdefault(g, {})[i] = None

    def take_out(self, i: int) -> int:
        g = self.group_of[i]
        self.newcomers[g] -= 1
        self.sizes[g] -= 1
        x = self.gender[i]
        self.by_gender[g][x] -= 1
        _discard(self.crowd[g][x], self.sector[i], i)
        for a in (_ORG, _COUNTRY):
            v = self.value[a][i]
            if v >= 0:
                hosts = self.hosts[a][v]
                hosts[g] -= 1
                if not hosts[g]:
                    del hosts[g]
                _discard(self.movers[a][v], g, i)
        return g

    def swap(self, i: int, j: int) -> None:
        g, h = self.take_out(i), self.take_out(j)
        self.put(i, h)
        self.put(j, g)

    def swap_gain(self, i: int, j: int) -> tuple[int, int, int, int]:
        """Change of (mode cost, gender, organisation, country) imbalance if i and j trade groups; < 0 is better.

        The imbalance of an attribute is the sum over groups and values of count² / group size, lowest when
        every group holds its proportional share. Its changes here are scaled by size_g * size_h, which is
        the same for every swap between two given groups.
        """
        g, h = self.group_of[i], self.group_of[j]
        si, sj = self.sector[i], self.sector[j]
        mode = self.cost(si, h) + self.cost(sj, g) - self.cost(si, g) - self.cost(sj, h)
        x, y = self.gender[i], self.gender[j]
        size_g, size_h = self.sizes[g], self.sizes[h]
        gender = 0
        if x != y:
            at_g, at_h = self.by_gender[g], self.by_gender[h]
            gender = _moving(at_g[x], at_h[x], size_g, size_h) + _moving(at_h[y], at_g[y], size_h, size_g)
        return mode, gender, self._value_gain(_ORG, i, j, g, h), self._value_gain(_COUNTRY, i, j, g, h)

    def _value_gain(self, a: int, i: int, j: int, g: int, h: int) -> int:
        u, v = self.value[a][i], self.value[a][j]
        if u == v:
            return 0
        gain = 0
        if u >= 0:
            hosts = self.hosts[a][u]
            gain += _moving(hosts.get(g, 0), hosts.get(h, 0), self.sizes[g], self.sizes[h])
        if v >= 0:
            hosts = self.hosts[a][v]
            gain += _moving(hosts.get(h, 0), hosts.get(g, 0), self.sizes[h], self.sizes[g])
        return gain


def _moving(count_from: int, count_to: int, size_from: int, size_to: int) -> int:
    """Change of count²/size over two groups when one person of a value moves, times size_from * size_to."""
    return (1 - 2 * count_from) * size_to + (2 * count_to + 1) * size_from


def _ids_of(values) -> dict[str, int]:
    """Non-empty values numbered in sorted order (not hash order)."""
    return {value: k for k, value in enumerate(sorted({value for value in values if value}))}


def _discard(buckets: dict[int, dict[int, None]], key: int, i: int) -> None:
    bucket = buckets[key]
    del bucket[i]
    if not bucket:
        del buckets[key]


# --- step 1: how many newcomers each group takes -----------------------------------------------------------------


def _newcomer_slots(board: _Board, groups: Sequence[GroupSlot], rng: random.Random) -> list[int]:
    """Newcomers per group: raise every group to a common level L (capped), then one more for some.

    L is the highest level the newcomers can fill; the `extra` people left over go one each to groups that
    can still grow, chosen by `_choose_extras` for the mode.
    """
    fixed, caps = board.fixed_count, [group.max_size for group in groups]
    level = _water_level(fixed, caps, board.n)
    slots = [max(0, _capped(level, cap) - f) for f, cap in zip(fixed, caps, strict=True)]
    extra = board.n - sum(slots)
    growable = [g for g in range(board.size) if fixed[g] <= level and (caps[g] is None or caps[g] > level)]
    for g in _choose_extras(board, growable, extra, slots, rng):
        slots[g] += 1
    return slots


def _capped(level: int, cap: int | None) -> int:
    return level if cap is None else min(level, cap)


def _water_level(fixed: list[int], caps: list[int | None], n: int) -> int:
    """The highest level L such that topping every group up to L (within capacity) takes at most n people."""

    def taken(level: int) -> int:
        return sum(max(0, _capped(level, cap) - f) for f, cap in zip(fixed, caps, strict=True))

    low, high = 0, max([*fixed, *(cap for cap in caps if cap is not None)]) + n
    while low < high:  # taken(low) <= n always; above high, more people would be needed or no group grows
        middle = (low + high + 1) // 2
        if taken(middle) <= n:
            low = middle
        else:
            high = middle - 1
    return low


def _choose_extras(board: _Board, growable: list[int], extra: int, slots: list[int], rng: random.Random) -> list[int]:
    """Which groups take one more newcomer. The mode's best figure depends on how many seats each type has:

    OTHER: give seats to the type whose own-sector people plus seats is smallest (that sum beyond the number of
    people is how many must play their own role). OWN: give seats to the type most short of its own-sector people.
    """
    order = list(growable)
    rng.shuffle(order)
    if board.mode is Mode.IGNORE or not extra:
        return order[:extra]
    queues: dict[int, list[int]] = {}
    for g in order:
        queues.setdefault(board.type_of[g], []).append(g)
    for queue in queues.values():
        queue.reverse()  # pop() from the end gives shuffled order
    demand = _sector_counts(board)
    seats = _seats_per_type(board, slots)
    chosen = []
    for _ in range(extra):
        open_types = [t for t, queue in queues.items() if queue]
        if board.mode is Mode.OTHER:
            t = min(open_types, key=lambda t: demand[t] + seats[t])
        else:
            t = max(open_types, key=lambda t: demand[t] - seats[t])
        chosen.append(queues[t].pop())
        seats[t] += 1
    return chosen


def _sector_counts(board: _Board) -> list[int]:
    """Newcomers per sector (sector ids are type ids)."""
    counts = [0] * board.types
    for i in range(board.n):
        if board.sector[i] >= 0:
            counts[board.sector[i]] += 1
    return counts


def _seats_per_type(board: _Board, slots: list[int]) -> list[int]:
    seats = [0] * board.types
    for g, count in enumerate(slots):
        seats[board.type_of[g]] += count
    return seats


# --- step 2: dealing ---------------------------------------------------------------------------------------------


class _IgnoreModeLedger:
    """Any type with a free seat will do."""

    def __init__(self, board: _Board, seats: list[int], rng: random.Random) -> None:
        self.seats = seats

    def allowed(self, i: int) -> list[int]:
        return [t for t, left in enumerate(self.seats) if left]

    def record(self, i: int, t: int) -> None:
        self.seats[t] -= 1


class _OtherModeLedger:
    """Keeps the fewest-own-roles figure reachable whatever the dealing order.

    With c[t] people of sector t still to place, seats[t] seats left in type-t groups and n people left, everyone
    can avoid their own type iff c[t] + seats[t] <= n for every t (Hall's condition). If that fails at the start,
    the excess (at most one type can have one) is the minimum number who must play their own role: that many,
    picked at random, are freed of their sector. While dealing, a type with c[t] + seats[t] == n is tight: everyone
    not of sector t must then take a type-t seat, or the condition would break.
    """

    def __init__(self, board: _Board, seats: list[int], rng: random.Random) -> None:
        self.seats, self.left = seats, board.n
        self.sector = list(board.sector)
        self.waiting = _sector_counts(board)
        for t in range(board.types):
            excess = self.waiting[t] + seats[t] - board.n
            if excess > 0:
                of_sector = [i for i in range(board.n) if self.sector[i] == t]
                for i in sorted(rng.sample(of_sector, excess)):
                    self.sector[i] = -1
                self.waiting[t] -= excess

    def allowed(self, i: int) -> list[int]:
        s = self.sector[i]
        for t, left in enumerate(self.seats):
            if t != s and self.waiting[t] + left == self.left:
                return [t]
        return [t for t, left in enumerate(self.seats) if left and t != s]

    def record(self, i: int, t: int) -> None:
        self.seats[t] -= 1
        self.left -= 1
        if self.sector[i] >= 0:
            self.waiting[self.sector[i]] -= 1


class _OwnModeLedger:
    """Keeps the most-own-roles figure reachable: people of a sector with too few seats of their type are freed at
    random until the seats suffice; the others must take their type; free people only take seats nobody of that
    sector is still waiting for.
    """

    def __init__(self, board: _Board, seats: list[int], rng: random.Random) -> None:
        self.seats = seats
        self.sector = list(board.sector)
        self.waiting = _sector_counts(board)
        for t in range(board.types):
            excess = self.waiting[t] - seats[t]
            if excess > 0:
                of_sector = [i for i in range(board.n) if self.sector[i] == t]
                for i in sorted(rng.sample(of_sector, excess)):
                    self.sector[i] = -1
                self.waiting[t] -= excess

    def allowed(self, i: int) -> list[int]:
        if self.sector[i] >= 0:
            return [self.sector[i]]
        return [t for t, left in enumerate(self.seats) if left > self.waiting[t]]

    def record(self, i: int, t: int) -> None:
        self.seats[t] -= 1
        if self.sector[i] >= 0:
            self.waiting[self.sector[i]] -= 1


_LEDGERS = {Mode.IGNORE: _IgnoreModeLedger, Mode.OTHER: _OtherModeLedger, Mode.OWN: _OwnModeLedger}


def _deal(board: _Board, slots: list[int], rng: random.Random) -> None:
    """Place everyone, one by one, in the dealing order.

    Each person goes, among the types the ledger allows, to the group where their gender would then make the
    smallest share of the group's final size (fixed people included); ties go to the group served least
    recently, so that people in a row (compatriots, colleagues) land in different groups.

    One heap per (gender, type), one entry per group, refreshed lazily: keys only grow, so a stale entry
    understates its group's key, and the first fresh top is the true minimum.
    """
    ledger = _LEDGERS[board.mode](board, _seats_per_type(board, slots), rng)
    seats_left = list(slots)
    served = list(range(-board.size, 0))
    rng.shuffle(served)  # who is served first in a tie
    version = [0] * board.size
    final_size = [fixed + seats for fixed, seats in zip(board.fixed_count, slots, strict=True)]

    def share(g: int, x: int) -> float:
        return (board.by_gender[g][x] + 1) / final_size[g]

    heaps = [[[] for _ in range(board.types)] for _ in range(board.genders)]
    for g in range(board.size):
        if seats_left[g]:
            for x in range(board.genders):
                heaps[x][board.type_of[g]].append((share(g, x), served[g], g, 0))
    for per_type in heaps:
        for heap in per_type:
            heapq.heapify(heap)

    def top(heap: list, x: int) -> tuple | None:
        while heap:
            _, _, g, seen = heap[0]
            if not seats_left[g]:
                heapq.heappop(heap)
            elif seen != version[g]:
                heapq.heapreplace(heap, (share(g, x), served[g], g, version[g]))
            else:
                return heap[0]
        return None

    for step, i in enumerate(_dealing_order(board, rng)):
        x = board.gender[i]
        candidates = [entry for t in ledger.allowed(i) if (entry := top(heaps[x][t], x)) is not None]
        g = min(candidates)[2]
        board.put(i, g)
        ledger.record(i, board.type_of[g])
        seats_left[g] -= 1
        served[g] = step
        version[g] += 1


def _dealing_order(board: _Board, rng: random.Random) -> list[int]:
    """Seeded shuffle, then compatriots together and colleagues together within them (countries and organisations
    in a seeded random order, unknown last), so that the least-recently-served rule spreads them.
    """
    order = list(range(board.n))
    rng.shuffle(order)
    ranks = []
    for a in (_COUNTRY, _ORG):
        rank = list(range(len(board.hosts[a])))
        rng.shuffle(rank)
        ranks.append(rank)
    unknown = board.n + len(ranks[0]) + len(ranks[1])
    countries, organisations = board.value[_COUNTRY], board.value[_ORG]

    def key(i: int) -> tuple[int, int]:
        c, o = countries[i], organisations[i]
        return (ranks[0][c] if c >= 0 else unknown, ranks[1][o] if o >= 0 else unknown)

    order.sort(key=key)
    return order


# --- step 3: improvement by swaps --------------------------------------------------------------------------------

_NO_GAIN = (0, 0, 0, 0)
_ROUNDS = 8
_CANDIDATES = 4  # people tried per (gender, sector) bucket when looking for a gender swap


def _improve(board: _Board, rng: random.Random) -> None:
    """Swap pairs until gender, then organisation, then country stop improving (or the work budget runs out).

    The budget, about 30 cheap checks per person, bounds the work where balance cannot be reached (e.g. a sector
    made of one gender in OTHER mode, or capacities that make sizes very unequal); realistic cohorts stop well
    within it.
    """
    board.budget = 30 * board.n + 20_000
    rotation = list(range(board.size))
    rng.shuffle(rotation)
    for _ in range(_ROUNDS):
        changed = _even_out_genders(board)
        changed |= _spread_out(board, _ORG, rotation)
        changed |= _spread_out(board, _COUNTRY, rotation)
        if not changed:
            break
    # gender outranks organisation and country: a last pass, with a budget of its own, takes any gender swap
    # that their swaps made possible
    board.budget = max(board.budget, 0) + 5 * board.n + 5_000
    _even_out_genders(board)


def _even_out_genders(board: _Board) -> bool:
    """Swap until no swap of two people of different genders evens out genders without costing mode."""
    changed, progress = False, True
    while progress and board.budget > 0:
        progress = False
        for x in range(board.genders):
            for y in range(board.genders):
                if x != y and _even_out_gender_pair(board, x, y):
                    changed = progress = True
    return changed


def _even_out_gender_pair(board: _Board, x: int, y: int) -> bool:
    """One pass of swaps of an x in some group g with a y in some group h that lower the gender imbalance.

    With a, c the x and y counts of g and b, d those of h, the swap lowers sum(count² / size) iff
    lead(g) = (a - c - 1) / size_g exceeds lag(h) = (b - d + 1) / size_h. Groups sorted on each side give the
    candidate pairs best first, so the scan for a g stops at the first h whose lag reaches lead(g). Swaps move
    the figures during a pass, which may then miss a pair; the caller repeats passes until one swaps nothing,
    and that pass, on fresh figures, has looked at every pair that could gain.
    """
    counts, sizes, crowd = board.by_gender, board.sizes, board.crowd

    def lead(g: int) -> float:
        return (counts[g][x] - counts[g][y] - 1) / sizes[g]

    def lag(h: int) -> float:
        return (counts[h][x] - counts[h][y] + 1) / sizes[h]

    open_groups = [g for g in range(board.size) if board.newcomers[g]]
    sorted_lag = {h: lag(h) for h in open_groups if crowd[h][y]}
    takers = sorted(sorted_lag, key=lambda h: (sorted_lag[h], h))
    givers = sorted((g for g in open_groups if crowd[g][x]), key=lambda g: (-lead(g), g))
    swapped = False
    for g in givers:
        for h in takers:
            if not crowd[g][x] or lead(g) <= sorted_lag[h] or board.budget <= 0:
                break
            board.budget -= 1
            if h != g and crowd[h][y] and lead(g) > lag(h):
                pair = _best_swap(board, crowd[g][x], crowd[h][y], g, h)
                if pair:
                    board.swap(*pair)
                    swapped = True
    return swapped


def _best_swap(
    board: _Board, givers: dict, takers: dict, g: int, h: int, limit: int | None = _CANDIDATES
) -> tuple[int, int] | None:
    """The best improving swap between people of `givers` (in g) and `takers` (in h), both {sector: people}.

    Sector pairs that would cost mode are skipped whole; within a pair, `limit` people per bucket are scored
    (None: all of them).
    """
    best, best_gain = None, _NO_GAIN
    board.budget -= 1
    for s, people in givers.items():
        give = board.cost(s, h) - board.cost(s, g)
        for s2, others in takers.items():
            if give + board.cost(s2, g) - board.cost(s2, h) > 0:
                continue
            for i in islice(people, limit):
                for j in islice(others, limit):
                    board.budget -= 1
                    gain = board.swap_gain(i, j)
                    if gain < best_gain:
                        best, best_gain = (i, j), gain
    return best


def _spread_out(board: _Board, a: int, rotation: list[int]) -> bool:
    """Move colleagues (a = _ORG) or compatriots (a = _COUNTRY) out of groups holding two or more of them, towards
    groups holding a smaller share, by swaps that cost nothing higher in the order of rules.
    """
    changed = False
    open_groups = [g for g in range(board.size) if board.newcomers[g]]
    roomiest = sorted(open_groups, key=lambda g: (-board.sizes[g], g))
    by_total = sorted(range(len(board.hosts[a])), key=lambda v: (-sum(board.hosts[a][v].values()), v))
    for v in by_total:
        hosts = board.hosts[a][v]
        if max(hosts.values(), default=0) < 2:
            continue
        share = _smallest_share(board, hosts, roomiest)
        for g in sorted(board.movers[a][v], key=lambda g: (-hosts.get(g, 0), g)):
            while (
                board.budget > 0
                and hosts.get(g, 0) >= 2
                and _would_gain_by_leaving(board, hosts, g, share)
                and _move_one_out(board, a, v, g, rotation)
            ):
                changed = True
                share = _smallest_share(board, hosts, roomiest)
    return changed


def _smallest_share(board: _Board, hosts: dict[int, int], roomiest: list[int]) -> tuple[int, int]:
    """min over open groups h of (2 * count_h + 1) / size_h, as (numerator, denominator): where one more of the
    value would weigh least. Among the groups without the value, the biggest is that place.
    """
    sizes = board.sizes
    shares = [(2 * count + 1, sizes[h]) for h, count in hosts.items() if board.newcomers[h]]
    without = next((h for h in roomiest if h not in hosts), None)
    if without is not None:
        shares.append((1, sizes[without]))
    return min(shares, key=lambda share: share[0] / share[1])


def _would_gain_by_leaving(board: _Board, hosts: dict[int, int], g: int, share: tuple[int, int]) -> bool:
    """Whether one of the value leaving g for the place `share` describes lowers its count² / size."""
    return (2 * hosts[g] - 1) * share[1] > share[0] * board.sizes[g]


_MOVERS = 8  # people of the value in g tried, per partner group
_PARTNER_GROUPS = 24  # partner groups tried per move
_PARTNERS = 48  # people tried per (gender, sector) bucket of a partner group


def _move_one_out(board: _Board, a: int, v: int, g: int, rotation: list[int]) -> bool:
    """Swap one person of value v out of g with someone in a group where the value weighs less.

    Partner groups are tried in a rotating seeded order; in each, people of value v in g whose move costs no mode
    (or whose cost someone there could offset) against the people there, same gender first since that keeps
    gender counts as they are. The limits and the budget bound the search.
    """
    hosts, sizes = board.hosts[a][v], board.sizes
    leaving = 2 * hosts[g] - 1
    tried = 0
    board.cursor += 1  # a moving start point spreads the swaps over the groups
    for k in range(board.size):
        h = rotation[(board.cursor + k) % board.size]
        if h == g or not board.newcomers[h] or leaving * sizes[h] <= (2 * hosts.get(h, 0) + 1) * sizes[g]:
            continue
        tried += 1
        board.budget -= 1
        if tried > _PARTNER_GROUPS or board.budget <= 0:
            return False
        can_offset = None  # whether someone in h would leave a mode cost behind by moving to g
        for i in list(islice(board.movers[a][v].get(g, {}), _MOVERS)):
            s, x = board.sector[i], board.gender[i]
            if board.costs[s][h] > board.costs[s][g]:
                if can_offset is None:
                    can_offset = _can_offset_mode_cost(board, h, g)
                if not can_offset:
                    continue
            pair = _best_swap(board, {s: {i: None}}, board.crowd[h][x], g, h, limit=_PARTNERS)
            for y in range(board.genders):
                if not pair and y != x and board.crowd[h][y]:
                    pair = _best_swap(board, {s: {i: None}}, board.crowd[h][y], g, h, limit=_PARTNERS)
            if pair:
                board.swap(*pair)
                return True
    return False


def _can_offset_mode_cost(board: _Board, h: int, g: int) -> bool:
    costs = board.costs
    return any(costs[s][g] < costs[s][h] for per_gender in board.crowd[h] for s in per_gender)
