"""views.staff: the intranet's pages and staff documents; staff may see the whole record, notes rendered safely.

No I/O. Each page gets one view: the dashboard, register and pupil index
share `StaffSite`; a pupil's page gets `StaffPupil`; caseloads, year
overviews, the progress meeting and the analysis each get their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from markupsafe import Markup

from generator.judge.analysis import (
    Analysis,
    Audit,
    YearOverview,
    cohort_analysis,
    year_overview,
)
from generator.judge.derive import PupilFacts, SchoolFacts, SubjectRow
from generator.judge.evaluation import Evaluation, programme_evaluation
from generator.judge.meeting import progress_lists
from generator.rules import groups
from generator.rules.disclosure import protect
from generator.sources import markup
from generator.sources.schema import Pupil
from generator.views.charts import Chart, progress_chart
from generator.views.common import GradingKey, SchoolHeader, grading_key, school_header, year_groups
from generator.views.history import LoweredTarget, Trail


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
    charts: tuple[Chart, ...] = ()
    """One progress chart per subject with a recorded grade."""
    timeline: tuple[int, ...] = ()
    """Indexes into record.meetings, newest first, for the meetings timeline."""
    subject_names: dict[str, str] = field(default_factory=dict)
    """Subject id → name, for interventions recorded against a subject."""
    history: Trail | None = None
    """Who changed this record, when, why and what, from git; None when the build was not given it."""

    @property
    def record(self) -> Pupil:
        return self.facts.record

    @property
    def disadvantaged(self) -> str | None:
        """Why the pupil counts as disadvantaged (rules.groups, the analysis's definition too), or None."""
        return groups.disadvantage_reason(self.facts.record.context)


def staff_pupil(school: SchoolFacts, pupil: PupilFacts, history: Trail | None = None) -> StaffPupil:
    record = pupil.record
    terms = tuple(t.name for t in school.terms)
    year_terms = tuple(t.name for t in school.site.half_terms)
    charts = tuple(c for row in pupil.subjects if (c := progress_chart(row, terms, year_terms)) is not None)
    return StaffPupil(
        header=school_header(school), key=grading_key(school), facts=pupil, terms=terms,
        notes_html=tuple(markup.to_html(m.notes, shift_headings=3) for m in record.meetings),
        contact_notes_html=tuple(markup.to_html(c.notes, shift_headings=3) for c in record.contacts),
        referred_by=school.staff_name(record.mentoring.referred_by),
        charts=charts,
        timeline=tuple(sorted(range(len(record.meetings)), key=lambda i: (record.meetings[i].date, i), reverse=True)),
        subject_names={s.id: s.name for s in school.site.subjects},
        history=history,
    )


@dataclass(frozen=True)
class RegisterRow:
    id: str
    name: str
    sort_name: str
    year: int
    form: str
    mentor_id: str | None
    mentor: str | None
    referred_on: dt.date | None
    referred_by: str | None
    reasons: tuple[str, ...]
    status: str
    next_review: dt.date | None
    last_meeting: dt.date | None
    below: int
    due: int
    """How many actions the dashboard lists for this pupil."""


@dataclass(frozen=True)
class ActionRow:
    pupil_id: str
    pupil: str
    mentor_id: str | None
    mentor: str | None
    code: str
    text: str
    due: dt.date | None


@dataclass(frozen=True)
class ActionGroup:
    """One heading of the dashboard: actions from related rules."""

    slug: str
    title: str
    hint: str
    rows: tuple[ActionRow, ...]


ACTION_GROUPS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("overdue", "Overdue", "Reviews, formal meetings and weekly logs past their date.", ("review.overdue", "meeting.overdue", "log.overdue")),
    ("this-week", "Due in the next seven days", "Reviews falling due this week.", ("review.due",)),
    ("referrals", "New referrals", "Referred pupils waiting for a mentor and a letter home.", ("referral.new",)),
    ("plans", "No action plan", "Every active mentee has an individual action plan with SMART targets.", ("plan.missing",)),
    ("mentors", "No staff mentor", "Every pupil in these years has a staff mentor.", ("mentor.missing",)),
    ("term", "Not yet seen this term", "Every pupil is mentored at least once each term.", ("review.term",)),
    ("late-logs", "Weekly logs written late", "Logs are due by the deadline the scheme sets for the week before.", ("log.late",)),
    ("no-intervention", "Below target with no intervention", "Each subject below target needs an intervention.", ("below.no_intervention",)),
    ("behind", "Behind the expected pace", "Less progress this year than the scheme expects by now.", ("progress.behind",)),
    ("attendance", "Persistent absence", "Missing {persistent}% or more of sessions in the latest half term.", ("attendance.persistent",)),
    ("raise", "Targets to raise", "Above target: the target is raised.", ("target.raise",)),
    ("skills", "Ready to move up in basic skills", "Enough green weeks in a row at the current level.", ("skills.move_up",)),
    ("exit", "Ready for an exit review", "Every target assessed this round and met: review whether mentoring can end.", ("exit.ready",)),
    ("paperwork", "Paperwork due", "Slips, agreements, missed sessions, surveys, Big Writes, targets to agree and closing calls (the policies' own records).",
     ("slip.waiting", "agreement.unsigned", "session.missed", "session.escalate", "survey.missing", "bigwrite.missing",
      "target.unagreed", "exit.call")),
)
"""Dashboard headings in the order a mentor works through them; an action with another code goes under 'Other'."""


