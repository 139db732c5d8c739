"""clock: the one as-of date every judgement is made on; reads git or the inputs, never the wall clock.

Outputs must be reproducible, so "today" comes from --as-of, then
SOURCE_DATE_EPOCH, then the date of the newest commit touching the root,
then the newest date written in the inputs.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path
from typing import Any, Iterable


def as_of(root: Path, explicit: dt.date | None, input_dates: Iterable[dt.date]) -> dt.date:
    if explicit is not None:
        return explicit
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
    committed = last_commit_date(root)
    if committed is not None:
        return committed
    return max(input_dates, default=dt.date(2000, 1, 1))


def last_commit_date(root: Path) -> dt.date | None:
    """The committer date of the newest commit that touched the root, or None outside git."""
    try:
        result = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%cs", "--", "."],
                                capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    text = result.stdout.strip()
    if result.returncode != 0 or not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def dates_in(value: Any) -> Iterable[dt.date]:
    """Every date anywhere inside a record (pydantic model, dict, list)."""
    if isinstance(value, dt.date):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from dates_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from dates_in(item)
    elif hasattr(value, "model_dump"):
        yield from dates_in(value.model_dump())
