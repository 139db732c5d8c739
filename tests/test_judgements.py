"""Issue 11: judgements against time. Each test here failed on the code before the fix (see the commit message)."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from judging import codes, rendered, school_at, text_of

from generator.commands.cli import main
from generator.views import sheets
from generator.views.staff import progress_meeting, staff_site

SITE_HEAD = """school: Test Hollow School
academic_year: 2026-27
current_half_term: {current}
half_terms:
  - {{id: au1, name: Autumn 1, start: 2026-09-03, end: 2026-10-23}}
  - {{id: au2, name: Autumn 2, start: 2026-11-02, end: 2026-12-18}}
  - {{id: sp1, name: Spring 1, start: 2027-01-05, end: 2027-02-12}}
  - {{id: sp2, name: Spring 2, start: 2027-02-22, end: 2027-03-26}}
  - {{id: su1, name: Summer 1, start: 2027-04-12, end: 2027-05-28}}
  - {{id: su2, name: Summer 2, start: 2027-06-07, end: 2027-07-21}}
staff:
  - {{id: mentor-a, name: Ms A. Mentor, roles: [mentor, lead_mentor]}}
  - {{id: head, name: Dr C. Head, roles: [slt]}}
scales:
  gcse:
    name: GCSE 9–1
    grades: ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
subjects:
  - {{id: maths, name: Mathematics, scale: gcse}}
  - {{id: english, name: English, scale: gcse}}
  - {{id: science, name: Science, scale: gcse}}
"""

MENTEE = """first_name: Dana
last_name: Ostrander
year: 9
form: 9Q
mentor: mentor-a
mentoring:
  status: active
  referred_on: 2026-09-10
  started_on: 2026-09-17
"""


def site(current: str = "au2", scheme: str = "") -> str:
    return SITE_HEAD.format(current=current) + (f"scheme:\n{scheme}" if scheme else "")


Make = Callable[[dict[str, str | None]], Path]


@dataclass
class Ran:
    returncode: int
    stderr: str


def run_cli(*args: str) -> Ran:
    """`mentorsite ARGS` in this process (faster than a subprocess; exit codes and 'no traceback' are tested elsewhere)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(args))
    return Ran(code, err.getvalue())


def one_pupil(make_school: Make, body: str, *, current: str = "au2", scheme: str = "") -> Path:
    return make_school({"site.yaml": site(current, scheme), "pupils/ada.yaml": None, "pupils/bex.yaml": None,
                        "pupils/cal.yaml": None, "pupils/dana.yaml": body})


# --- the review schedule --------------------------------------------------------------------------------------


def test_a_review_held_on_its_planned_date_is_not_overdue(make_school: Make) -> None:
    root = one_pupil(make_school, MENTEE + """  next_review: 2026-11-19
targets: {maths: "5"}
plan:
  targets: [{text: Hand in maths homework each week, by: 2026-12-18}]
  review_on: 2026-11-19
meetings:
  - {date: 2026-11-19, kind: review}
""")
    school = school_at(root, dt.date(2026, 11, 30))
    assert "review.overdue" not in codes(school)
    assert school.pupils[0].next_review == dt.date(2026, 12, 31)  # 42 days after the review held


def test_the_action_plans_review_date_is_the_registers_next_review(make_school: Make) -> None:
    """The IAP says 4 December; with no review held since, the register says the same (it said 29 October, 42 days after the start)."""
    root = one_pupil(make_school, MENTEE + """targets: {maths: "5"}
plan:
  targets: [{text: Hand in maths homework each week, by: 2026-12-18}]
  review_on: 2026-12-04
""")
    school = school_at(root, dt.date(2026, 11, 30))
    pupil = school.pupils[0]
    assert pupil.next_review == dt.date(2026, 12, 4)
    assert "review.overdue" not in codes(school) and "review.due" in codes(school)
    register = text_of(rendered(school, "staff/register/index.html")["staff/register/index.html"])
    assert "4 Dec" in register


# --- exit readiness --------------------------------------------------------------------------------------------


