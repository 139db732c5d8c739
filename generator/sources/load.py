"""load: reads YAML and Markdown front matter into plain values with the position of every key and value.

It must not judge what the values mean (that is validate.py) and must never
raise anything but `InvalidInput`: every malformed byte becomes a located
diagnostic.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.sources.diagnostics import Diagnostic, InvalidInput, Position

MAX_BYTES = 2_000_000
"""A pupil file is a few kilobytes; anything this large is a mistake (or an attack)."""

MAX_DEPTH = 24
"""No record needs deeper nesting; anything deeper is reported at its first too-deep value and not read further."""

_ABORT_DEPTH = 100
"""Nesting at which reading stops at once, with that one problem: a file nested this deep is not a record at all."""

MAX_NODES = 100_000
"""A pupil file holds a few hundred values; this many is a mistake (or an attack) and would take minutes."""

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
"""Characters no text file of ours may hold: C0/C1 controls (tab, line breaks, \\v and \\f aside), surrogates, non-characters."""

_VALUE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
"""The same for a loaded value, where YAML escapes such as "\\0" or "\\e" can produce them."""

_LINE_SEPARATOR = re.compile(r"[\u2028\u2029]")
"""Unicode line and paragraph separators: line breaks to YAML, invisible in an editor."""

KeyPath = tuple[str | int, ...]

try:  # libyaml is much faster; both give the same events and marks.
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
    """Read a UTF-8 text file; non-UTF-8 bytes, control characters, empty and huge files are located errors."""
    try:
        info = abs_path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
            raise InvalidInput([_diag(rel_path, 1, 1, "file.unreadable", "this is not a regular file; replace it with a text file")])
        with open(abs_path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
            size = max(os.fstat(handle.fileno()).st_size, len(raw))
    except OSError as err:
        raise InvalidInput([_diag(rel_path, 1, 1, "file.unreadable", f"cannot read the file: {err.strerror or err}")])
    if len(raw) > MAX_BYTES:
        raise InvalidInput([_diag(rel_path, 1, 1, "file.too_large",
                                  f"file is {size:,} bytes; at most {MAX_BYTES:,} are allowed — is this the right file?")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        line_start = raw.rfind(b"\n", 0, err.start) + 1
        column = len(raw[line_start:err.start].decode("utf-8", "replace")) + 1  # characters, as an editor counts
        raise InvalidInput([_diag(rel_path, line, column, "file.encoding",
                                  f"byte 0x{raw[err.start]:02x} is not UTF-8; save the file as UTF-8 text")])
    text = text.removeprefix("\ufeff")
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise InvalidInput([_diag(rel_path, line, column, "file.control",
                                  f"the file holds the control character {_codepoint(bad.group())}, which is not text; "
                                  "delete it or retype the line")])
    return text


def load_yaml(abs_path: Path, rel_path: str, example: str = "first_name") -> Located:
    """Load one YAML file that must hold a mapping; `example` is a field the empty-file message suggests."""
    text = read_text(abs_path, rel_path)
    if not text.strip():
        raise InvalidInput([_diag(rel_path, 1, 1, "file.empty", f"file is empty; expected a mapping of fields such as '{example}: …'")])
    return parse_yaml(text, rel_path)


def parse_yaml(text: str, rel_path: str, line_offset: int = 0) -> Located:
    """Parse YAML text into a `Located`; `line_offset` shifts positions (front matter)."""
    separator = _LINE_SEPARATOR.search(text)
    if separator:  # YAML counts it as a line break, so every later line number would be off by one
        line = text.count("\n", 0, separator.start()) + 1 + line_offset
        column = separator.start() - (text.rfind("\n", 0, separator.start()) + 1) + 1
        raise InvalidInput([_diag(rel_path, line, column, "file.control",
                                  f"the file holds an invisible {_codepoint(separator.group())}, often pasted from a web page "
                                  "or word processor; delete it or retype the line")])
    located = Located(rel_path, None)
    builder = _Builder(located, text, line_offset)
    try:
        located.data = builder.document()
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
    if builder.problems:
        raise InvalidInput(builder.problems)
    return located


def parse_text(text: str, rel_path: str) -> Located:
    """YAML text that did not come from a file (a past version read from git), with every limit a file gets.

    Size, control characters, nesting, number of values, aliases, tags and
    duplicate keys are refused exactly as for the current file, so an old
    version cannot do what a current one may not (a 150,000-deep version once
    crashed the process, when files were composed by libyaml). Raises
    `InvalidInput`.
    """
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise InvalidInput([_diag(rel_path, 1, 1, "file.too_large", f"more than {MAX_BYTES:,} bytes")])
    text = text.removeprefix("\ufeff")
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise InvalidInput([_diag(rel_path, line, 1, "file.control", f"the control character {_codepoint(bad.group())}")])
    return parse_yaml(text, rel_path)


_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep; records are never this deep — check the indentation"


def load_markdown(abs_path: Path, rel_path: str) -> MarkdownSource:
    """Split `---` front matter from the body, keeping the body's line offset."""
    text = read_text(abs_path, rel_path).replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        body = _breaks(text)
        return MarkdownSource(Located(rel_path, None, {(): Position(1, 1)}), body, 1)
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            meta = parse_yaml("\n".join(lines[1:index]) + "\n", rel_path, line_offset=1)
            meta.positions.setdefault((), Position(1, 1))
            body = _breaks("\n".join(lines[index + 1:]))
            return MarkdownSource(meta, body, index + 2)
    raise InvalidInput([_diag(rel_path, 1, 1, "frontmatter.unclosed",
                              "front matter starts with '---' but no closing '---' line follows; add one after the last field")])


