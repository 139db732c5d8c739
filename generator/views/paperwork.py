"""views.paperwork: what each of the policies' own documents may show (P1–P5); no I/O.

Family documents (report card, review record, agreement, criteria sheet,
the pupil's own mentoring file, key dates) are cut from family-safe fields
only: no meeting or contact notes, no review staff notes, no weekly log, no
slips, no referral reasons, no context, no IEP or risk assessment. Staff
documents (survey form and comparison, mentoring slips) are for staff.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from generator.judge.derive import AttitudeRow, PupilFacts, SchoolFacts
from generator.rules import paperwork as rules
from generator.rules.criteria import SubStage
from generator.rules.skills import SkillsStatus
from generator.sources.paperwork import CardSession, KeyDate
from generator.views.common import GradingKey, TermHeader, grading_key, term_header
from generator.views.family import FamilySubject


@dataclass(frozen=True)
class Who:
    """The names on a pupil's family document: the pupil's own, and the mentor's."""

    first_name: str
    last_name: str
    year: int
    form: str
    mentor: str | None


def _who(pupil: PupilFacts) -> Who:
    r = pupil.record
    return Who(r.first_name, r.last_name, r.year, r.form,
               pupil.mentor_name if r.mentoring.status in ("active", "exited") else None)


# --- P3: the report card, one A4 a week -------------------------------------------------------------------

@dataclass(frozen=True)
class CardDayRow:
    date: dt.date
    checked_in: bool | None
    registration: str | None
    lessons: tuple[int | None, ...]
    mentor_action: str | None
    escalated: bool


@dataclass(frozen=True)
class ReportCardSheet:
    """The card the pupil carries for a week: targets, sessions, check-in, each lesson's mark. Not the log (staff)."""

    header: TermHeader
    who: Who
    week_of: dt.date
    check_in: str
    targets: tuple[str, ...]
    sessions: tuple[CardSession, ...]
    days: tuple[CardDayRow, ...]
    lessons_per_day: int


def report_cards(school: SchoolFacts, pupil: PupilFacts) -> tuple[ReportCardSheet, ...]:
    rule = school.site.scheme.paperwork.report_cards
    if rule is None:
        return ()
    out = []
    for card in pupil.record.report_cards:
        given = {d.date: d for d in card.days}
        days = []
        for offset in range(5):  # Monday to Friday, blank where not yet filled in: the card is carried and written on
            day = card.week_of + dt.timedelta(days=offset)
            d = given.get(day)
            marks = tuple(d.lessons) if d else ()
            days.append(CardDayRow(day, d.checked_in if d else None, d.registration if d else None,
                                   marks + (None,) * (rule.lessons_per_day - len(marks)),
                                   d.mentor_action if d else None, d.escalated if d else False))
        out.append(ReportCardSheet(term_header(school), _who(pupil), card.week_of,
                                   rule.early_check_in if card.early_check_in else rule.check_in,
                                   tuple(card.targets), tuple(card.sessions), tuple(days), rule.lessons_per_day))
    return tuple(out)


# --- P2, P3, P4: the review record that goes home --------------------------------------------------------------

@dataclass(frozen=True)
class ReviewHome:
    """A review as it goes home: summary, what went well, next steps, next review. Never the staff notes."""

    header: TermHeader
    who: Who
    date: dt.date
    summary: str
    went_well: tuple[str, ...]
    next_steps: tuple[str, ...]
    next_review: dt.date | None


def reviews_home(school: SchoolFacts, pupil: PupilFacts) -> tuple[ReviewHome, ...]:
    if not school.site.scheme.paperwork.reviews_home:
        return ()
    return tuple(ReviewHome(term_header(school), _who(pupil), r.date, r.summary, tuple(r.went_well), tuple(r.next_steps),
                            r.next_review) for r in pupil.record.reviews)


# --- P4: the Agreement for Examination Success ------------------------------------------------------------------

@dataclass(frozen=True)
class AgreementSheet:
    header: TermHeader
    who: Who
    title: str
    school_will: tuple[str, ...]
    family_will: tuple[str, ...]
    pupil_will: tuple[str, ...]
    sent_on: dt.date | None
    signed_by_pupil: dt.date | None
    signed_by_parent: dt.date | None
    returned_on: dt.date | None


def agreement(school: SchoolFacts, pupil: PupilFacts) -> AgreementSheet | None:
    rule = school.site.scheme.paperwork.agreement
    r = pupil.record
    if rule is None or r.year not in rule.years:
        return None
    a = r.agreement
    return AgreementSheet(term_header(school), _who(pupil), rule.title, tuple(rule.school_will), tuple(rule.family_will),
                          tuple(rule.pupil_will), a.sent_on if a else None, a.signed_by_pupil if a else None,
                          a.signed_by_parent if a else None, a.returned_on if a else None)