def test_exit_is_not_ready_while_a_target_subject_has_never_been_assessed(make_school: Make) -> None:
    root = one_pupil(make_school, MENTEE + """targets: {maths: "5", english: "5", science: "5"}
assessments:
  au1: {maths: "5", english: "6"}
  au2: {maths: "5", english: "6"}
""")
    assert not {"exit.review", "exit.ready"} & set(codes(school_at(root, dt.date(2026, 11, 20))))


def test_exit_is_ready_when_every_target_is_assessed_this_round_and_met(make_school: Make) -> None:
    root = one_pupil(make_school, MENTEE + """targets: {maths: "5", english: "5"}
assessments:
  au2: {maths: "5", english: "6"}
""")
    assert "exit.ready" in codes(school_at(root, dt.date(2026, 11, 20)))


# --- what the family reads --------------------------------------------------------------------------------------


def test_a_pupil_below_target_with_red_homework_is_not_told_to_keep_doing_what_works(make_school: Make) -> None:
    root = one_pupil(make_school, MENTEE + """targets: {maths: "6", english: "6", science: "5"}
assessments:
  au2: {maths: "4", english: "5", science: "5"}
attitude:
  au2: {attendance: 96.0, punctuality: green, behaviour: green, effort: yellow, homework: red, uniform: green}
""")
    html = rendered(school_at(root, dt.date(2026, 11, 20)), "families/dana/profile.pdf")["families/dana/profile.pdf"]
    words = text_of(html)
    assert "Keep doing what is working" not in words
    assert "below target in Mathematics and English" in words and "homework" in words


PAST_PLAN = MENTEE + """  next_review: 2026-11-19
targets: {maths: "5"}
assessments:
  au2: {maths: "4"}
plan:
  targets:
    - {text: Bring a calculator to every lesson, by: 2026-11-20}
  review_on: 2026-11-19
"""


@pytest.mark.parametrize("current, as_of", [("au2", dt.date(2026, 11, 30)), ("sp1", dt.date(2027, 1, 12))], ids=["autumn-2", "spring-1"])
def test_the_profile_never_presents_a_past_date_as_a_plan(make_school: Make, current: str, as_of: dt.date) -> None:
    root = one_pupil(make_school, PAST_PLAN, current=current)
    words = text_of(rendered(school_at(root, as_of), "families/dana/profile.pdf")["families/dana/profile.pdf"])
    assert "again on 19 November" not in words
    ahead = words.split("Targets for next half term", 1)[1]
    assert "by 20 November" not in ahead
    assert "review of these targets is overdue" in words


# --- time as an input: the current half term moved on -------------------------------------------------------------


def test_moving_the_half_term_on_warns_and_the_meeting_says_which_round_it_judged(make_school: Make) -> None:
    body = MENTEE + """targets: {maths: "5"}
assessments:
  au2: {maths: "4"}
  sp2: {maths: "5"}
"""
    root = one_pupil(make_school, body, current="sp1")
    result = run_cli("check", "--root", str(root), "--as-of", "2027-01-12")
    assert result.returncode == 0, result.stderr
    assert "site.yaml:3:20: warning: current_half_term: 1 of 1 pupils with targets have no grades for Spring 1 yet" in result.stderr
    assert re.search(r"pupils/dana.yaml:\d+:3: warning: assessments.sp2: Spring 2 starts on 22 February 2027", result.stderr)
    page = text_of(rendered(school_at(root, dt.date(2027, 1, 12)), "staff/progress/index.html")["staff/progress/index.html"])
    assert "after the Spring 1 round" not in page and "judged on Autumn 2" in page


def test_a_current_half_term_that_does_not_hold_the_as_of_date_is_a_warning(make_school: Make) -> None:
    root = one_pupil(make_school, MENTEE)
    result = run_cli("check", "--root", str(root), "--as-of", "2027-01-12")
    assert result.returncode == 0
    assert "warning: current_half_term: Autumn 2 runs 2 November 2026 to 18 December 2026" in result.stderr
    assert "[site.current_half_term.dates]" in result.stderr


# --- logs, plans and the whole school ---------------------------------------------------------------------------------


