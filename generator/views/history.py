"""views.history: the audit trail as each audience may see it — field-level changes to a pupil's record for staff, commits and changes since approval for a policy; no I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Mapping, Sequence

from generator.history import git as git_history
from generator.history.fielddiff import Finding, file_changes, lowered_targets
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
class DiffLine:
    kind: str
    """'kept', 'added' or 'removed'."""
    text: str


@dataclass(frozen=True)
class PolicyTrail:
    trail: Trail
    approved_text_found: bool
    """Whether git holds the text as it stood on the approval date."""
    changed_since_approval: bool
    diff: tuple[DiffLine, ...]
    """Only the changed blocks and a line of context either side."""


def _note(repo: git_history.History, file: git_history.FileHistory) -> str:
    notes = []
    if not repo.available:
        return f"No history: {repo.status}. The record's history is kept in git; build from a clone of the school's repository to see it."
    if repo.partial:
        notes.append(f"History is partial ({repo.status}).")
    if file.status:
        notes.append(f"This file has {file.status}: the newest change is not in the history until it is committed.")
    return " ".join(notes)


def pupil_trail(repo: git_history.History, rel_path: str, site: Site) -> Trail:
    """Every commit that changed a pupil's record, with what it changed in words ("Maths target 6 → 5")."""
    file = repo.file(rel_path)
    subjects = {s.id: s.name for s in site.subjects}
    terms = {t.id: t.name for t in site.half_terms}
    entries = tuple(
        Entry(v.commit.date, v.commit.author, v.commit.subject, v.commit.short, tuple(c.text for c in changes))
        for v, changes in file_changes(file, subjects=subjects, half_terms=terms)
    )
    return Trail(repo.available, _note(repo, file), entries)


def policy_trail(repo: git_history.History, rel_path: str, approved_on: dt.date | None, text_now: str) -> PolicyTrail:
    """A policy's commits and what changed since governors approved it (the text at the newest commit on or before the approval date)."""
    file = repo.file(rel_path)
    entries = tuple(Entry(c.date, c.author, c.subject, c.short) for c in file.commits)
    trail = Trail(repo.available, _note(repo, file), entries)
    approved_text = git_history.version_at(file, approved_on) if approved_on and repo.available else None
    if approved_text is None:
        return PolicyTrail(trail, False, False, ())
    blocks = git_history.changes_since(approved_text, text_now)
    return PolicyTrail(trail, True, git_history.changed(blocks), _context(blocks))


def _context(blocks: Sequence[git_history.DiffBlock], around: int = 1) -> tuple[DiffLine, ...]:
    """Changed blocks with `around` kept lines either side; long unchanged stretches become '…'."""
    out: list[DiffLine] = []
    for index, block in enumerate(blocks):
        if block.kind != "kept":
            out.extend(DiffLine(block.kind, line) for line in block.lines)
            continue
        lines = list(block.lines)
        head = lines[:around] if index > 0 else []
        tail = lines[-around:] if index < len(blocks) - 1 else []
        if len(lines) <= len(head) + len(tail):
            out.extend(DiffLine("kept", line) for line in lines)
        else:
            out.extend(DiffLine("kept", line) for line in head)
            if head or tail:
                out.append(DiffLine("gap", "…"))
            out.extend(DiffLine("kept", line) for line in tail)
    return tuple(out)


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


def lowered_without_approval(repo: git_history.History, pupils: Mapping[str, str], site: Site) -> tuple[LoweredTarget, ...]:
    """Across every pupil's history (`pupils`: id → name), each commit that moved a target down without an allowed approver."""
    if not repo.available:
        return ()
    allowed = set(site.scheme.targets.lowered_only_by)
    approvers = {s.id for s in site.staff if allowed & set(s.roles)}
    scales: Mapping[str, Sequence[str]] = {s.id: site.scales[s.scale].labels for s in site.subjects}
    names = {s.id: s.name for s in site.subjects}
    found: list[Finding] = []
    for pid in pupils:
        found.extend(lowered_targets(repo.file(f"pupils/{pid}.yaml"), scales, approvers))
    rows = []
    for f in found:
        pid = f.path.removeprefix("pupils/").removesuffix(".yaml")
        rows.append(LoweredTarget(pid, pupils[pid], names.get(f.subject, f.subject), f.old, f.new, f.author, f.date, f.commit.short))
    return tuple(sorted(rows, key=lambda r: (r.date, r.pupil_id, r.subject), reverse=True))
