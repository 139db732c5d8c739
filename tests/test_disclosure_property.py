"""Disclosure control as a property: over random small schools, nothing under the threshold can be worked out from what governors are given.

The design, so that the test is neither vacuous nor flaky:

* **Random schools of 1–40 pupils**, written as files by the fixture writer
  of test_disclosure.py and built through `check` and `derive` like any
  school. Each pupil is a point of the space the governors' figures are
  about: year (from one to four year groups per school, so that small year
  groups are common), mentoring status, whether a current mentee is below
  target in a subject, whether an active or former mentee has attendance
  for two half terms. The test knows every pupil's point, so it knows the
  true size of every group, independently of the generator.
* **Every published figure is read back from the output**, not from the
  view: the outcomes page's text and the governors' pack PDF's text
  (`pdftotext`), row by row. Each row label is given its meaning here, as a
  *definition*: the set of points it counts. Each figure must equal the true
  count of its definition (so a figure is never invented or mislabelled),
  must be at least the threshold, and the page and the PDF must publish the
  same figures.
* **The attacker** knows the school's number of pupils and every published
  figure, and adds and subtracts them: every figure; every difference of two
  figures where one's definition contains the other's; every sum of two with
  disjoint definitions; every figure minus two disjoint figures inside it
  (the "44 − 5 − 37" of the issue).
* **What must not be recovered** is a cell: the definition of any row (shown
  or not), the rest of a share ("n − k", including a rest of 0 — "all of
  them"), a year group's pupils of one status, or a finest kind of pupil.
  A recovery counts only when the attacker's *definition* is the cell's
  definition (so two groups that happen to hold the same pupils in one
  random school are not mistaken for a recovery: the attacker could not
  know that), and the cell's true count is under the threshold (1 to N−1
  for cells; 0 to N−1 for rows and rests, since "none" and "all" of a group
  are as telling as "two").
* **Not vacuous**: test_checker_catches_the_unprotected_figures runs the same
  checker on every figure published unprotected and finds the issue's
  recoveries; test_a_forty_pupil_school_still_publishes checks that a
  balanced school still gets figures.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_disclosure import SITE, pupil, write_school

from generator import views
from generator.build import check, derive
from generator.output.templates import template_set
from generator.output import pdf
from generator.output.plan import plan
from generator.output.render import environments, render

AS_OF = dt.date(2026, 11, 20)
STATUSES = ("none", "referred", "active", "exited")

Point = tuple[int, str, bool | None, bool | None]
"""(year, status, no subject below target — current mentees only, attendance for two half terms — active and exited only)."""


@dataclass(frozen=True)
class Spec:
    year: int
    status: str
    below: bool
    attendance: bool

    @property
    def point(self) -> Point:
        return (self.year, self.status, (not self.below) if self.status in ("referred", "active") else None,
                self.attendance if self.status in ("active", "exited") else None)


def space(years: Iterable[int]) -> frozenset[Point]:
    """Every kind of pupil a reader cannot rule out, given the year groups the page lists."""
    out: set[Point] = set()
    for y in years:
        out.add((y, "none", None, None))
        out |= {(y, "referred", nb, None) for nb in (True, False)}
        out |= {(y, "active", nb, att) for nb in (True, False) for att in (True, False)}
        out |= {(y, "exited", None, att) for att in (True, False)}
    return frozenset(out)


# --- what each row label means, written independently of the generator -------------------------------------------

Rule = Callable[[Point], bool]
ROWS: dict[str, Rule] = {
    "Pupils with a record": lambda p: True,
    "On the mentoring register": lambda p: p[1] != "none",
    "Referred, not yet started": lambda p: p[1] == "referred",
    "Being mentored now": lambda p: p[1] == "active",
    "Finished mentoring this year": lambda p: p[1] == "exited",
    "Current mentees (referred or being mentored)": lambda p: p[1] in ("referred", "active"),
    "Current mentees with no subject below target": lambda p: p[2] is True,
    "Average attendance of mentees: first half term recorded → latest": lambda p: p[3] is True,
}
WHOLE = {  # a share's "of n": the row the part is out of
    "On the mentoring register": "Pupils with a record",
    "Referred, not yet started": "Pupils with a record",
    "Being mentored now": "Pupils with a record",
    "Finished mentoring this year": "Pupils with a record",
    "Current mentees with no subject below target": "Current mentees (referred or being mentored)",
}


def year_rows(years: Iterable[int]) -> dict[str, Rule]:
    out: dict[str, Rule] = {}
    for y in years:
        out[f"Year {y} pupils"] = lambda p, y=y: p[0] == y
        out[f"Year {y} on the register"] = lambda p, y=y: p[0] == y and p[1] != "none"
    return out


# --- reading the figures back from text ----------------------------------------------------------------------------

FIGURE = re.compile(r"not shown|(\d+) of (\d+) \((\d+)%\)|\((\d+) pupils\)|\d+\.\d%|\d+")


def read_figures(text: str, years: list[int]) -> dict[str, int]:
    """Label → published count, from the visible text of the outcomes tables (page or PDF); a share's 'of n' is checked against its whole."""
    text = re.sub(r"\s+", " ", text)
    text = text[text.rindex("The mentoring register"):]
    labels = [*ROWS, *(f"Year {y}" for y in years)]
    spots = []
    for label in labels:
        at = text.find(label + " ") if label.startswith("Year") else text.find(label)
        assert at >= 0, f"row {label!r} missing from {text!r}"
        spots.append((at, label))
    spots.sort()
    found: dict[str, int] = {}
    for (at, label), (nxt, _) in zip(spots, [*spots[1:], (len(text), "")]):
        segment = text[at + len(label): nxt]
        tokens = [m for m in FIGURE.finditer(segment) if not m.group(0).endswith("%") or m.group(1)]
        if label.startswith("Year"):
            assert len(tokens) == 2, (label, segment)
            for column, token in zip(("pupils", "on the register"), tokens):
                _take(found, f"{label} {column}", token, f"{label} pupils")
        elif "attendance" in label:  # two means (not counts), then "(k pupils)" when that count may be shown
            counted = [t for t in tokens if t.group(4) or t.group(0) == "not shown"]
            assert len(counted) <= 1, (label, segment)
            if counted:
                _take(found, label, counted[0], None)
        else:
            assert len(tokens) == 1, (label, segment)
            _take(found, label, tokens[0], WHOLE.get(label))
    return found


