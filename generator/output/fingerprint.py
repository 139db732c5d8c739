"""fingerprint: one digest of everything a build reads, so a build with nothing changed can stop before it starts; writes nothing.

It imports only what the check needs (no pydantic, no views, no WeasyPrint),
so `mentorsite build` with nothing to do returns in a fraction of a second.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Mapping
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


def up_to_date(root: Path, out: Path, as_of: dt.date | dt.datetime | None) -> bool:
    """True when `out` holds a build of exactly these inputs (the check `build` makes first, without importing the pipeline)."""
    root, out = root.resolve(), out.resolve()
    previous = artifacts.read_manifest(out / STATE_DIR)
    return (out.is_dir() and bool(previous.fingerprint) and previous.fingerprint == fingerprint(root, as_of, previous)
            and outputs_present(out, previous))


def outputs_present(out: Path, previous: artifacts.Manifest) -> bool:
    """Every output the manifest lists is still a file (someone may have deleted one by hand)."""
    return all((out / dest).is_file() for dest in previous.artifacts)
