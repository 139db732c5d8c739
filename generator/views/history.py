"""views.history: the audit trail as each audience may see it — field-level changes to a pupil's record for staff,
commits and changes since approval for a policy; no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from generator.history import git as git_history
from generator.history import policydiff
from generator.history.fielddiff import Finding, change_texts, file_changes, lowered_targets
from generator.history.memo import HistoryMemo
from generator.sources.schema import Site


@dataclass(frozen=True)
class Entry:
    """One commit as a reader sees it: when, who, why, and (for pupils) what changed, field by field."""

    date: dt.date
    author: str
    message: str
    commit: str
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Trail:
    """A file's history, or a plain sentence saying why there is none."""

    available: bool
    note: str
    """Empty when the history is complete; otherwise why it is missing or partial."""
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class PolicyVersion:
    """One committed version of a policy as governors see it: its date, the approval it records, and the notes written for them.

    No author and no commit message: a git author name is a setting on
    someone's computer and a message is written for colleagues, and either
    may name a pupil. Only a `Policy-Note:` trailer is written for governors.
    """

    date: dt.date
    approved_by: str | None
    """Set when this version records a new approval (its `approved_on` differs from the version before)."""
    approved_on: dt.date | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class PolicyTrail:
    available: bool
    note: str
    """Fixed wording when the history is missing or partial; never git's own output."""
    versions: tuple[PolicyVersion, ...]
    """Newest first: since the last approval, or all, or none, as `site.yaml`'s `policy_history` says."""
    scope: str
    earlier: int
    """Versions older than the approved one, not listed under 'since-approval'."""
    approved_text_found: bool
    """Whether git holds the text as it stood on the approval date (and it could be read)."""
    changed_since_approval: bool
    passages: tuple[policydiff.Passage, ...]
    """Passages of the current text that are new or reworded since approval, as they read now."""
    removed: int
    """How many passages of the approved text were removed (counted, never quoted)."""


def _note(repo: git_history.History, file: git_history.FileHistory) -> str:
    notes = []
    if not repo.available:
        return f"No history: {repo.status}. The record's history is kept in git; build from a clone of the school's repository to see it."
    if repo.partial:
        notes.append(f"History is partial ({repo.status}).")
    if file.status:
        notes.append(f"This file has {file.status}: the newest change is not in the history until it is committed.")
    return " ".join(notes)


def pupil_trail(repo: git_history.History, rel_path: str, site: Site, memo: HistoryMemo | None = None) -> Trail:
    """Every commit that changed a pupil's record, with what it changed in words ("Maths target 6 → 5").

    With `memo` (a build), a commit's sentences are read from it when the
    same two blobs were described before.
    """
    file = repo.file(rel_path)
    subjects = {s.id: s.name for s in site.subjects}
    terms = {t.id: t.name for t in site.half_terms}
    if memo is not None:
        entries = tuple(Entry(v.commit.date, v.commit.author, v.commit.subject, v.commit.short, tuple(texts))
                        for v, texts in change_texts(file, memo, subjects=subjects, half_terms=terms))
        return Trail(repo.available, _note(repo, file), entries)
    entries = tuple(
        Entry(v.commit.date, v.commit.author, v.commit.subject, v.commit.short, tuple(c.text for c in changes))
        for v, changes in file_changes(file, subjects=subjects, half_terms=terms)
    )
    return Trail(repo.available, _note(repo, file), entries)


def policy_trail(repo: git_history.History, rel_path: str, approved_on: dt.date | None, text_now: str,
                 scope: str = "since-approval") -> PolicyTrail:
    """A policy's versions and what its rendered text gained, lost or reworded since governors approved it.

    The approved version is the newest commit on or before the approval
    date. `scope` is `site.yaml`'s `policy_history`: 'since-approval' lists
    that version and every later one, 'all' every version, 'none' no list.
    """
    file = repo.file(rel_path)
    note = _note(repo, file)
    approved_text = git_history.version_at(file, approved_on) if approved_on and repo.available else None
    cut = len(file.versions)
    if approved_on is not None:
        cut = next((i + 1 for i, v in enumerate(file.versions) if v.commit.date <= approved_on), cut)
    listed = () if scope == "none" else file.versions if scope == "all" else file.versions[:cut]
    versions = []
    for version in listed:
        now = policydiff.approval(version.text, rel_path)
        before = policydiff.approval(version.previous, rel_path)
        new_approval = now.on is not None and now.on != before.on
        versions.append(PolicyVersion(version.commit.date, now.by if new_approval else None,
                                      now.on if new_approval else None, version.commit.notes))
    earlier = len(file.versions) - len(listed) if scope == "since-approval" else 0
    since = policydiff.since_approval(approved_text, text_now) if approved_text is not None else None
    if since is None:
        return PolicyTrail(repo.available, note, tuple(versions), scope, earlier, False, False, (), 0)
    return PolicyTrail(repo.available, note, tuple(versions), scope, earlier, True, since.changed, since.passages,
                       since.removed)


@dataclass(frozen=True)
class LoweredTarget:
    """A commit that lowered a target without SLT approval (P5): for the staff dashboard."""

    pupil_id: str
    pupil: str
    subject: str
    old: str
    new: str
    author: str
    date: dt.date
    commit: str


def lowered_without_approval(repo: git_history.History, pupils: Mapping[str, str], site: Site,
                             memo: HistoryMemo | None = None) -> tuple[LoweredTarget, ...]:
    """Across every pupil's history (`pupils`: id → name), each commit that moved a target down without an allowed approver."""
    if not repo.available:
        return ()
    allowed = set(site.scheme.targets.lowered_only_by)
    approvers = {s.id for s in site.staff if allowed & set(s.roles)}
    scales: Mapping[str, Sequence[str]] = {s.id: site.scales[s.scale].labels for s in site.subjects}
    names = {s.id: s.name for s in site.subjects}
    found: list[Finding] = []
    for pid in pupils:
        found.extend(lowered_targets(repo.file(f"pupils/{pid}.yaml"), scales, approvers, memo))
    rows = []
    for f in found:
        pid = f.path.removeprefix("pupils/").removesuffix(".yaml")
        rows.append(LoweredTarget(pid, pupils[pid], names.get(f.subject, f.subject), f.old, f.new, f.author, f.date, f.commit.short))
    return tuple(sorted(rows, key=lambda r: (r.date, r.pupil_id, r.subject), reverse=True))