def test_a_log_written_after_monday_lunch_is_late(make_school: Make) -> None:
    root = one_pupil(make_school, MENTEE + """weekly_logs:
  - {week_of: 2026-11-02, written_on: 2026-11-09 15:10:00}
  - {week_of: 2026-11-09, written_on: 2026-11-16 12:30:00}
""", scheme="  weekly_log: {due_day: monday, due_time: '13:00'}\n")
    school = school_at(root, dt.datetime(2026, 11, 16, 14, 0))
    late = [a for p in school.pupils for a in p.actions if a.code == "log.late"]
    assert len(late) == 1 and "02 Nov" in late[0].text


def test_an_active_mentee_with_no_action_plan_is_flagged(make_school: Make) -> None:
    root = one_pupil(make_school, MENTEE, scheme="  plan_required: true\n")
    assert "plan.missing" in codes(school_at(root, dt.date(2026, 11, 20)))


def test_whole_school_rules_reach_pupils_who_are_not_mentees(make_school: Make) -> None:
    body = """first_name: Evan
last_name: Pellow
year: 10
form: 10P
targets: {maths: "5"}
assessments:
  au2: {maths: "6"}
"""
    scheme = "  raise_when_exceeded: all\n  mentor_required_years: [10]\n  review_every_pupil_each_term: true\n"
    root = one_pupil(make_school, body, scheme=scheme)
    found = codes(school_at(root, dt.date(2026, 11, 20)))
    assert {"target.raise", "mentor.missing", "review.term"} <= set(found)
    (root / "site.yaml").write_text(site(), encoding="utf-8")  # the same pupil where the scheme leaves the rules off
    assert not {"target.raise", "mentor.missing", "review.term"} & set(codes(school_at(root, dt.date(2026, 11, 20))))


# --- P5: crosses against the recorded grade ---------------------------------------------------------------------------

P5_SITE = """school: Test Hollow School
academic_year: 2026-27
current_half_term: au2
half_terms:
  - {id: au1, name: Autumn 1, start: 2026-09-03, end: 2026-10-23}
  - {id: au2, name: Autumn 2, start: 2026-11-02, end: 2026-12-18}
staff:
  - {id: mentor-a, name: Ms A. Mentor, roles: [mentor]}
scales:
  stages:
    name: Stages
    grades: [St 2 ready, St 2 emerging, St 2 developing, St 2 securing, St 3 ready, St 3 emerging, St 3 developing]
subjects:
  - {id: maths, name: Mathematics, scale: stages}
scheme:
  criteria:
    per_stage: 30
    bands:
      - {from: 1, label: emerging, grade: "St {stage} emerging"}
      - {from: 9, label: developing, grade: "St {stage} developing"}
      - {from: 17, label: securing, grade: "St {stage} securing"}
      - {from: 25, label: ready for the next stage, grade: "St {next} ready"}
"""


def p5_pupil(crosses: int, recorded: str) -> str:
    return f"""first_name: Fern
last_name: Aldous
year: 7
form: 7A
targets: {{maths: St 2 securing}}
assessments:
  au2: {{maths: {recorded}}}
criteria:
  maths: {{stage: 2, crosses: {crosses}}}
"""


def test_p5_crosses_are_authoritative_and_a_disagreeing_grade_is_a_located_warning(make_school: Make) -> None:
    root = make_school({"site.yaml": P5_SITE, "pupils/ada.yaml": None, "pupils/bex.yaml": None, "pupils/cal.yaml": None,
                        "pupils/fern.yaml": p5_pupil(14, "St 3 emerging")})
    result = run_cli("check", "--root", str(root), "--as-of", "2026-11-20")
    assert result.returncode == 0
    assert ("pupils/fern.yaml:7:16: warning: assessments.au2.maths: 'St 3 emerging' disagrees with the 14 crosses at Stage 2"
            in result.stderr)
    words = text_of(rendered(school_at(root, dt.date(2026, 11, 20)), "families/fern/profile.pdf")["families/fern/profile.pdf"])
    assert "St 3 emerging" not in words and "St 2 developing" in words


