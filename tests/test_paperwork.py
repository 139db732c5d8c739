"""The policies' own paperwork (issue 14): fields switched on per school, located validation, the due-date rules and their action codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from support import SITES

from generator.build import check
from generator.judge.paperwork import due_paperwork
from generator.rules import paperwork as rules
from generator.sources.diagnostics import InvalidInput

D = dt.date

TINY_SITE_PAPERWORK = """
scheme:
  paperwork:
    report_cards: {}
    sessions: {}
    surveys: {statements: [Ready to learn, Keeps going, Asks for help]}
    slips: {}
    agreement: {years: [9]}
    reviews_home: true
    predicted_grades: true
    target_setting: true
    self_assessment: true
    big_write: {}
    file_records: true
    exit_plans: true
    pupil_file: true
"""

MakeSchool = Callable[[dict[str, str | None]], Path]


def _pupil(extra: str) -> str:
    return ("first_name: Cal\nlast_name: Test\nyear: 9\nform: 9Q\nmentor: mentor-a\n"
            "mentoring: {status: active, referred_on: 2026-09-10, started_on: 2026-09-14}\n" + extra)


def _site(on: bool) -> str:
    return (SITES / "tiny" / "site.yaml").read_text(encoding="utf-8") + (TINY_SITE_PAPERWORK if on else "")


def _check(root: Path) -> tuple[int, list[str]]:
    """What `mentorsite check` prints for the pupil files (the CLI prints exactly these formatted lines, exit 1)."""
    try:
        check(root)
    except InvalidInput as err:
        return 1, [d.format() for d in err.diagnostics if d.path.startswith("pupils/")]
    return 0, []


# --- switched on per school -----------------------------------------------------------------------------------

@pytest.mark.parametrize("field, switch, words, text", [
    ("report_cards", "report_cards", "P3 report cards", "report_cards:\n  - week_of: 2026-11-16\n"),
    ("slips", "slips", "P4 mentoring slips", "slips:\n  - {date: 2026-11-16, from: Mr X, kind: praise, text: Good work}\n"),
    ("surveys", "surveys", "P2 attitude surveys", "surveys:\n  before: {sent_on: 2026-09-20}\n"),
    ("big_writes", "big_write", "P5 Big Write", "big_writes:\n  - {date: 2026-11-02, title: A story}\n"),
], ids=["report-cards", "slips", "surveys", "big-write"])
def test_a_feature_the_school_does_not_run_is_an_unknown_field_with_a_hint(make_school: MakeSchool, field: str, switch: str,
                                                                          words: str, text: str) -> None:
    root = make_school({"pupils/cal.yaml": _pupil(text)})
    code, lines = _check(root)
    assert code == 1
    assert lines == [f"pupils/cal.yaml:7:1: unknown field '{field}' in a pupil record: this school does not run {words}; "
                     f"switch it on with 'scheme.paperwork.{switch}' in site.yaml, or remove the field [pupil.field.unknown]"]


def test_every_paperwork_field_validates_once_switched_on(make_school: MakeSchool) -> None:
    record = _pupil("""report_cards:
  - week_of: 2026-11-16
    targets: [Homework in on time]
    sessions: [{day: tuesday, time: "12:40", venue: Room 4}]
    days: [{date: 2026-11-16, checked_in: true, registration: present, lessons: [1, 2, 2]}]
    log: Staff-only log text
sessions:
  - {date: 2026-11-10, attended: false}
surveys:
  before:
    sent_on: 2026-09-20
    ratings: [{by: English, returned_on: 2026-09-25, scores: [3, 2, 4]}]
    reflection: I want to try harder.
