"""importing: `mentorsite import marksheet|ctf` and `mentorsite new pupil` — converters that write pupil files, so git stays the audit trail.

They must not change the build (it never reads an export), print, or write
half a change: every row is checked, every changed file is re-validated
exactly as `check` would, and only then are all files replaced. Files are
edited with a round-trip YAML library (ruamel.yaml), so a mentor's comments,
key order and quoting survive and the commit shows only the new values.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from generator.build import check
from generator.commands.yamledit import FileEdit, Outcome
from generator.sources import ctf as ctf_source
from generator.sources import marksheet as sheets
from generator.sources.diagnostics import (
    Diagnostic,
    InvalidInput,
    Position,
    did_you_mean,
    one_of,
)
from generator.sources.identifiers import upn_problem
from generator.sources.load import parse_yaml
from generator.sources.schema import AttitudeGrid, Pupil, Site
from generator.sources.validate import check_pupil, parse_model


def shown_path(root: Path, file: Path) -> str:
    """How messages name the export: relative to the school's folder when it is inside it, else as given."""
    try:
        return file.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return file.as_posix()


# --- marksheet -----------------------------------------------------------------

def import_marksheet(root: Path, file: Path, half_term: str, *, dry_run: bool = False) -> Outcome:
    """One half term's grades, attendance and attitude from an MIS marksheet export into the pupil files."""
    checked = check(root)
    site = checked.site
    shown = shown_path(root, file)
    terms = [t.id for t in site.half_terms]
    if half_term not in terms:
        raise InvalidInput([Diagnostic("site.yaml", Position(1, 1), "import.half_term",
                                       f"--half-term '{half_term}' is not a half term in site.yaml; expected {one_of(terms)}"
                                       f"{did_you_mean(half_term, terms)}")])
    sheet = sheets.read_sheet(file, shown)
    columns, problems = sheets.columns(sheet, site)
    if problems:
        raise InvalidInput(problems)
    values, problems, seen = _rows(sheet, columns, site, checked.pupils)
    if problems:
        raise InvalidInput(problems)
    outcome = Outcome()
    for pid in sorted(values):
        edit = FileEdit(root, f"pupils/{pid}.yaml")
        for section, key, value in values[pid]:
            outcome.values += edit.set((section, half_term, key), value)
        edit.record(outcome)
    missing = sorted(set(checked.pupils) - seen)
    if missing:
        outcome.notes.append(f"{len(missing)} pupil{'s' if len(missing) != 1 else ''} not in {shown}, left unchanged: "
                             + ", ".join(missing[:20]) + (" …" if len(missing) > 20 else ""))
    finish(root, site, outcome, dry_run)
    return outcome


Value = tuple[str, str, Any]  # (section, key, value): ('assessments', 'maths', '5'), ('attitude', 'effort', 'green')


