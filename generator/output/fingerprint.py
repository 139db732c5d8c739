"""fingerprint: one digest of everything a build reads, so a build with nothing changed can stop before it starts; writes nothing.

It imports only what the check needs (no pydantic, no views, no WeasyPrint),
so `mentorsite build` with nothing to do returns in a fraction of a second.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.output import artifacts
from generator.output.packaged import PACKAGED as PACKAGE_TEMPLATES  # the templates shipped with mentorsite
from generator.output.write import STATE_DIR


def embedded_digest(records: Mapping[str, artifacts.Record], digest_of: Callable[[str], str] | None = None,
                    css_files: Mapping[str, str] | None = None) -> str:
    """One digest over the files the documents and the print CSS embedded: as recorded (end of a build) or as they are
    now (start of the next)."""
    recorded = {url: digest for record in records.values() for url, digest in record.files.items()}
    recorded.update({f"css:{url}": digest for url, digest in (css_files or {}).items()})
    text = "".join(f"{url}\0{digest_of(url.removeprefix('css:')) if digest_of is not None else recorded[url]}\0" for url in sorted(recorded))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint(root: Path, as_of: dt.date | dt.datetime | None, previous: artifacts.Manifest) -> dict[str, str]:
    """Everything a build reads, digested: when it equals the last build's, the output is already right."""
    from generator.output.pdf import (
        resolve_url,  # light: WeasyPrint is imported only inside its functions
    )

    def now(url: str) -> str:
        try:
            return artifacts.file_digest(resolve_url(root, url))
        except ValueError:
            return artifacts.ABSENT

    folders = [root / "pupils", root / "content", root / "assets", root / "templates", PACKAGE_TEMPLATES]
    return {
        "inputs": artifacts.folder_digest(root, folders, [root / "site.yaml"]),
        "embedded": embedded_digest(previous.artifacts, now, _css_files(previous)),
        "code": artifacts.code_version(),
        "git": artifacts.git_head(root),
        "as_of": f"{as_of.isoformat() if as_of else ''}|{os.environ.get('SOURCE_DATE_EPOCH', '')}",
    }


def _css_files(previous: artifacts.Manifest) -> dict[str, str]:
    found = previous.extra.get("css_files")
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


@dataclass(frozen=True)
class State:
    """What the up-to-date check read and worked out, handed to `build` so that it does not read and digest it all again."""

    root: Path
    out: Path
    as_of: dt.date | dt.datetime | None
    previous: artifacts.Manifest
    manifest_file: tuple[int, int, int, int] | None
    """The manifest file's (device, inode, size, mtime): an output is replaced whole, so the same four mean the same file."""
    fingerprint: dict[str, str]
    up_to_date: bool


def manifest_file(out: Path) -> tuple[int, int, int, int] | None:
    try:
        info = os.stat(out / STATE_DIR / artifacts.MANIFEST)
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def state(root: Path, out: Path, as_of: dt.date | dt.datetime | None) -> State:
    """The previous build's manifest, this build's fingerprint, and whether `out` already holds exactly this build."""
    root, out = root.resolve(), out.resolve()
    seen = manifest_file(out)
    previous = artifacts.read_manifest(out / STATE_DIR)
    if manifest_file(out) != seen:  # replaced while it was read: read it again, and note it as it is now
        seen = manifest_file(out)
        previous = artifacts.read_manifest(out / STATE_DIR)
    now = fingerprint(root, as_of, previous)
    current = out.is_dir() and bool(previous.fingerprint) and previous.fingerprint == now and outputs_present(out, previous)
    return State(root, out, as_of, previous, seen, now, current)


def outputs_present(out: Path, previous: artifacts.Manifest) -> bool:
    """Every output the manifest lists is still a file (someone may have deleted one by hand)."""
    return all((out / dest).is_file() for dest in previous.artifacts)
