"""Markdown conversion bounded in work and depth: pathological notes render, as text, in linear work; ordinary ones as before.

No timings here (they are in benchmarks/markup_bench.py): work is counted as
the characters Python-Markdown's link parser scans, and depth as the nesting
of the HTML that reaches templates and the PDF renderer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import markdown
import pytest
from markdown.inlinepatterns import LinkInlineProcessor, ReferenceInlineProcessor

from generator.sources import markup, mdbounds

REPO = Path(__file__).resolve().parent.parent


def depth(html: str) -> int:
    deepest = level = 0
    for closing, name in re.findall(r"<(/?)([a-z0-9]+)\b[^>]*>", html):
        if name in ("br", "hr", "img", "wbr"):
            continue
        level += -1 if closing else 1
        deepest = max(deepest, level)
    return deepest


DEEP = [
    ("2000-stars-either-side", "*" * 2000 + "a" + "*" * 2000, "a"),
    ("2000-underscores-either-side", "_" * 2000 + "a" + "_" * 2000, "a"),
    ("strong-nested-by-words", "**a " * 1500 + "b" + " a**" * 1500, "b"),
    ("list-markers-on-one-line", "- " * 1000 + "deepest", "deepest"),
    ("numbered-markers-on-one-line", "1. " * 1000 + "deepest", "deepest"),
    ("lists-nested-by-indentation", "".join("    " * i + f"- level {i}\n" for i in range(400)), "level 399"),
    ("lists-nested-by-tabs", "".join("\t" * i + f"- level {i}\n" for i in range(400)), "level 399"),
    ("quotes-and-lists", "> - " * 1000 + "deepest", "deepest"),
    ("raw-spans", "<span>" * 1000 + "inside" + "</span>" * 1000, "inside"),
    ("raw-divs", "<div>" * 1000 + "inside" + "</div>" * 1000, "inside"),
]


@pytest.mark.parametrize("text, shown", [(t, s) for _i, t, s in DEEP], ids=[i for i, _t, _s in DEEP])
def test_deep_nesting_renders_shallow_and_keeps_the_text(text: str, shown: str) -> None:
    html = str(markup.render(text).html)
    assert depth(html) <= mdbounds.MAX_DEPTH
    assert shown in html


@pytest.fixture
def scanned(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Characters scanned by every link, image and reference parse (Python-Markdown's quadratic path), summed."""
    total = [0]
    monkeypatch.setattr(markup._LOCAL, "converter", None)  # the next converter is built with the counting methods below

    def counting(method: Callable[..., Any], at_end: Callable[[Any, str, int], int]) -> Callable[..., Any]:
        def wrapper(self: Any, data: str, index: int) -> Any:
            result = method(self, data, index)
            total[0] += max(1, at_end(result, data, index) - index)
            return result
        return wrapper

    def reference_end(result: Any, data: str, index: int) -> int:
        close = data.find("]", index)
        return result[-2] if result[-1] else (len(data) if close == -1 else close)

    monkeypatch.setattr(LinkInlineProcessor, "getText", counting(LinkInlineProcessor.getText, lambda r, _d, _i: r[1]))
    monkeypatch.setattr(LinkInlineProcessor, "getLink", counting(LinkInlineProcessor.getLink, lambda r, _d, _i: r[-2]))
    monkeypatch.setattr(ReferenceInlineProcessor, "getLink", counting(ReferenceInlineProcessor.getLink, reference_end))
    yield total


BRACKETS = [
    ("open-brackets", "[" * 3000),
    ("nested-brackets", "[" * 1500 + "a" + "]" * 1500),
    ("links-never-closed", "[a](" * 750),
    ("images-never-closed", "![" * 1500),
    ("brackets-and-parentheses", "[(" * 1500),
    ("references-never-closed", "[a][" * 1000),
]


