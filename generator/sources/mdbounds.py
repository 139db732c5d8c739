"""mdbounds: limits that keep Markdown conversion linear in time and shallow in depth, whatever was typed; no I/O.

`markup` converts every note, policy and letter with Python-Markdown, which
on some inputs `check` rightly accepts works quadratically (20,000 `[` in a
note took 90 seconds per rendering) or recurses once per level of nesting
(2,000 `*` either side of a word, or `- - - … a`, ended the build with a
RecursionError). These limits neutralise such input rather than reject it:
what was typed is still shown, as text; a document of ordinary Markdown
converts exactly as before. It must not print, read files or raise.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

MAX_DEPTH = 32
"""Elements nest at most this deep in converted text: deeper levels become their text (no policy needs 32 nested lists)."""

MAX_CONTAINERS = 16
"""Block quote and list markers at the start of one line ('> - > 1. …') beyond this are shown as typed."""

MAX_INDENT = 128
"""Leading columns of indentation kept on a line (32 levels of nested list); the block parser recurses once per level."""

SCAN_PER_CHARACTER = 64
"""Link parsing may scan this many characters per character of input (plus SCAN_FLOOR) before further brackets are shown as typed."""
SCAN_FLOOR = 10_000

UNCLOSED_TAGS_ALLOWED = 64
"""Beyond this many '<name' with no '>' before the next '<', they are shown as typed (Python's HTML parser rescans each one)."""

_CONTAINER = re.compile(r"[ ]{0,3}(?:>|[-+*][ \t]|[0-9]{1,9}[.)][ \t])[ \t]*")
_UNCLOSED_TAG = re.compile(r"<(?=/?[A-Za-z])[^<>]*(?=<|\Z)")
_LINK_PROCESSORS = ("reference", "link", "image_link", "image_reference", "short_reference", "short_image_ref")


def bounded_source(text: str) -> str:
    """The Markdown source with runaway block nesting and unclosed tags neutralised; ordinary text comes back unchanged."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        lines[i] = _bounded_line(line)
    text = "\n".join(lines)
    unclosed = list(_UNCLOSED_TAG.finditer(text))
    if len(unclosed) > UNCLOSED_TAGS_ALLOWED:
        starts = {m.start() for m in unclosed}
        text = "".join("&lt;" if i in starts else c for i, c in enumerate(text))
    return text


def _bounded_line(line: str) -> str:
    """At most MAX_CONTAINERS quote/list markers and MAX_INDENT columns of indentation at the start of a line."""
    stripped = line.lstrip(" \t")
    lead = len(line) - len(stripped)
    if lead * 4 > MAX_INDENT and len(line[:lead].expandtabs(4)) > MAX_INDENT:  # a tab is up to four columns
        line = " " * MAX_INDENT + stripped
    at, count = 0, 0
    while count < MAX_CONTAINERS:
        match = _CONTAINER.match(line, at)
        if not match:
            return line
        at, count = match.end(), count + 1
    if _CONTAINER.match(line, at):
        rest = line[at:]
        marker = len(rest) - len(rest.lstrip(" "))
        marker += len(rest) - marker - len(rest[marker:].lstrip("0123456789"))  # '1.' is escaped as '1\.', not '\1.'
        return line[:at] + rest[:marker] + "\\" + rest[marker:]
    return line


@dataclass
class _Budget:
    left: int


class BoundsExtension(Extension):
    """Bounds link parsing by a budget proportional to the input, and flattens element nesting beyond MAX_DEPTH."""

    def __init__(self, source_length: int) -> None:
        super().__init__()
        self.budget = _Budget(0)
        self.start(source_length)

    def start(self, source_length: int) -> None:
        """A fresh budget for the next text of `source_length` characters: a reused converter calls this before each
        conversion, so no text spends what another left (or inherits what another saved)."""
        self.budget.left = SCAN_FLOOR + SCAN_PER_CHARACTER * source_length

    def extendMarkdown(self, md: Markdown) -> None:  # Python-Markdown's name for it
        for name in _LINK_PROCESSORS:
            if name in md.inlinePatterns:
                _charge(md.inlinePatterns[name], self.budget)
        md.treeprocessors.register(_DepthCap(md), "mentorsite-depth", 15)  # after 'inline' (20), before 'toc' (5)


def _charge(processor: Any, budget: _Budget) -> None:
    """Make a link processor pay for every character it scans; once the budget is spent, brackets are text.

    Python-Markdown scans from each '[' to its matching ']' (and from each
    '](' to its ')'), so text with many unmatched brackets costs the square
    of its length. The budget is SCAN_PER_CHARACTER times the input: links
    in any real document cost a few times their own length.
    """
    from markdown.inlinepatterns import ReferenceInlineProcessor

    get_text: Callable[..., Any] = processor.getText
    get_link: Callable[..., Any] = processor.getLink
    reference = isinstance(processor, ReferenceInlineProcessor)  # its getLink returns (id, end, handled), a link's (href, title, end, handled)

    def text(data: str, index: int) -> Any:
        if budget.left <= 0:
            return "", index, False
        result = get_text(data, index)
        budget.left -= max(1, result[1] - index)
        return result

    def link(data: str, index: int) -> Any:
        if budget.left <= 0:
            return (None, index, False) if reference else ("", None, index, False)
        result = get_link(data, index)
        end = result[-2]
        if reference and not result[-1]:  # its pattern scanned up to the next ']' before failing
            close = data.find("]", index)
            end = len(data) if close == -1 else close
        budget.left -= max(1, end - index)
        return result

    processor.getText = text
    processor.getLink = link


class _DepthCap(Treeprocessor):
    """Elements deeper than MAX_DEPTH are replaced by their text, so nothing after this (contents list, HTML writer,
    sanitiser, PDF layout) recurses deeper than that, however the emphasis or lists were nested."""

    def run(self, root: etree.Element) -> None:
        stack = [(root, 0)]
        while stack:
            element, depth = stack.pop()
            if depth >= MAX_DEPTH and len(element):
                element.text = text_content(element)
                for child in list(element):
                    element.remove(child)
                continue
            stack.extend((child, depth + 1) for child in element)


def text_content(element: etree.Element) -> str:
    """All the text inside an element (not its tail), in document order, without recursion."""
    out: list[str] = []
    stack: list[tuple[etree.Element, bool]] = [(element, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            out.append(node.tail or "")
            continue
        out.append(node.text or "")
        if node is not element:
            stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    return "".join(out)


_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^>]*>")
_VOID = frozenset({"br", "hr", "img", "wbr", "col", "area", "input", "meta", "link", "source", "track", "embed", "param", "base"})


def cap_depth(html: str, limit: int = MAX_DEPTH) -> str:
    """Sanitised HTML with tags nested deeper than `limit` removed (their text kept).

    The input is the sanitiser's output (well formed, '<' in text escaped),
    so a tag scan is exact. This catches nesting typed as raw HTML
    (`<span>` 1,000 deep), which the Markdown tree never sees.
    """
    if html.count("<") <= limit:
        return html
    out: list[str] = []
    at = depth = 0
    dropped: list[bool] = []
    for match in _HTML_TAG.finditer(html):
        closing, name = match.group(1), match.group(2).lower()
        out.append(html[at:match.start()])
        at = match.end()
        if name in _VOID:
            out.append(match.group())
            continue
        if closing:
            depth -= 1
            if not (dropped.pop() if dropped else False):
                out.append(match.group())
            continue
        depth += 1
        drop = depth > limit
        dropped.append(drop)
        if not drop:
            out.append(match.group())
    out.append(html[at:])
    return "".join(out)
