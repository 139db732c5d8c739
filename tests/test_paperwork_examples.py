"""Acceptance for issue 14: each policy example school builds once, and every paperwork document (text read from the PDF with pypdf) and every paperwork action is where its README says.

The README of each `examples/pN-*` names these tests, row by row, beside the
policy paragraph each one shows.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from support import REPO, pdf_text

Built = Callable[[str], Path]


@pytest.fixture
def built(built_example: Built) -> Built:
    """Each example's output folder, built once per session (conftest.built_example, shared with test_examples.py)."""
    return built_example


def _actions(out: Path) -> set[tuple[str, str]]:
    """(code, pupil id) of every action on the staff dashboard."""
    page = (out / "staff" / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<li class="action-([a-z_-]+)"[^>]*>\s*<span class="who"><a href="pupils/([a-z0-9-]+)/', page)
    return {(code, pid) for code, pid in rows}


def _flat(text: str) -> str:
    """PDF text with line breaks folded, so a phrase that wrapped still matches."""
    return " ".join(text.split())


def _read(path: Path) -> str:
    """A built PDF's text (pypdf), or an HTML page's text with the tags taken out, folded to single spaces."""
    if path.suffix == ".pdf":
        return _flat(pdf_text(path))
    return _flat(html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))))


DOCUMENTS = [
    # (example, output path, phrases it must hold, phrases it must not hold)
    ("p1-assessment-points", "families/p06/key-dates.pdf",
     ["Key dates for Year 11", "Year 11 mock exams begin", "Coursework deadline", "Humanities coursework: first draft due", "ARR 3: grades recorded"], []),
    ("p1-assessment-points", "families/p01/key-dates.pdf", ["Key dates for Year 7", "ARR 1: grades recorded"],
     ["mock exams", "Coursework deadline"]),
    ("p1-assessment-points", "staff/pupils/p06/mentoring-file.pdf",
     ["Target setting", "confirmed", "agreed with the pupil", "KS2 scaled scores", "CAT scores", "FFT", "ARR 1 (October)"], []),
    ("p2-learning-mentors", "staff/pupils/w10/survey.pdf",
     ["Attitude survey: before and after", "Hands homework in complete and on time 2.0 4.0 +2.0",
      "Before: I leave everything to the last minute", "After: I plan my week now", "teacher's form"], []),
    ("p2-learning-mentors", "staff/pupils/w05/survey.pdf", ["Science", "NOT RETURNED"], []),
    ("p2-learning-mentors", "families/w06/reviews/2026-10-08.pdf",
     ["Mentoring review", "Grace has settled into mentoring", "Use the maths homework club", "19 November 2026"],
     ["older sibling", "Staff notes"]),
    ("p2-learning-mentors", "staff/pupils/w11/mentoring-file.pdf",
     ["Other agencies involved", "Youth support service", "Route: refer on", "youth support service", "Closing call home"], []),
    ("p3-report-cards", "families/r05/report-cards/2026-11-09.pdf",
     ["Report card: week of 9 November 2026", "at 08:30 every morning", "In school by 8:30 every day", "Student support office",
      "11 Nov ✗ missed Late 3 2 2 2 2 Text home about the late arrival", "Lesson marks"],
     ["Keep the 8:30 check-in for another week"]),
    ("p3-report-cards", "families/r04/report-cards/2026-11-16.pdf", ["at 08:45 every morning", "Give Jake a reading log"],
     ["Both homework targets met"]),
    ("p3-report-cards", "families/r04/reviews/2026-11-16.pdf", ["A good week for Jake", "23 November 2026"], []),
    ("p3-report-cards", "staff/pupils/r04/mentoring-file.pdf",
     ["Report cards and the weekly log", "Both homework targets met; one late mark on Thursday"], []),
    ("p3-report-cards", "staff/pupils/r10/mentoring-file.pdf", ["5 → 3 → 1", "Closing call home: 13 November 2026"], []),
    ("p4-tracking", "families/t07/agreement.pdf",
     ["Agreement for Examination Success", "The school will", "The family will", "Ruby will", "Meet every coursework deadline",
      "please return the signed copy"], []),
    ("p4-tracking", "staff/pupils/t03/slips.pdf",
     ["Mentoring slip: concern", "from Mr P. Naidoo (Mathematics)", "Target: Hand in this week's homework by Friday",
      "Waiting for the mentor"], []),
    ("p4-tracking", "staff/pupils/t04/mentoring-file.pdf", ["Target, current and predicted grades", "Predicted", "Mentoring slips"], []),
    ("p4-tracking", "staff/pupils/t03/mentoring-file.pdf", ["Intervention work", "run by English department (Mrs J. Beckwith)"], []),
    ("p4-tracking", "staff/pupils/t08/mentoring-file.pdf", ["Session register", "Science revision", "NOT FOLLOWED UP", "Dental appointment"], []),
    ("p4-tracking", "families/t04/reviews/2026-11-04.pdf", ["the target has been raised", "4 December 2026"], ["top set"]),
    ("p5-assertive", "families/h01/criteria.pdf",
     ["My criteria and self-assessment", "Stage 2 developing, 14 crosses (3 more to securing)",
      "M2.18 I can order fractions with different denominators / / agrees", "I rated higher",
      "Next targets: I can check an answer using the inverse operation", "My targets (I write these myself)"], []),
    ("p5-assertive", "families/h01/profile.pdf",
     ["I can order fractions with different denominators", "Progress against targets", "Attendance and attitude", "Excellent or very good",
      "below target (red)"], ["M2.18"]),
    ("p5-assertive", "families/h01/my-mentoring-file.pdf",
     ["My mentoring file", "Maths basic skills", "of 15 at Level 2", "Big Write", "Interesting openings", "Spelling", "17/20",
      "Grammar work", "Maths basic skills certificate, Level 1", "Hand homework in on the day it is due"],
     ["Counted crosses together", "Entry test in maths", "IEP", "Risk assessment", "Head of Mathematics"]),
    ("p5-assertive", "staff/pupils/h01/mentoring-file.pdf",
     ["Awards, records, IEP and risk assessment", "IEP (restricted)", "Risk assessment", "Big Write", "Criteria and performance",
      "Basic skills: the last tests", "St 2 developing"], []),
    ("p1-assessment-points", "staff/groups/longer-answers.pdf",
     ["Group mentoring plan: Longer written answers group", "Mentor: Mrs G. Penhale", "3 members", "Leila Farrant 9 9F",
      "Priya Jessop 8 8J", "Harvey Dunmore 10 10D", "Plan a six-mark answer in five minutes before writing it",
      "Model a plan together, then plan alone and compare", "absent: Harvey Dunmore", "staff only"], []),
    ("p1-assessment-points", "staff/pupils/p04/mentoring-file.pdf",
     ["Group mentoring", "Longer written answers group · run by Mrs G. Penhale · with Leila Farrant, Priya Jessop, Harvey Dunmore",
      "Evidence in every paragraph (absent)"], []),
    ("p1-assessment-points", "staff/pupils/p09/index.html", ["Group mentoring plan: Longer written answers group"], []),
    ("p2-learning-mentors", "staff/analysis/index.html",
     ["Programme evaluation: attitude surveys before and after", '"Before" surveys returned 7 pupils',
      "Before and after both returned fewer than 5 pupils (not shown)", "No averages are shown"], ["Average change over every statement"]),
    # what the examples showed before issue 14, so each README row names a test
    ("p1-assessment-points", "families/p05/profile.pdf", ["ARR 1 (October)", "ARR 2 (November)", "Progress against targets"], []),
    ("p1-assessment-points", "families/p06/action-plan.pdf", ["Maths revision session on Tuesdays", "Coursework and exam dates"], []),
    ("p1-assessment-points", "staff/pupils/p05/mentoring-file.pdf", ["Group", "Small-group session on planning longer written answers"], []),
    ("p1-assessment-points", "governors/policies/assessment-points-and-mentoring.pdf", ["Review cycle 1 year", "Next review 7 July 2027"], []),
    ("p2-learning-mentors", "staff/register/register-year-10.pdf", ["Mentoring register: Year 10", "Referred by", "Reasons", "Head of Science, through his line manager"], []),
    ("p2-learning-mentors", "staff/pupils/w05/mentoring-file.pdf", ["Background (restricted: staff only)", "KS2 scaled scores"], []),
    ("p2-learning-mentors", "families/w05/action-plan.pdf", ["Individual action plan", "How we will help"], []),
    ("p2-learning-mentors", "staff/pupils/w10/mentoring-file.pdf", ["Route: reduced monitoring", "Closing call home: 16 November 2026"], []),
    ("p2-learning-mentors", "governors/outcomes/index.html", ["Mentoring programme outcomes", "fewer than 5"], ["Bethany", "Coutts"]),
    ("p3-report-cards", "families/r04/letters/start-of-mentoring.pdf", ["Going on a mentoring report card", "brings the card to me before registration",
      "We are doing this to help Jake get his homework in on time and to help him settle in science lessons."],
     ["Homework missing in every subject", "detentions"]),
    ("p3-report-cards", "families/r10/letters/end-of-mentoring.pdf", ["Coming off report", "reduced step by step"], []),
    ("p3-report-cards", "staff/pupils/r07/mentoring-file.pdf", ["Contact with home", "no answer", "Session register", "NOT FOLLOWED UP"], []),
    ("p4-tracking", "staff/analysis/index.html", ["Cohort and group analysis", "By group", "Fewer than 5 pupils: not shown"], []),
    ("p4-tracking", "governors/policies/tracking-and-mentoring.pdf", ["Review cycle 2 years", "Full governing body"], []),
    ("p5-assertive", "staff/progress/progress-meeting-year-8.pdf", ["Progress meeting: Year 8", "Needs support: below target or behind the expected pace"], []),
]


