"""ctf: reads a DfE Common Transfer File (XML) into new-pupil records, every value located; parsed safely with defusedxml.

It must not touch pupil files, fetch anything (no DTDs, no external
entities: defusedxml refuses them) or guess: an unreadable UPN, date or KS2
score is a located problem.

The shape read (CTF specification, DfE): root `CTfile`; a `Header`; then
`CTFpupilData` holding one `Pupil` per child, each with `UPN`, `Surname`,
`Forename`, `DOB`, `Sex` (older files: `Gender`), `BasicDetails` (which holds
`NCyearActual`) and `StageAssessments/KeyStage` blocks whose `Stage` is e.g.
KS2 and whose `StageAssessment` items carry `Subject`, `Method`, `Component`,
`ResultQualifier` and `Result`. Only the KS2 test scaled scores are taken as
the baseline; everything else in the file is left alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import Locator

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.sax import parseString  # type: ignore[import-untyped]

from generator.sources.diagnostics import Diagnostic, InvalidInput, Position
from generator.sources.identifiers import upn_problem

MAX_BYTES = 50 * 1024 * 1024

KS2_TESTS = {("MAT", ""): "maths", ("MAT", "MAT"): "maths", ("ENG", "RD"): "reading", ("REA", ""): "reading",
             ("ENG", "REA"): "reading", ("ENG", "GPS"): "gps", ("GPS", ""): "gps"}
"""(Subject, Component) of a KS2 test result → the baseline.ks2 key. Scaled scores are recognised by the
qualifier 'SS' or, where a file leaves it out, by a whole-number result; teacher assessments (Method TA) are skipped."""


@dataclass
class Node:
    """A small element tree that remembers where each element started."""

    tag: str
    line: int
    column: int
    text: str = ""
    children: list[Node] = field(default_factory=list)

    def find(self, tag: str) -> Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def all(self, tag: str) -> list[Node]:
        return [c for c in self.children if c.tag == tag]

    def value(self, tag: str) -> str:
        found = self.find(tag)
        return found.text.strip() if found is not None else ""


class _Builder(ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[Node] = []
        self.root: Node | None = None
        self.where: Locator | None = None

    def setDocumentLocator(self, locator: Locator) -> None:
        self.where = locator

    def startElement(self, name: str, attrs: object) -> None:
        line = (self.where.getLineNumber() or 1) if self.where else 1
        column = (self.where.getColumnNumber() or 0) + 1 if self.where else 1
        node = Node(name.split(":")[-1], line, column)
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def endElement(self, name: str) -> None:
        self.stack.pop()

    def characters(self, content: str) -> None:
        if self.stack:
            self.stack[-1].text += content


@dataclass(frozen=True)
class CtfPupil:
    """What mentorsite keeps from one CTF pupil; `line` is where the pupil's element starts."""

    line: int
    upn: str
    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    gender: str | None
    nc_year: int | None
    ks2: dict[str, int]


