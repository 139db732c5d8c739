"""derive: applies the rules to checked records, giving the facts every view is cut from.

Pure: no I/O, no clock (`now` is passed in), no templates. It sees
everything, so nothing it returns goes to a template directly: views.py
decides what each audience gets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.judge import paperwork
from generator.rules import attendance, criteria, schedule, skills
from generator.rules.progress import (
    Pace,
    Standing,
    expected_steps,
    pace,
    standing,
    steps,
)
from generator.sources.schema import CriteriaRecord, HalfTerm, Pupil, Scheme, Site

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
    colour: str | None
    """The scheme's colour for the standing (P5: green above, yellow on, red below)."""
    change: int | None
    """Scale steps from the first to the latest recorded grade."""
    expected: int | None
    """Steps the scheme expects by now (P5: 3 sub-stages a year); None when the scheme sets no pace."""
    pace: Pace | None


@dataclass(frozen=True)
class AttitudeRow:
    term_id: str
    term: str
    attendance: float | None
    attendance_band: attendance.Band | None
    colours: tuple[tuple[str, str | None], ...]
    """(field, green|yellow|red|None) in ATTITUDE_FIELDS order."""


@dataclass(frozen=True)
class CriteriaRow:
    subject: str
    sub_stage: criteria.SubStage
    marks: int | None
    next_targets: tuple[str, ...]


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
    criteria: tuple[CriteriaRow, ...]
    skills: skills.SkillsStatus | None
    next_review: dt.date | None
    next_meeting: dt.date | None
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
    now: dt.datetime
    terms: tuple[HalfTerm, ...]
    """Half terms up to and including the current one: the columns of every grid."""
    current: HalfTerm
    pupils: tuple[PupilFacts, ...]
    """Sorted by family name, then given name, then id."""

    @property
    def as_of(self) -> dt.date:
        return self.now.date()

    def staff_name(self, staff_id: str | None) -> str | None:
        return next((s.name for s in self.site.staff if s.id == staff_id), staff_id)


def derive_school(site: Site, pupils: dict[str, Pupil], now: dt.datetime) -> SchoolFacts:
    """Every pupil's facts, in register order."""
    index = next(i for i, t in enumerate(site.half_terms) if t.id == site.current_half_term)
    terms = tuple(site.half_terms[: index + 1])
    staff = {s.id: s.name for s in site.staff}
    facts = [derive_pupil(pid, record, site, terms, staff, now) for pid, record in pupils.items()]
    facts.sort(key=lambda f: f.sort_name)
    return SchoolFacts(site=site, now=now, terms=terms, current=terms[-1], pupils=tuple(facts))


def derive_pupil(pupil_id: str, pupil: Pupil, site: Site, terms: tuple[HalfTerm, ...],
                 staff: dict[str, str], now: dt.datetime) -> PupilFacts:
    scheme = site.scheme
    rows = tuple(_subject_row(subject.id, subject.name, tuple(site.scales[subject.scale].labels), pupil, terms,
                              scheme, len(site.half_terms))
                 for subject in site.subjects
                 if subject.id in pupil.targets or any(subject.id in pupil.assessments.get(t.id, {}) for t in terms))
    grids = tuple(_attitude_row(term, pupil, scheme) for term in terms if term.id in pupil.attitude)
    names = {s.id: s.name for s in site.subjects}
    criteria_rows = tuple(_criteria_row(names[sid], record, scheme) for sid, record in sorted(pupil.criteria.items())
                          if scheme.criteria is not None)
    skills_status = None
    if scheme.basic_skills is not None:
        rule = scheme.basic_skills
        tests = [(t.date.isoformat(), t.level, t.score) for t in pupil.basic_skills]
        skills_status = skills.status(tests, rule.green_above, rule.weeks_to_move_up, rule.keep)
    m = pupil.mentoring
    active = m.status == "active"
    reviews = [x.date for x in pupil.meetings if x.kind == "review"]
    due_review = None
    if active and scheme.review_every_days:
        due_review = schedule.next_review(m.started_on, max(reviews, default=None), m.next_review, scheme.review_every_days)
    due_meeting = None
    if active and scheme.meet_every_days:
        formal = [x.date for x in pupil.meetings if x.kind in scheme.meeting_kinds]
        due_meeting = schedule.next_meeting(m.started_on, formal, scheme.meet_every_days)
    facts = PupilFacts(
        id=pupil_id, record=pupil, mentor_name=staff.get(pupil.mentor or "", None), subjects=rows, attitude=grids,
        criteria=criteria_rows, skills=skills_status, next_review=due_review, next_meeting=due_meeting,
        last_meeting=max((x.date for x in pupil.meetings), default=None), actions=(),
    )
    spans = [(t.start, t.end) for t in site.half_terms]
    papers = tuple(Action(p, code, text, due) for p, code, due, text in paperwork.due_actions(pupil_id, pupil, site, now.date()))
    return PupilFacts(**{**facts.__dict__, "actions": _actions(facts, scheme, now, spans) + papers})


def _subject_row(subject_id: str, name: str, scale: tuple[str, ...], pupil: Pupil, terms: tuple[HalfTerm, ...],
                 scheme: Scheme, terms_per_year: int) -> SubjectRow:
    grades = tuple(pupil.assessments.get(t.id, {}).get(subject_id) for t in terms)
    recorded = [(i, g) for i, g in enumerate(grades) if g is not None]
    latest = recorded[-1][1] if recorded else None
    target_entry = pupil.targets.get(subject_id)
    target = target_entry.grade if target_entry else None
    where = standing(scale, latest, target) if latest is not None and target is not None else None
    change = expected = None
    if len(recorded) > 1:
        change = steps(scale, recorded[0][1], recorded[-1][1])
        if scheme.expected_steps_per_year:
            expected = expected_steps(scheme.expected_steps_per_year, recorded[-1][0] - recorded[0][0], terms_per_year)
    return SubjectRow(
        subject_id=subject_id, subject=name, scale=scale, target=target, fft=pupil.baseline.fft.get(subject_id),
        grades=grades, latest=latest, standing=where, colour=scheme.standing_colours.get(where) if where else None,
        change=change, expected=expected, pace=pace(change, expected) if change is not None and expected is not None else None,
    )