@pytest.mark.parametrize("example, dest, present, absent", DOCUMENTS,
                         ids=[f"{e[0][:2]}-{e[1].replace('/', '-').removesuffix('.pdf').removesuffix('.html')}" for e in DOCUMENTS])
def test_document(built: Built, example: str, dest: str, present: list[str], absent: list[str]) -> None:
    text = _read(built(example) / dest)
    assert [p for p in present if p not in text] == []
    assert [a for a in absent if a in text] == []


ACTIONS = [
    # (example, code, pupils it must be listed for, pupils it must not be listed for)
    ("p1-assessment-points", "target-unagreed", {"p06", "p07"}, {"p05"}),
    ("p2-learning-mentors", "survey-missing", {"w05", "w11"}, {"w06", "w10"}),
    ("p3-report-cards", "session-missed", {"r07"}, {"r05", "r04"}),
    ("p3-report-cards", "session-escalate", {"r07"}, {"r05"}),
    ("p3-report-cards", "exit-call", {"r11"}, {"r10"}),
    ("p4-tracking", "slip-waiting", {"t03"}, {"t04"}),
    ("p4-tracking", "agreement-unsigned", {"t07"}, {"t01", "t08", "t09"}),
    ("p4-tracking", "session-missed", {"t08"}, set()),
    ("p5-assertive", "bigwrite-missing", {"h10"}, {"h01", "h04", "h08"}),
]


