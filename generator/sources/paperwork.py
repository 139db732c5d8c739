"""sources.paperwork: the input shapes of the policies' own paperwork (P1–P5) — report cards, surveys, slips, agreements, sessions, review records,
criteria wording, Big Writes, the P5 file's records, key dates.

It holds shapes only (pydantic, the input boundary). Which features a school
runs is `scheme.paperwork` in site.yaml; `FEATURE_OF_FIELD` says which
switch each pupil field needs, and validate_paperwork (in this module, so
validate.py stays untouched) reports a field whose feature is off as an
unknown field, located, with a hint naming the switch.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

# The same primitives as schema.py, repeated here because schema.py imports this module (no cycle).


def _plain_text(value: Any) -> Any:
    if isinstance(value, (int, float, dt.date)) and not isinstance(value, bool):
        return str(value)
    return value


def _criterion_mark(value: Any) -> Any:
    """P5's marks: `.` partly, `/` mostly, `X` fully achieved; words accepted too."""
    if isinstance(value, str):
        return {"dot": ".", "line": "/", "cross": "X", "x": "X"}.get(value.strip().lower(), value.strip())
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, populate_by_name=False)


Text = Annotated[str, BeforeValidator(_plain_text), Field(max_length=20_000)]
ShortText = Annotated[str, BeforeValidator(_plain_text), Field(min_length=1, max_length=300)]
Colour = Literal["green", "yellow", "red"]
Grade = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v),
                  Field(min_length=1, max_length=40)]
Mark = Annotated[Literal[".", "/", "X"], BeforeValidator(_criterion_mark)]
Time = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


# --- site.yaml: scheme.paperwork -----------------------------------------------------------------

class ReportCardScheme(Strict):
    """P3: the daily report card; check-in times and when missed sessions go to the lead mentor."""

    check_in: Time = "08:45"
    early_check_in: Time = "08:30"
    """For pupils whose punctuality is a concern."""
    lessons_per_day: int = Field(default=5, ge=1, le=10)
    follow_up_within_days: int = Field(default=1, ge=0, le=60)
    escalate_after_missed: int = Field(default=3, ge=1, le=50)
    """Missed sessions in a row after which the lead mentor takes over."""


class SurveyScheme(Strict):
    """P2: teachers rate attitude to learning before and after mentoring; the pupil writes a reflection."""

    statements: list[ShortText] = Field(min_length=1, max_length=30)
    scale_max: int = Field(default=5, ge=2, le=10)
    return_within_days: int = Field(default=14, ge=1, le=120)


class SlipScheme(Strict):
    """P4: any teacher may send a mentoring slip; the mentor sees it within a few days."""

    respond_within_days: int = Field(default=5, ge=0, le=60)


class AgreementScheme(Strict):
    """P4: the home–school Agreement for Examination Success, signed and returned."""

    title: ShortText = "Agreement for Examination Success"
    years: list[Annotated[int, Field(ge=7, le=13)]] = Field(default_factory=lambda: [10, 11])
    return_within_days: int = Field(default=14, ge=1, le=120)
    school_will: list[ShortText] = Field(default_factory=list)
    family_will: list[ShortText] = Field(default_factory=list)
    pupil_will: list[ShortText] = Field(default_factory=list)


class SessionScheme(Strict):
    """P3, P4: registered sessions (mentoring, Year 11 lunchtime and after-school); absences followed up."""

    follow_up_within_days: int = Field(default=2, ge=0, le=60)


class BigWriteScheme(Strict):
    """P5: monthly extended writing, each target marked red, yellow or green."""

    every_days: int = Field(default=31, ge=7, le=120)
    applies_to: Literal["mentees", "all"] = "mentees"


class KeyDate(Strict):
    date: dt.date
    what: ShortText
    kind: Literal["assessment", "exam", "coursework", "event"] = "event"
    years: list[Annotated[int, Field(ge=7, le=13)]] = Field(default_factory=list)
    """Year groups it concerns; empty means every year."""


class GroupSession(Strict):
    """P1: one meeting of a mentoring group. Staff only."""

    date: dt.date
    what: ShortText
    absent: list[str] = Field(default_factory=list, max_length=60)
    """Members (pupil ids) who missed it."""


