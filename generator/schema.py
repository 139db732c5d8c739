"""schema: the input shapes of site.yaml, pupil files and policy front matter (pydantic, the input boundary only).

It must not hold school rules (those are in rules/) nor cross-file checks
(validate.py); field descriptions here are what error hints quote.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

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


class Strict(BaseModel):
    """Every input shape refuses unknown keys, so a typo never silently drops data."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --- site.yaml ---------------------------------------------------------------

class HalfTerm(Strict):
    id: str = Field(pattern=SLUG.pattern, description="a short id such as 'au1'")
    name: ShortText
    start: dt.date
    end: dt.date


StaffRole = Literal["mentor", "lead_mentor", "slt", "hoy", "teacher", "senco"]


class StaffMember(Strict):
    id: str = Field(pattern=SLUG.pattern, description="a short id such as 'rbanks'")
    name: ShortText
    roles: list[StaffRole] = Field(default_factory=list)


class Scale(Strict):
    name: ShortText
    grades: list[Grade] = Field(min_length=1, description="grades in order, lowest first")


class Subject(Strict):
    id: str = Field(pattern=SLUG.pattern, description="a short id such as 'maths'")
    name: ShortText
    scale: str


class Site(Strict):
    school: ShortText
    academic_year: ShortText
    current_half_term: str
    half_terms: list[HalfTerm] = Field(min_length=1)
    staff: list[StaffMember] = Field(default_factory=list)
    scales: dict[str, Scale] = Field(min_length=1)
    subjects: list[Subject] = Field(min_length=1)


# --- pupils/<id>.yaml --------------------------------------------------------

class Context(Strict):
    """Restricted data (UK GDPR Article 9 and as sensitive): staff pages and suppressed aggregates only."""

    fsm: bool = False
    ever6: bool = False
    pupil_premium: bool = False
    looked_after: bool = False
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


class Pupil(Strict):
    first_name: ShortText
    last_name: ShortText
    year: Annotated[int, Field(ge=7, le=13)]
    form: ShortText
    mentor: str | None = None
    upn: str | None = Field(default=None, pattern=r"^[A-Z][0-9]{11}[0-9A-Z]$")
    date_of_birth: dt.date | None = None
    gender: Literal["F", "M", "X"] | None = None
    context: Context = Field(default_factory=Context)
    baseline: Baseline = Field(default_factory=Baseline)
    mentoring: Mentoring = Field(default_factory=Mentoring)
    targets: dict[str, Grade] = Field(default_factory=dict)
    assessments: dict[str, dict[str, Grade]] = Field(default_factory=dict)
    attitude: dict[str, AttitudeGrid] = Field(default_factory=dict)
    plan: Plan | None = None
    meetings: list[Meeting] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    interventions: list[Intervention] = Field(default_factory=list)

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
