"""markup: Markdown to sanitised HTML for notes, policies and letters; no I/O.

Everything a person typed passes through `to_html`, and nothing else turns
text into HTML, so there is one place to get script injection right.
"""

from __future__ import annotations

import functools
import html
import re
import threading
from dataclasses import dataclass
from typing import Any

import markdown
import nh3
from markupsafe import Markup

from generator.sources import mdbounds

_ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "sub", "sup",
    "ul", "ol", "li", "blockquote", "pre", "code", "table", "thead", "tbody", "tr", "th", "td", "caption",
    "a", "abbr", "dl", "dt", "dd", "span", "div",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"}, "abbr": {"title"}, "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"}, "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"},
    "h5": {"id"}, "h6": {"id"}, "ol": {"start"}, "div": {"class"}, "span": {"class"},
}
_URL_SCHEMES = {"https", "http", "mailto", "tel"}
_VOID = {"area", "base", "br", "col", "embed", "frame", "hr", "image", "img", "input", "keygen", "link", "meta", "param",
         "source", "track", "wbr"}
"""Elements that never have content: the sanitiser can drop any of them without losing text."""

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)(?=[\s/>]|$)")
"""A start or end tag in Markdown's output (which holds raw HTML only where someone typed it)."""

_BOGUS = re.compile(r"<!--|<[!?]|</(?![A-Za-z])")
"""Openings an HTML parser reads as a comment, up to '-->' or the next '>'."""


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str
    """Plain text (templates escape it), not HTML."""


@dataclass(frozen=True)
class Rendered:
    html: Markup
    headings: tuple[Heading, ...]


def _converter(source_length: int = 0) -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["tables", "sane_lists", "toc", "smarty", mdbounds.BoundsExtension(source_length)],
        extension_configs={"toc": {"permalink": False, "toc_depth": "2-3"}},
        output_format="html",
    )


_LOCAL = threading.local()
"""This thread's converter and its bounds: building a converter costs more than most conversions, so it is reused."""


def _fresh_converter(source_length: int) -> markdown.Markdown:
    """This thread's converter, reset (no references, stash or headings left from the last text) and given a budget
    sized to this text alone (mdbounds: one text's bounds never depend on another's)."""
    reused: tuple[markdown.Markdown, mdbounds.BoundsExtension] | None = getattr(_LOCAL, "converter", None)
    if reused is None:
        bounds = mdbounds.BoundsExtension(source_length)
        reused = (markdown.Markdown(
            extensions=["tables", "sane_lists", "toc", "smarty", bounds],
            extension_configs={"toc": {"permalink": False, "toc_depth": "2-3"}},
            output_format="html",
        ), bounds)
        _LOCAL.converter = reused
    converter, bounds = reused
    converter.reset()
    bounds.start(source_length)
    return converter


def to_html(text: str, *, shift_headings: int = 0) -> Markup:
    """Markdown → HTML with handlers, embeds and `javascript:` links removed, and script/style/iframe tags shown as text."""
    return render(text, shift_headings=shift_headings).html


@functools.lru_cache(maxsize=20_000)
def render(text: str, *, shift_headings: int = 0) -> Rendered:
    """Markdown → sanitised HTML plus the headings (for a contents list); once per text (pure, and its result is immutable)."""
    source = mdbounds.bounded_source(_normalise(text))
    converter = _fresh_converter(len(source))
    try:
        raw = converter.convert(source)
    except RecursionError:  # a last resort: mdbounds keeps nesting far below the limit
        _LOCAL.converter = None  # left half-way through a text: the next one gets a new converter
        return Rendered(Markup(_paragraphs(text)), ())
    if shift_headings:
        raw = re.sub(r"<(/?)h([1-6])", lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + shift_headings)}", raw)
    raw = _defuse(raw)
    clean = nh3.clean(raw, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES, url_schemes=_URL_SCHEMES,
                      link_rel="noopener noreferrer", strip_comments=True)
    clean = mdbounds.cap_depth(clean)
    headings = tuple(_flatten(getattr(converter, "toc_tokens", [])))
    return Rendered(Markup(clean), headings)


