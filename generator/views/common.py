"""views.common: what every audience's documents share — the running header and the grading key; no pupil data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.judge.derive import SchoolFacts


@dataclass(frozen=True)
class SchoolHeader:
    """What every document's running header may say about the school."""

    school: str
    academic_year: str
    half_term: str
    as_of: dt.date


def school_header(school: SchoolFacts) -> SchoolHeader:
    return SchoolHeader(school.site.school, school.site.academic_year, school.current.name, school.as_of)


@dataclass(frozen=True)
class GradingKey:
    """The scheme's colours and words for the key printed under every grid; the same for every audience."""

    colours: dict[str, str]
    labels: dict[str, str]


def grading_key(school: SchoolFacts) -> GradingKey:
    scheme = school.site.scheme
    return GradingKey(dict(scheme.standing_colours), dict(scheme.attitude_labels))
