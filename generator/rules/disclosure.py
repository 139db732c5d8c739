"""rules.disclosure: statistical disclosure control for every count of pupils a page or PDF publishes; pure (no I/O, no clock).

One rule, used by every aggregate (governors' outcomes page and pack, the
staff cohort analysis):

1. **Counts of pupils only.** A figure is the number of pupils in a set
   (a group, a year, the mentees below target in some subject); grades,
   meetings or subject judgements are never counted, because seven grades
   can be one child.
2. **Primary suppression.** A figure below the threshold (site.yaml
   `disclosure.suppress_below`, default 5, as the DfE does for published
   school figures) is never printed, zero included.
3. **Complements and secondary suppression, by audit.** Every candidate
   figure is a set of pupils. Figures are accepted one at a time in the
   order of importance the page gives; a figure is published only if,
   together with every figure already published (and the number of pupils
   in the school, assumed known), no *protected set* could be worked out
   exactly by adding and subtracting published figures with any
   coefficients. That is decided exactly, by integer Gaussian elimination
   over the "finest cells" (pupils alike in every candidate figure).
   Protected sets are those holding 1 to threshold−1 pupils among: every
   candidate figure, the rest of a figure inside another (b ⊂ a gives
   a∖b: the complement n−k of a share, the rest of a row or column), and
   every finest cell. So "k of n" is shown only when n−k may be shown too,
   and one table minus another recovers nothing small.

What the audit does not claim: sums of several suppressed cells can be
known (the rest of a line), and bounds from counts being non-negative are
not modelled; no protected set is ever determined exactly.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_SUPPRESS_BELOW = 5
"""Published figures under five pupils are suppressed: the DfE's convention for school-level figures."""

Key = Hashable


@dataclass(frozen=True)
class Threshold:
    """The school's threshold (site.yaml `disclosure.suppress_below`) and the words pages use for it."""

    suppress_below: int = DEFAULT_SUPPRESS_BELOW

    def small(self, count: int) -> bool:
        return count < self.suppress_below

    @property
    def fewer_than(self) -> str:
        """The wording every template prints, e.g. 'fewer than 5'."""
        return f"fewer than {self.suppress_below}"


@dataclass(frozen=True)
class Candidate:
    """A figure a page would like to print: its key and the pupils it counts."""

    key: Key
    members: frozenset[Key]
    within: Key | None = None
    """The figure this one is a part of ("k" of "k of n"), so the two are never both shown when they are the same pupils."""


@dataclass(frozen=True)
class Share:
    """`count` of `total` pupils; either is None when not shown. A percentage only when both are shown."""

    count: int | None
    total: int | None

    @property
    def suppressed(self) -> bool:
        return self.count is None

    @property
    def percent(self) -> int | None:
        if self.count is None or not self.total:
            return None
        return round(100 * self.count / self.total)


@dataclass(frozen=True)
class Published:
    """What the audit let through: the count of each published key; any other key is not shown."""

    counts: Mapping[Key, int]
    threshold: Threshold
    withheld: frozenset[Key] = field(default_factory=frozenset)

    def count(self, key: Key) -> int | None:
        return self.counts.get(key)

    def share(self, part: Key, whole: Key) -> Share:
        return Share(self.count(part), self.count(whole))


def protect(candidates: Sequence[Candidate], cells: Mapping[Any, int], threshold: Threshold,
            known: Sequence[Candidate] = ()) -> Published:
    """Decide which candidate figures may be published (see the module docstring for the scheme).

    `cells` are the finest groups the figures are made of, with their number
    of pupils: either every cell a reader cannot rule out, empty ones
    included (then a figure of 0 or a full "n of n" cannot be worked out
    either), or simply each pupil as a cell of 1. A candidate's `members`
    are cell keys. `candidates` are in order of importance: an earlier
    figure is kept in preference to a later one. `known` are figures already
    published elsewhere for the same readers (another table of the same
    page); they are treated as public and never withheld here.
    """
    sets = [frozenset(c.members) & cells.keys() for c in (*known, *candidates)]
    atoms, sizes = _finest_cells(cells, sets)
    index = {member: i for i, cell in enumerate(atoms) for member in cell}
    as_atoms = [frozenset(index[m] for m in s) for s in sets]
    counts_of = [sum(cells[m] for m in s) for s in sets]
    everything = frozenset(range(len(atoms)))

    protected: dict[frozenset[int], None] = {}

    def consider(group: frozenset[int], count: int, lowest: int) -> None:
        if group and group != everything and lowest <= count and threshold.small(count):
            protected.setdefault(group)

    pool = list(dict.fromkeys([everything, *as_atoms]))
    pool_counts = [sum(sizes[i] for i in group) for group in pool]
    for group, count in zip(pool, pool_counts):
        consider(group, count, 0)  # a figure of 0 is as telling as a figure of 3: "none of them"
    for a, count_a in zip(pool, pool_counts):
        for b, count_b in zip(pool, pool_counts):
            if threshold.small(count_a - count_b) and b < a:
                consider(a - b, count_a - count_b, 0)  # the rest of a group, n − k, including "all of them"
    for i, size in enumerate(sizes):
        consider(frozenset((i,)), size, 1)  # a finest cell: only when it holds someone

    basis: list[tuple[int, list[int]]] = []
    width = len(atoms)

    def vector(group: frozenset[int]) -> list[int]:
        out = [0] * width
        for i in group:
            out[i] = 1
        return out

    # Sparse until an admitted figure touches them: most protected sets are single cells, and a dense vector for
    # each would cost cells × cells (the audit would grow with the square of the school).
    residues: list[list[int] | dict[int, int]] = [dict.fromkeys(group, 1) for group in protected]
    _admit(basis, residues, vector(everything), force=True)
    for group in as_atoms[:len(known)]:
        _admit(basis, residues, vector(group), force=True)
    group_of: dict[Key, frozenset[int]] = {c.key: g for c, g in zip(known, as_atoms)}
    counts: dict[Key, int] = {c.key: n for c, n in zip(known, counts_of)}
    withheld: set[Key] = set()
    for c, group, n in zip(candidates, as_atoms[len(known):], counts_of[len(known):]):
        # "n of n": a part that is the whole of what it is part of says "all of them", a complement of 0.
        full = (c.within in group_of and group_of[c.within] == group) or any(
            d.within == c.key and group_of.get(d.key) == group for d in candidates)
        if threshold.small(n) or full or not _admit(basis, residues, vector(group)):
            withheld.add(c.key)
            continue
        counts[c.key] = n
        group_of[c.key] = group
    return Published({c.key: counts[c.key] for c in candidates if c.key in counts}, threshold, frozenset(withheld))


