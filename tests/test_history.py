"""The history stage: one read of git for the whole tree, field-level pupil changes, lowered targets, policy diffs."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from generator.history import git as history
from generator.history.fielddiff import (
    Change,
    file_changes,
    lowered_targets,
    pupil_changes,
)
from generator.history.git import (
    NO_COMMITS,
    NO_GIT,
    NOT_A_REPOSITORY,
    OK,
    UNCOMMITTED,
    UNTRACKED,
    Commit,
    FileHistory,
    Version,
    read_history,
    version_at,
)
from generator.history.policydiff import Passage, SinceApproval, since_approval

POLICY = "content/policies/mentoring.md"
ADA = "pupils/ada.yaml"
BEX = "pupils/bex.yaml"
FRONT = "---\ntitle: Mentoring Policy\napproved_by: Full governing body\napproved_on: 2026-05-20\n---\n\n"
POLICY_V1 = FRONT + "# Purpose\n\nPupils who fall behind get a named adult.\n\n## Referral\n\nHeads of year refer pupils.\n"
POLICY_V2 = POLICY_V1.replace("named adult.", "named adult who meets them every week.")
POLICY_V3 = (POLICY_V2.replace("approved_on: 2026-05-20\n", "approved_on: 2026-05-20\nnext_review: 2028-05-20\n")
             .replace("Heads of year refer", "Heads of year and teachers refer")
             + "\n## Exit\n\nMentoring ends when targets are met.\n")
ADA_V1 = """first_name: Ada
last_name: Quill
year: 9
form: 9Q
mentoring:
  status: referred
targets:
  maths: "6"
  english: "6"
contacts:
  - date: 2026-09-18
    with: Father
    method: phone
"""
ADA_V2 = (ADA_V1.replace('maths: "6"', 'maths: "5"').replace("status: referred", "status: active")
          + "meetings:\n  - date: 2026-09-22\n    kind: one-to-one\n")
ADA_V3 = ADA_V2.replace('english: "6"', 'english: {grade: "5", was: "6", approved_by: tokoro, reason: long absence}')
ADA_V4 = (ADA_V3.replace('maths: "5"', 'maths: "7"')
          .replace("contacts:\n  - date: 2026-09-18\n    with: Father\n    method: phone\n", ""))
BEX_V1 = "first_name: Bex\nlast_name: Yarrow\nyear: 8\nform: 8Y\n"

BANKS, OKORO, HALE = ("Ms R. Banks", "banks@school.invalid"), ("Mr T. Okoro", "okoro@school.invalid"), \
    ("Mr J. Hale", "hale@school.invalid")
COMMITS: list[tuple[str, tuple[str, str], str, dict[str, str | None]]] = [
    ("2026-05-01", BANKS, "Add the mentoring policy and Ada", {POLICY: POLICY_V1, ADA: ADA_V1}),
    ("2026-05-20", OKORO, "Governors' amendments", {POLICY: POLICY_V2}),
    ("2026-09-22", BANKS, "Autumn review for Ada", {ADA: ADA_V2}),
    ("2026-10-05", HALE, "Clarify who refers", {POLICY: POLICY_V3}),
    ("2026-10-10", OKORO, "English target agreed with SLT; add Bex", {ADA: ADA_V3, BEX: BEX_V1}),
    ("2026-11-01", BANKS, "Raise maths target; Bex leaves", {ADA: ADA_V4, BEX: None}),
]


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", **(env or {})})


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository whose school lives in school/ (so the prefix matters) with six commits by three people."""
    top = tmp_path_factory.mktemp("history") / "repo"
    (top / "school").mkdir(parents=True)
    git(top, "init", "-q", "-b", "main")
    git(top, "config", "user.name", "Test Runner")
    git(top, "config", "user.email", "runner@school.invalid")
    (top / "README.md").write_text("outside the root\n", encoding="utf-8")
    for day, (name, email), message, files in COMMITS:
        for rel, text in files.items():
            path = top / "school" / rel
            if text is None:
                git(top, "rm", "-q", f"school/{rel}")
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            git(top, "add", f"school/{rel}")
        git(top, "add", "README.md")
        stamp = f"{day}T16:30:00+01:00"
        git(top, "commit", "-q", "-m", message, env={
            "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": stamp})
    return top


