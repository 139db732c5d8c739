"""views: one view type per audience, holding only what that audience may see; the privacy boundary.

Templates receive views and nothing else. A family's view has no field for
referral reasons, notes, context or the UPN; the governors' view has no
pupil in it at all, only suppressed aggregates. A template cannot leak what
it was never given. No I/O here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from markupsafe import Markup

from . import markup
from .derive import AttitudeRow, CriteriaRow, PupilFacts, SchoolFacts
from .rules.cohort import Share, share
from .rules.skills import SkillsStatus
from .schema import PolicyMeta, Pupil


@dataclass(frozen=True)
class SchoolHeader:
    """What every document's running header may say about the school."""

    school: str
    academic_year: str
    half_term: str
    as_of: dt.date


def school_header(school: SchoolFacts) -> SchoolHeader:
    return SchoolHeader(school.site.school, school.site.academic_year, school.current.name, school.as_of)


@dataclass(frozen=True)
class GradingKey:
    """The scheme's colours and words for the key printed under every grid; the same for every audience."""

    colours: dict[str, str]
    labels: dict[str, str]


def grading_key(school: SchoolFacts) -> GradingKey:
    scheme = school.site.scheme
    return GradingKey(dict(scheme.standing_colours), dict(scheme.attitude_labels))


# --- families --------------------------------------------------------------------

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


def family_profile(school: SchoolFacts, pupil: PupilFacts) -> FamilyProfile:
    record = pupil.record
    plan = record.plan
    return FamilyProfile(
        header=school_header(school), key=grading_key(school),
        first_name=record.first_name, last_name=record.last_name, year=record.year, form=record.form,
        mentor=pupil.mentor_name if record.mentoring.status in ("active", "exited") else None,
        terms=tuple(t.name for t in school.terms),
        subjects=tuple(FamilySubject(r.subject, r.target, r.grades, r.latest, r.standing, r.colour) for r in pupil.subjects),
        attitude=pupil.attitude, criteria=pupil.criteria, skills=pupil.skills,
        plan_targets=tuple(FamilyTarget(t.text, t.by) for t in plan.targets) if plan else (),
        strategies=tuple(plan.strategies) if plan else (),
        review_on=plan.review_on if plan else None,
    )


# --- staff ------------------------------------------------------------------------

@dataclass(frozen=True)
class StaffPupil:
    """A pupil's whole record for staff, notes rendered to sanitised HTML."""

    header: SchoolHeader
    key: GradingKey
    facts: PupilFacts
    terms: tuple[str, ...]
    notes_html: tuple[Markup, ...]
    """Meeting notes, one per meeting in record order."""
    contact_notes_html: tuple[Markup, ...]
    referred_by: str | None

    @property
    def record(self) -> Pupil:
        return self.facts.record


def staff_pupil(school: SchoolFacts, pupil: PupilFacts) -> StaffPupil:
    record = pupil.record
    return StaffPupil(
        header=school_header(school), key=grading_key(school), facts=pupil, terms=tuple(t.name for t in school.terms),
        notes_html=tuple(markup.to_html(m.notes, shift_headings=3) for m in record.meetings),
        contact_notes_html=tuple(markup.to_html(c.notes, shift_headings=3) for c in record.contacts),
        referred_by=school.staff_name(record.mentoring.referred_by),
    )


@dataclass(frozen=True)
class RegisterRow:
    id: str
    name: str
    sort_name: str
    year: int
    form: str
    mentor: str | None
    referred_on: dt.date | None
    referred_by: str | None
    reasons: tuple[str, ...]
    status: str
    next_review: dt.date | None
    below: int


@dataclass(frozen=True)
class ActionRow:
    pupil_id: str
    pupil: str
    mentor: str | None
    code: str
    text: str
    due: dt.date | None


