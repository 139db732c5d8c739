"""derive: applies the rules to checked records, giving the facts every view is cut from.

Pure: no I/O, no clock (`now` is passed in), no templates. It sees
everything, so nothing it returns goes to a template directly: views.py
decides what each audience gets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

from generator.judge import paperwork
from generator.rules import attendance, criteria, meeting, schedule, skills
from generator.rules.attendance import Band
from generator.rules.progress import (
    Pace,
    Standing,
    expected_steps,
    pace,
    standing,
    steps,
)
from generator.sources.schema import CriteriaRecord, HalfTerm, Pupil, Scheme, Site
from generator.sources.validate import fft_on_scale

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
    round_standing: Standing | None = None
    """The standing of this assessment round's grade; None when the subject was not assessed this round (exit readiness reads it)."""
    crosses_grade: str | None = None
    """P5: the grade the criteria crosses give, which is shown for the current half term (crosses are authoritative)."""


@dataclass(frozen=True)
class AttitudeRow:
    term_id: str
    term: str
    attendance: float | None
    attendance_band: Band | None  # not attendance.Band: the field above shadows the module here
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
    exit_ready: bool = False
    """P1: an active mentee with every target assessed this round and met."""

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
    round: HalfTerm | None = None
    """The assessment round judged on: the latest half term up to the current one with any grade recorded."""

    @property
    def actions(self) -> tuple[Action, ...]:
        """Every pupil's due actions in one list, by date then code then pupil: the dashboard and `mentorsite actions` both read it."""
        return tuple(sorted((a for p in self.pupils for a in p.actions),
                            key=lambda a: (a.due or dt.date.max, a.code, a.pupil_id, a.text)))

    @property
    def lacking_round(self) -> tuple[str, ...]:
        """Pupils with targets but no grade at all for the current half term (its round has not reached them yet)."""
        current = self.current.id
        return tuple(p.id for p in self.pupils if p.record.targets and not p.record.assessments.get(current))

    @property
    def as_of(self) -> dt.date:
        return self.now.date()

    def staff_name(self, staff_id: str | None) -> str | None:
        return next((s.name for s in self.site.staff if s.id == staff_id), staff_id)


def derive_school(site: Site, pupils: dict[str, Pupil], now: dt.datetime,
                  memo: dict[tuple[str, str, dt.datetime, str | None], PupilFacts] | None = None,
                  tokens: Mapping[str, str] | None = None) -> SchoolFacts:
    """Every pupil's facts, in register order.

    `memo` and `tokens` (serve): a pupil whose token (the digest of their
    file under this site.yaml's digest) is one already judged at this moment
    and round keeps those facts; `memo` is left holding this school's only.
    """
    index = next(i for i, t in enumerate(site.half_terms) if t.id == site.current_half_term)
    terms = tuple(site.half_terms[: index + 1])
    staff = {s.id: s.name for s in site.staff}
    graded = [t for t in terms if any(p.assessments.get(t.id) for p in pupils.values())]
    judged = graded[-1] if graded else None
    if memo is None or tokens is None:
        facts = [derive_pupil(pid, record, site, terms, staff, now, judged) for pid, record in pupils.items()]
    else:
        keys = {pid: (pid, tokens[pid], now, judged.id if judged else None) for pid in pupils if pid in tokens}
        facts = [memo[keys[pid]] if pid in keys and keys[pid] in memo else derive_pupil(pid, record, site, terms, staff, now, judged)
                 for pid, record in pupils.items()]
        kept = {keys[f.id]: f for f in facts if f.id in keys}
        memo.clear()
        memo.update(kept)
    facts.sort(key=lambda f: f.sort_name)
    return SchoolFacts(site=site, now=now, terms=terms, current=terms[-1], pupils=tuple(facts), round=judged)