agencies: [{name: School nurse}]
slips: [{date: 2026-11-16, from: Mr X, subject: maths, kind: concern, text: Missed homework, target: Hand it in}]
agreement: {sent_on: 2026-09-07}
reviews: [{date: 2026-11-02, summary: Going well, staff_notes: Staff only}]
predicted: {maths: "5"}
target_setting: {maths: {drafted_on: 2026-09-09, confirmed_by: head, confirmed_on: 2026-09-20}}
criteria: {}
big_writes: [{date: 2026-10-02, title: A story, marks: {Paragraphs: green}}]
file_records: {awards: [{date: 2026-10-01, what: Star of the week}], iep_on: 2026-09-20}
exit_plan: {criteria: [Homework on time], agreed_with: [pupil, parents], route: refer on, referred_to: Youth service}
""")
    root = make_school({"site.yaml": _site(True), "pupils/cal.yaml": record})
    checked = check(root)
    assert checked.pupils["cal"].report_cards[0].log == "Staff-only log text"


@pytest.mark.parametrize("text, expected", [
    ("report_cards:\n  - week_of: 2026-11-17\n",
     "pupils/cal.yaml:8:14: report_cards[1].week_of: 2026-11-17 is a Tuesday; give the Monday the week starts on [pupil.card.week]"),
    ("slips:\n  - {date: 2026-11-16, from: Mr X, subject: mathz, kind: praise, text: Good}\n",
     "pupils/cal.yaml:8:45: slips[1].subject: 'mathz' is not a subject in site.yaml; expected 'maths' or 'english'; did you mean 'maths'? [pupil.ref.subject]"),
    ("sessions:\n  - {date: 2026-11-10, attended: true, followed_up: 2026-11-11}\n",
     "pupils/cal.yaml:8:53: sessions[1].followed_up: the pupil attended, so there is no absence to follow up [pupil.session.follow_up]"),
    ("predicted: {maths: \"11\"}\n",
     "pupils/cal.yaml:7:20: predicted.maths: '11' is not a grade on the GCSE 9–1 scale; expected '1', '2', '3', '4', '5', '6', '7', '8' or '9' [pupil.grade.off_scale]"),
    ("surveys:\n  before:\n    sent_on: 2026-09-20\n    ratings: [{by: English, returned_on: 2026-09-25, scores: [3, 2]}]\n",
     "pupils/cal.yaml:10:62: surveys.before.ratings[1].scores: 2 scores, expected one for each of the 3 statements in scheme.paperwork.surveys [pupil.survey.scores]"),
    ("exit_plan: {route: refer on}\n",
     "pupils/cal.yaml:7:20: exit_plan.route is 'refer on'; add referred_to: who the pupil was referred to [pupil.exit.referred_to]"),
    ("agreement: {sent_on: 2026-09-07, returned_on: 2026-09-01}\n",
     "pupils/cal.yaml:7:47: agreement.returned_on: 2026-09-01 is before it was sent on 2026-09-07 [pupil.dates.order]"),
    ("report_cards:\n  - {week_of: 2026-11-16, early_chek_in: true}\n",
     "pupils/cal.yaml:8:27: unknown field 'early_chek_in' in 'report_cards[1]'; did you mean 'early_check_in'? [pupil.field.unknown]"),
], ids=["card-not-monday", "slip-subject", "attended-followed-up", "predicted-off-scale", "survey-scores", "refer-on-where",
        "agreement-dates", "card-typo"])
def test_paperwork_problems_are_located(make_school: MakeSchool, text: str, expected: str) -> None:
    root = make_school({"site.yaml": _site(True), "pupils/cal.yaml": _pupil(text)})
    code, lines = _check(root)
    assert code == 1
    assert lines == [expected]


# --- the rules ---------------------------------------------------------------------------------------------------

def test_slips_waiting_count_unseen_and_the_oldest_sets_the_due_date() -> None:
    assert rules.oldest_waiting([(D(2026, 11, 2), D(2026, 11, 3)), (D(2026, 11, 9), None), (D(2026, 11, 5), None)], 5) == (2, D(2026, 11, 10))
    assert rules.oldest_waiting([(D(2026, 11, 2), D(2026, 11, 3))], 5) == (0, None)


def test_agreement_is_owed_only_in_its_years_until_returned() -> None:
    start = D(2026, 9, 2)
    assert rules.agreement_due(True, D(2026, 9, 7), None, 14, start) == D(2026, 9, 21)
    assert rules.agreement_due(True, None, None, 14, start) == D(2026, 9, 16)
    assert rules.agreement_due(True, D(2026, 9, 7), D(2026, 9, 10), 14, start) is None
    assert rules.agreement_due(False, None, None, 14, start) is None


def test_missed_sessions_need_follow_up_and_a_run_escalates() -> None:
    today = D(2026, 11, 16)
    sessions = [(D(2026, 11, 3), False, None), (D(2026, 11, 5), False, D(2026, 11, 6)), (D(2026, 11, 10), True, None),
                (D(2026, 11, 20), False, None)]
    assert rules.missed_not_followed(sessions, 2, today) == [D(2026, 11, 5)]  # the 20th has not happened yet
    assert rules.missed_in_a_row([(D(2026, 11, 3), False, False), (D(2026, 11, 5), False, False), (D(2026, 11, 10), False, False)]) == 3
    assert rules.missed_in_a_row([(D(2026, 11, 3), False, False), (D(2026, 11, 5), False, True), (D(2026, 11, 10), False, False)]) == 1
    assert rules.missed_in_a_row([(D(2026, 11, 3), False, False), (D(2026, 11, 10), True, False)]) == 0


def test_survey_owed_until_every_rating_is_back() -> None:
    assert rules.survey_due(D(2026, 9, 14), None, [], 14) == D(2026, 9, 28)
    assert rules.survey_due(D(2026, 9, 14), D(2026, 9, 15), [D(2026, 9, 20), None], 14) == D(2026, 9, 29)
    assert rules.survey_due(D(2026, 9, 14), D(2026, 9, 15), [D(2026, 9, 20)], 14) is None
    assert rules.survey_due(None, None, [], 14) is None


def test_big_write_is_due_a_month_after_the_last() -> None:
    assert rules.big_write_due([D(2026, 10, 9), D(2026, 9, 10)], D(2026, 9, 1), 31) == D(2026, 11, 9)
    assert rules.big_write_due([], D(2026, 10, 1), 31) == D(2026, 11, 1)


def test_targets_unagreed_only_after_the_first_assessment_point() -> None:
    end = D(2026, 10, 23)
    assert rules.target_unagreed(None, end, D(2026, 10, 23)) is None
    assert rules.target_unagreed(None, end, D(2026, 10, 24)) == end
    assert rules.target_unagreed(D(2026, 10, 30), end, D(2026, 11, 20)) is None


def test_closing_call_and_survey_change_and_self_assessment() -> None:
    assert rules.closing_call_due(D(2026, 10, 23), None) == D(2026, 10, 30)
    assert rules.closing_call_due(D(2026, 10, 23), D(2026, 10, 24)) is None
    assert rules.survey_change([[2, 3], [4, 3]], [[4, 4]]) == [(3.0, 4.0), (3.0, 4.0)]
    assert rules.survey_change([[2, 3]], []) == [(2.0, None), (3.0, None)]
    assert [rules.self_assessment_differs(e, o) for e, o in [("/", "X"), ("X", "."), (".", "."), (None, "X")]] == ["higher", "lower", "same", None]


def test_due_paperwork_lists_tuples_with_stable_codes(make_school: MakeSchool) -> None:
    """The shape `mentorsite actions` consumes: (pupil id, code, due date, text), sorted by due date."""
    record = _pupil("slips: [{date: 2026-11-16, from: Mr X, kind: concern, text: Missed homework}]\n"
                    "sessions: [{date: 2026-11-10, attended: false}]\n")
    checked = check(make_school({"site.yaml": _site(True), "pupils/cal.yaml": record}))
    rows = due_paperwork(checked.site, {"cal": checked.pupils["cal"]}, D(2026, 11, 20))
    codes = [(pid, code, due) for pid, code, due, _text in rows]
    assert codes == [("cal", "agreement.unsigned", D(2026, 9, 17)), ("cal", "survey.missing", D(2026, 9, 28)),
                     ("cal", "bigwrite.missing", D(2026, 10, 15)), ("cal", "session.missed", D(2026, 11, 12)),
                     ("cal", "slip.waiting", D(2026, 11, 21))]
    assert {code for _pid, code, _due, _text in rows} <= set(rules.CODES)


# --- P1: group mentoring plans (site.yaml, staff only) ------------------------------------------------------------

GROUP_PLAN = """    group_plans:
      - id: writing
        name: Writing group
        mentor: {mentor}
        members: [ada, {member}, bex, ada]
        targets: [Plan before writing]
        sessions:
          - {{date: 2026-11-03, what: Planning, absent: [{absent}]}}