def _attitude_row(term: HalfTerm, pupil: Pupil, scheme: Scheme) -> AttitudeRow:
    grid = pupil.attitude[term.id]
    rule = scheme.attendance
    band = None
    if grid.attendance is not None:
        band = attendance.band(grid.attendance, rule.persistent_missed_percent, rule.severe_missed_percent)
    return AttitudeRow(term_id=term.id, term=term.name, attendance=grid.attendance, attendance_band=band,
                       colours=tuple((name, getattr(grid, name)) for name in ATTITUDE_FIELDS))


def _criteria_row(subject: str, record: CriteriaRecord, scheme: Scheme) -> CriteriaRow:
    """P5: crosses (counted from the marks unless given) place the pupil in a sub-stage; lines are next targets."""
    assert scheme.criteria is not None
    crosses = record.crosses if record.crosses is not None else criteria.count_crosses(record.record)
    bands = [(b.from_, b.label) for b in scheme.criteria.bands]
    return CriteriaRow(subject=subject, sub_stage=criteria.sub_stage(record.stage, crosses, bands),
                       marks=record.marks, next_targets=tuple(criteria.next_targets(record.record)))


def _actions(facts: PupilFacts, scheme: Scheme, now: dt.datetime, terms: list[tuple[dt.date, dt.date]]) -> tuple[Action, ...]:
    """What the dashboard lists for this pupil, each from one policy rule."""
    pupil, pid = facts.record, facts.id
    m = pupil.mentoring
    out: list[Action] = []
    if m.status == "referred":
        todo = "start mentoring" if pupil.mentor else "allocate a mentor"
        out.append(Action(pid, "referral.new", f"Referred: {todo} and write to home", m.referred_on))
    if m.status == "active":
        out += _due_actions(facts, scheme, now, terms)
    ongoing = {i.subject for i in pupil.interventions if i.outcome == "ongoing"}
    checked = scheme.below_target_needs_intervention
    in_scope = checked == "all" or (checked is True and m.status in ("referred", "active"))
    if in_scope and None not in ongoing:
        for row in facts.subjects:
            if row.standing == "below" and row.subject_id not in ongoing:
                out.append(Action(pid, "below.no_intervention", f"Below target in {row.subject} with no active intervention"))
    if scheme.raise_when_exceeded and m.status in ("referred", "active"):
        for row in facts.subjects:
            if row.standing == "above":
                out.append(Action(pid, "target.raise", f"Above target in {row.subject} ({row.latest} against {row.target}): raise the target"))
    for row in facts.subjects:
        if row.pace == "behind" and m.status in ("referred", "active"):
            out.append(Action(pid, "progress.behind",
                              f"{row.subject}: {row.change} step(s) of progress this year, {row.expected} expected by now"))
    if facts.attitude and facts.attitude[-1].attendance_band in ("persistent", "severe"):
        last = facts.attitude[-1]
        out.append(Action(pid, "attendance.persistent", f"Attendance {last.attendance:.1f}% in {last.term}: {last.attendance_band} absence"))
    if facts.skills is not None and facts.skills.ready_to_move_up:
        out.append(Action(pid, "skills.move_up", f"Basic skills: {facts.skills.green_run} green weeks at {facts.skills.level}; ready to move up a level"))
    judged = [r for r in facts.subjects if r.standing]
    if scheme.exit_when_targets_met and m.status == "active" and judged and all(r.standing in ("on", "above") for r in judged):
        out.append(Action(pid, "exit.review", "Every target met: review whether mentoring can end"))
    return tuple(out)


def _due_actions(facts: PupilFacts, scheme: Scheme, now: dt.datetime, terms: list[tuple[dt.date, dt.date]]) -> list[Action]:
    """Reviews (P2), formal meetings (P4) and weekly logs (P3) that are due or overdue for an active mentee."""
    pid, today, out = facts.id, now.date(), []
    due = facts.next_review
    if schedule.is_overdue(due, today):
        out.append(Action(pid, "review.overdue", f"Review overdue since {due:%d %b %Y}", due))
    elif due is not None and (due - today).days <= 7:
        out.append(Action(pid, "review.due", f"Review due {due:%d %b %Y}", due))
    if schedule.is_overdue(facts.next_meeting, today):
        out.append(Action(pid, "meeting.overdue", f"Formal mentor meeting overdue since {facts.next_meeting:%d %b %Y}", facts.next_meeting))
    rule = scheme.weekly_log
    started = facts.record.mentoring.started_on
    if rule is not None and started is not None:
        hour, minute = (int(x) for x in rule.due_time.split(":"))
        missing = schedule.logs_missing([log.week_of for log in facts.record.weekly_logs], started, now, rule.due_day,
                                        dt.time(hour, minute), terms)
        if missing:
            more = f" (and {len(missing) - 1} earlier week{'s' if len(missing) > 2 else ''})" if len(missing) > 1 else ""
            out.append(Action(pid, "log.overdue", f"Weekly log for the week of {missing[-1]:%d %b} is overdue{more}", missing[-1]))
    return out
