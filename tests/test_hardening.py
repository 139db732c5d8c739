"""Hostile and broken input: every case gives exact located lines, exit 1 and never a traceback.

The corpus is tests/bad/<case>/: the files that case puts over the tiny
school (a `.gz` file is unpacked in place, so a 2 MB case stays small in
git) and `expected.txt`, the exact lines `check` reports (empty: the input
is accepted). To add a case, add a folder.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Callable

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import SITES, run_cli

from generator.sources import load
from generator.build import check
from generator.sources.diagnostics import InvalidInput, Position

BAD = Path(__file__).parent / "bad"
CASES = sorted(p.name for p in BAD.iterdir() if p.is_dir())
LINE = re.compile(r"^[^:\n]+:\d+:\d+: .+ \[[a-z0-9_.]+\]$")
SUMMARY = re.compile(r"^mentorsite: \d+ problems? found; nothing was written$")


def overlay(case: str, root: Path) -> None:
    """Put a corpus case's files over a school (a `.gz` file is unpacked under its name without `.gz`)."""
    folder = BAD / case
    for source in sorted(folder.rglob("*")):
        if not source.is_file() or source.name == "expected.txt":
            continue
        rel = source.relative_to(folder)
        data = source.read_bytes()
        if source.suffix == ".gz":
            data, rel = gzip.decompress(data), rel.with_suffix("")
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def expected(case: str) -> list[str]:
    return (BAD / case / "expected.txt").read_text(encoding="utf-8").splitlines()


def problems(root: Path) -> list[str]:
    """What `check` says about a root: [] when valid, else every formatted line; any other exception fails the test."""
    try:
        check(root)
    except InvalidInput as err:
        return [d.format() for d in err.diagnostics]
    return []


def test_corpus_is_there() -> None:
    assert len(CASES) >= 40
    assert all((BAD / case / "expected.txt").is_file() for case in CASES)


@pytest.mark.parametrize("case", CASES)
def test_corpus_case_gives_its_exact_lines(make_school: Callable[..., Path], case: str) -> None:
    root = make_school({})
    overlay(case, root)
    assert problems(root) == expected(case)


CLI_CASES = ["deep-nesting-flow", "alias-bomb", "non-utf8-latin1", "policy-nul-bytes", "large-file", "control-escape-in-value"]


@pytest.mark.parametrize("case", CLI_CASES)
def test_corpus_case_through_the_command(make_school: Callable[..., Path], case: str) -> None:
    root = make_school({})
    overlay(case, root)
    result = run_cli("check", "--root", str(root))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[:-1] == expected(case)
    assert SUMMARY.match(lines[-1])


def test_bad_input_to_build_writes_nothing(make_school: Callable[..., Path], tmp_path: Path) -> None:
    root = make_school({})
    overlay("deep-nesting-flow", root)
    out = tmp_path / "out"
    result = run_cli("build", "--root", str(root), "--out", str(out), "--as-of", "2026-11-20")
    assert (result.returncode, "Traceback" in result.stderr) == (1, False)
    assert result.stderr.splitlines()[0] == expected("deep-nesting-flow")[0]
    assert not out.exists() and not list(tmp_path.glob(".out.*"))


def test_every_expected_line_is_one_located_line() -> None:
    for case in CASES:
        for line in expected(case):
            assert LINE.match(line), (case, line)


# --- things a corpus folder cannot hold ----------------------------------------

def test_nesting_deeper_than_the_stack_is_a_located_error_not_a_crash() -> None:
    """libyaml's composer recurses in C: 100,000 '[' used to kill the process with a segmentation fault."""
    text = "notes: " + "[" * 100_000 + "]" * 100_000 + "\n"
    with pytest.raises(InvalidInput) as caught:
        load.parse_yaml(text, "pupils/x.yaml")
    assert [d.format() for d in caught.value.diagnostics] == [
        "pupils/x.yaml:1:32: nested more than 24 levels deep; records are never this deep — check the indentation [yaml.too_deep]"]


def test_pure_python_yaml_gives_the_same_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libyaml, PyYAML's composer recurses in Python: it must not reach a RecursionError either."""
    monkeypatch.setattr(load, "_Loader", yaml.SafeLoader)
    text = "notes: " + "[" * 10_000 + "]" * 10_000 + "\n"
    with pytest.raises(InvalidInput) as caught:
        load.parse_yaml(text, "pupils/x.yaml")
    assert [d.code for d in caught.value.diagnostics] == ["yaml.too_deep"]
    assert caught.value.diagnostics[0].position.line == 1


