"""views.common: what every audience's documents share — the running header and the grading key; no pupil data."""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from generator.judge.derive import SchoolFacts

_R = TypeVar("_R")


def per_school(function: Callable[[SchoolFacts], _R]) -> Callable[[SchoolFacts], _R]:
    """`function(school)` computed once for the school it was last asked about, not once per pupil's page.

    The school's facts are frozen, so the answer for the same object cannot
    change; another school (the next build's) is computed afresh. Each
    thread keeps its own last answer.
    """
    last = threading.local()

    @functools.wraps(function)
    def wrapper(school: SchoolFacts) -> _R:
        remembered: tuple[weakref.ref[SchoolFacts], _R] | None = getattr(last, "value", None)
        if remembered is not None and remembered[0]() is school:
            return remembered[1]
        result = function(school)
        last.value = (weakref.ref(school), result)
        return result

    return wrapper


@dataclass(frozen=True)
class SchoolHeader:
    """What every document's running header may say about the school."""

    school: str
    academic_year: str
    half_term: str
    as_of: dt.date
    crest_web: str | None = None
    """The crest inside each web audience's folder (`assets/crest.png`), when site.yaml names one."""
    crest_file: str | None = None
    """The crest's path inside the root, which PDFs embed (their base URL is the root)."""
    accent: str | None = None
    """The school's accent colour, `#RRGGBB`, checked when site.yaml was read."""


def school_header(school: SchoolFacts) -> SchoolHeader:
    look = school.site.appearance
    return SchoolHeader(school.site.school, school.site.academic_year, school.current.name, school.as_of,
                        crest_web=crest_web_path(look.crest) if look.crest else None, crest_file=look.crest, accent=look.accent)


@dataclass(frozen=True)
class TermHeader:
    """The running header of a document that is dated by its half term, not by the day it was judged: no `as_of`.

    The family's documents (profile, action plan, letters, paperwork) and the
    staff's survey and slips print the school and the half term; a letter has
    its own date. With the day in their views, a build one day later found
    every one of them changed and rendered them all again for a date none of
    them prints (at 1,500 pupils about 2,500 PDFs, every day). What such a
    document says that does depend on the day (a review now overdue) is in
    its own view, so it is still rendered again when that changes.
    """

    school: str
    academic_year: str
    half_term: str
    crest_web: str | None = None
    crest_file: str | None = None
    accent: str | None = None


def undated(header: SchoolHeader) -> TermHeader:
    """The same running header without the day, for a document cut from a view that has one (a governors' policy PDF)."""
    return TermHeader(header.school, header.academic_year, header.half_term, header.crest_web, header.crest_file, header.accent)


def term_header(school: SchoolFacts) -> TermHeader:
    return undated(school_header(school))


def year_groups(school: SchoolFacts) -> tuple[int, ...]:
    """Every year group with a pupil on roll, in order: the year pages, and one register and one progress meeting sheet each
    (on the register or not, so a year's file names stay put from one half term to the next)."""
    return tuple(sorted({p.record.year for p in school.pupils}))


def crest_web_path(crest: str) -> str:
    """Where web pages find the crest inside their audience folder; output/templates.py copies it there."""
    return "assets/crest" + posixpath.splitext(crest)[1].lower()


@dataclass(frozen=True)
class GradingKey:
    """The scheme's colours and words for the key printed under every grid; the same for every audience."""

    colours: dict[str, str]
    labels: dict[str, str]


def grading_key(school: SchoolFacts) -> GradingKey:
    scheme = school.site.scheme
    return GradingKey(dict(scheme.standing_colours.items()), dict(scheme.attitude_labels.items()))  # items(): str keys from Literal ones
