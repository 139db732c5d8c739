"""load: reads YAML and Markdown front matter into plain values with the position of every key and value.

It must not judge what the values mean (that is validate.py) and must never
raise anything but `InvalidInput`: every malformed byte becomes a located
diagnostic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, InvalidInput, Position

MAX_BYTES = 2_000_000
"""A pupil file is a few kilobytes; anything this large is a mistake (or an attack)."""

MAX_DEPTH = 24
"""No record needs deeper nesting; a deeper one would only exhaust the stack."""

KeyPath = tuple[str | int, ...]

try:  # libyaml is much faster; both give the same nodes and marks.
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


@dataclass
class Located:
    """A loaded document: its plain value and where each part of it came from.

    `positions[path]` is where the value at that key path starts;
    `key_positions[path]` is where its key is written (for "unknown key").
    """

    path: str
    data: Any
    positions: dict[KeyPath, Position] = field(default_factory=dict)
    key_positions: dict[KeyPath, Position] = field(default_factory=dict)

    def at(self, key_path: KeyPath, *, key: bool = False) -> Position:
        """The best position for a key path: the nearest written ancestor when the key is missing."""
        table = self.key_positions if key else self.positions
        probe = tuple(key_path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get((), Position(1, 1))


@dataclass(frozen=True)
class MarkdownSource:
    """A Markdown file split into its front matter and body."""

    meta: Located
    body: str
    body_line: int
    """1-based line of the body's first line in the file."""


