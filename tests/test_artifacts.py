"""Outputs as artifacts: the output folder's access kept across the swap, a second build that builds nothing,
exactly the PDFs that use a changed file re-rendered, and `--explain`."""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path

import pytest
from support import AS_OF

from generator.build import build


def _other_group() -> int:
    """A group this process is not in by default, to stand for www-data."""
    for name in ("www-data", "nogroup"):
        try:
            gid = grp.getgrnam(name).gr_gid
        except KeyError:
            continue
        if gid != os.getgid():
            return gid
    pytest.skip("no second group on this machine")


@pytest.mark.skipif(not hasattr(os, "chown") or os.geteuid() != 0, reason="needs chown to another group (root)")
def test_a_rebuild_keeps_the_output_folders_mode_and_group(tiny: Path) -> None:
    out = tiny / "output"
    build(tiny, out, jobs=1, as_of=AS_OF)
    gid = _other_group()
    os.chown(out, -1, gid)  # chgrp www-data output
    os.chmod(out, 0o750)  # chmod 750 output
    pupil = tiny / "pupils" / "ada.yaml"
    pupil.write_text(pupil.read_text("utf-8").replace("first_name: Adaeze", "first_name: Adanna"), "utf-8")  # a real rebuild
    build(tiny, out, jobs=1, as_of=AS_OF)
    info = out.stat()
    assert "Adanna" in (out / "staff" / "pupils" / "ada" / "index.html").read_text("utf-8")
    assert (stat.S_IMODE(info.st_mode), info.st_gid) == (0o750, gid)


# --- a second build builds nothing; a change re-renders exactly what used it --------------

REPO_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
CREST = b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'><rect width='10' height='10' fill='#123456'/></svg>"


