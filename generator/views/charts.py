"""views.charts: the geometry of a pupil's progress chart per subject, drawn by the template as inline SVG; no I/O.

A chart is a handful of elements (one grid path, a label per grade and per
half term, the target line, the grades line and its points), so it reads
without JavaScript, prints, and its <title> says in words what it shows.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from generator.judge.derive import SubjectRow

WIDTH, HEIGHT = 320, 170
TOP, RIGHT, BOTTOM = 12, 12, 26
LABEL_CHARS = 10
"""Longer grade names ('2 developing') are shortened on the axis; the title gives them whole."""


@dataclass(frozen=True)
class Chart:
    subject_id: str
    subject: str
    title: str
    """The chart's text alternative: every recorded grade and the target, in words."""
    width: int
    height: int
    left: int
    """Where the plot starts: the y labels sit to the left of it."""
    right: int
    grid: str
    """One SVG path for every horizontal grid line."""
    y_labels: tuple[tuple[float, str], ...]
    x_labels: tuple[tuple[float, str], ...]
    points: tuple[tuple[float, float, str], ...]
    """(x, y, grade) of each recorded grade, in half-term order."""
    line: str
    """Polyline points joining the recorded grades; empty with fewer than two."""
    target_y: float | None


def progress_chart(row: SubjectRow, terms: Sequence[str], year_terms: Sequence[str]) -> Chart | None:
    """The grades recorded so far against the target, on the part of the scale they use.

    `terms` are the half terms with grade columns so far; `year_terms` every
    half term of the year, so the x axis keeps its place as the year fills.
    No chart when there is nothing to draw.
    """
    recorded = [(i, g) for i, g in enumerate(row.grades) if g is not None]
    if not recorded:
        return None
    scale = row.scale
    position = _positions(tuple(scale))
    used = [position[g] for _, g in recorded] + ([position[row.target]] if row.target in position else [])
    low, high = max(0, min(used) - 1), min(len(scale) - 1, max(used) + 1)
    while high - low < 3 and (low > 0 or high < len(scale) - 1):  # at least four grades tall, so one step is not a cliff
        if high < len(scale) - 1:
            high += 1
        if high - low < 3 and low > 0:
            low -= 1
    left = 14 + 6 * min(LABEL_CHARS, max(len(scale[i]) for i in range(low, high + 1)))
    plot_w, plot_h = WIDTH - left - RIGHT, HEIGHT - TOP - BOTTOM
    columns = max(len(year_terms), len(terms), 1)

    def x(i: int) -> float:
        return round(left + plot_w * (i + 0.5) / columns, 1)

    span = max(high - low, 1)

    def y(grade: str) -> float:
        return round(TOP + plot_h * (high - position[grade]) / span, 1)

    levels = scale[low: high + 1]
    grid = " ".join(f"M{left} {y(g)}H{WIDTH - RIGHT}" for g in levels)
    points = tuple((x(i), y(g), g) for i, g in recorded)
    words = ", ".join(f"{g} in {terms[i]}" for i, g in recorded)
    title = f"{row.subject}: working at {words}"
    title += f"; target {row.target}." if row.target else "; no target set."
    return Chart(
        subject_id=row.subject_id, subject=row.subject, title=title, width=WIDTH, height=HEIGHT, left=left,
        right=WIDTH - RIGHT, grid=grid,
        y_labels=tuple((y(g), _short(g)) for g in levels),
        x_labels=tuple((x(i), _short_term(t)) for i, t in enumerate(year_terms or terms)),
        points=points,
        line=" ".join(f"{px},{py}" for px, py, _ in points) if len(points) > 1 else "",
        target_y=y(row.target) if row.target in position else None,
    )


@functools.lru_cache(maxsize=256)
def _positions(scale: tuple[str, ...]) -> dict[str, int]:
    """Each grade's place on its scale, as `scale.index` gives it (the first, were a grade written twice)."""
    out: dict[str, int] = {}
    for i, grade in enumerate(scale):
        out.setdefault(grade, i)
    return out


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _short_term(name: str) -> str:
    """'Autumn 1' → 'Aut 1': six labels must fit a phone-width chart."""
    words = name.split()
    if len(words) == 2 and words[1].isdigit():
        return f"{words[0][:3]} {words[1]}"
    return _short(name)