@pytest.fixture(scope="module")
def read(repo: Path) -> history.History:
    return read_history(repo / "school", ["pupils", "content/policies"])


def summary(commits: tuple[Commit, ...]) -> list[tuple[str, str, str]]:
    return [(c.date.isoformat(), c.author, c.subject) for c in commits]


def test_policy_history_is_newest_first_with_dates_authors_and_messages(read: history.History) -> None:
    assert read.status == OK and not read.partial
    assert summary(read.file(POLICY).commits) == [
        ("2026-10-05", "Mr J. Hale", "Clarify who refers"),
        ("2026-05-20", "Mr T. Okoro", "Governors' amendments"),
        ("2026-05-01", "Ms R. Banks", "Add the mentoring policy and Ada"),
    ]
    assert [v.text for v in read.file(POLICY).versions] == [POLICY_V3, POLICY_V2, POLICY_V1]
    assert sorted(read.files) == [POLICY, ADA, BEX]  # root-relative; README.md is outside the paths asked for
    assert all(len(c.short) == 10 and c.hash.startswith(c.short) for c in read.commits)


def test_changes_since_approval_are_taken_from_the_rendered_body(read: history.History) -> None:
    policy = read.file(POLICY)
    approved = version_at(policy, dt.date(2026, 5, 20))
    assert approved == POLICY_V2
    assert since_approval(approved, history.body(policy.versions[0].text or "")) == SinceApproval((
        Passage("changed", "Heads of year and teachers refer pupils."),
        Passage("added", "Exit"),
        Passage("added", "Mentoring ends when targets are met."),
    ), 0)
    assert not since_approval(POLICY_V2, history.body(POLICY_V2.replace("approved_on", "owner: Ms Banks\napproved_on"))
                              ).changed  # front matter is not the policy's text
    commented = history.body(POLICY_V2).replace("## Referral", "<!-- about a pupil -->\n\n## Referral").replace("**", "")
    assert not since_approval(POLICY_V2, commented.replace("named adult", "*named* adult")).changed  # comments and markup


@pytest.mark.parametrize(("day", "expected"), [
    (dt.date(2026, 4, 30), None),
    (dt.date(2026, 5, 1), POLICY_V1),
    (dt.date(2026, 10, 4), POLICY_V2),
    (dt.date(2027, 1, 1), POLICY_V3),
], ids=["before-first-commit", "same-day", "between", "after-last"])
def test_version_at_is_the_newest_commit_on_or_before_the_date(read: history.History, day: dt.date,
                                                                expected: str | None) -> None:
    assert version_at(read.file(POLICY), day) == expected


def test_pupil_history_is_told_field_by_field(read: history.History) -> None:
    told = [(v.commit.subject, [c.text for c in changes]) for v, changes in file_changes(read.file(ADA))]
    assert told == [
        ("Raise maths target; Bex leaves", ["Maths target 5 → 7", "contact 2026-09-18 removed"]),
        ("English target agreed with SLT; add Bex", ["English target 6 → 5 (approved by tokoro: long absence)"]),
        ("Autumn review for Ada", ["mentoring status referred → active", "Maths target 6 → 5",
                                   "meeting 2026-09-22 added"]),
        ("Add the mentoring policy and Ada", ["record created"]),
    ]
    assert [[c.text for c in cs] for _, cs in file_changes(read.file(BEX))] == [["record deleted"], ["record created"]]


def test_lowered_targets_across_history(read: history.History) -> None:
    findings = lowered_targets(read.file(ADA), {"maths": list("123456789"), "english": list("123456789")}, {"tokoro"})
    assert [(f.subject, f.old, f.new, f.author, f.date.isoformat(), f.commit.subject) for f in findings] == [
        ("maths", "6", "5", "Ms R. Banks", "2026-09-22", "Autumn review for Ada")]


