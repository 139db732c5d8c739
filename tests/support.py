"""Test helpers: the CLI as a real subprocess, fixture schools, tree and PDF readers."""

from __future__ import annotations

import datetime as dt
import glob
import gzip
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"
AS_OF = dt.date(2026, 11, 20)


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m generator ARGS` as a user would, capturing both streams."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("MENTORSITE_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd or REPO, env=full_env,
                          capture_output=True, text=True, timeout=600)


def wait_recycled(out: Path, wait: float = 60.0) -> bool:
    """Wait for the detached recycling of the tree a build swapped out (`.OUT.trash-*` gone); True if the spare is then there."""
    from generator.output.write import TRASH, spare_path

    deadline = time.monotonic() + wait
    while any(out.parent.glob(f"{glob.escape('.' + out.name)}.{TRASH}-*")) and time.monotonic() < deadline:
        time.sleep(0.02)
    return spare_path(out).is_dir()


def copy_site(name: str, dest: Path) -> Path:
    """A fresh copy of the named fixture school in tests/sites/, safe to edit."""
    target = dest / name
    shutil.copytree(SITES / name, target)
    return target


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path, for whole-tree comparisons."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def file_text(path: Path) -> str:
    """The text of any built file: a PDF's extracted text, a gzip-compressed search index file decompressed, else the file."""
    if path.suffix == ".pdf":
        return pdf_text(path)
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":  # Pagefind's index, fragments and metadata are gzip-compressed
        return gzip.decompress(data).decode("utf-8", errors="replace")
    return data.decode("utf-8")


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
