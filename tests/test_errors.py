"""Bad input: each case gives one exact `path:line:column: message [code]` line, exit 1 and no traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from support import run_cli

from generator.build import check
from generator.sources.diagnostics import InvalidInput

CAL = (Path(__file__).parent / "sites" / "tiny" / "pupils" / "cal.yaml").read_text(encoding="utf-8")

# (id, file text for pupils/cal.yaml, the exact expected line)
PUPIL_CASES = [
    ("misspelt-top-level-key", CAL.replace("targets:", "targts:"),
     "pupils/cal.yaml:5:1: unknown field 'targts' in a pupil record; did you mean 'targets'? [pupil.field.unknown]"),
    ("impossible-date", CAL + "date_of_birth: 2013-02-30\n",
     "pupils/cal.yaml:8:16: '2013-02-30' is not a real date; expected YYYY-MM-DD, e.g. 2026-09-14 [value.date]"),
    ("date-in-british-order", CAL + "meetings:\n  - date: 14/09/2026\n",
     "pupils/cal.yaml:9:11: meetings[1].date: expected a real date written YYYY-MM-DD, e.g. 2026-09-14, got '14/09/2026' [pupil.value.date]"),
    ("grade-off-scale", CAL.replace('maths: "5"', 'maths: "10"'),
     "pupils/cal.yaml:7:16: assessments.au1.maths: '10' is not a grade on the GCSE 9–1 scale used for Mathematics; "
     "expected '1', '2', '3', '4', '5', '6', '7', '8' or '9' [pupil.grade.off_scale]"),
    ("duplicate-key", CAL + "year: 8\n",
     "pupils/cal.yaml:8:1: 'year' is written twice in the same block (first at line 3); keep one [yaml.duplicate_key]"),
    ("tab-indentation", CAL + "context:\n\tfsm: true\n",
     "pupils/cal.yaml:9:1: a tab character is used for indentation; YAML needs spaces (use two spaces per level) [yaml.syntax]"),
    ("unclosed-bracket", CAL + "form: [7F\n",
     "pupils/cal.yaml:9:1: YAML syntax error: did not find expected ',' or ']' [yaml.syntax]"),
    ("empty-file", "",
     "pupils/cal.yaml:1:1: file is empty; expected a mapping of fields such as 'first_name: …' [file.empty]"),
    ("alias", CAL + "baseline:\n  fft: &a {maths: \"4\"}\nextra: *a\n",
     "pupils/cal.yaml:9:8: anchors and aliases ('&name', '*name') are not allowed; write the value out in full [yaml.alias]"),
    ("wrong-type", CAL.replace("year: 7", "year: seven"),
     "pupils/cal.yaml:3:7: year: expected a whole number, got 'seven' [pupil.value.int]"),
    ("missing-required", CAL.replace("form: 7F\n", ""),
     "pupils/cal.yaml:1:1: missing required field 'form' in this pupil record; add a line 'form: …' [pupil.field.missing]"),
    ("unknown-subject", CAL.replace('targets: {maths: "4"}', 'targets: {math: "4"}'),
     "pupils/cal.yaml:5:11: targets.math: 'math' is not a subject in site.yaml; expected 'maths' or 'english'; "
     "did you mean 'maths'? [pupil.ref.subject]"),
    ("unknown-mentor", CAL + "mentor: mentor-x\n",
     "pupils/cal.yaml:8:9: mentor: 'mentor-x' is not a member of staff with the role mentor in site.yaml; "
     "expected 'mentor-a' or 'mentor-b'; did you mean 'mentor-b'? [pupil.ref.mentor]"),
    ("nested-unknown-key", CAL + "context:\n  fsn: true\n",
     "pupils/cal.yaml:9:3: unknown field 'fsn' in 'context'; did you mean 'sen'? [pupil.field.unknown]"),
    ("not-one-of", CAL + "gender: female\n",
     "pupils/cal.yaml:8:9: gender: expected 'F', 'M' or 'X', got 'female' [pupil.value.choice]"),
    ("block-instead-of-list", CAL + "meetings:\n  date: 2026-09-01\n",
     "pupils/cal.yaml:9:3: meetings: expected a list, one '- item' per line, got a block of fields [pupil.value.shape]"),
    ("unknown-dict-key", CAL + "baseline:\n  ks2: {readng: 100}\n",
     "pupils/cal.yaml:9:9: baseline.ks2.readng: unknown key; expected one of 'reading', 'maths' or 'gps'; "
     "did you mean 'reading'? [pupil.field.unknown]"),
    ("exited-without-date", CAL + "mentoring: {status: exited, referred_on: 2026-09-01}\n",
     "pupils/cal.yaml:8:21: mentoring.status is 'exited' but mentoring.exited_on is missing; add the date mentoring ended "
     "[pupil.mentoring.exited_on]"),
]


@pytest.mark.parametrize("text, expected", [(t, e) for _id, t, e in PUPIL_CASES], ids=[i for i, _t, _e in PUPIL_CASES])
def test_pupil_error_is_one_exact_located_line(make_school: Callable[..., Path], text: str, expected: str) -> None:
    root = make_school({"pupils/cal.yaml": text})
    with pytest.raises(InvalidInput) as caught:
        check(root)
    assert [d.format() for d in caught.value.diagnostics] == [expected]


def test_non_utf8_file_is_located(make_school: Callable[..., Path]) -> None:
    root = make_school({})
    (root / "pupils" / "cal.yaml").write_bytes(b"first_name: Cal\nlast_name: F\xe9nwright\n")
    with pytest.raises(InvalidInput) as caught:
        check(root)
    assert [d.format() for d in caught.value.diagnostics] == [
        "pupils/cal.yaml:2:13: byte 0xe9 is not UTF-8; save the file as UTF-8 text [file.encoding]"]


def test_every_problem_in_every_file_is_reported_at_once(make_school: Callable[..., Path]) -> None:
    root = make_school({
        "pupils/cal.yaml": CAL.replace("year: 7", "year: seven"),
        "pupils/bad-one.yaml": "first_name: X\nlast_name: Y\nyear: 8\nform: 8A\nmentor: nobody\n",
    })
    with pytest.raises(InvalidInput) as caught:
        check(root)
    assert [d.path for d in caught.value.diagnostics] == ["pupils/bad-one.yaml", "pupils/cal.yaml"]


SITE_CASES = [
    ("current-half-term-unknown", ("current_half_term: au2", "current_half_term: au3"),
     "site.yaml:4:20: current_half_term: 'au3' is not a half term id; expected 'au1', 'au2' or 'sp1'; did you mean 'au2'? [site.ref.half_term]"),
    ("subject-scale-unknown", ("scale: gcse}\n  - {id: english", "scale: gsce}\n  - {id: english"),
     "site.yaml:18:43: subjects[1].scale: 'gsce' is not a scale in 'scales'; expected 'gcse'; did you mean 'gcse'? [site.ref.scale]"),
]


@pytest.mark.parametrize("change, expected", [(c, e) for _i, c, e in SITE_CASES], ids=[i for i, _c, _e in SITE_CASES])
def test_site_error_is_located(make_school: Callable[..., Path], change: tuple[str, str], expected: str) -> None:
    site = (Path(__file__).parent / "sites" / "tiny" / "site.yaml").read_text(encoding="utf-8")
    assert change[0] in site
    root = make_school({"site.yaml": site.replace(*change)})
    with pytest.raises(InvalidInput) as caught:
        check(root)
    assert [d.format() for d in caught.value.diagnostics] == [expected]


def test_policy_without_front_matter_needs_a_title(make_school: Callable[..., Path]) -> None:
    root = make_school({"content/policies/pasted.md": "Just some text pasted in.\n"})
    with pytest.raises(InvalidInput) as caught:
        check(root)
    assert [d.format() for d in caught.value.diagnostics] == [
        "content/policies/pasted.md:1:1: missing required field 'title' in this policy front matter; add a line 'title: …' "
        "[policy.field.missing]"]


def test_policy_with_only_a_title_is_valid(make_school: Callable[..., Path]) -> None:
    root = make_school({"content/policies/pasted.md": "---\ntitle: Pasted\n---\nSome “curly” text · with ½ a tab\there.\n"})
    assert "pasted" in check(root).policies


@pytest.mark.parametrize("command", ["check", "build"])
def test_cli_reports_bad_input_with_exit_1_and_no_traceback(make_school: Callable[..., Path], tmp_path: Path, command: str) -> None:
    root = make_school({"pupils/cal.yaml": CAL.replace("targets:", "targts:")})
    args = [command, "--root", str(root)] + (["--out", str(tmp_path / "out")] if command == "build" else [])
    result = run_cli(*args)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "pupils/cal.yaml:5:1: unknown field 'targts' in a pupil record; did you mean 'targets'? [pupil.field.unknown]"
    assert lines[-1] == "mentorsite: 1 problem found; nothing was written"
    assert not (tmp_path / "out").exists()


def test_cli_usage_error_exits_2() -> None:
    result = run_cli("build", "--jobs", "zero")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