"""


def test_group_plans_validate_members_mentor_and_absences_located(make_school: MakeSchool) -> None:
    """P1: members must be pupils (once each), the mentor a member of staff, an absentee a member; each error at its line."""
    site = _site(True) + GROUP_PLAN.format(mentor="nobody", member="zed", absent="cal")
    root = make_school({"site.yaml": site})
    with pytest.raises(InvalidInput) as err:
        check(root)
    lines = [d.format() for d in err.value.diagnostics]
    text = site.splitlines()
    base = len(text) - len(GROUP_PLAN.splitlines())

    def at(line: int, token: str, nth: int = 1) -> str:
        """'site.yaml:L:C' of the nth `token` on the plan's line `line` (1 = '- id: writing')."""
        col = -1
        for _ in range(nth):
            col = text[base + line].index(token, col + 1)
        return f"site.yaml:{base + line + 1}:{col + 1}"

    assert lines == [
        f"{at(3, 'nobody')}: scheme.paperwork.group_plans[1].mentor: 'nobody' is not on the staff list in site.yaml; "
        "expected 'mentor-a', 'mentor-b' or 'head' [site.group.mentor]",
        f"{at(4, 'zed')}: scheme.paperwork.group_plans[1].members[2]: 'zed' is not a pupil (no pupils/zed.yaml) "
        "[site.group.member]",
        f"{at(4, 'ada', 2)}: scheme.paperwork.group_plans[1].members[4]: 'ada' is listed twice [site.group.member]",
        f"{at(7, 'cal')}: scheme.paperwork.group_plans[1].sessions[1].absent[1]: 'cal' is not a member of the group "
        "[site.group.absent]",
    ]
    ok = _site(True) + GROUP_PLAN.format(mentor="mentor-a", member="cal", absent="cal").replace(", ada]", "]")
    (root / "site.yaml").write_text(ok, encoding="utf-8")
    assert check(root).site.scheme.paperwork.group_plans[0].members == ["ada", "cal", "bex"]


