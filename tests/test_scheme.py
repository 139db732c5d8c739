"""The scheme is configuration: rules a school writes in site.yaml change judgements without touching Python."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

import pytest

from generator.build import check, derive
from generator.sources.diagnostics import InvalidInput

SITE = (Path(__file__).parent / "sites" / "tiny" / "site.yaml").read_text(encoding="utf-8")
ADA = (Path(__file__).parent / "sites" / "tiny" / "pupils" / "ada.yaml").read_text(encoding="utf-8")


def _errors(root: Path) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        check(root)
    return [d.format() for d in caught.value.diagnostics]


LOWERED = ADA.replace('targets:\n  maths: "5"', 'targets:\n  maths:\n    grade: "4"\n    was: "5"\n    changed_on: 2026-10-20')


def test_target_lowered_without_slt_approval_is_an_error_at_its_line(make_school: Callable[..., Path]) -> None:
    root = make_school({"pupils/ada.yaml": LOWERED.replace('fft: {maths: "5"', 'fft: {maths: "3"')})
    assert _errors(root) == [
        "pupils/ada.yaml:25:12: targets.maths: lowered from 5 to 4 with no approval; only SLT may lower a target — "
        "add 'approved_by: <staff id>' [pupil.target.lowered]"]


def test_target_lowered_by_a_mentor_is_refused_and_by_slt_accepted(make_school: Callable[..., Path]) -> None:
    text = LOWERED.replace('fft: {maths: "5"', 'fft: {maths: "3"')
    root = make_school({"pupils/ada.yaml": text.replace("changed_on: 2026-10-20", "changed_on: 2026-10-20\n    approved_by: mentor-b")})
    assert [line.split(": ", 1)[1] for line in _errors(root)] == [
        "targets.maths: lowered from 5 to 4 but the approver is not SLT; only SLT may lower a target [pupil.target.lowered]"]
    (root / "pupils" / "ada.yaml").write_text(text.replace("changed_on: 2026-10-20", "changed_on: 2026-10-20\n    approved_by: head"))
    check(root)


def test_target_below_the_fft_estimate_is_refused_even_with_slt_approval(make_school: Callable[..., Path]) -> None:
    root = make_school({"pupils/ada.yaml": LOWERED.replace("changed_on: 2026-10-20", "changed_on: 2026-10-20\n    approved_by: head")})
    assert _errors(root) == [
        "pupils/ada.yaml:25:12: targets.maths: 4 is below the FFT estimate 5; a target may never be set below it [pupil.target.below_fft]"]


def test_the_fft_floor_is_configuration(make_school: Callable[..., Path]) -> None:
    site = SITE + "scheme:\n  targets:\n    floor: none\n"
    root = make_school({"site.yaml": site, "pupils/ada.yaml": LOWERED.replace("changed_on: 2026-10-20", "changed_on: 2026-10-20\n    approved_by: head")})
    check(root)


OWN_SCALE = SITE.replace('''subjects:
  - {id: maths, name: Mathematics, scale: gcse}''', '''  effort5:
    name: Our own 1 to 5
    grades: ["1 starting", "2 growing", "3 secure", "4 strong", "5 exceptional"]
subjects:
  - {id: maths, name: Mathematics, scale: gcse}
  - {id: pe, name: PE, scale: effort5}''')


def test_a_sixth_scale_needs_only_site_yaml(make_school: Callable[..., Path]) -> None:
    cal = "first_name: Cal\nlast_name: Fen\nyear: 7\nform: 7F\ntargets: {pe: 3 secure}\nassessments:\n  au1: {pe: 2 growing}\n  au2: {pe: 4 strong}\n"
    root = make_school({"site.yaml": OWN_SCALE, "pupils/cal.yaml": cal})
    school = derive(root, check(root), dt.date(2026, 11, 20))
    row = next(p for p in school.pupils if p.id == "cal").subjects[0]
    assert (row.subject, row.latest, row.standing, row.colour, row.change) == ("PE", "4 strong", "above", "green", 2)
    bad = cal.replace("4 strong", "4 Strong")
    (root / "pupils" / "cal.yaml").write_text(bad, encoding="utf-8")
    assert _errors(root) == [
        "pupils/cal.yaml:8:13: assessments.au2.pe: '4 Strong' is not a grade on the Our own 1 to 5 scale used for PE; "
        "expected '1 starting', '2 growing', '3 secure', '4 strong' or '5 exceptional'; did you mean '4 strong'? [pupil.grade.off_scale]"]


def test_scheme_changes_the_judgements(make_school: Callable[..., Path]) -> None:
    """The same record judged under two schemes: colours, review interval and attendance threshold all follow site.yaml."""
    strict = SITE + ("scheme:\n  review_every_days: 14\n  standing_colours: {above: green, on: green, below: red}\n"
                     "  attendance: {persistent_missed_percent: 5}\n")
    ada = ADA.replace("  next_review: 2026-11-30\n", "").replace("  review_on: 2026-12-11\n", "")  # no planned date: the interval
    root = make_school({"site.yaml": strict, "pupils/ada.yaml": ada})
    facts = next(p for p in derive(root, check(root), dt.date(2026, 11, 20)).pupils if p.id == "ada")
    assert facts.next_review == dt.date(2026, 10, 1)
    assert {a.code for a in facts.actions} >= {"review.overdue", "attendance.persistent"}
    english = next(r for r in facts.subjects if r.subject_id == "english")
    assert (english.standing, english.colour) == ("above", "green")


def test_scale_points_must_rise(make_school: Callable[..., Path]) -> None:
    site = SITE.replace('grades: ["1", "2", "3", "4", "5", "6", "7", "8", "9"]',
                        'grades: [{grade: "1", points: 1}, {grade: "2", points: 3}, {grade: "3", points: 2}, "4", "5", "6", "7", "8", "9"]')
    root = make_school({"site.yaml": site})
    assert _errors(root) == [
        "site.yaml:16:85: scales.gcse.grades[3].points: '3' has no more points than the grade before it; points must rise up the scale [site.scale.points]"]
