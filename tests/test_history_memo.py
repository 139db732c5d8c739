"""History piles up: a build reads each old version of a pupil file once, ever, not once per build.

A term of commits is thousands of file versions; `check` (lowered targets)
and every pupil's trail used to parse all of them on every build (16 s each
for 162 commits over 1,500 pupils). What was read from a blob is kept in
`.mentorsite/history.json` by blob id; these tests count the parses.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support import SITES, tree_bytes

from generator.build import build
from generator.history import fielddiff
from generator.history.memo import HISTORY, HistoryMemo
from generator.output import pdf

AS_OF = dt.date(2026, 11, 20)


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "A Mentor", "GIT_AUTHOR_EMAIL": "a@example.invalid", "GIT_COMMITTER_NAME": "A Mentor",
                        "GIT_COMMITTER_EMAIL": "a@example.invalid", "GIT_AUTHOR_DATE": "2026-11-19T12:00:00",
                        "GIT_COMMITTER_DATE": "2026-11-19T12:00:00", "PATH": "/usr/bin:/bin"})


@pytest.fixture
def school(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The tiny school in git with a few commits to every pupil; PDFs stood in for by their HTML's length."""
    monkeypatch.setattr(pdf, "render_task", lambda task: pdf.PdfResult(task.dest, b"%PDF-stub " + str(len(task.html)).encode()))
    root = tmp_path / "school"
    shutil.copytree(SITES / "tiny", root)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Start")
    for round_ in range(3):
        for path in sorted((root / "pupils").glob("*.yaml")):
            path.write_text(path.read_text("utf-8") + f"# note {round_}\n", "utf-8")
        _git(root, "commit", "-q", "-am", f"Round {round_}")
    return root


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every old version fielddiff parses (its in-process caches emptied first, as in a new build process)."""
    seen: list[str] = []
    real = fielddiff.parse_text

    def counting(text: str, name: str):  # type: ignore[no-untyped-def]
        seen.append(text)
        return real(text, name)

    fielddiff._parse.cache_clear()
    fielddiff.version_targets.cache_clear()
    monkeypatch.setattr(fielddiff, "parse_text", counting)
    return seen


def _new_process() -> None:
    fielddiff._parse.cache_clear()
    fielddiff.version_targets.cache_clear()


def test_a_second_build_parses_no_old_version_and_builds_the_same_bytes(school: Path, parses: list[str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(school, out, jobs=1, as_of=AS_OF)
    assert parses, "the first build reads the history"
    assert (out / ".mentorsite" / HISTORY).is_file()

    pupil = school / "pupils" / "ada.yaml"
    pupil.write_text(re.sub(r"(?m)^first_name: .*$", "first_name: Memo", pupil.read_text("utf-8")), "utf-8")
    _new_process()
    parses.clear()
    build(school, out, jobs=1, as_of=AS_OF)
    assert parses == []  # every version's targets and every commit's sentences came from history.json

    _git(school, "commit", "-q", "-am", "Name")  # one new version: only it (and its parent, once) are read
    _new_process()
    parses.clear()
    build(school, out, jobs=1, as_of=AS_OF)
    assert 0 < len(parses) <= 3

    fresh = tmp_path / "fresh"  # no memo at all: the same site
    _new_process()
    build(school, fresh, jobs=1, as_of=AS_OF)
    kept, made = tree_bytes(out), tree_bytes(fresh)
    for tree in (kept, made):
        for name in [n for n in tree if n.startswith(".mentorsite/")]:
            del tree[name]
    assert [p for p in made if kept.get(p) != made[p]] == [] and sorted(kept) == sorted(made)


def test_a_damaged_or_foreign_memo_is_read_as_empty(tmp_path: Path) -> None:
    path = tmp_path / HISTORY
    for text in ("{not json", '{"version": "other", "targets": {"a": null}}', '{"version": "v", "targets": [1], "changes": 3}'):
        path.write_text(text, "utf-8")
        memo = HistoryMemo.read(path, "v")
        assert memo.targets("a", "targets: {maths: '5'}\n", fielddiff.version_targets) == fielddiff.version_targets("targets: {maths: '5'}\n")
    path.write_text('{"version": "v", "targets": {"b": {"maths": ["9", 1, null]}}, "changes": {}}', "utf-8")
    memo = HistoryMemo.read(path, "v")  # an entry this code did not write is read again, not trusted
    assert memo.targets("b", "targets: {maths: '5'}\n", fielddiff.version_targets) == fielddiff.version_targets("targets: {maths: '5'}\n")