def _paragraphs(text: str) -> str:
    """Text as escaped paragraphs, with no Markdown at all."""
    return "".join(f"<p>{html.escape(part.strip())}</p>" for part in re.split(r"\n[ \t]*\n", text) if part.strip())


def _defuse(raw: str) -> str:
    """Show as text the raw HTML that the sanitiser would otherwise let swallow the text after it.

    A tag outside the allow-list that can have content is shown as typed:
    removed, `<script>` or `<style>` would take everything after them with
    it (a note saying "wrote <script> in an essay" would lose its end), and
    SVG/MathML names such as `<text>` or `<use>`, unclosed, do the same; an
    `<iframe>` would turn the rest into markup source. Void tags (`<img>`,
    `<link>`, what Markdown's `![x](…)` makes) are left for the sanitiser to
    drop. A closed HTML comment stays a comment (stripped: a hidden note in a
    policy stays hidden); an unclosed one, and `<?`, `<!x`, `</3`, which a
    parser reads as comments up to the next '>', are shown.
    """

    def tag(match: re.Match[str]) -> str:
        name = match.group(2).lower()
        return match.group() if name in _ALLOWED_TAGS or name in _VOID else "&lt;" + match.group()[1:]

    raw = _TAG.sub(tag, raw)
    out, at = [], 0
    for match in _BOGUS.finditer(raw):
        if match.start() < at:
            continue
        if match.group() == "<!--":
            end = raw.find("-->", match.end())
            if end != -1:
                out.append(raw[at:end + 3])
                at = end + 3
                continue
        out.append(raw[at:match.start()] + "&lt;")
        at = match.start() + 1
    return "".join(out) + raw[at:]


def plain(text: str) -> str:
    """Strip Markdown down to text for places that cannot hold HTML (PDF metadata, titles).

    The result is plain text ('a < b', not 'a &lt; b'): templates escape it
    once, as they do every other string.
    """
    return _text(markdown.markdown(text)).strip()


def _text(fragment: str) -> str:
    """An HTML fragment's text content, unescaped: tags (and script/style content) dropped."""
    return html.unescape(nh3.clean(fragment, tags=set()))


def _normalise(text: str) -> str:
    """Word-processor habits, made into Markdown.

    '·' and '•' bullets become list items, and a run of two or more lines
    holding tabs (a table pasted from a word processor) becomes a Markdown
    table with its first line as the header, rather than a code block.
    """
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        stripped = line.lstrip()
        if stripped[:1] in ("•", "·", "◦", "▪") and stripped[1:2] in (" ", "\t"):
            line = line[: len(line) - len(stripped)] + "- " + stripped[2:].lstrip()
        lines.append(line)
    return "\n".join(_tab_tables(lines))


def _tab_tables(lines: list[str]) -> list[str]:
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= 2:
            rows = [[cell.strip().replace("|", "\\|") for cell in row.strip("\t").split("\t")] for row in run]
            width = max(len(r) for r in rows)
            rows = [r + [""] * (width - len(r)) for r in rows]
            if out and out[-1].strip():
                out.append("")
            out.append("| " + " | ".join(rows[0]) + " |")
            out.append("|" + "---|" * width)
            out.extend("| " + " | ".join(r) + " |" for r in rows[1:])
            out.append("")
        else:
            out.extend(run)
        run.clear()

    for line in lines:
        if "\t" in line.strip("\t ") and not line.startswith(("    ", "\t")):
            run.append(line)
            continue
        flush()
        out.append(line)
    flush()
    return out


def _flatten(tokens: list[dict[str, Any]]) -> list[Heading]:
    out: list[Heading] = []
    for token in tokens:
        out.append(Heading(int(token["level"]), str(token["id"]), _text(str(token["name"]))))
        out.extend(_flatten(token.get("children", [])))
    return out