@pytest.mark.parametrize("example, code, listed, not_listed", ACTIONS, ids=[f"{a[0][:2]}-{a[1]}" for a in ACTIONS])
def test_action(built: Built, example: str, code: str, listed: set[str], not_listed: set[str]) -> None:
    found = {pid for c, pid in _actions(built(example)) if c == code}
    assert listed <= found, f"{code} missing for {listed - found}"
    assert not (not_listed & found), f"{code} wrongly listed for {not_listed & found}"


def test_p3_report_card_is_one_a4_page_a_week(built: Built) -> None:
    from pypdf import PdfReader

    cards = sorted((built("p3-report-cards") / "families").glob("*/report-cards/*.pdf"))
    assert len(cards) == 3
    for card in cards:
        pages = PdfReader(card).pages
        assert len(pages) == 1, card
        width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
        assert (round(width), round(height)) == (595, 842)  # A4 portrait in points


def test_a_school_without_the_paperwork_gets_none_of_its_documents(built: Built) -> None:
    """P4 runs no report cards and P3 no agreements: the documents follow the scheme, not the code."""
    assert not list((built("p4-tracking") / "families").glob("*/report-cards"))
    assert not list((built("p3-report-cards") / "families").glob("*/agreement.pdf"))
    assert not list((built("p1-assessment-points") / "families").glob("*/my-mentoring-file.pdf"))
    assert not (built("p5-assertive") / "families" / "h08" / "my-mentoring-file.pdf").exists()  # tracked, not mentored