def pupils_as_cells(pupils: Iterable[Key]) -> dict[Key, int]:
    """Each pupil as a cell of one, for tables whose possible empty cells are not enumerated.

    Then nothing non-empty and small can be worked out, and no "n of n" is
    shown; but a 0 or a full group that follows from sums of other figures
    is not caught (enumerate the possible cells for that, as the governors'
    figures do).
    """
    return {p: 1 for p in pupils}


def _finest_cells(cells: Mapping[Any, int], sets: Sequence[frozenset[Key]]) -> tuple[list[list[Key]], list[int]]:
    """Cells grouped by which sets hold them: no published figure can tell two cells of one group apart."""
    holding: dict[Key, list[int]] = {member: [] for member in cells}
    for i, s in enumerate(sets):  # each member's sets in increasing order, as a scan of every set per member would list them
        for member in s:
            if member in holding:
                holding[member].append(i)
    by_signature: dict[tuple[int, ...], list[Key]] = {}
    for member in sorted(cells, key=repr):
        by_signature.setdefault(tuple(holding[member]), []).append(member)
    groups = list(by_signature.values())
    return groups, [sum(cells[m] for m in g) for g in groups]


def _dense(sparse: dict[int, int], width: int) -> list[int]:
    out = [0] * width
    for i, x in sparse.items():
        out[i] = x
    return out


def _reduce(v: list[int], pivot: int, row: list[int]) -> list[int]:
    """Eliminate `v`'s entry at `pivot` with `row`, exactly, over the integers."""
    f, g = v[pivot], row[pivot]
    if f == 0:
        return v
    out = [x * g - f * y for x, y in zip(v, row)]
    d = 0
    for x in out:
        if x:
            d = math.gcd(d, x)
            if d == 1:
                return out
    return [x // d for x in out] if d > 1 else out


def _admit(basis: list[tuple[int, list[int]]], residues: list[list[int] | dict[int, int]], v: list[int],
           force: bool = False) -> bool:
    """Add `v` to the published span unless that would determine a protected set; residues are the protected sets reduced so far
    (a residue no admitted figure has touched yet is kept sparse: {cell: coefficient})."""
    for at, row in basis:
        v = _reduce(v, at, row)
    pivot = next((i for i, x in enumerate(v) if x), None)
    if pivot is None:
        return True  # already implied by what is published: printing it tells nothing new
    updated: list[list[int] | dict[int, int]] = []
    for r in residues:
        if r.get(pivot, 0) if isinstance(r, dict) else r[pivot]:  # only a residue with an entry at the pivot changes
            r = _reduce(_dense(r, len(v)) if isinstance(r, dict) else r, pivot, v)
            if not any(r):  # this protected set would be determined exactly
                if not force:
                    return False
                continue
        updated.append(r)
    basis.append((pivot, v))
    residues[:] = updated
    return True


@dataclass(frozen=True)
class Mean:
    """An average over a group's members, or suppressed when fewer than the threshold contribute; a suppressed mean has no value."""

    value: float | None
    suppressed: bool


def mean(members: Iterable[Iterable[float]], threshold: Threshold) -> Mean:
    """The mean of every value the members give, suppressed when fewer than the threshold of members give one."""
    values = [list(m) for m in members]
    contributing = [m for m in values if m]
    if threshold.small(len(contributing)):
        return Mean(value=None, suppressed=True)
    pooled = [v for m in contributing for v in m]
    return Mean(value=sum(pooled) / len(pooled), suppressed=False)
