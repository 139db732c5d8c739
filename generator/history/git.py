"""history: reads git once for the whole tree (one log, one status, one cat-file) into per-file commit lists; never writes, never calls git per file, never reads the clock.

Git history is the audit trail: who changed a record, when, and what the
file said before and after. Everything here degrades to a `History` whose
`status` says why there is no (or only partial) history; nothing raises.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

OK = "ok"
NOT_A_REPOSITORY = "not a git repository"
NO_GIT = "git is not installed"
NO_COMMITS = "no commits yet"
UNCOMMITTED = "uncommitted changes"
UNTRACKED = "not yet committed"
SHALLOW = "shallow clone: history before {date} is not available"

TIMEOUT = 300
"""Seconds any one git process may take; a school repository needs a fraction of one."""

_NO_BLOB = "0" * 40
_SKIP_MODES = {"160000", "120000"}
"""Submodules and symlinks have no record text."""
_FORMAT = "%x1e%H%x1f%P%x1f%an%x1f%aI%x1f%s"
_GLOBAL = ("--no-optional-locks", "--literal-pathspecs",
           "-c", "log.showSignature=false", "-c", "i18n.logOutputEncoding=UTF-8", "-c", "core.quotePath=false")
"""Options that make the output independent of the user's git config and keep git from taking locks."""

ChangeKind = Literal["added", "modified", "deleted", "earliest"]


@dataclass(frozen=True)
class Commit:
    hash: str
    short: str
    author: str
    date: dt.date
    """The author date, in the author's own time zone: when the change was made."""
    subject: str


@dataclass(frozen=True)
class Version:
    """What one commit did to one file.

    `change` is "earliest" for the first commit of a shallow clone: the file
    existed before it, but that history is not in the clone, so `previous`
    is unknown (None) rather than "did not exist".
    """

    commit: Commit
    change: ChangeKind
    text: str | None
    """The file after this commit; None when the commit deleted it."""
    previous: str | None
    """The file before this commit (in its first parent); None when created or unknown."""


@dataclass(frozen=True)
class FileHistory:
    path: str
    versions: tuple[Version, ...] = ()
    """Newest first."""
    status: str = ""
    """"" when the working tree matches the last commit, else UNCOMMITTED or UNTRACKED."""

    @property
    def commits(self) -> tuple[Commit, ...]:
        return tuple(v.commit for v in self.versions)


@dataclass(frozen=True)
class History:
    status: str
    """OK, NOT_A_REPOSITORY, NO_GIT, NO_COMMITS, a SHALLOW sentence, or 'git failed: …'."""
    partial: bool = False
    files: Mapping[str, FileHistory] = field(default_factory=dict)
    """Root-relative '/'-separated path → its history, sorted by path."""
    commits: tuple[Commit, ...] = ()
    """Every commit that touched the paths asked for, newest first."""
    uncommitted: tuple[str, ...] = ()
    """Paths whose working-tree text differs from the last commit (or is not committed at all)."""

    @property
    def available(self) -> bool:
        return self.status == OK or self.partial

    def file(self, path: str) -> FileHistory:
        """The history of one root-relative path; empty when git never saw it."""
        return self.files.get(path) or FileHistory(path)


class _GitError(Exception):
    pass


def read_history(root: Path, paths: Iterable[str], *, git: str = "git") -> History:
    """Every commit touching `paths` (root-relative files or folders), with each file's text before and after.

    Four git processes whatever the size of the school: rev-parse, log,
    status and one cat-file fed every blob, so a 1,500-pupil school costs
    the same number of processes as a three-pupil one.
    """
    specs = sorted({_clean(p) for p in paths}) or ["."]
    try:
        probe = _run(git, root, ["rev-parse", "--is-inside-work-tree", "--is-shallow-repository", "--show-prefix"])
    except FileNotFoundError:
        return History(NO_GIT)
    except _GitError as err:
        return History(NOT_A_REPOSITORY if "not a git repository" in str(err) else f"git failed: {err}")
    lines = probe.decode("utf-8", "replace").split("\n")
    if lines[0] != "true":
        return History(NOT_A_REPOSITORY)
    shallow = len(lines) > 1 and lines[1] == "true"
    prefix = lines[2] if len(lines) > 2 else ""
    try:
        log = _run(git, root, ["log", "--date-order", "--root", "--no-color", "--no-decorate", "--no-ext-diff",
                               "--no-textconv", "--no-renames", "--raw", "--no-abbrev", "-z",
                               f"--format={_FORMAT}", "--", *specs])
        status = _run(git, root, ["status", "--porcelain", "-z", "--untracked-files=all", "--", *specs])
    except _GitError as err:
        return History(NO_COMMITS if "does not have any commits" in str(err) else f"git failed: {err}")
    except FileNotFoundError:
        return History(NO_GIT)
    commits, changes = _parse_log(log, prefix, shallow)
    try:
        blobs = _read_blobs(git, root, sorted({b for c in changes for b in c[3:] if b is not None}))
    except (_GitError, FileNotFoundError) as err:
        return History(f"git failed: {err}")
    versions: dict[str, list[Version]] = {}
    for commit, change, path, old, new in changes:
        versions.setdefault(path, []).append(Version(commit, change, blobs.get(new) if new else None,
                                                     blobs.get(old) if old else None))
    dirty = _parse_status(status, prefix)
    files = {path: FileHistory(path, tuple(versions.get(path, ())), dirty.get(path, ""))
             for path in sorted(versions.keys() | dirty.keys())}
    verdict = OK
    if shallow:
        oldest = min((c.date for c in commits), default=None)
        verdict = SHALLOW.format(date=oldest.isoformat()) if oldest else SHALLOW.format(date="the clone")
    return History(verdict, shallow, files, tuple(commits), tuple(sorted(dirty)))