def _rows(sheet: sheets.Sheet, columns: list[sheets.Column], site: Site,
          pupils: dict[str, Pupil]) -> tuple[dict[str, list[Value]], list[Diagnostic], set[str]]:
    by_upn = {p.upn: pid for pid, p in pupils.items() if p.upn}
    by_adno = {p.admission_number: pid for pid, p in pupils.items() if p.admission_number}
    subjects = {s.id: s for s in site.subjects}
    values: dict[str, list[Value]] = {}
    problems: list[Diagnostic] = []
    first_row: dict[tuple[str, str], int] = {}
    width = len(sheet.headings)

    def bad(cell: sheets.Cell, code: str, message: str) -> None:
        problems.append(Diagnostic(sheet.path, Position(cell.row, cell.column), f"import.{code}", message))

    for row in sheet.rows:
        number = row[0].row
        if len(row) != width:
            extra = len(row) > width and any(c.text for c in row[width:])
            if extra or len(row) < width:
                bad(sheets.Cell(number, min(len(row), width) + 1, ""), "row.width",
                    f"this row has {len(row)} cells but the heading row has {width}; a comma or a cell is missing or extra")
                continue
        cells = sheets.cells_by_target(columns, row)
        pid = _who(cells, by_upn, by_adno, pupils, bad, number)
        if pid is None:
            continue
        found: list[Value] = []
        if "subject" in cells:
            subject_cell, grade_cell = cells["subject"], cells["grade"]
            subject_id = sheets.subject_for(subject_cell.text, site)
            if subject_id is None or subject_id not in subjects:
                names = [s.name for s in site.subjects]
                bad(subject_cell, "subject.unknown", f"'{subject_cell.text}' is not a subject in site.yaml{did_you_mean(subject_cell.text, names)}; "
                    "map it in site.yaml under imports.columns")
                continue
            pairs = [(subject_id, grade_cell)]
        else:
            pairs = [(c.target, cells[c.target]) for c in columns if c.is_subject]
        for subject_id, cell in pairs:
            if not cell.text:
                continue
            labels = site.scales[subjects[subject_id].scale].labels
            if cell.text not in labels:
                bad(cell, "grade.off_scale", f"'{cell.text}' is not a grade on the {site.scales[subjects[subject_id].scale].name} scale "
                    f"used for {subjects[subject_id].name}; expected {one_of(labels)}{did_you_mean(cell.text, labels)}")
                continue
            found.append(("assessments", subject_id, DoubleQuotedScalarString(cell.text)))
        if "attendance" in cells and cells["attendance"].text:
            value = sheets.attendance(cells["attendance"].text)
            if value is None:
                bad(cells["attendance"], "attendance.invalid", f"attendance '{cells['attendance'].text}' is not a percentage from 0 to 100")
            else:
                found.append(("attitude", "attendance", value))
        for target, cell in cells.items():
            if target.startswith("attitude.") and cell.text:
                colour = sheets.colour(cell.text, site)
                if colour is None:
                    labels = [*site.scheme.attitude_labels.values(), "green", "yellow", "red"]
                    bad(cell, "attitude.invalid", f"'{cell.text}' is not an attitude colour; expected {one_of(labels)}")
                else:
                    found.append(("attitude", target.split(".", 1)[1], colour))
        for section, key, _value in found:
            first = first_row.setdefault((pid, f"{section}.{key}"), number)
            if first != number:
                bad(sheets.Cell(number, 1, ""), "row.duplicate", f"{pid} already has a {key} value on row {first}; keep one row per pupil and subject")
        values.setdefault(pid, []).extend(found)
    seen = set(values)
    return values, problems, seen


def _who(cells: dict[str, sheets.Cell], by_upn: dict[str, str], by_adno: dict[str, str], pupils: dict[str, Pupil],
         bad: Any, number: int) -> str | None:
    """The pupil a row is about, by UPN, admission number or id — or a located problem; never the nearest match."""
    for target, index, what in (("upn", by_upn, "UPN"), ("admission_number", by_adno, "admission number"), ("id", None, "id")):
        cell = cells.get(target)
        if cell is None or not cell.text:
            continue
        key = cell.text.upper().replace(" ", "") if target == "upn" else cell.text
        if target == "upn" and (problem := upn_problem(key)) is not None:
            bad(cell, "upn.invalid", problem)
            return None
        pid = index.get(key) if index is not None else (key if key in pupils else None)
        if pid is None:
            bad(cell, "pupil.unknown", f"no pupil file has the {what} '{cell.text}'; add the pupil first "
                "(mentorsite import ctf, or mentorsite new pupil), then import again")
            return None
        return pid
    bad(sheets.Cell(number, 1, ""), "pupil.missing_id", "this row has no UPN, admission number or id, so it cannot be matched to a pupil")
    return None


# --- CTF ----------------------------------------------------------------------------