class GroupPlan(Strict):
    """P1: a group mentoring plan, a record of its own shared by its members. Staff only: never in families/ or governors/."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$", description="a short id such as 'writing'; the PDF is staff/groups/<id>.pdf")
    name: ShortText
    mentor: str
    """A staff id from site.yaml."""
    members: list[str] = Field(min_length=1, max_length=60)
    """Pupil ids (the names of files in pupils/)."""
    targets: list[ShortText] = Field(default_factory=list, max_length=20)
    strategies: list[ShortText] = Field(default_factory=list, max_length=20)
    sessions: list[GroupSession] = Field(default_factory=list, max_length=200)


class PaperworkScheme(Strict):
    """Which of the policies' paperwork a school runs; every block is off until written here."""

    report_cards: ReportCardScheme | None = None
    surveys: SurveyScheme | None = None
    slips: SlipScheme | None = None
    agreement: AgreementScheme | None = None
    sessions: SessionScheme | None = None
    big_write: BigWriteScheme | None = None
    reviews_home: bool = False
    """P2, P3, P4: a record of each review goes home."""
    predicted_grades: bool = False
    """P4: the teacher's predicted grade beside target and current."""
    target_setting: bool = False
    """P1: targets drafted, confirmed by subject leaders, agreed with the pupil."""
    criteria_wording: dict[str, ShortText] = Field(default_factory=dict)
    """P5: criterion code → the words a pupil reads ('I can order fractions …')."""
    self_assessment: bool = False
    """P5: the pupil's own marks against the criteria, compared with the evidence."""
    pupil_file: bool = False
    """P5: the pupil's own copy of the mentoring file (no staff notes)."""
    file_records: bool = False
    """P5: awards, record of achievement, spelling/grammar records, attitude targets, IEP and risk assessment dates."""
    exit_plans: bool = False
    """P2, P3: exit criteria agreed, route out, gradual withdrawal and the closing call."""
    skills_tests_per_level: int = Field(default=15, ge=1, le=100)
    """P5: how many basic skills tests each level (and bridging level) has; the pupil's file shows 'test N of 15'."""
    key_dates: list[KeyDate] = Field(default_factory=list)
    """P1: assessment points, exams and coursework deadlines, for families."""
    group_plans: list[GroupPlan] = Field(default_factory=list, max_length=100)
    """P1: group mentoring plans (staff only); none until written here."""


# --- pupils/<id>.yaml ----------------------------------------------------------------------------

class CardSession(Strict):
    day: Literal["monday", "tuesday", "wednesday", "thursday", "friday"]
    time: Time
    venue: ShortText


class CardDay(Strict):
    date: dt.date
    checked_in: bool | None = None
    registration: Literal["present", "late", "absent"] | None = None
    lessons: list[Annotated[int, Field(ge=1, le=4)]] = Field(default_factory=list, max_length=10)
    """Each lesson's mark, 1 (excellent) to 4 (unacceptable)."""
    mentor_action: ShortText | None = None
    escalated: bool = False
    """Passed to the lead mentor at the end of the day."""


class ReportCard(Strict):
    """P3: one week on report — the card the pupil carries."""

    week_of: dt.date
    early_check_in: bool = False
    targets: list[ShortText] = Field(default_factory=list, max_length=8)
    sessions: list[CardSession] = Field(default_factory=list, max_length=10)
    days: list[CardDay] = Field(default_factory=list, max_length=7)
    log: Text = ""
    """The week's electronic log (staff only): how it went, targets met, next week's."""


class Session(Strict):
    """P3 mentoring sessions, P4 Year 11 lunchtime and after-school sessions: registered, absences followed up."""

    date: dt.date
    kind: Literal["mentoring", "lunchtime", "after-school"] = "mentoring"
    what: ShortText | None = None
    attended: bool
    followed_up: dt.date | None = None
    follow_up_notes: Text = ""
    """Staff only."""
    escalated: bool = False


class Rating(Strict):
    by: ShortText
    """The teacher or subject rating."""
    returned_on: dt.date | None = None
    scores: list[Annotated[int, Field(ge=1, le=10)]] = Field(default_factory=list, max_length=30)


class SurveyRound(Strict):
    sent_on: dt.date
    ratings: list[Rating] = Field(default_factory=list, max_length=30)
    reflection: Text = ""
    """The pupil's own reflection (the pupil and family may see it)."""


class Surveys(Strict):
    before: SurveyRound | None = None
    after: SurveyRound | None = None


class Slip(Strict):
    """P4: a mentoring slip any teacher sends a mentor: praise or concern, with a target. Staff only."""

    date: dt.date
    sent_by: ShortText = Field(alias="from")
    subject: str | None = None
    kind: Literal["praise", "concern"]
    text: ShortText
    target: ShortText | None = None
    seen_on: dt.date | None = None


