"""templates: where templates and assets come from — the school's `templates/` over ours, file by file; reads, never writes.

A name such as `base.html` is looked up, for one audience, in the school's
`templates/<audience>/`, then ours, then the school's `templates/shared/`,
then ours; `!mentorsite/base.html` always names ours, so an override can
extend the original it replaces. Assets (`site.css`, `site.js`, `print.css`)
resolve the same way. Everything is confined: no link is followed (a link
anywhere on the way is an error, not a silent fall-back), no name leaves its
folder, and only plain files are read. The root's `assets/` folder and the
crest named in site.yaml are copied through to each web audience.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path

from generator.output.packaged import PACKAGED
from generator.sources.diagnostics import Diagnostic, InvalidInput, Position
from generator.sources.schema import Site
from generator.views.common import crest_web_path

THEME = "!mentorsite"
"""Prefix that names mentorsite's own template, whatever the school overrides: `{% extends "!mentorsite/base.html" %}`."""



class TemplateRefused(jinja2.TemplateError):
    """A template or asset that is a link or not a plain file: refused, never silently replaced by ours."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


LINK = "this is a link; templates and assets must be plain files inside the school's folder: copy the file in instead"
NOT_FILE = "this is not a plain file; templates and assets must be plain files"


def _walk(top: Path, pieces: list[str]) -> Path | None:
    """`top/pieces…` if it is a plain file reached without following any link; None if absent.

    Raises TemplateRefused for a link (file or folder) or a special file on the way.
    """
    path = top
    for i, piece in enumerate(pieces):
        path = path / piece
        try:
            info = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        if stat.S_ISLNK(info.st_mode):
            raise TemplateRefused(path, LINK)
        last = i == len(pieces) - 1
        if not last and not stat.S_ISDIR(info.st_mode):
            return None
        if last and stat.S_ISDIR(info.st_mode):
            return None
        if last and not stat.S_ISREG(info.st_mode):
            raise TemplateRefused(path, NOT_FILE)
    return path


def read_plain(path: Path) -> bytes:
    """A file's bytes, refusing a link put in its place since it was found (O_NOFOLLOW where the system has it)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


class ConfinedLoader(jinja2.BaseLoader):
    """Loads `name` from one folder, refusing links, special files and anything outside it.

    `top` is the folder whose own path is trusted (the school's `templates/`
    or ours); every part below it is checked, so a linked `shared/` is as
    refused as a linked `base.html`.
    """

    def __init__(self, top: Path, folder: str) -> None:
        self.top = top
        self.folder = folder

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        path = _walk(self.top, [self.folder, *split_template_path(template)])  # split refuses '..' and separators
        if path is None:
            raise jinja2.TemplateNotFound(template)
        mtime = os.lstat(path).st_mtime_ns  # before reading: a save while reading shows as out of date
        try:
            source = read_plain(path).decode("utf-8")
        except UnicodeDecodeError as err:
            raise TemplateRefused(path, f"this template is not UTF-8 text (byte {err.start + 1})") from None

        def uptodate() -> bool:
            try:
                return os.lstat(path).st_mtime_ns == mtime
            except OSError:
                return False

        return source, str(path), uptodate


@dataclass(frozen=True)
class TemplateSet:
    """The school's templates folder (if any) over ours, for one build."""

    root: Path
    """The school's folder, resolved."""
    school: Path | None
    """`ROOT/templates` when the school has one."""
    packaged: Path = PACKAGED

    def tops(self) -> tuple[Path, ...]:
        if self.school is None or self.school == self.packaged:  # the example school in a checkout is ours
            return (self.packaged,)
        return (self.school, self.packaged)

    def loader(self, audience: str) -> jinja2.BaseLoader:
        """For one audience: `!mentorsite/NAME` → ours only; NAME → school's audience folder, ours, school's shared/, ours."""
        ours = jinja2.ChoiceLoader([ConfinedLoader(self.packaged, audience), ConfinedLoader(self.packaged, "shared")])
        layered = [ConfinedLoader(top, folder) for folder in (audience, "shared") for top in self.tops()]
        return jinja2.ChoiceLoader([jinja2.PrefixLoader({THEME: ours}, delimiter="/"), *layered])

    def find(self, rel: str) -> Path:
        """An asset such as `shared/print.css`: the school's if it has one, else ours; raises InvalidInput if refused."""
        try:
            for top in self.tops():
                path = _walk(top, split_template_path(rel))
                if path is not None:
                    return path
        except TemplateRefused as err:
            raise InvalidInput([refused(self, err)]) from None
        raise InvalidInput([Diagnostic(f"templates/{rel}", Position(1, 1), "template.not_found",
                                       f"no {rel} in the school's templates/ nor in mentorsite's")])

    def embedded(self, site: Site) -> tuple[Path, ...]:
        """Files from the root that documents embed (the crest), so a changed image changes the PDFs' keys."""
        return (self.root / site.appearance.crest,) if site.appearance.crest else ()

    def display(self, path: Path | str) -> str:
        """How messages name a template file: relative to the root, or `(mentorsite)/templates/…` for ours."""
        path = Path(path)
        for base, shown in ((self.root, ""), (self.packaged, "(mentorsite)/templates/")):
            if path.is_relative_to(base):
                return shown + path.relative_to(base).as_posix()
        return path.name


