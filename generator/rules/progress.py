"""rules.progress: where a grade stands against its target on an ordered scale; pure."""

from __future__ import annotations

from typing import Literal, Sequence

Standing = Literal["above", "on", "below"]

STANDING_LABEL: dict[str, str] = {"above": "Above target", "on": "On target", "below": "Below target"}
STANDING_SYMBOL: dict[str, str] = {"above": "▲", "on": "●", "below": "▼"}
"""A shape as well as a colour, so the judgement reads in greyscale and for colour-blind readers."""


def standing(grades: Sequence[str], working_at: str, target: str) -> Standing:
    """Above, on or below target by position on the scale (P4: below target triggers intervention; P5: above raises the target).

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