def test_yaml_is_read_from_events_and_never_composed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both composers recurse (libyaml's in C, PyYAML's in Python); the loader reads the parser's events once instead."""
    def composed(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("composed")

    monkeypatch.setattr(load.yaml, "compose", composed)
    monkeypatch.setattr(yaml.composer.Composer, "compose_node", composed)
    located = load.parse_yaml("a:\n  - [1, {b: 2026-09-14}]\n  - c\n", "pupils/x.yaml", line_offset=1)
    assert located.data == {"a": [[1, {"b": dt.date(2026, 9, 14)}], "c"]}
    assert located.positions[("a", 0, 1, "b")] == Position(3, 13)


def test_a_fifo_is_refused_without_blocking(make_school: Callable[..., Path]) -> None:
    root = make_school({})
    os.mkfifo(root / "pupils" / "pipe.yaml")
    assert problems(root) == ["pupils/pipe.yaml:1:1: this is not a regular file; replace it with a text file [file.unreadable]"]


def test_a_link_to_a_file_outside_the_root_is_not_read(make_school: Callable[..., Path], tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: SecretCanary\n---\nSecretCanary body\n", encoding="utf-8")
    root = make_school({})
    (root / "content" / "policies" / "leak.md").symlink_to(secret)
    (root / "pupils" / "leak.yaml").symlink_to("/etc/passwd")
    assert problems(root) == [
        "content/policies/leak.md:1:1: this file is a link to a file outside the school's folder; copy the file in instead [file.outside_root]",
        "pupils/leak.yaml:1:1: this file is a link to a file outside the school's folder; copy the file in instead [file.outside_root]",
    ]


def test_a_link_inside_the_root_is_read(make_school: Callable[..., Path]) -> None:
    root = make_school({})
    (root / "pupils" / "cal.yaml").rename(root / "cal-record.txt")
    (root / "pupils" / "cal.yaml").symlink_to(root / "cal-record.txt")
    assert problems(root) == []


def test_file_names_that_are_not_text_stay_one_printable_line(make_school: Callable[..., Path]) -> None:
    root = make_school({})
    shutil.copy(root / "pupils" / "cal.yaml", root / "pupils" / os.fsdecode(b"caf\xe9.yaml"))
    shutil.copy(root / "pupils" / "cal.yaml", root / "pupils" / "two\nlines\x1b[2J.yaml")
    lines = problems(root)
    assert lines == [
        r"pupils/caf\xe9.yaml:1:1: file name holds characters that cannot be shown; rename it using lower-case letters, digits and hyphens [pupil.id.slug]",
        r"pupils/two\nlines\x1b[2J.yaml:1:1: file name holds characters that cannot be shown; rename it using lower-case letters, digits and hyphens [pupil.id.slug]",
    ]
    result = run_cli("check", "--root", str(root))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[:-1] == lines


def test_a_key_or_value_with_a_terminal_escape_never_reaches_a_message(make_school: Callable[..., Path]) -> None:
    cal = (SITES / "tiny" / "pupils" / "cal.yaml").read_text(encoding="utf-8")
    root = make_school({"pupils/cal.yaml": cal + '"\\e]0;pwned\\a": 1\n'})
    assert problems(root) == [
        'pupils/cal.yaml:8:1: the text holds the control character U+001B (ESC), which is not text '
        '(a quoted escape such as "\\0" or "\\e" writes one); remove it [value.control]']


# --- property tests: mutated records never end in anything but located lines ----

TINY = SITES / "tiny"
SOURCES = {rel: (TINY / rel).read_text(encoding="utf-8")
           for rel in ["pupils/ada.yaml", "pupils/bex.yaml", "pupils/cal.yaml", "site.yaml", "content/policies/mentoring.md"]}
TRICKY = ["\t", "\x00", "\x1b", "\x85", "\u2028", "\ufeff", "\xa0", ":", ": ", "- ", "[", "]", "{", "}", "&a ", "*a", "!!python/name:os.system ",
          "!", "|", ">", "'", '"', "#", "%", "@", "`", "---\n", "...\n", "<<: ", "? ", ",", "\\", '"\\0"', "2026-02-30", "1e999", "9" * 5000,
          "\r", "\n", "  ", "é", "😀", "<script>", "{{ 7*7 }}"]
text_strategy = st.one_of(st.text(max_size=12), st.sampled_from(TRICKY), st.lists(st.sampled_from(TRICKY), max_size=4).map("".join))


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    """One of the tiny school's files after one to three random edits of the kinds people (and attackers) make."""
    rel = draw(st.sampled_from(sorted(SOURCES)))
    text = SOURCES[rel]
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "indent", "value", "truncate"]))
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        if kind == "delete" and lines:
            del lines[i]
        elif kind == "duplicate" and lines:
            lines.insert(i, lines[i])
        elif kind == "swap" and lines:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "indent" and lines:
            lines[i] = draw(st.sampled_from(["", " ", "  ", "    ", "\t", " \t"])) + lines[i].lstrip(" ")
        elif kind == "value" and lines and ":" in lines[i]:
            key = lines[i].split(":", 1)[0]
            lines[i] = f"{key}: {draw(text_strategy)}"
        text = "\n".join(lines)
        if kind == "insert":
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(text_strategy) + text[at:]
        elif kind == "truncate":
            text = text[:draw(st.integers(0, len(text)))]
    return rel, text


