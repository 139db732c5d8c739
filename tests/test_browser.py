"""The built intranet and policy site in headless Chromium: register filters and sorting, search, no console errors,
pages that work with JavaScript off, phone width, and axe-core at WCAG 2.2 AA on one page of every page type.

One build of the example school and one browser serve the whole module. Chromium is Debian's (`/usr/bin/chromium`,
installed by .ci/run), driven by Playwright for Python with `executable_path`; Playwright's own browser download is
never used. Pagefind's search only works over HTTP, so the built folder is served on 127.0.0.1.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest
from support import AS_OF, REPO, copy_site

from generator.build import build
from generator.output import search

CHROMIUM = os.environ.get("MENTORSITE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

if not (Path(CHROMIUM).is_file() and shutil.which(CHROMIUM)):
    reason = (f"BROWSER TESTS NOT RUN: no Chromium at {CHROMIUM}. Install Debian's chromium (apt-get install -y chromium) "
              "or set MENTORSITE_CHROMIUM; .ci/run installs it.")
    if os.environ.get("CI"):
        raise RuntimeError(reason)  # CI installs Chromium, so its absence there is a failure, not a skip
    pytest.skip(reason, allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api", reason="BROWSER TESTS NOT RUN: pip install -e '.[test]' for playwright")

PAGES = {
    "dashboard": "staff/",
    "register": "staff/register/",
    "pupils index": "staff/pupils/",
    "pupil record": "staff/pupils/p023/",
    "caseloads": "staff/caseloads/",
    "caseload": "staff/caseloads/rbanks/",
    "year groups": "staff/years/",
    "year overview": "staff/years/9/",
    "progress meeting": "staff/progress/",
    "analysis": "staff/analysis/",
    "governors index": "governors/",
    "governors policy": "governors/policies/mentoring/",
    "governors outcomes": "governors/outcomes/",
}
"""One page of every page type of the example school."""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example school built once."""
    out = tmp_path_factory.mktemp("browser") / "output"
    build(REPO, out, jobs=2, as_of=AS_OF)
    return out


@pytest.fixture(scope="module")
def site(site_out: Path) -> Iterator[str]:
    """The built example school served over HTTP on 127.0.0.1; yields the base URL."""
    yield from _serve(site_out)


