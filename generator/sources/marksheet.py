"""marksheet: reads an MIS marksheet export (CSV or XLSX) into located cells and says what each column means.

It must not touch pupil files or guess: a heading it cannot place, a grade
off the subject's scale or a pupil it cannot find is a located problem
(`FILE.csv:row:column: message [code]`), never a best guess. Writing the
values into pupil files is commands/importing.py's job.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.sources.diagnostics import (
    Diagnostic,
    InvalidInput,
    Position,
    did_you_mean,
    one_of,
)
from generator.sources.schema import AttitudeGrid, Site

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 400

ATTITUDE_FIELDS = [name for name in AttitudeGrid.model_fields if name != "attendance"]
FIELD_TARGETS = ["upn", "admission_number", "id", "name", "attendance", "ignore"] + [f"attitude.{f}" for f in ATTITUDE_FIELDS]
LONG_FORM = ("subject", "grade")
"""A long-form export has one row per pupil and subject, with these two headings."""


@dataclass(frozen=True)
class Preset:
    """The headings one MIS's marksheet export commonly uses. Illustrative: a school's own export may differ, and
    site.yaml `imports.columns` names any heading the preset does not know."""

    name: str
    fields: dict[str, str]
    subject_patterns: tuple[str, ...]


PRESETS: dict[str, Preset] = {
    "plain": Preset("plain", {}, ("{subject}",)),
    "sims": Preset("sims", {
        "upn": "upn", "adno": "admission_number", "legal surname": "name", "legal forename": "name",
        "surname": "name", "forename": "name", "reg group": "ignore", "year": "ignore", "gender": "ignore",
        "attendance %": "attendance", "behaviour": "attitude.behaviour", "effort": "attitude.effort",
        "homework": "attitude.homework", "punctuality": "attitude.punctuality", "uniform": "attitude.uniform",
    }, ("{subject} - working at", "{subject} working at", "{subject}")),
    "arbor": Preset("arbor", {
        "upn": "upn", "admission number": "admission_number", "student": "name", "first name": "name",
        "last name": "name", "registration form": "ignore", "year group": "ignore",
        "attendance (%)": "attendance", "attendance": "attendance", "behaviour grade": "attitude.behaviour",
        "effort grade": "attitude.effort", "homework grade": "attitude.homework",
    }, ("{subject}: current grade", "{subject}: current", "{subject}")),
    "bromcom": Preset("bromcom", {
        "upn": "upn", "admission no": "admission_number", "surname": "name", "forename": "name",
        "preferred forename": "name", "tutor group": "ignore", "year": "ignore", "attendance %": "attendance",
        "attitude to learning": "attitude.effort", "behaviour": "attitude.behaviour", "homework": "attitude.homework",
    }, ("{subject} working at grade", "{subject} - current", "{subject}")),
}


GENERIC = {
    "upn": "upn", "id": "id", "pupil": "id", "admission number": "admission_number", "admission_number": "admission_number",
    "attendance": "attendance", "name": "name", "first name": "name", "first_name": "name", "last name": "name",
    "last_name": "name", "surname": "name", "forename": "name", "form": "ignore", "year": "ignore",
} | {f: f"attitude.{f}" for f in ATTITUDE_FIELDS}
"""Headings every preset understands (a plain export written by hand or by a spreadsheet formula)."""


@dataclass(frozen=True)
class Cell:
    """One cell of the export, with the place a person would look for it (row 1 is the heading row)."""

    row: int
    column: int
    text: str


@dataclass(frozen=True)
class Sheet:
    path: str
    headings: list[Cell]
    rows: list[list[Cell]]

    def at(self, row: int, column: int) -> Position:
        return Position(row, column)


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def read_sheet(file: Path, shown: str) -> Sheet:
    """The heading row and every data row; raises `InvalidInput` for a file that cannot be read as a table."""
    try:
        size = file.stat().st_size
    except OSError as err:
        raise InvalidInput([Diagnostic(shown, Position(1, 1), "import.file.missing", f"cannot read the file ({err.strerror})")])
    if size > MAX_BYTES:
        raise InvalidInput([Diagnostic(shown, Position(1, 1), "import.file.large",
                                       f"the file is {size // (1024 * 1024)} MB; at most {MAX_BYTES // (1024 * 1024)} MB can be imported at once")])
    suffix = file.suffix.lower()
    if suffix == ".xlsx":
        table = _read_xlsx(file, shown)
    elif suffix == ".csv":
        table = _read_csv(file.read_bytes(), shown)
    else:
        raise InvalidInput([Diagnostic(shown, Position(1, 1), "import.file.type",
                                       f"'{file.suffix or file.name}' is not a marksheet type; export the marksheet as .csv or .xlsx")])
    rows = [r for r in table if any(c.text for c in r)]
    if not rows:
        raise InvalidInput([Diagnostic(shown, Position(1, 1), "import.file.empty", "the file has no heading row; expected a row of column headings")])
    headings, data = rows[0], rows[1:]
    while headings and not headings[-1].text:  # trailing empty heading cells, as spreadsheets often save
        headings = headings[:-1]
    if len(data) > MAX_ROWS or len(headings) > MAX_COLUMNS:
        raise InvalidInput([Diagnostic(shown, Position(1, 1), "import.file.large",
                                       f"the file has {len(data)} rows and {len(headings)} columns; at most {MAX_ROWS} rows and {MAX_COLUMNS} columns")])
    return Sheet(shown, headings, data)


def _read_csv(raw: bytes, shown: str) -> list[list[Cell]]:
    try:
        text = raw.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise InvalidInput([Diagnostic(shown, Position(line, column), "import.file.encoding",
                                       f"byte 0x{raw[err.start]:02x} is not UTF-8; in Excel save as 'CSV UTF-8 (Comma delimited)'")])
    if "\x00" in text:
        raise InvalidInput([Diagnostic(shown, Position(1, 1), "import.file.type", "the file holds NUL bytes; it is not a CSV text file")])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[Cell]] = []
    try:
        for number, record in enumerate(reader, start=1):
            rows.append([Cell(number, i, value.strip()) for i, value in enumerate(record, start=1)])
            if number > MAX_ROWS + 1:
                break
    except csv.Error as err:
        raise InvalidInput([Diagnostic(shown, Position(len(rows) + 1, 1), "import.csv.syntax",
                                       f"this row cannot be read as CSV ({err}); check for an unclosed quote")])
    return rows


def _read_xlsx(file: Path, shown: str) -> list[list[Cell]]:
    from zipfile import BadZipFile

    import openpyxl  # type: ignore[import-untyped]

    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as err:
        raise InvalidInput([Diagnostic(shown, Position(1, 1), "import.xlsx.unreadable",
                                       f"the file cannot be read as an Excel workbook ({type(err).__name__}); save it again as .xlsx")])
    try:
        sheet = book.worksheets[0]
        rows: list[list[Cell]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            rows.append([Cell(number, i, _cell_text(v)) for i, v in enumerate(values, start=1)])
            if number > MAX_ROWS + 1:
                break
        return rows
    finally:
        book.close()


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person sees: 5.0 is '5', a blank is ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


# --- what each column means ----------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One column: `target` is a subject id, or a field such as 'upn', 'attendance' or 'attitude.effort'."""

    cell: Cell
    target: str

    @property
    def is_subject(self) -> bool:
        return self.target not in FIELD_TARGETS


