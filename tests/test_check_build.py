"""check ≡ build: every value `check` accepts is one `build` can render, and `sample` never writes over a school.

Each case here was once accepted by `check` and then crashed `build` with
exit 3 and no location (issue 10); now `check` refuses it with one located
line, or the build renders it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from support import SITES, run_cli

from generator.build import check
from generator.sources.diagnostics import InvalidInput

TINY = SITES / "tiny"
ADA = (TINY / "pupils" / "ada.yaml").read_text(encoding="utf-8")
SITE = (TINY / "site.yaml").read_text(encoding="utf-8")
POLICY = (TINY / "content" / "policies" / "mentoring.md").read_text(encoding="utf-8")
NO_PLANNED_REVIEW = ADA.replace("  next_review: 2026-11-30\n", "")

# (id, {file: text}, the exact line check gives)
REFUSED = [
    ("started-on-year-9999", {"pupils/ada.yaml": NO_PLANNED_REVIEW.replace("started_on: 2026-09-17", "started_on: 9999-12-31")},
     "pupils/ada.yaml:21:15: mentoring.started_on: expected a date from 1990-01-01 to 2100-12-31, got '9999-12-31' [pupil.value.range]"),
    ("meeting-in-year-1", {"pupils/ada.yaml": ADA.replace("  - date: 2026-09-24", "  - date: 0001-01-01")},
     "pupils/ada.yaml:39:11: meetings[1].date: expected a date from 1990-01-01 to 2100-12-31, got '0001-01-01' [pupil.value.range]"),
    ("weekly-log-written-in-year-9999", {"pupils/ada.yaml": ADA + "weekly_logs:\n  - {week_of: 2026-11-09, written_on: 9999-12-31 23:59:00}\n"},
     "pupils/ada.yaml:55:39: weekly_logs[1].written_on: expected a date from 1990-01-01 to 2100-12-31, got '9999-12-31 23:59:00' [pupil.value.range]"),
    ("half-term-in-year-9999", {"site.yaml": SITE.replace("start: 2027-01-05, end: 2027-02-12", "start: 2027-01-05, end: 9999-02-12")},
     "site.yaml:8:55: half_terms[3].end: expected a date from 1990-01-01 to 2100-12-31, got '9999-02-12' [site.value.range]"),
    ("policy-review-in-year-9999", {"content/policies/mentoring.md": POLICY.replace("next_review: 2027-05-01", "next_review: 9999-05-01")},
     "content/policies/mentoring.md:6:14: next_review: expected a date from 1990-01-01 to 2100-12-31, got '9999-05-01' [policy.value.range]"),
    ("meet-every-999999999-days", {"site.yaml": SITE + "scheme:\n  meet_every_days: 999999999\n"},
     "site.yaml:21:20: scheme.meet_every_days: expected at most 366, got '999999999' [site.value.range]"),
    ("review-every-999999999-days", {"site.yaml": SITE + "scheme:\n  review_every_days: 999999999\n"},
     "site.yaml:21:22: scheme.review_every_days: expected at most 366, got '999999999' [site.value.range]"),
    ("expected-steps-infinite", {"site.yaml": SITE + "scheme:\n  expected_steps_per_year: .inf\n"},
     "site.yaml:21:28: scheme.expected_steps_per_year: expected a finite number such as 94.5, got 'inf' [site.value.float]"),
    ("expected-steps-not-a-number", {"site.yaml": SITE + "scheme:\n  expected_steps_per_year: .nan\n"},
     "site.yaml:21:28: scheme.expected_steps_per_year: expected a finite number such as 94.5, got 'nan' [site.value.float]"),
    ("expected-steps-huge", {"site.yaml": SITE + "scheme:\n  expected_steps_per_year: 1e300\n"},
     "site.yaml:21:28: scheme.expected_steps_per_year: expected at most 100, got '1e300' [site.value.range]"),
    ("scale-points-infinite", {"site.yaml": SITE.replace('grades: ["1", "2",', 'grades: [{grade: "1", points: -.inf}, "2",')},
     "site.yaml:16:35: scales.gcse.grades[1].points: expected a finite number such as 94.5, got '-inf' [site.value.float]"),
    ("review-cycle-superscript-two", {"content/policies/mentoring.md": POLICY.replace("next_review: 2027-05-01", 'review_cycle: "² years"')},
     ("content/policies/mentoring.md:6:15: review_cycle: '² years' is not a review cycle mentorsite can read; "
      "expected a whole number of years or months such as '2 years' or '18 months', or 'annually' [policy.value.cycle]")),
    ("review-cycle-in-words-it-cannot-read", {"content/policies/mentoring.md": POLICY.replace("next_review: 2027-05-01", "review_cycle: as required")},
     ("content/policies/mentoring.md:6:15: review_cycle: 'as required' is not a review cycle mentorsite can read; "
      "expected a whole number of years or months such as '2 years' or '18 months', or 'annually' [policy.value.cycle]")),
    ("review-cycle-a-century", {"content/policies/mentoring.md": POLICY.replace("next_review: 2027-05-01", "review_cycle: 100 years")},
     ("content/policies/mentoring.md:6:15: review_cycle: '100 years' is not a review cycle mentorsite can read; "
      "expected a whole number of years or months such as '2 years' or '18 months', or 'annually' [policy.value.cycle]")),
]


@pytest.mark.parametrize("files, expected", [(f, e) for _i, f, e in REFUSED], ids=[i for i, _f, _e in REFUSED])
def test_check_refuses_what_build_cannot_render_with_one_located_line(make_school: Callable[..., Path], files: dict[str, str],
                                                                       expected: str) -> None:
    root = make_school(files)
    with pytest.raises(InvalidInput) as caught:
        check(root)
    assert [d.format() for d in caught.value.diagnostics] == [expected]


@pytest.mark.parametrize("cycle, months", [
    ("2 years", 24), ("1 year", 12), ("18 months", 18), ("annually", 12), ("Annual", 12), ("yearly", 12),
    ("every 2 years", 24), ("2-year", 24), ("2-yearly", 24), ("two years", 24), ("3 years.", 36), ("1 year 6 months", 18),
    ("biennially", 24), ("10 years", 120), ("every year", 12), ("every other year", 24), ("2 year cycle", 24),
    ("² years", None), ("as required", None), ("0 years", None), ("11 years", None), ("2 years or so", None),
    ("3 years 6 months then 1 year", None), ("", None), ("years", None), ("٢ years", None), ("1000000000000 months", None),
])
def test_review_cycle_reads_only_what_it_understands(cycle: str, months: int | None) -> None:
    from generator.rules.schedule import cycle_months

    assert cycle_months(cycle) == months


def test_add_cycle_never_raises_on_what_it_cannot_read() -> None:
    import datetime as dt

    from generator.rules.schedule import add_cycle

    assert add_cycle(dt.date(2026, 5, 1), "² years") is None
    assert add_cycle(dt.date(2026, 8, 31), "18 months") == dt.date(2028, 2, 28)
    assert add_cycle(dt.date(2100, 12, 31), "10 years") == dt.date(2110, 12, 31)


# --- sample never writes over a school ----------------------------------------------------------------

def test_sample_refuses_a_folder_that_is_not_empty_and_leaves_it_alone(tiny: Path) -> None:
    before = {p.relative_to(tiny).as_posix(): p.read_bytes() for p in sorted(tiny.rglob("*")) if p.is_file()}
    (tiny / "site.yaml").write_text(SITE + "# an uncommitted edit\n", encoding="utf-8")
    before["site.yaml"] = (tiny / "site.yaml").read_bytes()
    result = run_cli("sample", "--pupils", "2", ".", cwd=tiny)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "mentorsite: . is not an empty folder; sample writes a new school only into an empty or new folder, so nothing was written"]
    after = {p.relative_to(tiny).as_posix(): p.read_bytes() for p in sorted(tiny.rglob("*")) if p.is_file()}
    assert after == before


def test_sample_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    result = run_cli("sample", "--pupils", "2", str(tmp_path / "notes.txt"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        (f"mentorsite: {tmp_path / 'notes.txt'} is not an empty folder; sample writes a new school only into an empty or new folder, "
         "so nothing was written")]
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("make", ["new", "empty"])
def test_sample_writes_into_a_new_or_empty_folder(tmp_path: Path, make: str) -> None:
    dest = tmp_path / "school"
    if make == "empty":
        dest.mkdir()
    result = run_cli("sample", "--pupils", "2", str(dest))
    assert result.returncode == 0, result.stderr
    assert (dest / "site.yaml").is_file() and len(list((dest / "pupils").glob("*.yaml"))) == 2


# --- notes that once crashed or stalled the build -------------------------------------------------------

def test_pathological_notes_build_with_exit_0(make_school: Callable[..., Path], tmp_path: Path) -> None:
    """2,000 '*' either side of a word ended the build with a RecursionError (exit 3); 20,000 '[' took three minutes."""
    stars = "*" * 2000 + "a" + "*" * 2000
    ada = ADA.replace("notes: CanaryNoteSigma talked about *fractions*.", f"notes: '{stars}'")
    ada = ada.replace("notes: CanaryContactKappa agreed to mentoring.", "notes: '" + "[" * 20000 + "'")
    root = make_school({"pupils/ada.yaml": ada})
    check(root)
    result = run_cli("build", "--root", str(root), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert (result.returncode, "Traceback" not in result.stderr) == (0, True), result.stderr[-2000:]
    page = (tmp_path / "out" / "staff" / "pupils" / "ada" / "index.html").read_text(encoding="utf-8")
    assert "[" * 20000 in page


# --- the as-of moment: the dates everything is judged at stay in the same range as the records -------------

@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01"])
def test_as_of_outside_the_judged_range_is_a_usage_error(tiny: Path, tmp_path: Path, as_of: str) -> None:
    result = run_cli("build", "--root", str(tiny), "--out", str(tmp_path / "out"), "--jobs", "1", "--as-of", as_of)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (f"argument --as-of: '{as_of}' is outside the dates mentorsite judges; expected a date from 1990-01-01 to 2100-12-31"
            in result.stderr)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("epoch", ["999999999999999", "999999999999", "99999999999", "4133980800"])
def test_source_date_epoch_outside_the_range_is_not_used(tiny: Path, monkeypatch: pytest.MonkeyPatch, epoch: str) -> None:
    """SOURCE_DATE_EPOCH in year 31,690,708 (or 2101) crashed every build; now the next source of the date is used."""
    import datetime as dt

    from generator.judge import clock

    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    assert clock.as_of(tiny, None, [dt.date(2026, 11, 12)]) == dt.datetime(2026, 11, 12)  # outside git: the newest input date
