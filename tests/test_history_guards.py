"""Git history that cannot leak, break or be dodged (issue 10), and one lowered-target rule for check and history (issue 11).

Each test builds a temporary git repository over a copy of the tiny school.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path
from typing import Callable

import pytest
from support import AS_OF, copy_site, file_text, run_cli

from generator.build import build
from generator.history import git as history
from generator.history.fielddiff import file_changes, lowered_targets
from generator.history.git import Commit, FileHistory, Version, read_history
from generator.sources.diagnostics import InvalidInput

GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
POLICY = "content/policies/mentoring.md"
FRONT = """---
title: Test Mentoring Policy
owner: Ms A. Mentor
approved_by: Governing body
approved_on: 2026-05-01
next_review: 2027-05-01
---

"""
APPROVED = FRONT + """# Why we mentor

Pupils who fall behind get a named adult who meets them every week.

Last year CanaryRedactedName was mentored and the programme helped.

## How pupils are chosen

- From half-term data
- From a teacher's referral
"""


def git(root: Path, *args: str, author: str = "Ms A. Mentor", date: str = "2026-04-01T10:00:00",
        env: dict[str, str] | None = None) -> str:
    full = {**os.environ, **GIT_ENV, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": "a@example.invalid",
            "GIT_COMMITTER_NAME": "Committer", "GIT_COMMITTER_EMAIL": "c@example.invalid",
            "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, **(env or {})}
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=full, text=True).stdout


def commit(root: Path, message: str, files: dict[str, str], **kwargs: str) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, **kwargs)


def school(tmp: Path, name: str = "tiny") -> Path:
    root = copy_site("tiny", tmp / name)
    git(root, "init", "-q", "-b", "main")
    return root


def governors_text(out: Path) -> str:
    """Everything published for governors: pages, PDFs and the search index, as text."""
    return "\n".join(file_text(p) for p in sorted((out / "governors").rglob("*"))
                     if p.is_file() and p.suffix in (".html", ".pdf", ".pf_fragment", ".pf_meta", ".pf_index", ".json"))


# --- the governors' policy history publishes only what was written for it ----------------------------------------

@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One policy's history with a pupil named in a raw message, a hidden comment and a redaction; built twice:
    normally, and with git refusing the repository as 'dubious ownership'."""
    root = school(tmp_path_factory.mktemp("published"))
    ada = (root / "pupils/ada.yaml").read_text(encoding="utf-8")
    commit(root, "Policy as approved by governors", {POLICY: APPROVED}, date="2026-04-20T10:00:00")
    with_comment = APPROVED.replace("## How pupils", "<!-- CanaryCommentPupil asked for this, see Adaeze's file -->\n\n"
                                    "Mentors write up each meeting.\n\n## How pupils")
    commit(root, "Adaeze Quillfeather's father asked for fewer meetings; CanaryRawMessage",
           {POLICY: with_comment, "pupils/ada.yaml": ada.replace("gender: F\n", "gender: F\n", 1) + "\n"},
           date="2026-09-15T16:00:00")
    fortnight = with_comment.replace("every week.", "every fortnight.")
    commit(root, "Tidy wording CanaryRawSubject\n\nPolicy-Note: Meetings move to fortnightly, as governors asked.",
           {POLICY: fortnight}, date="2026-09-20T10:00:00")
    redacted = fortnight.replace("Last year CanaryRedactedName was mentored and the programme helped.\n\n", "")
    commit(root, "Remove a pupil's name", {POLICY: redacted}, date="2026-10-01T10:00:00")
    out = root / "output"
    build(root, out, jobs=1, as_of=AS_OF)
    refused = root / "output-refused"
    old = os.environ.get("GIT_TEST_ASSUME_DIFFERENT_OWNER")
    os.environ["GIT_TEST_ASSUME_DIFFERENT_OWNER"] = "1"  # what git says in a CI container owned by another user
    try:
        build(root, refused, jobs=1, as_of=AS_OF)
    finally:
        if old is None:
            del os.environ["GIT_TEST_ASSUME_DIFFERENT_OWNER"]
        else:
            os.environ["GIT_TEST_ASSUME_DIFFERENT_OWNER"] = old
    return out, refused


