"""views.documents: what each printed document about one pupil may show — mentoring file, action plan, letters — and the governors' pack; no I/O.

The mentoring file carries staff data; the family documents (action plan,
letters) are cut from the family-safe fields only, like the profile; the
governors' pack holds policies and nothing else. Every family document is
one pupil's — never several pupils' documents in one file. The staff's
documents about many pupils (register, caseloads, progress meeting) are in
`views.sheets`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from generator.judge.derive import PupilFacts, SchoolFacts, SubjectRow
from generator.rules import groups
from generator.sources import letters as letter_merge
from generator.sources import markup
from generator.sources.schema import Pupil
from generator.views.common import GradingKey, SchoolHeader, TermHeader, grading_key, school_header, term_header
from generator.views.governors import GovernorsSite, Outcomes, Policy
from generator.views.groups import GroupPlanSheet, groups_of

# --- the family profile's chart --------------------------------------------------------------------------


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
    gaps = [r.scale.index(r.latest) - r.scale.index(r.target) for r in judged]
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
    """A pupil's printed mentoring file (P5's contents, as far as the record has data): staff only.

    The template prints a section only when the record holds data for it
    (criteria, basic skills, half-termly record, interventions), so a new
    referral's file is short and an established mentee's is complete. It has
    no chart: its grid already shows each step and the pace, and a chart
    costs about a sixth of a one-page document's render time; the family's
    profile, which has no such grid column, carries it.
    """

    header: SchoolHeader
    key: GradingKey
    id: str
    facts: PupilFacts
    terms: tuple[str, ...]
    referred_by: str | None
    notes_html: tuple[Markup, ...]
    contact_notes_html: tuple[Markup, ...]
    groups: tuple[GroupPlanSheet, ...] = ()
    """P1: the group mentoring plans the pupil is a member of (staff only)."""

    @property
    def record(self) -> Pupil:
        return self.facts.record

    @property
    def disadvantaged(self) -> str | None:
        """Why the pupil counts as disadvantaged (rules.groups, the analysis's definition too), or None."""
        return groups.disadvantage_reason(self.facts.record.context)


def mentoring_file(school: SchoolFacts, pupil: PupilFacts) -> MentoringFile:
    r = pupil.record
    return MentoringFile(
        header=school_header(school), key=grading_key(school), id=pupil.id, facts=pupil,
        terms=tuple(t.name for t in school.terms), referred_by=school.staff_name(r.mentoring.referred_by),
        notes_html=tuple(markup.to_html(m.notes, shift_headings=3) for m in r.meetings),
        contact_notes_html=tuple(markup.to_html(c.notes, shift_headings=3) for c in r.contacts),
        groups=groups_of(school, pupil.id),
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

    header: TermHeader
    key: GradingKey
    first_name: str
    last_name: str
    year: int
    form: str
    mentor: str | None
    targets: tuple[tuple[str, dt.date | None], ...]
    strategies: tuple[str, ...]
    review_on: dt.date | None
    """The next review (the register's date) while it is ahead; None once it has passed."""
    subjects: tuple[PlanSubject, ...]
    review_overdue: bool = False
    """The review date has passed with no review held: the plan says so rather than print a past date as a plan."""


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
        header=term_header(school), key=grading_key(school), first_name=r.first_name, last_name=r.last_name,
        year=r.year, form=r.form, mentor=pupil.mentor_name,
        targets=tuple((t.text, t.by) for t in plan.targets), strategies=tuple(plan.strategies),
        review_on=pupil.next_review if pupil.next_review and pupil.next_review >= school.as_of else None,
        subjects=tuple(PlanSubject(s.subject, s.target, s.latest, s.standing, s.colour) for s in pupil.subjects),
        review_overdue=pupil.next_review is not None and pupil.next_review < school.as_of,
    )


# --- letters home --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Letter:
    """One letter to one pupil's family: the merged text and the names it is addressed about. Family-safe."""

    header: TermHeader
    slug: str
    title: str
    first_name: str
    last_name: str
    dated: dt.date
    html: Markup


LetterRule = Callable[[PupilFacts], "dt.date | None"]


def _start(p: PupilFacts) -> dt.date | None:
    """Mentoring is starting and a mentor is named: the letter introduces them (until then there is no one to introduce)."""
    m = p.record.mentoring
    return (m.started_on or m.referred_on) if m.status in ("referred", "active") and p.mentor_name else None


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

Start: referred or active, once a mentor is named. Cannot reach you: the
latest contact with home went unanswered. End: mentoring has ended. A
letter file with any other slug is a template no rule sends yet.

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
            pupil=letter_merge.LetterPupil(r.first_name, r.last_name, *_family_reasons(r)),
            mentor=letter_merge.LetterMentor(pupil.mentor_name or _lead_mentor(school)),
            school=school.site.school, date=f"{dated.day} {dated:%B %Y}")
        out.append(Letter(term_header(school), slug, template.title, r.first_name, r.last_name, dated,
                          letter_merge.merge(template, fields)))
    return tuple(out)


def _family_reasons(r: Pupil) -> tuple[str, ...]:
    """`{{ pupil.reasons }}`: the family's wording joined into one phrase, or the default when none was written."""
    words = [w.rstrip(".") for w in r.reasons_for_family]
    if not words:
        return ()
    return (words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1],)


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
    outcomes: Outcomes
    """The programme's figures, the same audited object the outcomes page prints."""


_ID = re.compile(r'(<h[1-6][^>]*\bid=")([^"]+)(")')


def _prefixed(prefix: str, m: re.Match[str]) -> str:
    return f"{m.group(1)}{prefix}-{m.group(2)}{m.group(3)}"


def governors_pack(site: GovernorsSite) -> GovernorsPack:
    items = []
    for p in site.policies:
        anchor = f"policy-{p.slug}"
        html = _ID.sub(functools.partial(_prefixed, anchor), str(p.html))
        items.append(PackPolicy(anchor, p, Markup(html)))  # the policy's HTML was sanitised by markup; only ids changed
    return GovernorsPack(site.header, tuple(items), site.outcomes)


__all__ = ["ActionPlan", "GovernorsPack", "Letter", "MentoringFile", "TargetChart", "action_plan", "governors_pack",
           "has_action_plan", "letters_for", "mentoring_file", "target_chart"]
