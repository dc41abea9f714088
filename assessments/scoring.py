"""Scoring: each answered item as a fraction of its range, the mean per dimension, shown on 0–100.

Items are put on one 0–1 footing before averaging, so a dimension may mix 1–5, 1–7 and 1–10 items and
scored options. A reverse-scored item counts the other way round. A dimension gets a score only when at
least half of its items were answered; with fewer, a mean would say more than the answers do.

Pure functions over plain values: no database access here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MIN_ANSWERED_SHARE = 0.5


@dataclass(frozen=True)
class Item:
    """One scored question: which dimension, its range, and whether it counts the other way round."""

    question_id: int
    dimension_id: int
    low: int
    high: int
    reverse: bool = False


@dataclass(frozen=True)
class DimensionResult:
    dimension_id: int
    value: float | None  # 0–100, None when too few items were answered
    answered: int
    items: int


def item_fraction(item: Item, raw: int | None) -> float | None:
    """Where `raw` lies in the item's range, 0 to 1 (reversed where the item says so); None if unanswered."""
    if raw is None or item.high <= item.low:
        return None
    if not item.low <= raw <= item.high:
        raise ValueError(f"{raw} lies outside {item.low}–{item.high}")
    fraction = (raw - item.low) / (item.high - item.low)
    return 1 - fraction if item.reverse else fraction


def dimension_scores(items: Iterable[Item], raw_answers: dict[int, int]) -> dict[int, DimensionResult]:
    """Per dimension: the mean of its answered items on 0–100, rounded to one decimal.

    `raw_answers` maps question ids to the number given (the scale value, or the chosen option's score).
    """
    fractions: dict[int, list[float]] = {}
    counts: dict[int, int] = {}
    for item in items:
        counts[item.dimension_id] = counts.get(item.dimension_id, 0) + 1
        fraction = item_fraction(item, raw_answers.get(item.question_id))
        bucket = fractions.setdefault(item.dimension_id, [])
        if fraction is not None:
            bucket.append(fraction)
    results = {}
    for dimension_id, total in counts.items():
        answered = fractions[dimension_id]
        value = None
        if answered and len(answered) >= total * MIN_ANSWERED_SHARE:
            value = round(100 * sum(answered) / len(answered), 1)
        results[dimension_id] = DimensionResult(dimension_id, value, len(answered), total)
    return results


def display(value: float | None) -> int | None:
    """A score as people read it: a whole number, halves rounded up (Python's round() would go to even)."""
    return None if value is None else int(value + 0.5)


def band_for(value: float | None, bands: Iterable):
    """The band (anything with `lower` and `upper`, inclusive) the displayed score falls in, or None."""
    shown = display(value)
    if shown is None:
        return None
    for band in bands:
        if band.lower <= shown <= band.upper:
            return band
    return None


def change(before: float | None, after: float | None) -> int | None:
    """The change between two scores in displayed points, or None when either is missing."""
    if before is None or after is None:
        return None
    return display(after) - display(before)