def assert_located(lines: list[str], rel: str) -> None:
    assert lines, "InvalidInput with no diagnostics"
    for line in lines:
        assert LINE.match(line), line
        assert not any(unicodedata.category(c) == "Cc" for c in line), repr(line)
        assert not line.split(":", 1)[0].startswith("/"), line
        assert int(line.split(":")[1]) >= 1 and int(line.split(":")[2]) >= 1, line


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mutated") / "tiny"
    shutil.copytree(TINY, root)
    return root


@settings(max_examples=600, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(change=mutated())
def test_mutated_records_give_located_lines_or_pass(scratch: Path, change: tuple[str, str]) -> None:
    rel, text = change
    try:
        (scratch / rel).write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            check(scratch)
        except InvalidInput as err:
            assert_located([d.format() for d in err.diagnostics], rel)
    finally:
        (scratch / rel).write_text(SOURCES[rel], encoding="utf-8")


@settings(max_examples=6, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(change=mutated())
def test_mutated_records_through_the_command(scratch: Path, change: tuple[str, str]) -> None:
    rel, text = change
    try:
        (scratch / rel).write_bytes(text.encode("utf-8", "surrogatepass"))
        result = run_cli("check", "--root", str(scratch))
        assert result.returncode in (0, 1), result.stderr
        assert "Traceback" not in result.stderr
        if result.returncode == 1:
            lines = result.stderr.splitlines()
            assert SUMMARY.match(lines[-1])
            assert_located(lines[:-1], rel)
    finally:
        (scratch / rel).write_text(SOURCES[rel], encoding="utf-8")



def test_aliases_are_reported_where_their_anchor_is_and_never_expanded() -> None:
    """An alias anywhere, a key included, is refused at its anchor's value; an undefined one is named; a syntax error later
    in the file still comes first (the stream is read whole before a composer's error is raised)."""
    def problems(text: str) -> list[str]:
        with pytest.raises(InvalidInput) as caught:
            load.parse_yaml(text, "pupils/x.yaml")
        return [d.format() for d in caught.value.diagnostics]

    alias = "anchors and aliases ('&name', '*name') are not allowed; write the value out in full [yaml.alias]"
    assert problems("a: &k [1, 2]\nb: *k\n") == [f"pupils/x.yaml:1:4: {alias}"]
    assert problems("&k a: 1\n*k : 2\n") == [f"pupils/x.yaml:1:1: {alias}"]
    assert problems("a: *nowhere\n") == ["pupils/x.yaml:1:4: found undefined alias 'nowhere' [yaml.syntax]"]
    assert [p.split(": ", 1)[0] for p in problems("a: *nowhere\nb: [1\n")] == ["pupils/x.yaml:3:1"]
    assert problems("? [a]\n: *nowhere\n") == ["pupils/x.yaml:2:3: found undefined alias 'nowhere' [yaml.syntax]"]  # in a skipped value too
    assert problems("a: &x 1\nb: &x 2\n") == [f"pupils/x.yaml:2:4: {alias[:-len(' [yaml.alias]')]} [yaml.syntax]"]  # was "second occurrence"


# A key's tag is resolved only when it could be other than a scalar tag (explicit, '<<' or '='): each kind of key is read or
# refused as when every key was resolved.
KEYS = {
    "=": "yaml.tag", "<<": "yaml.merge", "'<<'": "yaml.merge", "!!merge <<": "yaml.merge", "! <<": "yaml.merge",
    "! =": "yaml.tag", "!!value =": "yaml.tag", "!foo x": "yaml.tag",
    "!!str =": "=", "'='": "=", '"="': "=", "yes": "yes", "on": "on", "2026": "2026", "~": "~", "null": "null", "1.5": "1.5",
    "2026-01-01": "2026-01-01", "!!int 5": "5", ".inf": ".inf", "-": "-", "a b": "a b", "!!bool yes": "yes", "=x": "=x",
    "<<<": "<<<",
}


@pytest.mark.parametrize("written, expected", list(KEYS.items()), ids=list(KEYS))
def test_every_kind_of_key_is_read_as_written_or_refused(written: str, expected: str) -> None:
    try:
        located = load.parse_yaml(f"{written}: 1\nother: 2\n", "pupils/x.yaml")
    except InvalidInput as error:
        assert [(d.code, d.position) for d in error.diagnostics] == [(expected, Position(1, 1))]
        if expected == "yaml.tag":
            assert "is not allowed; remove it" in error.diagnostics[0].message
        return
    assert located.data == {expected: 1, "other": 2}
