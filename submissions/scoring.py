"""Scores to results, without the database: the jurors' scores per criterion aggregated (mean or median), the
weighted total of a rubric on 100, the final score mixing document and defense, and a ranking that shows ties.

Everything is Decimal, rounded to two places only for display (`round_score`), so that two groups with the same
scores always tie.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Scale:
    """What the total needs to know of a criterion."""

    key: int
    scale_min: Decimal
    scale_max: Decimal
    weight: Decimal
    informational: bool = False


def aggregate(values: Iterable[Decimal], method: str) -> Decimal | None:
    """The jurors' scores for one criterion as one value ("mean" or "median"); None when nobody scored it."""
    present = sorted(Decimal(value) for value in values if value is not None)
    if not present:
        return None
    if method == "median":
        return Decimal(median(present))
    return sum(present, Decimal(0)) / len(present)


def rubric_total(per_criterion: Mapping[int, Decimal | None], criteria: Sequence[Scale]) -> Decimal | None:
    """The weighted total on 100 of the criteria that count (informational ones are left out); a criterion nobody
    scored is left out with its weight. None when nothing that counts was scored."""
    weighted = Decimal(0)
    weights = Decimal(0)
    for criterion in criteria:
        value = per_criterion.get(criterion.key)
        if criterion.informational or value is None or criterion.weight <= 0:
            continue
        span = criterion.scale_max - criterion.scale_min
        weighted += criterion.weight * (Decimal(value) - criterion.scale_min) / span
        weights += criterion.weight
    if not weights:
        return None
    return weighted / weights * HUNDRED


def final_score(document: Decimal | None, defense: Decimal | None, document_weight: int) -> Decimal | None:
    """Document and defense on 100 mixed by the edition's weights; a missing part counts for nothing, so a group
    that did not defend is not ranked above one that did with the same document."""
    if document is None and defense is None:
        return None
    share = Decimal(document_weight) / HUNDRED
    return (document or Decimal(0)) * share + (defense or Decimal(0)) * (1 - share)


def rank(scores: Mapping[int, Decimal | None]) -> dict[int, int | None]:
    """Standard competition ranking ("1, 2, 2, 4"): equal scores share a rank. Unscored: None."""
    ordered = sorted(((score, key) for key, score in scores.items() if score is not None), reverse=True)
    ranks: dict[int, int | None] = {key: None for key, score in scores.items() if score is None}
    previous = None
    for position, (score, key) in enumerate(ordered, start=1):
        if score != previous:
            current, previous = position, score
        ranks[key] = current
    return ranks


def spread(values: Iterable[Decimal | None]) -> Decimal | None:
    """Highest minus lowest of the jurors' totals: a large spread is a disagreement for the chair to look at."""
    present = [Decimal(value) for value in values if value is not None]
    if len(present) < 2:
        return None
    return max(present) - min(present)


def round_score(value: Decimal | None, places: str = "0.01") -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP)