def test_raw_commit_messages_are_never_published_only_policy_notes(published: tuple[Path, Path]) -> None:
    out, _ = published
    text = governors_text(out)
    for secret in ("Quillfeather", "CanaryRawMessage", "CanaryRawSubject"):
        assert secret not in text, secret
    page = (out / "governors/policies/mentoring/index.html").read_text(encoding="utf-8")
    assert "Meetings move to fortnightly, as governors asked." in page
    assert "Meetings move to fortnightly, as governors asked." in file_text(out / "governors/policies/mentoring.pdf")
    assert "Ms A. Mentor" not in page.split("Version history")[1]  # git author names are not written for publication


def test_comment_added_after_approval_is_not_published(published: tuple[Path, Path]) -> None:
    out, _ = published
    assert "CanaryCommentPupil" not in governors_text(out)
    page = (out / "governors/policies/mentoring/index.html").read_text(encoding="utf-8")
    assert '<span class="sr">Added: </span>Mentors write up each meeting.' in page  # the rendered text that was added


def test_redacted_text_is_not_republished_as_removed(published: tuple[Path, Path]) -> None:
    out, _ = published
    assert "CanaryRedactedName" not in governors_text(out)
    page = (out / "governors/policies/mentoring/index.html").read_text(encoding="utf-8")
    assert "1 passage of the approved text was removed" in page
    assert '<span class="sr">Reworded: </span>Pupils who fall behind get a named adult who meets them every fortnight.' in page


def test_dubious_ownership_prints_no_machine_path(published: tuple[Path, Path]) -> None:
    _, refused = published
    root = refused.parent
    text = governors_text(refused)
    assert str(root) not in text and "safe.directory" not in text and "dubious" not in text
    page = (refused / "governors/policies/mentoring/index.html").read_text(encoding="utf-8")
    assert "git could not read the school&#39;s repository" in page


# --- one malformed commit must not break every later build -------------------------------------------------------

def _bad_commit(root: Path, kind: str) -> None:
    ada = root / "pupils/ada.yaml"
    text = ada.read_text(encoding="utf-8")
    if kind == "subject-1e":
        commit(root, "Edit\x1e Ada", {"pupils/ada.yaml": text + "\n"})
    elif kind == "author-1f":
        commit(root, "Edit Ada", {"pupils/ada.yaml": text + "\n"}, author="Ms\x1fB")
    elif kind == "year-10000":
        commit(root, "Edit Ada", {"pupils/ada.yaml": text + "\n"}, date="@253402300800 +0000",
               env={"GIT_COMMITTER_DATE": "2026-10-01T10:00:00"})
    elif kind == "deep-old-version":
        commit(root, "Paste", {"pupils/ada.yaml": "first_name: " + "[" * 150_000 + "]" * 150_000 + "\n"})
        commit(root, "Put Ada back", {"pupils/ada.yaml": text})
    git(root, "commit", "-q", "--allow-empty", "-m", "later")


KINDS = ["subject-1e", "author-1f", "year-10000", "deep-old-version"]


@pytest.mark.parametrize("kind", KINDS, ids=KINDS)
def test_history_command_survives_a_malformed_commit(tmp_path: Path, kind: str) -> None:
    root = school(tmp_path)
    commit(root, "Start", {})
    _bad_commit(root, kind)
    result = run_cli("history", "pupils/ada.yaml", "--root", str(root), cwd=root)
    assert result.returncode == 0, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    if kind != "deep-old-version":
        assert result.stderr.count("git:") == 1, result.stderr  # one located warning
        assert all(c.isprintable() or c == "\n" for c in result.stdout + result.stderr)
    else:
        assert "file could not be read at this commit" in result.stdout


def test_build_survives_every_malformed_commit_at_once(tmp_path: Path) -> None:
    root = school(tmp_path)
    commit(root, "Start", {})
    for kind in KINDS:
        _bad_commit(root, kind)
    result = run_cli("build", "--root", str(root), "--jobs", "1", "--as-of", "2026-11-20", cwd=root)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "git:" in line]
    assert len(warnings) == 3 and not any(str(root) in w for w in warnings), result.stderr


