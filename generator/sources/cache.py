"""cache: validated pupil records kept between builds, keyed by the digest of the file's bytes and of site.yaml; JSON, never pickle.

A record is only ever stored after its file passed every check, so a hit
means "this exact file, under this exact site.yaml and this code, was
valid"; it is then rebuilt from JSON by the same pydantic model (the model
validates it again, quickly, in Rust). `serve` keeps one in memory between
rebuilds; `build` keeps it in the output's `.mentorsite/` folder. It must
not decide validity itself.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from generator.sources.schema import Pupil

RECORDS = "records.json"


class RecordCache:
    def __init__(self, version: str, entries: dict[str, Any] | None = None, *, trust_stat: bool = False) -> None:
        self.version = version
        self.trust_stat = trust_stat
        """serve only: a file whose size, mtime (in nanoseconds) and inode are those it had when last read is not read again."""
        self._stats: dict[str, tuple[tuple[int, int, int], str, str]] = {}
        self._entries: dict[str, Any] = dict(entries or {})
        self._objects: dict[str, Pupil] = {}
        self.used: dict[str, Any] = {}
        """The entries this build looked up or stored: what is saved for the next (deleted files drop out)."""
        self.hits = 0

    @staticmethod
    def key(data: bytes, site_key: str) -> str:
        return hashlib.sha256(site_key.encode("utf-8") + b"\0" + data).hexdigest()

    def get(self, rel_path: str, data: bytes, site_key: str) -> Pupil | None:
        key = self.key(data, site_key)
        entry = self._entries.get(rel_path)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        record = self._objects.get(key)
        if record is None:
            try:
                record = Pupil.model_validate_json(entry["json"])
            except (ValueError, KeyError, TypeError):
                return None
            self._objects[key] = record
        self.used[rel_path] = entry
        self.hits += 1
        return record

    def unchanged(self, rel_path: str, stat: tuple[int, int, int], site_key: str) -> Pupil | None:
        """With `trust_stat`, the record of a file that has not been touched since it was read under this site.yaml."""
        seen = self._stats.get(rel_path)
        if not self.trust_stat or seen is None or seen[0] != stat or seen[1] != site_key:
            return None
        entry = self._entries.get(rel_path)
        record = self._objects.get(seen[2])
        if not isinstance(entry, dict) or entry.get("key") != seen[2] or record is None:
            return None
        self.used[rel_path] = entry
        self.hits += 1
        return record

    def saw(self, rel_path: str, stat: tuple[int, int, int], data: bytes, site_key: str) -> None:
        """Remember the file's stat as of the bytes just read (`trust_stat` only)."""
        if self.trust_stat:
            self._stats[rel_path] = (stat, site_key, self.key(data, site_key))

    def put(self, rel_path: str, data: bytes, site_key: str, record: Pupil) -> None:
        key = self.key(data, site_key)
        entry = {"key": key, "json": record.model_dump_json(by_alias=True)}
        self._entries[rel_path] = self.used[rel_path] = entry
        self._objects[key] = record

    def to_bytes(self) -> bytes:
        return json.dumps({"version": self.version, "records": self.used}, sort_keys=True).encode("utf-8")

    @classmethod
    def read(cls, path: Path, version: str) -> RecordCache:
        data = read_state(path, version)
        return cls(version, data["records"]) if data is not None and isinstance(data.get("records"), dict) else cls(version)


def read_state(path: Path, version: str) -> dict[str, Any] | None:
    """A JSON build-state file written by this code version; None when it is missing, unreadable or of another version."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("version") == version else None