def version(old: str | None, new: str | None) -> FileHistory:
    commit = Commit("a" * 40, "a" * 10, "Ms R. Banks", dt.date(2026, 10, 1), "edit")
    return FileHistory(ADA, (Version(commit, "modified", new, old),))


GCSE = {"maths": [str(g) for g in range(1, 10)]}


@pytest.mark.parametrize(("new_target", "slt", "found"), [
    ('"5"', {"tokoro"}, [("6", "5", None)]),
    ('{grade: "5", was: "6", approved_by: tokoro}', {"tokoro"}, []),
    ('{grade: "5", was: "6", approved_by: rbanks}', {"tokoro"}, [("6", "5", "rbanks")]),
    ('"7"', set(), []),
    ('{grade: "6", approved_by: nobody}', set(), []),
    ('"U"', set(), []),
], ids=["lowered-no-approval", "lowered-slt-approved", "lowered-non-slt-approved", "raised", "unchanged",
        "off-scale"])
def test_lowered_target_needs_slt_approval(new_target: str, slt: set[str], found: list[tuple[str, str, str | None]]
                                           ) -> None:
    old = 'first_name: Ada\ntargets:\n  maths: "6"\n'
    new = f"first_name: Ada\ntargets:\n  maths: {new_target}\n"
    findings = lowered_targets(version(old, new), lambda subject: GCSE[subject], slt)
    assert [(f.old, f.new, f.approved_by) for f in findings] == found


BASE = "first_name: Amira\nlast_name: Okafor\nyear: 9\nform: 9K\n"
TABLE: list[tuple[str, str | None, str | None, list[str]]] = [
    ("target", BASE + "targets: {maths: '6'}\n", BASE + "targets: {maths: '5'}\n", ["Maths target 6 → 5"]),
    ("target-new-format-same-grade", BASE + "targets: {maths: '5'}\n",
     BASE + "targets:\n  maths: {grade: '5', was: '6', changed_on: 2026-10-01}\n", []),
    ("meeting-added", BASE + "meetings:\n  - {date: 2026-09-22}\n",
     BASE + "meetings:\n  - {date: 2026-10-03}\n  - {date: 2026-09-22}\n", ["meeting 2026-10-03 added"]),
    ("meetings-reordered", BASE + "meetings:\n  - {date: 2026-09-22}\n  - {date: 2026-10-03}\n",
     BASE + "meetings:\n  - {date: 2026-10-03}\n  - {date: 2026-09-22}\n", []),
    ("meeting-action", BASE + "meetings:\n  - {date: 2026-09-22, notes: a}\n",
     BASE + "meetings:\n  - {date: 2026-09-22, notes: b, actions: [Bring planner]}\n",
     ["meeting 2026-09-22 notes changed", "meeting 2026-09-22 action added: Bring planner"]),
    ("contact-removed", BASE + "contacts:\n  - {date: 2026-09-18, with: Mother, method: phone}\n", BASE,
     ["contact 2026-09-18 removed"]),
    ("contact-outcome", BASE + "contacts:\n  - {date: 2026-09-18, with: Mother, method: phone, outcome: no answer}\n",
     BASE + "contacts:\n  - {date: 2026-09-18, with: Mother, method: phone}\n",
     ["contact 2026-09-18 outcome no answer → reached"]),
    ("status", BASE + "mentoring: {status: referred}\n", BASE + "mentoring: {status: active}\n",
     ["mentoring status referred → active"]),
    ("reason-added", BASE + "mentoring:\n  reasons: [Attendance]\n",
     BASE + "mentoring:\n  reasons: [Attendance, Below target in maths]\n", ["reason added: Below target in maths"]),
    ("assessment", BASE + "assessments: {au1: {english: '5'}}\n", BASE + "assessments: {au1: {english: 6}}\n",
     ["assessment Autumn 1 English 5 → 6"]),
    ("attitude-unnamed-half-term", BASE + "attitude: {au2: {attendance: 91.5}}\n",
     BASE + "attitude: {au2: {attendance: 93}}\n", ["attitude au2 attendance 91.5 → 93.0"]),
    ("plan-target", BASE, BASE + "plan:\n  targets:\n    - text: Hand in maths homework\n",
     ["plan target added: Hand in maths homework"]),
    ("first-name", BASE, BASE.replace("Amira", "Amy"), ["first name Amira → Amy"]),
    ("context-default", BASE + "context: {fsm: false}\n", BASE, []),
    ("intervention", BASE + "interventions:\n  - {what: Numeracy, start: 2026-09-29}\n",
     BASE + "interventions:\n  - {what: Numeracy, start: 2026-09-29, outcome: improved}\n",
     ["intervention ‘Numeracy’ outcome ongoing → improved"]),
    ("created", None, BASE, ["record created"]),
    ("deleted", BASE, None, ["record deleted"]),
    ("unreadable", BASE, "first_name: [Amira\n", ["file could not be read at this commit"]),
    ("alias-unreadable", BASE, BASE + "a: &x [1]\nb: *x\n", ["file could not be read at this commit"]),
    ("not-a-mapping", BASE, "- Amira\n", ["file could not be read at this commit"]),
]


