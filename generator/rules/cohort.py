"""rules.cohort: aggregate figures with small groups suppressed; pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

SUPPRESS_BELOW = 5
"""Groups of fewer than five pupils are never shown: a figure about two pupils is a figure about those two pupils."""


@dataclass(frozen=True)
class Share:
    """A count out of a group, or suppressed when the group is too small to publish.

    A suppressed share carries no numbers at all, so no template can print them.
    """

    count: int
    total: int
    suppressed: bool

    @property
    def percent(self) -> int | None:
        if self.suppressed or self.total == 0:
            return None
        return round(100 * self.count / self.total)


def share(flags: Iterable[bool], minimum: int = SUPPRESS_BELOW) -> Share:
    """How many of a group meet a condition; suppressed below `minimum` members."""
    values = list(flags)
    if len(values) < minimum:
        return Share(count=0, total=0, suppressed=True)
    return Share(count=sum(values), total=len(values), suppressed=False)


def pooled_share(members: Iterable[Iterable[bool]], minimum: int = SUPPRESS_BELOW) -> Share:
    """Flags pooled over a group's members (each pupil's subject judgements), suppressed when fewer than `minimum` pupils give any.

    The group is the pupils, not the judgements: three pupils with seven
    subjects each are still three pupils, and their figure is suppressed.
    """
    flags = [list(m) for m in members]
    contributing = [m for m in flags if m]
    if len(contributing) < minimum:
        return Share(count=0, total=0, suppressed=True)
    pooled = [f for m in contributing for f in m]
    return Share(count=sum(pooled), total=len(pooled), suppressed=False)


@dataclass(frozen=True)
class Mean:
    """An average over a group's members, or suppressed when fewer than the minimum contribute; a suppressed mean has no value."""

    value: float | None
    suppressed: bool


def mean(members: Iterable[Iterable[float]], minimum: int = SUPPRESS_BELOW) -> Mean:
    """The mean of every value the members give, suppressed when fewer than `minimum` members give one."""
    values = [list(m) for m in members]
    contributing = [m for m in values if m]
    if len(contributing) < minimum:
        return Mean(value=None, suppressed=True)
    pooled = [v for m in contributing for v in m]
    return Mean(value=sum(pooled) / len(pooled), suppressed=False)
