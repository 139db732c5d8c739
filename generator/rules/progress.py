"""rules.progress: where a grade stands against its target, and progress against what the year expects; pure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

Standing = Literal["above", "on", "below"]
Pace = Literal["ahead", "on track", "behind"]

STANDING_LABEL: dict[str, str] = {"above": "Above target", "on": "On target", "below": "Below target"}
STANDING_SYMBOL: dict[str, str] = {"above": "▲", "on": "●", "below": "▼"}
"""A shape as well as a colour, so the judgement reads in greyscale and for colour-blind readers."""


def standing(grades: Sequence[str], working_at: str, target: str) -> Standing:
    """Above, on or below target by position on the scale (P4: below target triggers intervention; above, the target is raised).

    Both grades must be on the scale; validation guarantees that.
    """
    gap = grades.index(working_at) - grades.index(target)
    if gap > 0:
        return "above"
    if gap < 0:
        return "below"
    return "on"


def steps(grades: Sequence[str], start: str, end: str) -> int:
    """How many steps of the scale lie from `start` to `end` (negative when it fell)."""
    return grades.index(end) - grades.index(start)


def expected_steps(per_year: float, terms_elapsed: int, terms_per_year: int) -> int:
    """Whole steps a pupil should have made after `terms_elapsed` half terms (P5: 3 sub-stages a year, so 1 after two half terms)."""
    return math.floor(per_year * terms_elapsed / terms_per_year + 1e-9)


def pace(made: int, expected: int) -> Pace:
    if made > expected:
        return "ahead"
    return "on track" if made == expected else "behind"