# --- P2: the annual programme evaluation (staff analysis, aggregate only) -------------------------------------------

def _surveyed(before: str, after: str) -> str:
    return _pupil(f"""surveys:
  before:
    sent_on: 2026-09-08
    ratings: [{{by: English, returned_on: 2026-09-14, scores: {before}}}]
  after:
    sent_on: 2026-11-09
    ratings: [{{by: English, returned_on: 2026-11-12, scores: {after}}}]
""")


@pytest.mark.parametrize("suppress_below, before_only, shown", [(5, False, True), (7, False, False), (5, True, False)],
                         ids=["shown", "under-threshold", "difference-of-one"])
def test_programme_evaluation_counts_pupils_through_the_disclosure_rule(make_school: MakeSchool, suppress_below: int,
                                                                        before_only: bool, shown: bool) -> None:
    """P2: returned surveys counted in pupils and the average change shown only when the count passes rules.disclosure."""
    from generator.build import derive
    from generator.judge.evaluation import programme_evaluation

    files: dict[str, str | None] = {"site.yaml": _site(True) + f"disclosure: {{suppress_below: {suppress_below}}}\n"}
    files |= {f"pupils/s{i}.yaml": _surveyed("[2, 2, 3]", "[3, 4, 3]") for i in range(1, 6)}
    files["pupils/s6.yaml"] = _surveyed("[1, 2, 3]", "[3, 4, 3]")
    files |= {f"pupils/n{i}.yaml": _pupil("") for i in range(1, 3)}  # five pupils without surveys with ada, bex, cal
    if before_only:  # one pupil more with only the "before" back: 7 − 6 would single them out
        files["pupils/s7.yaml"] = _pupil("surveys:\n  before:\n    sent_on: 2026-09-08\n"
                                         "    ratings: [{by: English, returned_on: 2026-09-14, scores: [1, 1, 1]}]\n")
    root = make_school(files)
    ev = programme_evaluation(derive(root, check(root), D(2026, 11, 20)))
    assert ev is not None
    if shown:
        assert (ev.before_returned, ev.both_returned) == (6, 6)
        assert [(s.before, s.after, s.change) for s in ev.statements] == [(1.8, 3.0, 1.2), (2.0, 4.0, 2.0), (3.0, 3.0, 0.0)]
        assert ev.overall_change == 1.1
    elif before_only:  # "before" is shown (7), so "both" (6) is withheld, and every average with it
        assert (ev.before_returned, ev.both_returned, ev.statements, ev.overall_change) == (7, None, (), None)
    else:  # six pupils are fewer than seven: neither count nor any average over them
        assert (ev.before_returned, ev.both_returned, ev.statements, ev.overall_change) == (None, None, (), None)
