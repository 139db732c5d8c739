"""analysis: cohort and group figures and the class record for the staff intranet; pure (no I/O, no clock, no templates).

Restricted context (FSM, SEN, EAL, …) enters staff pages only here, and
only as group figures. Every figure is a count of pupils, and each table is
audited by rules.disclosure with the school's threshold: a figure is shown
only if neither it nor anything small can be worked out from the figures of
its table and the tables before it on the page (groups, then years, then
subjects, then group by subject), so "All − SEN support − No SEN" no longer
gives the EHC group. Averages are shown only for shown groups of at least
the threshold's pupils.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.judge.derive import PupilFacts, SchoolFacts
from generator.rules.disclosure import (
    Candidate,
    Mean,
    Published,
    Share,
    Threshold,
    mean,
    protect,
    pupils_as_cells,
)
from generator.rules.groups import disadvantaged
from generator.sources.schema import Pupil

Member = Callable[[Pupil], bool]
Audit = Callable[[Sequence[Candidate], Mapping[Any, int], Threshold, Sequence[Candidate]], Published]
"""How a table is audited: `rules.disclosure.protect`, or a memo of it (judge.audits) that answers as it would."""


GROUPS: tuple[tuple[str, Member], ...] = (
    ("All pupils", lambda p: True),
    ("Disadvantaged (Ever 6 FSM, looked after or previously looked after)", lambda p: disadvantaged(p.context)),
    ("Not disadvantaged", lambda p: not disadvantaged(p.context)),
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
    """One row of the analysis: a group's size and how many of its pupils stand where, every figure a count of pupils."""

    label: str
    size: int | None
    """Pupils in the group; None when it is not shown."""
    small: bool
    """The group itself has fewer pupils than the threshold (otherwise a hidden row was hidden so it cannot be worked out)."""
    on_or_above: Share
    """Pupils with at least one assessed subject (or this subject) and none below target."""
    below: Share
    """Pupils below target in at least one subject (or in this subject)."""
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
    """(group, pupils on or above target out of pupils assessed, in each subject in `subjects` order)."""
    threshold: Threshold

    @property
    def minimum(self) -> int:
        return self.threshold.suppress_below


def _row_sets(pupils: Sequence[PupilFacts], subject_id: str | None) -> dict[str, frozenset[str]]:
    """The pupil sets of one row: everyone, those on or above target, those below, those on the register."""
    def standings(p: PupilFacts) -> list[str]:
        return [r.standing for r in p.subjects if r.standing and (subject_id is None or r.subject_id == subject_id)]

    judged = [(p.id, standings(p)) for p in pupils]  # once per pupil: both measures read them
    return {
        "size": frozenset(p.id for p in pupils),
        "on_or_above": frozenset(i for i, s in judged if s and "below" not in s),
        "below": frozenset(i for i, s in judged if "below" in s),
        "registered": frozenset(p.id for p in pupils if p.record.mentoring.status != "none"),
    }


MEASURES = ("size", "registered", "below", "on_or_above")


def _table(rows: Sequence[tuple[Hashable, dict[str, frozenset[str]]]], everyone: frozenset[str], threshold: Threshold,
           known: Sequence[Candidate] = (), audit: Audit = protect) -> tuple[Published, list[Candidate]]:
    """Audit one table: every row's size first, then each measure; returns what may be shown and, for later tables, what was."""
    candidates = [Candidate((key, m), sets[m], None if m == "size" else (key, "size")) for m in MEASURES for key, sets in rows]
    published = audit(candidates, pupils_as_cells(everyone), threshold, known)
    # A row whose size is withheld prints nothing at all (the page says why), so none of its measures is shown.
    hidden = {key for key, _ in rows if published.count((key, "size")) is None}
    counts = {k: v for k, v in published.counts.items() if k[0] not in hidden}  # type: ignore[index]
    published = Published(counts, threshold, published.withheld | {(key, m) for key in hidden for m in MEASURES})
    shown = [c for c in candidates if c.key in counts]
    return published, shown


