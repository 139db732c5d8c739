"""clock: the one as-of date every judgement is made on; reads git or the inputs, never the wall clock.

Outputs must be reproducible, so "today" comes from --as-of, then
SOURCE_DATE_EPOCH, then the date of the newest commit touching the root,
then the newest date written in the inputs.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

from generator.sources.daterange import EARLIEST, LATEST


def as_of(root: Path, explicit: dt.date | dt.datetime | None, input_dates: Iterable[dt.date]) -> dt.datetime:
    """The moment every judgement is made at (a date alone means the start of that day)."""
    if explicit is not None:
        return at_midnight(explicit)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit() and len(epoch) <= 11:  # at most year 5138: fromtimestamp cannot raise
        moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).replace(tzinfo=None)
        if _judgeable(moment):
            return moment
    committed = last_commit_time(root)
    if committed is not None and _judgeable(committed):
        return committed
    return at_midnight(max(input_dates, default=dt.date(2000, 1, 1)))


def _judgeable(moment: dt.datetime) -> bool:
    """A moment in the range every record date is checked against (1990–2100), so judging at it stays in the calendar."""
    return EARLIEST <= moment.date() <= LATEST


def at_midnight(value: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return dt.datetime.combine(value, dt.time())


def last_commit_time(root: Path) -> dt.datetime | None:
    """The committer time (its own wall clock) of the newest commit that touched the root, or None outside git."""
    try:
        result = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%cI", "--", "."],
                                capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    text = result.stdout.strip()
    if result.returncode != 0 or not text:
        return None
    try:
        return dt.datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        return None

