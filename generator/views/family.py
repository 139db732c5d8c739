"""views.family: the half-term pupil profile for one pupil and their parents; nothing staff-only or restricted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

from generator.judge.derive import AttitudeRow, CriteriaRow, PupilFacts, SchoolFacts, SubjectRow
from generator.rules import sentences
from generator.rules.progress import Standing, standing
from generator.rules.skills import SkillsStatus
from generator.views.common import GradingKey, TermHeader, grading_key, per_school, term_header
from generator.views.documents import TargetChart, target_chart


@dataclass(frozen=True)
class TermCell:
    """One column of the profile's grid: the grade, and its standing against the target with the scheme's colour (P5)."""

    grade: str | None
    standing: Standing | None
    colour: str | None
    last_year: bool = False
    """The "Last year" column: last year's latest grade, shown plain (this year's target did not apply to it)."""


@dataclass(frozen=True)
class FamilySubject:
    subject: str
    target: str | None
    grades: tuple[str | None, ...]
    latest: str | None
    standing: str | None
    colour: str | None
    cells: tuple[TermCell, ...] = ()
    """P5: one cell per column of `FamilyProfile.terms`, each half term coloured green, yellow or red with ▲ ● ▼."""


@dataclass(frozen=True)
class FamilyTarget:
    text: str
    by: dt.date | None


@dataclass(frozen=True)
class FamilyProfile:
    """The half-term pupil profile: the pupil's own targets, progress, attitude and plan. Nothing staff-only or restricted."""

    header: TermHeader
    key: GradingKey
    first_name: str
    last_name: str
    year: int
    form: str
    mentor: str | None
    terms: tuple[str, ...]
    subjects: tuple[FamilySubject, ...]
    attitude: tuple[AttitudeRow, ...]
    criteria: tuple[CriteriaRow, ...]
    skills: SkillsStatus | None
    plan_targets: tuple[FamilyTarget, ...]
    strategies: tuple[str, ...]
    review_on: dt.date | None
    """The next review when it is still ahead at as-of (the register's date); None once it has passed."""
    chart: TargetChart | None
    """Distance from target per subject: subject names, steps and colours, nothing else."""
    summary: str = ""
    attitude_note: str | None = None
    next_steps: tuple[str, ...] = ()
    """Said when the plan sets no target ahead: chosen by rules.sentences from standing and attitude."""
    review_sentence: str | None = None
    past_targets: tuple[FamilyTarget, ...] = ()
    """Plan targets whose date has passed: what the pupil has been working on, never shown as next half term's."""


def profile_facts(school: SchoolFacts, pupil: PupilFacts) -> sentences.ProfileFacts:
    """The facts the family sentences are chosen from, as of the build's date."""
    record = pupil.record
    plan = record.plan
    latest = pupil.attitude[-1] if pupil.attitude and pupil.attitude[-1].term_id == school.current.id else None
    return sentences.ProfileFacts(
        first_name=record.first_name,
        below=tuple(r.subject for r in pupil.subjects if r.standing == "below"),
        above=tuple(r.subject for r in pupil.subjects if r.standing == "above"),
        on=tuple(r.subject for r in pupil.subjects if r.standing == "on"),
        red=tuple(name for name, colour in latest.colours if colour == "red") if latest else (),
        persistent_absence=latest is not None and latest.attendance_band in ("persistent", "severe"),
        targets=tuple((t.text, t.by) for t in plan.targets) if plan else (),
        mentored=record.mentoring.status == "active",
        review_due=pupil.next_review,
        as_of=school.as_of,
    )


def family_profile(school: SchoolFacts, pupil: PupilFacts) -> FamilyProfile:
    record = pupil.record
    plan = record.plan
    said = sentences.sentences(profile_facts(school, pupil))
    return FamilyProfile(
        header=term_header(school), key=grading_key(school),
        first_name=record.first_name, last_name=record.last_name, year=record.year, form=record.form,
        mentor=pupil.mentor_name if record.mentoring.status in ("active", "exited") else None,
        terms=_columns(school)[0],
        subjects=tuple(FamilySubject(r.subject, r.target, _grades(school, r.grades), r.latest, r.standing, r.colour,
                                     _cells(school, r))
                       for r in pupil.subjects),
        attitude=pupil.attitude, criteria=_worded(pupil.criteria, school.site.scheme.paperwork.criteria_wording), skills=pupil.skills,
        plan_targets=tuple(FamilyTarget(text, by) for text, by in said.targets_ahead),
        strategies=tuple(plan.strategies) if plan else (),
        review_on=pupil.next_review if pupil.next_review and pupil.next_review >= school.as_of
        and record.mentoring.status == "active" else None,
        chart=target_chart(pupil.subjects),
        summary=said.summary, attitude_note=said.attitude, next_steps=said.next_steps, review_sentence=said.review,
        past_targets=tuple(FamilyTarget(text, by) for text, by in said.targets_past),
    )


@per_school
def _columns(school: SchoolFacts) -> tuple[tuple[str, ...], tuple[int | None, ...], tuple[int, ...]]:
    """P5's profile: every half term of this school year (six columns, those still ahead left blank), after a "Last year"
    column once `rollover` has put earlier years beside it.

    Returns the column names, the indexes (into `school.terms`, None for a
    half term still ahead) of this year's half terms, and those of last year's.
    """
    year = school.current.academic_year
    reached = {t.id: i for i, t in enumerate(school.terms)}
    this_year = [t for t in school.site.half_terms if t.academic_year == year]
    this = [reached.get(t.id) for t in this_year]
    earlier = sorted({t.academic_year for t in school.terms if t.academic_year != year and t.academic_year})
    last = [i for i, t in enumerate(school.terms) if earlier and t.academic_year == earlier[-1]]
    names = tuple(t.name for t in this_year)
    return (("Last year", *names) if last else names), tuple(this), tuple(last)


def _grades(school: SchoolFacts, grades: tuple[str | None, ...]) -> tuple[str | None, ...]:
    """The grades under `_columns`: last year's latest, then each half term of this year."""
    _names, this, last = _columns(school)
    mine = tuple(grades[i] if i is not None else None for i in this)
    if not last:
        return mine
    return (next((grades[i] for i in reversed(last) if grades[i] is not None), None), *mine)


def _cells(school: SchoolFacts, row: SubjectRow) -> tuple[TermCell, ...]:
    """P5: each half term's grade judged against the target by `rules.progress.standing`, the rule the latest grade uses."""
    colours = school.site.scheme.standing_colours
    has_last = len(_columns(school)[0]) > len(_columns(school)[1])
    out: list[TermCell] = []
    for n, grade in enumerate(_grades(school, row.grades)):
        if n == 0 and has_last:
            out.append(TermCell(grade, None, None, last_year=True))
            continue
        where = standing(row.scale, grade, row.target) if grade is not None and row.target is not None else None
        out.append(TermCell(grade, where, colours.get(where) if where else None))
    return tuple(out)


def _worded(rows: tuple[CriteriaRow, ...], wording: Mapping[str, str]) -> tuple[CriteriaRow, ...]:
    """P5: next targets as the pupil reads them ("I can order fractions …"), not as codes, where the school has worded them."""
    return tuple(replace(r, next_targets=tuple(wording.get(c, c) for c in r.next_targets)) for r in rows)