@pytest.mark.parametrize("text", [t for _i, t in BRACKETS], ids=[i for i, _t in BRACKETS])
def test_bracket_runs_cost_linear_work_and_show_as_typed(scanned: list[int], text: str) -> None:
    html = str(markup.render(text).html)
    assert scanned[0] <= mdbounds.SCAN_FLOOR + (mdbounds.SCAN_PER_CHARACTER + 1) * len(text)
    assert html.count("[") == text.count("[")
    assert scanned[0] > 0  # the counting reached the converter that ran


def test_a_reused_converter_gives_each_text_its_own_budget_and_references() -> None:
    """One converter per thread serves every text: a text that spent its budget leaves the next one a full budget,
    and link references defined in one text are not links in the next."""
    assert str(markup.render("[" * 5000 + " spent").html).count("[") == 5000
    assert '<a href="https://example.org/after"' in str(markup.render("[after](https://example.org/after)").html)
    assert '<a href="https://example.org/r"' in str(markup.render("[x][r] defined\n\n[r]: https://example.org/r").html)
    assert "<a " not in str(markup.render("[y][r] not defined here").html)
    assert [h.anchor for h in markup.render("## Aims\n\ntext").headings] == ["aims"]
    assert [h.anchor for h in markup.render("## Aims\n\nother text").headings] == ["aims"]


def test_unclosed_tags_are_shown_as_typed_without_the_html_parser_rescanning_each() -> None:
    text = "<a " * 3000
    assert mdbounds.bounded_source(text) == "&lt;a " * 3000
    assert str(markup.render(text).html).count("&lt;a") == 3000


def _ordinary_texts() -> list[tuple[str, str]]:
    texts = [(p.relative_to(REPO).as_posix(), p.read_text(encoding="utf-8"))
             for pattern in ("content/**/*.md", "examples/*/content/**/*.md") for p in sorted(REPO.glob(pattern))]
    texts += [
        ("links-and-citations", "See [the policy](https://example.org/p \"Policy\") and [1], [2][ref] and ![logo](x.png).\n\n[ref]: https://e.org"),
        ("nested-lists", "- one\n    - two\n        - three\n            1. four\n\n> quoted\n> > twice\n"),
        ("emphasis", "*a* **b** ***c*** _d_ __e__ `code [x` <b>bold</b> <span>x</span>\n\n****\n\n| a | b |\n|---|---|\n| 1 | 2 |"),
        ("some-brackets", "[" * 10 + " unmatched, and <a few <b unclosed"),
    ]
    return texts


@pytest.mark.parametrize("text", [t for _n, t in _ordinary_texts()], ids=[n for n, _t in _ordinary_texts()])
def test_ordinary_markdown_converts_exactly_as_without_the_bounds(text: str) -> None:
    assert mdbounds.bounded_source(text) == text
    plain = markdown.Markdown(extensions=["tables", "sane_lists", "toc", "smarty"],
                              extension_configs={"toc": {"permalink": False, "toc_depth": "2-3"}}, output_format="html")
    assert markup._converter(len(text)).convert(text) == plain.convert(text)


def test_markers_beyond_the_limit_are_shown_as_typed() -> None:
    limit = mdbounds.MAX_CONTAINERS
    assert mdbounds.bounded_source("- " * (limit + 2) + "x") == "- " * limit + "\\- - x"
    assert mdbounds.bounded_source("12. " * (limit + 1) + "x") == "12. " * limit + "12\\. x"
    assert mdbounds.bounded_source("> " * (limit + 1) + "x") == "> " * limit + "\\> x"
    assert "12. x" in str(markup.render("12. " * (limit + 1) + "x").html)


def test_cap_depth_keeps_text_and_balance() -> None:
    html = "<p>" + "<span>" * 40 + "x" + "</span>" * 40 + "<br>y</p>"
    capped = mdbounds.cap_depth(html, limit=5)
    assert capped == "<p>" + "<span>" * 4 + "x" + "</span>" * 4 + "<br>y</p>"
