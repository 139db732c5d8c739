"""views.governors: the policy site and programme outcomes; it has no field that can hold a pupil."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from markupsafe import Markup

from generator.judge.derive import SchoolFacts
from generator.rules import schedule
from generator.rules.disclosure import Candidate, Share, Threshold, protect
from generator.sources import markup
from generator.sources.schema import PolicyMeta
from generator.views.common import SchoolHeader, school_header
from generator.views.history import PolicyTrail


@dataclass(frozen=True)
class Review:
    state: str
    """'current', 'due' (within a term), 'overdue' or 'unknown'."""
    due: dt.date | None

    @property
    def label(self) -> str:
        return {"current": "Current", "due": "Review due this term", "overdue": "Review overdue",
                "unknown": "No review date"}[self.state]


@dataclass(frozen=True)
class Policy:
    slug: str
    meta: PolicyMeta
    html: Markup
    headings: tuple[markup.Heading, ...]
    review: Review
    history: PolicyTrail | None


@dataclass(frozen=True)
class YearRow:
    year: int
    pupils: int | None
    on_register: Share


@dataclass(frozen=True)
class Outcomes:
    """Programme figures for governors: counts of pupils only, each published or withheld by rules.disclosure.

    Every figure here was audited together, so no figure on the outcomes page
    or in the governors' pack can be worked out from the others.
    """

    pupils: int | None
    """Pupils with a record: the whole school the other figures are out of."""
    on_register: Share
    referred: Share
    active: Share
    exited: Share
    mentees: int | None
    """Current mentees: referred or being mentored."""
    none_below: Share
    """Current mentees with no subject below target, out of `mentees`."""
    by_year: tuple[YearRow, ...]
    attendance: AttendanceChange
    threshold: Threshold
    """The school's threshold; templates print `threshold.fewer_than`, never a number of their own."""


@dataclass(frozen=True)
class AttendanceChange:
    """Mean attendance of mentees, first recorded half term against the latest; no figures when fewer pupils than the threshold have both."""

    pupils: int | None
    """How many pupils the means are over, when that count may itself be published."""
    before: float | None
    after: float | None
    suppressed: bool


def _attendance_pairs(school: SchoolFacts) -> dict[str, tuple[float, float]]:
    pairs = {}
    for p in school.pupils:
        values = [row.attendance for row in p.attitude if row.attendance is not None]
        if p.record.mentoring.status in ("active", "exited") and len(values) >= 2:
            pairs[p.id] = (values[0], values[-1])
    return pairs


def outcomes(school: SchoolFacts) -> Outcomes:
    """Every figure the governors see, as candidates for rules.disclosure in order of importance."""
    threshold = Threshold(school.site.disclosure.suppress_below)
    pupils = school.pupils
    status = {p.id: p.record.mentoring.status for p in pupils}

    def having(*statuses: str) -> frozenset[str]:
        return frozenset(pid for pid, s in status.items() if s in statuses)

    mentees = having("referred", "active")
    none_below = frozenset(p.id for p in pupils if p.id in mentees and not any(r.standing == "below" for r in p.subjects))
    years = sorted({p.record.year for p in pupils})
    pairs = _attendance_pairs(school)
    candidates = [
        Candidate("all", frozenset(status)),
        Candidate("register", having("referred", "active", "exited")),
        Candidate("active", having("active")),
        Candidate("exited", having("exited")),
        Candidate("referred", having("referred")),
        Candidate("mentees", mentees),
        Candidate("none_below", none_below),
        *(Candidate(("year", y), frozenset(p.id for p in pupils if p.record.year == y)) for y in years),
        *(Candidate(("year_register", y), frozenset(p.id for p in pupils if p.record.year == y and status[p.id] != "none"))
          for y in years),
        Candidate("attendance", frozenset(pairs)),
    ]
    published = protect(candidates, status, threshold)
    if threshold.small(len(pairs)):
        attendance = AttendanceChange(None, None, None, True)
    else:
        attendance = AttendanceChange(published.count("attendance"), round(sum(a for a, _ in pairs.values()) / len(pairs), 1),
                                      round(sum(b for _, b in pairs.values()) / len(pairs), 1), False)
    return Outcomes(
        pupils=published.count("all"),
        on_register=published.share("register", "all"),
        referred=published.share("referred", "all"),
        active=published.share("active", "all"),
        exited=published.share("exited", "all"),
        mentees=published.count("mentees"),
        none_below=published.share("none_below", "mentees"),
        by_year=tuple(YearRow(y, published.count(("year", y)), published.share(("year_register", y), ("year", y))) for y in years),
        attendance=attendance,
        threshold=threshold,
    )


@dataclass(frozen=True)
class GovernorsSite:
    """The policy site: policies and aggregate outcomes. It has no field that can hold a pupil."""

    header: SchoolHeader
    policies: tuple[Policy, ...]
    outcomes: Outcomes


def governors_site(school: SchoolFacts, policies: tuple[Policy, ...]) -> GovernorsSite:
    return GovernorsSite(header=school_header(school), policies=policies, outcomes=outcomes(school))


def policy(slug: str, meta: PolicyMeta, body: str, today: dt.date, history: PolicyTrail | None = None) -> Policy:
    """A policy page's view: its text, its review state as of `today`, and its history."""
    rendered = markup.render(body, shift_headings=1)
    due = meta.next_review or (schedule.add_cycle(meta.approved_on, meta.review_cycle) if meta.approved_on else None)
    return Policy(slug, meta, rendered.html, rendered.headings, Review(schedule.policy_review(due, today), due), history)
