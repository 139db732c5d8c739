"""rules.scales: converting between a scale's grades and point scores (P5's APS table); pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def points_of(points: Mapping[str, float], grade: str) -> float | None:
    """The point score of a grade, or None where the scale gives it none."""
    return points.get(grade)


def grade_for_points(grades: Sequence[str], points: Mapping[str, float], score: float) -> str | None:
    """The highest grade whose points do not exceed `score` (so 26 APS is still 4C on the NC scale, where 4B needs 27).

    None when the score is below every grade that has points.
    """
    best: str | None = None
    for grade in grades:
        value = points.get(grade)
        if value is not None and value <= score:
            best = grade
    return best


def convert(grade: str, source_points: Mapping[str, float], target_grades: Sequence[str],
            target_points: Mapping[str, float]) -> str | None:
    """A grade on one scale expressed on another through their shared point scores (NC level 4C → APS 25 → Stage 4 emerging)."""
    value = source_points.get(grade)
    return None if value is None else grade_for_points(target_grades, target_points, value)


def increasing(grades: Sequence[str], points: Mapping[str, float]) -> list[str]:
    """Grades whose points are not above the previous grade's: a scale's points must rise with it."""
    out: list[str] = []
    last: float | None = None
    for grade in grades:
        value = points.get(grade)
        if value is None:
            continue
        if last is not None and value <= last:
            out.append(grade)
        last = value
    return out


def on_scale(grade: str, grades: Sequence[str], points: Mapping[str, float],
             others: Sequence[tuple[Sequence[str], Mapping[str, float]]]) -> str | None:
    """A grade expressed on this scale: itself when it is one of its grades, else converted through the point scores
    of the first other scale that gives it points (P5's APS table: an FFT estimate written as NC level 4C is St 4
    emerging on a stages scale). None when neither works."""
    if grade in grades:
        return grade
    for _other_grades, other_points in others:
        if grade in other_points and points:
            return convert(grade, other_points, grades, points)
    return None