def test_read_history_validates_fields_and_warns_once_per_commit(tmp_path: Path) -> None:
    root = school(tmp_path)
    commit(root, "Start", {})
    for kind in ("subject-1e", "author-1f", "year-10000"):
        _bad_commit(root, kind)
    found = read_history(root, ["pupils"])
    assert found.status == history.OK
    assert len(found.warnings) == 3 and all(w.startswith("git:") for w in found.warnings)
    for c in found.commits:
        assert c.author.isprintable() and c.subject.isprintable()
    assert {c.date for c in found.commits} <= {dt.date(2026, 4, 1), dt.date(2026, 10, 1)}


# --- the audit trail cannot be dodged -----------------------------------------------------------------------------

GCSE = {"maths": [str(g) for g in range(1, 10)], "english": [str(g) for g in range(1, 10)]}


def test_target_lowered_while_resolving_a_merge_is_found(tmp_path: Path) -> None:
    root = school(tmp_path)
    commit(root, "Start", {}, date="2026-09-01T10:00:00")
    ada = (root / "pupils/ada.yaml").read_text(encoding="utf-8")
    git(root, "checkout", "-q", "-b", "side")
    commit(root, "Side edit", {"pupils/ada.yaml": ada.replace("form: 9Q", "form: 9R")}, date="2026-09-02T10:00:00")
    git(root, "checkout", "-q", "main")
    commit(root, "Main edit", {"pupils/ada.yaml": ada.replace("gender: F", "gender: X")}, date="2026-09-03T10:00:00")
    subprocess.run(["git", "-C", str(root), "merge", "-q", "--no-commit", "--no-ff", "side"], capture_output=True,
                   env={**os.environ, **GIT_ENV, "GIT_AUTHOR_NAME": "M", "GIT_AUTHOR_EMAIL": "m@x", "GIT_COMMITTER_NAME": "M",
                        "GIT_COMMITTER_EMAIL": "m@x"})
    resolved = ada.replace("form: 9Q", "form: 9R").replace("gender: F", "gender: X").replace('english: "6"\nassessments', 'english: "4"\nassessments')
    commit(root, "Merge branch 'side'", {"pupils/ada.yaml": resolved}, author="Mr B. Mentor", date="2026-09-04T10:00:00")
    assert len(git(root, "rev-list", "--parents", "-n1", "HEAD").split()) == 3  # really a merge
    found = read_history(root, ["pupils"])
    lowered = lowered_targets(found.file("pupils/ada.yaml"), GCSE, {"head"})
    assert [(f.subject, f.old, f.new, f.author) for f in lowered] == [("english", "6", "4", "Mr B. Mentor")]
    told = [(v.commit.subject, [c.text for c in cs]) for v, cs in file_changes(found.file("pupils/ada.yaml"))]
    assert ("Merge branch 'side'", ["form 9Q → 9R", "English target 6 → 4"]) in told


def _version(old: str, new: str) -> FileHistory:
    c = Commit("a" * 40, "a" * 10, "Ms R. Banks", dt.date(2026, 10, 1), "edit")
    return FileHistory("pupils/ada.yaml", (Version(c, "modified", new, old),))


@pytest.mark.parametrize("key", ['"targets"', "'targets'", "targets ", "? targets\n:"],
                         ids=["double-quoted", "single-quoted", "space-before-colon", "explicit-key"])
def test_lowering_is_found_whatever_the_keys_quoting(key: str) -> None:
    old = f'first_name: Ada\n{key}:\n  maths: "6"\n'.replace("\n::", "\n:")
    new = f'first_name: Ada\n{key}:\n  "maths": "5"\n'.replace("\n::", "\n:")
    assert [(f.old, f.new) for f in lowered_targets(_version(old, new), GCSE, set())] == [("6", "5")]
    flow_old, flow_new = '{first_name: Ada, "targets": {maths: "6"}}\n', '{first_name: Ada, "targets": {maths: "5"}}\n'
    assert [(f.old, f.new) for f in lowered_targets(_version(flow_old, flow_new), GCSE, set())] == [("6", "5")]


# --- issue 11: the short form is checked too, by the same rule ---------------------------------------------------

