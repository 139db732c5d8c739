"""yamledit: changes values in the school's YAML files the way a careful person would — comments, key order, quoting and layout kept.

It must not validate (the commands re-check every changed file) or write:
it returns the old and new text, and the command writes all files or none.
"""

from __future__ import annotations

import difflib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.tokens import CommentToken

from generator.sources.diagnostics import Diagnostic, InvalidInput, Position


@dataclass
class Outcome:
    """What a command would change: (file, old text, new text) — '' old for a new file, '' new for a removed one — and notes."""

    changes: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    values: int = 0

    def diff(self) -> str:
        out: list[str] = []
        for rel_path, old, new in self.changes:
            out += difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        f"a/{rel_path}" if old else "/dev/null", f"b/{rel_path}" if new else "/dev/null")
        return "".join(line if line.endswith("\n") else line + "\n" for line in out)


_LAYOUTS = [(2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0), (2, 3, 1), (3, 3, 0), (3, 5, 3)]
"""(mapping, sequence, offset) indentations people commonly write; the one that reproduces the file is used."""


def _round_trip(mapping: int = 2, sequence: int = 4, offset: int = 2) -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _layout(text: str) -> YAML:
    """A writer set to the file's own indentation: the common layout that reproduces the file, else the closest one."""
    best: tuple[int, YAML] | None = None
    for mapping, sequence, offset in _LAYOUTS:
        yaml = _round_trip(mapping, sequence, offset)
        stream = io.StringIO()
        yaml.dump(yaml.load(text), stream)
        again = stream.getvalue()
        if again == text:
            return yaml
        distance = sum(1 for a, b in zip(again.splitlines(), text.splitlines()) if a != b) + abs(len(again) - len(text))
        if best is None or distance < best[0]:
            best = (distance, yaml)
    assert best is not None
    return best[1]


class FileEdit:
    """One YAML file, edited in place: values set along key paths, written back with its own layout, line endings and BOM."""

    def __init__(self, root: Path, rel_path: str) -> None:
        self.rel_path = rel_path
        raw = (root / self.rel_path).read_bytes()
        self.bom = raw.startswith(b"\xef\xbb\xbf")
        self.old = raw.decode("utf-8-sig").replace("\r\n", "\n")
        self.crlf = b"\r\n" in raw
        self.changed = 0
        try:
            self.data = _round_trip().load(self.old)  # indentation matters only when writing: see record()
        except YAMLError as err:  # `check` read it, so this is a difference between the two YAML readers
            raise InvalidInput([Diagnostic(self.rel_path, Position(1, 1), "import.yaml", f"this file cannot be edited safely ({type(err).__name__})")])

    def set(self, path: tuple[str | int, ...], value: Any) -> int:
        """Set one value, creating the blocks on the way; 0 when it already holds that value (a re-import changes nothing)."""
        node = self.data
        for depth, key in enumerate(path[:-1]):
            child = node[key] if isinstance(node, CommentedSeq) else node.get(key)
            if not isinstance(child, (CommentedMap, CommentedSeq)):  # build the whole new block, then add it in one place
                tree: Any = value
                for inner in reversed(path[depth + 1:]):
                    block = CommentedMap()
                    block[inner] = tree
                    tree = block
                if depth and node and all(isinstance(v, CommentedMap) and v.fa.flow_style() for v in node.values()):
                    tree.fa.set_flow_style()  # `au1: {maths: "5"}` siblings: write the new half term the same way
                if isinstance(node, CommentedMap) and key in node:  # `assessments:` written with nothing under it
                    node[key] = tree
                else:
                    put(node, key, tree)
                self.changed += 1
                return 1
            node = child
        key = path[-1]
        if key in node and _same(node[key], value):
            return 0
        self.changed += 1
        if key in node:
            node[key] = value
        else:
            put(node, key, value)
        return 1

    def record(self, outcome: Outcome) -> None:
        """Add the file's change, if any value changed; an unchanged file is not even re-written in memory."""
        if not self.changed:
            return
        stream = io.StringIO()
        _layout(self.old).dump(self.data, stream)
        new = stream.getvalue()
        if new != self.old:  # written back with the file's own line endings and byte-order mark
            ending = "\r\n" if self.crlf else "\n"
            outcome.changes.append((self.rel_path, ("\ufeff" if self.bom else "") + self.old.replace("\n", ending),
                                    ("\ufeff" if self.bom else "") + new.replace("\n", ending)))


def _same(old: Any, new: Any) -> bool:
    if isinstance(new, float) and isinstance(old, (int, float)) and not isinstance(old, bool):
        return float(old) == new
    return str(old) == str(new)


def _chain(node: Any) -> list[tuple[Any, Any]]:
    """The (container, key) pairs down to the last value a block writes, stopping at a flow-style block."""
    out: list[tuple[Any, Any]] = []
    while isinstance(node, (CommentedMap, CommentedSeq)) and len(node):
        key = list(node.keys())[-1] if isinstance(node, CommentedMap) else len(node) - 1
        out.append((node, key))
        node = node[key]
        if isinstance(node, (CommentedMap, CommentedSeq)) and node.fa.flow_style():
            break
    return out


def put(node: Any, key: Any, value: Any) -> None:
    """Append a key, keeping the comment block that introduced the *next* section above that section.

    ruamel attaches the blank lines and comments before a key to the last
    value written before them; appending after that value would slide the
    comment above the new data, so it is moved to the new last value.
    """
    tail = None
    for owner, last in reversed(_chain(node)):
        item = owner.ca.items.get(last)
        if not item or len(item) < 3 or item[2] is None:
            continue
        text = item[2].value
        cut = text.find("\n")
        if cut >= 0 and text[cut + 1:].strip():
            item[2].value = text[: cut + 1]
            tail = (text[cut + 1:], item[2].start_mark)
        break
    if isinstance(node, CommentedSeq):
        node.append(value)
    else:
        node[key] = value
    if tail is None:
        return
    owner, last = _chain(node)[-1]
    item = owner.ca.items.setdefault(last, [None, None, None, None])
    if item[2] is None:
        item[2] = CommentToken("\n" + tail[0], tail[1], None)
    else:
        item[2].value = item[2].value + tail[0]


