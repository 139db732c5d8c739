"""`mentorsite import marksheet|ctf` and `new pupil`: converters that write pupil files, keep comments, locate every bad cell and write nothing on error.

Every export here is invented; the headings of the SIMS-shaped sheet are illustrative.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import yaml
from support import run_cli

from generator.commands.importing import (
    import_ctf,
    import_marksheet,
    new_pupil,
    next_pupil_id,
)
from generator.sources.diagnostics import InvalidInput
from generator.sources.identifiers import make_upn

ADA, BEX, CAL = "G93887766554Q", "Q20123344556R", make_upn("821000000777")

COMMENTED_CAL = f"""# Calloway's file. A mentor wrote these notes; an import must keep them.
first_name: Calloway
last_name: 'Fenwright'        # single quotes, on purpose
year: 7
form: 7F
upn: {CAL}
admission_number: "004512"

# Targets were agreed with Calloway in September.
targets: {{maths: "4"}}

# Grades each half term.
assessments:
  au1:
    maths: "5"    # a good start

# Attitude: attendance as a percentage.
attitude:
  au1:
    attendance: 97.0
"""


@pytest.fixture
def school(make_school) -> Path:  # type: ignore[no-untyped-def]
    return make_school({"pupils/cal.yaml": COMMENTED_CAL})


def _files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "pupils").glob("*"))}


def _errors(caught: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [d.format() for d in caught.value.diagnostics]


def test_csv_with_bom_and_windows_line_endings_imports_keeping_comments(school: Path) -> None:
    sheet = school / "marks.csv"
    sheet.write_bytes("\ufeffUPN,Name,Mathematics,English,Attendance,Effort\r\n"
                      f"{ADA},Adaeze,5,6,95.5%,amber\r\n{CAL},Calloway,6,,96,Good\r\n".encode())
    before = (school / "pupils" / "cal.yaml").read_text(encoding="utf-8")
    outcome = import_marksheet(school, sheet, "sp1")
    after = (school / "pupils" / "cal.yaml").read_text(encoding="utf-8")
    assert outcome.values == 7
    assert outcome.notes == ["1 pupil not in marks.csv, left unchanged: bex"]
    # only new lines: every line of the old file is still there, in order, comments and quoting included
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == ["  sp1:", '    maths: "6"', "  sp1:", "    attendance: 96.0", "    effort: green"]
    assert before.splitlines() == [line for line in after.splitlines() if line not in added]
    assert after.index("  sp1:\n    maths") < after.index("# Attitude: attendance") < after.index("    effort: green")
    record = yaml.safe_load(after)
    assert record["assessments"]["sp1"] == {"maths": "6"} and record["attitude"]["sp1"] == {"attendance": 96.0, "effort": "green"}
    ada = yaml.safe_load((school / "pupils" / "ada.yaml").read_text(encoding="utf-8"))
    assert ada["assessments"]["sp1"] == {"maths": "5", "english": "6"} and ada["attitude"]["sp1"]["effort"] == "yellow"


def test_reimporting_the_same_file_changes_nothing(school: Path) -> None:
    sheet = school / "marks.csv"
    sheet.write_text(f"UPN,Mathematics,English\n{ADA},5,6\n{BEX},7,7\n", encoding="utf-8")
    import_marksheet(school, sheet, "sp1")
    first = _files(school)
    again = import_marksheet(school, sheet, "sp1")
    assert again.changes == [] and again.values == 0
    assert _files(school) == first


def test_dry_run_prints_the_diff_and_writes_nothing(school: Path) -> None:
    (school / "marks.csv").write_text(f"UPN,Mathematics\n{BEX},8\n", encoding="utf-8")
    before = _files(school)
    result = run_cli("import", "marksheet", "marks.csv", "--half-term", "sp1", "--dry-run", cwd=school)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == ["--- a/pupils/bex.yaml", "+++ b/pupils/bex.yaml"]
    assert '+  sp1: {maths: "8"}' in result.stdout.splitlines()
    assert not [line for line in result.stdout.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert _files(school) == before


def test_every_bad_cell_is_located_and_nothing_is_written(school: Path) -> None:
    (school / "marks.csv").write_text(
        "UPN,Mathematics,English,Attendance,Effort\n"
        f"{ADA},10,6,95,green\n"            # row 2: off the scale
        "A801200005001,5,5,90,green\n"      # row 3: check letter wrong
        f"{make_upn('821000000999')},5,5,90,green\n"  # row 4: nobody has this UPN
        f"{BEX},5,5,120,purple\n"           # row 5: attendance over 100, attitude unknown
        f"{CAL},5,5,90,green,extra\n",      # row 6: one cell too many
        encoding="utf-8")
    before = _files(school)
    with pytest.raises(InvalidInput) as caught:
        import_marksheet(school, school / "marks.csv", "sp1")
    assert _errors(caught) == [
        "marks.csv:2:2: '10' is not a grade on the GCSE 9–1 scale used for Mathematics; expected '1', '2', '3', '4', '5', '6', '7', '8' "
        "or '9' [import.grade.off_scale]",
        "marks.csv:3:1: 'A801200005001' is not a valid UPN: its check letter does not match its digits; copy the UPN again from the MIS "
        "[import.upn.invalid]",
        f"marks.csv:4:1: no pupil file has the UPN '{make_upn('821000000999')}'; add the pupil first (mentorsite import ctf, or "
        "mentorsite new pupil), then import again [import.pupil.unknown]",
        "marks.csv:5:4: attendance '120' is not a percentage from 0 to 100 [import.attendance.invalid]",
        "marks.csv:5:5: 'purple' is not an attitude colour; expected 'Good', 'Acceptable', 'Concern', 'green', 'yellow' or 'red' "
        "[import.attitude.invalid]",
        "marks.csv:6:6: this row has 6 cells but the heading row has 5; a comma or a cell is missing or extra [import.row.width]",
    ]
    result = run_cli("import", "marksheet", "marks.csv", "--half-term", "sp1", cwd=school)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == "mentorsite: 6 problems found; nothing was written"
    assert _files(school) == before


def test_unclosed_quote_and_non_utf8_are_located(school: Path) -> None:
    (school / "a.csv").write_text(f'UPN,Mathematics\n{ADA},"5\n', encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        import_marksheet(school, school / "a.csv", "sp1")
    assert [d.code for d in caught.value.diagnostics] == ["import.csv.syntax"]
    (school / "b.csv").write_bytes(b"UPN,Math\xe9matiques\n")
    with pytest.raises(InvalidInput) as caught:
        import_marksheet(school, school / "b.csv", "sp1")
    assert _errors(caught) == ["b.csv:1:9: byte 0xe9 is not UTF-8; in Excel save as 'CSV UTF-8 (Comma delimited)' [import.file.encoding]"]


def test_a_renamed_subject_heading_is_refused_until_mapped_in_site_yaml(school: Path) -> None:
    (school / "marks.csv").write_text(f"UPN,Maths (new spec)\n{ADA},5\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        import_marksheet(school, school / "marks.csv", "sp1")
    assert _errors(caught) == [
        "marks.csv:1:2: column heading 'Maths (new spec)' is not a subject or a known column; map it in site.yaml under "
        "imports.columns (e.g. 'Maths (new spec): maths', or 'Maths (new spec): ignore') [import.heading.unknown]"]
    site = school / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + "imports:\n  columns:\n    \"Maths (new spec)\": maths\n", encoding="utf-8")
    import_marksheet(school, school / "marks.csv", "sp1")
    assert yaml.safe_load((school / "pupils" / "ada.yaml").read_text(encoding="utf-8"))["assessments"]["sp1"] == {"maths": "5"}


def test_xlsx_in_the_sims_shape_matches_by_admission_number(school: Path) -> None:
    site = school / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + "imports:\n  preset: sims\n", encoding="utf-8")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Adno", "Legal Surname", "Legal Forename", "Reg Group", "Mathematics - Working At", "English - Working At", "Attendance %"])
    sheet.append(["004512", "Fenwright", "Calloway", "7F", 4, 5, 93.5])
    sheet.append([None, None, None, None, None, None, None])
    book.save(school / "marks.xlsx")
    outcome = import_marksheet(school, school / "marks.xlsx", "au2")
    assert [c[0] for c in outcome.changes] == ["pupils/cal.yaml"]
    record = yaml.safe_load((school / "pupils" / "cal.yaml").read_text(encoding="utf-8"))
    assert record["assessments"]["au2"] == {"maths": "4", "english": "5"} and record["attitude"]["au2"] == {"attendance": 93.5}


def test_xlsx_off_scale_cell_is_located(school: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["UPN", "English"])
    book.active.append([ADA, "A*"])
    book.save(school / "marks.xlsx")
    with pytest.raises(InvalidInput) as caught:
        import_marksheet(school, school / "marks.xlsx", "sp1")
    assert [(d.path, d.position.line, d.position.column, d.code) for d in caught.value.diagnostics] == [
        ("marks.xlsx", 2, 2, "import.grade.off_scale")]


def test_long_form_export(school: Path) -> None:
    (school / "long.csv").write_text(f"UPN,Subject,Grade\n{ADA},Mathematics,6\n{ADA},english,7\n{BEX},Math,5\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        import_marksheet(school, school / "long.csv", "sp1")
    assert [d.code for d in caught.value.diagnostics] == ["import.subject.unknown"]  # 'Math' is not guessed as Mathematics
    (school / "long.csv").write_text(f"UPN,Subject,Grade\n{ADA},Mathematics,6\n{ADA},english,7\n", encoding="utf-8")
    import_marksheet(school, school / "long.csv", "sp1")
    assert yaml.safe_load((school / "pupils" / "ada.yaml").read_text(encoding="utf-8"))["assessments"]["sp1"] == {"maths": "6", "english": "7"}


CTF = """<?xml version="1.0" encoding="UTF-8"?>
<CTfile>
  <Header>
    <Document-Name>Common Transfer File</Document-Name>
    <CTF-Version>26.0</CTF-Version>
    <DateTime>2026-07-14T09:30:00</DateTime>
    <DocumentQualifier>full</DocumentQualifier>
    <SourceSchool><LEA>821</LEA><Estab>2001</Estab><SchoolName>Invented Primary</SchoolName><AcademicYear>2025</AcademicYear></SourceSchool>
    <DestSchool><LEA>821</LEA><Estab>4001</Estab></DestSchool>
  </Header>
  <CTFpupilData>
    <Pupil>
      <UPN>{new}</UPN>
      <Surname>Brackenridge</Surname>
      <Forename>Odile</Forename>
      <DOB>2015-02-11</DOB>
      <Sex>F</Sex>
      <BasicDetails><NCyearActual>6</NCyearActual></BasicDetails>
      <StageAssessments>
        <KeyStage>
          <Stage>KS2</Stage>
          <StageAssessment><Locale>ENG</Locale><Year>2026</Year><Subject>MAT</Subject><Method>TT</Method><Component>MAT</Component><ResultQualifier>SS</ResultQualifier><Result>{maths}</Result></StageAssessment>
          <StageAssessment><Locale>ENG</Locale><Year>2026</Year><Subject>ENG</Subject><Method>TT</Method><Component>RD</Component><ResultQualifier>SS</ResultQualifier><Result>98</Result></StageAssessment>
          <StageAssessment><Locale>ENG</Locale><Year>2026</Year><Subject>ENG</Subject><Method>TA</Method><Component>WRI</Component><Result>EXS</Result></StageAssessment>
        </KeyStage>
      </StageAssessments>
    </Pupil>
    <Pupil>
      <UPN>{cal}</UPN>
      <Surname>Fenwright</Surname>
      <Forename>Calloway</Forename>
      <BasicDetails><NCyearActual>6</NCyearActual></BasicDetails>
      <StageAssessments><KeyStage><Stage>KS2</Stage>
        <StageAssessment><Subject>MAT</Subject><Method>TT</Method><Component>MAT</Component><ResultQualifier>SS</ResultQualifier><Result>101</Result></StageAssessment>
      </KeyStage></StageAssessments>
    </Pupil>
  </CTFpupilData>
