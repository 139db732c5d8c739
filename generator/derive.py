"""derive: applies the rules to checked records, giving the facts every view is cut from.

Pure: no I/O, no clock (`as_of` is passed in), no templates. It sees
everything, so nothing it returns goes to a template directly: views.py
decides what each audience gets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .rules import attendance, schedule
from .rules.progress import Standing, standing, steps
from .schema import HalfTerm, Pupil, Site

ATTITUDE_FIELDS = ("punctuality", "behaviour", "effort", "homework", "uniform")


@dataclass(frozen=True)
class SubjectRow:
    """One subject's line of the tracking grid."""

    subject_id: str
    subject: str
    scale: tuple[str, ...]
    target: str | None
    fft: str | None
    grades: tuple[str | None, ...]
    """One per shown half term, in calendar order; None where nothing was recorded."""
    latest: str | None
    standing: Standing | None
    change: int | None
    """Scale steps from the first to the latest recorded grade."""


@dataclass(frozen=True)
class AttitudeRow:
    term_id: str
    term: str
    attendance: float | None
    attendance_band: attendance.Band | None
    colours: tuple[tuple[str, str | None], ...]
    """(field, green|yellow|red|None) in ATTITUDE_FIELDS order."""


@dataclass(frozen=True)
class Action:
    """Something a mentor should do or look at; `code` is stable for tests and filters."""

    pupil_id: str
    code: str
    text: str
    due: dt.date | None = None


@dataclass(frozen=True)
class PupilFacts:
    id: str
    record: Pupil
    mentor_name: str | None
    subjects: tuple[SubjectRow, ...]
    attitude: tuple[AttitudeRow, ...]
    next_review: dt.date | None
    last_meeting: dt.date | None
    actions: tuple[Action, ...]

    @property
    def display_name(self) -> str:
        return f"{self.record.first_name} {self.record.last_name}"

    @property
    def sort_name(self) -> tuple[str, str, str]:
        return (self.record.last_name.casefold(), self.record.first_name.casefold(), self.id)

    def count(self, which: Standing) -> int:
        return sum(1 for row in self.subjects if row.standing == which)


@dataclass(frozen=True)
class SchoolFacts:
    site: Site
    as_of: dt.date
    terms: tuple[HalfTerm, ...]
    """Half terms up to and including the current one: the columns of every grid."""
    current: HalfTerm
    pupils: tuple[PupilFacts, ...]
    """Sorted by family name, then given name, then id."""

    def staff_name(self, staff_id: str | None) -> str | None:
        return next((s.name for s in self.site.staff if s.id == staff_id), staff_id)


def derive_school(site: Site, pupils: dict[str, Pupil], as_of: dt.date) -> SchoolFacts:
    """Every pupil's facts, in register order."""
    index = next(i for i, t in enumerate(site.half_terms) if t.id == site.current_half_term)
    terms = tuple(site.half_terms[: index + 1])
    staff = {s.id: s.name for s in site.staff}
    facts = [derive_pupil(pid, record, site, terms, staff, as_of) for pid, record in pupils.items()]
    facts.sort(key=lambda f: f.sort_name)
    return SchoolFacts(site=site, as_of=as_of, terms=terms, current=terms[-1], pupils=tuple(facts))


def derive_pupil(pupil_id: str, pupil: Pupil, site: Site, terms: tuple[HalfTerm, ...],
                 staff: dict[str, str], as_of: dt.date) -> PupilFacts:
    rows = tuple(_subject_row(subject.id, subject.name, tuple(site.scales[subject.scale].grades), pupil, terms)
                 for subject in site.subjects
                 if subject.id in pupil.targets or any(subject.id in pupil.assessments.get(t.id, {}) for t in terms))
    grids = tuple(_attitude_row(term, pupil) for term in terms if term.id in pupil.attitude)
    reviews = [m.date for m in pupil.meetings if m.kind == "review"]
    last_meeting = max((m.date for m in pupil.meetings), default=None)
    due = None
    if pupil.mentoring.status == "active":
        due = schedule.next_review(pupil.mentoring.started_on, max(reviews, default=None), pupil.mentoring.next_review)
    actions = _actions(pupil_id, pupil, rows, grids, due, as_of)
    return PupilFacts(id=pupil_id, record=pupil, mentor_name=staff.get(pupil.mentor or "", None),
                      subjects=rows, attitude=grids, next_review=due, last_meeting=last_meeting, actions=actions)


def _subject_row(subject_id: str, name: str, scale: tuple[str, ...], pupil: Pupil, terms: tuple[HalfTerm, ...]) -> SubjectRow:
    grades = tuple(pupil.assessments.get(t.id, {}).get(subject_id) for t in terms)
    recorded = [g for g in grades if g is not None]
    latest = recorded[-1] if recorded else None
    target = pupil.targets.get(subject_id)
    return SubjectRow(
        subject_id=subject_id, subject=name, scale=scale, target=target,
        fft=pupil.baseline.fft.get(subject_id), grades=grades, latest=latest,
        standing=standing(scale, latest, target) if latest is not None and target is not None else None,
        change=steps(scale, recorded[0], latest) if len(recorded) > 1 and latest is not None else None,
    )


def _attitude_row(term: HalfTerm, pupil: Pupil) -> AttitudeRow:
    grid = pupil.attitude[term.id]
    return AttitudeRow(
        term_id=term.id, term=term.name, attendance=grid.attendance,
        attendance_band=attendance.band(grid.attendance) if grid.attendance is not None else None,
        colours=tuple((name, getattr(grid, name)) for name in ATTITUDE_FIELDS),
    )


def _actions(pupil_id: str, pupil: Pupil, rows: tuple[SubjectRow, ...], grids: tuple[AttitudeRow, ...],
             due: dt.date | None, as_of: dt.date) -> tuple[Action, ...]:
    """What the dashboard lists for this pupil (P4: below target triggers intervention)."""
    out: list[Action] = []
    status = pupil.mentoring.status
    if status == "referred":
        out.append(Action(pupil_id, "referral.new", "Referred: allocate a mentor and write to home", pupil.mentoring.referred_on))
    if status == "active" and schedule.is_overdue(due, as_of):
        out.append(Action(pupil_id, "review.overdue", f"Review overdue since {due:%d %b %Y}", due))
    elif status == "active" and due is not None and (due - as_of).days <= 7:
        out.append(Action(pupil_id, "review.due", f"Review due {due:%d %b %Y}", due))
    covered = {i.subject for i in pupil.interventions if i.outcome == "ongoing"}
    covered_all = any(i.subject is None and i.outcome == "ongoing" for i in pupil.interventions)
    for row in rows:
        if row.standing == "below" and status in ("referred", "active") and row.subject_id not in covered and not covered_all:
            out.append(Action(pupil_id, "below.no_intervention", f"Below target in {row.subject} with no active intervention"))
    if grids and grids[-1].attendance_band in ("persistent", "severe"):
        out.append(Action(pupil_id, "attendance.persistent",
                          f"Attendance {grids[-1].attendance:.1f}% in {grids[-1].term}: {grids[-1].attendance_band} absence"))
    if status == "active" and rows and all(r.standing in ("on", "above") for r in rows if r.standing):
        if any(r.standing for r in rows):
            out.append(Action(pupil_id, "exit.review", "Every target met: review whether mentoring can end"))
    return tuple(out)
