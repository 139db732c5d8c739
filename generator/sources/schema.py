"""schema: the input shapes of site.yaml, pupil files and policy front matter (pydantic, the input boundary only).

It must not hold school rules (those are in rules/) nor cross-file checks
(validate.py); field descriptions here are what error hints quote.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from generator.sources import paperwork as pw
from generator.sources.daterange import EARLIEST, LATEST

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
"""Ids become folder names in URLs: lower-case letters, digits and hyphens only."""


def _grade_text(value: Any) -> Any:
    """Grades are labels, not numbers: `5` and `"5"` mean the same grade."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _plain_text(value: Any) -> Any:
    """Free text fields accept a bare number or date the way a person typed it."""
    if isinstance(value, (int, float, dt.date)) and not isinstance(value, bool):
        return str(value)
    return value


Grade = Annotated[str, BeforeValidator(_grade_text), Field(min_length=1, max_length=40)]
Text = Annotated[str, BeforeValidator(_plain_text), Field(max_length=20_000)]
ShortText = Annotated[str, BeforeValidator(_plain_text), Field(min_length=1, max_length=300)]
Colour = Literal["green", "yellow", "red"]

MAX_INTERVAL_DAYS = 366
"""Review and meeting intervals are at most a year (P5: 'at least termly'; a once-a-year review is the longest any policy asks)."""


