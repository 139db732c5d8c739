"""rules.groups: who belongs to the groups a school reports on (disadvantaged and others); pure, no I/O.

Every page that counts a group asks this module, so "disadvantaged" has
one meaning everywhere.
"""

from __future__ import annotations

from typing import Protocol


class ContextFlags(Protocol):
    """The restricted context a group is decided from (schema.Context has these fields)."""

    @property
    def fsm(self) -> bool: ...
    @property
    def ever6(self) -> bool: ...
    @property
    def looked_after(self) -> bool: ...
    @property
    def previously_looked_after(self) -> bool: ...


def disadvantaged(context: ContextFlags) -> bool:
    """The DfE's disadvantaged pupils: free school meals at any time in the last six years (Ever 6, which
    includes FSM now), looked after, or previously looked after (adopted, special guardianship, child
    arrangements order). Service children attract pupil premium but are not disadvantaged, so
    `pupil_premium` alone does not count."""
    return bool(context.fsm or context.ever6 or context.looked_after or context.previously_looked_after)


def disadvantage_reason(context: ContextFlags) -> str | None:
    """The words a staff page shows for why a pupil counts as disadvantaged, or None when they do not."""
    reasons = [text for flag, text in ((context.fsm, "FSM now"), (context.ever6 and not context.fsm, "Ever 6 FSM"),
                                       (context.looked_after, "looked after"),
                                       (context.previously_looked_after, "previously looked after")) if flag]
    return ", ".join(reasons) if reasons else None
