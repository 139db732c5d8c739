"""rules.skills: P5's weekly basic skills test — green weeks and moving up a level; pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SkillsStatus:
    level: str
    green_run: int
    """Consecutive most recent green weeks at the current level."""
    ready_to_move_up: bool
    recent: tuple[tuple[str, int, bool], ...]
    """(ISO date, score, green) of the most recent tests, newest last."""


def is_green(score: int, green_above: int) -> bool:
    """Green means *above* the threshold: with 'green above 20', 20/25 is not green and 21/25 is."""
    return score > green_above


def status(tests: Sequence[tuple[str, str, int]], green_above: int, weeks_to_move_up: int, keep: int) -> SkillsStatus | None:
    """From (ISO date, level, score) tests: the current level, its run of green weeks, and whether the pupil may move up.

    P5: four weeks in the green before moving up a level; the file keeps the three most recent tests.
    """
    if not tests:
        return None
    ordered = sorted(tests)
    level = ordered[-1][1]
    run = 0
    for _date, test_level, score in reversed(ordered):
        if test_level != level or not is_green(score, green_above):
            break
        run += 1
    recent = tuple((d, s, is_green(s, green_above)) for d, _l, s in ordered[-keep:])
    return SkillsStatus(level=level, green_run=run, ready_to_move_up=run >= weeks_to_move_up, recent=recent)