def test_short_form_lowering_fails_check_committed_or_not(tmp_path: Path) -> None:
    root = school(tmp_path)
    cal = (root / "pupils/cal.yaml").read_text(encoding="utf-8")
    commit(root, "Start", {"pupils/cal.yaml": cal.replace('maths: "4"', 'maths: "6"')})
    (root / "pupils/cal.yaml").write_text(cal, encoding="utf-8")  # "6" → "4", short form, uncommitted
    result = run_cli("check", "--root", str(root), cwd=root)
    assert result.returncode == 1, result.stdout
    assert result.stderr.splitlines()[0] == (
        "pupils/cal.yaml:5:18: targets.maths: lowered from 6 to 4 with no approval; only SLT may lower a target — "
        "write it as {grade: \"4\", was: \"6\", approved_by: <staff id>} [pupil.target.lowered]")
    git(root, "commit", "-q", "-am", "Lower Cal's target")
    assert run_cli("check", "--root", str(root), cwd=root).returncode == 1  # committed: still refused, and so is build
    with pytest.raises(InvalidInput):
        build(root, root / "output", jobs=1, as_of=AS_OF)
    approved = cal.replace('targets: {maths: "4"}', 'targets: {maths: {grade: "4", was: "6", approved_by: head}}')
    (root / "pupils/cal.yaml").write_text(approved, encoding="utf-8")
    assert run_cli("check", "--root", str(root), cwd=root).returncode == 0


def test_check_and_history_ask_the_same_rule(monkeypatch: pytest.MonkeyPatch, make_school: Callable[..., Path]) -> None:
    from generator.rules import targets

    calls: list[str] = []
    real = targets.lowered_from

    def spy(*args: object, **kwargs: object) -> str | None:
        calls.append("x")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(targets, "lowered_from", spy)
    lowered_targets(_version('targets: {maths: "6"}\n', 'targets: {maths: "5"}\n'), GCSE, set())
    history_calls = len(calls)
    from generator.build import check
    check(make_school({}))
    assert history_calls > 0 and len(calls) > history_calls


def _policy_versions() -> history.History:
    texts = [(dt.date(2025, 4, 1), APPROVED.replace("2026-05-01", "2025-04-01"), "Policy-Note: First adopted."),
             (dt.date(2026, 4, 20), APPROVED, ""),
             (dt.date(2026, 9, 20), APPROVED.replace("every week", "every fortnight"), "Policy-Note: Fortnightly.")]
    versions = []
    previous = None
    for day, text, trailer in texts:
        commit_ = history.parse_commit("b" * 40, f"author A <a@x> {int(dt.datetime(day.year, day.month, day.day, 12).timestamp())} +0000\n\n"
                                       f"Edit\n\n{trailer}\n".encode())[0]
        versions.append(Version(commit_, "modified" if previous else "added", text, previous))
        previous = text
    return history.History(history.OK, files={POLICY: FileHistory(POLICY, tuple(reversed(versions)))})


@pytest.mark.parametrize(("scope", "dates", "earlier"), [
    ("since-approval", ["2026-09-20", "2026-04-20"], 1),
    ("all", ["2026-09-20", "2026-04-20", "2025-04-01"], 0),
    ("none", [], 0),
], ids=["since-approval", "all", "none"])
def test_policy_history_lists_versions_as_site_yaml_says(scope: str, dates: list[str], earlier: int) -> None:
    from generator.views.history import policy_trail

    trail = policy_trail(_policy_versions(), POLICY, dt.date(2026, 5, 1), history.body(APPROVED.replace("every week", "every fortnight")),
                         scope)
    assert [v.date.isoformat() for v in trail.versions] == dates and trail.earlier == earlier
    assert [(v.approved_by, v.approved_on) for v in trail.versions][1:2] == ([("Governing body", dt.date(2026, 5, 1))]
                                                                            if dates else [])
    assert [v.notes for v in trail.versions][:1] == ([("Fortnightly.",)] if dates else [])
    assert not trail.changed_since_approval or trail.passages[0].kind == "changed"


def test_policy_history_setting_is_validated(make_school: Callable[..., Path]) -> None:
    from generator.build import check

    root = make_school({})
    site = (root / "site.yaml").read_text(encoding="utf-8")
    (root / "site.yaml").write_text(site + "policy_history: everything\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        check(root)
    assert "policy_history" in caught.value.diagnostics[0].format()
    (root / "site.yaml").write_text(site + "policy_history: all\n", encoding="utf-8")
    check(root)
