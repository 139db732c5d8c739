"""letters: letters home from content/letters/*.md — merge fields filled in a sandbox, then Markdown to sanitised HTML; no I/O.

A letter's Markdown is typed by school staff and may be pasted from
anywhere, so it is treated as untrusted text that may hold placeholders,
not as a template: the only template syntax allowed is `{{ field }}` with a
field from MERGE_FIELDS. Anything else — statements, filters, calls,
`{{ pupil.__class__ }}` — is a located error (`check`, run by validation),
and the merge itself runs in Jinja's immutable sandbox with only the small
`LetterFields` view, so even a check that missed something could reach
nothing but a pupil's names, the mentor's name, the school and a date.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from generator.sources import markup
from generator.sources.diagnostics import (
    Diagnostic,
    InvalidInput,
    Position,
    did_you_mean,
    one_of,
)

MERGE_FIELDS = ("pupil.first_name", "pupil.last_name", "pupil.reasons", "mentor.name", "school", "date")
"""Everything a letter may say about its recipient: no record field beyond the names."""

_TAG = re.compile(r"\{\{(.*?)\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_FIELD = re.compile(r"^[-+]?\s*([A-Za-z_][\w.]*)\s*[-+]?$", re.DOTALL)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|])")


@dataclass(frozen=True)
class LetterPupil:
    first_name: str
    last_name: str
    reasons: str = "to give some extra support for a few weeks"
    """P3: why mentoring is starting, in words written for parents (`reasons_for_family`), never the staff's referral reasons."""


@dataclass(frozen=True)
class LetterMentor:
    name: str


@dataclass(frozen=True)
class LetterFields:
    """The whole of what a letter's merge fields can reach."""

    pupil: LetterPupil
    mentor: LetterMentor
    school: str
    date: str


@dataclass(frozen=True)
class LetterTemplate:
    slug: str
    title: str
    template: jinja2.Template


def _environment() -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(
        autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
        finalize=lambda value: _MARKDOWN_SPECIAL.sub(r"\\\1", str(value)),  # a name is text, never Markdown
    )


_ENV = _environment()


def check(rel_path: str, body: str, body_line: int) -> list[Diagnostic]:
    """Every placeholder that is not a known merge field, located in the letter file.

    `body_line` is the file line the body starts on (after the front matter).
    """
    problems: list[Diagnostic] = []

    def at(offset: int) -> Position:
        line = body.count("\n", 0, offset)
        column = offset - (body.rfind("\n", 0, offset) + 1) + 1
        return Position(body_line + line, column)

    allowed = "a letter may use only " + one_of("{{ " + f + " }}" for f in MERGE_FIELDS)
    for match in _TAG.finditer(body):
        text = " ".join(match.group(0).split())
        if match.group(1) is None:
            problems.append(Diagnostic(rel_path, at(match.start()), "letter.template.code",
                                       f"'{_short(text)}' is template code, not a merge field; {allowed}"))
            continue
        field = _FIELD.match(match.group(1))
        name = field.group(1) if field else None
        if name not in MERGE_FIELDS:
            hint = did_you_mean(name, MERGE_FIELDS) if name and name[:1] != "_" and "._" not in name else ""
            problems.append(Diagnostic(rel_path, at(match.start()), "letter.field.unknown",
                                       f"unknown merge field '{_short(text)}'{hint}; {allowed}"))
    if problems:
        return problems
    try:  # the placeholders look right; make sure Jinja reads the text the same way
        tree = _ENV.parse(body)
    except jinja2.TemplateSyntaxError as err:
        line = max(1, err.lineno or 1)
        return [Diagnostic(rel_path, Position(body_line + line - 1, 1), "letter.template.syntax",
                           f"this letter's placeholders cannot be read ({err.message}); {allowed}")]
    for node, line in _disallowed(tree):
        problems.append(Diagnostic(rel_path, Position(body_line + line - 1, 1), "letter.template.code",
                                   f"this line holds template code ({type(node).__name__}), not a merge field; {allowed}"))
    return problems


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "…"


def _disallowed(tree: nodes.Template) -> list[tuple[nodes.Node, int]]:
    """Nodes other than plain text and allowed `{{ a.b }}` fields: what the sandbox must never be asked to run."""
    bad: list[tuple[nodes.Node, int]] = []
    for statement in tree.body:
        if not isinstance(statement, nodes.Output):
            bad.append((statement, statement.lineno))
            continue
        for child in statement.nodes:
            if isinstance(child, nodes.TemplateData):
                continue
            if _dotted(child) not in MERGE_FIELDS:
                bad.append((child, child.lineno))
    return bad


def _dotted(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        head = _dotted(node.node)
        return f"{head}.{node.attr}" if head else None
    return None


class _Titled(Protocol):
    """A letter's front matter as compile_letters reads it (schema.LetterMeta)."""

    @property
    def title(self) -> str: ...


def compile_letters(letters: Mapping[str, tuple[_Titled, str] | tuple[_Titled, str, int]]) -> dict[str, LetterTemplate]:
    """Each letter's body as a sandboxed template, keyed by slug; raises InvalidInput if one holds more than merge fields.

    Validation has already run `check` on every letter; checking again here
    keeps this module safe on its own.
    """
    compiled: dict[str, LetterTemplate] = {}
    problems: list[Diagnostic] = []
    for slug, entry in sorted(letters.items()):
        meta, body = entry[0], str(entry[1])
        body_line = int(entry[2]) if len(entry) > 2 else 1
        found = check(f"content/letters/{slug}.md", body, body_line)
        problems += found
        if not found:
            compiled[slug] = LetterTemplate(slug, str(meta.title), _ENV.from_string(body))
    if problems:
        raise InvalidInput(problems)
    return compiled


def merge(letter: LetterTemplate, fields: LetterFields) -> Markup:
    """The letter for one family: merge fields filled in the sandbox, then Markdown to sanitised HTML."""
    text = letter.template.render(pupil=fields.pupil, mentor=fields.mentor, school=fields.school, date=fields.date)
    return markup.to_html(text, shift_headings=1)
