"""views.governors: the policy site and programme outcomes; it has no field that can hold a pupil."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from .. import markup
from ..derive import SchoolFacts
from ..rules.cohort import Share, share
from ..schema import PolicyMeta
from .common import SchoolHeader, school_header


@dataclass(frozen=True)
class Policy:
    slug: str
    meta: PolicyMeta
    html: Markup
    headings: tuple[markup.Heading, ...]


@dataclass(frozen=True)
class Outcomes:
    """Programme figures for governors: counts and shares, every group under five suppressed."""

    on_register: Share
    active: Share
    exited: Share
    on_or_above: Share
    """Of subject judgements for current mentees, how many are on or above target."""
    by_year: tuple[tuple[int, Share], ...]


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
        ),
    )


def policy(slug: str, meta: PolicyMeta, body: str) -> Policy:
    rendered = markup.render(body, shift_headings=1)
    return Policy(slug, meta, rendered.html, rendered.headings)