def import_ctf(root: Path, file: Path, *, dry_run: bool = False, year: int | None = None, form: str = "TBC") -> Outcome:
    """New pupils (basic details, UPN, KS2 scaled scores as baseline) from a DfE Common Transfer File; known pupils get their KS2 scores."""
    checked = check(root)
    shown = shown_path(root, file)
    pupils = ctf_source.read_ctf(file, shown)
    by_upn = {p.upn: pid for pid, p in checked.pupils.items() if p.upn}
    outcome = Outcome()
    problems: list[Diagnostic] = []
    taken = set(checked.pupils)
    seen: dict[str, int] = {}
    for pupil in pupils:
        if pupil.upn in seen:
            problems.append(Diagnostic(shown, Position(pupil.line, 1), "ctf.upn.duplicate",
                                       f"UPN '{pupil.upn}' is also the pupil at line {seen[pupil.upn]}; a CTF lists each pupil once"))
            continue
        seen[pupil.upn] = pupil.line
        pid = by_upn.get(pupil.upn)
        if pid is not None:
            edit = FileEdit(root, f"pupils/{pid}.yaml")
            for key, score in pupil.ks2.items():
                outcome.values += edit.set(("baseline", "ks2", key), score)
            edit.record(outcome)
            continue
        joins = year if year is not None else (pupil.nc_year + 1 if pupil.nc_year is not None else None)
        if joins is None or not 7 <= joins <= 13:
            problems.append(Diagnostic(shown, Position(pupil.line, 1), "ctf.year",
                                       f"pupil {pupil.upn}: NCyearActual {pupil.nc_year} does not give a year group from 7 to 13; "
                                       "give the year they join with --year"))
            continue
        pid = next_pupil_id(taken)
        taken.add(pid)
        text = skeleton(pupil.first_name, pupil.last_name, joins, form, upn=pupil.upn, born=pupil.date_of_birth,
                        gender=pupil.gender, ks2=pupil.ks2, source=file.name)
        outcome.changes.append((f"pupils/{pid}.yaml", "", text))
        outcome.values += 1
    if problems:
        raise InvalidInput(problems)
    known = sum(1 for p in pupils if p.upn in by_upn)
    outcome.notes.append(f"{len(pupils)} pupils in {shown}: {known} already had a file, {len(pupils) - known} new")
    finish(root, checked.site, outcome, dry_run)
    return outcome


# --- new pupil -------------------------------------------------------------------------

def next_pupil_id(taken: set[str]) -> str:
    """The next free id in the school's own pattern (p044 → p045); 'p001' in an empty school."""
    numbered = [m for pid in taken if (m := re.fullmatch(r"([a-z-]*?)(\d+)", pid))]
    if not numbered:
        return "p001"
    prefixes = [m.group(1) for m in numbered]
    prefix = max(set(prefixes), key=lambda p: (prefixes.count(p), p))
    same = [m for m in numbered if m.group(1) == prefix]
    width = max(len(m.group(2)) for m in same)
    number = max(int(m.group(2)) for m in same) + 1
    while (pid := f"{prefix}{number:0{width}d}") in taken:
        number += 1
    return pid


