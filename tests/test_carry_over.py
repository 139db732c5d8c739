"""Pupils carried over whole: a build plans only the pupils whose inputs changed, and the result is always a cold build's.

A build skips making views for a pupil whose carry-over key (their record,
their group neighbours' records, the school's settings and dates, the
letter templates, their git trail, the code) is the one the previous build
recorded. The danger is a key that misses an input: a page kept that a
cold build would have changed. So this walks one school through a term's
kinds of change — an edit, an edit to a group member whose name is on
other pupils' pages, a commit, site.yaml, the next day, a new pupil, a
leaver — and after each, compares the incremental output with a cold
build of the same inputs, byte for byte.

PDFs are stood in for by the digest of their HTML (the expensive part is
WeasyPrint, and the question here is only whether the right documents were
made from the right HTML).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support import REPO, tree_bytes, wait_recycled

from generator.build import build
from generator.output import pdf
from generator.output.write import spare_path

EXAMPLE = REPO / "examples" / "p1-assessment-points"
DAY = dt.date(2026, 11, 20)


@pytest.fixture
def html_pdfs(monkeypatch: pytest.MonkeyPatch) -> None:
    def render_task(task: pdf.PdfTask) -> pdf.PdfResult:
        return pdf.PdfResult(task.dest, b"%PDF-stub " + hashlib.sha256(task.html.encode("utf-8")).hexdigest().encode())

    monkeypatch.setattr(pdf, "render_task", render_task)


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "A Mentor", "GIT_AUTHOR_EMAIL": "a@example.invalid", "GIT_COMMITTER_NAME": "A Mentor",
                        "GIT_COMMITTER_EMAIL": "a@example.invalid", "GIT_AUTHOR_DATE": "2026-11-19T12:00:00",
                        "GIT_COMMITTER_DATE": "2026-11-19T12:00:00", "PATH": "/usr/bin:/bin"})


def _edit(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text("utf-8")
    changed = re.sub(pattern, replacement, text, count=1, flags=re.M)
    assert changed != text, f"{pattern!r} not in {path.name}"
    path.write_text(changed, "utf-8")


def _step(root: Path, out: Path, tmp: Path, as_of: dt.date = DAY) -> list[str]:
    """An incremental build into `out`, then a cold one beside it: they must hold the same bytes, in the same folders.

    From the second build on, the incremental build starts its staging tree
    from the folders the previous swap left (the spare, write.py), so this
    also checks that a leaver's folder does not outlive them there.
    """
    said: list[str] = [f"started from a spare: {wait_recycled(out)}"]
    build(root, out, jobs=1, as_of=as_of, report=said.append)
    cold = tmp / "cold"
    shutil.rmtree(cold, ignore_errors=True)
    wait_recycled(cold)  # the last cold build's folders, mirrored as its spare (write._mirror_detached): removed, so this one starts from nothing
    shutil.rmtree(spare_path(cold), ignore_errors=True)
    build(root, cold, jobs=1, as_of=as_of)
    kept, fresh = tree_bytes(out), tree_bytes(cold)
    for tree in (kept, fresh):
        for name in [n for n in tree if n.startswith(".mentorsite/")]:
            del tree[name]
    assert sorted(kept) == sorted(fresh)
    assert [p for p in kept if kept[p] != fresh[p]] == []
    assert _folders(out) == _folders(cold)  # no folder left empty (a leaver's), none missing
    return said


def _folders(tree: Path) -> list[str]:
    return sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_dir())


def _carried(said: list[str]) -> int:
    line = next(s for s in said if "outputs compared" in s)
    found = re.search(r"of (\d+) pupils whose", line)
    assert found, line
    return int(found.group(1))


def test_an_incremental_build_is_always_a_cold_build_through_a_terms_changes(tmp_path: Path, html_pdfs: None) -> None:
    root = tmp_path / "school"
    shutil.copytree(EXAMPLE, root)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Start of term")
    out = tmp_path / "out"
    pupils = sorted(p.stem for p in (root / "pupils").glob("*.yaml"))
    group = ["p04", "p05", "p09"]  # the example's one group plan

    assert _carried(_step(root, out, tmp_path)) == 0  # cold

    _edit(root / "pupils" / "p02.yaml", r"^first_name: .*$", "first_name: Edited")  # one pupil, outside any group
    said = _step(root, out, tmp_path)
    assert _carried(said) == len(pupils) - 1
    assert "Edited" in (out / "staff" / "pupils" / "p02" / "index.html").read_text("utf-8")

    _edit(root / "pupils" / "p05.yaml", r"^first_name: .*$", "first_name: Renamed")  # a group member: named in the others' files
    said = _step(root, out, tmp_path)
    assert _carried(said) == len(pupils) - len(group)

    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Names corrected")  # the two edited pupils' trails change; only their own pages show them
    said = _step(root, out, tmp_path)
    assert _carried(said) == len(pupils) - 2
    assert "started from a spare: True" in said  # the second swap's old tree, recycled

    assert _carried(_step(root, out, tmp_path, DAY + dt.timedelta(days=1))) == 0  # the next day: every judgement may move

    _edit(root / "site.yaml", r"^school: .*$", "school: Renamed Academy")
    assert _carried(_step(root, out, tmp_path, DAY + dt.timedelta(days=1))) == 0

    shutil.copy(root / "pupils" / "p02.yaml", root / "pupils" / "p99.yaml")  # a new pupil (a copy of p02, who has no UPN)
    (root / "pupils" / "p01.yaml").unlink()  # and a leaver's file gone
    said = _step(root, out, tmp_path, DAY + dt.timedelta(days=1))
    assert _carried(said) == len(pupils) - 1  # p99 is new; every other pupil still there carried over
    assert "started from a spare: True" in said  # which held the leaver's folders
    assert not (out / "staff" / "pupils" / "p01").exists() and not (out / "families" / "p01").exists()


def test_a_later_day_renders_again_only_the_documents_whose_text_changed(tmp_path: Path, html_pdfs: None) -> None:
    """The year moves every day, and each later build re-judges every pupil; it must render again only the PDFs that changed.

    A stub PDF here is a digest of its HTML, so a PDF rendered again with the
    same bytes was rendered for nothing. The family's documents print the half
    term, not the day (views.common.TermHeader): a day later most are carried
    over, and those whose words changed (a review now overdue) are rendered.
    The staff's mentoring files print "as of" the day, so they change daily.
    """
    root = tmp_path / "school"
    shutil.copytree(EXAMPLE, root)
    out = tmp_path / "out"
    build(root, out, jobs=1, as_of=DAY)
    family = sorted(p.relative_to(out).as_posix() for p in (out / "families").rglob("*.pdf"))
    assert len(family) > 20
    carried_family = []
    for day in (DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=8), dt.date(2027, 1, 6), dt.date(2027, 1, 7)):  # into ARR 3 too
        before = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.pdf")}
        why: list[str] = []
        build(root, out, jobs=1, as_of=day, explain=why.append)
        rendered = [w.split(": ", 1)[0] for w in why if w.split(": ", 1)[0].endswith(".pdf")]
        assert any(d.endswith("/mentoring-file.pdf") for d in rendered), day  # the day is printed on them
        for_nothing = [d for d in rendered if d in before and (out / d).read_bytes() == before[d]]
        assert for_nothing == [], (day, for_nothing)
        carried_family.append(sum(1 for d in family if d not in rendered))
    assert carried_family[0] > len(family) // 2 and carried_family[3] > len(family) // 2  # a day later most are carried over


def test_serves_preview_renders_exactly_the_pages_the_next_build_changes_with_the_same_bytes(tmp_path: Path, html_pdfs: None) -> None:
    """serve's first pass after a save (build.preview): the saved pupil's page and every page listing pupils that changed."""
    from generator.build import PreviewMemo, preview
    from generator.output.artifacts import code_version, read_manifest
    from generator.sources.cache import RecordCache

    root = tmp_path / "school"
    shutil.copytree(EXAMPLE, root)
    _git(root, "init", "-q")  # in git: the saved file becomes "uncommitted", which its page says
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Start of term")
    out = tmp_path / "out"
    build(root, out, jobs=1, as_of=DAY)
    before = tree_bytes(out)
    memo, cache = PreviewMemo(manifest=read_manifest(out / ".mentorsite")), RecordCache(code_version())
    unchanged = preview(root, as_of=DAY, cache=cache, memo=memo)
    assert unchanged is not None and unchanged.pages == {}

    _edit(root / "pupils" / "p05.yaml", r"^first_name: .*$", "first_name: Previewed")
    made = preview(root, as_of=DAY, cache=cache, memo=memo)
    assert made is not None
    build(root, out, jobs=1, as_of=DAY)
    after = tree_bytes(out)
    assert {dest: after[dest] for dest in made.pages} == made.pages  # the same bytes the build then writes
    changed_pages = {d for d in after if d.endswith(".html") and before.get(d) != after[d]}
    later = {"staff/progress/index.html", "staff/analysis/index.html"}  # left to the full build that follows
    assert changed_pages - later - {d for d in changed_pages if "/pagefind" in d} <= set(made.pages)  # none left stale
    assert {"staff/pupils/p05/index.html", "staff/register/index.html"} <= set(made.pages)
    assert made.following >= 1
