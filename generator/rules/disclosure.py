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
import sys
from array import array
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

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
    present = frozenset(cells)
    sets = [frozenset(c.members) & present for c in (*known, *candidates)]
    atoms, sizes = _finest_cells(cells, sets)
    index = {member: i for i, cell in enumerate(atoms) for member in cell}
    as_atoms = [frozenset(map(index.__getitem__, s)) for s in sets]
    counts_of = [sum(map(cells.__getitem__, s)) for s in sets]
    everything = frozenset(range(len(atoms)))

    protected: dict[frozenset[int], None] = {}

    def consider(group: frozenset[int], count: int, lowest: int) -> None:
        if group and group != everything and lowest <= count and threshold.small(count):
            protected.setdefault(group)

    pool = list(dict.fromkeys([everything, *as_atoms]))
    pool_counts = [sum(map(sizes.__getitem__, group)) for group in pool]
    for group, count in zip(pool, pool_counts):
        consider(group, count, 0)  # a figure of 0 is as telling as a figure of 3: "none of them"
    for a, count_a in zip(pool, pool_counts):
        for b, count_b in zip(pool, pool_counts):
            if threshold.small(count_a - count_b) and b < a:
                consider(a - b, count_a - count_b, 0)  # the rest of a group, n − k, including "all of them"
    for i, size in enumerate(sizes):
        consider(frozenset((i,)), size, 1)  # a finest cell: only when it holds someone

    def audit(span: _Span) -> Published:
        span.admit(everything, force=True)
        for group in as_atoms[:len(known)]:
            span.admit(group, force=True)
        return _published(span, known, candidates, as_atoms, counts_of, threshold)

    try:
        return audit(_PackedSpan(len(atoms), list(protected)))
    except _Overflow:  # a coefficient outgrew its slot: the reference has no such limit
        return audit(_DenseSpan(len(atoms), list(protected)))


def _published(span: _Span, known: Sequence[Candidate], candidates: Sequence[Candidate], as_atoms: list[frozenset[int]],
               counts_of: list[int], threshold: Threshold) -> Published:
    """Accept the candidates in order into `span` (which already holds everything known), withholding any that would
    determine a protected set."""
    group_of: dict[Key, frozenset[int]] = {c.key: g for c, g in zip(known, as_atoms)}
    counts: dict[Key, int] = {c.key: n for c, n in zip(known, counts_of)}
    withheld: set[Key] = set()
    for c, group, n in zip(candidates, as_atoms[len(known):], counts_of[len(known):]):
        # "n of n": a part that is the whole of what it is part of says "all of them", a complement of 0.
        full = (c.within in group_of and group_of[c.within] == group) or any(
            d.within == c.key and group_of.get(d.key) == group for d in candidates)
        if threshold.small(n) or full or not span.admit(group):
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
    """Cells grouped by which sets hold them (every set is of cells): no published figure can tell two cells of one group apart.

    The groups are found by splitting, for each set, the groups it touches
    into the part inside it and the rest (set operations, not a step per
    cell and set), then listed as they would be if each cell's signature
    were read in `repr` order: by their first cell in that order, cells in
    that order.
    """
    rank = {member: i for i, member in enumerate(sorted(cells, key=repr))}
    owner = dict.fromkeys(cells, 0)
    groups = [frozenset(cells)]
    for s in sets:
        for g, inside_count in Counter(map(owner.__getitem__, s)).items():
            if inside_count < len(groups[g]):  # the set holds part of this group: split it
                inside = groups[g] & s
                groups[g] -= inside
                owner.update(dict.fromkeys(inside, len(groups)))
                groups.append(inside)
    ordered = sorted((sorted(group, key=rank.__getitem__) for group in groups if group), key=lambda g: rank[g[0]])
    return ordered, [sum(map(cells.__getitem__, g)) for g in ordered]


class _Overflow(Exception):
    """A coefficient outgrew the packed span's slots: the audit is made again with the reference span."""


class _Span(Protocol):
    def __init__(self, width: int, protected: Sequence[frozenset[int]]) -> None: ...

    def admit(self, group: frozenset[int], force: bool = False) -> bool:
        """Add `group`'s vector to the published span unless that would determine a protected set (with `force`, add it
        anyway: it is public already). True when it was added or was implied already."""
        ...


class _DenseSpan:
    """The reference: integer Gaussian elimination over lists, each result divided by the gcd of its entries.

    Residues are the protected sets reduced by every admitted figure so far;
    a residue no admitted figure has touched yet is kept sparse ({cell:
    coefficient}): most protected sets are single cells, and a dense vector
    for each would cost cells × cells.
    """

    def __init__(self, width: int, protected: Sequence[frozenset[int]]) -> None:
        self.width = width
        self.basis: list[tuple[int, list[int]]] = []
        self.residues: list[list[int] | dict[int, int]] = [dict.fromkeys(group, 1) for group in protected]

    def admit(self, group: frozenset[int], force: bool = False) -> bool:
        v = [0] * self.width
        for i in group:
            v[i] = 1
        for at, row in self.basis:
            v = _reduce(v, at, row)
        pivot = next((i for i, x in enumerate(v) if x), None)
        if pivot is None:
            return True  # already implied by what is published: printing it tells nothing new
        updated: list[list[int] | dict[int, int]] = []
        for r in self.residues:
            if r.get(pivot, 0) if isinstance(r, dict) else r[pivot]:  # only a residue with an entry at the pivot changes
                r = _reduce(_dense(r, self.width) if isinstance(r, dict) else r, pivot, v)
                if not any(r):  # this protected set would be determined exactly
                    if not force:
                        return False
                    continue
            updated.append(r)
        self.basis.append((pivot, v))
        self.residues = updated
        return True


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