EXAMPLES = ("p1-assessment-points", "p2-learning-mentors", "p3-report-cards", "p4-tracking", "p5-assertive")


@pytest.mark.parametrize("example", EXAMPLES)
def test_readme_table_covers_every_policy_heading_and_names_real_tests(example: str) -> None:
    """Each example README maps every section of its policy to a row, and every row names a test that exists."""
    root = REPO / "examples" / example
    readme = (root / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| ") and not line.startswith("| ---")][1:]
    assert rows, "no policy table"
    policy = next((root / "content" / "policies").glob("*.md")).read_text(encoding="utf-8")
    headings = [h.strip() for h in re.findall(r"^# (.+)$", policy, flags=re.M)]
    first_cells = [row.split("|")[1].strip().casefold() for row in rows]
    assert [h for h in headings if not any(cell.startswith(h.casefold()) for cell in first_cells)] == []
    doc_ids = {f"{e[0][:2]}-{e[1].replace('/', '-').removesuffix('.pdf').removesuffix('.html')}" for e in DOCUMENTS}
    action_ids = {f"{a[0][:2]}-{a[1]}" for a in ACTIONS}
    for row in rows:
        shown_by = row.rstrip(" |").rsplit("|", 1)[-1]
        cited = re.findall(r"\b([DAE])\[([^\]]+)\]", shown_by) + [("T", t) for t in re.findall(r"tests/\S+?::(\w+)", shown_by)]
        cited += [("C", "")] if re.search(r"`C`", shown_by) else []
        assert cited, f"row names no test: {row}"
        for kind, name in cited:
            if kind == "D":
                assert name in doc_ids, name
            elif kind == "A":
                assert name in action_ids, name
            elif kind == "E":
                assert name in EXAMPLES, name
            elif kind == "T":
                files = " ".join(p.read_text(encoding="utf-8") for p in (REPO / "tests").glob("test_*.py"))
                assert f"def {name}(" in files, name


def test_p5_profile_colours_every_half_term_with_a_symbol(built: Built) -> None:
    """P5: six half-term columns, each grade judged against the target (▲ ● ▼ and green/yellow/red), not only the latest."""
    import datetime as dt

    from generator.build import check, derive
    from generator.views.family import family_profile

    text = _read(built("p5-assertive") / "families" / "h01" / "profile.pdf")
    assert "Subject Target Autumn 1 Autumn 2 Spring 1 Spring 2 Summer 1 Summer 2" in text
    # h01 has grades in Autumn 1 and Autumn 2: maths below target in both, English and science on target in both
    assert "Mathematics St 3 ready ▼ St 2 emerging ▼ St 2 developing – – – –" in text
    assert "English St 3 emerging ● St 3 emerging ● St 3 emerging – – – –" in text
    assert "Science 3C ● 3C ● 3C – – – –" in text

    root = REPO / "examples" / "p5-assertive"
    school = derive(root, check(root), dt.date(2026, 11, 20))
    profile = family_profile(school, next(p for p in school.pupils if p.id == "h01"))
    maths = next(s for s in profile.subjects if s.subject == "Mathematics")
    assert [(c.grade, c.standing, c.colour) for c in maths.cells[:3]] == [
        ("St 2 emerging", "below", "red"), ("St 2 developing", "below", "red"), (None, None, None)]
    assert len(profile.terms) == 6 and all(len(s.cells) == 6 for s in profile.subjects)


def test_p1_group_plan_is_staff_only(built: Built) -> None:
    """P1: the group plan names its members to each other, so no families' or governors' output holds any of it."""
    out = built("p1-assessment-points")
    assert (out / "staff" / "groups" / "longer-answers.pdf").is_file()
    page = (out / "staff" / "pupils" / "p05" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../groups/longer-answers.pdf"' in page
    assert 'href="../../groups/' not in (out / "staff" / "pupils" / "p06" / "index.html").read_text(encoding="utf-8")  # not a member
    public = [p for folder in ("families", "governors") for p in (out / folder).rglob("*") if p.suffix in (".pdf", ".html")]
    assert public
    secrets = ("Longer written answers", "Plan a six-mark answer", "Model a plan together", "Evidence in every paragraph")
    assert [(p.name, s) for p in public for s in secrets if s in _read(p)] == []
    assert not list((out / "families").rglob("*group*"))
