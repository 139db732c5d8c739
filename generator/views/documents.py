"""views.documents: what each printed document may show — mentoring file, action plan, register, caseloads, progress meeting, letters, governors' pack; no I/O.

Staff documents (mentoring file, register, caseload, progress meeting)
carry staff data; the family documents (action plan, letters) are cut
from the family-safe fields only, like the profile; the governors' pack
holds policies and nothing else. Every document is one pupil, one mentor
or one school — never several pupils' family documents in one file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable

from markupsafe import Markup

from .. import letters as letter_merge
from .. import markup
from ..derive import PupilFacts, SchoolFacts, SubjectRow
from ..schema import Pupil
from .common import GradingKey, SchoolHeader, grading_key, school_header
from .governors import GovernorsSite, Policy

# --- the chart shared by the mentoring file and the profile ------------------------------------------------


@dataclass(frozen=True)
class ChartBar:
    label: str
    y: float
    x: float
    width: float
    colour: str | None
    gap: int


@dataclass(frozen=True)
class TargetChart:
    """Distance from target per subject, in steps of its scale: a few SVG elements, and a `<title>` that says it in words."""

    title: str
    width: int
    height: int
    axis_x: float
    bars: tuple[ChartBar, ...]


CHART_WIDTH, CHART_ROW = 330, 15
"""SVG px: the bars' area beside the HTML labels; one 15px row per subject, matching the labels' line height."""


def target_chart(subjects: tuple[SubjectRow, ...]) -> TargetChart | None:
    """One bar per judged subject: left of the line below target, right of it above, a dot when on target."""
    judged = [r for r in subjects if r.standing and r.latest is not None and r.target is not None]
    if not judged:
        return None
    gaps = [r.scale.index(r.latest) - r.scale.index(r.target) for r in judged]  # type: ignore[arg-type]
    reach = max(2, *(abs(g) for g in gaps))
    axis = CHART_WIDTH / 2
    unit = (CHART_WIDTH / 2 - 4) / reach
    bars = []
    words = []
    for i, (row, gap) in enumerate(zip(judged, gaps)):
        width = round(abs(gap) * unit, 1)
        x = axis - width if gap < 0 else axis
        bars.append(ChartBar(row.subject, i * CHART_ROW + 2.5, round(x, 1), width, row.colour, gap))
        words.append(f"{row.subject} {_gap_words(gap)}")
    title = "Distance from target now, by subject: " + "; ".join(words) + "."
    return TargetChart(title, CHART_WIDTH, len(judged) * CHART_ROW, round(axis, 1), tuple(bars))


def _gap_words(gap: int) -> str:
    if gap == 0:
        return "on target"
    steps = "step" if abs(gap) == 1 else "steps"
    return f"{abs(gap)} {steps} {'above' if gap > 0 else 'below'} target"


# --- the mentoring file -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MentoringFile:
    """A pupil's printed mentoring file (P5's contents, as far as the record has data): staff only."""

    header: SchoolHeader
    key: GradingKey
    id: str
    facts: PupilFacts
    terms: tuple[str, ...]
    referred_by: str | None
    notes_html: tuple[Markup, ...]
    contact_notes_html: tuple[Markup, ...]
    chart: TargetChart | None
    contents: tuple[tuple[str, str], ...]
    """(anchor, heading) of the sections this record has data for, in print order."""

    @property
    def record(self) -> Pupil:
        return self.facts.record


def mentoring_file(school: SchoolFacts, pupil: PupilFacts) -> MentoringFile:
    r = pupil.record
    sections = [("summary", "Summary", True), ("tracking", "Tracking, targets and progress", True),
                ("criteria", "Criteria and performance", bool(pupil.criteria)),
                ("skills", "Basic skills: the last tests", pupil.skills is not None),
                ("record", "Half-termly record: attendance and attitude", bool(pupil.attitude)),
                ("plan", "Individual action plan", True),
                ("interventions", "Intervention work", bool(r.interventions)),
                ("meetings", "Meetings", True), ("contacts", "Contact with home", True),
                ("background", "Background (restricted)", True)]
    return MentoringFile(
        header=school_header(school), key=grading_key(school), id=pupil.id, facts=pupil,
        terms=tuple(t.name for t in school.terms), referred_by=school.staff_name(r.mentoring.referred_by),
        notes_html=tuple(markup.to_html(m.notes, shift_headings=3) for m in r.meetings),
        contact_notes_html=tuple(markup.to_html(c.notes, shift_headings=3) for c in r.contacts),
        chart=target_chart(pupil.subjects), contents=tuple((a, t) for a, t, shown in sections if shown),
    )


# --- the individual action plan (family copy) --------------------------------------------------------------


@dataclass(frozen=True)
class PlanSubject:
    subject: str
    target: str | None
    latest: str | None
    standing: str | None
    colour: str | None


@dataclass(frozen=True)
class ActionPlan:
    """The IAP as it goes home: SMART targets, strategies and review date, and the subject targets. Family-safe fields only."""

    header: SchoolHeader
    key: GradingKey
    first_name: str
    last_name: str
    year: int
    form: str
    mentor: str | None
    targets: tuple[tuple[str, dt.date | None], ...]
    strategies: tuple[str, ...]
    review_on: dt.date | None
    subjects: tuple[PlanSubject, ...]


def has_action_plan(pupil: PupilFacts) -> bool:
    """A plan goes home while the pupil is being mentored (referred or active) and the plan says something."""
    plan = pupil.record.plan
    return (pupil.record.mentoring.status in ("referred", "active") and plan is not None
            and bool(plan.targets or plan.strategies))


def action_plan(school: SchoolFacts, pupil: PupilFacts) -> ActionPlan:
    r = pupil.record
    plan = r.plan
    assert plan is not None
    return ActionPlan(
        header=school_header(school), key=grading_key(school), first_name=r.first_name, last_name=r.last_name,
        year=r.year, form=r.form, mentor=pupil.mentor_name,
        targets=tuple((t.text, t.by) for t in plan.targets), strategies=tuple(plan.strategies), review_on=plan.review_on,
        subjects=tuple(PlanSubject(s.subject, s.target, s.latest, s.standing, s.colour) for s in pupil.subjects),
    )


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
    """Every mentee, why they were referred, by whom, and who mentors them (P2's register)."""

    header: SchoolHeader
    entries: tuple[RegisterEntry, ...]
    counts: tuple[tuple[str, int], ...]


def register(school: SchoolFacts) -> Register:
    entries = []
    for p in school.pupils:
        m = p.record.mentoring
        if m.status == "none":
            continue
        entries.append(RegisterEntry(p.display_name, p.record.year, p.record.form, p.mentor_name, m.referred_on,
                                     school.staff_name(m.referred_by), tuple(m.reasons), m.status, m.started_on,
                                     p.next_review, m.exited_on))
    counts = tuple((s, sum(1 for e in entries if e.status == s)) for s in ("referred", "active", "exited"))
    return Register(school_header(school), tuple(entries), counts)


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
    """(subject, working at, target) for each subject below target."""
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
    """The half-termly progress meeting: who needs more support, whose review is overdue, who is ready to exit."""

    header: SchoolHeader
    key: GradingKey
    below: tuple[BelowEntry, ...]
    overdue: tuple[DueEntry, ...]
    ready_to_exit: tuple[DueEntry, ...]


def progress_meeting(school: SchoolFacts) -> ProgressMeeting:
    """Below target: every pupil, mentee or not (P4: below target triggers intervention, so this is where referrals start)."""
    below, overdue, ready = [], [], []
    for p in sorted(school.pupils, key=lambda p: (p.record.year, p.sort_name)):
        rows = [r for r in p.subjects if r.standing == "below"]
        if rows:
            live = {i.subject for i in p.record.interventions if i.outcome == "ongoing"}
            below.append(BelowEntry(p.display_name, p.record.year, p.record.form, p.record.mentoring.status, p.mentor_name,
                                    tuple((r.subject, r.latest, r.target) for r in rows),
                                    None in live or any(r.subject_id in live for r in rows)))
        for action in p.actions:
            entry = DueEntry(p.display_name, p.record.year, p.record.form, p.mentor_name, action.due, action.text)
            if action.code == "review.overdue":
                overdue.append(entry)
            elif action.code == "exit.review":
                ready.append(entry)
    overdue.sort(key=lambda e: (e.when or dt.date.max, e.name))
    return ProgressMeeting(school_header(school), grading_key(school), tuple(below), tuple(overdue), tuple(ready))


# --- letters home --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Letter:
    """One letter to one pupil's family: the merged text and the names it is addressed about. Family-safe."""

    header: SchoolHeader
    slug: str
    title: str
    first_name: str
    last_name: str
    dated: dt.date
    html: Markup


LetterRule = Callable[[PupilFacts], "dt.date | None"]


def _start(p: PupilFacts) -> dt.date | None:
    m = p.record.mentoring
    return (m.started_on or m.referred_on) if m.status in ("referred", "active") else None


def _cannot_reach(p: PupilFacts) -> dt.date | None:
    """The latest contact with home went unanswered (P3: the lead mentor writes when home cannot be reached)."""
    if p.record.mentoring.status not in ("referred", "active") or not p.record.contacts:
        return None
    latest = max(p.record.contacts, key=lambda c: c.date)
    last_day = [c for c in p.record.contacts if c.date == latest.date]
    return latest.date if last_day[-1].outcome == "no answer" else None


def _end(p: PupilFacts) -> dt.date | None:
    m = p.record.mentoring
    return m.exited_on if m.status == "exited" else None


LETTER_RULES: dict[str, LetterRule] = {
    "start-of-mentoring": _start,
    "cannot-reach-you": _cannot_reach,
    "end-of-mentoring": _end,
}
"""Which pupils get which letter, by the letter file's slug, and the date the letter carries.

The date is the event's (mentoring began, the call went unanswered,
mentoring ended), not the build's, so a letter's text changes only when its
event does and an unchanged letter is never rendered twice.
"""


def letters_for(school: SchoolFacts, pupil: PupilFacts,
                templates: dict[str, letter_merge.LetterTemplate]) -> tuple[Letter, ...]:
    """The letters this pupil's family should get now, in slug order."""
    out = []
    r = pupil.record
    for slug, template in sorted(templates.items()):
        rule = LETTER_RULES.get(slug)
        dated = rule(pupil) if rule else None
        if dated is None:
            continue
        fields = letter_merge.LetterFields(
            pupil=letter_merge.LetterPupil(r.first_name, r.last_name),
            mentor=letter_merge.LetterMentor(pupil.mentor_name or _lead_mentor(school)),
            school=school.site.school, date=f"{dated.day} {dated:%B %Y}")
        out.append(Letter(school_header(school), slug, template.title, r.first_name, r.last_name, dated,
                          letter_merge.merge(template, fields)))
    return tuple(out)


def _lead_mentor(school: SchoolFacts) -> str:
    lead = next((s.name for s in school.site.staff if "lead_mentor" in s.roles), None)
    return lead or "The Mentoring Team"


# --- the governors' pack -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackPolicy:
    anchor: str
    policy: Policy
    html: Markup
    """The policy's text with its heading ids prefixed, so two policies' 'Purpose' sections stay distinct."""


@dataclass(frozen=True)
class GovernorsPack:
    """Every policy in one printable pack with a contents page. No pupil: it is cut from the governors' view."""

    header: SchoolHeader
    policies: tuple[PackPolicy, ...]


_ID = re.compile(r'(<h[1-6][^>]*\bid=")([^"]+)(")')


def governors_pack(site: GovernorsSite) -> GovernorsPack:
    items = []
    for p in site.policies:
        anchor = f"policy-{p.slug}"
        items.append(PackPolicy(anchor, p, Markup(_ID.sub(lambda m: f"{m.group(1)}{anchor}-{m.group(2)}{m.group(3)}", str(p.html)))))
    return GovernorsPack(site.header, tuple(items))


__all__ = ["ActionPlan", "Caseload", "GovernorsPack", "Letter", "MentoringFile", "ProgressMeeting", "Register",
           "TargetChart", "action_plan", "caseloads", "governors_pack", "has_action_plan", "letters_for",
           "mentoring_file", "progress_meeting", "register", "target_chart"]
