"""artifacts: what each output was made from, so an unchanged one is carried over instead of rendered; writes nothing.

An artifact is one output file: its destination, audience, template and
view. Its record in the manifest (`OUT/.mentorsite/manifest.json`) holds the
digest of the view's canonical form, the digest of every template the
render loaded (recorded by the audience's Jinja environment as it loads
them, so `{% include %}`, `{% extends %}` and `{% import %}` all count), the
digest of every file a PDF embedded (recorded by the PDF fetcher), and the
renderer's version. An artifact is current when every one of these is the
same now; otherwise `stale` says which one changed (`build --explain`).

Content hashes, never mtimes: a fresh clone resets every mtime. Pickle is
never used: the manifest is JSON, versioned, and a version it does not know
is read as "no previous build".
"""

from __future__ import annotations

import contextvars
import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import json
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import jinja2

MANIFEST_VERSION = 2
"""Bump when the manifest's shape or the meaning of a key changes: every artifact is then rebuilt."""
MANIFEST = "manifest.json"
PENDING = "pending"
"""A record for a PDF left at its old version by `serve`'s fast pass: it matches nothing, so the next build renders it."""
ABSENT = "absent"
"""The digest recorded for a file a document asked for that did not exist (creating it must rebuild the document)."""


# --- the view's canonical form -------------------------------------------------------

class ViewDigests:
    """Digests of views in their canonical form, memoised per object for one build (a site view is shared by many pages)."""

    def __init__(self) -> None:
        self._memo: dict[int, tuple[Callable[[], object], str]] = {}

    def digest(self, value: object) -> str:
        return hashlib.sha256(self._canonical(value).encode("utf-8")).hexdigest()

    def _canonical(self, value: object) -> str:
        """A deterministic text for a view: containers walked, each view object (frozen dataclass or pydantic record) by its repr.

        A dataclass's generated repr names its class and every field, nested
        ones too, at C-assisted speed; it is memoised per object, so a site
        view shared by many pages is digested once. A repr that shows a
        memory address (an object with no value repr) is refused. The worst
        an unstable repr (a set of strings: its order varies per process)
        can do is rebuild an output that did not change, never keep one
        that did.
        """
        if isinstance(value, Mapping):
            items = sorted((self._canonical(k), self._canonical(v)) for k, v in value.items())
            return "{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
        if isinstance(value, (list, tuple)) and type(value) in (list, tuple):
            return "[" + ",".join(self._canonical(v) for v in value) + "]"
        if value is None or isinstance(value, (bool, int, float, str, dt.date, dt.time, enum.Enum)):
            return repr(value)
        memo = self._memo.get(id(value))
        if memo is not None and memo[0]() is value:
            return memo[1]
        if not ((dataclasses.is_dataclass(value) and not isinstance(value, type)) or callable(getattr(value, "model_dump", None))):
            raise TypeError(f"a view holds a {type(value).__name__}, which has no canonical form; use a frozen dataclass")
        text = f"{type(value).__module__}.{value!r}"
        if " at 0x" in text:
            raise TypeError(f"a view holds an object without a value repr inside a {type(value).__name__}")
        digest = "#" + hashlib.sha256(text.encode("utf-8")).hexdigest()
        try:  # a weak reference: a view dropped after rendering is freed; its id, if reused, then no longer matches
            ref: Callable[[], object] = weakref.ref(value)
        except TypeError:  # no weak references (a slotted object): kept alive, so its id is not reused this build
            ref = functools.partial(_same, value)
        self._memo[id(value)] = (ref, digest)
        return digest


def _same(value: object) -> object:
    return value


# --- templates recorded while rendering ----------------------------------------------

_loaded: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("mentorsite_templates_loaded", default=None)
_Env = TypeVar("_Env", bound=jinja2.Environment)


def record_templates(env: _Env) -> _Env:
    """Make `env` note every template it loads, at render time too (Jinja calls `get_template` for
    extends, include and import on each render, and caches the compiled template, not the call)."""
    original = env.get_template

    def get_template(name: str | jinja2.Template, parent: str | None = None, globals: Any = None) -> jinja2.Template:
        template = original(name, parent, globals)
        used = _loaded.get()
        if used is not None and template.name is not None:
            used.add(template.name)
        return template

    env.get_template = get_template  # type: ignore[method-assign]
    return env


@contextmanager
def templates_used() -> Iterator[set[str]]:
    """Collect the names of the templates loaded inside this block (per thread and task: a context variable)."""
    used: set[str] = set()
    token = _loaded.set(used)
    try:
        yield used
    finally:
        _loaded.reset(token)


class TemplateDigests:
    """The digest of each template's source, as the audience's own loader finds it (an override first, if any)."""

    def __init__(self, envs: Mapping[Any, jinja2.Environment]) -> None:
        self.envs = envs
        self._memo: dict[tuple[str, str], str] = {}

    def digest(self, audience: str, name: str) -> str:
        key = (audience, name)
        if key not in self._memo:
            env = self.envs[audience]
            try:
                assert env.loader is not None
                source = env.loader.get_source(env, name)[0]
                self._memo[key] = hashlib.sha256(source.encode("utf-8")).hexdigest()
            except jinja2.TemplateNotFound:
                self._memo[key] = ABSENT
        return self._memo[key]


# --- records and the manifest ----------------------------------------------------------