def derive_pupil(pupil_id: str, pupil: Pupil, site: Site, terms: tuple[HalfTerm, ...],
                 staff: dict[str, str], now: dt.datetime, judged: HalfTerm | None = None) -> PupilFacts:
    scheme = site.scheme
    rows = tuple(_subject_row(subject.id, subject.name, tuple(site.scales[subject.scale].labels), pupil, terms,
                              scheme, terms_per_year(site), judged)
                 for subject in site.subjects
                 if subject.id in pupil.targets or any(subject.id in pupil.assessments.get(t.id, {}) for t in terms))
    rows = tuple(replace(r, fft=fft_on_scale(site, r.subject_id, r.fft)) if r.fft is not None else r for r in rows)
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
    planned = (m.next_review, pupil.plan.review_on if pupil.plan else None)
    due_review = None
    if active and (scheme.review_every_days or any(planned)):
        due_review = schedule.review_due(m.started_on, reviews, planned, scheme.review_every_days)
    due_meeting = None
    if active and scheme.meet_every_days:
        formal = [x.date for x in pupil.meetings if x.kind in scheme.meeting_kinds]
        due_meeting = schedule.next_meeting(m.started_on, formal, scheme.meet_every_days)
    facts = PupilFacts(
        id=pupil_id, record=pupil, mentor_name=staff.get(pupil.mentor or ""), subjects=rows, attitude=grids,
        criteria=criteria_rows, skills=skills_status, next_review=due_review, next_meeting=due_meeting,
        last_meeting=max((x.date for x in pupil.meetings), default=None), actions=(),
        exit_ready=active and scheme.exit_when_targets_met and meeting.ready_to_exit(
            dict.fromkeys(pupil.targets, ""), {r.subject_id: r.round_standing for r in rows}),
    )
    spans = [(t.start, t.end) for t in site.half_terms]
    papers = tuple(Action(p, code, text, due) for p, code, due, text in paperwork.due_actions(pupil_id, pupil, site, now.date()))
    return PupilFacts(**{**facts.__dict__, "actions": _actions(facts, site, now, spans) + papers})


def terms_per_year(site: Site) -> int:
    """Half terms in the current school year; after `rollover`, site.yaml also lists earlier years' half terms."""
    current = next(t for t in site.half_terms if t.id == site.current_half_term)
    return sum(1 for t in site.half_terms if t.academic_year == current.academic_year)


def _subject_row(subject_id: str, name: str, scale: tuple[str, ...], pupil: Pupil, terms: tuple[HalfTerm, ...],
                 scheme: Scheme, terms_per_year: int, judged: HalfTerm | None = None) -> SubjectRow:
    grades = tuple(pupil.assessments.get(t.id, {}).get(subject_id) for t in terms)
    from_crosses = crosses_grade(subject_id, pupil, scheme, scale)
    if from_crosses is not None and criteria.disagrees(grades[-1], from_crosses) and scheme.criteria is not None \
            and scheme.criteria.authoritative == "crosses":
        grades = grades[:-1] + (from_crosses,)  # P5: the crosses set the sub-stage; check warns about the recorded grade
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
    round_grade = grades[[t.id for t in terms].index(judged.id)] if judged is not None and judged in terms else None
    return SubjectRow(
        subject_id=subject_id, subject=name, scale=scale, target=target, fft=pupil.baseline.fft.get(subject_id),
        grades=grades, latest=latest, standing=where, colour=scheme.standing_colours.get(where) if where else None,
        change=change, expected=expected, pace=pace(change, expected) if change is not None and expected is not None else None,
        round_standing=standing(scale, round_grade, target) if round_grade is not None and target is not None else None,
        crosses_grade=from_crosses,
    )


def crosses_grade(subject_id: str, pupil: Pupil, scheme: Scheme, scale: tuple[str, ...]) -> str | None:
    """P5: the scale grade the pupil's criteria crosses give in this subject, when the scheme names band grades."""
    record = pupil.criteria.get(subject_id)
    if scheme.criteria is None or record is None:
        return None
    crosses = record.crosses if record.crosses is not None else criteria.count_crosses(record.record)
    bands = scheme.criteria.bands
    found = criteria.sub_stage(record.stage, crosses, [(b.from_, b.label) for b in bands])
    return criteria.grade_of(found, [b.grade for b in bands], scale)


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


