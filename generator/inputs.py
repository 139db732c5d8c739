"""inputs: finds every input file under the root, loads and validates it, and collects every problem before giving up.

It must not write anything or stop at the first bad file: a mentor fixing
records wants the whole list at once.
"""

from __future__ import annotations

from pathlib import Path

from .diagnostics import Diagnostic, InvalidInput, Position
from .load import Located, load_markdown, load_yaml
from .schema import LetterMeta, PolicyMeta, Pupil, Site
from .validate import Checked, check_policy, check_pupil, check_site, parse_model, slug_problem


def rel(root: Path, path: Path) -> str:
    """A path as messages show it: relative to the root, '/'-separated."""
    return path.relative_to(root).as_posix()


def load_school(root: Path) -> Checked:
    """Every input, validated; raises `InvalidInput` carrying all problems found."""
    problems: list[Diagnostic] = []
    site_path = root / "site.yaml"
    if not site_path.is_file():
        raise InvalidInput([Diagnostic("site.yaml", Position(1, 1), "site.missing",
                                       f"no site.yaml in {root}; is --root the school's folder?")])
    site_doc = _attempt(lambda: load_yaml(site_path, "site.yaml"), problems)
    site: Site | None = None
    if site_doc is not None:
        site, found = parse_model(Site, site_doc, "site")
        problems += found
        if site is not None:
            found = check_site(site, site_doc)
            problems += found
            site = None if found else site

    pupils: dict[str, Pupil] = {}
    pupil_dir = root / "pupils"
    for path in sorted(pupil_dir.glob("*")) if pupil_dir.is_dir() else []:
        if path.name.startswith(".") or path.is_dir():
            continue
        rel_path = rel(root, path)
        if path.suffix == ".yml":
            problems.append(Diagnostic(rel_path, Position(1, 1), "pupil.file.extension",
                                       f"pupil files end in .yaml; rename it to {path.stem}.yaml"))
            continue
        if path.suffix != ".yaml":
            continue
        problems += slug_problem(rel_path, path.stem, "pupil")
        doc = _attempt(lambda: load_yaml(path, rel_path), problems)
        if doc is None:
            continue
        record, found = parse_model(Pupil, doc, "pupil")
        problems += found
        if record is not None and site is not None:
            problems += check_pupil(record, doc, site)
        if record is not None:
            pupils[path.stem] = record

    policies = _markdown_dir(root, "content/policies", PolicyMeta, "policy", problems)
    letters = _markdown_dir(root, "content/letters", LetterMeta, "letter", problems)
    if problems:
        raise InvalidInput(problems)
    assert site is not None
    return Checked(
        site=site, pupils=pupils,
        policies={slug: (meta, body, line) for slug, (meta, body, line) in policies.items()},  # type: ignore[misc]
        letters={slug: (meta, body) for slug, (meta, body, _line) in letters.items()},  # type: ignore[misc]
    )


def _markdown_dir(root: Path, folder: str, model: type[PolicyMeta] | type[LetterMeta], area: str,
                  problems: list[Diagnostic]) -> dict[str, tuple[object, str, int]]:
    found: dict[str, tuple[object, str, int]] = {}
    directory = root / folder
    for path in sorted(directory.glob("*.md")) if directory.is_dir() else []:
        rel_path = rel(root, path)
        problems += slug_problem(rel_path, path.stem, area)
        source = _attempt(lambda: load_markdown(path, rel_path), problems)
        if source is None:
            continue
        meta, errors = parse_model(model, source.meta, area)
        problems += errors
        if isinstance(meta, PolicyMeta):
            problems += check_policy(meta, source.meta)
        if meta is not None:
            found[path.stem] = (meta, source.body, source.body_line)
    return found


def _attempt(load: "callable[[], Located]", problems: list[Diagnostic]):  # type: ignore[valid-type]
    """Run a loader, turning its `InvalidInput` into collected problems."""
    try:
        return load()
    except InvalidInput as err:
        problems.extend(err.diagnostics)
        return None