def _take(found: dict[str, int], label: str, token: re.Match[str], whole: str | None) -> None:
    if token.group(0) == "not shown":
        return
    if token.group(1):
        k, n, percent = int(token.group(1)), int(token.group(2)), int(token.group(3))
        assert percent == round(100 * k / n), token.group(0)
        found[label] = k
        assert whole is not None and found.get(whole) == n, f"{label}: 'of {n}' is not the published {whole}"
        return
    if token.group(4):
        found[label] = int(token.group(4))
        return
    found[label] = int(token.group(0))


# --- the attacker ---------------------------------------------------------------------------------------------------


def recoveries(published: dict[str, int], rules: dict[str, Rule], points: list[Point], years: list[int],
               threshold: int) -> list[str]:
    """Every cell under the threshold whose definition is a sum or difference of published figures' definitions."""
    omega = space(years)

    def define(rule: Rule) -> frozenset[Point]:
        return frozenset(p for p in omega if rule(p))

    def true_count(definition: frozenset[Point]) -> int:
        return sum(1 for p in points if p in definition)

    cells: dict[frozenset[Point], str] = {}

    def protect(definition: frozenset[Point], name: str, lowest: int) -> None:
        if definition and definition != omega and lowest <= true_count(definition) < threshold:
            cells.setdefault(definition, name)

    for label, rule in rules.items():
        protect(define(rule), label, 0)
    for part, whole in [*WHOLE.items(), *((f"Year {y} on the register", f"Year {y} pupils") for y in years)]:
        protect(define(rules[whole]) - define(rules[part]), f"{whole} but not {part}", 0)
    for y, status in itertools.product(years, STATUSES):
        protect(frozenset(p for p in omega if p[0] == y and p[1] == status), f"Year {y} {status}", 1)
    for p in omega:
        protect(frozenset({p}), f"pupils of kind {p}", 1)

    known = {label: define(rules[label]) for label in published} | {"(number of pupils)": omega}
    found: list[str] = []

    def check(definition: frozenset[Point], how: str) -> None:
        if definition in cells:
            found.append(f"{cells[definition]} ({true_count(definition)} pupils) = {how}")

    for a, da in known.items():
        check(da, a)
        for b, db in known.items():
            if db < da:
                check(da - db, f"{a} − {b}")
            if a < b and not da & db:
                check(da | db, f"{a} + {b}")
        inside = [(b, db) for b, db in known.items() if db < da]
        for (b, db), (c, dc) in itertools.combinations(inside, 2):
            if not db & dc and db | dc != da:
                check(da - db - dc, f"{a} − {b} − {c}")
    return found


# --- building a random school and reading its governors' outputs ----------------------------------------------------


def specs_strategy() -> st.SearchStrategy[list[Spec]]:
    @st.composite
    def school(draw: Any) -> list[Spec]:
        years = draw(st.lists(st.sampled_from([7, 8, 9, 10, 11]), min_size=1, max_size=4, unique=True))
        n = draw(st.integers(min_value=1, max_value=40))
        return [Spec(draw(st.sampled_from(years)), draw(st.sampled_from(STATUSES)), draw(st.booleans()), draw(st.booleans()))
                for _ in range(n)]
    return school()


def record(spec: Spec) -> dict[str, Any]:
    grades = {"maths": ("5", "3" if spec.below else "5"), "english": ("5", "6")}
    out = pupil(spec.year, spec.status, grades)
    if spec.attendance:
        out["attitude"] = {"au1": {"attendance": 90.0}, "au2": {"attendance": 95.5}}
    else:
        out["attitude"] = {"au2": {"attendance": 93.0}}
    return out


