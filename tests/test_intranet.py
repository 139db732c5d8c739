"""The staff intranet without a browser: every page type is built, group figures are suppressed under five pupils,
each audience has its own search index and the governors' one names no pupil, and a failed index changes nothing."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from pathlib import Path
from typing import Callable

import pytest
import yaml
from support import AS_OF, REPO, SITES, copy_site, tree_bytes, wait_recycled

from generator.output import search
from generator.build import build
from generator.judge.analysis import GROUPS, cohort_analysis, figures, year_overview
from generator.judge.derive import derive_school
from generator.rules.disclosure import DEFAULT_SUPPRESS_BELOW as SUPPRESS_BELOW
from generator.rules.disclosure import Threshold, mean
from generator.sources.inputs import load_school

NOW = dt.datetime.combine(AS_OF, dt.time())


@pytest.fixture(scope="module")
def tiny_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_site("tiny", tmp_path_factory.mktemp("intranet"))
    out = root / "output"
    build(root, out, jobs=2, as_of=AS_OF)
    return out


@pytest.fixture(scope="module")
def example() -> object:
    """The bundled example school's facts, derived in process (no build needed for the figures)."""
    checked = load_school(REPO)
    return derive_school(checked.site, checked.pupils, NOW)


def names_in(root: Path) -> set[str]:
    """Every pupil's full name and family name in a school, for privacy checks."""
    found: set[str] = set()
    for path in (root / "pupils").glob("*.yaml"):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        found |= {f"{record['first_name']} {record['last_name']}", record["last_name"]}
    return found


# --- suppression ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pupils, suppressed", [(0, True), (1, True), (SUPPRESS_BELOW - 1, True), (SUPPRESS_BELOW, False), (30, False)],
                         ids=["none", "one", "four", "five", "thirty"])
def test_mean_is_suppressed_under_five_pupils_however_many_grades(pupils: int, suppressed: bool) -> None:
    average = mean([[1.0, 2.0]] * pupils, Threshold())
    assert average.suppressed is suppressed
    if suppressed:
        assert average.value is None
    else:
        assert average.value == pytest.approx(1.5)


def test_pupils_without_grades_do_not_count_towards_the_five() -> None:
    assert mean([[1.0]] * 4 + [[]] * 10, Threshold()).suppressed


def test_group_analysis_suppresses_every_group_under_five_and_keeps_no_numbers_for_it(example) -> None:  # type: ignore[no-untyped-def]
    analysis = cohort_analysis(example)
    rows = {f.label: f for f in analysis.by_group}
    assert [label for label, _ in GROUPS] == list(rows)
    for label, member in GROUPS:
        size = sum(1 for p in example.pupils if member(p.record))
        row = rows[label]
        assert row.small is (size < SUPPRESS_BELOW), label
        if row.small:
            assert row.suppressed and row.size is None
        if row.suppressed:
            assert all(s.count is None and s.total is None for s in (row.on_or_above, row.below, row.registered))
            assert row.progress.value is None
        else:
            assert row.size == size
    assert rows["EHC plan (E)"].suppressed and rows["Gender recorded as X"].suppressed  # two pupils each in the example
    everyone = rows["All pupils"]
    assert everyone.size == len(example.pupils)
    below = sum(1 for p in example.pupils if any(r.standing == "below" for r in p.subjects))
    assert everyone.below.count == below  # pupils, not grades
    for label, shares in analysis.group_by_subject:
        if rows[label].small:
            assert all(s.suppressed for s in shares), label


def test_a_subject_figure_counts_pupils_with_that_subject_only(example) -> None:  # type: ignore[no-untyped-def]
    takers = [p for p in example.pupils if any(r.subject_id == "maths" and r.standing for r in p.subjects)]
    assert figures("four pupils", takers[:4], "maths").suppressed
    row = figures("thirty pupils", takers[:30], "maths")
    assert row.size == 30
    judged = [next(r.standing for r in p.subjects if r.subject_id == "maths") for p in takers[:30]]
    if row.below.count is not None:
        assert row.below.count == judged.count("below")


def test_tiny_schools_analysis_page_prints_no_figure_at_all(tiny_out: Path) -> None:
    page = (tiny_out / "staff" / "analysis" / "index.html").read_text(encoding="utf-8")
    main = page[page.index("<main"): page.index("</main>")]
    assert "Fewer than 5 pupils: not shown" in main
    assert "%" not in main and not re.search(r"<td>\d", main)


# --- pages ------------------------------------------------------------------------------------------------------


def test_every_intranet_page_type_is_built(tiny_out: Path) -> None:
    staff = tiny_out / "staff"
    for rel in ["index.html", "register/index.html", "pupils/index.html", "pupils/ada/index.html", "caseloads/index.html",
                "caseloads/mentor-a/index.html", "caseloads/mentor-b/index.html", "years/index.html", "years/7/index.html",
                "years/9/index.html", "years/10/index.html", "progress/index.html", "analysis/index.html",
                "assets/site.css", "assets/site.js"]:
        assert (staff / rel).is_file(), rel
    assert (tiny_out / "governors" / "assets" / "site.js").is_file()


