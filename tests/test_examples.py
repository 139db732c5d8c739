"""The five policy example schools build, and each dashboard lists the actions its policy is about: the scheme is configuration, not code."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from judging import past_dates_as_plans, rendered, school_at, text_of
from conftest import EXAMPLE_AS_OF
from support import REPO, run_cli

EXAMPLES = [
    ("p1-assessment-points", "2026-11-20", {"exit-ready", "plan-missing"}),
    ("p2-learning-mentors", "2026-11-20", {"review-overdue", "review-due", "plan-missing"}),
    ("p3-report-cards", "2026-11-16T14:00", {"log-overdue", "log-late"}),
    ("p4-tracking", "2026-11-20", {"below-no_intervention", "meeting-overdue", "target-raise", "mentor-missing"}),
    ("p5-assertive", "2026-11-20", {"skills-move_up", "progress-behind", "target-raise", "review-term"}),
]


def dashboard_actions(html: str) -> list[tuple[str, str]]:
    """(pupil id, code) of every action listed on the dashboard, codes written as `mentorsite actions` writes them."""
    return sorted((pupil, code.replace("-", ".", 1)) for code, pupil in
                  re.findall(r'<li class="action-([a-z_-]+)" data-pupil="([a-z0-9-]+)"', html))


def command_actions(root: Path, as_of: str) -> list[tuple[str, str]]:
    result = run_cli("actions", "--root", str(root), "--as-of", as_of, "--format", "json")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert all({"pupil", "code", "due", "text"} <= set(r) and dt.date.fromisoformat(r["due"]) for r in records)
    return sorted((r["pupil"], r["code"]) for r in records)


@pytest.mark.parametrize("name, as_of, expected", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example_builds_and_its_dashboard_lists_its_policys_actions(built_example: Callable[[str], Path], name: str, as_of: str,
                                                                   expected: set[str]) -> None:
    assert EXAMPLE_AS_OF[name] == as_of
    out = built_example(name)  # built once per session, shared with test_paperwork_examples.py
    dashboard = (out / "staff" / "index.html").read_text(encoding="utf-8")
    found = set(re.findall(r'class="action-([a-z_-]+)"', dashboard))
    assert expected <= found, f"missing {expected - found}"
    assert command_actions(REPO / "examples" / name, as_of) == dashboard_actions(dashboard)  # one list for both


def test_the_bundled_school_actions_match_its_dashboard() -> None:
    """The repository's own school, judged as of its records' date: the command and the dashboard list the same actions."""
    school = school_at(REPO, dt.date(2026, 11, 30))
    dashboard = rendered(school, "staff/index.html")["staff/index.html"]
    assert command_actions(REPO, "2026-11-30") == dashboard_actions(dashboard) != []


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


def test_the_bundled_school_reads_like_a_school_that_keeps_its_records() -> None:
    """Judged as of its records' date, most reviews were held on time: a mix on the dashboard, not every mentee overdue;
    and no family's profile presents a past date as a plan."""
    as_of = dt.date(2026, 11, 30)
    school = school_at(REPO, as_of)
    active = [p for p in school.pupils if p.record.mentoring.status == "active"]
    overdue = {a.pupil_id for a in school.actions if a.code == "review.overdue"}
    assert len(active) == 12 and 0 < len(overdue) <= 3
    assert {"review.due", "referral.new", "target.raise", "below.no_intervention"} <= {a.code for a in school.actions}
    html = rendered(school, *(f"families/{p.id}/profile.pdf" for p in school.pupils))
    assert {dest: past_dates_as_plans(text_of(page), as_of) for dest, page in html.items() if past_dates_as_plans(text_of(page), as_of)} == {}
