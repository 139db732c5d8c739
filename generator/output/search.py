"""search: a Pagefind index for each web audience folder of a staged build, made offline before the swap.

Each audience gets its own index inside its own folder (`staff/pagefind/`,
`governors/pagefind/`), built from that folder's pages alone, so the
governors' index can never hold a pupil's name. The binary comes from the
pinned `pagefind_bin` wheel: nothing is downloaded, and the same pages give
the same index bytes. It must not render or write anything else.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

AUDIENCES = ("staff", "governors")
BUNDLE = "pagefind"
"""The index folder inside each audience folder; templates/shared/base.html points its search box here."""
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")
"""Pagefind's ready-made interfaces: site.js uses the small search API instead, so these are not shipped."""
TIMEOUT = 300


class SearchIndexError(Exception):
    """Pagefind could not index a folder; the build stops and the previous output stays."""


def executable() -> Path:
    """The Pagefind binary shipped inside the pinned `pagefind_bin` wheel (never one found on PATH)."""
    try:
        from pagefind_bin import get_executable  # type: ignore[import-untyped]
    except ImportError as error:
        raise SearchIndexError("the pagefind_bin package is missing; install mentorsite with its dependencies "
                               "(pip install -e .)") from error
    return Path(get_executable())


def index_folders(site: Path, audiences: tuple[str, ...] = AUDIENCES) -> dict[str, int]:
    """Index each audience folder under `site` on its own; returns the number of pages indexed per audience."""
    binary = executable()
    counts: dict[str, int] = {}
    for audience in audiences:
        folder = site / audience
        if folder.is_dir():
            counts[audience] = index_folder(binary, folder)
    return counts


def index_folder(binary: Path, folder: Path) -> int:
    """Run Pagefind on one folder, writing `folder/pagefind/`; only pages' `data-pagefind-body` content is indexed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}  # no stray configuration
    try:
        done = subprocess.run([str(binary), "--site", str(folder), "--output-subdir", BUNDLE, "--silent"],
                              cwd=folder, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SearchIndexError(f"could not run Pagefind on {folder.name}/: {error}") from error
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise SearchIndexError(f"Pagefind failed on {folder.name}/ (exit {done.returncode})"
                               + (f": {detail[-1]}" if detail else ""))
    bundle = folder / BUNDLE
    for name in UNUSED:
        (bundle / name).unlink(missing_ok=True)
    return _page_count(bundle)


def _page_count(bundle: Path) -> int:
    try:
        entry = json.loads((bundle / "pagefind-entry.json").read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise SearchIndexError(f"Pagefind wrote no index in {bundle}") from error
    return sum(int(lang.get("page_count", 0)) for lang in entry.get("languages", {}).values())