def read_ctf(file: Path, shown: str) -> list[CtfPupil]:
    """Every pupil in the file; raises `InvalidInput` with every problem found."""
    try:
        raw = file.read_bytes()
    except OSError as err:
        raise InvalidInput([Diagnostic(shown, Position(1, 1), "ctf.file.missing", f"cannot read the file ({err.strerror})")])
    if len(raw) > MAX_BYTES:
        raise InvalidInput([Diagnostic(shown, Position(1, 1), "ctf.file.large", f"the file is over {MAX_BYTES // (1024 * 1024)} MB")])
    builder = _Builder()
    try:
        parseString(raw, builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except SAXParseException as err:
        raise InvalidInput([Diagnostic(shown, Position(err.getLineNumber() or 1, (err.getColumnNumber() or 0) + 1), "ctf.xml.syntax",
                                       f"not well-formed XML ({err.getMessage()}); export the CTF again")])
    except DefusedXmlException as err:
        raise InvalidInput([Diagnostic(shown, Position(1, 1), "ctf.xml.unsafe",
                                       f"the file uses an XML feature refused for safety ({type(err).__name__}); a CTF never needs one")])
    root = builder.root
    if root is None or root.tag != "CTfile":
        raise InvalidInput([Diagnostic(shown, Position(root.line if root else 1, root.column if root else 1), "ctf.root",
                                       f"the root element is '{root.tag if root else ''}', not 'CTfile'; is this a Common Transfer File?")])
    problems: list[Diagnostic] = []
    if root.find("Header") is None:
        problems.append(Diagnostic(shown, Position(root.line, root.column), "ctf.header", "the CTfile has no Header element"))
    data = root.find("CTFpupilData")
    pupils: list[CtfPupil] = []
    for node in data.all("Pupil") if data is not None else []:
        pupil = _pupil(node, shown, problems)
        if pupil is not None:
            pupils.append(pupil)
    if data is None and not problems:
        problems.append(Diagnostic(shown, Position(root.line, root.column), "ctf.pupils", "the CTfile has no CTFpupilData element"))
    if problems:
        raise InvalidInput(problems)
    return pupils


def _pupil(node: Node, shown: str, problems: list[Diagnostic]) -> CtfPupil | None:
    before = len(problems)

    def at(tag: str) -> Position:
        found = node.find(tag)
        return Position(found.line, found.column) if found is not None else Position(node.line, node.column)

    upn = node.value("UPN").upper()
    if not upn:
        problems.append(Diagnostic(shown, at("UPN"), "ctf.upn.missing", "this Pupil has no UPN; mentorsite matches pupils by UPN"))
    elif (problem := upn_problem(upn)) is not None:
        problems.append(Diagnostic(shown, at("UPN"), "ctf.upn.invalid", f"UPN: {problem}"))
    names = {}
    for tag in ("Forename", "Surname"):
        names[tag] = node.value(tag)
        if not names[tag]:
            problems.append(Diagnostic(shown, at(tag), f"ctf.{tag.lower()}.missing", f"this Pupil has no {tag}"))
    born: dt.date | None = None
    if node.value("DOB"):
        try:
            born = dt.date.fromisoformat(node.value("DOB"))
        except ValueError:
            problems.append(Diagnostic(shown, at("DOB"), "ctf.dob.invalid", f"DOB: '{node.value('DOB')}' is not a date written YYYY-MM-DD"))
    sex = (node.value("Sex") or node.value("Gender")).upper()
    gender = {"F": "F", "M": "M"}.get(sex)
    basic = node.find("BasicDetails")
    year_text = basic.value("NCyearActual") if basic is not None else ""
    nc_year = int(year_text) if year_text.isdigit() else None
    ks2 = _ks2(node, shown, problems)
    if len(problems) > before:
        return None
    return CtfPupil(node.line, upn, names["Forename"], names["Surname"], born, gender, nc_year, ks2)


def _ks2(node: Node, shown: str, problems: list[Diagnostic]) -> dict[str, int]:
    scores: dict[str, int] = {}
    stages = node.find("StageAssessments")
    for stage in stages.all("KeyStage") if stages is not None else []:
        if stage.value("Stage").upper() != "KS2":
            continue
        for item in stage.all("StageAssessment"):
            if item.value("Method").upper() not in ("TT", ""):
                continue  # teacher assessments and the like: not a scaled score
            key = KS2_TESTS.get((item.value("Subject").upper(), item.value("Component").upper()))
            qualifier = item.value("ResultQualifier").upper()
            result = item.value("Result")
            if key is None or qualifier not in ("SS", ""):
                continue
            if qualifier == "" and not result.isdigit():
                continue  # e.g. 'A' (absent) with no qualifier: nothing to record
            where = item.find("Result") or item
            if not result.isdigit() or not 80 <= int(result) <= 120:
                problems.append(Diagnostic(shown, Position(where.line, where.column), "ctf.ks2.range",
                                           f"KS2 {key} scaled score '{result}' is not a whole number from 80 to 120"))
                continue
            scores[key] = int(result)
    return scores
