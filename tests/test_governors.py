"""The governors' policy site: review states, version history from git, changes since approval, and pasted word-processor text."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable

import pytest
from support import AS_OF, pdf_text, run_cli

from generator.build import build

POLICY_V1 = """---
title: Test Mentoring Policy
owner: Ms A. Mentor
approved_by: Governing body
approved_on: 2026-05-01
next_review: 2027-05-01
---

# Why we mentor

Pupils who fall behind get a named adult who meets them every week.

## How pupils are chosen

- From half-term data
- From a teacher's referral
"""

POLICY_V2 = POLICY_V1.replace("meets them every week.", "meets them every fortnight.").replace(
    "- From a teacher's referral\n", "- From a teacher's referral\n- From a parent's request\n")


def _git(root: Path, *args: str, author: str = "Ms A. Mentor", date: str = "2026-04-01T10:00:00") -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": "a@example.invalid", "GIT_COMMITTER_NAME": author,
           "GIT_COMMITTER_EMAIL": "a@example.invalid", "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


@pytest.fixture
def repo(make_school: Callable[..., Path]) -> Path:
    """The tiny school with a history: approved policy, later edits by two people, a target lowered by a mentor."""
    root = make_school({"content/policies/mentoring.md": POLICY_V1})
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Policy as approved by governors", date="2026-04-20T10:00:00")
    (root / "content/policies/mentoring.md").write_text(POLICY_V2, encoding="utf-8")
    _git(root, "commit", "-q", "-am", "Fortnightly meetings; parents may ask", author="Mr B. Mentor", date="2026-09-15T16:00:00")
    ada = root / "pupils/ada.yaml"
    text = ada.read_text(encoding="utf-8")
    ada.write_text(text.replace('english: "6"\nassessments', 'english: "7"\nassessments'), encoding="utf-8")
    _git(root, "commit", "-q", "-am", "Raise English target after au1", author="Ms A. Mentor", date="2026-10-01T09:00:00")
    ada.write_text(text, encoding="utf-8")
    _git(root, "commit", "-q", "-am", "Put English target back", author="Mr B. Mentor", date="2026-10-20T09:00:00")
    ada.write_text(text.replace('english: "6"\nassessments', 'english: {grade: "6", was: "7", approved_by: head}\nassessments'),
                   encoding="utf-8")  # check refuses a short-form lowering until its approval is recorded (issue 11)
    _git(root, "commit", "-q", "-am", "Record SLT approval of the English target", author="Dr C. Head", date="2026-10-21T09:00:00")
    return root


def test_policy_page_shows_version_history_and_changes_since_approval(repo: Path) -> None:
    out = repo / "output"
    build(repo, out, jobs=1, as_of=AS_OF)
    page = (out / "governors/policies/mentoring/index.html").read_text(encoding="utf-8")
    versions = page.split('id="versions"')[1]
    assert "15 Sep 2026" in versions and "20 Apr 2026" in versions and "Approved by Governing body on 1 May 2026" in versions
    assert "Fortnightly meetings" not in page and "Mr B. Mentor" not in page  # raw messages and git authors stay out
    assert '<ins><span class="sr">Reworded: </span>Pupils who fall behind get a named adult who meets them every fortnight.</ins>' in page
    assert '<ins><span class="sr">Added: </span>From a parent’s request</ins>' in page
    assert "every week" not in page.split('id="since-approval"')[1]  # old wording is not republished
    text = pdf_text(out / "governors/policies/mentoring.pdf")
    assert "Changes since approval" in text and "From a parent" in text


def test_policy_unchanged_since_approval_says_so(repo: Path) -> None:
    (repo / "content/policies/mentoring.md").write_text(POLICY_V2.replace("2026-05-01", "2026-09-20", 1), encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "Re-approved", date="2026-09-20T10:00:00")
    build(repo, repo / "output", jobs=1, as_of=AS_OF)
    page = (repo / "output/governors/policies/mentoring/index.html").read_text(encoding="utf-8")
    assert "The text is exactly as approved on 20 September 2026." in page


def test_review_state_follows_the_as_of_date(repo: Path) -> None:
    for as_of, label in (("2026-11-20", "Current"), ("2027-03-01", "Review due this term"), ("2027-05-02", "Review overdue")):
        build(repo, repo / "output", jobs=1, as_of=__import__("datetime").date.fromisoformat(as_of))
        index = (repo / "output/governors/index.html").read_text(encoding="utf-8")
        assert f">{label}</span>" in index, as_of


def test_outside_git_the_history_says_so_and_the_build_succeeds(tiny: Path) -> None:
    build(tiny, tiny / "output", jobs=1, as_of=AS_OF)
    page = (tiny / "output/governors/policies/mentoring/index.html").read_text(encoding="utf-8")
    assert "No history: not a git repository." in page


def test_history_command_prints_field_level_changes(repo: Path) -> None:
    result = run_cli("history", "pupils/ada.yaml", "--root", str(repo), cwd=repo)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith("Record SLT approval of the English target")
    lines = lines[lines.index(next(line for line in lines if "Put English target back" in line)):]
    assert lines[0].startswith("2026-10-20  Mr B. Mentor  ") and lines[0].endswith("Put English target back")
    assert lines[1] == "    English target 7 → 6"
    assert lines[2].startswith("2026-10-01  Ms A. Mentor  ") and lines[3] == "    English target 6 → 7"
    assert lines[-1] == "    record created"


WORD_PROCESSOR = (
    "---\ntitle: Pasted From A Word Processor\n---\n"
    "We \u201cvalue\u201d every pupil\u2019s progress \u2014 and say so.\n\n"
    "\u00b7 Meet weekly for \u00bd an hour\n\u00b7 Review \u2153 of targets each visit\n\n"
    "Role\tWho\tWhen\nLead mentor\tMs A. Mentor\tWeekly\nSENCO\tDr C. Head\tTermly\n"
)


def test_word_processor_policy_builds_to_page_and_pdf_with_its_text(make_school: Callable[..., Path]) -> None:
    root = make_school({"content/policies/pasted.md": WORD_PROCESSOR})
    build(root, root / "output", jobs=1, as_of=AS_OF)
    page = (root / "output/governors/policies/pasted/index.html").read_text(encoding="utf-8")
    pdf = " ".join(pdf_text(root / "output/governors/policies/pasted.pdf").split())
    for fragment in ("We \u201cvalue\u201d every pupil\u2019s progress \u2014 and say so.", "Meet weekly for \u00bd an hour",
                     "Review \u2153 of targets each visit", "Lead mentor", "Ms A. Mentor", "Termly"):
        assert fragment in page, fragment
        assert fragment in pdf, fragment
    assert page.count("<li>") >= 2 and "<td>Ms A. Mentor</td>" in page


def test_staff_see_field_level_record_history_and_lowered_targets(repo: Path) -> None:
    build(repo, repo / "output", jobs=1, as_of=AS_OF)
    page = (repo / "output/staff/pupils/ada/index.html").read_text(encoding="utf-8")
    assert "<li>English target 7 → 6</li>" in page and "<li>English target 6 → 7</li>" in page
    assert page.index("Put English target back") < page.index("Raise English target after au1")
    dashboard = (repo / "output/staff/index.html").read_text(encoding="utf-8")
    assert "Targets lowered without SLT approval" in dashboard
    row = dashboard[dashboard.index('class="action-target-lowered"'):]
    assert "Adaeze Quillfeather" in row and "7 → 6" in row and "Mr B. Mentor" in row
    assert "Put English target back" in pdf_text(repo / "output/staff/pupils/ada/mentoring-file.pdf")
