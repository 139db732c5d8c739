"""judge.audits: what the disclosure audits decided, kept between builds by a digest of exactly their inputs; JSON, never pickle.

The staff cohort analysis audits every table with `rules.disclosure.protect`,
an exact integer elimination that took about a second at 1,500 pupils on
every build, though an edit to one pupil's name or notes cannot change it.
The audit is a pure function of its candidates (keys, members, `within`),
its cells and their sizes, the facts already published and the threshold,
so its answer is kept under a SHA-256 of exactly those, and a build whose
audits ask the same questions reads the answers instead. The file is keyed
by mentorsite's code version (another version, or an unreadable file, is an
empty memo); only the entries this build used are written back. It must not
decide anything itself: a miss calls `protect`, and a hit returns what that
call returned.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

from generator.rules.disclosure import Candidate, Published, Threshold, protect
from generator.sources.cache import read_state

AUDITS = "audits.json"

class AuditMemo:
    def __init__(self, version: str, entries: dict[str, Any] | None = None) -> None:
        self.version = version
        self._entries: dict[str, Any] = dict(entries or {})
        self._used: dict[str, Any] = {}
        self.hits = 0
        self._order: tuple[Any, ...] | None = None
        self._position: dict[Any, int] = {}
        self._members: dict[frozenset[Any], bytes] = {}
        """Each figure's members as cell positions, for the cells last audited (later tables ask about earlier ones again)."""

    def protect(self, candidates: Sequence[Candidate], cells: Mapping[Any, int], threshold: Threshold,
                known: Sequence[Candidate] = ()) -> Published:
        """`rules.disclosure.protect`, answered from the memo when the same audit was made before."""
        key = self._key(candidates, cells, threshold, known)
        stored = _published(self._entries.get(key), candidates, threshold)
        if stored is None:
            result = protect(candidates, cells, threshold, known)
            entry: Any = [[result.counts.get(c.key) if c.key in result.counts else None, c.key in result.withheld] for c in candidates]
        else:
            result, entry = stored, self._entries[key]
            self.hits += 1
        self._used[key] = entry
        return result

    def _key(self, candidates: Sequence[Candidate], cells: Mapping[Any, int], threshold: Threshold, known: Sequence[Candidate]) -> str:
        """`audit_key`, with each figure's members encoded once while the cells stay the same."""
        order = tuple(sorted(cells, key=repr))
        if order != self._order:
            self._order, self._position, self._members = order, {m: i for i, m in enumerate(order)}, {}
        return audit_key(candidates, cells, threshold, known, order, self._encode)

    def _encode(self, members: frozenset[Any]) -> bytes:
        found = self._members.get(members)
        if found is None:
            found = self._members[members] = _positions(members, self._position)
        return found

    def to_bytes(self) -> bytes:
        """The audits this build made, for the next (audits no longer asked drop out)."""
        return json.dumps({"version": self.version, "audits": self._used}, sort_keys=True).encode("utf-8")

    @classmethod
    def read(cls, path: Path, version: str) -> AuditMemo:
        data = read_state(path, version)
        audits = data.get("audits") if data is not None else None
        return cls(version, audits if isinstance(audits, dict) else {})


def audit_key(candidates: Sequence[Candidate], cells: Mapping[Any, int], threshold: Threshold, known: Sequence[Candidate],
              order: Sequence[Any] | None = None, encode: Callable[[frozenset[Any]], bytes] | None = None) -> str:
    """A digest of everything `protect` reads: the threshold, each cell (in protect's own order) and its size, and every
    figure known or asked (key, `within`, and its members among the cells, as cell positions), in order.

    `order` is `sorted(cells, key=repr)` and `encode` gives `_positions` of a set for it, when the caller keeps them.
    """
    if order is None:
        order = sorted(cells, key=repr)  # the order protect groups cells in
    if encode is None:
        position = {member: i for i, member in enumerate(order)}

        def encode(members: frozenset[Any]) -> bytes:
            return _positions(members, position)
    digest = hashlib.sha256()
    digest.update(repr((threshold.suppress_below, len(known), len(candidates))).encode("utf-8"))
    digest.update(repr([(m, cells[m]) for m in order]).encode("utf-8"))
    for figure in (*known, *candidates):
        digest.update(b"\0" + _canonical(figure.key) + b"\0" + _canonical(figure.within) + b"\0")
        encoded = encode(frozenset(figure.members))
        digest.update(len(encoded).to_bytes(8, "little") + encoded)
    return digest.hexdigest()


def _positions(members: frozenset[Any], position: Mapping[Any, int]) -> bytes:
    """A set of cells as their sorted positions (members that are not cells are left out, as `protect` leaves them)."""
    return array("q", sorted(position[m] for m in members if m in position)).tobytes()


def _canonical(key: Hashable) -> bytes:
    return repr(key).encode("utf-8")


def _published(entry: Any, candidates: Sequence[Candidate], threshold: Threshold) -> Published | None:
    """A stored answer back as `Published` (None when it is not one this code wrote for these candidates)."""
    if not isinstance(entry, list) or len(entry) != len(candidates):
        return None
    counts: dict[Hashable, int] = {}
    withheld: set[Hashable] = set()
    for candidate, item in zip(candidates, entry):
        if not (isinstance(item, list) and len(item) == 2 and (item[0] is None or type(item[0]) is int) and type(item[1]) is bool):
            return None
        if item[0] is not None:
            counts[candidate.key] = item[0]
        if item[1]:
            withheld.add(candidate.key)
    return Published(counts, threshold, frozenset(withheld))
