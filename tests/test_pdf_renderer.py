"""The PDF renderer: the lean user-agent stylesheet changes speed, not documents; jobs render the same in one process or many."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader
from support import AS_OF, REPO, copy_site

from generator import build as build_module
from generator.output import pdf
from generator.output.executors import InProcessExecutor, open_executor

CSS_TEXT = (REPO / "templates" / "shared" / "print.css").read_text("utf-8")


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[pdf.PdfJob]]:
    """Every PDF job of the tiny school (with letters), captured instead of rendered."""
    root = copy_site("tiny", tmp_path_factory.mktemp("renderer"))
    shutil.copytree(REPO / "content" / "letters", root / "content" / "letters")
    captured: list[pdf.PdfJob] = []

    def collect(_executor: object, found: list[pdf.PdfJob], *_args: object) -> object:
        captured.extend(job for job in found if isinstance(job, pdf.PdfJob))  # not SUBMIT_NOW, the stream's marker
        return iter(())

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf, "render_documents", collect)
        build_module.build(root, root / "output", jobs=1, as_of=AS_OF)
    return root, sorted(captured, key=lambda j: j.dest)


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_the_lean_stylesheet_drops_only_the_pseudo_element_rules() -> None:
    from weasyprint.html import UA

    lean = pdf._lean_ua_text()
    assert lean is not None, "WeasyPrint's stylesheet changed: check _lean_ua_text still applies"
    removed = set(UA.splitlines()) - set(lean.splitlines())
    assert sorted(line.split(" ", 1)[0] for line in removed) == [
        "::footnote-call", "::footnote-marker", "::marker", "::note-call", "::note-callback", "::note-marker"]
    assert "li::marker { font-variant-numeric: tabular-nums; white-space: pre; text-transform: none }" in lean


def test_every_document_renders_the_same_with_the_lean_stylesheet(jobs: tuple[Path, list[pdf.PdfJob]]) -> None:
    from weasyprint import CSS, HTML

    root, found = jobs
    pdf._setup((CSS_TEXT,))
    assert pdf._worker["ua"] is not None
    standard_css = CSS(string=CSS_TEXT, base_url=pdf.BASE_URL)
    kinds = {re.sub(r"-year-\d+", "", job.dest.split("/")[-1]) for job in found}
    assert {"mentoring-file.pdf", "profile.pdf", "action-plan.pdf", "register.pdf", "start-of-mentoring.pdf",
            "governors-pack.pdf", "progress-meeting.pdf"} <= kinds
    for job in found:
        lean = pdf.render_task(pdf.PdfTask(job.dest, job.html, (CSS_TEXT,))).data
        standard = HTML(string=job.html, base_url=pdf.BASE_URL, url_fetcher=pdf._make_fetcher(root)).write_pdf(
            stylesheets=[standard_css], **pdf.PDF_OPTIONS)
        assert pages_text(lean) == pages_text(standard), job.dest


def test_a_job_renders_to_the_same_bytes_in_this_process_and_in_the_pool(jobs: tuple[Path, list[pdf.PdfJob]]) -> None:
    root, found = jobs

    def resolve(url: str) -> bytes | None:
        return None

    here = {r.dest: r.data for r in pdf.render_documents(InProcessExecutor(), found, (CSS_TEXT,), resolve)}
    with open_executor(2, initializer=pdf.warm_up) as pool:
        assert not isinstance(pool, InProcessExecutor)
        pooled = {r.dest: r.data for r in pdf.render_documents(pool, found, (CSS_TEXT,), resolve)}
    assert sorted(here) == sorted(job.dest for job in found)
    assert [dest for dest in here if here[dest] != pooled[dest]] == []
