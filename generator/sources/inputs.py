"""inputs: finds every input file under the root, loads and validates it, and collects every problem before giving up.

It must not write anything or stop at the first bad file: a mentor fixing
records wants the whole list at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from generator.sources import letters
from generator.sources.appearance import check_appearance
from generator.sources.cache import RecordCache
from generator.sources.diagnostics import Diagnostic, InvalidInput, Position
from generator.sources.gcpause import settled
from generator.sources.load import Located, load_markdown, load_yaml
from generator.sources.paperwork_checks import check_group_plans, check_paperwork
from generator.sources.schema import LetterMeta, PolicyMeta, Pupil, Site
from generator.sources.validate import (
    Checked,
    check_policy,
    check_pupil,
    check_site,
    parse_model,
    slug_problem,
)

_T = TypeVar("_T")


def rel(root: Path, path: Path) -> str:
    """A path as messages show it: relative to the root, '/'-separated, on one printable line.

    A file name may hold bytes that are not UTF-8, line breaks or terminal
    escapes; they are shown as backslash escapes so every message stays one
    harmless line.
    """
    text = path.relative_to(root).as_posix().encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _outside(root: Path, path: Path, rel_path: str) -> list[Diagnostic]:
    """A link to a file outside the root is refused: its text could end up published or echoed in a message."""
    try:
        inside = path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a link loop
        inside = False
    if inside:
        return []
    return [Diagnostic(rel_path, Position(1, 1), "file.outside_root",
                       "this file is a link to a file outside the school's folder; copy the file in instead")]


def _name_problem(root: Path, path: Path, rel_path: str, what: str) -> list[Diagnostic]:
    """The file's stem must be a safe id; a name that is not even printable is described, not echoed."""
    if rel_path != path.relative_to(root).as_posix():
        return [Diagnostic(rel_path, Position(1, 1), f"{what}.id.slug",
                           "file name holds characters that cannot be shown; rename it using lower-case letters, digits and hyphens")]
    return slug_problem(rel_path, path.stem, what)


@settled  # about a million long-lived, acyclic values: the cyclic collector would only walk them (gcpause.py)
def load_school(root: Path, cache: RecordCache | None = None) -> Checked:
    """Every input, validated; raises `InvalidInput` carrying all problems found.

    With a `cache`, a pupil file whose bytes (and site.yaml) are those of a
    record that was valid before is taken from it instead of parsed again.
    """
    problems: list[Diagnostic] = []
    site_path = root / "site.yaml"
    if not site_path.is_file():
        raise InvalidInput([Diagnostic("site.yaml", Position(1, 1), "site.missing",
                                       f"no site.yaml in {root}; is --root the school's folder?")])
    outside = _outside(root, site_path, "site.yaml")
    problems += outside
    site_doc = None if outside else _attempt(lambda: load_yaml(site_path, "site.yaml", example="school"), problems)
    site: Site | None = None
    if site_doc is not None:
        site, found = parse_model(Site, site_doc, "site")
        problems += found
        if site is not None:
            found = check_site(site, site_doc) + check_appearance(root, site, site_doc)
            problems += found
            site = None if found else site

    pupils: dict[str, Pupil] = {}
    docs: dict[str, Located] = {"site.yaml": site_doc} if site_doc is not None else {}
    upns: dict[str, str] = {}  # UPN → the first file that holds it
    site_doc_key = _digest_file(site_path) if cache is not None and site is not None else ""
    pupil_dir = root / "pupils"
    folder_inside = not _outside(root, pupil_dir, "pupils")  # resolved once: a plain file in it is inside too
    for path in sorted(pupil_dir.glob("*")) if pupil_dir.is_dir() else []:
        if path.name.startswith(".") or path.is_dir():
            continue
        rel_path = f"pupils/{path.name}" if path.name.isascii() and path.name.isprintable() else rel(root, path)
        if path.suffix.lower() in (".yml", ".yaml") and path.suffix != ".yaml":
            problems.append(Diagnostic(rel_path, Position(1, 1), "pupil.file.extension",
                                       f"pupil files end in .yaml; rename it to {rel_path.rsplit('/', 1)[-1][:-len(path.suffix)]}.yaml"))
            continue
        if path.suffix != ".yaml":
            continue
        problems += _name_problem(root, path, rel_path, "pupil")
        outside = [] if folder_inside and not path.is_symlink() else _outside(root, path, rel_path)
        problems += outside
        known = len(problems)
        stat = _stat(path) if cache is not None and cache.trust_stat and not outside else None
        if stat is not None and cache is not None and site is not None and known == len(problems):
            hit = cache.unchanged(rel_path, stat, site_doc_key)
            if hit is not None and (hit.upn is None or upns.setdefault(hit.upn, rel_path) == rel_path):
                pupils[path.stem] = hit  # not touched since it was read and found valid (serve)
                continue
        data = _cached_bytes(path, cache, outside)
        if data is not None and stat is not None and cache is not None:
            cache.saw(rel_path, stat, data, site_doc_key)
        if data is not None and site_doc is not None and site is not None and known == len(problems):
            hit = cache.get(rel_path, data, site_doc_key) if cache is not None else None
            if hit is not None and (hit.upn is None or upns.setdefault(hit.upn, rel_path) == rel_path):
                pupils[path.stem] = hit  # valid before with this site.yaml; its per-file checks cannot have changed
                continue
        doc = None if outside else _attempt(functools.partial(load_yaml, path, rel_path), problems)
        if doc is None:
            continue
        record, found = parse_model(Pupil, doc, "pupil")
        problems += found
        if record is not None and site is not None:
            problems += check_pupil(record, doc, site)
            problems += check_paperwork(record, doc, site)
        if record is not None:
            pupils[path.stem] = record
            docs[rel_path] = doc
            problems += _duplicate_upn(record, doc, upns)
            if cache is not None and data is not None and site is not None and known == len(problems):
                cache.put(rel_path, data, site_doc_key, record)

    if site is not None and site_doc is not None and site.scheme.paperwork.group_plans:
        stems = {p.stem for p in pupil_dir.glob("*.yaml")} if pupil_dir.is_dir() else set()
        problems += check_group_plans(site, site_doc, stems)
    policies = _markdown_dir(root, "content/policies", PolicyMeta, "policy", problems)
    letters = _markdown_dir(root, "content/letters", LetterMeta, "letter", problems)
    if problems:
        raise InvalidInput(problems)
    assert site is not None
    return Checked(
        site=site, pupils=pupils,
        policies={slug: (meta, body, line) for slug, (meta, body, line) in policies.items()},  # type: ignore[misc]
        letters={slug: (meta, body) for slug, (meta, body, _line) in letters.items()},  # type: ignore[misc]
        docs=docs,
    )