_SLOT_BITS = 32
_SLOT_LIMIT = 1 << (_SLOT_BITS - 2)
"""Every coefficient of a packed vector stays below this in size, so each slot reads back exactly (see `_PackedSpan`)."""


class _PackedSpan:
    """The same elimination, deciding exactly as `_DenseSpan` does, with each vector packed into one Python integer.

    A vector (x0, x1, …) is the integer Σ xi·2^(32i): adding and scaling
    vectors is then adding and scaling integers, done by CPython's big-integer
    arithmetic instead of one Python operation per cell (the audit of one
    analysis table at 1,500 pupils was 7,000 reductions over 1,000 cells).
    While every |xi| < 2^30 the slots never carry into each other, and
    `(v + B) ^ B`, where B holds 2^31 in every slot, is v with each slot in 32-bit
    two's complement: its bytes read as a C int array give every coefficient.
    A bound on each vector's largest coefficient is kept; a combination that
    could outgrow 2^30 first divides both vectors by the gcd of their
    entries, and if that is not enough raises `_Overflow`, so the audit is
    made again with `_DenseSpan`. Results are scalar multiples of the
    reference's vectors (neither is divided by its gcd at the same steps),
    and only which entries are zero decides anything, so the decisions are
    the same (tests/test_disclosure.py compares the two).
    """

    def __init__(self, width: int, protected: Sequence[frozenset[int]]) -> None:
        self.width = width
        self.limit = _SLOT_LIMIT
        self.size = width * _SLOT_BITS // 8
        self.bias = int.from_bytes((1 << (_SLOT_BITS - 1)).to_bytes(_SLOT_BITS // 8, "little") * width, "little")
        self.basis: list[_Packed] = []
        self.residues: list[_Packed | frozenset[int]] = list(protected)
        """A protected set no admitted figure has touched yet is kept as its set of cells (most are single cells)."""

    def pack(self, group: frozenset[int]) -> _Packed:
        buf = bytearray(self.size)
        step = _SLOT_BITS // 8
        for i in group:
            buf[i * step] = 1
        return self.entries(int.from_bytes(buf, "little"), 1)

    def entries(self, value: int, bound: int) -> _Packed:
        """`value` with its coefficients read back (native byte order, as `array` reads them)."""
        coefficients = array("i", ((value + self.bias) ^ self.bias).to_bytes(self.size, "little"))
        if sys.byteorder != "little":
            coefficients.byteswap()
        return _Packed(value, coefficients, bound)

    def tightened(self, v: _Packed) -> _Packed:
        """`v` divided by the gcd of its entries, with its exact largest coefficient as its bound."""
        d = math.gcd(*v.coefficients)
        if d > 1:
            coefficients = array("i", [x // d for x in v.coefficients])
            raw = coefficients.tobytes() if sys.byteorder == "little" else _swapped(coefficients)
            v = self.entries((int.from_bytes(raw, "little") ^ self.bias) - self.bias, 1)
        return _Packed(v.value, v.coefficients, max(max(v.coefficients), -min(v.coefficients)))

    def eliminate(self, r: _Packed, v: _Packed, pivot: int) -> _Packed:
        """`r` less a multiple of `v` that clears `r`'s entry at `pivot` (v's own entry there is not zero)."""
        f, g, bound = _factors(r, v, pivot)
        if bound >= self.limit:
            r, v = self.tightened(r), self.tightened(v)
            f, g, bound = _factors(r, v, pivot)
            if bound >= self.limit:
                raise _Overflow
        return self.entries(g * r.value - f * v.value, bound)

    def admit(self, group: frozenset[int], force: bool = False) -> bool:
        v = self.pack(group)
        for row in self.basis:
            if v.coefficients[row.pivot]:  # once v is zero, every entry is, and no later row changes it
                v = self.eliminate(v, row, row.pivot)
        if not v.value:
            return True  # already implied by what is published: printing it tells nothing new
        pivot = ((v.value & -v.value).bit_length() - 1) // _SLOT_BITS  # the lowest slot that is not zero
        v = _Packed(v.value, v.coefficients, v.bound, pivot)
        updated: list[_Packed | frozenset[int]] = []
        for r in self.residues:
            if isinstance(r, frozenset):
                if pivot not in r:
                    updated.append(r)
                    continue
                r = self.pack(r)
            elif not r.coefficients[pivot]:  # only a residue with an entry at the pivot changes
                updated.append(r)
                continue
            r = self.eliminate(r, v, pivot)
            if not r.value:  # this protected set would be determined exactly
                if not force:
                    return False
                continue
            updated.append(r)
        self.basis.append(v)
        self.residues = updated
        return True


class _Packed(NamedTuple):
    """A packed vector, its coefficients as a C int array, a bound on their size, and (for a basis row) its pivot."""

    value: int
    coefficients: array[int]
    bound: int
    pivot: int = -1


def _factors(r: _Packed, v: _Packed, pivot: int) -> tuple[int, int, int]:
    """f, g with g·r − f·v zero at `pivot` (the entries there over their gcd), and a bound on that combination's coefficients."""
    f, g = r.coefficients[pivot], v.coefficients[pivot]
    d = math.gcd(f, g)
    f, g = f // d, g // d
    return f, g, abs(g) * r.bound + abs(f) * v.bound


def _swapped(coefficients: array[int]) -> bytes:
    out = array("i", coefficients)
    out.byteswap()
    return out.tobytes()


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
