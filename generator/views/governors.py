"""views.governors: the policy site and programme outcomes; it has no field that can hold a pupil."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from markupsafe import Markup

from generator.judge.derive import SchoolFacts
from generator.rules import schedule
from generator.rules.cohort import SUPPRESS_BELOW, Share, share
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
class Outcomes:
    """Programme figures for governors: counts and shares, every group under five suppressed."""

    on_register: Share
    active: Share
    exited: Share
    on_or_above: Share
    """Of subject judgements for current mentees, how many are on or above target."""
    by_year: tuple[tuple[int, Share], ...]
    attendance: AttendanceChange


@dataclass(frozen=True)
class AttendanceChange:
    """Mean attendance of mentees, first recorded half term against the latest; no figures when fewer than five pupils have both."""

    pupils: int
    before: float | None
    after: float | None
    suppressed: bool


def attendance_change(school: SchoolFacts) -> AttendanceChange:
    pairs = []
    for p in school.pupils:
        values = [row.attendance for row in p.attitude if row.attendance is not None]
        if p.record.mentoring.status in ("active", "exited") and len(values) >= 2:
            pairs.append((values[0], values[-1]))
    if len(pairs) < SUPPRESS_BELOW:
        return AttendanceChange(0, None, None, True)
    return AttendanceChange(len(pairs), round(sum(a for a, _ in pairs) / len(pairs), 1), round(sum(b for _, b in pairs) / len(pairs), 1), False)


@dataclass(frozen=True)
class GovernorsSite:
    """The policy site: policies and aggregate outcomes. It has no field that can hold a pupil."""

    header: SchoolHeader
    policies: tuple[Policy, ...]
    outcomes: Outcomes


def governors_site(school: SchoolFacts, policies: tuple[Policy, ...]) -> GovernorsSite:
    pupils = school.pupils
    statuses = [p.record.mentoring.status for p in pupils]
    mentees = [p for p in pupils if p.record.mentoring.status in ("referred", "active")]
    judgements = [r.standing in ("on", "above") for p in mentees for r in p.subjects if r.standing]
    years = sorted({p.record.year for p in pupils})
    return GovernorsSite(
        header=school_header(school),
        policies=policies,
        outcomes=Outcomes(
            on_register=share([s != "none" for s in statuses]),
            active=share([s == "active" for s in statuses]),
            exited=share([s == "exited" for s in statuses]),
            on_or_above=share(judgements),
            by_year=tuple((y, share([p.record.mentoring.status != "none" for p in pupils if p.record.year == y])) for y in years),
            attendance=attendance_change(school),
        ),
    )


def policy(slug: str, meta: PolicyMeta, body: str, today: dt.date, history: PolicyTrail | None = None) -> Policy:
    """A policy page's view: its text, its review state as of `today`, and its history."""
    rendered = markup.render(body, shift_headings=1)
    due = meta.next_review or (schedule.add_cycle(meta.approved_on, meta.review_cycle) if meta.approved_on else None)
    return Policy(slug, meta, rendered.html, rendered.headings, Review(schedule.policy_review(due, today), due), history)