def _actions(facts: PupilFacts, site: Site, now: dt.datetime, terms: list[tuple[dt.date, dt.date]]) -> tuple[Action, ...]:
    """What the dashboard and `mentorsite actions` list for this pupil, each from one policy rule (codes are stable)."""
    scheme = site.scheme
    pupil, pid = facts.record, facts.id
    m = pupil.mentoring
    today = now.date()
    out: list[Action] = []
    if m.status == "referred":
        todo = "start mentoring" if pupil.mentor else "allocate a mentor"
        out.append(Action(pid, "referral.new", f"Referred: {todo} and write to home", m.referred_on))
    if m.status == "active":
        out += _due_actions(facts, scheme, now, terms)
        if scheme.plan_required and (pupil.plan is None or not pupil.plan.targets):
            out.append(Action(pid, "plan.missing", "No individual action plan: write SMART targets and send a copy home",
                              m.started_on))
    if pupil.year in scheme.mentor_required_years and not pupil.mentor:
        out.append(Action(pid, "mentor.missing", f"Year {pupil.year}: every pupil has a staff mentor; allocate one"))
    if scheme.review_every_pupil_each_term:
        out += _term_review(facts, site, today)
    ongoing = {i.subject for i in pupil.interventions if i.outcome == "ongoing"}
    checked = scheme.below_target_needs_intervention
    in_scope = checked == "all" or (checked is True and m.status in ("referred", "active"))
    if in_scope and None not in ongoing:
        for row in facts.subjects:
            if row.standing == "below" and row.subject_id not in ongoing:
                out.append(Action(pid, "below.no_intervention", f"Below target in {row.subject} with no active intervention"))
    for row in facts.subjects:
        if meeting.raise_target(row.standing, m.status, scheme.raise_when_exceeded):
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
    if facts.exit_ready:
        out.append(Action(pid, "exit.ready", "Every target assessed this round and met: review whether mentoring can end"))
    return tuple(out)


def _term_review(facts: PupilFacts, site: Site, today: dt.date) -> list[Action]:
    """P5: every child is mentored each term. Flagged in the term's last half term, due on its last day."""
    halves = site.half_terms
    index = next((i for i, t in enumerate(halves) if t.start <= today <= t.end), None)
    if index is None:
        return []
    term = schedule.term_of(index, len(halves))
    members = [i for i in range(len(halves)) if schedule.term_of(i, len(halves)) == term]
    if index != members[-1]:
        return []
    start, end = halves[members[0]].start, halves[members[-1]].end
    kinds = set(site.scheme.meeting_kinds)
    if schedule.reviewed_in((x.date for x in facts.record.meetings if x.kind in kinds), start, end):
        return []
    return [Action(facts.id, "review.term", f"No mentoring meeting yet this term (every pupil is seen each term); due by "
                                            f"{end:%d %b %Y}", end)]


def _due_actions(facts: PupilFacts, scheme: Scheme, now: dt.datetime, terms: list[tuple[dt.date, dt.date]]) -> list[Action]:
    """Reviews (P2), formal meetings (P4) and weekly logs (P3) that are due, overdue or late for an active mentee."""
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
        due_time = dt.time(hour, minute)
        missing = schedule.logs_missing([log.week_of for log in facts.record.weekly_logs], started, now, rule.due_day,
                                        due_time, terms)
        if missing:
            more = f" (and {len(missing) - 1} earlier week{'s' if len(missing) > 2 else ''})" if len(missing) > 1 else ""
            out.append(Action(pid, "log.overdue", f"Weekly log for the week of {missing[-1]:%d %b} is overdue{more}", missing[-1]))
        term = next(((s, e) for s, e in terms if s <= today <= e), None)
        late = [log for log in facts.record.weekly_logs
                if schedule.log_late(log.week_of, log.written_on, rule.due_day, due_time, terms)
                and (term is None or term[0] <= log.week_of + dt.timedelta(days=7) <= term[1] + dt.timedelta(days=7))]
        if late:
            newest = max(late, key=lambda log: log.week_of)
            deadline = schedule.log_deadline(newest.week_of, rule.due_day, due_time, terms)
            more = f" ({len(late)} late this half term)" if len(late) > 1 else ""
            out.append(Action(pid, "log.late", f"Weekly log for the week of {newest.week_of:%d %b} was written after its deadline, "
                                               f"{deadline:%a %d %b %H:%M}{more}", deadline.date()))
    return out