def skeleton(first: str, last: str, year: int, form: str, *, upn: str | None = None, born: Any = None,
             gender: str | None = None, ks2: dict[str, int] | None = None, source: str | None = None) -> str:
    """A new pupil file with a comment before each section, so whoever fills it in knows what goes where."""
    lines = ["# yaml-language-server: $schema=../schemas/pupil.schema.json",
             f"# New pupil{f', from {source}' if source else ''}. Lines starting with # are notes; the site ignores them.",
             "# Dates are written year-month-day (2026-09-14). Grades go in double quotes (\"5\").", "",
             "# Who the pupil is. These four lines are the only ones you must fill in.",
             f"first_name: {json.dumps(first, ensure_ascii=False)}",
             f"last_name: {json.dumps(last, ensure_ascii=False)}",
             f"year: {year}",
             f"form: {json.dumps(form, ensure_ascii=False)}{'            # change to the form they join' if form == 'TBC' else ''}",
             "# mentor: a staff id from site.yaml, once a mentor is allocated", "",
             "# Staff-only identifiers, never printed for families or governors."]
    lines.append(f"upn: {upn}" if upn else "# upn: the DfE unique pupil number from the MIS (13 characters)")
    lines.append(f"date_of_birth: {born.isoformat()}" if born else "# date_of_birth: 2014-09-01")
    lines.append(f"gender: {gender}" if gender else "# gender: F, M or X")
    lines += ["", "# Background (restricted: staff only). Leave out anything false or unknown.",
              "# context: {fsm: true, sen: K, eal: true}", "",
              "# Data from before the pupil joined: KS2 scaled scores, CAT scores, FFT estimates."]
    if ks2:
        lines += ["baseline:", "  ks2: {" + ", ".join(f"{k}: {v}" for k, v in sorted(ks2.items())) + "}"]
    else:
        lines.append("# baseline: {ks2: {reading: 104, maths: 101}}")
    lines += ["", "# Target grade in each subject, e.g. maths: \"5\"", "# targets:", "",
              "# Grades each half term come from `mentorsite import marksheet`, or by hand under assessments:"]
    return "\n".join(lines) + "\n"


def new_pupil(root: Path, pid: str | None, *, first: str, last: str, year: int, form: str, dry_run: bool = False) -> Outcome:
    """`mentorsite new pupil [ID]`: a commented skeleton at the next free id (or the id given, if it is free)."""
    checked = check(root)
    if pid is None:
        pid = next_pupil_id(set(checked.pupils))
    if pid in checked.pupils or (root / "pupils" / f"{pid}.yaml").exists():
        raise InvalidInput([Diagnostic(f"pupils/{pid}.yaml", Position(1, 1), "new.pupil.exists",
                                       f"pupils/{pid}.yaml already exists; the next free id is {next_pupil_id(set(checked.pupils))}")])
    from generator.sources.validate import slug_problem

    problems = slug_problem(f"pupils/{pid}.yaml", pid, "pupil")
    if problems:
        raise InvalidInput(problems)
    outcome = Outcome(changes=[(f"pupils/{pid}.yaml", "", skeleton(first, last, year, form))], values=1)
    finish(root, checked.site, outcome, dry_run)
    return outcome


# --- check, then write every file or none -------------------------------------------

def finish(root: Path, site: Site, outcome: Outcome, dry_run: bool) -> None:
    """Validate every changed pupil file as `check` would; then, unless a dry run, write them all (or, on any failure, none)."""
    problems: list[Diagnostic] = []
    for rel_path, _old, new in outcome.changes:
        if not new or not rel_path.startswith("pupils/"):
            continue
        try:
            doc = parse_yaml(new, rel_path)
        except InvalidInput as err:
            problems += err.diagnostics
            continue
        record, found = parse_model(Pupil, doc, "pupil")
        problems += found
        if record is not None:
            problems += check_pupil(record, doc, site)
    if problems:
        raise InvalidInput(problems)
    if dry_run or not outcome.changes:
        return
    staged: list[tuple[Path, Path]] = []
    try:
        for rel_path, _old, new in outcome.changes:
            if not new:
                continue
            target = root / rel_path
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(prefix=".mentorsite-", suffix=".yaml", dir=target.parent)
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(new)
            staged.append((Path(temp_name), target))
        for staged_file, target in staged:
            os.replace(staged_file, target)
        for rel_path, _old, new in outcome.changes:
            if not new:
                (root / rel_path).unlink(missing_ok=True)
    finally:
        for staged_file, _target in staged:
            staged_file.unlink(missing_ok=True)


__all__ = ["AttitudeGrid", "Outcome", "import_ctf", "import_marksheet", "new_pupil", "next_pupil_id", "skeleton"]
