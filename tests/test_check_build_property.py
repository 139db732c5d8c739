"""check ≡ build, as a property: any school `check` accepts builds, whatever the values (issue 10).

Hypothesis writes schools whose records stay inside the schema but reach
its edges: dates at 1990-01-01 and 2100-12-31, intervals of one day and a
whole year, rates near zero and at 100, attendance 0 and 100, counts in the
trillions, 300-character names with no space to break at, empty notes and
20,000-character notes of pathological Markdown. Each example runs the real
`build()` in-process with the two external renderers (WeasyPrint, Pagefind)
replaced by stubs, so validation, judgement, history, views, planning and
every HTML and print template run for real; two full command-line builds
then render the most extreme school's PDFs too.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from support import SITES, copy_site, run_cli

from generator import build as pipeline
from generator.sources.daterange import EARLIEST, LATEST
from generator.sources.diagnostics import InvalidInput
from generator.sources.schema import MAX_INTERVAL_DAYS

GRADES = [str(g) for g in range(1, 10)]
SUBJECTS = ("maths", "english")
TERMS = ("au1", "au2", "sp1")
BIG = 10**15

_letters = st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Cf", "Zl", "Zp"))
PATHOLOGICAL = [
    "*" * 2000 + "a" + "*" * 2000, "[" * 20_000, "_" * 300 + "x" + "_" * 300, "- " * 400 + "deep", "> " * 400 + "deep",
    "<span>" * 500 + "x", "[a](" * 1000, "![" * 2000, "<a " * 2000, "`" * 999, "# " + "W" * 19_000, "|a" * 3000 + "\n|-" * 3,
    "&#99999999999;" * 100, "<!--" + "x" * 5000, "\t" * 50 + "code", "1. " * 500 + "x", "x\n" * 5000, "    " * 100 + "- x",
]


def _short(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.sampled_from(["W" * 300, "A" + " " * 298 + "Z", "<b>&amp;{{ x }}</b>", "—" * 300, "x"]))
    return draw(st.text(_letters, min_size=1, max_size=300).filter(lambda s: bool(s.strip())))


def _notes(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 3))
    if kind == 0:  # shortened here to keep the property fast; the full 20,000 characters are in the command-line builds below
        return draw(st.sampled_from(PATHOLOGICAL))[:2_000]
    if kind == 1:
        return ""
    return draw(st.text(st.one_of(_letters, st.sampled_from(list("*_[]()<>!`#>-|&\n "))), max_size=400))


def _date(draw: st.DrawFn) -> dt.date:
    return draw(st.one_of(st.sampled_from([EARLIEST, LATEST, dt.date(2026, 11, 20)]), st.dates(EARLIEST, LATEST)))


def _dates(draw: st.DrawFn, n: int) -> list[dt.date]:
    return sorted(_date(draw) for _ in range(n))


@st.composite
def scheme(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {
        "review_every_days": draw(st.sampled_from([None, 1, MAX_INTERVAL_DAYS, 42])),
        "meet_every_days": draw(st.sampled_from([None, 1, MAX_INTERVAL_DAYS, 30])),
        "expected_steps_per_year": draw(st.sampled_from([None, 1e-9, 0.5, 3, 100])),
        "below_target_needs_intervention": draw(st.sampled_from([True, False, "all"])),
        "attendance": {"persistent_missed_percent": draw(st.sampled_from([1e-9, 10, 100])), "severe_missed_percent": 100},
    }
    if draw(st.booleans()):
        out["weekly_log"] = {"due_day": draw(st.sampled_from(["monday", "sunday"])), "due_time": draw(st.sampled_from(["00:00", "23:59"]))}
    if draw(st.booleans()):
        out["basic_skills"] = {"out_of": draw(st.sampled_from([1, 25, BIG])), "green_above": draw(st.sampled_from([0, 20, BIG])),
                               "weeks_to_move_up": draw(st.sampled_from([1, 4, BIG])), "keep": draw(st.sampled_from([1, 3, BIG]))}
    if draw(st.booleans()):
        out["criteria"] = {"per_stage": draw(st.sampled_from([1, 30, BIG])),
                           "bands": [{"from": 0, "label": _short(draw)}, {"from": BIG, "label": _short(draw)}]}
    return out


@st.composite
def pupil(draw: st.DrawFn, skills_out_of: int | None) -> dict[str, Any]:
    status = draw(st.sampled_from(["none", "referred", "active", "exited"]))
    fft = {s: draw(st.sampled_from(GRADES)) for s in SUBJECTS if draw(st.booleans())}
    record: dict[str, Any] = {
        "first_name": _short(draw), "last_name": _short(draw), "year": draw(st.integers(7, 13)), "form": _short(draw),
        "mentor": draw(st.sampled_from([None, "mentor-a", "mentor-b"])),
        "date_of_birth": _date(draw), "gender": draw(st.sampled_from(["F", "M", "X"])),
        "context": {"fsm": draw(st.booleans()), "sen": draw(st.sampled_from("NKE")), "ethnicity": _short(draw)},
        "baseline": {"ks2": {"reading": draw(st.sampled_from([80, 120]))}, "cat": {"mean": draw(st.sampled_from([50, 150]))}, "fft": fft},
        "targets": {s: draw(st.sampled_from(GRADES[GRADES.index(fft[s]):] if s in fft else GRADES)) for s in SUBJECTS if draw(st.booleans())},
        "assessments": {t: {s: draw(st.sampled_from(GRADES)) for s in SUBJECTS} for t in TERMS if draw(st.booleans())},
        "attitude": {t: {"attendance": draw(st.sampled_from([0.0, 100.0, 90.0, 50.0, 1e-9])), "punctuality": "red"}
                     for t in TERMS if draw(st.booleans())},
    }
    if status != "none":
        dates = _dates(draw, 3)
        mentoring: dict[str, Any] = {"status": status, "referred_on": dates[0], "reasons": [_short(draw)]}
        if status in ("active", "exited") and draw(st.booleans()):
            mentoring["started_on"] = dates[1]
        if status == "exited":
            mentoring["exited_on"] = dates[2]
        if draw(st.booleans()):
            mentoring["next_review"] = _date(draw)
        record["mentoring"] = mentoring
    record["meetings"] = [{"date": _date(draw), "kind": draw(st.sampled_from(["one-to-one", "review", "parents", "group"])),
                           "notes": _notes(draw), "actions": [_short(draw)]} for _ in range(draw(st.integers(0, 2)))]
    record["contacts"] = [{"date": _date(draw), "with": _short(draw), "method": "phone", "notes": _notes(draw)}
                          for _ in range(draw(st.integers(0, 1)))]
    start, end = _dates(draw, 2)
    record["interventions"] = [{"subject": "maths", "what": _short(draw), "start": start, "end": end}] if draw(st.booleans()) else []
    record["plan"] = {"targets": [{"text": _short(draw), "by": _date(draw)}], "strategies": [_short(draw)], "review_on": _date(draw)}
    record["criteria"] = {"maths": {"stage": draw(st.sampled_from([0, 12])), "crosses": draw(st.sampled_from([0, BIG])),
                                    "marks": draw(st.sampled_from([0, BIG]))}} if draw(st.booleans()) else {}
    top = skills_out_of if skills_out_of is not None else BIG
    record["basic_skills"] = [{"date": _date(draw), "level": _short(draw), "score": draw(st.sampled_from([0, top]))}
                              for _ in range(draw(st.integers(0, 3)))]
    monday = _date(draw)
    monday -= dt.timedelta(days=monday.weekday())
    if monday >= EARLIEST:
        record["weekly_logs"] = [{"week_of": monday, "written_on": dt.datetime.combine(LATEST, dt.time(23, 59))}]
    return {k: v for k, v in record.items() if v is not None}


@st.composite
def school(draw: st.DrawFn) -> dict[str, str]:
    """A school as {relative path: text}, over the tiny fixture school."""
    site = yaml.safe_load((SITES / "tiny" / "site.yaml").read_text(encoding="utf-8"))
    site["scheme"] = {k: v for k, v in draw(scheme()).items() if v is not None}
    site["school"] = _short(draw)
    if draw(st.booleans()):  # half terms at both ends of the calendar, one a single day long
        site["half_terms"] = [{"id": "au1", "name": _short(draw), "start": EARLIEST, "end": dt.date(1990, 1, 2)},
                              {"id": "au2", "name": _short(draw), "start": dt.date(2026, 11, 2), "end": dt.date(2026, 11, 2)},
                              {"id": "sp1", "name": _short(draw), "start": dt.date(2100, 12, 30), "end": LATEST}]
    if draw(st.booleans()):  # point scores at the ends of the finite floats
        site["scales"]["gcse"]["grades"] = [{"grade": g, "points": p} for g, p in
                                            zip(GRADES, [-1.7e308, -1e300, -1, 0, 1e-300, 1, 1e300, 1.6e308, 1.7e308])]
    skills = site["scheme"].get("basic_skills")
    files = {"site.yaml": _dump(site)}
    for i in range(draw(st.integers(1, 3))):
        files[f"pupils/p{i}.yaml"] = _dump(draw(pupil(skills["out_of"] if skills else None)))
    approved = _date(draw)
    front = {"title": _short(draw), "approved_on": approved, "status": "approved",
             "review_cycle": draw(st.sampled_from(["10 years", "1 month", "annually", "18 months"]))}
    if draw(st.booleans()):
        front["next_review"] = draw(st.dates(approved, LATEST))
    files["content/policies/mentoring.md"] = "---\n" + _dump(front) + "---\n" + _notes(draw) + "\n"
    return files


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # the loader refuses anchors and aliases
        return True


def _dump(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000)


_ENVIRONMENTS: dict[Path, Any] = {}


@pytest.fixture
def without_external_renderers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """WeasyPrint and Pagefind stubbed (each PDF's HTML is written as its bytes; the command-line builds below run them for
    real), and the Jinja environments compiled once for all examples rather than once a build."""
    from generator.output import pdf, search

    real_environments = pipeline.environments
    monkeypatch.setattr(pdf, "warm_up", lambda *_a, **_k: None)
    monkeypatch.setattr(pdf, "render_documents",
                        lambda _executor, jobs, *_a, **_k: iter([pdf.PdfResult(j.dest, j.html.encode("utf-8")) for j in jobs
                                                                 if isinstance(j, pdf.PdfJob)]))
    monkeypatch.setattr(search, "update", lambda *_a, **_k: search.Indexed())
    monkeypatch.setattr(pipeline, "environments", lambda templates: _ENVIRONMENTS.setdefault(templates, real_environments(templates)))
    yield


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.data_too_large])
@given(files=school(), as_of=st.one_of(st.none(), st.sampled_from([EARLIEST, LATEST])))
def test_every_school_check_accepts_builds(without_external_renderers: None, files: dict[str, str], as_of: dt.date | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = copy_site("tiny", Path(folder))
        for rel in ("pupils/ada.yaml", "pupils/bex.yaml", "pupils/cal.yaml"):
            (root / rel).unlink()
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        try:
            pipeline.check(root)
        except InvalidInput as err:  # the strategy aims inside the schema; anything it misses is not this property's concern
            reject()
            raise AssertionError(err.diagnostics) from err  # unreachable
        result = pipeline.build(root, Path(folder) / "out", jobs=1, as_of=as_of)
        assert result.pupils == len([f for f in files if f.startswith("pupils/")])


EXTREME_NOTE = "\n\n".join(PATHOLOGICAL)[:20_000]


def _extreme_school(root: Path) -> None:
    site = yaml.safe_load((root / "site.yaml").read_text(encoding="utf-8"))
    site["school"] = "W" * 300
    site["scheme"] = {"review_every_days": MAX_INTERVAL_DAYS, "meet_every_days": 1, "expected_steps_per_year": 100,
                      "weekly_log": {"due_day": "sunday", "due_time": "23:59"},
                      "basic_skills": {"out_of": BIG, "green_above": 0, "weeks_to_move_up": BIG, "keep": BIG},
                      "criteria": {"per_stage": BIG, "bands": [{"from": 0, "label": "L" * 300}, {"from": BIG, "label": "M" * 300}]}}
    (root / "site.yaml").write_text(_dump(site), encoding="utf-8")
    ada = yaml.safe_load((root / "pupils" / "ada.yaml").read_text(encoding="utf-8"))
    ada.update(first_name="F" * 300, last_name="L" * 300, form="9" * 300, date_of_birth=EARLIEST)
    ada["mentoring"].update(referred_on=EARLIEST, started_on=LATEST, reasons=["R" * 300] * 3)
    del ada["mentoring"]["next_review"]
    ada["meetings"] = [{"date": LATEST, "kind": "review", "notes": EXTREME_NOTE, "actions": ["A" * 300]},
                       {"date": EARLIEST, "kind": "one-to-one", "notes": ""}]
    ada["contacts"][0]["notes"] = "*" * 2000 + "a" + "*" * 2000
    ada["attitude"] = {"au1": {"attendance": 0.0}, "au2": {"attendance": 100.0}}
    ada["criteria"] = {"maths": {"stage": 12, "crosses": BIG, "marks": BIG}}
    ada["basic_skills"] = [{"date": LATEST, "level": "V" * 300, "score": BIG}, {"date": EARLIEST, "level": "x", "score": 0}]
    ada["plan"] = {"targets": [{"text": "T" * 300, "by": LATEST}], "strategies": ["S" * 300], "review_on": LATEST}
    (root / "pupils" / "ada.yaml").write_text(_dump(ada), encoding="utf-8")
    policy = root / "content" / "policies" / "mentoring.md"
    policy.write_text("---\n" + _dump({"title": "P" * 300, "owner": "O" * 300, "approved_on": LATEST, "review_cycle": "10 years"})
                      + "---\n" + EXTREME_NOTE + "\n", encoding="utf-8")


def test_the_most_extreme_school_builds_through_the_command_with_its_pdfs(tmp_path: Path) -> None:
    root = copy_site("tiny", tmp_path)
    _extreme_school(root)
    result = run_cli("build", "--root", str(root), "--out", str(tmp_path / "out"), "--jobs", "1", "--as-of", "2100-12-31")
    assert (result.returncode, "Traceback" not in result.stderr) == (0, True), result.stderr[-3000:]
    for pdf in ("staff/pupils/ada/mentoring-file.pdf", "families/ada/profile.pdf", "governors/policies/mentoring.pdf"):
        assert _words_off_the_page(tmp_path / "out" / pdf) == [], pdf


def _words_off_the_page(pdf: Path) -> list[str]:
    """Words whose box ends beyond the right edge of their page (a 300-character name once ran off it, lost in print)."""
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    off: list[str] = []
    for page in re.finditer(r'<page width="([0-9.]+)"[^>]*>(.*?)</page>', boxes, re.DOTALL):
        width = float(page.group(1))
        off += [w[:20] for x_max, w in re.findall(r'<word xMin="[0-9.]+" yMin="[0-9.]+" xMax="([0-9.]+)"[^>]*>([^<]*)</word>',
                                                  page.group(2)) if float(x_max) > width + 0.5]
    return off