class Strict(BaseModel):
    """Every input shape refuses unknown keys, so a typo never silently drops data.

    Numbers must be finite and dates lie within EARLIEST..LATEST, so every
    value that passes `check` is one the build can compute with and render.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False)

    def __repr__(self) -> str:
        """pydantic's own repr, character for character, without its per-field generators.

        A view's digest is its repr (`output.artifacts.ViewDigests`), and every
        pupil's record is inside two views: pydantic's repr was about half of
        digesting a school. It names every field in order, as pydantic's does
        for a model with no extra keys (forbidden here), no computed fields and
        no field hidden from the repr (tests/test_schemas.py checks the two agree).
        """
        return f"{type(self).__name__}({', '.join([f'{k}={v!r}' for k, v in self.__dict__.items()])})"

    @field_validator("*", mode="after")
    @classmethod
    def _date_in_range(cls, value: Any) -> Any:
        if isinstance(value, dt.date):
            day = value.date() if isinstance(value, dt.datetime) else value
            if not EARLIEST <= day <= LATEST:
                raise PydanticCustomError("range_date", "expected a date from {earliest} to {latest}",
                                          {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()})
        return value


# --- site.yaml ---------------------------------------------------------------

class HalfTerm(Strict):
    id: str = Field(pattern=SLUG.pattern, description="a short id such as 'au1'")
    name: ShortText
    start: dt.date
    end: dt.date
    academic_year: ShortText | None = Field(default=None, description="the school year it belongs to, e.g. '2026-27' (written by `mentorsite rollover`)")


StaffRole = Literal["mentor", "lead_mentor", "slt", "hoy", "teacher", "senco"]


class StaffMember(Strict):
    id: str = Field(pattern=SLUG.pattern, description="a short id such as 'rbanks'")
    name: ShortText
    roles: list[StaffRole] = Field(default_factory=list)


class ScaleGrade(Strict):
    grade: Grade
    points: float | None = None


def _scale_entry(value: Any) -> Any:
    """A scale lists grades as plain labels, or as `{grade: 4C, points: 25}` where a school converts through point scores (P5's APS table)."""
    if isinstance(value, dict):
        return value
    return {"grade": _grade_text(value)}


class Scale(Strict):
    name: ShortText
    grades: list[Annotated[ScaleGrade, BeforeValidator(_scale_entry)]] = Field(min_length=1, description="grades in order, lowest first")

    @property
    def labels(self) -> list[str]:
        return [g.grade for g in self.grades]

    @property
    def points(self) -> dict[str, float]:
        return {g.grade: g.points for g in self.grades if g.points is not None}


# --- the school's scheme: the rules of its mentoring policy, as data ---------

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class CrossBand(Strict):
    from_: int = Field(alias="from", ge=0, description="the fewest crosses that reach this sub-stage")
    label: ShortText
    grade: ShortText | None = Field(default=None, description="the scale grade this sub-stage is, e.g. 'St {stage} developing' or 'St {next} ready'")


class CriteriaScheme(Strict):
    """P5: criteria marked dot → line → cross; the count of crosses places the pupil in a sub-stage."""

    per_stage: int = Field(default=30, ge=1)
    bands: list[CrossBand] = Field(min_length=1, description="sub-stages by the fewest crosses, lowest first")
    authoritative: Literal["crosses", "grade"] = "crosses"
    """P5: the crosses set the sub-stage; a recorded grade that disagrees is a warning and the crosses' grade is shown."""


class BasicSkillsScheme(Strict):
    """P5: weekly basic skills test; green above a score; weeks in the green before moving up."""

    out_of: int = Field(default=25, ge=1)
    green_above: int = Field(default=20, ge=0)
    weeks_to_move_up: int = Field(default=4, ge=1)
    keep: int = Field(default=3, ge=1, description="how many recent tests the file shows")


class WeeklyLogScheme(Strict):
    """P3: the electronic log for the previous week is due by a day and time."""

    due_day: Weekday = "monday"
    due_time: str = Field(default="13:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class AttendanceScheme(Strict):
    persistent_missed_percent: float = Field(default=10.0, gt=0, le=100)
    severe_missed_percent: float = Field(default=50.0, gt=0, le=100)


def _lowered_only_by() -> list[StaffRole]:
    return ["slt"]


class TargetRules(Strict):
    """P5: a target is raised when exceeded; lowered only by SLT and never below the FFT estimate."""

    lowered_only_by: list[StaffRole] = Field(default_factory=_lowered_only_by)
    floor: Literal["fft", "none"] = "fft"


StandingName = Literal["above", "on", "below"]


def _meeting_kinds() -> list[Literal["one-to-one", "review", "parents", "group"]]:
    return ["one-to-one", "review"]


def _standing_colours() -> dict[StandingName, Colour]:
    return {"above": "green", "on": "yellow", "below": "red"}


def _attitude_labels() -> dict[Colour, str]:
    return {"green": "Good", "yellow": "Acceptable", "red": "Concern"}


class Scheme(Strict):
    review_every_days: int | None = Field(default=42, ge=1, le=MAX_INTERVAL_DAYS)
    meet_every_days: int | None = Field(default=None, ge=1, le=MAX_INTERVAL_DAYS)
    meeting_kinds: list[Literal["one-to-one", "review", "parents", "group"]] = Field(default_factory=_meeting_kinds)
    weekly_log: WeeklyLogScheme | None = None
    expected_steps_per_year: float | None = Field(default=None, gt=0, le=100)
    attendance: AttendanceScheme = Field(default_factory=AttendanceScheme)
    standing_colours: dict[StandingName, Colour] = Field(default_factory=_standing_colours)
    attitude_labels: dict[Colour, ShortText] = Field(default_factory=_attitude_labels)
    targets: TargetRules = Field(default_factory=TargetRules)
    criteria: CriteriaScheme | None = None
    basic_skills: BasicSkillsScheme | None = None
    below_target_needs_intervention: bool | Literal["all"] = True
    """P4: below target triggers intervention — for mentees (true), for every pupil ('all'), or not checked (false)."""
    raise_when_exceeded: bool | Literal["all"] = True
    """P4, P5: a target is raised when the pupil is above it — for mentees (true), for every pupil ('all'), or not checked (false)."""
    exit_when_targets_met: bool = True
    mentor_required_years: list[Annotated[int, Field(ge=7, le=13)]] = Field(default_factory=list)
    """P4: every pupil in these years has a staff mentor."""
    review_every_pupil_each_term: bool = False
    """P5: every child is mentored (a meeting of a kind in meeting_kinds) at least once each term."""
    plan_required: bool = False
    """P2: every active mentee has an individual action plan with targets."""
    paperwork: pw.PaperworkScheme = Field(default_factory=pw.PaperworkScheme)
    """The policies' own paperwork a school runs (sources/paperwork.py); each pupil field it adds is unknown until switched on."""


class Subject(Strict):
    id: str = Field(pattern=SLUG.pattern, description="a short id such as 'maths'")
    name: ShortText
    scale: str


class Appearance(Strict):
    """How the school's pages and documents look; checked against the files by sources/appearance.py."""

    crest: ShortText | None = Field(default=None, description="an image inside the school's folder, e.g. assets/crest.png")
    accent: ShortText | None = Field(default=None, description="a colour written in quotes as \"#RRGGBB\", e.g. \"#1d4f91\"")


class Disclosure(Strict):
    """Statistical disclosure control for every published figure (rules.disclosure)."""

    suppress_below: int = Field(default=5, ge=2, le=100, description="figures of fewer pupils than this are never shown (DfE: 5)")


class ImportSettings(Strict):
    """How `mentorsite import marksheet` reads an MIS export: a preset for the MIS's usual headings, plus the school's own."""

    preset: Literal["plain", "sims", "arbor", "bromcom"] = Field(default="plain", description="the MIS whose export headings to expect")
    columns: dict[str, str] = Field(default_factory=dict, description="a column heading → a subject id, 'attendance', "
                                    "'attitude.<field>', 'upn', 'admission_number', 'id' or 'ignore'")


class Rollover(Strict):
    """`mentorsite rollover`: who leaves at the end of the year, and how long an archived record is kept."""

    last_year: int = Field(default=11, ge=7, le=13, description="the school's last year group; its pupils leave at rollover")
    retention_years_after_birth: int = Field(default=25, ge=1, le=100, description="keep a leaver's record until date of birth + this")
    sen_retention_years_after_birth: int = Field(default=31, ge=1, le=100, description="the same, for a pupil with SEN (K or E)")
    retention_years_after_leaving: int = Field(default=6, ge=1, le=100, description="when the date of birth is not known")


class Site(Strict):
    school: ShortText
    academic_year: ShortText
    current_half_term: str
    half_terms: list[HalfTerm] = Field(min_length=1)
    staff: list[StaffMember] = Field(default_factory=list)
    scales: dict[str, Scale] = Field(min_length=1)
    subjects: list[Subject] = Field(min_length=1)
    scheme: Scheme = Field(default_factory=Scheme)
    disclosure: Disclosure = Field(default_factory=Disclosure)
    policy_history: Literal["since-approval", "all", "none"] = "since-approval"
    """Which versions a governors' policy page lists: since the last approval (default), all, or none."""
    appearance: Appearance = Field(default_factory=Appearance)


    imports: ImportSettings = Field(default_factory=ImportSettings)
    rollover: Rollover = Field(default_factory=Rollover)


# --- pupils/<id>.yaml --------------------------------------------------------

class Context(Strict):
    """Restricted data (UK GDPR Article 9 and as sensitive): staff pages and suppressed aggregates only."""

    fsm: bool = False
    ever6: bool = False
    pupil_premium: bool = False
    looked_after: bool = False
    previously_looked_after: bool = False
    """Adopted from care, or left care on a special guardianship or child arrangements order; counts as disadvantaged."""
    sen: Literal["N", "K", "E"] = "N"
    eal: bool = False
    ethnicity: ShortText | None = None
    gifted: bool = False
    dsl_check: bool = False


class Baseline(Strict):
    ks2: dict[Literal["reading", "maths", "gps"], Annotated[int, Field(ge=80, le=120)]] = Field(default_factory=dict)
    cat: dict[Literal["verbal", "quantitative", "non_verbal", "spatial", "mean"], Annotated[int, Field(ge=50, le=150)]] = Field(default_factory=dict)
    fft: dict[str, Grade] = Field(default_factory=dict)


class Mentoring(Strict):
    status: Literal["none", "referred", "active", "exited"] = "none"
    referred_on: dt.date | None = None
    referred_by: ShortText | None = None
    reasons: list[ShortText] = Field(default_factory=list)
    started_on: dt.date | None = None
    next_review: dt.date | None = None
    exited_on: dt.date | None = None
    exit_reason: ShortText | None = None


class AttitudeGrid(Strict):
    attendance: Annotated[float, Field(ge=0, le=100)] | None = None
    punctuality: Colour | None = None
    behaviour: Colour | None = None
    effort: Colour | None = None
    homework: Colour | None = None
    uniform: Colour | None = None


class PlanTarget(Strict):
    text: ShortText
    by: dt.date | None = None


class Plan(Strict):
    targets: list[PlanTarget] = Field(default_factory=list)
    strategies: list[ShortText] = Field(default_factory=list)
    review_on: dt.date | None = None


class Meeting(Strict):
    date: dt.date
    kind: Literal["one-to-one", "review", "parents", "group"] = "one-to-one"
    notes: Text = ""
    actions: list[ShortText] = Field(default_factory=list)


class Contact(Strict):
    date: dt.date
    with_: ShortText = Field(alias="with")
    method: Literal["phone", "email", "letter", "meeting"]
    outcome: Literal["reached", "no answer", "message left", "replied"] = "reached"
    notes: Text = ""


class Intervention(Strict):
    subject: str | None = None
    what: ShortText
    start: dt.date
    end: dt.date | None = None
    outcome: Literal["ongoing", "improved", "no change", "stopped"] = "ongoing"
    owner: ShortText | None = None
    """P4: who runs the intervention (the department or a named teacher)."""


class Target(Strict):
    """A subject target; `was`, `changed_on` and `approved_by` record a change (P5: only SLT may lower one)."""

    grade: Grade
    was: Grade | None = None
    changed_on: dt.date | None = None
    approved_by: str | None = None
    reason: ShortText | None = None


def _target_entry(value: Any) -> Any:
    """`maths: "5"` is shorthand for `maths: {grade: "5"}`."""
    return value if isinstance(value, dict) else {"grade": _grade_text(value)}


def _criterion_mark(value: Any) -> Any:
    """P5's marks: `.` partly, `/` mostly, `X` fully achieved; words accepted too."""
    if isinstance(value, str):
        return {"dot": ".", "line": "/", "cross": "X", "x": "X"}.get(value.strip().lower(), value.strip())
    return value


class CriteriaRecord(Strict):
    stage: int = Field(ge=0, le=12)
    crosses: int | None = Field(default=None, ge=0)
    marks: int | None = Field(default=None, ge=0)
    record: dict[str, Annotated[Literal[".", "/", "X"], BeforeValidator(_criterion_mark)]] = Field(default_factory=dict)


class SkillsTest(Strict):
    date: dt.date
    level: ShortText
    score: int = Field(ge=0)


class WeeklyLog(Strict):
    week_of: dt.date
    written_on: dt.datetime | dt.date | None = None


class Pupil(Strict):
    first_name: ShortText
    last_name: ShortText
    year: Annotated[int, Field(ge=7, le=13)]
    form: ShortText
    mentor: str | None = None
    upn: str | None = Field(default=None, pattern=r"^[A-Z][0-9]{11}[0-9A-Z]$")
    admission_number: ShortText | None = Field(default=None, description="the MIS's admission number, used to match import rows")
    leaving: bool = Field(default=False, description="leaves at the end of this school year: `mentorsite rollover` archives the record")
    date_of_birth: dt.date | None = None
    gender: Literal["F", "M", "X"] | None = None
    context: Context = Field(default_factory=Context)
    baseline: Baseline = Field(default_factory=Baseline)
    mentoring: Mentoring = Field(default_factory=Mentoring)
    targets: dict[str, Annotated[Target, BeforeValidator(_target_entry)]] = Field(default_factory=dict)
    assessments: dict[str, dict[str, Grade]] = Field(default_factory=dict)
    attitude: dict[str, AttitudeGrid] = Field(default_factory=dict)
    plan: Plan | None = None
    meetings: list[Meeting] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    interventions: list[Intervention] = Field(default_factory=list)
    criteria: dict[str, CriteriaRecord] = Field(default_factory=dict)
    basic_skills: list[SkillsTest] = Field(default_factory=list)
    weekly_logs: list[WeeklyLog] = Field(default_factory=list)
    # the policies' paperwork (sources/paperwork.py); each is refused unless site.yaml's scheme.paperwork switches it on
    report_cards: list[pw.ReportCard] = Field(default_factory=list)
    sessions: list[pw.Session] = Field(default_factory=list)
    surveys: pw.Surveys | None = None
    agencies: list[pw.Agency] = Field(default_factory=list)
    slips: list[pw.Slip] = Field(default_factory=list)
    agreement: pw.Agreement | None = None
    reviews: list[pw.ReviewRecord] = Field(default_factory=list)
    predicted: dict[str, Grade] = Field(default_factory=dict)
    target_setting: dict[str, pw.SubjectTargetSetting] = Field(default_factory=dict)
    self_assessment: dict[str, pw.SelfAssessment] = Field(default_factory=dict)
    big_writes: list[pw.BigWrite] = Field(default_factory=list)
    file_records: pw.FileRecords | None = None
    exit_plan: pw.ExitPlan | None = None
    reasons_for_family: list[ShortText] = Field(default_factory=list)
    """Why mentoring is starting, in words written for parents (family); the start letter's `{{ pupil.reasons }}`."""

    @field_validator("upn", mode="before")
    @classmethod
    def _upn_upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


# --- content/policies/<slug>.md front matter ---------------------------------

class PolicyMeta(Strict):
    title: ShortText
    owner: ShortText | None = None
    approved_by: ShortText | None = None
    approved_on: dt.date | None = None
    review_cycle: ShortText | None = None
    next_review: dt.date | None = None
    status: Literal["draft", "approved", "under review"] = "approved"
    summary: ShortText | None = None


class LetterMeta(Strict):
    title: ShortText
