"""analysis: cohort and group figures and the class record for the staff intranet; pure (no I/O, no clock, no templates).

Restricted context (FSM, SEN, EAL, …) enters staff pages only here, and
only as group figures: every group of fewer than five pupils is suppressed
by rules.cohort, so a suppressed figure carries no number to print.
Staff pages name pupils elsewhere, so no secondary suppression is applied;
the governors' figures are made separately, in views.governors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from generator.judge.derive import PupilFacts, SchoolFacts
from generator.rules.cohort import (
    SUPPRESS_BELOW,
    Mean,
    Share,
    mean,
    pooled_share,
    share,
)
from generator.sources.schema import Pupil

Member = Callable[[Pupil], bool]


def _disadvantaged(p: Pupil) -> bool:
    """Disadvantaged: FSM now or at any time in the last six years (Ever 6), or looked after."""
    c = p.context
    return c.fsm or c.ever6 or c.looked_after


GROUPS: tuple[tuple[str, Member], ...] = (
    ("All pupils", lambda p: True),
    ("Disadvantaged (FSM now, Ever 6 or looked after)", _disadvantaged),
    ("Not disadvantaged", lambda p: not _disadvantaged(p)),
    ("FSM now", lambda p: p.context.fsm),
    ("SEN support (K)", lambda p: p.context.sen == "K"),
    ("EHC plan (E)", lambda p: p.context.sen == "E"),
    ("No SEN (N)", lambda p: p.context.sen == "N"),
    ("English as an additional language", lambda p: p.context.eal),
    ("Gifted and talented", lambda p: p.context.gifted),
    ("Girls", lambda p: p.gender == "F"),
    ("Boys", lambda p: p.gender == "M"),
    ("Gender recorded as X", lambda p: p.gender == "X"),
    ("On the mentoring register", lambda p: p.mentoring.status != "none"),
    ("Not on the register", lambda p: p.mentoring.status == "none"),
)
"""The groups of the cohort analysis, in the order the page lists them."""


@dataclass(frozen=True)
class Figures:
    """One row of the analysis: a group's size and how its subject grades stand against target."""

    label: str
    size: int | None
    """Pupils in the group; None when the group is too small to show."""
    above: Share
    on: Share
    below: Share
    progress: Mean
    """Average steps of the scale from each subject's first to latest grade this year."""
    registered: Share
    """How many of the group are on the mentoring register."""

    @property
    def suppressed(self) -> bool:
        return self.size is None


@dataclass(frozen=True)
class Analysis:
    subjects: tuple[str, ...]
    by_year: tuple[Figures, ...]
    by_subject: tuple[Figures, ...]
    by_group: tuple[Figures, ...]
    group_by_subject: tuple[tuple[str, tuple[Share, ...]], ...]
    """(group, share on or above target in each subject, in `subjects` order)."""
    minimum: int


def figures(label: str, pupils: Sequence[PupilFacts], subject_id: str | None = None) -> Figures:
    """A group's figures over all its subjects, or over one subject; every figure suppressed under five pupils."""
    rows = [[r for r in p.subjects if subject_id is None or r.subject_id == subject_id] for p in pupils]
    judged = [[r.standing for r in pupil_rows if r.standing] for pupil_rows in rows]
    small = len(pupils) < SUPPRESS_BELOW
    return Figures(
        label=label, size=None if small else len(pupils),
        above=pooled_share([s == "above" for s in j] for j in judged),
        on=pooled_share([s == "on" for s in j] for j in judged),
        below=pooled_share([s == "below" for s in j] for j in judged),
        progress=mean([float(r.change) for r in pupil_rows if r.change is not None] for pupil_rows in rows),
        registered=share(p.record.mentoring.status != "none" for p in pupils),
    )


def cohort_analysis(school: SchoolFacts) -> Analysis:
    pupils = school.pupils
    subjects = [s for s in school.site.subjects if any(r.subject_id == s.id for p in pupils for r in p.subjects)]
    years = sorted({p.record.year for p in pupils})
    groups = [(label, [p for p in pupils if member(p.record)]) for label, member in GROUPS]
    return Analysis(
        subjects=tuple(s.name for s in subjects),
        by_year=tuple(figures(f"Year {y}", [p for p in pupils if p.record.year == y]) for y in years),
        by_subject=tuple(figures(s.name, [p for p in pupils if any(r.subject_id == s.id for r in p.subjects)], s.id)
                         for s in subjects),
        by_group=tuple(figures(label, members) for label, members in groups),
        group_by_subject=tuple(
            (label, tuple(share(r.standing in ("on", "above") for p in members for r in p.subjects
                                if r.subject_id == s.id and r.standing) for s in subjects))
            for label, members in groups),
        minimum=SUPPRESS_BELOW,
    )


