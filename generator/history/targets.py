"""history.targets: targets lowered in the short form, found by comparing the file as it is now with its versions in git;
reads files only to locate a problem, never writes.

A short-form target (`maths: "4"`) does not say what it was, so `check`
asks git: the grade before it is the subject's grade in the newest
committed version that held a different one. The judgement itself is
`rules.targets.problems`, the same rule the long form and the history
finding use.
"""

from __future__ import annotations

from pathlib import Path

from generator.history.fielddiff import memo_targets
from generator.history.git import FileHistory, History
from generator.history.memo import HistoryMemo
from generator.rules import targets as target_rules
from generator.sources.diagnostics import Diagnostic, InvalidInput, Position
from generator.sources.load import load_yaml
from generator.sources.validate import Checked


def grade_before(history: FileHistory, subject: str, now: str, memo: HistoryMemo | None = None) -> str | None:
    """The subject's grade in the newest committed version whose grade differs from `now` (unreadable versions and ones without it are passed over)."""
    for version in history.versions:
        if version.text is None:
            continue
        record = memo_targets(memo, version.blob, version.text)
        if record is None:
            continue
        grade = record.get(subject, target_rules.Entry(None)).grade
        if grade is not None and grade != now:
            return grade
    return None


def lowered_without_was(root: Path, checked: Checked, repo: History, memo: HistoryMemo | None = None) -> list[Diagnostic]:
    """Every target written without `was` whose grade is below its grade in git, with no allowed approver: located errors."""
    if not repo.available:
        return []
    site = checked.site
    scales = {s.id: site.scales[s.scale].labels for s in site.subjects if s.scale in site.scales}
    staff = {s.id: s for s in site.staff}
    allowed = site.scheme.targets.lowered_only_by
    out: list[Diagnostic] = []
    for pid, pupil in sorted(checked.pupils.items()):
        rel_path = f"pupils/{pid}.yaml"
        history = repo.file(rel_path)
        if not history.versions:
            continue
        for subject, target in pupil.targets.items():
            labels = scales.get(subject)
            if target.was is not None or labels is None or target.grade not in labels:
                continue  # the long form says what it was and validation judged it; off-scale grades are validation's
            before = grade_before(history, subject, target.grade, memo)
            if target_rules.lowered_from(labels, target.grade, before) is None:
                continue
            approver = staff.get(target.approved_by or "")
            found = target_rules.problems(labels, target.grade, None, list(approver.roles) if approver else None,
                                          allowed, None, False, before=before)
            if not found:
                continue
            try:
                position = load_yaml(root / rel_path, rel_path).at(("targets", subject, "grade"))
            except InvalidInput:  # pragma: no cover - the file was just read and validated
                position = Position(1, 1)
            for code, message in found:
                out.append(Diagnostic(rel_path, position, f"pupil.{code}", f"targets.{subject}: {message}"))
    return out
