"""history.memo: what was read from old versions of pupil files, kept between builds by git blob id; JSON, never pickle.

A term of history is thousands of file versions (each import touches every
pupil), and every build read each of them again: `check` for lowered targets,
each pupil's trail for what every commit changed. A blob id names its bytes
for ever, so what was read from a blob (its targets) or from a pair of blobs
(the sentences describing one commit's change, for one set of subject and
half-term names) never needs reading again. Entries are only added after the
same code read the same bytes; the file is keyed by mentorsite's code
version, and one of another version, or unreadable, is an empty memo. It
must not decide anything itself: a miss computes exactly what a hit returns.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from generator.rules.targets import Entry
from generator.sources.cache import read_state

HISTORY = "history.json"


class HistoryMemo:
    def __init__(self, version: str, targets: dict[str, Any] | None = None, changes: dict[str, Any] | None = None) -> None:
        self.version = version
        self._targets: dict[str, Any] = dict(targets or {})
        self._changes: dict[str, Any] = dict(changes or {})
        self._used_targets: dict[str, Any] = {}
        self._used_changes: dict[str, Any] = {}
        self._objects: dict[str, dict[str, Entry] | None] = {}

    def targets(self, blob: str | None, text: str, read: Callable[[str], dict[str, Entry] | None]) -> dict[str, Entry] | None:
        """The targets in a version (`read` on a miss); a version without a blob id (made by hand in tests) is always read."""
        if blob is None:
            return read(text)
        if blob in self._objects:
            return self._objects[blob]
        raw = self._targets.get(blob, _MISSING)
        kept = _entries(raw)
        if isinstance(kept, _Unread):
            found = read(text)
            raw = None if found is None else {s: [e.grade, e.was, e.approved_by] for s, e in sorted(found.items())}
        else:
            found = kept
        self._used_targets[blob] = raw
        self._objects[blob] = found
        return found

    def changes(self, names: str, old: str | None, new: str | None, describe: Callable[[], list[str]]) -> list[str]:
        """The sentences for one commit's change to a file (`describe` on a miss), for one set of names (`names_key`)."""
        if old is None or new is None:
            return describe()
        key = f"{names}:{old}:{new}"
        found = self._changes.get(key)
        if not (isinstance(found, list) and all(isinstance(t, str) for t in found)):
            found = describe()
        self._used_changes[key] = found
        return list(found)

    def to_bytes(self) -> bytes:
        """What this build read, for the next (versions no longer in the history drop out)."""
        return json.dumps({"version": self.version, "targets": self._used_targets, "changes": self._used_changes},
                          sort_keys=True).encode("utf-8")

    @classmethod
    def read(cls, path: Path, version: str) -> HistoryMemo:
        data = read_state(path, version)
        if data is None:
            return cls(version)
        targets, changes = data.get("targets"), data.get("changes")
        return cls(version, targets if isinstance(targets, dict) else {}, changes if isinstance(changes, dict) else {})


def names_key(*names: Mapping[str, str]) -> str:
    """A digest of the id → name maps a description uses, so renaming a subject describes every change afresh."""
    return hashlib.sha256(json.dumps(names, sort_keys=True).encode("utf-8")).hexdigest()[:16]


class _Unread:
    """Not a stored entry this code wrote: the version is read again."""


_MISSING = _Unread()


def _entries(raw: Any) -> dict[str, Entry] | _Unread | None:
    """A stored targets entry back as Entries (None: the version had no readable targets)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        return _MISSING
    out: dict[str, Entry] = {}
    for subject, value in raw.items():
        if not (isinstance(value, list) and len(value) == 3 and all(v is None or isinstance(v, str) for v in value)):
            return _MISSING
        out[str(subject)] = Entry(*value)
    return out
