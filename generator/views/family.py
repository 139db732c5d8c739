"""views.family: the half-term pupil profile for one pupil and their parents; nothing staff-only or restricted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

from generator.judge.derive import AttitudeRow, CriteriaRow, PupilFacts, SchoolFacts
from generator.rules.skills import SkillsStatus
from generator.views.common import GradingKey, SchoolHeader, grading_key, school_header
from generator.views.documents import TargetChart, target_chart


@dataclass(frozen=True)
class FamilySubject:
    subject: str
    target: str | None
    grades: tuple[str | None, ...]
    latest: str | None
    standing: str | None
    colour: str | None


@dataclass(frozen=True)
class FamilyTarget:
    text: str
    by: dt.date | None


@dataclass(frozen=True)
class FamilyProfile:
    """The half-term pupil profile: the pupil's own targets, progress, attitude and plan. Nothing staff-only or restricted."""

    header: SchoolHeader
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
    chart: TargetChart | None
    """Distance from target per subject: subject names, steps and colours, nothing else."""


def family_profile(school: SchoolFacts, pupil: PupilFacts) -> FamilyProfile:
    record = pupil.record
    plan = record.plan
    return FamilyProfile(
        header=school_header(school), key=grading_key(school),
        first_name=record.first_name, last_name=record.last_name, year=record.year, form=record.form,
        mentor=pupil.mentor_name if record.mentoring.status in ("active", "exited") else None,
        terms=tuple(t.name for t in school.terms),
        subjects=tuple(FamilySubject(r.subject, r.target, r.grades, r.latest, r.standing, r.colour) for r in pupil.subjects),
        attitude=pupil.attitude, criteria=_worded(pupil.criteria, school.site.scheme.paperwork.criteria_wording), skills=pupil.skills,
        plan_targets=tuple(FamilyTarget(t.text, t.by) for t in plan.targets) if plan else (),
        strategies=tuple(plan.strategies) if plan else (),
        review_on=plan.review_on if plan else None,
        chart=target_chart(pupil.subjects),
    )


def _worded(rows: tuple[CriteriaRow, ...], wording: Mapping[str, str]) -> tuple[CriteriaRow, ...]:
    """P5: next targets as the pupil reads them ("I can order fractions …"), not as codes, where the school has worded them."""
    return tuple(replace(r, next_targets=tuple(wording.get(c, c) for c in r.next_targets)) for r in rows)