</CTfile>
"""
NEW = make_upn("821200126001")


def test_ctf_adds_new_pupils_and_ks2_baselines_and_reimport_changes_nothing(school: Path) -> None:
    (school / "in.xml").write_text(CTF.format(new=NEW, cal=CAL, maths=107), encoding="utf-8")
    outcome = import_ctf(school, school / "in.xml")
    assert sorted(c[0] for c in outcome.changes) == ["pupils/cal.yaml", "pupils/p001.yaml"]
    added = yaml.safe_load((school / "pupils" / "p001.yaml").read_text(encoding="utf-8"))
    assert added["upn"] == NEW and added["year"] == 7 and added["first_name"] == "Odile"
    assert added["baseline"] == {"ks2": {"maths": 107, "reading": 98}}
    cal = (school / "pupils" / "cal.yaml").read_text(encoding="utf-8")
    assert "# a good start" in cal and yaml.safe_load(cal)["baseline"] == {"ks2": {"maths": 101}}
    assert "# New pupil, from in.xml" in (school / "pupils" / "p001.yaml").read_text(encoding="utf-8")
    before = _files(school)
    assert import_ctf(school, school / "in.xml").changes == []
    assert _files(school) == before
    assert run_cli("check", "--root", str(school)).returncode == 0


def test_ctf_bad_values_are_located(school: Path) -> None:
    (school / "in.xml").write_text(CTF.format(new="A801200005001", cal=CAL, maths=130), encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        import_ctf(school, school / "in.xml")
    assert _errors(caught) == [
        "in.xml:13:7: UPN: 'A801200005001' is not a valid UPN: its check letter does not match its digits; copy the UPN again "
        "from the MIS [ctf.upn.invalid]",
        "in.xml:22:169: KS2 maths scaled score '130' is not a whole number from 80 to 120 [ctf.ks2.range]",
    ]


@pytest.mark.parametrize("text, code", [
    ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<CTfile>&e;</CTfile>\n', "ctf.xml.unsafe"),
    ("<CTfile><Header></CTfile>\n", "ctf.xml.syntax"),
    ("<Other/>\n", "ctf.root"),
], ids=["external-entity", "not-well-formed", "wrong-root"])
def test_unsafe_or_broken_ctf_is_refused(school: Path, text: str, code: str) -> None:
    (school / "in.xml").write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        import_ctf(school, school / "in.xml")
    assert [d.code for d in caught.value.diagnostics] == [code]


def test_new_pupil_takes_the_next_free_id_and_builds(school: Path) -> None:
    assert next_pupil_id({"p001", "p002", "p010"}) == "p011"
    assert next_pupil_id(set()) == "p001"
    result = run_cli("new", "pupil", "--root", str(school), "--first-name", "Wren", "--last-name", "Ashdown", "--year", "8", "--form", "8W")
    assert result.returncode == 0, result.stderr
    text = (school / "pupils" / "p001.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schemas/pupil.schema.json\n# New pupil.") and 'first_name: "Wren"' in text and "# upn:" in text
    with pytest.raises(InvalidInput) as caught:
        new_pupil(school, "ada", first="X", last="Y", year=7, form="7A")
    assert _errors(caught) == ["pupils/ada.yaml:1:1: pupils/ada.yaml already exists; the next free id is p002 [new.pupil.exists]"]
    assert run_cli("check", "--root", str(school)).returncode == 0


def test_a_pupil_on_two_rows_and_a_sheet_without_identity_are_refused(school: Path) -> None:
    (school / "twice.csv").write_text(f"UPN,Mathematics\n{ADA},5\n{BEX},6\n{ADA.lower()},6\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        import_marksheet(school, school / "twice.csv", "sp1")
    assert _errors(caught) == ["twice.csv:4:1: ada already has a maths value on row 2; keep one row per pupil and subject [import.row.duplicate]"]
    (school / "anon.csv").write_text("Name,Mathematics\nAdaeze,5\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        import_marksheet(school, school / "anon.csv", "sp1")
    assert [d.code for d in caught.value.diagnostics] == ["import.heading.identity"]
    (school / "bad.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(InvalidInput) as caught:
        import_marksheet(school, school / "bad.xlsx", "sp1")
    assert _errors(caught) == ["bad.xlsx:1:1: the file cannot be read as an Excel workbook (BadZipFile); save it again as .xlsx [import.xlsx.unreadable]"]


def test_a_pupil_file_with_windows_line_endings_and_a_bom_keeps_them(school: Path) -> None:
    cal = school / "pupils" / "cal.yaml"
    cal.write_bytes(b"\xef\xbb\xbf" + COMMENTED_CAL.replace("\n", "\r\n").encode("utf-8"))
    (school / "m.csv").write_text(f"UPN,Mathematics\n{CAL},6\n", encoding="utf-8")
    import_marksheet(school, school / "m.csv", "sp1")
    raw = cal.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == raw.count(b"\n")
    assert raw.decode("utf-8-sig").replace("\r\n", "\n").startswith(COMMENTED_CAL.split("# Attitude")[0].rstrip("\n"))
    assert b'  sp1:\r\n    maths: "6"\r\n' in raw