@dataclass(frozen=True)
class Record:
    """What one artifact was made from, as the manifest keeps it."""

    view: str
    renderer: str
    templates: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        return {"view": self.view, "renderer": self.renderer, "templates": self.templates, "files": self.files}

    @classmethod
    def from_json(cls, data: Any) -> Record | None:
        try:
            return cls(str(data["view"]), str(data["renderer"]),
                       {str(k): str(v) for k, v in data.get("templates", {}).items()},
                       {str(k): str(v) for k, v in data.get("files", {}).items()})
        except (KeyError, TypeError, AttributeError):
            return None


@dataclass
class Manifest:
    """The previous build's records by destination, and the fingerprint of everything it read."""

    artifacts: dict[str, Record] = field(default_factory=dict)
    fingerprint: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        """JSON with each top-level key, and each artifact, on a line of its own (easy to read and to diff).

        Each line is made by the json module's C encoder: `indent` would
        have used its pure-Python one, 0.08 s for 5,600 artifacts, after an
        edit's last PDF and before the swap.
        """
        def dump(value: Any) -> str:
            return json.dumps(value, sort_keys=True, ensure_ascii=False)

        data = {"version": MANIFEST_VERSION, "fingerprint": self.fingerprint, **self.extra}
        data.pop("artifacts", None)
        artifacts = ",\n".join(f"{dump(dest)}: {dump(record.json())}" for dest, record in sorted(self.artifacts.items()))
        lines = [f"{dump(key)}: {dump(value)}" for key, value in sorted(data.items())] + [f'"artifacts": {{\n{artifacts}\n}}']
        return ("{\n" + ",\n".join(sorted(lines)) + "\n}\n").encode("utf-8")


def read_manifest(folder: Path) -> Manifest:
    """The manifest in `folder` (OUT/.mentorsite), or an empty one if it is missing, unreadable or of another version."""
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return Manifest()
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        return Manifest()
    records = {str(dest): Record.from_json(raw) for dest, raw in (data.get("artifacts") or {}).items()}
    fingerprint = data.get("fingerprint") or {}
    extra = {k: v for k, v in data.items() if k not in ("version", "fingerprint", "artifacts")}
    return Manifest({d: r for d, r in records.items() if r is not None},
                    {str(k): str(v) for k, v in fingerprint.items()} if isinstance(fingerprint, dict) else {}, extra)


def stale(previous: Record | None, view: str, renderer: str, template_digest: Callable[[str], str],
          file_digest: Callable[[str], str]) -> str | None:
    """Why an artifact must be made again, or None if its previous output is still right."""
    if previous is None:
        return "new: not in the previous build"
    if previous.renderer != renderer:
        return "the renderer changed (mentorsite, WeasyPrint, the print CSS or their settings)"
    if previous.view != view:
        return "its data changed"
    for name, digest in sorted(previous.templates.items()):
        if template_digest(name) != digest:
            return f"template {name} changed"
    for path, digest in sorted(previous.files.items()):
        if file_digest(path) != digest:
            return f"{path} changed" if digest != ABSENT else f"{path} now exists"
    return None


def digest_bytes(data: bytes | None) -> str:
    return hashlib.sha256(data).hexdigest() if data is not None else ABSENT


def file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ABSENT


# --- the whole build's fingerprint: when it matches, there is nothing to do ----------------

_code: dict[str, str] = {}


def code_version() -> str:
    """A digest of mentorsite's own code and the versions of the libraries that shape its output (cached per process)."""
    if "digest" not in _code:
        from importlib.metadata import (
            version,  # not `import weasyprint`: half a second a no-op build need not pay
        )

        package = Path(__file__).resolve().parent.parent
        libraries = "\0".join(f"{name}={version(name)}" for name in ("Jinja2", "Markdown", "weasyprint", "nh3", "pagefind-bin"))
        digest = hashlib.sha256(f"{MANIFEST_VERSION}\0{libraries}".encode())
        for path in sorted(package.rglob("*.py")):
            digest.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
        _code["digest"] = digest.hexdigest()
    return _code["digest"]


def folder_digest(root: Path, folders: Iterable[Path], files: Iterable[Path] = ()) -> str:
    """One digest over every file (name and bytes) in `folders` and `files`, dot files skipped, in sorted order."""
    digest = hashlib.sha256()
    seen: set[Path] = set()
    paths: list[Path] = [f for f in files if f.is_file()]
    for folder in folders:
        if folder.is_dir():
            paths += [p for p in folder.rglob("*") if p.is_file() and not any(x.startswith(".") for x in p.relative_to(folder).parts)]
    for path in sorted(paths):
        if path in seen:
            continue
        seen.add(path)
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0" + file_digest(path).encode() + b"\0")
    return digest.hexdigest()


def git_head(root: Path) -> str:
    """The commit checked out (history and the as-of moment come from it), or 'none' outside git."""
    import subprocess

    try:
        done = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return "none"
    return done.stdout.strip() if done.returncode == 0 else "none"


def fingerprint_changes(before: Mapping[str, str], now: Mapping[str, str]) -> list[str]:
    """Which parts of the fingerprint differ, in words, for --explain."""
    words = {"inputs": "an input file (site.yaml, pupils/, content/, templates/, assets/) changed",
             "embedded": "a file a document embeds changed", "code": "mentorsite or a library it uses changed",
             "git": "the git commit changed", "as_of": "--as-of or SOURCE_DATE_EPOCH changed",
             "pending": "PDFs that serve deferred are still to be rendered"}
    if not before:
        return ["no previous build in this output (or one of another manifest version)"]
    return [words.get(k, k) for k in sorted(set(before) | set(now)) if before.get(k) != now.get(k)]