@dataclass(frozen=True)
class StaffSite:
    """The intranet's shared pages: dashboard, register and pupil index."""

    header: SchoolHeader
    register: tuple[RegisterRow, ...]
    """Everyone referred, mentored now or before."""
    actions: tuple[ActionRow, ...]
    action_groups: tuple[ActionGroup, ...]
    pupils: tuple[RegisterRow, ...]
    """Everyone with a record, mentee or not, for the pupil index."""
    mentors: tuple[tuple[str, str], ...]
    """(staff id, name) of everyone with a mentee on the register, by name."""
    years: tuple[int, ...]
    subject_rows: tuple[tuple[str, int, int, int], ...]
    """(subject, above, on, below) across current mentees."""
    lowered: tuple[LoweredTarget, ...] = ()
    """Commits in git history that lowered a target without an allowed approver (P5: only SLT)."""


def staff_site(school: SchoolFacts, lowered: tuple[LoweredTarget, ...] = ()) -> StaffSite:
    actions = _action_rows(school)
    due: dict[str, int] = {}
    for a in actions:
        due[a.pupil_id] = due.get(a.pupil_id, 0) + 1
    rows = tuple(_register_row(school, p, due.get(p.id, 0)) for p in school.pupils)
    mentees = tuple(r for r in rows if r.status != "none")
    active = [p for p in school.pupils if p.record.mentoring.status in ("referred", "active")]
    by_subject: list[tuple[str, int, int, int]] = []
    for subject in school.site.subjects:
        standings = [r.standing for p in active for r in p.subjects if r.subject_id == subject.id and r.standing]
        by_subject.append((subject.name, standings.count("above"), standings.count("on"), standings.count("below")))
    mentors = tuple(sorted({(r.mentor_id, r.mentor) for r in mentees if r.mentor_id and r.mentor}, key=lambda m: (m[1], m[0])))
    return StaffSite(school_header(school), mentees, actions, _groups(actions, school), rows, mentors,
                     year_groups(school), tuple(by_subject), lowered)


def _action_rows(school: SchoolFacts) -> tuple[ActionRow, ...]:
    """The school's one list of actions (SchoolFacts.actions, which `mentorsite actions` prints), with names for the page."""
    pupils = {p.id: p for p in school.pupils}
    return tuple(ActionRow(a.pupil_id, pupils[a.pupil_id].display_name, pupils[a.pupil_id].record.mentor,
                           pupils[a.pupil_id].mentor_name, a.code, a.text, a.due) for a in school.actions)


def _groups(actions: tuple[ActionRow, ...], school: SchoolFacts) -> tuple[ActionGroup, ...]:
    known = {code for *_, codes in ACTION_GROUPS for code in codes}
    persistent = f"{school.site.scheme.attendance.persistent_missed_percent:g}"
    groups = [ActionGroup(slug, title, hint.replace("{persistent}", persistent), tuple(a for a in actions if a.code in codes))
              for slug, title, hint, codes in ACTION_GROUPS]
    other = tuple(a for a in actions if a.code not in known)
    if other:
        groups.append(ActionGroup("other", "Other", "Everything else the rules flagged.", other))
    return tuple(groups)


def _register_row(school: SchoolFacts, pupil: PupilFacts, due: int) -> RegisterRow:
    m = pupil.record.mentoring
    return RegisterRow(
        id=pupil.id, name=pupil.display_name, sort_name=f"{pupil.record.last_name}, {pupil.record.first_name}",
        year=pupil.record.year, form=pupil.record.form, mentor_id=pupil.record.mentor, mentor=pupil.mentor_name,
        referred_on=m.referred_on, referred_by=school.staff_name(m.referred_by), reasons=tuple(m.reasons), status=m.status,
        next_review=pupil.next_review, last_meeting=pupil.last_meeting, below=pupil.count("below"), due=due,
    )


