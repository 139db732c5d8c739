"""appearance: checks site.yaml's `appearance` (crest image, accent colour) against the school's files; reads, never writes.

The crest is published on the governors' site and embedded in every PDF,
so it must be a plain image file inside the school's folder, reached
without following a link; the accent colour must be readable as link text
on white (WCAG 2.2 AA, contrast at least 4.5:1).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePosixPath

from generator.sources.diagnostics import Diagnostic
from generator.sources.load import Located
from generator.sources.schema import Site

ACCENT = re.compile(r"^#[0-9a-fA-F]{6}$")
CREST_TYPES = {".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",),
               ".gif": (b"GIF87a", b"GIF89a"), ".svg": ()}
"""Image types the crest may be, with the bytes each file of that type starts with (SVG is text: checked differently)."""
CREST_MAX_BYTES = 2 * 1024 * 1024
MIN_CONTRAST = 4.5


def check_appearance(root: Path, site: Site, doc: Located) -> list[Diagnostic]:
    """Every problem with `appearance:` in site.yaml, located at its value."""
    out: list[Diagnostic] = []
    look = site.appearance

    def bad(key: str, code: str, message: str) -> None:
        out.append(Diagnostic(doc.path, doc.at(("appearance", key)), f"site.appearance.{code}", f"appearance.{key}: {message}"))

    data = doc.data if isinstance(doc.data, dict) else {}
    written = data.get("appearance")
    if isinstance(written, dict) and "accent" in written and written["accent"] is None:
        bad("accent", "accent", 'expected a colour in quotes such as "#1d4f91" (unquoted, a # starts a comment in YAML)')
    if look.accent is not None:
        if not ACCENT.match(look.accent):
            bad("accent", "accent",
                f"expected a colour written \"#RRGGBB\" (six hexadecimal digits), e.g. \"#1d4f91\", got '{look.accent}'")
        elif (ratio := contrast_on_white(look.accent)) < MIN_CONTRAST:
            bad("accent", "contrast", f"'{look.accent}' is too light to read as link text on white ({ratio:.1f}:1; "
                                      f"WCAG 2.2 AA needs at least {MIN_CONTRAST}:1); choose a darker colour")
    if look.crest is not None:
        problem = _crest_problem(root, look.crest)
        if problem:
            bad("crest", "crest", problem)
    return out


def contrast_on_white(colour: str) -> float:
    """WCAG contrast ratio of `#RRGGBB` against white."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def _crest_problem(root: Path, crest: str) -> str | None:
    """Why the crest cannot be used, or None: a relative path, inside the root, no link on the way, a plain image file."""
    rel = PurePosixPath(crest)
    if "\\" in crest or rel.is_absolute() or not rel.parts or any(p in ("..", ".") for p in rel.parts):
        return f"'{crest}' must be a path inside the school's folder written with '/', e.g. assets/crest.png"
    suffix = rel.suffix.lower()
    if suffix not in CREST_TYPES:
        return f"'{crest}' must be a PNG, JPEG, GIF or SVG image (.png, .jpg, .jpeg, .gif or .svg)"
    path = root
    for i, part in enumerate(rel.parts):
        path = path / part
        try:
            info = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            return f"there is no file {crest} in the school's folder"
        if stat.S_ISLNK(info.st_mode):
            return f"{'/'.join(rel.parts[:i + 1])} is a link; the crest must be a plain file inside the school's folder"
        if i == len(rel.parts) - 1 and not stat.S_ISREG(info.st_mode):
            return f"{crest} is not a plain file"
    if info.st_size > CREST_MAX_BYTES:
        return f"{crest} is {info.st_size // 1024} KB; a crest must be at most {CREST_MAX_BYTES // 1024} KB"
    with open(path, "rb") as handle:
        start = handle.read(512)
    if suffix == ".svg":
        if b"<svg" not in start.lower() and b"<?xml" not in start.lower():
            return f"{crest} does not look like an SVG image"
    elif not start.startswith(CREST_TYPES[suffix]):
        return f"{crest} is not a {suffix[1:].upper()} image (its first bytes do not match)"
    return None
