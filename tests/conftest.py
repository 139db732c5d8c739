"""Shared fixtures: named fixture schools and a school written from a dict of file texts."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from support import copy_site


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return copy_site("tiny", tmp_path)


@pytest.fixture
def make_school(tmp_path: Path) -> Callable[[dict[str, str | None]], Path]:
    """Write a school from {relative path: text} over a copy of the tiny school; None deletes a file."""

    def make(files: dict[str, str | None]) -> Path:
        root = copy_site("tiny", tmp_path)
        for rel, text in files.items():
            path = root / rel
            if text is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return root

    return make


EXAMPLE_AS_OF = {
    "p1-assessment-points": "2026-11-20",
    "p2-learning-mentors": "2026-11-20",
    "p3-report-cards": "2026-11-16T14:00",
    "p4-tracking": "2026-11-20",
    "p5-assertive": "2026-11-20",
}
"""The moment each policy example's README describes (P3: Monday 14:00, an hour after the log deadline)."""


@pytest.fixture(scope="session")
def built_example(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Build an example school once per test session (at its README's as-of) and return its output folder; read it, never write to it.

    Every test about the examples shares these builds: a build of one example costs several seconds of PDF rendering.
    """
    from support import REPO, run_cli

    cache: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in cache:
            out = tmp_path_factory.mktemp(name) / "out"
            result = run_cli("build", "--root", str(REPO / "examples" / name), "--out", str(out),
                             "--as-of", EXAMPLE_AS_OF[name], "--jobs", "2")
            assert result.returncode == 0, result.stderr
            cache[name] = out
        return cache[name]

    return get
