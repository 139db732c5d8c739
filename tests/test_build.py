"""Whole builds: every contract path, privacy of the governors' and families' folders, determinism, and a failed build changing nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from support import AS_OF, REPO, copy_site, file_text, pdf_text, run_cli, tree_bytes, wait_recycled

from generator.build import build
from generator.sources.diagnostics import InvalidInput

CANARIES = {
    "restricted": ["CanaryEthnicityZeta", "CanaryEthnicityEta", "G93887766554Q", "Q20123344556R"],
    "staff": ["CanaryReasonOmega", "CanaryReasonPsi", "CanaryNoteSigma", "CanaryContactKappa", "Numeracy catch-up group"],
}
"""Unique strings in tests/sites/tiny that may appear only in staff/."""


@pytest.fixture(scope="module")
def example_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example school, built once through the real command."""
    out = tmp_path_factory.mktemp("example") / "output"
    result = run_cli("build", "--root", str(REPO), "--out", str(out), "--as-of", AS_OF.isoformat())
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def tiny_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_site("tiny", tmp_path_factory.mktemp("tiny"))
    out = root / "output"
    build(root, out, jobs=2, as_of=AS_OF)
    return out


def test_example_school_has_every_contract_path(example_out: Path) -> None:
    pupils = sorted(p.stem for p in (REPO / "pupils").glob("*.yaml"))
    policies = sorted(p.stem for p in (REPO / "content" / "policies").glob("*.md"))
    assert len(pupils) >= 40 and len(policies) >= 2
    expected = ["staff/index.html", "staff/register/index.html", "governors/index.html"]
    for pid in pupils:
        expected += [f"staff/pupils/{pid}/index.html", f"staff/pupils/{pid}/mentoring-file.pdf", f"families/{pid}/profile.pdf"]
    for slug in policies:
        expected += [f"governors/policies/{slug}/index.html", f"governors/policies/{slug}.pdf"]
    missing = [path for path in expected if not (example_out / path).is_file()]
    assert missing == []
    assert all((example_out / p).read_bytes().startswith(b"%PDF-") for p in expected if p.endswith(".pdf"))


def test_governors_folder_names_no_pupil(example_out: Path) -> None:
    needles: set[str] = set()
    for path in (REPO / "pupils").glob("*.yaml"):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        needles |= {path.stem, f"{record['first_name']} {record['last_name']}", record["last_name"]}
        if record.get("upn"):
            needles.add(record["upn"])
    for file in (example_out / "governors").rglob("*"):
        if not file.is_file():
            continue
        text = file_text(file)
        found = sorted(n for n in needles if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text))
        assert found == [], f"{file.relative_to(example_out)} names {found}"


def test_family_profile_holds_only_that_pupils_family_safe_data(example_out: Path) -> None:
    records = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in (REPO / "pupils").glob("*.yaml")}
    for pid, record in records.items():
        text = pdf_text(example_out / "families" / pid / "profile.pdf")
        assert f"{record['first_name']} {record['last_name']}" in text
        others = [f"{r['first_name']} {r['last_name']}" for other, r in records.items() if other != pid]
        assert [name for name in others if name in text] == []
        assert record.get("upn", "UPN-NONE") not in text
        ethnicity = record.get("context", {}).get("ethnicity")
        if ethnicity:
            assert ethnicity not in text
        for reason in record.get("mentoring", {}).get("reasons", []):
            assert reason not in " ".join(text.split())


def test_canaries_reach_staff_and_nothing_else(tiny_out: Path) -> None:
    staff_text = (tiny_out / "staff" / "pupils" / "ada" / "index.html").read_text(encoding="utf-8")
    staff_text += pdf_text(tiny_out / "staff" / "pupils" / "ada" / "mentoring-file.pdf")
    for canary in CANARIES["restricted"][:1] + CANARIES["staff"][:1]:
        assert canary in staff_text, "the canary must reach staff, or this test could never fail"
    for file in [*tiny_out.glob("families/**/*"), *tiny_out.glob("governors/**/*")]:
        if file.is_file():
            text = file_text(file)
            leaked = [c for group in CANARIES.values() for c in group if c in text]
            assert leaked == [], f"{file.relative_to(tiny_out)} leaks {leaked}"


def test_profile_shows_the_pupils_targets_and_plan(tiny_out: Path) -> None:
    text = pdf_text(tiny_out / "families" / "ada" / "profile.pdf")
    assert "Adaeze Quillfeather" in text
    assert "Complete every maths homework for four weeks" in text
    assert "Mathematics" in text and "Page 1 of" in text


def test_mentoring_file_is_marked_confidential_and_names_the_pupil_on_every_page(tiny_out: Path) -> None:
    from pypdf import PdfReader

    pages = PdfReader(str(tiny_out / "staff" / "pupils" / "ada" / "mentoring-file.pdf")).pages
    for number, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert "Confidential — staff" in text
        assert "Adaeze Quillfeather" in text
        assert f"Page {number} of {len(pages)}" in text


def test_two_builds_are_byte_identical(tiny: Path, tmp_path: Path) -> None:
    build(tiny, tmp_path / "a", jobs=1, as_of=AS_OF)
    build(tiny, tmp_path / "b", jobs=2, as_of=AS_OF)
    first, second = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    assert sorted(first) == sorted(second)
    assert [p for p in first if first[p] != second[p]] == []


def test_rebuild_reuses_unchanged_pdfs_and_rerenders_changed_ones(tiny: Path) -> None:
    out = tiny / "output"
    first = build(tiny, out, jobs=1, as_of=AS_OF)
    again = build(tiny, out, jobs=1, as_of=AS_OF)
    assert (first.pdfs_rendered, again.pdfs_rendered, again.pdfs_reused) == (first.pdfs_rendered, 0, first.pdfs_rendered)
    path = tiny / "pupils" / "cal.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Calloway", "Callum"), encoding="utf-8")
    changed = build(tiny, out, jobs=1, as_of=AS_OF)
    assert changed.pdfs_rendered == 3  # Callum's mentoring file and profile, and the progress meeting sheet that lists him as excelled
    assert "Callum" in pdf_text(out / "families" / "cal" / "profile.pdf")


def test_failed_build_leaves_previous_output_untouched(tiny: Path) -> None:
    out = tiny / "output"
    build(tiny, out, jobs=1, as_of=AS_OF)
    before = tree_bytes(out)
    (tiny / "pupils" / "bex.yaml").write_text("first_name: Bexley\nyear: ten\n", encoding="utf-8")
    with pytest.raises(InvalidInput):
        build(tiny, out, jobs=1, as_of=AS_OF)
    assert tree_bytes(out) == before
    wait_recycled(out)  # the first build's folders, mirrored as the spare (write._mirror_detached); refused before staging, it is untouched
    assert sorted(p.name for p in tiny.iterdir() if p.name.startswith(".output")) == [".output.lock", ".output.spare"]


def test_sample_school_of_120_builds_120_pupil_pages(tmp_path: Path) -> None:
    school = tmp_path / "sample"
    assert run_cli("sample", "--pupils", "120", str(school)).returncode == 0
    result = run_cli("build", "--root", str(school), "--jobs", "2")
    assert result.returncode == 0, result.stderr
    pages = list((school / "output" / "staff" / "pupils").glob("*/index.html"))
    assert len(pages) == 120