@dataclass(frozen=True)
class StaffSite:
    """The intranet's shared pages: dashboard and register."""

    header: SchoolHeader
    register: tuple[RegisterRow, ...]
    actions: tuple[ActionRow, ...]
    pupils: tuple[RegisterRow, ...]
    """Everyone with a record, mentee or not, for the pupil index."""
    mentors: tuple[str, ...]
    subject_rows: tuple[tuple[str, int, int, int], ...]
    """(subject, above, on, below) across current mentees."""


def staff_site(school: SchoolFacts) -> StaffSite:
    rows = tuple(_register_row(school, p) for p in school.pupils)
    mentees = tuple(r for r in rows if r.status != "none")
    names = {p.id: p.display_name for p in school.pupils}
    actions = sorted(
        (ActionRow(a.pupil_id, names[a.pupil_id], p.mentor_name, a.code, a.text, a.due) for p in school.pupils for a in p.actions),
        key=lambda a: (a.due or dt.date.max, a.code, a.pupil, a.pupil_id),
    )
    active = [p for p in school.pupils if p.record.mentoring.status in ("referred", "active")]
    by_subject: list[tuple[str, int, int, int]] = []
    for subject in school.site.subjects:
        standings = [r.standing for p in active for r in p.subjects if r.subject_id == subject.id and r.standing]
        by_subject.append((subject.name, standings.count("above"), standings.count("on"), standings.count("below")))
    mentors = tuple(sorted({r.mentor for r in mentees if r.mentor}))
    return StaffSite(school_header(school), mentees, tuple(actions), rows, mentors, tuple(by_subject))


def _register_row(school: SchoolFacts, pupil: PupilFacts) -> RegisterRow:
    m = pupil.record.mentoring
    return RegisterRow(
        id=pupil.id, name=pupil.display_name, sort_name=f"{pupil.record.last_name}, {pupil.record.first_name}",
        year=pupil.record.year, form=pupil.record.form, mentor=pupil.mentor_name, referred_on=m.referred_on,
        referred_by=school.staff_name(m.referred_by), reasons=tuple(m.reasons), status=m.status,
        next_review=pupil.next_review, below=pupil.count("below"),
    )


# --- governors --------------------------------------------------------------------

@dataclass(frozen=True)
class Policy:
    slug: str
    meta: PolicyMeta
    html: Markup
    headings: tuple[markup.Heading, ...]


@dataclass(frozen=True)
class Outcomes:
    """Programme figures for governors: counts and shares, every group under five suppressed."""

    on_register: Share
    active: Share
    exited: Share
    on_or_above: Share
    """Of subject judgements for current mentees, how many are on or above target."""
    by_year: tuple[tuple[int, Share], ...]


@dataclass(frozen=True)
class GovernorsSite:
    """The policy site: policies and aggregate outcomes. It has no field that can hold a pupil."""

    header: SchoolHeader
    policies: tuple[Policy, ...]
    outcomes: Outcomes


def governors_site(school: SchoolFacts, policies: tuple[Policy, ...]) -> GovernorsSite:
    pupils = school.pupils
    statuses = [p.record.mentoring.status for p in pupils]
    mentees = [p for p in pupils if p.record.mentoring.status in ("referred", "active")]
    judgements = [r.standing in ("on", "above") for p in mentees for r in p.subjects if r.standing]
    years = sorted({p.record.year for p in pupils})
    return GovernorsSite(
        header=school_header(school),
        policies=policies,
        outcomes=Outcomes(
            on_register=share([s != "none" for s in statuses]),
            active=share([s == "active" for s in statuses]),
            exited=share([s == "exited" for s in statuses]),
            on_or_above=share(judgements),
            by_year=tuple((y, share([p.record.mentoring.status != "none" for p in pupils if p.record.year == y])) for y in years),
        ),
    )


def policy(slug: str, meta: PolicyMeta, body: str) -> Policy:
    rendered = markup.render(body, shift_headings=1)
    return Policy(slug, meta, rendered.html, rendered.headings)