class Agreement(Strict):
    sent_on: dt.date
    signed_by_pupil: dt.date | None = None
    signed_by_parent: dt.date | None = None
    returned_on: dt.date | None = None


class ReviewRecord(Strict):
    """P2, P3, P4: what a review found and agreed; `summary`, `went_well`, `next_steps` go home, `staff_notes` never do."""

    date: dt.date
    summary: ShortText
    went_well: list[ShortText] = Field(default_factory=list)
    next_steps: list[ShortText] = Field(default_factory=list)
    next_review: dt.date | None = None
    staff_notes: Text = ""


class SelfAssessment(Strict):
    """P5: the pupil's own marks, compared with the evidence (the criteria record)."""

    on: dt.date
    record: dict[str, Mark] = Field(default_factory=dict)


class BigWrite(Strict):
    date: dt.date
    title: ShortText
    marks: dict[ShortText, Colour] = Field(default_factory=dict)
    """Each writing target → red, yellow or green."""
    next_target: ShortText | None = None


class Dated(Strict):
    date: dt.date
    what: ShortText


class Scored(Strict):
    date: dt.date
    score: int = Field(ge=0, le=1000)
    out_of: int = Field(ge=1, le=1000)


class FileRecords(Strict):
    """P5's mentoring file contents beyond tracking. `iep_on` and `risk_assessment_on` are restricted: staff file only."""

    awards: list[Dated] = Field(default_factory=list)
    achievements: list[Dated] = Field(default_factory=list)
    attitude_targets: list[ShortText] = Field(default_factory=list)
    spelling: list[Scored] = Field(default_factory=list)
    grammar: list[Dated] = Field(default_factory=list)
    iep_on: dt.date | None = None
    risk_assessment_on: dt.date | None = None


class SubjectTargetSetting(Strict):
    """P1: drafted from data, confirmed by the subject leader, agreed with the pupil after the first assessment point."""

    drafted_on: dt.date | None = None
    confirmed_by: str | None = None
    confirmed_on: dt.date | None = None
    agreed_on: dt.date | None = None


class ExitPlan(Strict):
    """P2: exit criteria agreed at the start, and the route out; P3: withdrawal step by step, ending with a call home."""

    criteria: list[ShortText] = Field(default_factory=list)
    agreed_with: list[Literal["pupil", "parents", "hoy", "coordinator", "mentor"]] = Field(default_factory=list)
    route: Literal["reduced monitoring", "refer on", "targets met"] | None = None
    referred_to: ShortText | None = None
    """Staff only: where a pupil was referred on."""
    check_ins: list[Annotated[int, Field(ge=0, le=10)]] = Field(default_factory=list)
    """P3: check-ins a week, week by week, as the card is withdrawn."""
    closing_call: dt.date | None = None


class Agency(Strict):
    name: ShortText
    contact: ShortText | None = None
    since: dt.date | None = None


FEATURE_OF_FIELD: dict[str, tuple[str, str]] = {
    "report_cards": ("report_cards", "P3 report cards"),
    "sessions": ("sessions", "registered sessions"),
    "surveys": ("surveys", "P2 attitude surveys"),
    "agencies": ("surveys", "P2 attitude surveys and agency liaison"),
    "slips": ("slips", "P4 mentoring slips"),
    "agreement": ("agreement", "the P4 home–school agreement"),
    "reviews": ("reviews_home", "review records sent home"),
    "predicted": ("predicted_grades", "P4 predicted grades"),
    "target_setting": ("target_setting", "P1 target setting"),
    "self_assessment": ("self_assessment", "P5 self-assessment"),
    "big_writes": ("big_write", "P5 Big Write"),
    "file_records": ("file_records", "P5 mentoring file records"),
    "exit_plan": ("exit_plans", "exit plans"),
}
"""Pupil field → (the scheme.paperwork switch it needs, what the switch is called in words)."""


def feature_on(paperwork: PaperworkScheme, switch: str) -> bool:
    value: Any = getattr(paperwork, switch)
    return bool(value) if isinstance(value, bool) else value is not None


__all__ = ["FEATURE_OF_FIELD", "Agency", "Agreement", "AgreementScheme", "BigWrite", "BigWriteScheme", "CardDay",
           "CardSession", "ExitPlan", "FileRecords", "Grade", "GroupPlan", "GroupSession", "KeyDate", "PaperworkScheme", "Rating", "ReportCard",
           "ReportCardScheme", "ReviewRecord", "SelfAssessment", "Session", "SessionScheme", "Slip", "SlipScheme",
           "SubjectTargetSetting", "SurveyRound", "SurveyScheme", "Surveys", "feature_on"]