@pytest.mark.parametrize(("old", "new", "expected"), [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_pupil_changes_wording(old: str | None, new: str | None, expected: list[str]) -> None:
    changes = pupil_changes(old, new, half_terms={"au1": "Autumn 1"})
    assert [c.text for c in changes] == expected


def test_change_carries_path_kind_and_plain_values() -> None:
    changes = pupil_changes(BASE + "targets: {maths: '6'}\n", BASE + "targets: {maths: '5'}\n",
                            subjects={"maths": "Mathematics"})
    assert changes == [Change(("targets", "maths"), "changed", "Mathematics target 6 → 5", "6", "5")]


def test_outside_git_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    (tmp_path / "pupils").mkdir()
    (tmp_path / "pupils" / "ada.yaml").write_text(ADA_V1, encoding="utf-8")
    found = read_history(tmp_path, ["pupils"])
    assert (found.status, found.available, dict(found.files)) == (NOT_A_REPOSITORY, False, {})
    assert read_history(tmp_path, ["pupils"], git=str(tmp_path / "no-such-git")).status == NO_GIT


def test_repository_without_commits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    git(tmp_path, "init", "-q", "-b", "main")
    assert read_history(tmp_path, ["pupils"]).status == NO_COMMITS


def test_shallow_clone_is_flagged_partial(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True,
                   capture_output=True, env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"})
    found = read_history(clone / "school", ["pupils", "content/policies"])
    assert found.partial and found.available
    assert found.status == "shallow clone: history before 2026-11-01 is not available"
    assert [v.change for v in found.file(ADA).versions] == ["earliest"]
    assert [[c.text for c in cs] for _, cs in file_changes(found.file(ADA))] == [
        ["earliest version in this clone; older history is not available"]]
    assert lowered_targets(found.file(ADA), GCSE, set()) == []


def test_uncommitted_changes_are_noted(repo: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(repo), str(work)], check=True, capture_output=True)
    (work / "school" / ADA).write_text(ADA_V4 + "gender: F\n", encoding="utf-8")
    (work / "school" / "pupils" / "cal.yaml").write_text(BEX_V1, encoding="utf-8")
    found = read_history(work / "school", ["pupils"])
    assert found.uncommitted == (ADA, "pupils/cal.yaml")
    assert (found.file(ADA).status, len(found.file(ADA).versions)) == (UNCOMMITTED, 4)
    assert (found.file("pupils/cal.yaml").status, found.file("pupils/cal.yaml").versions) == (UNTRACKED, ())


def test_git_runs_a_fixed_number_of_times_whatever_the_number_of_files(repo: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    real = subprocess.run

    def counting(args: list[str], **kwargs: Any) -> Any:
        calls.append(args)
        return real(args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting)
    read_history(repo / "school", ["pupils", "content/policies"])
    assert [args[3 + len(history._GLOBAL)] for args in calls] == ["rev-parse", "log", "status", "cat-file"]