def _duplicate_upn(record: Pupil, doc: Located, seen: dict[str, str]) -> list[Diagnostic]:
    """A UPN names one pupil nationally: two files with the same one are two copies of a pupil, or a typo."""
    if record.upn is None:
        return []
    first = seen.setdefault(record.upn, doc.path)
    if first == doc.path:
        return []
    return [Diagnostic(doc.path, doc.at(("upn",)), "pupil.upn.duplicate",
                       f"upn: '{record.upn}' is already the UPN of {first}; each pupil has their own UPN")]


def _digest_file(path: Path) -> str:
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _cached_bytes(path: Path, cache: RecordCache | None, outside: list[Diagnostic]) -> bytes | None:
    """The file's bytes for the cache key, when a cache is in use and the file may be read."""
    if cache is None or outside or not path.is_file():
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def _markdown_dir(root: Path, folder: str, model: type[PolicyMeta] | type[LetterMeta], area: str,
                  problems: list[Diagnostic]) -> dict[str, tuple[object, str, int]]:
    found: dict[str, tuple[object, str, int]] = {}
    directory = root / folder
    for path in sorted(directory.glob("*")) if directory.is_dir() else []:
        if path.name.startswith(".") or path.is_dir():
            continue
        rel_path = rel(root, path)
        if path.suffix.lower() in (".md", ".markdown") and path.suffix != ".md":
            problems.append(Diagnostic(rel_path, Position(1, 1), f"{area}.file.extension",
                                       f"{area} files end in .md; rename it to {rel_path.rsplit('/', 1)[-1][:-len(path.suffix)]}.md"))
            continue
        if path.suffix != ".md":
            continue
        problems += _name_problem(root, path, rel_path, area)
        outside = _outside(root, path, rel_path)
        problems += outside
        source = None if outside else _attempt(functools.partial(load_markdown, path, rel_path), problems)
        if source is None:
            continue
        meta, errors = parse_model(model, source.meta, area)
        problems += errors
        if isinstance(meta, PolicyMeta):
            problems += check_policy(meta, source.meta)
        if isinstance(meta, LetterMeta):
            problems += letters.check(rel_path, source.body, source.body_line)  # only {{ merge fields }}, located
        if meta is not None:
            found[path.stem] = (meta, source.body, source.body_line)
    return found


def _attempt(load: Callable[[], _T], problems: list[Diagnostic]) -> _T | None:
    """Run a loader, turning its `InvalidInput` into collected problems."""
    try:
        return load()
    except InvalidInput as err:
        problems.extend(err.diagnostics)
        return None