def test_p5_per_stage_bounds_the_crosses(make_school: Make) -> None:
    root = make_school({"site.yaml": P5_SITE, "pupils/ada.yaml": None, "pupils/bex.yaml": None, "pupils/cal.yaml": None,
                        "pupils/fern.yaml": p5_pupil(31, "St 3 ready")})
    result = run_cli("check", "--root", str(root))
    assert result.returncode == 1
    assert "pupils/fern.yaml:9:30: criteria.maths.crosses: 31 is more than the 30 criteria in a stage" in result.stderr


# --- one list for the progress meeting page and sheet; thresholds from settings ---------------------------------


def test_the_progress_meeting_page_and_sheet_list_the_same_pupils(make_school: Make) -> None:
    """A pupil behind the expected pace but not below target was on the page and not on the sheet."""
    behind = """first_name: Gus
last_name: Harwood
year: 8
form: 8H
targets: {maths: "5"}
assessments:
  au1: {maths: "5"}
  au2: {maths: "5"}
  sp1: {maths: "5"}
"""
    ahead = """first_name: Hana
last_name: Ivers
year: 8
form: 8H
targets: {maths: "4"}
assessments:
  au1: {maths: "5"}
"""
    root = make_school({"site.yaml": site("sp1", "  expected_steps_per_year: 3\n"), "pupils/gus.yaml": behind,
                        "pupils/hana.yaml": ahead, "pupils/ada.yaml": None, "pupils/bex.yaml": None, "pupils/cal.yaml": None})
    school = school_at(root, dt.date(2027, 1, 20))
    page = progress_meeting(school, staff_site(school))
    year_sheets = sheets.progress_meetings(school)
    assert [s.year for s in year_sheets] == [8]  # Gus and Hana are both in Year 8
    assert {r.name for r in page.support} == {e.name for s in year_sheets for e in s.below}
    assert {r.name for r in page.excelled} == {e.name for s in year_sheets for e in s.excelled}
    assert "Gus Harwood" in {e.name for s in year_sheets for e in s.below}


def test_the_persistent_absence_threshold_on_the_dashboard_is_the_schemes(make_school: Make) -> None:
    root = one_pupil(make_school, MENTEE + """attitude:
  au2: {attendance: 84.0}
""", scheme="  attendance: {persistent_missed_percent: 15}\n")
    page = text_of(rendered(school_at(root, dt.date(2026, 11, 20)), "staff/index.html")["staff/index.html"])
    assert "Missing 15% or more" in page and "Missing 10%" not in page


def test_an_fft_estimate_in_nc_levels_converts_to_stages_through_aps(make_school: Make) -> None:
    """P5's conversion table in use: FFT estimates arrive as NC levels while the school tracks stages; 4C is APS 25, St 4
    emerging, so a target of St 3 developing (APS 21) is below the FFT floor and refused."""
    site_text = P5_SITE.replace("grades: [St 2 ready, St 2 emerging, St 2 developing, St 2 securing, St 3 ready, St 3 emerging, St 3 developing]",
                                "grades: [{grade: St 3 developing, points: 21}, {grade: St 4 ready, points: 23}, "
                                "{grade: St 4 emerging, points: 25}, {grade: St 4 developing, points: 26}]\n"
                                "  nc:\n    name: NC levels\n    grades: [{grade: 3B, points: 21}, {grade: 3A, points: 23}, "
                                "{grade: 4C, points: 25}, {grade: 4B, points: 27}]")
    pupil = """first_name: Fern
last_name: Aldous
year: 7
form: 7A
baseline:
  fft: {maths: 4C}
targets: {maths: St 4 developing}
assessments:
  au2: {maths: St 4 ready}
"""
    root = make_school({"site.yaml": site_text, "pupils/ada.yaml": None, "pupils/bex.yaml": None, "pupils/cal.yaml": None,
                        "pupils/fern.yaml": pupil})
    row = school_at(root, dt.date(2026, 11, 20)).pupils[0].subjects[0]
    assert row.fft == "St 4 emerging"
    (root / "pupils" / "fern.yaml").write_text(pupil.replace("targets: {maths: St 4 developing}", "targets: {maths: St 3 developing}"),
                                               encoding="utf-8")
    result = run_cli("check", "--root", str(root))
    assert result.returncode == 1 and "St 3 developing is below the FFT estimate St 4 emerging" in result.stderr
