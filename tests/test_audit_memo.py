"""The disclosure audits' memo (judge.audits) answers exactly as `rules.disclosure.protect` would, and only for the same question."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from pathlib import Path

import pytest
from support import AS_OF, REPO

from generator.judge.analysis import cohort_analysis
from generator.judge.audits import AUDITS, AuditMemo, audit_key
from generator.judge.derive import derive_school
from generator.rules.disclosure import Candidate, Threshold, protect, pupils_as_cells
from generator.sources.inputs import load_school

NOW = dt.datetime(2026, 11, 20)


def _audit(seed: int) -> tuple[list[Candidate], dict[str, int], list[Candidate]]:
    """A table of random groups over 60 pupils, with a row-size / share structure like the analysis's, and two known figures."""
    rng = random.Random(seed)
    pupils = [f"p{i:02d}" for i in range(60)]
    candidates = []
    for row in range(8):
        share, rest = rng.choice((0.05, 0.15, 0.3, 0.5)), rng.choice((0.1, 0.6, 0.9))
        members = frozenset(p for p in pupils if rng.random() < share)
        part = frozenset(p for p in members if rng.random() < rest)
        candidates += [Candidate((row, "size"), members), Candidate((row, "part"), part, (row, "size"))]
    known = [Candidate(("known", k), frozenset(rng.sample(pupils, 20))) for k in range(2)]
    return candidates, pupils_as_cells(pupils), known


@pytest.mark.parametrize("seed", range(6), ids=lambda s: f"seed{s}")
def test_a_memo_answers_as_protect_does_before_and_after_it_is_saved(seed: int, tmp_path: Path) -> None:
    candidates, cells, known = _audit(seed)
    threshold = Threshold(5)
    expected = protect(candidates, cells, threshold, known)
    assert expected.counts and expected.withheld  # the audit decides something both ways, so equality means something

    memo = AuditMemo("v1")
    assert memo.protect(candidates, cells, threshold, known) == expected and memo.hits == 0
    path = tmp_path / AUDITS
    path.write_bytes(memo.to_bytes())

    again = AuditMemo.read(path, "v1")
    assert again.protect(candidates, cells, threshold, known) == expected and again.hits == 1
    assert again.to_bytes() == memo.to_bytes()  # what the next build keeps is the same


def test_a_changed_question_is_audited_afresh(tmp_path: Path) -> None:
    candidates, cells, known = _audit(1)
    threshold = Threshold(5)
    memo = AuditMemo("v1")
    memo.protect(candidates, cells, threshold, known)
    path = tmp_path / AUDITS
    path.write_bytes(memo.to_bytes())
    moved = next(iter(candidates[0].members))
    changes = {
        "a member moved": ([dataclasses.replace(candidates[0], members=candidates[0].members - {moved}), *candidates[1:]], cells, threshold, known),
        "the threshold": (candidates, cells, Threshold(3), known),
        "a part's whole": ([*candidates[:-1], dataclasses.replace(candidates[-1], within=None)], cells, threshold, known),
        "the order of importance": ([*candidates[2:], *candidates[:2]], cells, threshold, known),
        "a known figure": (candidates, cells, threshold, known[:1]),
        "a cell's size": (candidates, {**cells, moved: 2}, threshold, known),
        "a key": ([dataclasses.replace(candidates[0], key=("renamed", "size")), *candidates[1:]], cells, threshold, known),
    }
    keys = {audit_key(*args) for args in changes.values()} | {audit_key(candidates, cells, threshold, known)}
    assert len(keys) == len(changes) + 1
    for why, args in changes.items():
        again = AuditMemo.read(path, "v1")
        assert again.protect(*args) == protect(*args) and again.hits == 0, why


def test_another_code_version_or_a_damaged_entry_is_audited_afresh(tmp_path: Path) -> None:
    candidates, cells, known = _audit(2)
    threshold = Threshold(5)
    memo = AuditMemo("v1")
    expected = memo.protect(candidates, cells, threshold, known)
    path = tmp_path / AUDITS
    path.write_bytes(memo.to_bytes())
    newer = AuditMemo.read(path, "v2")
    assert newer.protect(candidates, cells, threshold, known) == expected and newer.hits == 0

    data = json.loads(path.read_bytes())
    (entry,) = data["audits"].values()
    entry[0] = [True, "no"]  # not a count and a flag: read again, never trusted
    path.write_text(json.dumps(data), encoding="utf-8")
    damaged = AuditMemo.read(path, "v1")
    assert damaged.protect(candidates, cells, threshold, known) == expected and damaged.hits == 0


def test_the_cohort_analysis_through_the_memo_is_the_analysis(tmp_path: Path) -> None:
    """The example school's analysis: the same with the memo empty, saved and read back, as with `protect` itself."""
    checked = load_school(REPO)
    school = derive_school(checked.site, checked.pupils, NOW)
    expected = cohort_analysis(school)
    memo = AuditMemo("v1")
    assert cohort_analysis(school, memo.protect) == expected and memo.hits == 0
    path = tmp_path / AUDITS
    path.write_bytes(memo.to_bytes())
    again = AuditMemo.read(path, "v1")
    assert cohort_analysis(school, again.protect) == expected and again.hits > 0


def test_a_build_after_a_rename_audits_nothing_afresh_and_keeps_the_answers(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build wires the memo in: a renamed pupil asks the analysis's audits the same questions, answered from audits.json."""
    from generator import build as pipeline
    from generator.judge import audits
    out = tiny / "output"
    pipeline.build(tiny, out, jobs=1, as_of=AS_OF)
    kept = (out / ".mentorsite" / AUDITS).read_bytes()
    asked: list[int] = []
    real = audits.protect
    monkeypatch.setattr(audits, "protect", lambda *args: asked.append(1) or real(*args))
    record = tiny / "pupils" / "cal.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("Calloway", "Callum"), encoding="utf-8")
    pipeline.build(tiny, out, jobs=1, as_of=AS_OF)
    assert asked == [] and (out / ".mentorsite" / AUDITS).read_bytes() == kept
    record.write_text(record.read_text(encoding="utf-8").replace("year: 7", "year: 8", 1), encoding="utf-8")  # a question changes
    pipeline.build(tiny, out, jobs=1, as_of=AS_OF)
    assert asked