def subject_for(heading: str, site: Site) -> str | None:
    """The subject a heading (or a long-form subject cell) names, by the school's mapping, the preset's pattern, or the subject's id or name."""
    key = _norm(heading)
    mapped = {_norm(k): v for k, v in site.imports.columns.items()}.get(key)
    if mapped is not None:
        return mapped if mapped not in FIELD_TARGETS else None
    for pattern in PRESETS[site.imports.preset].subject_patterns + ("{subject}",):
        for subject in site.subjects:
            for name in (subject.id, subject.name):
                if key == _norm(pattern.replace("{subject}", name)):
                    return subject.id
    return None


def columns(sheet: Sheet, site: Site) -> tuple[list[Column], list[Diagnostic]]:
    """Place every heading; a heading nobody named is a problem, so a renamed column never drops data silently."""
    preset = PRESETS[site.imports.preset]
    mapping = {_norm(k): v for k, v in site.imports.columns.items()}
    subject_ids = {s.id for s in site.subjects}
    found: list[Column] = []
    problems: list[Diagnostic] = []
    seen: dict[str, Cell] = {}
    for cell in sheet.headings:
        key = _norm(cell.text)
        if not key:
            problems.append(Diagnostic(sheet.path, sheet.at(1, cell.column), "import.heading.empty",
                                       "this column has no heading; give it one, or delete the column"))
            continue
        target = (mapping.get(key) or preset.fields.get(key) or (key if key in LONG_FORM else None)
                  or subject_for(cell.text, site) or GENERIC.get(key))
        if target is None:
            names = [s.name for s in site.subjects] + [s.id for s in site.subjects]
            problems.append(Diagnostic(sheet.path, sheet.at(1, cell.column), "import.heading.unknown",
                                       f"column heading '{cell.text}' is not a subject or a known column{did_you_mean(cell.text, names)}; "
                                       f"map it in site.yaml under imports.columns (e.g. '{cell.text}: maths', or '{cell.text}: ignore')"))
            continue
        if target not in FIELD_TARGETS and target not in subject_ids and target not in LONG_FORM:
            problems.append(Diagnostic(sheet.path, sheet.at(1, cell.column), "import.heading.target",
                                       f"site.yaml maps column '{cell.text}' to '{target}', which is not a subject id or one of "
                                       f"{one_of(FIELD_TARGETS)}{did_you_mean(target, sorted(subject_ids) + FIELD_TARGETS)}"))
            continue
        if target in seen and target not in ("ignore", "name"):
            problems.append(Diagnostic(sheet.path, sheet.at(1, cell.column), "import.heading.duplicate",
                                       f"column '{cell.text}' means '{target}', like column {seen[target].column} ('{seen[target].text}'); keep one"))
            continue
        seen[target] = cell
        found.append(Column(cell, target))
    targets = {c.target for c in found}
    if not problems and not targets & {"upn", "admission_number", "id"}:
        problems.append(Diagnostic(sheet.path, sheet.at(1, 1), "import.heading.identity",
                                   "no column identifies the pupil; include a 'UPN', 'Admission Number' or 'id' column"))
    if not problems and ("subject" in targets) != ("grade" in targets):
        problems.append(Diagnostic(sheet.path, sheet.at(1, 1), "import.heading.long_form",
                                   "a long-form export needs both a 'Subject' and a 'Grade' column"))
    return found, problems


def cells_by_target(columns_: Iterable[Column], row: list[Cell]) -> dict[str, Cell]:
    by_column = {c.column: c for c in row}
    return {col.target: by_column.get(col.cell.column, Cell(row[0].row if row else 0, col.cell.column, "")) for col in columns_}


_PERCENT = re.compile(r"^(\d{1,3}(?:\.\d+)?)\s*%?$")


def attendance(text: str) -> float | None:
    """'96.4', '96.4%' → 96.4; anything else (or over 100) → None, reported by the caller."""
    match = _PERCENT.match(text)
    if not match:
        return None
    value = float(match.group(1))
    return value if 0 <= value <= 100 else None


def colour(text: str, site: Site) -> str | None:
    """An attitude cell as green/yellow/red: the colour's name, 'amber', or the school's own label for it."""
    key = _norm(text)
    words = {"green": "green", "yellow": "yellow", "amber": "yellow", "red": "red"}
    words |= {_norm(label): name for name, label in site.scheme.attitude_labels.items()}
    return words.get(key)
