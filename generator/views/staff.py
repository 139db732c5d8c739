"""views.staff: the intranet's pages and staff documents; staff may see the whole record, notes rendered safely."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from markupsafe import Markup

from .. import markup
from ..derive import PupilFacts, SchoolFacts
from ..schema import Pupil
from .common import GradingKey, SchoolHeader, grading_key, school_header


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