def template_set(root: Path) -> TemplateSet:
    """The templates for the school at `root`; raises InvalidInput if its `templates/` is a link or not a folder."""
    root = root.resolve()
    own = root / "templates"
    try:
        info = os.lstat(own)
    except FileNotFoundError:
        return TemplateSet(root, None)
    if stat.S_ISLNK(info.st_mode):
        raise InvalidInput([Diagnostic("templates", Position(1, 1), "template.link", LINK)])
    if not stat.S_ISDIR(info.st_mode):
        raise InvalidInput([Diagnostic("templates", Position(1, 1), "template.not_folder",
                                       "templates must be a folder of the school's own templates")])
    return TemplateSet(root, own)


def refused(templates: TemplateSet, err: TemplateRefused) -> Diagnostic:
    return Diagnostic(templates.display(err.path), Position(1, 1), "template.link" if err.reason == LINK else "template.file",
                      err.reason)


# --- assets copied into each web audience's folder ---------------------------------------------

def web_assets(templates: TemplateSet, site: Site) -> dict[str, bytes]:
    """Every asset each web audience gets, by path inside its folder (`assets/site.css` …), read from inside the root or ours.

    `site.css` and `site.js` come from the overlay, the crest named in
    site.yaml becomes `assets/crest.<ext>`, and the root's own `assets/`
    folder is copied through (hidden files skipped). Two sources for one
    path are refused rather than one silently winning.
    """
    from generator.output.plan import ASSETS  # plan imports render, which imports this module

    sources: dict[str, tuple[Path, str]] = {}
    problems: list[Diagnostic] = []

    def add(dest: str, path: Path, shown: str) -> None:
        if dest in sources and sources[dest][0] != path:
            problems.append(Diagnostic(shown, Position(1, 1), "assets.name.taken",
                                       f"would be published as {dest}, which {sources[dest][1]} already is; rename it"))
            return
        sources[dest] = (path, shown)

    for name in ASSETS:
        path = templates.find(f"shared/{name}")
        add(f"assets/{name}", path, templates.display(path))
    crest = site.appearance.crest
    if crest:
        add(crest_web_path(crest), templates.root / crest, crest)  # sources/appearance.py checked it: a plain file in the root
    try:
        for path in _root_assets(templates.root):
            add(path.relative_to(templates.root).as_posix(), path, path.relative_to(templates.root).as_posix())
    except TemplateRefused as err:
        problems.append(refused(templates, err))
    if problems:
        raise InvalidInput(problems)
    return {dest: read_plain(path) for dest, (path, _shown) in sorted(sources.items())}


def _root_assets(root: Path) -> Iterator[Path]:
    """Plain files under ROOT/assets/, sorted, skipping hidden ones; a link or special file anywhere is refused."""
    folder = root / "assets"
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise TemplateRefused(folder, LINK)
    if not stat.S_ISDIR(info.st_mode):
        raise TemplateRefused(folder, "assets must be a folder of files to publish")
    pending = [folder]
    while pending:
        current = pending.pop()
        for entry in sorted(os.scandir(current), key=lambda e: e.name):
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            if entry.is_symlink():
                raise TemplateRefused(path, LINK)
            if entry.is_dir(follow_symlinks=False):
                pending.append(path)
            elif entry.is_file(follow_symlinks=False):
                yield path
            else:
                raise TemplateRefused(path, NOT_FILE)