def _figures(label: str, key: Hashable, sets: dict[str, frozenset[str]], published: Published, pupils: Sequence[PupilFacts],
             subject_id: str | None) -> Figures:
    size = published.count((key, "size"))
    rows = [[r for r in p.subjects if subject_id is None or r.subject_id == subject_id] for p in pupils if p.id in sets["size"]]
    progress = mean(([float(r.change) for r in pupil_rows if r.change is not None] for pupil_rows in rows), published.threshold)
    return Figures(
        label=label, size=size, small=published.threshold.small(len(sets["size"])),
        on_or_above=published.share((key, "on_or_above"), (key, "size")),
        below=published.share((key, "below"), (key, "size")),
        progress=progress if size is not None else Mean(None, True),
        registered=published.share((key, "registered"), (key, "size")),
    )


def figures(label: str, pupils: Sequence[PupilFacts], subject_id: str | None = None,
            threshold: Threshold | None = None) -> Figures:
    """One group's figures on their own (audited as a table of one row), with the default threshold unless given."""
    threshold = threshold or Threshold()
    sets = _row_sets(pupils, subject_id)
    published, _ = _table([(label, sets)], sets["size"] | frozenset(p.id for p in pupils), threshold)
    return _figures(label, label, sets, published, pupils, subject_id)


def cohort_analysis(school: SchoolFacts, audit: Audit = protect) -> Analysis:
    """The analysis page's tables, each audited with `audit` (the build passes a memo of `protect`: same answers, kept between builds)."""
    threshold = Threshold(school.site.disclosure.suppress_below)
    pupils = school.pupils
    everyone = frozenset(p.id for p in pupils)
    subjects = [s for s in school.site.subjects if any(r.subject_id == s.id for p in pupils for r in p.subjects)]
    years = sorted({p.record.year for p in pupils})

    group_rows = [(("group", label), _row_sets([p for p in pupils if member(p.record)], None)) for label, member in GROUPS]
    groups, shown = _table(group_rows, everyone, threshold, (), audit)
    year_rows = [(("year", y), _row_sets([p for p in pupils if p.record.year == y], None)) for y in years]
    by_year, shown_years = _table(year_rows, everyone, threshold, shown, audit)
    subject_rows = [(("subject", s.id), _row_sets([p for p in pupils if any(r.subject_id == s.id for r in p.subjects)], s.id))
                    for s in subjects]
    by_subject, shown_subjects = _table(subject_rows, everyone, threshold, shown + shown_years, audit)

    columns = []
    judged_in: dict[str, set[str]] = {}  # subject → pupils with a standing in it; good_in: on or above target in it
    good_in: dict[str, set[str]] = {}
    for p in pupils:
        for r in p.subjects:
            if r.standing:
                judged_in.setdefault(r.subject_id, set()).add(p.id)
            if r.standing in ("on", "above"):
                good_in.setdefault(r.subject_id, set()).add(p.id)
    for s in subjects:
        rows = []
        for (_, label), sets in group_rows:
            judged = sets["size"] & judged_in.get(s.id, set())
            good = judged & good_in.get(s.id, set())
            rows.append((label, judged, good))
        candidates = [Candidate((label, "judged"), judged) for label, judged, _ in rows] + \
                     [Candidate((label, "good"), good, (label, "judged")) for label, _, good in rows]
        published = audit(candidates, pupils_as_cells(everyone), threshold, shown + shown_subjects)
        columns.append([published.share((label, "good"), (label, "judged")) for label, _, _ in rows])

    return Analysis(
        subjects=tuple(s.name for s in subjects),
        by_year=tuple(_figures(f"Year {y}", key, sets, by_year, pupils, None) for y, (key, sets) in zip(years, year_rows)),
        by_subject=tuple(_figures(s.name, key, sets, by_subject, pupils, s.id) for s, (key, sets) in zip(subjects, subject_rows)),
        by_group=tuple(_figures(label, key, sets, groups, pupils, None) for (label, _), (key, sets) in zip(GROUPS, group_rows)),
        group_by_subject=tuple((label, tuple(column[i] for column in columns)) for i, (label, _) in enumerate(GROUPS)),
        threshold=threshold,
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
        standings = [cell.standing if (cell := row.cells[index]) else None for row in rows]
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