# --- the class record: one year group, who is where ---------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    grade: str | None
    target: str | None
    standing: str | None
    colour: str | None


@dataclass(frozen=True)
class ClassRow:
    id: str
    name: str
    form: str
    status: str
    mentor: str | None
    cells: tuple[Cell | None, ...]
    """One per subject of the overview, None where the pupil has neither target nor grade."""


@dataclass(frozen=True)
class SubjectTally:
    subject: str
    above: int
    on: int
    below: int
    unjudged: int


@dataclass(frozen=True)
class CriterionGap:
    """P5's class record for one criterion: how many pupils have it fully, mostly, partly or not at all."""

    code: str
    crosses: int
    lines: int
    dots: int
    blank: int
    not_yet: tuple[str, ...]
    """Names of pupils without a cross, dots and blanks first, then lines."""


@dataclass(frozen=True)
class CriteriaClass:
    subject: str
    where: tuple[tuple[str, str, str, int], ...]
    """(pupil id, name, sub-stage, crosses) for each pupil with criteria in this subject."""
    gaps: tuple[CriterionGap, ...]
    """Criteria with the fewest crosses first."""


@dataclass(frozen=True)
class YearOverview:
    year: int
    subjects: tuple[str, ...]
    rows: tuple[ClassRow, ...]
    tallies: tuple[SubjectTally, ...]
    criteria: tuple[CriteriaClass, ...]


def year_overview(school: SchoolFacts, year: int) -> YearOverview:
    pupils = [p for p in school.pupils if p.record.year == year]
    subjects = [s for s in school.site.subjects if any(r.subject_id == s.id for p in pupils for r in p.subjects)]
    rows = []
    for p in pupils:
        by_id = {r.subject_id: r for r in p.subjects}
        cells = tuple(Cell(r.latest, r.target, r.standing, r.colour) if (r := by_id.get(s.id)) else None for s in subjects)
        rows.append(ClassRow(p.id, p.display_name, p.record.form, p.record.mentoring.status, p.mentor_name, cells))
    tallies = []
    for index, s in enumerate(subjects):
        standings = [row.cells[index].standing if row.cells[index] else None for row in rows]
        tallies.append(SubjectTally(s.name, standings.count("above"), standings.count("on"), standings.count("below"),
                                    standings.count(None)))
    criteria: list[CriteriaClass] = []
    if school.site.scheme.criteria is not None:
        names = {s.id: s.name for s in school.site.subjects}
        for subject_id in sorted({sid for p in pupils for sid in p.record.criteria}):
            criteria.append(_criteria_class(names.get(subject_id, subject_id), subject_id, pupils))
    return YearOverview(year, tuple(s.name for s in subjects), tuple(rows), tuple(tallies), tuple(criteria))


def _criteria_class(subject: str, subject_id: str, pupils: Sequence[PupilFacts]) -> CriteriaClass:
    """Who is where in one subject's criteria, and which criteria the year has least secure (P5's class record)."""
    holders = [p for p in pupils if subject_id in p.record.criteria]
    where = []
    for p in holders:
        row = next((c for c in p.criteria if c.subject == subject), None)
        if row is not None:
            where.append((p.id, p.display_name, row.sub_stage.text, row.sub_stage.crosses))
    marked = [p for p in holders if p.record.criteria[subject_id].record]
    codes = sorted({code for p in marked for code in p.record.criteria[subject_id].record})
    gaps = []
    for code in codes:
        marks = [(p.display_name, p.record.criteria[subject_id].record.get(code)) for p in marked]
        order = {None: 0, ".": 1, "/": 2}
        not_yet = tuple(name for name, mark in sorted(marks, key=lambda m: order.get(m[1], 3)) if mark != "X")
        gaps.append(CriterionGap(code, sum(m == "X" for _, m in marks), sum(m == "/" for _, m in marks),
                                 sum(m == "." for _, m in marks), sum(m is None for _, m in marks), not_yet))
    gaps.sort(key=lambda g: (g.crosses, -g.dots - g.blank, g.code))
    return CriteriaClass(subject, tuple(where), tuple(gaps))
