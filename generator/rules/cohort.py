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
