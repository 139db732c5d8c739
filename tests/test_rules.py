"""The school's rules, table-driven with the numbers from the policies (DOMAIN.md)."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from generator.rules import (
    attendance,
    criteria,
    progress,
    scales,
    schedule,
    skills,
    targets,
)

P5_BANDS = [(1, "emerging"), (9, "developing"), (17, "securing"), (25, "Stage 3 ready")]


@pytest.mark.parametrize("crosses, label, to_next, next_label", [
    (0, None, 1, "emerging"),
    (1, "emerging", 8, "developing"),
    (8, "emerging", 1, "developing"),
    (14, "developing", 3, "securing"),
    (17, "securing", 8, "Stage 3 ready"),
    (25, "Stage 3 ready", None, None),
    (30, "Stage 3 ready", None, None),
], ids=["none", "1", "8", "14-domain-example", "17", "25", "30"])
def test_crosses_place_the_pupil_in_a_sub_stage(crosses: int, label: str | None, to_next: int | None, next_label: str | None) -> None:
    found = criteria.sub_stage(2, crosses, P5_BANDS)
    assert (found.label, found.to_next, found.next_label) == (label, to_next, next_label)


def test_fourteen_crosses_reads_stage_2_developing() -> None:
    assert criteria.sub_stage(2, 14, P5_BANDS).text == "Stage 2 developing"


def test_criteria_at_line_are_next_targets_and_crosses_are_counted() -> None:
    record = {"M2.03": "/", "M2.01": "X", "M2.02": ".", "M2.04": "/", "M2.05": "X"}
    assert criteria.next_targets(record) == ["M2.03", "M2.04"]
    assert criteria.count_crosses(record) == 2


@pytest.mark.parametrize("score, green", [(20, False), (21, True), (25, True), (0, False)], ids=["20-not", "21-green", "25", "0"])
def test_basic_skills_green_is_above_20_of_25(score: int, green: bool) -> None:
    assert skills.is_green(score, green_above=20) is green


@pytest.mark.parametrize("scores, ready", [
    ([21, 22, 23], False),
    ([21, 22, 23, 24], True),
    ([21, 22, 18, 23, 24, 25], False),
    ([18, 21, 22, 23, 24], True),
], ids=["3-green-weeks", "4-green-weeks", "run-broken", "run-after-red"])
def test_four_green_weeks_move_a_pupil_up(scores: list[int], ready: bool) -> None:
    tests = [((dt.date(2026, 9, 7) + dt.timedelta(weeks=i)).isoformat(), "Level 3", s) for i, s in enumerate(scores)]
    status = skills.status(tests, green_above=20, weeks_to_move_up=4, keep=3)
    assert status is not None and status.ready_to_move_up is ready
    assert len(status.recent) == 3


def test_green_weeks_at_a_lower_level_do_not_count() -> None:
    tests = [("2026-09-07", "Level 2", 23), ("2026-09-14", "Level 2", 24), ("2026-09-21", "Level 3", 22), ("2026-09-28", "Level 3", 23)]
    status = skills.status(tests, 20, 4, 3)
    assert status is not None and (status.level, status.green_run, status.ready_to_move_up) == ("Level 3", 2, False)


@pytest.mark.parametrize("percent, band", [
    (90.0, "persistent"), (90.1, "good"), (89.9, "persistent"), (100.0, "good"), (50.0, "severe"), (50.1, "persistent"), (0.0, "severe"),
], ids=["90.0-is-persistent", "90.1-is-not", "89.9", "100", "50.0-severe", "50.1", "0"])
def test_attendance_bands(percent: float, band: str) -> None:
    assert attendance.band(percent) == band


@pytest.mark.parametrize("days_since, overdue", [(41, False), (42, False), (43, True)], ids=["41", "42-due-today", "43-overdue"])
def test_review_every_six_weeks(days_since: int, overdue: bool) -> None:
    last = dt.date(2026, 9, 21)
    due = schedule.review_due(started_on=None, held=[last], planned=[], interval_days=42)
    assert schedule.is_overdue(due, last + dt.timedelta(days=days_since)) is overdue


MONDAY = dt.date(2026, 11, 16)


@pytest.mark.parametrize("now, logged, overdue", [
    (dt.datetime(2026, 11, 16, 13, 0), [MONDAY - dt.timedelta(days=14)], MONDAY - dt.timedelta(days=7)),
    (dt.datetime(2026, 11, 16, 11, 0), [MONDAY - dt.timedelta(days=14)], None),
    (dt.datetime(2026, 11, 16, 13, 0), [MONDAY - dt.timedelta(days=7)], None),
    (dt.datetime(2026, 11, 16, 11, 0), [], MONDAY - dt.timedelta(days=14)),
    (dt.datetime(2026, 11, 18, 9, 0), [], MONDAY - dt.timedelta(days=7)),
], ids=["monday-13:00-missing-overdue", "monday-11:00-not-yet", "monday-13:00-written", "monday-11:00-week-before-missing", "wednesday"])
def test_weekly_log_due_by_monday_lunch(now: dt.datetime, logged: list[dt.date], overdue: dt.date | None) -> None:
    assert schedule.log_overdue(logged, started_on=dt.date(2026, 9, 7), now=now, due_day="monday", due_time=dt.time(13, 0)) == overdue


def test_no_log_is_owed_for_weeks_before_mentoring_started() -> None:
    assert schedule.log_overdue([], started_on=dt.date(2026, 11, 12), now=dt.datetime(2026, 11, 16, 14), due_day="monday",
                                due_time=dt.time(13)) == dt.date(2026, 11, 9)
    assert schedule.log_overdue([], started_on=dt.date(2026, 11, 16), now=dt.datetime(2026, 11, 16, 14), due_day="monday",
                                due_time=dt.time(13)) is None


def test_monthly_meeting_overdue() -> None:
    due = schedule.next_meeting(dt.date(2026, 9, 1), [dt.date(2026, 10, 1)], every_days=30)
    assert due == dt.date(2026, 10, 31)
    assert not schedule.is_overdue(due, dt.date(2026, 10, 31)) and schedule.is_overdue(due, dt.date(2026, 11, 1))


GCSE = [str(g) for g in range(1, 10)]


@pytest.mark.parametrize("working, target, expected", [("5", "4", "above"), ("4", "4", "on"), ("3", "4", "below")],
                         ids=["above", "on", "below"])
def test_standing_against_target(working: str, target: str, expected: str) -> None:
    assert progress.standing(GCSE, working, target) == expected


@pytest.mark.parametrize("made, elapsed, pace", [(0, 1, "on track"), (0, 2, "behind"), (1, 2, "on track"), (2, 2, "ahead"), (3, 6, "on track")],
                         ids=["0-after-1", "0-after-2", "1-after-2", "2-after-2", "3-after-year"])
def test_three_sub_stages_a_year(made: int, elapsed: int, pace: str) -> None:
    assert progress.pace(made, progress.expected_steps(3, elapsed, 6)) == pace


# P5's conversion table: APS → (NC level, stage band), from DOMAIN.md.
APS_TABLE = [
    (1, "W(C)", None), (3, "W(B)", None), (5, "W(A)", "St 0 emerging"), (6, None, "St 0 developing"), (7, "1C", "St 0 securing"),
    (8, None, "St 1 ready"), (9, "1B", None), (10, None, "St 1 emerging"), (11, "1A", "St 1 developing"), (12, None, "St 1 securing"),
    (13, "2C", "St 2 ready"), (15, "2B", "St 2 emerging"), (16, None, "St 2 developing"), (17, "2A", "St 2 securing"),
    (18, None, "St 3 ready"), (20, None, "St 3 emerging"), (21, "3B", "St 3 developing"), (22, None, "St 3 securing"),
    (23, "3A", "St 4 ready"), (25, "4C", "St 4 emerging"), (26, None, "St 4 developing"), (27, "4B", "St 4 securing"),
    (28, None, "St 5 ready"), (29, "4A", None), (30, None, "St 5 emerging"), (31, "5C", "St 5 developing"), (32, None, "St 5 securing"),
    (33, "5B", "St 6 ready"), (35, "5A", "St 6 emerging"), (36, None, "St 6 developing"), (37, "6C", "St 6 securing"),
    (38, None, "St 7 ready"), (39, "6B", None), (41, "6A", None), (43, "7C", None),
]
NC = {nc: aps for aps, nc, _st in APS_TABLE if nc}
STAGES = {st: aps for aps, _nc, st in APS_TABLE if st}


def test_aps_table_round_trips_on_both_scales() -> None:
    for name, points in (("nc", NC), ("stage", STAGES)):
        grades = list(points)
        assert scales.increasing(grades, points) == [], name
        for grade, value in points.items():
            assert scales.grade_for_points(grades, points, value) == grade, (name, grade)


@pytest.mark.parametrize("nc, stage", [("4C", "St 4 emerging"), ("2B", "St 2 emerging"), ("3B", "St 3 developing"), ("4A", "St 5 ready")],
                         ids=["4C", "2B", "3B", "4A-between"])
def test_nc_level_converts_to_stage_through_aps(nc: str, stage: str) -> None:
    assert scales.convert(nc, NC, list(STAGES), STAGES) == stage


@pytest.mark.parametrize("now, was, approver, fft, codes", [
    ("5", "6", None, None, ["target.lowered"]),
    ("5", "6", ["mentor"], None, ["target.lowered"]),
    ("5", "6", ["slt"], None, []),
    ("7", "6", None, None, []),
    ("4", None, None, "5", ["target.below_fft"]),
    ("4", "5", ["slt"], "5", ["target.below_fft"]),
], ids=["lowered-unapproved", "lowered-by-mentor", "lowered-by-slt", "raised", "below-fft", "slt-cannot-go-below-fft"])
def test_target_rules(now: str, was: str | None, approver: list[str] | None, fft: str | None, codes: list[str]) -> None:
    found = targets.problems(GCSE, now, was, approver, ["slt"], fft, floor_is_fft=True)
    assert [code for code, _message in found] == codes


def test_rules_do_no_io_and_import_neither_pydantic_nor_jinja() -> None:
    forbidden = {"pydantic", "jinja2", "os", "subprocess", "pathlib", "io", "time", "yaml", "open"}
    for path in sorted((Path(__file__).parent.parent / "generator" / "rules").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        calls = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
        attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        assert not (imported | calls) & forbidden, path.name
        assert not attributes & {"today", "now", "utcnow", "time_ns", "monotonic"}, f"{path.name} reads the clock"


def test_every_missing_school_week_is_listed_and_holidays_owe_nothing() -> None:
    terms = [(dt.date(2026, 9, 3), dt.date(2026, 10, 23)), (dt.date(2026, 11, 2), dt.date(2026, 12, 18))]
    logged = [dt.date(2026, 10, 12)]
    missing = schedule.logs_missing(logged, dt.date(2026, 10, 5), dt.datetime(2026, 11, 9, 14, 0), "monday", dt.time(13), terms)
    assert missing == [dt.date(2026, 10, 5), dt.date(2026, 10, 19), dt.date(2026, 11, 2)]  # 26 Oct is half term


# --- issue 11: the schedule, exit readiness, the meeting lists and the family sentences, as tables -------------

from generator.rules import meeting, sentences

D = dt.date


@pytest.mark.parametrize("held, planned, due", [
    ([], [None, None], D(2026, 10, 29)),
    ([], [D(2026, 11, 19), None], D(2026, 11, 19)),
    ([D(2026, 11, 19)], [D(2026, 11, 19), D(2026, 11, 19)], D(2026, 12, 31)),
    ([D(2026, 11, 16)], [D(2026, 11, 19), None], D(2026, 12, 28)),
    ([D(2026, 10, 1)], [D(2026, 11, 19), None], D(2026, 11, 19)),
    ([], [D(2026, 12, 11), D(2026, 12, 4)], D(2026, 12, 4)),
    ([D(2026, 11, 19)], [D(2026, 11, 19), D(2027, 1, 8)], D(2027, 1, 8)),
], ids=["interval-from-start", "planned", "held-on-planned-date", "held-three-days-early", "held-long-before",
        "earliest-plan-date", "held-then-next-planned"])
def test_review_due_counts_reviews_held_and_every_planned_date(held: list[dt.date], planned: list[dt.date | None], due: dt.date) -> None:
    assert schedule.review_due(D(2026, 9, 17), held, planned, 42) == due


@pytest.mark.parametrize("written, late", [
    (dt.datetime(2026, 11, 16, 12, 59), False), (dt.datetime(2026, 11, 16, 13, 0), False), (dt.datetime(2026, 11, 16, 13, 1), True),
    (D(2026, 11, 16), False), (D(2026, 11, 17), True), (None, False),
], ids=["12:59", "13:00", "13:01", "monday-date-only", "tuesday", "unknown"])
def test_a_log_is_late_after_monday_lunch(written: dt.datetime | dt.date | None, late: bool) -> None:
    assert schedule.log_late(D(2026, 11, 9), written, "monday", dt.time(13)) is late


def test_a_log_deadline_in_a_holiday_moves_to_the_first_school_monday() -> None:
    terms = [(D(2026, 9, 3), D(2026, 10, 23)), (D(2026, 11, 2), D(2026, 12, 18))]
    assert schedule.log_deadline(D(2026, 10, 19), "monday", dt.time(13), terms) == dt.datetime(2026, 11, 2, 13)
    assert not schedule.log_late(D(2026, 10, 19), dt.datetime(2026, 11, 2, 12, 30), "monday", dt.time(13), terms)


@pytest.mark.parametrize("targets, standings, ready", [
    ({"maths": "5", "english": "5"}, {"maths": "on", "english": "above"}, True),
    ({"maths": "5", "english": "5"}, {"maths": "on"}, False),
    ({"maths": "5", "english": "5"}, {"maths": "on", "english": None}, False),
    ({"maths": "5"}, {"maths": "below"}, False),
    ({}, {}, False),
], ids=["all-met", "never-assessed", "not-this-round", "below", "no-targets"])
def test_exit_needs_every_target_assessed_this_round_and_met(targets: dict[str, str], standings: dict, ready: bool) -> None:
    assert meeting.ready_to_exit(targets, standings) is ready


@pytest.mark.parametrize("rows, group", [
    ([("below", None), ("above", None)], "support"), ([("on", "behind")], "support"), ([("above", None), ("on", None)], "excelled"),
    ([("on", "ahead")], "excelled"), ([("on", None)], None), ([], None),
], ids=["below-wins", "behind", "above", "ahead", "on", "nothing"])
def test_progress_meeting_groups(rows: list, group: str | None) -> None:
    assert meeting.meeting_group(rows) == group


@pytest.mark.parametrize("standing, status, scope, raise_it", [
    ("above", "none", "all", True), ("above", "none", True, False), ("above", "active", True, True), ("above", "active", False, False),
    ("on", "active", "all", False),
], ids=["all-pupils", "mentees-only", "mentee", "off", "on-target"])
def test_target_raising_scope(standing: str, status: str, scope: bool | str, raise_it: bool) -> None:
    assert meeting.raise_target(standing, status, scope) is raise_it  # type: ignore[arg-type]


AS_OF = D(2026, 11, 30)


def facts(**changes: object) -> sentences.ProfileFacts:
    base = {"first_name": "Sam", "below": (), "above": (), "on": ("Mathematics",), "red": (), "persistent_absence": False,
            "targets": (), "mentored": False, "review_due": None, "as_of": AS_OF}
    return sentences.ProfileFacts(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize("given, summary, steps, review", [
    (facts(), "Sam is on target in every subject.", ("Keep doing what is working: aim to stay on or above target in every subject.",), None),
    (facts(below=("Mathematics", "English"), on=(), red=("homework",)), "Sam is below target in Mathematics and English.",
     ("Next half term, the focus is Mathematics and English: Sam's teachers will set a target in each and say how to reach it.",
      "At home, please help with homework."), None),
    (facts(on=(), red=("homework",)), "Sam has no grades against targets yet this year.", ("At home, please help with homework.",), None),
    (facts(above=("French",)), "Sam is on or above target in every subject, and above target in French.",
     ("Keep doing what is working: aim to stay on or above target in every subject.",), None),
    (facts(on=(), persistent_absence=True), "Sam has no grades against targets yet this year.", ("At home, please help with attendance.",), None),
    (facts(mentored=True, review_due=D(2026, 12, 11), targets=(("Read nightly", D(2026, 12, 11)),)), "Sam is on target in every subject.",
     (), "We will look at these targets together again on 11 December 2026."),
    (facts(mentored=True, review_due=D(2026, 11, 19), targets=(("Read nightly", D(2026, 11, 20)),)), "Sam is on target in every subject.",
     ("Keep doing what is working: aim to stay on or above target in every subject.",),
     "The review of these targets is overdue: Sam's mentor will be in touch to arrange it."),
    (facts(below=("Science",), on=("Mathematics", "English")), "Sam is below target in Science, and on or above target in 2 other subjects.",
     ("Next half term, the focus is Science: Sam's teachers will set a target there and say how to reach it.",), None),
], ids=["on-target", "below-two-red-homework", "no-grades-red", "above", "persistent-absence", "plan-ahead", "plan-past",
        "one-below"])
def test_family_sentences_from_facts(given: sentences.ProfileFacts, summary: str, steps: tuple[str, ...], review: str | None) -> None:
    said = sentences.sentences(given)
    assert (said.summary, said.next_steps, said.review) == (summary, steps, review)
    assert all(by is None or by >= given.as_of for _text, by in said.targets_ahead)
    assert all(by < given.as_of for _text, by in said.targets_past)


def _impurities(path: Path) -> set[str]:
    """Imports that do I/O and calls or attributes that read the clock, in one module."""
    forbidden = {"os", "subprocess", "pathlib", "io", "time", "yaml", "open", "shutil", "socket", "urllib", "requests", "print",
                 "input", "tempfile", "glob"}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    calls = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    found = (imported | calls) & forbidden
    found |= attributes & {"utcnow", "time_ns", "monotonic", "read_text", "read_bytes", "write_text", "write_bytes", "open",
                           "fromtimestamp"}
    clocks = {"datetime", "date", "dt", "time"}  # dt.date.today(), datetime.now(): a clock; facts.now, school.today: a value passed in
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("today", "now"):
            owner = node.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if name in clocks:
                found.add(node.attr)
    return found


JUDGED = sorted([Path(__file__).parent.parent / "generator" / "judge" / "derive.py",
                 Path(__file__).parent.parent / "generator" / "judge" / "meeting.py",
                 Path(__file__).parent.parent / "generator" / "judge" / "warnings.py",
                 *(Path(__file__).parent.parent / "generator" / "views").glob("*.py")])


@pytest.mark.parametrize("path", JUDGED, ids=[p.relative_to(p.parent.parent).as_posix() for p in JUDGED])
def test_derive_and_views_do_no_io_and_read_no_clock(path: Path) -> None:
    assert not _impurities(path), f"{path.name}: {_impurities(path)}"


def test_the_purity_check_catches_a_clock_and_a_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import datetime as dt\nfrom pathlib import Path\nx = dt.date.today()\ny = open('f')\n", encoding="utf-8")
    assert _impurities(bad) == {"pathlib", "open", "today"}