# --- P5: the criteria sheet and self-assessment ----------------------------------------------------------------

@dataclass(frozen=True)
class CriterionRow:
    code: str
    wording: str
    """The words a pupil reads; the code itself when the school has not worded it."""
    evidence: str | None
    own: str | None
    compared: str | None
    """'higher', 'lower' or 'same': the pupil's own mark against the evidence."""


@dataclass(frozen=True)
class CriteriaSubject:
    subject: str
    sub_stage: SubStage
    rows: tuple[CriterionRow, ...]
    next_targets: tuple[str, ...]
    """Next half term's targets in words (the criteria at 'line')."""
    assessed_on: dt.date | None


@dataclass(frozen=True)
class CriteriaSheet:
    header: TermHeader
    who: Who
    subjects: tuple[CriteriaSubject, ...]
    self_assessment: bool


def criteria_sheet(school: SchoolFacts, pupil: PupilFacts) -> CriteriaSheet | None:
    """P5: every criterion in words, the evidence mark and the pupil's own, compared; next targets in words, not codes."""
    scheme = school.site.scheme
    paper = scheme.paperwork
    if scheme.criteria is None or not pupil.criteria or not (paper.criteria_wording or paper.self_assessment):
        return None
    names = {s.id: s.name for s in school.site.subjects}
    words = paper.criteria_wording
    subjects = []
    for row, (sid, record) in zip(pupil.criteria, sorted(pupil.record.criteria.items())):
        own = pupil.record.self_assessment.get(sid) if paper.self_assessment else None
        own_marks = own.record if own else {}
        codes = sorted(set(record.record) | set(own_marks) | {c for c in words if c.startswith(_prefix(record.record))})
        rows = tuple(CriterionRow(c, words.get(c, c), record.record.get(c), own_marks.get(c),
                                  rules.self_assessment_differs(record.record.get(c), own_marks.get(c))) for c in codes)
        subjects.append(CriteriaSubject(names.get(sid, sid), row.sub_stage, rows,
                                        tuple(words.get(c, c) for c in row.next_targets), own.on if own else None))
    return CriteriaSheet(term_header(school), _who(pupil), tuple(subjects), paper.self_assessment)


def _prefix(record: Mapping[str, str]) -> str:
    """The shared code prefix of a subject's criteria ('M2.'), so worded criteria not yet marked still appear; '\\0' when none."""
    codes = list(record)
    if not codes:
        return "\0"
    first = codes[0]
    return first.rsplit(".", 1)[0] + "." if "." in first else "\0"


# --- P5: the pupil's own mentoring file -------------------------------------------------------------------------

@dataclass(frozen=True)
class BigWriteRow:
    date: dt.date
    title: str
    marks: tuple[tuple[str, str], ...]
    next_target: str | None


@dataclass(frozen=True)
class PupilFile:
    """The pupil's own copy of the mentoring file: tracking, targets, criteria in words, writing, awards. No staff notes, no restricted data."""

    header: TermHeader
    key: GradingKey
    who: Who
    terms: tuple[str, ...]
    subjects: tuple[FamilySubject, ...]
    attitude: tuple[AttitudeRow, ...]
    criteria: CriteriaSheet | None
    skills: SkillsStatus | None
    skills_tests_at_level: int
    skills_tests_per_level: int
    plan_targets: tuple[str, ...]
    attitude_targets: tuple[str, ...]
    big_writes: tuple[BigWriteRow, ...]
    awards: tuple[tuple[dt.date, str], ...]
    achievements: tuple[tuple[dt.date, str], ...]
    spelling: tuple[tuple[dt.date, int, int], ...]
    grammar: tuple[tuple[dt.date, str], ...]


