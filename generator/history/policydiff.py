"""history.policydiff: what governors may read about a policy's past — the rendered text's changes since approval and each version's approval; pure,
no git, no I/O.

Nothing here hands on what a commit author typed for git: a diff is taken
between the *rendered* texts (Markdown converted and sanitised, so HTML
comments and markup are gone), and only the current version's words are
passed on. Text that was removed is counted, never quoted, so deleting a
name from a policy does not republish it as "Removed: …".
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal

from generator.history.git import body
from generator.sources.diagnostics import InvalidInput
from generator.sources.load import MAX_BYTES, parse_text
from generator.sources.markup import render

_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre", "dt", "dd", "caption", "blockquote", "table",
           "ul", "ol", "dl", "div", "hr", "br"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MAX_FIELD = 200
"""Characters kept of an approval written in an old version's front matter."""


@dataclass(frozen=True)
class Passage:
    """One passage of the current policy that is new or reworded since approval, as governors read it (plain text)."""

    kind: Literal["added", "changed"]
    text: str


@dataclass(frozen=True)
class SinceApproval:
    passages: tuple[Passage, ...]
    removed: int
    """How many passages of the approved text are gone; their words are not kept."""

    @property
    def changed(self) -> bool:
        return bool(self.passages) or self.removed > 0


@dataclass(frozen=True)
class Approval:
    by: str | None
    on: dt.date | None


class _Passages(HTMLParser):
    """Block-level text of sanitised HTML: each paragraph, list item, heading and table row is one passage."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.current: list[str] = []

    def flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.out.append(text)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.flush()
        elif tag in ("td", "th"):
            self.current.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.flush()

    def handle_data(self, data: str) -> None:
        self.current.append(data)


def passages(markdown_body: str) -> list[str]:
    """The policy body as governors read it: rendered, sanitised (comments gone), one plain string per block.

    Raises ValueError for a body too large to be an input file; the Markdown
    converter's own limits apply as they do to the current text.
    """
    if len(markdown_body) > MAX_BYTES:
        raise ValueError("too large")
    parser = _Passages()
    parser.feed(str(render(markdown_body).html))
    parser.close()
    parser.flush()
    return parser.out


def since_approval(approved_text: str, body_now: str) -> SinceApproval | None:
    """What changed in the rendered text since the approved version; None when the approved version cannot be read.

    Added passages and reworded ones are shown as they read now; a removed
    passage is only counted. A reworded passage never shows its old words,
    so a redaction inside a sentence shows the redacted sentence only.
    """
    try:
        old = passages(body(approved_text))
    except Exception:
        return None
    new = passages(body_now)
    shown: list[Passage] = []
    removed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "insert":
            shown.extend(Passage("added", text) for text in new[j1:j2])
        elif tag == "delete":
            removed += i2 - i1
        else:
            left = list(old[i1:i2])
            for text in new[j1:j2]:
                match = _closest(text, left)
                if match is None:
                    shown.append(Passage("added", text))
                else:
                    left.remove(match)
                    shown.append(Passage("changed", text))
            removed += len(left)
    return SinceApproval(tuple(shown), removed)


REWORDED = 0.5
"""How alike (difflib's ratio, by words) an old and a new passage must be for the new one to count as a rewording."""


def _closest(text: str, candidates: list[str]) -> str | None:
    """The old passage this new one rewords, if any is alike enough; otherwise the new one is an addition."""
    words = text.split()
    best, score = None, REWORDED
    for candidate in candidates:
        ratio = difflib.SequenceMatcher(None, candidate.split(), words, autojunk=False).ratio()
        if ratio >= score:
            best, score = candidate, ratio
    return best


def approval(text: str | None, path: str) -> Approval:
    """`approved_by` and `approved_on` from one version's front matter, read with the input limits; unreadable → nothing."""
    if text is None:
        return Approval(None, None)
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        return Approval(None, None)
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return Approval(None, None)
    try:
        meta = parse_text("\n".join(lines[1:end]) + "\n", path).data
    except (InvalidInput, RecursionError, ValueError):
        return Approval(None, None)
    if not isinstance(meta, dict):
        return Approval(None, None)
    by, on = meta.get("approved_by"), meta.get("approved_on")
    shown = " ".join(_CONTROL.sub("", by).split())[:MAX_FIELD] if isinstance(by, str) else None
    return Approval(shown or None, on if isinstance(on, dt.date) and not isinstance(on, dt.datetime) else None)