def _breaks(body: str) -> str:
    """Word processors' line and page breaks (\\v, \\f, U+2028, U+2029), pasted into a Markdown body, become line breaks."""
    return re.sub(r"[\v\f\u2028\u2029]", "\n", body)


_POSITIONS: dict[tuple[int, int], Position] = {}
"""One Position per (line, column) for every file: they are frozen, and the same few thousand recur in every record."""
_POSITIONS_KEPT = 100_000

_CONSTRUCTOR = yaml.constructor.SafeConstructor()
"""Scalars only: their constructors read nothing but the node, so one instance serves every file and thread."""
_CONSTRUCT = {tag: yaml.constructor.SafeConstructor.yaml_constructors[tag] for tag in _SCALAR_TAGS}


_MAP, _SEQ, _MERGE = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:merge"
_STR = "tag:yaml.org,2002:str"
_NODE_EVENTS = frozenset({yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent})


class _Builder:
    """Reads the parser's events once, straight into plain values, recording positions and refusing what YAML allows
    but records must not use.

    Nothing is composed into nodes first: libyaml's composer recurses in C
    (100,000 '[' crashed the process) and the pure-Python one in Python, so
    reading events is the one pass that is safe at any depth. A value nested
    deeper than `MAX_DEPTH` is reported and its events are passed over without
    recursing; more than `MAX_NODES` values, or nesting past `_ABORT_DEPTH`,
    stop reading at once. An alias is reported where its anchor's value
    starts, as the composer would place it, and is never expanded; an
    undefined alias, a duplicate anchor and a second document are syntax
    errors worded as the composer words them, raised once the whole stream
    has been read (a parser error anywhere comes first, as when the stream
    was parsed before it was composed).
    """

    def __init__(self, located: Located, text: str, line_offset: int) -> None:
        self.located = located
        self.line_offset = line_offset
        self.problems: list[Diagnostic] = []
        self.parser = _Loader(text)
        self.nodes = 0
        self.anchors: dict[str, Any] = {}
        """Anchor name → the start mark of the value it names."""
        self.composer_error: yaml.composer.ComposerError | None = None
        self.first_too_deep: Any = None
        """The start mark of the first collection nested deeper than `MAX_DEPTH`: where an aborted read is reported."""

    def document(self) -> Any:
        """The one document's value (None for an empty stream), or raises the parser's or composer's `YAMLError`."""
        try:
            self.parser.get_event()  # StreamStart
            if isinstance(self.parser.peek_event(), yaml.StreamEndEvent):
                return None
            start = self.parser.get_event()  # DocumentStart
            value = self.value(self.next(), (), 0)
            self.parser.get_event()  # DocumentEnd
            event = self.parser.get_event()
            if not isinstance(event, yaml.StreamEndEvent):
                self.defer(yaml.composer.ComposerError("expected a single document in the stream", start.start_mark,
                                                       "but found another document", event.start_mark))
                while not isinstance(event := self.next(), yaml.StreamEndEvent):  # the rest is read for its limits and syntax
                    self.skip(event, 0)
            if self.composer_error is not None:
                raise self.composer_error
            return value
        finally:
            self.parser.dispose()

    def next(self) -> Any:
        event = self.parser.get_event()
        if type(event) in _NODE_EVENTS:  # the parsers make exactly these classes
            mark: Any = event.start_mark  # libyaml's own Mark type, which the stubs do not accept where PyYAML's is expected
            self.nodes += 1
            if self.nodes > MAX_NODES:
                raise InvalidInput([self.diagnostic(mark, "yaml.too_big", f"the file holds more than {MAX_NODES:,} values; "
                                                    "a record is never this large — is this the right file?")])
            anchor = event.anchor
            if anchor is None:
                return event
            if type(event) is yaml.AliasEvent:
                if anchor not in self.anchors:  # wherever it is, a skipped value included, as the composer found them all
                    self.defer(yaml.composer.ComposerError(None, None, f"found undefined alias {anchor!r}", mark))
            elif anchor in self.anchors:
                self.defer(yaml.composer.ComposerError(f"found duplicate anchor {anchor!r}; first occurrence", self.anchors[anchor],
                                                       "second occurrence", mark))
            else:
                self.anchors[anchor] = mark
        return event

    def pos(self, mark: Any) -> Position:
        line, column = mark.line + 1 + self.line_offset, mark.column + 1
        position = _POSITIONS.get((line, column))
        if position is None:
            position = Position(line, column)
            if len(_POSITIONS) < _POSITIONS_KEPT:
                _POSITIONS[line, column] = position
        return position

    def diagnostic(self, mark: Any, code: str, message: str) -> Diagnostic:
        return Diagnostic(self.located.path, self.pos(mark), code, message)

    def problem(self, mark: Any, code: str, message: str) -> None:
        self.problems.append(self.diagnostic(mark, code, message))

    def defer(self, error: yaml.composer.ComposerError) -> None:
        """Keep the first composer error, raised when the stream has been read (see the class docstring)."""
        if self.composer_error is None:
            self.composer_error = error

    def opened(self, event: Any, depth: int) -> None:
        """A collection starts `depth` levels down: note the first too deep, and stop reading at `_ABORT_DEPTH`."""
        if depth > MAX_DEPTH and self.first_too_deep is None:
            self.first_too_deep = event.start_mark
        if depth >= _ABORT_DEPTH:
            raise InvalidInput([self.diagnostic(self.first_too_deep, "yaml.too_deep", _TOO_DEEP)])

    def skip(self, event: Any, depth: int) -> None:
        """Pass over the value `event` starts `depth` levels down (its events up to the matching end), without recursing."""
        if not isinstance(event, yaml.CollectionStartEvent):
            return
        self.opened(event, depth)
        open_ = 1
        while open_:
            event = self.next()
            if isinstance(event, yaml.CollectionStartEvent):
                self.opened(event, depth + open_)
                open_ += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                open_ -= 1

    def alias(self, event: Any) -> Any:
        """Report an alias where its anchor's value starts (the composer's node for it); returns that mark."""
        mark = self.anchors.get(event.anchor)
        if mark is None:  # undefined: `next` has kept the error, raised once the stream is read
            return event.start_mark
        self.problem(mark, "yaml.alias", "anchors and aliases ('&name', '*name') are not allowed; write the value out in full")
        return mark

    def value(self, event: Any, path: KeyPath, depth: int) -> Any:
        if isinstance(event, yaml.AliasEvent):
            self.located.positions[path] = self.pos(self.alias(event))
            return None
        self.located.positions[path] = self.pos(event.start_mark)
        if depth > MAX_DEPTH:
            self.problem(event.start_mark, "yaml.too_deep", _TOO_DEEP)
            self.skip(event, depth)
            return None
        if isinstance(event, yaml.MappingStartEvent):
            return self.mapping(event, path, depth)
        if isinstance(event, yaml.SequenceStartEvent):
            if event.tag not in (None, "!", _SEQ):
                self.problem(event.start_mark, "yaml.tag", f"the tag '{event.tag}' is not allowed; remove it")
            items: list[Any] = []
            while not isinstance(item := self.next(), yaml.SequenceEndEvent):
                items.append(self.value(item, path + (len(items),), depth + 1))
            return items
        return self.scalar(event)

    def mapping(self, event: Any, path: KeyPath, depth: int) -> dict[str, Any]:
        if event.tag not in (None, "!", _MAP):
            self.problem(event.start_mark, "yaml.tag", f"the tag '{event.tag}' is not allowed; remove it")
        result: dict[str, Any] = {}
        while not isinstance(key_event := self.next(), yaml.MappingEndEvent):
            key = self.key(key_event, path, depth + 1, result)
            value_event = self.next()
            if key is None:
                self.skip(value_event, depth + 1)
                continue
            self.located.key_positions[path + (key,)] = self.pos(key_event.start_mark)
            result[key] = self.value(value_event, path + (key,), depth + 1)
        return result

    def key(self, event: Any, path: KeyPath, depth: int, result: dict[str, Any]) -> str | None:
        """The key `event` names (`depth` levels down), or None (reported) when it is not one a record may use; its own
        events are read."""
        if isinstance(event, yaml.AliasEvent):
            self.alias(event)
            return None
        if not isinstance(event, yaml.ScalarEvent):
            self.problem(event.start_mark, "yaml.key", "a key must be a plain word such as 'first_name'")
            self.skip(event, depth)
            return None
        # Without a tag of its own, a key resolves to a scalar tag whatever its text, but for '<<' (merge) and '=' (YAML's
        # "value"): only an explicit tag or those two need the resolver, which is a tenth of reading a record.
        explicit = event.tag is not None and event.tag != "!"
        tag = self.tag(event) if explicit or event.value in ("<<", "=") else _STR
        if event.value == "<<" or tag == _MERGE:
            self.problem(event.start_mark, "yaml.merge", "merge keys ('<<') are not allowed; write the fields out in full")
            return None
        if tag not in _SCALAR_TAGS:
            self.problem(event.start_mark, "yaml.tag", f"the tag '{tag}' is not allowed; remove it")
            return None
        key = str(event.value)  # keys are names: "on", "no" and "2026" stay words, never booleans or numbers
        if not self.printable(event, key):
            return None
        if key in result:
            first = self.located.key_positions[path + (key,)]
            self.problem(event.start_mark, "yaml.duplicate_key",
                         f"'{key}' is written twice in the same block (first at line {first.line}); keep one")
            return None
        return key

    def tag(self, event: Any) -> str:
        """A scalar's tag as the composer resolves it: an explicit one as written, a plain scalar's from its text."""
        if event.tag is None or event.tag == "!":
            return str(self.parser.resolve(yaml.ScalarNode, event.value, event.implicit))
        return str(event.tag)

    def printable(self, event: Any, text: str) -> bool:
        """A quoted escape ("\\0", "\\e", "\\x07") can put a control character in a value; it would end up in HTML, PDFs and messages."""
        bad = _VALUE_CONTROL.search(text)
        if bad:
            self.problem(event.start_mark, "value.control", f"the text holds the control character {_codepoint(bad.group())}, "
                         "which is not text (a quoted escape such as \"\\0\" or \"\\e\" writes one); remove it")
        return bad is None

    def scalar(self, event: Any) -> Any:
        tag = self.tag(event)
        if tag == _STR:
            value: Any = event.value  # what the str constructor returns
        elif tag not in _SCALAR_TAGS:
            self.problem(event.start_mark, "yaml.tag", f"the tag '{tag}' is not allowed; remove it")
            return None
        else:
            node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
            try:
                value = _CONSTRUCT[tag](_CONSTRUCTOR, node)  # as construct_object would (a scalar has no children)
            except (ValueError, OverflowError, yaml.constructor.ConstructorError):
                if tag == "tag:yaml.org,2002:timestamp":
                    self.problem(event.start_mark, "value.date", f"'{event.value}' is not a real date; expected YYYY-MM-DD, e.g. 2026-09-14")
                else:
                    shown = event.value if len(event.value) <= 40 else event.value[:37] + "…"
                    self.problem(event.start_mark, "value.scalar", f"cannot read '{shown}'; quote it if it is text")
                return None
        if isinstance(value, str) and not self.printable(event, value):
            return None
        if isinstance(value, dt.datetime):
            return value.date() if (value.hour, value.minute, value.second) == (0, 0, 0) else value
        return value


def _codepoint(char: str) -> str:
    names = {"\x00": "NUL", "\x1b": "ESC", "\x7f": "DEL", "\x08": "backspace", "\x0b": "vertical tab", "\x0c": "form feed",
             "\u2028": "line separator", "\u2029": "paragraph separator"}
    name = names.get(char)
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


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
    if "found another document" in problem:
        return "a second document starts here ('---'); a file holds one record, so remove this line or move what follows to its own file"
    if "found undefined alias" in problem or "found unhashable key" in problem:
        return problem
    if (err.context or "").startswith("found duplicate anchor"):  # PyYAML's problem text is only "second occurrence"
        return "anchors and aliases ('&name', '*name') are not allowed; write the value out in full"
    return f"YAML syntax error: {problem}"


def _diag(path: str, line: int, column: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(path, Position(line, column), code, message)
