"""views.governors: the policy site and programme outcomes; it has no field that can hold a pupil."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from generator.judge.derive import SchoolFacts
from generator.rules import schedule
from generator.rules.disclosure import Candidate, Share, Threshold, protect
from generator.sources import markup
from generator.sources.schema import PolicyMeta
from generator.views.common import SchoolHeader, TermHeader, school_header, undated
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


Cell = tuple[int, str, bool | None, bool | None]
"""(year, status, no subject below target (mentees only), attendance in two half terms (active and exited only))."""


def _possible_cells(years: list[int]) -> list[Cell]:
    """Every kind of pupil a reader cannot rule out, empty kinds included, so that a 0 or an "n of n" is protected too."""
    out: list[Cell] = []
    for y in years:
        out.append((y, "none", None, None))
        out += [(y, "referred", nb, None) for nb in (True, False)]
        out += [(y, "active", nb, att) for nb in (True, False) for att in (True, False)]
        out += [(y, "exited", None, att) for att in (True, False)]
    return out


def outcomes(school: SchoolFacts) -> Outcomes:
    """Every figure the governors see, as candidates for rules.disclosure in order of importance, over the possible kinds of pupil."""
    threshold = Threshold(school.site.disclosure.suppress_below)
    pairs = _attendance_pairs(school)
    years = sorted({p.record.year for p in school.pupils})
    cells: dict[Cell, int] = dict.fromkeys(_possible_cells(years), 0)
    for p in school.pupils:
        status = p.record.mentoring.status
        below = any(r.standing == "below" for r in p.subjects)
        cell = (p.record.year, status, (not below) if status in ("referred", "active") else None,
                (p.id in pairs) if status in ("active", "exited") else None)
        cells[cell] += 1

    def where(test: Callable[[Cell], bool]) -> frozenset[Cell]:
        return frozenset(c for c in cells if test(c))

    candidates = [
        Candidate("all", frozenset(cells)),
        Candidate("register", where(lambda c: c[1] != "none"), "all"),
        Candidate("active", where(lambda c: c[1] == "active"), "all"),
        Candidate("exited", where(lambda c: c[1] == "exited"), "all"),
        Candidate("referred", where(lambda c: c[1] == "referred"), "all"),
        Candidate("mentees", where(lambda c: c[1] in ("referred", "active")), "all"),
        Candidate("none_below", where(lambda c: c[2] is True), "mentees"),
        *(Candidate(("year", y), frozenset(c for c in cells if c[0] == y)) for y in years),
        *(Candidate(("year_register", y), frozenset(c for c in cells if c[0] == y and c[1] != "none"), ("year", y))
          for y in years),
        Candidate("attendance", where(lambda c: c[3] is True), "register"),
    ]
    published = protect(candidates, cells, threshold)
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


@dataclass(frozen=True)
class PolicySheet:
    """What a policy's PDF is given as `site`: the running header without the day. The PDF prints neither the day nor the
    outcomes, so the whole site (both change daily) would have it rendered again every day for nothing."""

    header: TermHeader


def policy_sheet(site: GovernorsSite) -> PolicySheet:
    return PolicySheet(undated(site.header))


def policy(slug: str, meta: PolicyMeta, body: str, today: dt.date, history: PolicyTrail | None = None) -> Policy:
    """A policy page's view: its text, its review state as of `today`, and its history."""
    rendered = markup.render(body, shift_headings=1)
    due = meta.next_review or (schedule.add_cycle(meta.approved_on, meta.review_cycle) if meta.approved_on else None)
    return Policy(slug, meta, rendered.html, rendered.headings, Review(schedule.policy_review(due, today), due), history)