def governors_text(root: Path) -> tuple[str, str]:
    """The outcomes page's visible text and the governors' pack PDF's text."""
    checked = check(root)
    school = derive(root, checked, AS_OF)
    outputs = plan(school, views.staff_site(school), views.governors_site(school, ()))
    envs = environments(template_set(root))
    page = next(o for o in outputs if o.dest == "governors/outcomes/index.html")
    pack = next(o for o in outputs if o.dest == "governors/governors-pack.pdf")
    page_html = render(envs["governors"], page.template, page.page, **page.context)
    main = page_html[page_html.index("<main"): page_html.index("</main>")]
    page_text = html.unescape(re.sub(r"<[^>]+>", " ", main))
    pack_html = render(envs["governors"], pack.template, pack.page, **pack.context)
    css = (template_set(root).find("shared/print.css"),)
    [(_, data)] = list(pdf.render_all([pdf.PdfJob(pack.dest, pack_html)], root, css, 1))
    (root / "pack.pdf").write_bytes(data)
    pack_text = subprocess.run(["pdftotext", "-raw", str(root / "pack.pdf"), "-"], check=True, capture_output=True,
                               text=True).stdout
    running = [line for line in pack_text.splitlines() if "·" in line]  # running header and footer, page numbers
    assert running, "the pack's running header and footer were expected"
    return page_text, "\n".join(line for line in pack_text.splitlines() if "·" not in line)


def assert_nothing_recovered(specs: list[Spec], threshold: int, site: dict[str, Any] | None = None) -> dict[str, int]:
    years = sorted({s.year for s in specs})
    with tempfile.TemporaryDirectory() as folder:
        root = write_school(Path(folder) / "school", [record(s) for s in specs], site)
        page_text, pack_text = governors_text(root)
    page, pack = read_figures(page_text, years), read_figures(pack_text, years)
    assert page == pack, "the page and the pack publish different figures"
    rules = ROWS | year_rows(years)
    points = [s.point for s in specs]
    omega = space(years)
    for label, value in page.items():
        true = sum(1 for p in points if rules[label](p))
        assert value == true, f"{label}: published {value}, true {true}"
        assert value >= threshold, f"{label}: {value} is under the threshold {threshold}"
        assert frozenset(p for p in omega if rules[label](p)), label
    found = recoveries(page, rules, points, years, threshold)
    assert found == [], found
    return page


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")
@settings(max_examples=20, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=specs_strategy(), threshold=st.sampled_from([5, 5, 5, 3, 10]))
def test_no_figure_under_the_threshold_can_be_worked_out_from_the_governors_outputs(specs: list[Spec], threshold: int) -> None:
    assert_nothing_recovered(specs, threshold, {**SITE, "disclosure": {"suppress_below": threshold}})


# --- the checker itself is not vacuous -------------------------------------------------------------------------------


def _naive(specs: list[Spec]) -> dict[str, int]:
    """Every row's true count as the page published them before this rule: a share was hidden only when its whole had under 5."""
    years = sorted({s.year for s in specs})
    rules = ROWS | year_rows(years)
    points = [s.point for s in specs]
    counts = {label: sum(1 for p in points if rule(p)) for label, rule in rules.items()}
    wholes = WHOLE | {f"Year {y} on the register": f"Year {y} pupils" for y in years}
    return {label: n for label, n in counts.items() if counts[wholes.get(label, label)] >= 5}


@pytest.mark.parametrize("specs, expected", [
    ([Spec(7, "active", False, False)] * 4 + [Spec(7, "none", False, False)] * 2 + [Spec(10, "active", False, False)],
     "Year 10 on the register (1 pupils) = On the mentoring register − Year 7 on the register"),
    ([Spec(7, "active", True, True)] * 12 + [Spec(7, "none", False, False)] * 20 + [Spec(8, "exited", False, True)] * 2,
     "Finished mentoring this year (2 pupils) = On the mentoring register − Current mentees (referred or being mentored)"),
], ids=["register-minus-year", "register-minus-mentees"])
def test_checker_catches_the_unprotected_figures(specs: list[Spec], expected: str) -> None:
    years = sorted({s.year for s in specs})
    found = recoveries(_naive(specs), ROWS | year_rows(years), [s.point for s in specs], years, 5)
    assert expected in found, found


def test_a_forty_pupil_school_still_publishes() -> None:
    specs = ([Spec(7, "none", False, False)] * 8 + [Spec(8, "none", False, False)] * 8 + [Spec(7, "active", True, True)] * 6
             + [Spec(8, "active", False, True)] * 6 + [Spec(7, "referred", True, False)] * 6 + [Spec(8, "exited", False, True)] * 6)
    page = assert_nothing_recovered(specs, 5)
    assert {"Pupils with a record", "On the mentoring register", "Being mentored now", "Year 7 pupils"} <= page.keys(), page
    assert len(page) >= 8, page