def _clean(path: str) -> str:
    path = path.replace(os.sep, "/").strip()
    while path.startswith("./"):
        path = path[2:]
    return path.strip("/") or "."


def _run(git: str, root: Path, args: list[str], stdin: bytes | None = None) -> bytes:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        result = subprocess.run([git, "-C", str(root), *_GLOBAL, *args], input=stdin, capture_output=True,
                                timeout=TIMEOUT, check=False, env=env)
    except subprocess.TimeoutExpired:
        raise _GitError(f"git {args[0]} took longer than {TIMEOUT} seconds") from None
    except PermissionError as err:
        raise _GitError(str(err)) from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _GitError(message[-1] if message else f"git {args[0]} exited with {result.returncode}")
    return result.stdout


_Change = tuple[Commit, ChangeKind, str, str | None, str | None]
"""(commit, change, root-relative path, blob before, blob after)."""


def _parse_log(out: bytes, prefix: str, shallow: bool) -> tuple[list[Commit], list[_Change]]:
    """Split `git log --raw -z` output: each commit is \\x1e header \\0, then ':modes blobs status' \\0 path \\0 pairs."""
    commits: list[Commit] = []
    changes: list[_Change] = []
    for chunk in out.decode("utf-8", "replace").split("\x1e")[1:]:
        header, _, raw = chunk.partition("\0")
        sha, parents, author, date, subject = header.split("\x1f", 4)
        commit = Commit(sha, sha[:10], author, dt.date.fromisoformat(date[:10]), subject)
        commits.append(commit)
        boundary = shallow and not parents.strip()
        tokens = raw.lstrip("\n").split("\0")
        for meta, path in zip(tokens[0::2], tokens[1::2]):
            if not meta.startswith(":") or not path.startswith(prefix):
                continue
            old_mode, new_mode, old, new, _status = meta[1:].split(" ", 4)
            if old_mode in _SKIP_MODES or new_mode in _SKIP_MODES:
                continue
            before = None if old == _NO_BLOB else old
            after = None if new == _NO_BLOB else new
            kind: ChangeKind = "deleted" if after is None else "added" if before is None else "modified"
            if boundary and kind == "added":
                kind = "earliest"
            changes.append((commit, kind, path[len(prefix):], before, after))
    return commits, changes


def _read_blobs(git: str, root: Path, shas: list[str]) -> dict[str, str]:
    """Every blob's text from one `git cat-file --batch` process (communicate() feeds and drains it without deadlock)."""
    if not shas:
        return {}
    out = _run(git, root, ["cat-file", "--batch"], stdin="".join(f"{s}\n" for s in shas).encode())
    texts: dict[str, str] = {}
    pos = 0
    while pos < len(out):
        eol = out.index(b"\n", pos)
        header = out[pos:eol].split(b" ")
        pos = eol + 1
        if len(header) != 3:  # "<sha> missing"
            continue
        size = int(header[2])
        texts[header[0].decode()] = out[pos:pos + size].decode("utf-8", "replace").removeprefix("\ufeff")
        pos += size + 1
    return texts


def _parse_status(out: bytes, prefix: str) -> dict[str, str]:
    """`git status --porcelain -z`: 'XY path' entries (repository-relative); renames carry an extra source path."""
    dirty: dict[str, str] = {}
    tokens = out.decode("utf-8", "replace").split("\0")
    index = 0
    while index < len(tokens):
        entry = tokens[index]
        index += 1
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        if "R" in code or "C" in code:
            index += 1
        if path.startswith(prefix):
            dirty[path[len(prefix):]] = UNTRACKED if code == "??" else UNCOMMITTED
    return dirty


# --- policies ----------------------------------------------------------------

@dataclass(frozen=True)
class DiffBlock:
    """A run of body lines that were kept, added or removed; the renderer turns them into <ins>/<del>."""

    kind: Literal["kept", "added", "removed"]
    lines: tuple[str, ...]


def version_at(history: FileHistory, date: dt.date) -> str | None:
    """The file as it stood on `date` (a policy's approved_on): the newest commit on or before it; None if none."""
    for version in history.versions:
        if version.commit.date <= date:
            return version.text
    return None


def body(text: str) -> str:
    """The Markdown after the front matter; tolerant of any text, since old versions may be malformed."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        for index in range(1, len(lines)):
            if lines[index].strip() in ("---", "..."):
                return "\n".join(lines[index + 1:])
    return text


def changes_since(text_at_approval: str, text_now: str) -> list[DiffBlock]:
    """What governors approved against what the policy says now, body only, line by line.

    Front matter is excluded (a new review date is not a change to the
    policy); trailing spaces are ignored; leading and trailing blank lines
    of the body are dropped so a reflowed file end does not show as a change.
    """
    old, new = _body_lines(text_at_approval), _body_lines(text_now)
    blocks: list[DiffBlock] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            blocks.append(DiffBlock("kept", tuple(old[i1:i2])))
            continue
        if i2 > i1:
            blocks.append(DiffBlock("removed", tuple(old[i1:i2])))
        if j2 > j1:
            blocks.append(DiffBlock("added", tuple(new[j1:j2])))
    return blocks


def _body_lines(text: str) -> list[str]:
    kept = body(text).strip("\n")
    return [line.rstrip() for line in kept.split("\n")] if kept else []


def changed(blocks: Iterable[DiffBlock]) -> bool:
    """True when a diff has anything but kept lines: the policy differs from what was approved."""
    return any(block.kind != "kept" for block in blocks)