def _serve(folder: Path) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture(scope="module")
def whole_site(site_out: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same staff pages with one Pagefind index over the whole folder (as before the shards), served; the yardstick."""
    staff = tmp_path_factory.mktemp("whole") / "staff"
    shutil.copytree(site_out / "staff", staff, ignore=shutil.ignore_patterns("pagefind*", "*.pdf"))
    search.index_folder(search.executable(), staff, staff / search.BUNDLE, name="staff/pagefind")
    (staff / search.SHARD_LIST).write_text(json.dumps({"bundles": [], "words": None, "word_pages": {}}), encoding="utf-8")
    yield from _serve(staff.parent)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A desktop-sized page that records console errors and uncaught exceptions in `page.problems`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    tab.problems = problems
    yield tab
    context.close()


def visible_rows(tab: Any) -> list[dict[str, str]]:
    return tab.eval_on_selector_all("#register tbody tr:not([hidden])", "rows => rows.map(r => ({...r.dataset}))")


def test_every_page_type_loads_without_console_errors(site: str, page: Any) -> None:
    for name, path in PAGES.items():
        response = page.goto(site + path)
        assert response is not None and response.status == 200, name
        page.wait_for_load_state("networkidle")
        assert page.locator("main h1").count() == 1, name
    assert page.problems == []


def test_register_filters_by_year_mentor_and_status(site: str, page: Any) -> None:
    page.goto(site + "staff/register/")
    everyone = visible_rows(page)
    assert len(everyone) >= 20
    assert page.locator("[data-count-for=register]").text_content() == f"Showing all {len(everyone)} pupils."
    page.select_option("#filter-year", "9")
    rows = visible_rows(page)
    assert rows and {r["year"] for r in rows} == {"9"} and len(rows) == sum(r["year"] == "9" for r in everyone)
    page.select_option("#filter-status", "active")
    rows = visible_rows(page)
    assert rows and all(r["year"] == "9" and r["status"] == "active" for r in rows)
    assert page.locator("[data-count-for=register]").text_content() == f"Showing {len(rows)} of {len(everyone)} pupils."
    assert "year=9" in page.url and "status=active" in page.url  # a filtered register can be bookmarked
    page.click("form.filters button[type=reset]")
    page.select_option("#filter-mentor", "rbanks")
    rows = visible_rows(page)
    assert rows and {r["mentor"] for r in rows} == {"rbanks"}
    page.goto(site + "staff/register/?mentor=rbanks")
    assert visible_rows(page) == rows


def test_register_sorts_by_clicking_a_heading_and_says_so(site: str, page: Any) -> None:
    page.goto(site + "staff/register/")
    year = page.locator("#register thead th", has_text="Year")
    year.locator("button").click()
    assert year.get_attribute("aria-sort") == "ascending"
    assert page.locator("#register thead th[aria-sort]").count() == 1  # the name column no longer claims the order
    years = [int(r["year"]) for r in visible_rows(page)]
    assert years == sorted(years) and len(set(years)) > 1
    year.locator("button").click()
    assert year.get_attribute("aria-sort") == "descending"
    assert [int(r["year"]) for r in visible_rows(page)] == sorted(years, reverse=True)
    review = page.locator("#register thead th", has_text="Next review")
    review.locator("button").click()
    dates = page.eval_on_selector_all("#register tbody tr td:nth-child(9)", "cells => cells.map(c => c.dataset.sortValue)")
    filled = [d for d in dates if d]
    assert filled == sorted(filled) and dates == filled + [""] * (len(dates) - len(filled))  # blanks last
    assert page.locator("#register thead th button.sort").count() == 8  # real buttons, reachable by keyboard


def test_search_finds_a_pupil_by_name_from_any_page(site: str, page: Any) -> None:
    for start in ("staff/", "staff/years/9/"):
        page.goto(site + start)
        page.fill("#site-search-q", "Lomax")
        first = page.locator(".search-results li a").first
        first.wait_for(timeout=10_000)
        assert first.text_content() == "Harvey Lomax"
        first.click()
        page.wait_for_url("**/staff/pupils/p023/")
        assert page.locator("main h1").text_content() == "Harvey Lomax"
    assert page.problems == []


def test_one_search_finds_pupils_in_different_index_shards(site: str, page: Any, site_out: Path) -> None:
    """The staff index is split over shards (generator/output/search.py); site.js merges them, so one query finds
    pages from several shards and each result links to its own page."""
    word = "lunchtime"
    having = sorted(p.parent.name for p in (site_out / "staff" / "pupils").glob("*/index.html")
                    if word in p.read_text(encoding="utf-8").split("data-pagefind-body", 1)[1].lower())
    shards = {search.shard_of(f"staff/pupils/{pupil}/index.html") for pupil in having}
    assert len(shards) >= 2, f"the example school must have '{word}' on pupils' pages in two shards: {having}"
    page.goto(site + "staff/")
    page.fill("#site-search-q", word)
    page.wait_for_function("document.querySelector('.search-status').textContent.includes('result')", timeout=10_000)
    hrefs = page.eval_on_selector_all(".search-results a", "as => as.map(a => a.getAttribute('href'))")
    assert sorted(hrefs) == [f"/staff/pupils/{pupil}/" for pupil in having]
    page.click(f".search-results a[href='/staff/pupils/{having[-1]}/']")
    page.wait_for_url(f"**/staff/pupils/{having[-1]}/")
    assert page.locator("main h1").count() == 1
    assert page.problems == []


def _search(page: Any, base: str, query: str) -> tuple[str, list[str]]:
    page.goto(base + "staff/")
    page.fill("#site-search-q", query)
    page.wait_for_function("q => document.querySelector('.search-status').textContent.includes(q)", arg=f"“{query}”", timeout=10_000)
    hrefs = page.eval_on_selector_all(".search-results a", "as => as.map(a => a.getAttribute('href'))")
    return page.locator(".search-status").text_content() or "", sorted(hrefs)


@pytest.mark.parametrize("query", ["Lomax", "Lom", "lunchtime", "Lomex", "mentor review", "reading age"],
                         ids=["name", "name-prefix", "word", "no-such-word", "two-words", "two-words-b"])
def test_shards_find_what_one_index_over_every_page_finds(site: str, whole_site: str, page: Any, query: str) -> None:
    """The same number of results as one index over all the staff pages, and the same pages when they all show.
    'Lomex' is in no page: Pagefind then answers with the longest word it starts with, across all bundles as one would."""
    status, hrefs = _search(page, site, query)
    expected_status, expected = _search(page, whole_site, query)
    assert status == expected_status
    if "showing the first" not in status:
        assert hrefs == expected
    assert page.problems == []


@pytest.fixture(scope="module")
def tiny_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The three-pupil school: 14 of the 16 shards are empty (no bundle, not listed), served."""
    root = copy_site("tiny", tmp_path_factory.mktemp("tiny-browser"))
    build(root, root / "output", jobs=2, as_of=AS_OF)
    yield from _serve(root / "output")


def test_search_works_with_empty_shards(tiny_site: str, page: Any) -> None:
    status, hrefs = _search(page, tiny_site, "Quillfeather")
    assert status.startswith("1 result") and hrefs == ["/staff/pupils/ada/"]
    assert page.problems == []  # no request for a shard that has no bundle (a 404 is a console error)


def test_governors_search_finds_policies_and_no_pupil(site: str, page: Any) -> None:
    page.goto(site + "governors/")
    page.fill("#site-search-q", "mentor")
    page.locator(".search-results li a").first.wait_for(timeout=10_000)
    assert all("/governors/" in href for href in page.eval_on_selector_all(".search-results a", "as => as.map(a => a.href)"))
    page.fill("#site-search-q", "Lomax")
    page.wait_for_function("document.querySelector('.search-status').textContent.startsWith('Nothing found')", timeout=10_000)
    assert page.locator(".search-results li").count() == 0
    assert page.problems == []


def test_pages_work_with_javascript_off(site: str, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(site + "staff/register/")
    rows = tab.locator("#register tbody tr")
    assert rows.count() >= 20 and all(rows.nth(i).is_visible() for i in range(rows.count()))
    assert not tab.locator("form.filters").is_visible() and not tab.locator(".site-search").is_visible()
    tab.goto(site + "staff/pupils/p023/")
    assert tab.locator("main h1").text_content() == "Harvey Lomax"
    for section in ("Tracking against targets", "Progress charts", "Individual action plan", "Meetings", "Contact with home"):
        assert tab.get_by_role("heading", name=section).is_visible(), section
    assert tab.locator("svg.chart").first.is_visible() and tab.locator("table.tracking tbody tr").count() >= 5
    for path in PAGES.values():
        tab.goto(site + path)
        assert tab.locator("main h1").is_visible(), path
    context.close()


def test_phone_width_pages_do_not_scroll_sideways(site: str, browser: Any) -> None:
    """At 390 px wide only a wide table scrolls, inside its own box; the page itself fits the screen."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    for name, path in PAGES.items():
        tab.goto(site + path)
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{name} is {width}px wide"
    context.close()


def test_no_axe_violations_at_wcag_2_2_aa_on_every_page_type(site: str, browser: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found: dict[str, list[str]] = {}
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        tab = context.new_page()
        for name, path in PAGES.items():
            tab.goto(site + path)
            result = axe.run(tab, options={"runOnly": {"type": "tag", "values": WCAG}})
            violations = result.response["violations"]
            if violations:
                found[f"{name} at {width}px"] = [f"{v['id']} x{len(v['nodes'])}: {v['nodes'][0]['target']}" for v in violations]
        context.close()
    assert found == {}
