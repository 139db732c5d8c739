"""A sample school's PDFs at the object level: no pupil's family file holds any object of another pupil; long tables repeat their header and never split a row."""

from __future__ import annotations

import re
import shutil
import warnings
from pathlib import Path

import pikepdf
import pytest
import yaml
from pypdf import PdfReader
from judging import rendered, school_at
from support import AS_OF

from generator.build import build
from generator.commands.sample import write_sample
from generator.output import pdf
from generator.output.templates import PACKAGED

PUPILS = 60


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sample") / "school"
    write_sample(PUPILS, root)
    build(root, root / "output", jobs=2, as_of=AS_OF)
    return root


@pytest.fixture(scope="module")
def names(school: Path) -> dict[str, str]:
    records = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((school / "pupils").glob("*.yaml"))}
    return {pid: f"{r['first_name']} {r['last_name']}" for pid, r in records.items()}


def parse_cmap(data: bytes) -> dict[bytes, str]:
    """A ToUnicode CMap as {character code: text}; enough of the format for what PDF writers emit (bfchar, bfrange)."""
    text = data.decode("latin-1")
    out: dict[bytes, str] = {}

    def utf16(hexa: str) -> str:
        return bytes.fromhex(hexa).decode("utf-16-be", "replace")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.DOTALL):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[bytes.fromhex(src)] = utf16(dst)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.DOTALL):
        for low, high, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]+>)", block):
            first, last, width = int(low, 16), int(high, 16), len(low) // 2
            if dst.startswith("["):
                for i, each in enumerate(re.findall(r"<([0-9A-Fa-f]+)>", dst)):
                    out[(first + i).to_bytes(width, "big")] = utf16(each)
            else:
                start, size = int(dst[1:-1], 16), len(dst[1:-1]) // 2
                for i in range(last - first + 1):
                    out[(first + i).to_bytes(width, "big")] = (start + i).to_bytes(size, "big").decode("utf-16-be", "replace")
    return out


def object_texts(path: Path) -> tuple[list[str], list[str]]:
    """(decoded text of every content-like stream, every string) over *all* objects in the file, referenced or not.

    Text in a content stream is glyph codes, not letters, so each stream's
    text operators are decoded through every font's ToUnicode map in the
    file: an object another pupil's document left behind (a form XObject, a
    page) would show its text here even if no page of this file draws it.
    """
    streams: list[str] = []
    strings: list[str] = []
    with pikepdf.open(path) as pdf:
        maps = [parse_cmap(obj.ToUnicode.read_bytes()) for obj in pdf.objects
                if isinstance(obj, pikepdf.Dictionary) and obj.get("/ToUnicode") is not None]
        for top in [*pdf.objects, pdf.trailer]:  # every indirect object once; inside each, only its direct parts
            todo: list[object] = [top]
            while todo:
                obj = todo.pop()
                if obj is not top and getattr(obj, "is_indirect", False):
                    continue  # visited as a top-level object of its own
                if isinstance(obj, pikepdf.String):
                    strings.append(str(obj))
                elif isinstance(obj, pikepdf.Array):
                    todo.extend(obj)
                elif isinstance(obj, pikepdf.Dictionary):  # streams too: their dictionaries
                    todo.extend(obj.values())
                if isinstance(obj, pikepdf.Stream):
                    streams += _stream_texts(obj, maps)
    return streams, strings


def _stream_texts(stream: pikepdf.Stream, maps: list[dict[bytes, str]]) -> list[str]:
    if stream.get("/Subtype") == "/Image" or stream.get("/Length1") is not None or stream.get("/N") is not None:
        return []  # pictures, font programs and colour profiles hold no text
    data = stream.read_bytes()
    if stream.get("/Type") == "/Metadata" or b"begincmap" in data:
        return [data.decode("utf-8", "replace")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            operations = pikepdf.parse_content_stream(stream)
        except pikepdf.PdfError:  # not a content stream
            return [data.decode("latin-1")]
    shown: list[bytes] = []
    for operands, operator in operations:
        if operator in (pikepdf.Operator("Tj"), pikepdf.Operator("'"), pikepdf.Operator('"')):
            shown += [bytes(x) for x in operands if isinstance(x, pikepdf.String)]
        elif operator == pikepdf.Operator("TJ"):
            shown += [bytes(x) for array in operands for x in array if isinstance(x, pikepdf.String)]
    raw = b"".join(shown)
    return [_decode(raw, cmap) for cmap in maps] if raw else []


def _decode(raw: bytes, cmap: dict[bytes, str]) -> str:
    width = max((len(k) for k in cmap), default=1)
    return "".join(cmap.get(raw[i:i + width], "\ufffd") for i in range(0, len(raw), width))


def mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w'-]){re.escape(name)}(?![\w'-])", text) is not None


def test_each_family_pdf_holds_no_object_of_another_pupil(school: Path, names: dict[str, str]) -> None:
    families = school / "output" / "families"
    checked = 0
    leaks = []
    for pid, own in names.items():
        others = {n for other, n in names.items() if other != pid and n != own}
        for path in sorted((families / pid).rglob("*.pdf")):
            streams, strings = object_texts(path)
            content = "\n".join(streams)
            assert mentions(content, own), f"{path.name}: the decoder must find the pupil's own name, or this test could never fail"
            everything = content + "\n" + "\n".join(strings)
            leaks += [f"{path.relative_to(families)} holds {n}" for n in sorted(others) if mentions(everything, n)]
            checked += 1
    assert checked >= PUPILS
    assert leaks == []


def test_register_repeats_its_header_on_every_page_and_never_splits_a_row(school: Path, tmp_path: Path) -> None:
    one_year = tmp_path / "school"  # the sample with every pupil in Year 9, so that one year group's register runs over pages
    shutil.copytree(school, one_year, ignore=shutil.ignore_patterns("output"))
    for path in (one_year / "pupils").glob("*.yaml"):
        path.write_text(re.sub(r"(?m)^year: \d+$", "year: 9", path.read_text(encoding="utf-8")), encoding="utf-8")
    dest = "staff/register/register-year-9.pdf"
    html = rendered(school_at(one_year, AS_OF), dest)[dest]
    register = tmp_path / "register.pdf"
    register.write_bytes(dict(pdf.render_all([pdf.PdfJob(dest, html)], one_year, (PACKAGED / "shared" / "print.css",), 1))[dest])
    pages = [" ".join((page.extract_text() or "").split()) for page in PdfReader(str(register)).pages]
    assert len(pages) >= 2, "the year's register should run over pages, or this test proves nothing"
    for page in pages:
        assert "Pupil Form Mentor Referred Referred by Reasons Status Next review" in page
    for path in sorted((school / "pupils").glob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        mentoring = record.get("mentoring") or {}
        if mentoring.get("status", "none") == "none":
            continue
        name = f"{record['first_name']} {record['last_name']}"
        holding = [page for page in pages if name in page]
        assert holding, f"{name} is missing from the register"
        for reason in mentoring.get("reasons", []):
            assert any(" ".join(reason.split()) in page for page in holding), f"{name}'s row was split from its reasons"