def _snapshot(out: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file (the manifest too) with its inode, mtime and bytes: a build that writes nothing leaves all three."""
    return {p.relative_to(out).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture
def crested(tiny: Path) -> Path:
    """The tiny school with its own copy of the templates, whose family profile shows a crest image from the root."""
    import shutil

    shutil.copytree(REPO_TEMPLATES, tiny / "templates")
    profile = tiny / "templates" / "families" / "profile.html"
    text = profile.read_text("utf-8")
    marker = next((m for m in ("{% block body %}", "{% block content %}", "{% block main %}") if m in text), "")
    assert marker in text, "profile.html changed shape: put the crest somewhere else"
    profile.write_text(text.replace(marker, marker + '<img src="assets/crest.svg" alt="School crest">', 1), "utf-8")
    (tiny / "assets").mkdir()
    (tiny / "assets" / "crest.svg").write_bytes(CREST)
    return tiny


def _rebuilt(root: Path, out: Path) -> set[str]:
    said: list[str] = []
    build(root, out, jobs=1, as_of=AS_OF, explain=said.append)
    return {line.split(":", 1)[0] for line in said if not line.startswith("building because")}


def test_a_second_build_builds_nothing_and_writes_nothing(crested: Path) -> None:
    out = crested / "output"
    first = build(crested, out, jobs=1, as_of=AS_OF)
    assert first.pdfs_rendered > 0
    before, folder = _snapshot(out), out.stat().st_ino
    second = build(crested, out, jobs=1, as_of=AS_OF)
    assert (second.pages, second.pdfs_rendered) == (0, 0)
    assert _snapshot(out) == before and out.stat().st_ino == folder  # not even swapped


def test_changing_an_image_a_template_or_print_css_rerenders_exactly_the_pdfs_that_use_it(crested: Path) -> None:
    out = crested / "output"
    build(crested, out, jobs=1, as_of=AS_OF)
    before = _snapshot(out)
    pupils = sorted(p.stem for p in (crested / "pupils").glob("*.yaml"))
    pdfs = {dest for dest in before if dest.endswith(".pdf")}

    (crested / "assets" / "crest.svg").write_bytes(CREST.replace(b"#123456", b"#654321"))
    assert _rebuilt(crested, out) == {f"families/{pid}/profile.pdf" for pid in pupils}
    after = _snapshot(out)
    copies = {f"{audience}/assets/crest.svg" for audience in ("staff", "governors")}  # the school's assets/ is copied through
    assert {d: after[d][-1] for d in copies} == dict.fromkeys(copies, CREST.replace(b"#123456", b"#654321"))
    assert [d for d in before if d.startswith(("staff/", "governors/")) and d not in copies and after[d] != before[d]] == []  # carried over whole

    template = crested / "templates" / "staff" / "print" / "mentoring-file.html"
    template.write_text(template.read_text("utf-8") + "\n{# a comment changes the source, not the output #}\n", "utf-8")
    assert _rebuilt(crested, out) == {f"staff/pupils/{pid}/mentoring-file.pdf" for pid in pupils}

    css = crested / "templates" / "shared" / "print.css"
    css.write_text(css.read_text("utf-8") + "\nh1 { letter-spacing: 0.01em; }\n", "utf-8")
    assert _rebuilt(crested, out) == pdfs  # every PDF, and no web page


def test_records_taken_from_the_cache_build_the_same_bytes_as_parsed_ones(tiny: Path, tmp_path: Path) -> None:
    from support import tree_bytes

    out = tmp_path / "cached"
    build(tiny, out, jobs=1, as_of=AS_OF)
    pupil = tiny / "pupils" / "cal.yaml"
    pupil.write_text(pupil.read_text("utf-8") + "\n# an edit that changes the file, not the record\n", "utf-8")
    said: list[str] = []
    build(tiny, out, jobs=1, as_of=AS_OF, report=said.append)
    assert any("3 pupils (2 unchanged)" in line for line in said), said  # ada and bex came from the cache
    fresh = tmp_path / "fresh"
    build(tiny, fresh, jobs=1, as_of=AS_OF)
    cached_tree, fresh_tree = tree_bytes(out), tree_bytes(fresh)
    assert sorted(cached_tree) == sorted(fresh_tree)
    assert [p for p in cached_tree if cached_tree[p] != fresh_tree[p]] == []


def test_the_command_shows_progress_in_a_log_explains_rebuilds_and_is_quiet_when_asked(tiny: Path) -> None:
    from support import run_cli

    out = str(tiny / "output")
    first = run_cli("build", "--root", str(tiny), "--out", out, "--as-of", AS_OF.isoformat(), "--jobs", "1")
    assert first.returncode == 0, first.stderr
    assert "mentorsite: PDFs 100% (17/17)" in first.stderr.splitlines()  # not a terminal: plain percentage lines
    again = run_cli("build", "-q", "--root", str(tiny), "--out", out, "--as-of", AS_OF.isoformat())
    assert (again.returncode, again.stderr) == (0, "")
    told = run_cli("build", "--root", str(tiny), "--out", out, "--as-of", AS_OF.isoformat())
    assert told.stderr.startswith("mentorsite: ") and "is up to date: nothing changed" in told.stderr
    pupil = tiny / "pupils" / "bex.yaml"
    pupil.write_text(pupil.read_text("utf-8").replace("first_name: ", "first_name: Re", 1), "utf-8")
    explained = run_cli("build", "--explain", "--root", str(tiny), "--out", out, "--as-of", AS_OF.isoformat(), "--jobs", "1")
    assert "mentorsite: families/bex/profile.pdf: its data changed" in explained.stderr.splitlines()
    assert not any(line.startswith("mentorsite: families/ada/") for line in explained.stderr.splitlines())
    version = run_cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("mentorsite ")


def test_a_public_audiences_plan_refuses_a_staff_view(tiny: Path) -> None:
    from generator import views
    from generator.build import check, derive
    from generator.output import plan as planning

    checked = check(tiny)
    school = derive(tiny, checked, AS_OF)
    staff = views.staff_site(school)
    outputs = planning.plan(school, staff, views.governors_site(school, ()))
    assert {o.audience for o in outputs} == {"staff", "families", "governors"}  # every audience planned, each view accepted
    wrong = planning.Output("families/ada/profile.pdf", "profile.html", "pdf", {"profile": staff})
    with pytest.raises(planning.WrongAudience, match="families/ada/profile.pdf .families. was given views of another audience"):
        planning._check_view_types(wrong)
    governors = planning.Output("governors/index.html", "index.html", "html", {"site": staff.register[0]})
    with pytest.raises(planning.WrongAudience):
        planning._check_view_types(governors)


def test_documents_are_submitted_before_the_schools_own_pages_render(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers render PDFs while the build renders the school's own pages and indexes search: submitting waited for the first result
    before. (A pupil's pages are rendered with their documents, a pupil at a time: see tests/test_memory.py.)"""
    import generator.build as pipeline
    from generator.output import pdf

    order: list[str] = []
    monkeypatch.setattr(pdf, "render_task", lambda task: (order.append("pdf"), pdf.PdfResult(task.dest, b"%PDF-stub"))[1])
    real_render = pipeline.render

    def page(env, template, path, **kwargs):  # type: ignore[no-untyped-def]
        order.append(path)
        return real_render(env, template, path, **kwargs)

    monkeypatch.setattr(pipeline, "render", page)
    monkeypatch.setattr(pdf, "warm_up", lambda: None)
    build(tiny, tiny / "output", jobs=1, as_of=AS_OF)  # one job: the in-process executor runs a task as it is submitted
    assert "pdf" in order
    first_pdf = order.index("pdf")
    assert "index.html" in order[first_pdf:], order  # the staff dashboard (a page about every pupil) after the first document


def test_renaming_a_pupil_reprints_their_own_year_groups_sheets_only(tiny: Path) -> None:
    """The register and the progress meeting sheet are one document per year group: a renamed Year 9 pupil is reprinted on
    Year 9's, and the other years' sheets are carried over (at 1,500 pupils the whole-school sheets took 6 and 11 s to reprint)."""
    out = tiny / "output"
    build(tiny, out, jobs=1, as_of=AS_OF)
    sheets = {p.relative_to(out).as_posix() for p in out.glob("staff/*/*-year-*.pdf")}
    assert len(sheets) == 6, sheets  # Years 7, 9 and 10, two sheets each
    pupil = tiny / "pupils" / "ada.yaml"  # Adaeze, Year 9, below target in maths: on Year 9's register and progress meeting sheet
    pupil.write_text(pupil.read_text("utf-8").replace("first_name: Adaeze", "first_name: Adanna"), "utf-8")
    rebuilt = _rebuilt(tiny, out)
    assert rebuilt & sheets == {"staff/register/register-year-9.pdf", "staff/progress/progress-meeting-year-9.pdf"}
    assert {"families/ada/profile.pdf", "staff/pupils/ada/mentoring-file.pdf", "staff/register/index.html"} <= rebuilt