def test_register_rows_carry_what_the_filters_need_and_the_table_reads_without_script(tiny_out: Path) -> None:
    page = (tiny_out / "staff" / "register" / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr data-year="(\d+)" data-mentor="([\w-]+)" data-status="(\w+)">', page)
    assert sorted(rows) == [("10", "mentor-b", "referred"), ("9", "mentor-a", "active")]  # Calloway was never referred
    assert '<form class="filters" data-filters-for="register" hidden>' in page  # no dead controls without JavaScript
    assert 'aria-sort="ascending">Pupil</th>' in page
    assert "CanaryReasonOmega below target in maths" in page


def test_pupil_page_has_a_chart_per_subject_with_a_text_alternative_and_the_target_line(tiny_out: Path) -> None:
    page = (tiny_out / "staff" / "pupils" / "ada" / "index.html").read_text(encoding="utf-8")
    charts = re.findall(r'<svg class="chart"[^>]*role="img"[^>]*>\s*<title>([^<]+)</title>(.*?)</svg>', page, re.S)
    assert [title for title, _ in charts] == ["Mathematics: working at 4 in Autumn 1, 4 in Autumn 2; target 5.",
                                              "English: working at 6 in Autumn 1, 7 in Autumn 2; target 6."]
    for _, body in charts:
        assert body.count('class="target"') == 1 and body.count('class="point"') == 2 and "<script" not in body
    assert '<a href="mentoring-file.pdf">Mentoring file' in page
    assert "▼" in page and "Below target" in page  # a symbol as well as a colour
    assert "Numeracy catch-up group" in page and "Mathematics</td>" in page  # the intervention, its subject by name


def test_dashboard_groups_actions_and_links_each_pupil(tiny_out: Path) -> None:
    page = (tiny_out / "staff" / "index.html").read_text(encoding="utf-8")
    assert '<h2 id="referrals">New referrals' in page
    assert re.search(r'<li class="action-referral-new" data-pupil="bex">\s*<span class="who"><a href="pupils/bex/index.html">Bexley Marrowgate</a>', page)


def test_caseload_lists_the_mentors_mentees_and_their_actions(tiny_out: Path) -> None:
    page = (tiny_out / "staff" / "caseloads" / "mentor-b" / "index.html").read_text(encoding="utf-8")
    assert "Caseload: Mr B. Mentor" in page and "Marrowgate, Bexley" in page and "Quillfeather" not in page
    assert 'class="action-referral-new"' in page


def test_year_overview_shows_who_is_where_and_the_gaps_by_criterion(make_school: Callable[[dict[str, str | None]], Path]) -> None:
    tiny = SITES / "tiny"
    site = (tiny / "site.yaml").read_text(encoding="utf-8") + (
        "scheme:\n  criteria:\n    bands:\n      - {from: 1, label: emerging}\n      - {from: 2, label: developing}\n")
    ada = (tiny / "pupils" / "ada.yaml").read_text(encoding="utf-8") + (
        "criteria:\n  maths:\n    stage: 2\n    record: {M2.01: X, M2.02: /, M2.03: .}\n")
    dee = ("first_name: Deverell\nlast_name: Ashcombe\nyear: 9\nform: 9Q\ntargets: {maths: \"5\"}\n"
           "assessments:\n  au2: {maths: \"6\"}\ncriteria:\n  maths:\n    stage: 2\n    record: {M2.01: X, M2.02: X}\n")
    root = make_school({"site.yaml": site, "pupils/ada.yaml": ada, "pupils/dee.yaml": dee})
    checked = load_school(root)
    overview = year_overview(derive_school(checked.site, checked.pupils, NOW), 9)
    assert [row.name for row in overview.rows] == ["Deverell Ashcombe", "Adaeze Quillfeather"]
    [maths] = overview.criteria
    assert [(code, g.crosses, g.lines, g.dots, g.blank) for g in maths.gaps for code in [g.code]] == [
        ("M2.03", 0, 0, 1, 1), ("M2.02", 1, 1, 0, 0), ("M2.01", 2, 0, 0, 0)]
    assert maths.gaps[0].not_yet == ("Deverell Ashcombe", "Adaeze Quillfeather")  # blank before dot
    assert [w[2] for w in maths.where] == ["Stage 2 developing", "Stage 2 emerging"]
    out = root / "output"
    build(root, out, jobs=1, as_of=AS_OF)
    page = (out / "staff" / "years" / "9" / "index.html").read_text(encoding="utf-8")
    assert "Mathematics: criteria" in page and "<th scope=\"row\">M2.03</th>" in page


# --- search -----------------------------------------------------------------------------------------------------


def index_text(bundle: Path) -> str:
    """Everything in a Pagefind bundle's index, fragments and metadata, decompressed."""
    parts = [gzip.decompress(f.read_bytes()).decode("utf-8", errors="replace")
             for f in sorted(bundle.rglob("*")) if f.is_file() and f.suffix.startswith(".pf_")]
    assert parts, f"no index files in {bundle}"
    return "\n".join(parts)


def audience_index_text(folder: Path) -> str:
    """Everything in all of an audience's bundles (the main one, the shards and the word bundle its pagefind-shards.json lists)."""
    data = json.loads((folder / search.SHARD_LIST).read_text(encoding="utf-8"))
    listed = data["bundles"] + ([data["words"]] if data["words"] else [])
    assert sorted(p.name for p in folder.glob("pagefind-*") if p.is_dir()) == sorted(listed)  # no bundle left out of the list
    return "\n".join(index_text(folder / name) for name in ["pagefind", *listed])


def test_each_audience_has_its_own_search_index(tiny_out: Path) -> None:
    for audience in ("staff", "governors"):
        bundles = ["pagefind", *json.loads((tiny_out / audience / search.SHARD_LIST).read_text(encoding="utf-8"))["bundles"]]
        counts = [json.loads((tiny_out / audience / b / "pagefind-entry.json").read_text(encoding="utf-8"))["languages"]["en-gb"]["page_count"]
                  for b in bundles]
        assert all(n > 0 for n in counts) and sum(counts) == sum(1 for _ in (tiny_out / audience).rglob("*.html"))  # every page, once
        assert (tiny_out / audience / "pagefind" / "pagefind.js").is_file()
        assert not (tiny_out / audience / "pagefind" / "pagefind-ui.js").exists()  # unused interfaces are not shipped
        for shard in bundles[1:]:  # searched by the main bundle's script and WebAssembly: data only
            assert not [p.name for p in (tiny_out / audience / shard).iterdir() if p.suffix in (".js", ".pagefind")]
    assert len(bundles) == 1  # the governors' site is one bundle
    assert not (tiny_out / "families" / "pagefind").exists() and not (tiny_out / "families" / search.SHARD_LIST).exists()


def test_governors_search_index_holds_no_pupil_but_the_staff_one_does(tiny_out: Path) -> None:
    staff, governors = audience_index_text(tiny_out / "staff"), audience_index_text(tiny_out / "governors")
    names = names_in(tiny_out.parent)
    assert "Adaeze Quillfeather" in staff and "quillfeath" in staff.lower(), "the check must be able to find a name"
    found = sorted(n for n in names if n.lower() in governors.lower() or n.lower()[:8] in governors.lower())
    assert found == []
    assert "CanaryReason" not in governors and "canaryreason" not in governors.lower()
    assert "mentoring" in governors.lower()  # the policies are indexed


def test_restricted_background_is_left_out_of_the_staff_search_index(tiny_out: Path) -> None:
    staff = audience_index_text(tiny_out / "staff")
    assert "CanaryEthnicityZeta" not in staff and "Z99887766554Q" not in staff


def test_search_index_is_deterministic_across_builds(tiny_out: Path, tmp_path: Path) -> None:
    """Pagefind writes the same bytes for the same pages, so whole-tree byte comparisons include it."""
    again = tmp_path / "again"
    build(tiny_out.parent, again, jobs=1, as_of=AS_OF)
    first = {k: v for k, v in tree_bytes(tiny_out).items() if "/pagefind" in k}
    second = {k: v for k, v in tree_bytes(again).items() if "/pagefind" in k}
    assert any("/pagefind-0" in k for k in first) and first == second  # the shards too


def test_a_failed_index_leaves_the_previous_output_whole(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tiny / "output"
    build(tiny, out, jobs=1, as_of=AS_OF)
    before = tree_bytes(out)
    monkeypatch.setattr(search, "executable", lambda: Path("/bin/false"))
    record = tiny / "pupils" / "ada.yaml"  # an edit, so the staff pages change and the index must be made again
    record.write_text(record.read_text(encoding="utf-8").replace("first_name: Adaeze", "first_name: Adaora", 1), encoding="utf-8")
    with pytest.raises(search.SearchIndexError, match="Pagefind failed on staff/"):
        build(tiny, out, jobs=1, as_of=AS_OF)
    assert tree_bytes(out) == before
    wait_recycled(out)  # the spare the first build left was taken by the failed one's staging, and went with it
    assert sorted(p.name for p in tiny.iterdir() if p.name.startswith(".output")) == [".output.lock"]


def test_every_link_in_the_web_pages_leads_to_a_built_file(tiny_out: Path) -> None:
    """Relative links only (each audience folder deploys on its own), and each one resolves: pages, assets and the printable PDFs."""
    broken = []
    for audience in ("staff", "governors"):
        for page in sorted((tiny_out / audience).rglob("*.html")):
            for href in re.findall(r'href="([^"]*)"', page.read_text(encoding="utf-8")):
                if href.startswith(("#", "data:")):
                    continue
                assert "://" not in href and not href.startswith("/"), f"{page.relative_to(tiny_out)}: {href}"
                target = (page.parent / href.split("#")[0]).resolve()
                if target.is_dir():
                    target = target / "index.html"
                if not target.is_relative_to((tiny_out / audience).resolve()) or not target.is_file():
                    broken.append(f"{page.relative_to(tiny_out)} → {href}")
    assert broken == []
