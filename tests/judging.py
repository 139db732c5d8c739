"""Test helpers for judgements over time: derive a school as of a date and render its pages without a full build."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from generator import views
from generator.build import check, derive
from generator.output.templates import PACKAGED, TemplateSet
from generator.judge.derive import SchoolFacts
from generator.output.plan import plan
from generator.output.render import environments, render


def school_at(root: Path, as_of: dt.date | dt.datetime) -> SchoolFacts:
    return derive(root, check(root), as_of)


def rendered(school: SchoolFacts, *dests: str) -> dict[str, str]:
    """The HTML of the named outputs (a PDF's dest gives the HTML it is printed from), rendered in this process."""
    staff = views.staff_site(school)
    governors = views.governors_site(school, ())
    envs = environments(TemplateSet(PACKAGED.parent, None))
    out: dict[str, str] = {}
    for output in plan(school, staff, governors):
        if output.dest in dests:
            out[output.dest] = render(envs[output.audience], output.template, output.page, **output.context)
    missing = set(dests) - set(out)
    assert not missing, f"no such outputs: {missing}"
    return out


def text_of(html: str) -> str:
    """Visible words of an HTML page, tags removed and spaces folded."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", body).replace("&#39;", "'").replace("&amp;", "&").split())


def codes(school: SchoolFacts, pupil: str | None = None) -> list[str]:
    return sorted(a.code for p in school.pupils for a in p.actions if pupil is None or a.pupil_id == pupil)


def dump(value: Any) -> str:
    return repr(value)


MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
LONG_DATE = re.compile(rf"\b(\d{{1,2}}) ({MONTHS}) (\d{{4}})\b")


def dates_in(text: str) -> list[dt.date]:
    names = MONTHS.split("|")
    return [dt.date(int(y), names.index(m) + 1, int(d)) for d, m, y in LONG_DATE.findall(text)]


def past_dates_as_plans(profile_text: str, as_of: dt.date) -> list[str]:
    """Where a family's profile presents a date before `as_of` as something still to come: the review sentence's date, and any
    'by <date>' among next half term's targets."""
    found = []
    for sentence in re.findall(r"look at these targets together again on [^.]*\.", profile_text):
        found += [f"review {d}" for d in dates_in(sentence) if d < as_of]
    ahead = profile_text.split("Targets for next half term", 1)[-1].split("has been working on", 1)[0]
    for clause in re.findall(rf"by \d{{1,2}} (?:{MONTHS}) \d{{4}}", ahead):
        found += [f"target {d}" for d in dates_in(clause) if d < as_of]
    return found
