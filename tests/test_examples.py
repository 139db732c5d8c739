"""The five policy example schools build, and each dashboard lists the actions its policy is about: the scheme is configuration, not code."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EXAMPLE_AS_OF
from support import REPO, run_cli

EXAMPLES = [
    ("p1-assessment-points", "2026-11-20", {"exit-review"}),
    ("p2-learning-mentors", "2026-11-20", {"review-overdue", "review-due"}),
    ("p3-report-cards", "2026-11-16T14:00", {"log-overdue"}),
    ("p4-tracking", "2026-11-20", {"below-no_intervention", "meeting-overdue", "target-raise"}),
    ("p5-assertive", "2026-11-20", {"skills-move_up", "progress-behind"}),
]


@pytest.mark.parametrize("name, as_of, expected", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example_builds_and_its_dashboard_lists_its_policys_actions(built_example: Callable[[str], Path], name: str, as_of: str,
                                                                   expected: set[str]) -> None:
    assert EXAMPLE_AS_OF[name] == as_of
    out = built_example(name)  # built once per session, shared with test_paperwork_examples.py
    dashboard = (out / "staff" / "index.html").read_text(encoding="utf-8")
    found = set(re.findall(r'class="action-([a-z_-]+)"', dashboard))
    assert expected <= found, f"missing {expected - found}"


def test_p3_log_is_not_overdue_before_monday_lunch(tmp_path: Path) -> None:
    """At 11:00 on the Monday, last week's logs are not yet due; at 14:00 they are."""
    out = tmp_path / "out"
    root = REPO / "examples" / "p3-report-cards"
    assert run_cli("build", "--root", str(root), "--out", str(out), "--as-of", "2026-11-16T11:00", "--jobs", "1").returncode == 0
    before = (out / "staff" / "index.html").read_text(encoding="utf-8").count('class="action-log-overdue"')
    assert run_cli("build", "--root", str(root), "--out", str(out), "--as-of", "2026-11-16T14:00", "--jobs", "1").returncode == 0
    after = (out / "staff" / "index.html").read_text(encoding="utf-8").count('class="action-log-overdue"')
    assert before < after


def test_p5_fourteen_crosses_show_as_stage_2_developing(built_example: Callable[[str], Path]) -> None:
    out = built_example("p5-assertive")
    pages = " ".join(p.read_text(encoding="utf-8") for p in (out / "staff" / "pupils").glob("*/index.html"))
    assert "Stage 2 developing" in pages and "3 more to securing" in pages
