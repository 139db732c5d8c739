"""rules.attendance: persistent and severe absence; pure. Thresholds come from the scheme (DfE defaults)."""

from __future__ import annotations

from typing import Literal

Band = Literal["good", "persistent", "severe"]

PERSISTENT_ABSENCE_MISSED = 10.0
"""Missing 10% or more of possible sessions is persistent absence (DfE), so 90.0% attendance is persistent."""
SEVERE_ABSENCE_MISSED = 50.0
"""Missing 50% or more of possible sessions is severe absence (DfE)."""


def band(attendance_percent: float, persistent_missed: float = PERSISTENT_ABSENCE_MISSED,
         severe_missed: float = SEVERE_ABSENCE_MISSED) -> Band:
    """Persistent and severe absence from the share of sessions attended.

    Compared on missed sessions rounded to one decimal place, so 90.0 is
    persistent and 90.1 is not, whatever floating point does to 100 - 90.1.
    """
    missed = round(100.0 - attendance_percent, 1)
    if missed >= round(severe_missed, 1):
        return "severe"
    if missed >= round(persistent_missed, 1):
        return "persistent"
    return "good"
