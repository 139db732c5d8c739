"""`export`, `sar` and `retention`: what leaves the school's folder on request, and nothing more."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
import yaml
from support import AS_OF, run_cli

from generator.build import check, derive
from generator.commands.export import analysis_csv, register_csv, retention, sar
from generator.output.write import OutputRefused
from generator.views.staff import analysis_page


def _canaries(root: Path) -> dict[str, set[str]]:
    """Strings that identify each pupil: names, UPN, restricted context and staff-only text."""
    found: dict[str, set[str]] = {}
    for path in sorted((root / "pupils").glob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        words = {record["first_name"], record["last_name"], record.get("upn"), record.get("context", {}).get("ethnicity")}
        words |= set(record.get("mentoring", {}).get("reasons", []))
        words |= {m.get("notes") for m in record.get("meetings", [])} | {c.get("notes") for c in record.get("contacts", [])}
        found[path.stem] = {w.split()[0] if w and w.startswith("Canary") else w for w in words if w}
    return found


def _bundle_text(path: Path) -> dict[str, str]:
    from pypdf import PdfReader

    out = {}
    with zipfile.ZipFile(path) as bundle:
        for name in bundle.namelist():
            data = bundle.read(name)
            out[name] = ("\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
                         if name.endswith(".pdf") else data.decode("utf-8"))
    return out


def test_sar_bundle_holds_everything_about_the_pupil_and_no_other_pupil(tiny: Path, tmp_path: Path) -> None:
    canaries = _canaries(tiny)
    assert {"CanaryReasonOmega", "CanaryEthnicityZeta", "G93887766554Q"} <= canaries["ada"]
    bundle = sar(tiny, "ada", tmp_path / "ada.zip", as_of=AS_OF)
    texts = _bundle_text(bundle.path)
    assert sorted(texts) == ["00-contents.txt", "documents/families-action-plan.pdf", "documents/families-profile.pdf",
                             "documents/staff-pupils-mentoring-file.pdf", "history.txt", "record/ada.yaml", "register-entry.txt"]
    everything = "\n".join(texts.values())
    for other in ("bex", "cal"):
        assert [c for c in canaries[other] if c in everything] == [], other
    assert texts["record/ada.yaml"] == (tiny / "pupils" / "ada.yaml").read_text(encoding="utf-8")
    assert "Quillfeather" in texts["documents/staff-pupils-mentoring-file.pdf"]
    assert "CanaryReasonOmega" in texts["register-entry.txt"]
    for name in texts:
        if name != "00-contents.txt":
            assert name in texts["00-contents.txt"]
    # the same records give the same bytes
    again = sar(tiny, "ada", tmp_path / "again.zip", as_of=AS_OF)
    assert again.path.read_bytes() == bundle.path.read_bytes()


def test_sar_refuses_to_write_inside_the_school_and_unknown_pupils(tiny: Path, tmp_path: Path) -> None:
    with pytest.raises(OutputRefused):
        sar(tiny, "ada", tiny / "ada.zip", as_of=AS_OF)
    result = run_cli("sar", "adaa", "--root", str(tiny), "--out", str(tmp_path / "x.zip"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == "pupils/adaa.yaml:1:1: there is no pupil 'adaa' in pupils/; did you mean 'ada'? [sar.pupil.unknown]"
    assert not (tmp_path / "x.zip").exists()


def test_register_csv_is_the_register_view_and_defuses_formulas(tiny: Path) -> None:
    bex = tiny / "pupils" / "bex.yaml"
    bex.write_text(bex.read_text(encoding="utf-8").replace("[CanaryReasonPsi attendance below 92%]", "['=HYPERLINK(\"x\")']"), encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(register_csv(tiny, AS_OF))))
    assert [r["name"] for r in rows] == ["Bexley Marrowgate", "Adaeze Quillfeather"]
    assert rows[0]["reasons"] == "'=HYPERLINK(\"x\")" and rows[1]["status"] == "active" and rows[1]["next_review"] == "2026-11-30"


def test_analysis_csv_is_the_suppressed_analysis_view(tiny: Path) -> None:
    view = analysis_page(derive(tiny, check(tiny), AS_OF)).analysis
    rows = list(csv.DictReader(io.StringIO(analysis_csv(tiny, AS_OF))))
    assert [r["group"] for r in rows] == [f.label for f in (*view.by_year, *view.by_subject, *view.by_group)]
    for row, figures in zip(rows, (*view.by_year, *view.by_subject, *view.by_group)):
        assert (row["pupils"] == "suppressed") == (figures.size is None)
    assert all(r["pupils"] == "suppressed" for r in rows)  # three pupils: every group is under five


def test_analysis_csv_shows_exactly_the_figures_the_page_shows(tmp_path: Path) -> None:
    """A school large enough to publish figures: each CSV cell is the view's count of pupils, or 'suppressed' where the page hides it."""
    from generator.commands.sample import write_sample

    root = tmp_path / "school"
    write_sample(60, root)
    view = analysis_page(derive(root, check(root), AS_OF)).analysis
    rows = list(csv.DictReader(io.StringIO(analysis_csv(root, AS_OF))))
    figures = (*view.by_year, *view.by_subject, *view.by_group)
    shown = 0
    for row, f in zip(rows, figures, strict=True):
        for column, share in (("pupils_on_or_above_target", f.on_or_above), ("pupils_below_target", f.below),
                              ("pupils_on_register", f.registered)):
            assert row[column] == ("suppressed" if share.count is None else str(share.count))
            shown += share.count is not None
    assert shown, "a 60-pupil school should publish some figures, or this test checks nothing"


def test_retention_lists_records_past_their_date_with_the_command(tiny: Path) -> None:
    (tiny / "archive" / "2019-20").mkdir(parents=True)
    (tiny / "archive" / "2019-20" / "old.yaml").write_text("retain_until: 2026-01-31\nfirst_name: Gone\n", encoding="utf-8")
    (tiny / "archive" / "2019-20" / "kept.yaml").write_text("retain_until: 2040-01-31\nfirst_name: Kept\n", encoding="utf-8")
    today, due, problems = retention(tiny, AS_OF)
    assert (today, [d.rel_path for d in due], problems) == (AS_OF, ["archive/2019-20/old.yaml"], [])
    result = run_cli("retention", "--root", str(tiny), "--as-of", AS_OF.isoformat())
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "archive/2019-20/old.yaml  keep until 2026-01-31  (past, as of 2026-11-20)",
        'git rm -q archive/2019-20/old.yaml && git commit -m "Retention: remove 1 archived record past their retention date (as of 2026-11-20)"']
    (tiny / "archive" / "2019-20" / "odd.yaml").write_text("first_name: Undated\n", encoding="utf-8")
    result = run_cli("retention", "--root", str(tiny), "--as-of", AS_OF.isoformat())
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == ("archive/2019-20/odd.yaml:1:1: retain_until: expected the date until which this record is kept, "
                                             "written YYYY-MM-DD [retention.date]")