def pupil_file(school: SchoolFacts, pupil: PupilFacts) -> PupilFile | None:
    if not school.site.scheme.paperwork.pupil_file or pupil.record.mentoring.status == "none":
        return None  # P5: the mentoring file is a mentee's; every other pupil has the half-term profile
    r = pupil.record
    records = r.file_records
    level = pupil.skills.level if pupil.skills else None
    return PupilFile(
        header=term_header(school), key=grading_key(school), who=_who(pupil), terms=tuple(t.name for t in school.terms),
        subjects=tuple(FamilySubject(s.subject, s.target, s.grades, s.latest, s.standing, s.colour) for s in pupil.subjects),
        attitude=pupil.attitude, criteria=criteria_sheet(school, pupil), skills=pupil.skills,
        skills_tests_at_level=sum(1 for t in r.basic_skills if t.level == level),
        skills_tests_per_level=school.site.scheme.paperwork.skills_tests_per_level,
        plan_targets=tuple(t.text for t in r.plan.targets) if r.plan else (),
        attitude_targets=tuple(records.attitude_targets) if records else (),
        big_writes=tuple(BigWriteRow(w.date, w.title, tuple(w.marks.items()), w.next_target) for w in r.big_writes),
        awards=tuple((a.date, a.what) for a in records.awards) if records else (),
        achievements=tuple((a.date, a.what) for a in records.achievements) if records else (),
        spelling=tuple((s.date, s.score, s.out_of) for s in records.spelling) if records else (),
        grammar=tuple((g.date, g.what) for g in records.grammar) if records else (),
    )


# --- P1: the key dates calendar --------------------------------------------------------------------------------

@dataclass(frozen=True)
class KeyDates:
    header: TermHeader
    who: Who
    months: tuple[tuple[str, tuple[KeyDate, ...]], ...]


def key_dates(school: SchoolFacts, pupil: PupilFacts) -> KeyDates | None:
    """P1: assessment points, exam dates and coursework deadlines for this pupil's year, by month."""
    dates = sorted((d for d in school.site.scheme.paperwork.key_dates if not d.years or pupil.record.year in d.years),
                   key=lambda d: (d.date, d.what))
    if not dates:
        return None
    months: dict[str, list[KeyDate]] = {}
    for d in dates:
        months.setdefault(f"{d.date:%B %Y}", []).append(d)
    return KeyDates(term_header(school), _who(pupil), tuple((m, tuple(v)) for m, v in months.items()))


# --- P2: the attitude survey (staff) ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SurveyStatement:
    text: str
    before: float | None
    after: float | None


@dataclass(frozen=True)
class SurveyView:
    """The teachers' form and the before/after comparison, with the pupil's own reflections. Staff."""

    header: TermHeader
    who: Who
    scale_max: int
    statements: tuple[SurveyStatement, ...]
    before_sent: dt.date | None
    after_sent: dt.date | None
    raters: tuple[tuple[str, str, dt.date | None, tuple[int, ...]], ...]
    """(round, by, returned on, scores)."""
    reflection_before: str
    reflection_after: str


def survey(school: SchoolFacts, pupil: PupilFacts) -> SurveyView | None:
    rule = school.site.scheme.paperwork.surveys
    r = pupil.record
    if rule is None or r.mentoring.status == "none":
        return None
    s = r.surveys
    before = s.before if s else None
    after = s.after if s else None
    means = rules.survey_change([x.scores for x in before.ratings if x.scores] if before else [],
                                [x.scores for x in after.ratings if x.scores] if after else [])
    means += [(None, None)] * (len(rule.statements) - len(means))
    raters = tuple((name, x.by, x.returned_on, tuple(x.scores)) for name, rnd in (("before", before), ("after", after)) if rnd
                   for x in rnd.ratings)
    return SurveyView(term_header(school), _who(pupil), rule.scale_max,
                      tuple(SurveyStatement(t, b, a) for t, (b, a) in zip(rule.statements, means)),
                      before.sent_on if before else None, after.sent_on if after else None, raters,
                      before.reflection if before else "", after.reflection if after else "")


# --- P4: mentoring slips (staff) -------------------------------------------------------------------------------

@dataclass(frozen=True)
class SlipRow:
    date: dt.date
    sent_by: str
    subject: str | None
    kind: str
    text: str
    target: str | None
    seen_on: dt.date | None


@dataclass(frozen=True)
class Slips:
    header: TermHeader
    who: Who
    slips: tuple[SlipRow, ...]


def slips(school: SchoolFacts, pupil: PupilFacts) -> Slips | None:
    if school.site.scheme.paperwork.slips is None or not pupil.record.slips:
        return None
    names = {s.id: s.name for s in school.site.subjects}
    rows = tuple(SlipRow(s.date, s.sent_by, names.get(s.subject or "", s.subject), s.kind, s.text, s.target, s.seen_on)
                 for s in sorted(pupil.record.slips, key=lambda s: s.date))
    return Slips(term_header(school), _who(pupil), rows)


__all__ = ["AgreementSheet", "CriteriaSheet", "KeyDates", "PupilFile", "ReportCardSheet", "ReviewHome", "Slips", "SurveyView",
           "agreement", "criteria_sheet", "key_dates", "pupil_file", "report_cards", "reviews_home", "slips", "survey"]
