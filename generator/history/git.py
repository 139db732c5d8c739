"""history: reads git once for the whole tree (one log, one status, one cat-file) into per-file commit lists; never writes, never calls git per file,
never reads the clock.

Git history is the audit trail: who changed a record, when, and what the
file said before and after. Everything here degrades to a `History` whose
`status` says why there is no (or only partial) history; nothing raises.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

OK = "ok"
NOT_A_REPOSITORY = "not a git repository"
NO_GIT = "git is not installed"
NO_COMMITS = "no commits yet"
GIT_FAILED = "git could not read the school's repository"
"""Fixed wording: git's own message can name the build machine's folders (\"dubious ownership in repository at …\"),
so it goes to `History.detail` for the build log, never onto a page."""
UNCOMMITTED = "uncommitted changes"
UNTRACKED = "not yet committed"
SHALLOW = "shallow clone: history before {date} is not available"

TIMEOUT = 300
"""Seconds any one git process may take; a school repository needs a fraction of one."""

MAX_SUBJECT = 300
MAX_NOTE = 1000
"""Characters kept of a subject line and of a Policy-Note; anything longer is cut with '…'."""

_NO_BLOB = "0" * 40
_SKIP_MODES = {"160000", "120000"}
"""Submodules and symlinks have no record text."""
_HEADER = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?(?: [0-9a-f]{40}(?:[0-9a-f]{24})?)*$")
"""A log header: the commit's hash and its parents' — hex only, so no subject or name can imitate one."""
_META = re.compile(r"^:(\d{6}) (\d{6}) ([0-9a-f]{40,64}) ([0-9a-f]{40,64}) [A-Z][0-9]*$")
_IDENT = re.compile(r"^(.*?) <[^<>]*> (-?\d{1,20}) ([+-])(\d\d)(\d\d)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_NOTE = re.compile(r"^policy-note\s*:\s*(.*)$", re.IGNORECASE)
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
    notes: tuple[str, ...] = ()
    """`Policy-Note:` trailers: the only words of a commit message written for publication."""


@dataclass(frozen=True)
class Version:
    """What one commit did to one file.

    `change` is "earliest" for the first commit of a shallow clone: the file
    existed before it, but that history is not in the clone, so `previous`
    is unknown (None) rather than "did not exist". A merge is compared with
    its first parent: the history is the main line's, so a change made while
    resolving a merge is the merge's own change.
    """

    commit: Commit
    change: ChangeKind
    text: str | None
    """The file after this commit; None when the commit deleted it."""
    previous: str | None
    """The file before this commit (in its first parent); None when created or unknown."""
    blob: str | None = None
    """git's id for `text` (its content address): what was read from it can be kept between builds (history.memo)."""
    previous_blob: str | None = None


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
    """OK, NOT_A_REPOSITORY, NO_GIT, NO_COMMITS, GIT_FAILED or a SHALLOW sentence: fixed wording, safe to publish."""
    partial: bool = False
    files: Mapping[str, FileHistory] = field(default_factory=dict)
    """Root-relative '/'-separated path → its history, sorted by path."""
    commits: tuple[Commit, ...] = ()
    """Every commit that touched the paths asked for, newest first."""
    uncommitted: tuple[str, ...] = ()
    """Paths whose working-tree text differs from the last commit (or is not committed at all)."""
    warnings: tuple[str, ...] = ()
    """One line per malformed commit, `git:<short hash>: what was wrong and what was done`; for the build log."""
    detail: str = ""
    """git's own message when it failed (may name folders): for the build log only, never a page."""

    @property
    def available(self) -> bool:
        return self.status == OK or self.partial

    def file(self, path: str) -> FileHistory:
        """The history of one root-relative path; empty when git never saw it."""
        return self.files.get(path) or FileHistory(path)


class _GitError(Exception):
    pass


def read_history(root: Path, paths: Iterable[str], *, git: str = "git") -> History:
    """Every commit on the main line touching `paths` (root-relative files or folders), with each file's text before and after.

    Four git processes whatever the size of the school: rev-parse, log,
    status and one cat-file fed every commit and blob, so a 1,500-pupil
    school costs the same number of processes as a three-pupil one. The log
    carries only hashes, modes and NUL-separated paths; author, date and
    message are read from the commit objects themselves (exact sizes), so no
    character in a name or subject can shift a field, and each field is
    checked: a malformed one gives one warning and the commit is kept.
    """
    specs = sorted({_clean(p) for p in paths}) or ["."]
    try:
        probe = _run(git, root, ["rev-parse", "--is-inside-work-tree", "--is-shallow-repository", "--show-prefix"])
    except FileNotFoundError:
        return History(NO_GIT)
    except _GitError as err:
        return History(NOT_A_REPOSITORY) if "not a git repository" in str(err) else History(GIT_FAILED, detail=str(err))
    lines = probe.decode("utf-8", "replace").split("\n")
    if lines[0] != "true":
        return History(NOT_A_REPOSITORY)
    shallow = len(lines) > 1 and lines[1] == "true"
    prefix = lines[2] if len(lines) > 2 else ""
    try:
        log = _run(git, root, ["log", "--first-parent", "-m", "--date-order", "--root", "--no-color", "--no-decorate",
                               "--no-ext-diff", "--no-textconv", "--no-renames", "--raw", "--no-abbrev", "-z",
                               "--format=%H %P", "--", *specs])
        status = _run(git, root, ["status", "--porcelain", "-z", "--untracked-files=all", "--", *specs])
    except _GitError as err:
        if "does not have any commits" in str(err):
            return History(NO_COMMITS)
        return History(GIT_FAILED, detail=str(err))
    except FileNotFoundError:
        return History(NO_GIT)
    warnings: list[str] = []
    raw_commits, raw_changes = _parse_log(log, prefix, shallow, warnings)
    wanted = [sha for sha, _ in raw_commits] + sorted({b for c in raw_changes for b in c[3:] if b is not None})
    try:
        objects = _read_objects(git, root, wanted)
    except (_GitError, FileNotFoundError) as err:
        return History(GIT_FAILED, detail=str(err))
    commits: dict[str, Commit] = {}
    newer: dt.date | None = None
    for sha, _parents in raw_commits:
        commit, problems = parse_commit(sha, objects.get(sha), newer)
        commits[sha] = commit
        newer = commit.date
        if problems:
            warnings.append(f"git:{commit.short}: " + "; ".join(problems))
    versions: dict[str, list[Version]] = {}
    for sha, change, path, old, new in raw_changes:
        versions.setdefault(path, []).append(Version(commits[sha], change, _text(objects.get(new)) if new else None,
                                                     _text(objects.get(old)) if old else None, new, old))
    dirty = _parse_status(status, prefix)
    files = {path: FileHistory(path, tuple(versions.get(path, ())), dirty.get(path, ""))
             for path in sorted(versions.keys() | dirty.keys())}
    ordered = tuple(commits.values())
    verdict = OK
    if shallow:
        oldest = min((c.date for c in ordered), default=None)
        verdict = SHALLOW.format(date=oldest.isoformat()) if oldest else SHALLOW.format(date="the clone")
    return History(verdict, shallow, files, ordered, tuple(sorted(dirty)), tuple(warnings))


def with_status(root: Path, history: History, paths: Iterable[str], *, git: str = "git") -> History:
    """`history` with each file's working-tree status read again (one `git status`): what a save changes without a commit.

    `serve` keeps the history it read while HEAD stays put and refreshes
    only this, so a preview's trail says "uncommitted changes" as the full
    build's does. Unchanged when git cannot be asked.
    """
    if not history.available:
        return history
    specs = sorted({_clean(p) for p in paths}) or ["."]
    try:
        prefix = _run(git, root, ["rev-parse", "--show-prefix"]).decode("utf-8", "replace").strip("\n")
        status = _run(git, root, ["status", "--porcelain", "-z", "--untracked-files=all", "--", *specs])
    except (_GitError, FileNotFoundError):
        return history
    dirty = _parse_status(status, prefix)
    files = {path: FileHistory(path, history.files[path].versions if path in history.files else (), dirty.get(path, ""))
             for path in sorted(history.files.keys() | dirty.keys())}
    return dataclasses.replace(history, files=files, uncommitted=tuple(sorted(dirty)))


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
        message = [line.strip() for line in result.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        fatal = next((line for line in message if line.startswith(("fatal:", "error:"))), message[-1] if message else "")
        raise _GitError(_printable(fatal) or f"git {args[0]} exited with {result.returncode}")
    return result.stdout


_Change = tuple[str, ChangeKind, str, str | None, str | None]
"""(commit hash, change, root-relative path, blob before, blob after)."""


def _parse_log(out: bytes, prefix: str, shallow: bool, warnings: list[str]) -> tuple[list[tuple[str, str]], list[_Change]]:
    """Split `git log --raw -z --format='%H %P'`: NUL-separated tokens, each a header, a ':modes blobs status' or a path.

    A path always follows a ':' token, so a path that looks like a header
    or a status line is never mistaken for one; anything else unexpected is
    skipped with a warning rather than stopping the build.
    """
    commits: list[tuple[str, str]] = []
    changes: list[_Change] = []
    tokens = out.split(b"\0")
    index = 0
    current: tuple[str, str] | None = None
    while index < len(tokens):
        token = tokens[index].lstrip(b"\n").decode("utf-8", "replace")
        index += 1
        if not token:
            continue
        if token.startswith(":"):
            path = tokens[index].decode("utf-8", "replace") if index < len(tokens) else ""
            index += 1
            meta = _META.match(token)
            if current is None or meta is None:
                warnings.append(f"git:{current[0][:10] if current else 'log'}: a line of git's log could not be read; skipped")
                continue
            if not path.startswith(prefix):
                continue
            old_mode, new_mode, old, new = meta.groups()
            if old_mode in _SKIP_MODES or new_mode in _SKIP_MODES:
                continue
            before = None if set(old) == {"0"} else old
            after = None if set(new) == {"0"} else new
            kind: ChangeKind = "deleted" if after is None else "added" if before is None else "modified"
            if shallow and not current[1] and kind == "added":
                kind = "earliest"
            changes.append((current[0], kind, path[len(prefix):], before, after))
        elif _HEADER.match(token.rstrip(" ")):  # a root commit has no parents: "<hash> "
            sha, _, parents = token.partition(" ")
            current = (sha, parents.strip())
            commits.append(current)
        else:
            warnings.append("git:log: a line of git's log could not be read; skipped")
    return commits, changes


def _read_objects(git: str, root: Path, shas: list[str]) -> dict[str, bytes]:
    """Every commit and blob from one `git cat-file --batch` process (communicate() feeds and drains it without deadlock)."""
    if not shas:
        return {}
    out = _run(git, root, ["cat-file", "--batch"], stdin="".join(f"{s}\n" for s in shas).encode())
    found: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        eol = out.index(b"\n", pos)
        header = out[pos:eol].split(b" ")
        pos = eol + 1
        if len(header) != 3 or not header[2].isdigit():  # "<sha> missing"
            continue
        size = int(header[2])
        found[header[0].decode("ascii", "replace")] = out[pos:pos + size]
        pos += size + 1
    return found


def _text(blob: bytes | None) -> str | None:
    """A blob as text; undecodable bytes become U+FFFD, and the reader of the version applies the input limits."""
    return None if blob is None else blob.decode("utf-8", "replace").removeprefix("\ufeff")


def parse_commit(sha: str, raw: bytes | None, fallback: dt.date | None = None) -> tuple[Commit, list[str]]:
    """A commit object's author, date, subject and Policy-Notes, each checked; the problems found, in words.

    A commit is never dropped (that would let a strange date hide a change
    from the audit trail): an unreadable author date falls back to the
    committer date, then to the date of the next newer commit; control
    characters are removed from names, subjects and notes.
    """
    problems: list[str] = []
    short = sha[:10]
    headers: dict[str, str] = {}
    message = ""
    if raw is None:
        problems.append("the commit could not be read")
    else:
        head, _, body = raw.partition(b"\n\n")
        for header in head.split(b"\n"):
            key, _, value = header.partition(b" ")
            headers.setdefault(key.decode("ascii", "replace"), value.decode("utf-8", "replace"))
        encoding = headers.get("encoding", "utf-8")
        try:
            message = body.decode(encoding, "replace")
        except LookupError:
            message = body.decode("utf-8", "replace")
    author, when, problem = _ident(headers.get("author", ""))
    if problem:
        problems.append(f"author {problem}")
    if when is None:
        _, when, _ = _ident(headers.get("committer", ""))
        if when is None:
            when = fallback or dt.date(1970, 1, 1)
            problems.append(f"no readable date; shown as {when.isoformat()}")
        else:
            problems.append(f"author date cannot be read; the commit date {when.isoformat()} is used")
    paragraphs = message.replace("\r\n", "\n").strip("\n").split("\n\n")
    subject = " ".join(line.strip() for line in paragraphs[0].split("\n")) if paragraphs else ""
    subject, cleaned = _clip(subject, MAX_SUBJECT)
    if cleaned:
        problems.append("subject holds control characters; shown without them")
    notes: list[str] = []
    if len(paragraphs) > 1:
        for line in paragraphs[-1].split("\n"):
            found = _NOTE.match(line)
            if found:
                notes.append(found.group(1).strip())
            elif notes and line[:1] in (" ", "\t"):  # a folded trailer continues on an indented line
                notes[-1] += " " + line.strip()
    kept = []
    for note in notes:
        text, cleaned = _clip(note, MAX_NOTE)
        if cleaned:
            problems.append("Policy-Note holds control characters; shown without them")
        if text:
            kept.append(text)
    return Commit(sha, short, author, when, subject, tuple(kept)), problems


def _ident(line: str) -> tuple[str, dt.date | None, str]:
    """'Name <email> 1700000000 +0100' → (name, the date in that time zone, a problem in words or '')."""
    match = _IDENT.match(line)
    if match is None:
        return "unknown", None, "line cannot be read"
    name, cleaned = _clip(match.group(1), MAX_SUBJECT)
    problem = "name holds control characters; shown without them" if cleaned else ""
    sign, hours, minutes = match.group(3), int(match.group(4)), int(match.group(5))
    try:
        offset = dt.timedelta(hours=hours, minutes=minutes) * (-1 if sign == "-" else 1)
        when = dt.datetime.fromtimestamp(int(match.group(2)), dt.timezone(offset)).date()
    except (ValueError, OverflowError, OSError):
        return name or "unknown", None, problem
    return name or "unknown", when, problem


def _clip(text: str, limit: int) -> tuple[str, bool]:
    """Control characters removed (they could reorder or hide text, or drive a terminal), length capped."""
    clean = _CONTROL.sub("", text)
    clean = " ".join(clean.split())
    if len(clean) > limit:
        clean = clean[:limit - 1] + "…"
    return clean, _CONTROL.search(text.replace("\t", " ")) is not None


def _printable(text: str) -> str:
    return _CONTROL.sub("", text)


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