# --- caseloads --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caseload:
    """One mentor's mentees and what is due for them."""

    header: SchoolHeader
    staff_id: str
    name: str
    mentees: tuple[RegisterRow, ...]
    actions: tuple[ActionRow, ...]

    @property
    def current(self) -> int:
        return sum(1 for r in self.mentees if r.status in ("referred", "active"))


@dataclass(frozen=True)
class Caseloads:
    header: SchoolHeader
    caseloads: tuple[Caseload, ...]
    unallocated: tuple[RegisterRow, ...]
    """Referred or active pupils with no mentor yet."""


def caseloads(school: SchoolFacts, site: StaffSite) -> Caseloads:
    """A caseload for everyone who mentors (by role, or with a referred or active mentee), by name; the same people
    as the printed caseloads (views.documents), which each page links to."""
    header = school_header(school)
    current = {r.mentor_id for r in site.register if r.mentor_id and r.status in ("referred", "active")}
    ids = {s.id for s in school.site.staff if {"mentor", "lead_mentor"} & set(s.roles)} | current
    people = sorted(((sid, school.staff_name(sid) or sid) for sid in ids if sid), key=lambda m: (m[1], m[0]))
    loads = tuple(Caseload(header, sid, name, tuple(r for r in site.register if r.mentor_id == sid),
                           tuple(a for a in site.actions if a.mentor_id == sid)) for sid, name in people)
    unallocated = tuple(r for r in site.register if not r.mentor_id and r.status in ("referred", "active"))
    return Caseloads(header, loads, unallocated)


# --- the progress meeting ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingSubject:
    subject: str
    latest: str | None
    target: str | None
    standing: str | None
    colour: str | None
    pace: str | None


@dataclass(frozen=True)
class MeetingRow:
    id: str
    name: str
    year: int
    form: str
    mentor: str | None
    status: str
    subjects: tuple[MeetingSubject, ...]
    """Only the subjects that put the pupil in this list."""


@dataclass(frozen=True)
class ProgressMeeting:
    """P5's progress meeting after a half term's round: who excelled, who needs support, who is ready to exit."""

    header: SchoolHeader
    key: GradingKey
    term: str
    excelled: tuple[MeetingRow, ...]
    support: tuple[MeetingRow, ...]
    exit: tuple[MeetingRow, ...]
    overdue: tuple[ActionRow, ...]
    round: str | None = None
    """The half term whose grades were judged; differs from `term` until the current round's grades are in."""
    lacking: int = 0
    """Pupils with no grade yet for the current half term."""
    years: tuple[int, ...] = ()
    """The year groups, each with its printed sheet (views.common.year_groups)."""


def progress_meeting(school: SchoolFacts, site: StaffSite) -> ProgressMeeting:
    """The lists come from judge.meeting.progress_lists, the same as the printed sheet's."""
    lists = progress_lists(school)
    overdue = tuple(a for a in site.actions if a.code == "review.overdue")
    return ProgressMeeting(school_header(school), grading_key(school), school.current.name,
                           tuple(_meeting_row(x.pupil, x.subjects) for x in lists.excelled),
                           tuple(_meeting_row(x.pupil, x.subjects) for x in lists.support),
                           tuple(_meeting_row(x.pupil, x.subjects) for x in lists.exit), overdue,
                           lists.round.name if lists.round else None, lists.lacking, site.years)


def _meeting_row(p: PupilFacts, rows: tuple[SubjectRow, ...]) -> MeetingRow:
    return MeetingRow(p.id, p.display_name, p.record.year, p.record.form, p.mentor_name, p.record.mentoring.status,
                      tuple(MeetingSubject(r.subject, r.latest, r.target, r.standing, r.colour, r.pace) for r in rows))


# --- year overviews and the cohort analysis ---------------------------------------------------------------------


@dataclass(frozen=True)
class YearPage:
    header: SchoolHeader
    key: GradingKey
    overview: YearOverview
    years: tuple[int, ...]


@dataclass(frozen=True)
class AnalysisPage:
    header: SchoolHeader
    analysis: Analysis
    evaluation: Evaluation | None = None
    """P2's annual programme evaluation from the surveys (aggregate only); None when the school runs no surveys."""


def year_pages(school: SchoolFacts) -> tuple[YearPage, ...]:
    years = year_groups(school)
    header, key = school_header(school), grading_key(school)
    return tuple(YearPage(header, key, year_overview(school, y), years) for y in years)


def analysis_page(school: SchoolFacts, audit: Audit = protect) -> AnalysisPage:
    """The cohort analysis page; `audit` is `rules.disclosure.protect` or the build's memo of it (judge.audits)."""
    return AnalysisPage(school_header(school), cohort_analysis(school, audit), programme_evaluation(school))
