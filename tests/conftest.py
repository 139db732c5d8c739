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
