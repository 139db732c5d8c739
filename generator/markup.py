"""markup: Markdown to sanitised HTML for notes, policies and letters; no I/O.

Everything a person typed passes through `to_html`, and nothing else turns
text into HTML, so there is one place to get script injection right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import markdown
import nh3
from markupsafe import Markup

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


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class Rendered:
    html: Markup
    headings: tuple[Heading, ...]


def _converter() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["tables", "sane_lists", "toc", "smarty"],
        extension_configs={"toc": {"permalink": False, "toc_depth": "2-3"}},
        output_format="html",
    )


def to_html(text: str, *, shift_headings: int = 0) -> Markup:
    """Markdown → HTML with scripts, handlers, iframes and `javascript:` links removed."""
    return render(text, shift_headings=shift_headings).html


def render(text: str, *, shift_headings: int = 0) -> Rendered:
    """Markdown → sanitised HTML plus the headings (for a contents list)."""
    converter = _converter()
    raw = converter.convert(_normalise(text))
    if shift_headings:
        raw = re.sub(r"<(/?)h([1-6])", lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + shift_headings)}", raw)
    clean = nh3.clean(raw, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES, url_schemes=_URL_SCHEMES,
                      link_rel="noopener noreferrer", strip_comments=True)
    headings = tuple(_flatten(getattr(converter, "toc_tokens", [])))
    return Rendered(Markup(clean), headings)


def plain(text: str) -> str:
    """Strip Markdown down to text for places that cannot hold HTML (PDF metadata, titles)."""
    return nh3.clean(markdown.markdown(text), tags=set()).strip()


def _normalise(text: str) -> str:
    """Word-processor habits, made into Markdown: '·' and '•' bullets become list items."""
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        stripped = line.lstrip()
        if stripped[:1] in ("•", "·", "◦", "▪") and stripped[1:2] in (" ", "\t"):
            line = line[: len(line) - len(stripped)] + "- " + stripped[2:].lstrip()
        lines.append(line)
    return "\n".join(lines)


def _flatten(tokens: list[dict]) -> list[Heading]:
    out: list[Heading] = []
    for token in tokens:
        out.append(Heading(int(token["level"]), str(token["id"]), nh3.clean(str(token["name"]), tags=set())))
        out.extend(_flatten(token.get("children", [])))
    return out
