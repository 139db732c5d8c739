"""rules.schedule: when reviews fall due; pure, `today` is passed in."""

from __future__ import annotations

import datetime as dt

DEFAULT_REVIEW_DAYS = 42
"""P2 reviews each mentee about every six weeks; a school may change it in site.yaml."""


def next_review(started_on: dt.date | None, last_review: dt.date | None, planned: dt.date | None,
                interval_days: int = DEFAULT_REVIEW_DAYS) -> dt.date | None:
    """The date the next formal review is due: the planned date if the mentor set one, else one interval after the last review (or the start)."""
    if planned is not None:
        return planned
    anchor = last_review or started_on
    return anchor + dt.timedelta(days=interval_days) if anchor else None


def is_overdue(due: dt.date | None, today: dt.date) -> bool:
    """Overdue once the due date has passed; due today is not yet overdue."""
    return due is not None and today > due
