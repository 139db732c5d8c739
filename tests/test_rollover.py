"""`mentorsite rollover`: a sample school rolled over twice still builds, keeps its first year on the pages, and archives its leavers."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import yaml
from support import run_cli

from generator.build import build, check, derive
from generator.commands.rollover import next_academic_year, rollover
from generator.commands.sample import write_sample
from generator.views.family import family_profile


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "Lead Mentor", "GIT_AUTHOR_EMAIL": "lead@school.invalid",
                        "GIT_COMMITTER_NAME": "Lead Mentor", "GIT_COMMITTER_EMAIL": "lead@school.invalid",
                        "GIT_AUTHOR_DATE": "2027-07-30T12:00:00", "GIT_COMMITTER_DATE": "2027-07-30T12:00:00",
                        "PATH": "/usr/bin:/bin"})


def _records(root: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((root / "pupils").glob("*.yaml"))}


def test_next_academic_year() -> None:
    assert next_academic_year("2026-27") == "2027-28"
    assert next_academic_year("2099-00") == "2100-01"
    assert next_academic_year("2026/27") is None and next_academic_year("2026-28") is None


def test_sample_school_rolled_over_twice_builds_keeps_history_and_archives_leavers(tmp_path: Path) -> None:
    root = tmp_path / "school"
    write_sample(10, root)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "The school as it stood in 2026-27")
    first = _records(root)
    leavers_first = sorted(pid for pid, r in first.items() if r["year"] >= 11)
    assert leavers_first, "the sample should have a Year 11 to archive"
    graded = next(pid for pid, r in first.items() if r["year"] < 10 and r.get("assessments", {}).get("au1"))
    au1_maths = first[graded]["assessments"]["au1"]

    dry = rollover(root, dry_run=True).diff()
    assert "+academic_year: 2027-28" in dry and f"+++ b/archive/2026-27/{leavers_first[0]}.yaml" in dry
    assert _records(root) == first  # a dry run writes nothing

    for year in ("2026-27", "2027-28"):
        rollover(root)
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", f"Roll over from {year}")
        checked = check(root)
        if year == "2026-27":  # P5's profile: this year's half terms after a "Last year" column
            school = derive(root, checked, dt.date(2027, 9, 10))
            profile = family_profile(school, next(p for p in school.pupils if p.id == graded))
            assert profile.terms[:2] == ("Last year", "Autumn 1 2027-28") and len(profile.terms) == 7  # six half terms, five ahead
            names = {s.id: s.name for s in checked.site.subjects}
            expected: dict[str, str] = {}
            for term in ("au1", "au2", "sp1", "sp2", "su1", "su2"):  # last year's latest grade in each subject
                expected |= {names[k]: v for k, v in first[graded].get("assessments", {}).get(term, {}).items()}
            assert {r.subject: r.grades[0] for r in profile.subjects if r.subject in expected} == expected
            assert expected and all(len(r.grades) == 7 and r.grades[2:] == (None,) * 5 for r in profile.subjects)
            assert all(r.cells[0].last_year and r.cells[0].standing is None for r in profile.subjects)

    after = _records(root)
    site = yaml.safe_load((root / "site.yaml").read_text(encoding="utf-8"))
    assert site["academic_year"] == "2028-29" and site["current_half_term"] == "2028-29-au1"
    assert [t["academic_year"] for t in site["half_terms"]] == ["2026-27"] * 6 + ["2027-28"] * 6 + ["2028-29"] * 6
    archived = sorted(p.stem for p in (root / "archive" / "2026-27").glob("*.yaml"))
    assert archived == leavers_first
    for pid in archived:
        text = (root / "archive" / "2026-27" / f"{pid}.yaml").read_text(encoding="utf-8")
        kept = yaml.safe_load(text)
        born = first[pid]["date_of_birth"]
        years = 31 if first[pid].get("context", {}).get("sen", "N") != "N" else 25
        assert kept["retain_until"] == born.replace(year=born.year + years)
        assert kept["first_name"] == first[pid]["first_name"]
    second = sorted((root / "archive" / "2027-28").glob("*.yaml"))
    assert {p.stem for p in second} == {pid for pid, r in first.items() if r["year"] == 10}
    assert after[graded]["year"] == first[graded]["year"] + 2
    assert after[graded]["assessments"]["au1"] == au1_maths  # the first year's data, untouched

    out = tmp_path / "out"
    build(root, out, jobs=1, as_of=dt.date(2028, 10, 1))
    page = (out / "staff" / "pupils" / graded / "index.html").read_text(encoding="utf-8")
    assert "Autumn 1 2026-27" in page and "Autumn 1 2028-29" in page
    assert not (out / "staff" / "pupils" / leavers_first[0]).exists()
    trail = run_cli("history", f"pupils/{graded}.yaml", "--root", str(root), cwd=root)
    assert trail.returncode == 0, trail.stderr
    assert "The school as it stood in 2026-27" in trail.stdout and "Roll over from 2027-28" in trail.stdout


def test_archived_pupils_leave_their_group_plans_and_site_yaml_still_checks(tmp_path: Path) -> None:
    """P1's group plan names p04 (Year 10): two rollovers archive p04, which must leave the group, or `check` would refuse
    site.yaml (a group member must be a pupil) in the new year."""
    import shutil

    from support import REPO

    root = tmp_path / "p1"
    shutil.copytree(REPO / "examples" / "p1-assessment-points", root, ignore=shutil.ignore_patterns("output"))
    before = [g.members for g in check(root).site.scheme.paperwork.group_plans]
    assert any("p04" in members for members in before)
    rollover(root)
    rollover(root)
    site = check(root).site  # raises InvalidInput if an archived pupil were still a member
    assert not (root / "pupils" / "p04.yaml").exists()
    after = [g.members for g in site.scheme.paperwork.group_plans]
    assert after == [[m for m in members if m != "p04"] for members in before]
