"""views.sheets: the staff's printed documents about many pupils — mentoring register, caseloads, progress meeting sheet; no I/O.

Staff only: each may carry referral reasons and what is due. They list
pupils one row each; no family document is ever cut from them.

The register and the progress meeting sheet are printed one per year group
(`views.common.year_groups`): a head of year runs their year's progress meeting, and a
sheet of one year is what is handed round. It also keeps each document a
size that prints in a second or two: one edited pupil re-renders their own
year's sheets only, and a large school's year groups render in parallel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.judge.derive import PupilFacts, SchoolFacts
from generator.judge.meeting import Listed, progress_lists
from generator.views.common import GradingKey, SchoolHeader, grading_key, school_header, year_groups

# --- the mentoring register ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterEntry:
    name: str
    year: int
    form: str
    mentor: str | None
    referred_on: dt.date | None
    referred_by: str | None
    reasons: tuple[str, ...]
    status: str
    started_on: dt.date | None
    next_review: dt.date | None
    exited_on: dt.date | None


@dataclass(frozen=True)
class Register:
    """One year group's mentees, why they were referred, by whom, and who mentors them (P2's register)."""

    header: SchoolHeader
    year: int
    entries: tuple[RegisterEntry, ...]
    counts: tuple[tuple[str, int], ...]


def register_entries(school: SchoolFacts) -> tuple[RegisterEntry, ...]:
    """Every mentee's line of the register, in the school's pupil order."""
    return tuple(RegisterEntry(p.display_name, p.record.year, p.record.form, p.mentor_name, p.record.mentoring.referred_on,
                               school.staff_name(p.record.mentoring.referred_by), tuple(p.record.mentoring.reasons),
                               p.record.mentoring.status, p.record.mentoring.started_on, p.next_review, p.record.mentoring.exited_on)
                 for p in school.pupils if p.record.mentoring.status != "none")


def registers(school: SchoolFacts) -> tuple[Register, ...]:
    """The register, one year group to a document (a year with nobody on it says so), each in the school's pupil order."""
    entries, header = register_entries(school), school_header(school)

    def one(year: int, listed: tuple[RegisterEntry, ...]) -> Register:
        return Register(header, year, listed, tuple((s, sum(1 for e in listed if e.status == s)) for s in ("referred", "active", "exited")))

    return tuple(one(year, tuple(e for e in entries if e.year == year)) for year in year_groups(school))


# --- caseloads -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseloadEntry:
    name: str
    year: int
    form: str
    status: str
    started_on: dt.date | None
    last_meeting: dt.date | None
    next_meeting: dt.date | None
    next_review: dt.date | None
    below: tuple[str, ...]
    """Subjects below target now."""
    due: tuple[tuple[str, dt.date | None], ...]
    """(what, when) the mentor should do, from the policy rules."""


@dataclass(frozen=True)
class Caseload:
    """One mentor's current mentees and what is due for each."""

    header: SchoolHeader
    staff_id: str
    mentor: str
    entries: tuple[CaseloadEntry, ...]

    @property
    def due_count(self) -> int:
        return sum(len(e.due) for e in self.entries)


def caseloads(school: SchoolFacts) -> tuple[Caseload, ...]:
    """A caseload for every member of staff who mentors by role or has a current mentee; current = referred or active."""
    current = [p for p in school.pupils if p.record.mentoring.status in ("referred", "active") and p.record.mentor]
    ids = {s.id for s in school.site.staff if {"mentor", "lead_mentor"} & set(s.roles)} | {p.record.mentor for p in current}
    header = school_header(school)
    out = []
    for sid in sorted(i for i in ids if i):
        entries = tuple(_caseload_entry(p) for p in current if p.record.mentor == sid)
        out.append(Caseload(header, sid, school.staff_name(sid) or sid, entries))
    return tuple(out)


def _caseload_entry(p: PupilFacts) -> CaseloadEntry:
    m = p.record.mentoring
    due = tuple((a.text, None if _dated(a.text, a.due) else a.due)
                for a in sorted(p.actions, key=lambda a: (a.due or dt.date.max, a.code)))
    return CaseloadEntry(p.display_name, p.record.year, p.record.form, m.status, m.started_on, p.last_meeting,
                         p.next_meeting, p.next_review, tuple(r.subject for r in p.subjects if r.standing == "below"), due)


def _dated(text: str, day: dt.date | None) -> bool:
    """Whether an action's text already says its date, so the caseload does not print it twice."""
    return day is not None and (f"{day:%d %b %Y}" in text or f"{day.day} {day:%b %Y}" in text)


# --- the progress meeting sheet ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BelowEntry:
    name: str
    year: int
    form: str
    status: str
    mentor: str | None
    subjects: tuple[tuple[str, str | None, str | None], ...]
    """(subject, working at, target) for each subject that put the pupil on the list."""
    intervention: bool


@dataclass(frozen=True)
class DueEntry:
    name: str
    year: int
    form: str
    mentor: str | None
    when: dt.date | None
    text: str


@dataclass(frozen=True)
class ProgressMeeting:
    """One year group's half-termly progress meeting: who needs more support, who excelled, whose review is overdue, who is ready to exit.

    The same lists as the staff page (judge.meeting.progress_lists), cut to the year.
    """

    header: SchoolHeader
    key: GradingKey
    year: int
    below: tuple[BelowEntry, ...]
    """Needs support: below target or behind the expected pace in a subject."""
    overdue: tuple[DueEntry, ...]
    ready_to_exit: tuple[DueEntry, ...]
    excelled: tuple[BelowEntry, ...] = ()
    round: str | None = None
    lacking: int = 0


def progress_meetings(school: SchoolFacts) -> tuple[ProgressMeeting, ...]:
    """One sheet per year group; every pupil, mentee or not (P4: below target triggers intervention, so this is where referrals start)."""
    lists = progress_lists(school)

    def entry(x: Listed) -> BelowEntry:
        p = x.pupil
        live = {i.subject for i in p.record.interventions if i.outcome == "ongoing"}
        return BelowEntry(p.display_name, p.record.year, p.record.form, p.record.mentoring.status, p.mentor_name,
                          tuple((r.subject, r.latest, r.target) for r in x.subjects),
                          None in live or any(r.subject_id in live for r in x.subjects))

    names = {p.id: p for p in school.pupils}
    overdue = sorted((DueEntry(names[a.pupil_id].display_name, names[a.pupil_id].record.year, names[a.pupil_id].record.form,
                               names[a.pupil_id].mentor_name, a.due, a.text) for a in lists.overdue),
                     key=lambda e: (e.when or dt.date.max, e.name))
    ready = [DueEntry(x.pupil.display_name, x.pupil.record.year, x.pupil.record.form, x.pupil.mentor_name, None,
                      "Every target assessed this round and met") for x in lists.exit]
    below, excelled = [entry(x) for x in lists.support], [entry(x) for x in lists.excelled]
    lacking = [names[pid].record.year for pid in school.lacking_round]
    header, key, round_name = school_header(school), grading_key(school), lists.round.name if lists.round else None
    return tuple(ProgressMeeting(header, key, year, tuple(e for e in below if e.year == year), tuple(e for e in overdue if e.year == year),
                                 tuple(e for e in ready if e.year == year), tuple(e for e in excelled if e.year == year), round_name,
                                 lacking.count(year))
                 for year in year_groups(school))


__all__ = ["Caseload", "ProgressMeeting", "Register", "caseloads", "progress_meetings", "register_entries", "registers"]