def read_text(abs_path: Path, rel_path: str) -> str:
    """Read a UTF-8 file; non-UTF-8 bytes, empty and huge files are located errors."""
    try:
        raw = abs_path.read_bytes()
    except OSError as err:
        raise InvalidInput([_diag(rel_path, 1, 1, "file.unreadable", f"cannot read the file: {err.strerror}")])
    if len(raw) > MAX_BYTES:
        raise InvalidInput([_diag(rel_path, 1, 1, "file.too_large",
                                  f"file is {len(raw):,} bytes; at most {MAX_BYTES:,} are allowed — is this the right file?")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise InvalidInput([_diag(rel_path, line, column, "file.encoding",
                                  f"byte 0x{raw[err.start]:02x} is not UTF-8; save the file as UTF-8 text")])
    return text.removeprefix("\ufeff")


def load_yaml(abs_path: Path, rel_path: str) -> Located:
    """Load one YAML file that must hold a mapping."""
    text = read_text(abs_path, rel_path)
    if not text.strip():
        raise InvalidInput([_diag(rel_path, 1, 1, "file.empty", "file is empty; expected a mapping of fields such as 'first_name: …'")])
    return parse_yaml(text, rel_path)


def parse_yaml(text: str, rel_path: str, line_offset: int = 0) -> Located:
    """Parse YAML text into a `Located`; `line_offset` shifts positions (front matter)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        column = mark.column + 1 if mark else 1
        at = _char_at(text, mark.line, mark.column) if mark else ""
        raise InvalidInput([_diag(rel_path, line, column, "yaml.syntax", _syntax_message(err, at))])
    except yaml.YAMLError as err:  # ReaderError: control characters
        position = getattr(err, "position", 0) or 0
        before = text[:position]
        line = before.count("\n") + 1 + line_offset
        column = position - (before.rfind("\n") + 1) + 1
        raise InvalidInput([_diag(rel_path, line, column, "yaml.syntax",
                                  "the file holds a control character YAML cannot read; delete it or retype the line")])
    located = Located(rel_path, None)
    if node is None:
        return located
    builder = _Builder(located, line_offset)
    located.data = builder.build(node, (), 0)
    if builder.problems:
        raise InvalidInput(builder.problems)
    return located


def load_markdown(abs_path: Path, rel_path: str) -> MarkdownSource:
    """Split `---` front matter from the body, keeping the body's line offset."""
    text = read_text(abs_path, rel_path).replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return MarkdownSource(Located(rel_path, None, {(): Position(1, 1)}), text, 1)
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            meta = parse_yaml("\n".join(lines[1:index]) + "\n", rel_path, line_offset=1)
            meta.positions.setdefault((), Position(1, 1))
            return MarkdownSource(meta, "\n".join(lines[index + 1:]), index + 2)
    raise InvalidInput([_diag(rel_path, 1, 1, "frontmatter.unclosed",
                              "front matter starts with '---' but no closing '---' line follows; add one after the last field")])


class _Builder:
    """Turns a composed node tree into plain values, recording positions and refusing what YAML allows but records must not use."""

    def __init__(self, located: Located, line_offset: int) -> None:
        self.located = located
        self.line_offset = line_offset
        self.problems: list[Diagnostic] = []
        self.seen: set[int] = set()
        self.constructor = yaml.SafeLoader("")

    def pos(self, node: yaml.Node) -> Position:
        mark = node.start_mark
        return Position(mark.line + 1 + self.line_offset, mark.column + 1)

    def problem(self, node: yaml.Node, code: str, message: str) -> None:
        position = self.pos(node)
        self.problems.append(Diagnostic(self.located.path, position, code, message))

    def build(self, node: yaml.Node, path: KeyPath, depth: int) -> Any:
        self.located.positions[path] = self.pos(node)
        if id(node) in self.seen:
            self.problem(node, "yaml.alias", "anchors and aliases ('&name', '*name') are not allowed; write the value out in full")
            return None
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            self.problem(node, "yaml.too_deep", f"nested more than {MAX_DEPTH} levels deep; records are never this deep — check the indentation")
            return None
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def mapping(self, node: yaml.MappingNode, path: KeyPath, depth: int) -> dict[str, Any]:
        if node.tag not in ("tag:yaml.org,2002:map",):
            self.problem(node, "yaml.tag", f"the tag '{node.tag}' is not allowed; remove it")
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, "yaml.key", "a key must be a plain word such as 'first_name'")
                continue
            if key_node.value == "<<" or key_node.tag == "tag:yaml.org,2002:merge":
                self.problem(key_node, "yaml.merge", "merge keys ('<<') are not allowed; write the fields out in full")
                continue
            if key_node.tag not in _SCALAR_TAGS:
                self.problem(key_node, "yaml.tag", f"the tag '{key_node.tag}' is not allowed; remove it")
                continue
            key = str(key_node.value)  # keys are names: "on", "no" and "2026" stay words, never booleans or numbers
            if key in result:
                first = self.located.key_positions[path + (key,)]
                self.problem(key_node, "yaml.duplicate_key",
                             f"'{key}' is written twice in the same block (first at line {first.line}); keep one")
                continue
            self.located.key_positions[path + (key,)] = self.pos(key_node)
            result[key] = self.build(value_node, path + (key,), depth + 1)
        return result

    def scalar(self, node: yaml.Node) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self.problem(node, "yaml.tag", f"the tag '{node.tag}' is not allowed; remove it")
            return None
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.constructor.ConstructorError):
            if node.tag == "tag:yaml.org,2002:timestamp":
                self.problem(node, "value.date", f"'{node.value}' is not a real date; expected YYYY-MM-DD, e.g. 2026-09-14")
            else:
                self.problem(node, "value.scalar", f"cannot read '{node.value}'")
            return None
        if isinstance(value, dt.datetime):
            return value.date() if (value.hour, value.minute, value.second) == (0, 0, 0) else value
        return value


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    return lines[line][column:column + 1] if line < len(lines) else ""


def _syntax_message(err: yaml.MarkedYAMLError, at: str) -> str:
    """PyYAML's wording, translated for someone who has never heard of a YAML scanner."""
    problem = (err.problem or err.context or "cannot read this YAML").strip()
    if at == "\t" or "\t" in problem:
        return "a tab character is used for indentation; YAML needs spaces (use two spaces per level)"
    if "mapping values are not allowed" in problem:
        return "unexpected ':' here; put a space after the colon in 'key: value', or quote a value that contains ': '"
    if "could not find expected ':'" in problem:
        return "expected 'key: value' on this line; check the colon and the indentation of the lines above"
    if "expected <block end>" in problem or "did not find expected key" in problem:
        return "the indentation here does not match the lines above; line up keys of the same block with spaces"
    if "found undefined alias" in problem or "found unhashable key" in problem:
        return problem
    return f"YAML syntax error: {problem}"


def _diag(path: str, line: int, column: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(path, Position(line, column), code, message)
