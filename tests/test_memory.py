"""A large school's build holds one pupil's views at a time (issue 12: peak memory at 5,000 pupils), with the same bytes.

The figures are in benchmarks/memory.py and docs/performance.md; these tests
check the shape that keeps them down: a pupil's outputs are planned,
rendered and dropped before the next pupil's are planned, and their
documents reach the executor as they are made.
"""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from typing import Any

import pytest
from support import AS_OF, tree_bytes

from generator.build import build


def test_a_pupils_views_are_dropped_before_the_next_pupil_is_planned(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.build as pipeline
    from generator.output import pdf, plan

    views: list[weakref.ref[Any]] = []
    real_view = plan.staff_pupil

    def staff_pupil(*args: Any, **kwargs: Any) -> Any:
        view = real_view(*args, **kwargs)
        views.append(weakref.ref(view))
        return view

    alive_at_pages: list[int] = []
    real_render = pipeline.render

    def page(env: Any, template: str, path: str, **kwargs: Any) -> str:
        if path.startswith("pupils/") and path.endswith("/index.html") and path.count("/") == 2:  # a pupil's own page
            gc.collect()
            alive_at_pages.append(sum(1 for ref in views if ref() is not None))
        return real_render(env, template, path, **kwargs)

    monkeypatch.setattr(plan, "staff_pupil", staff_pupil)
    monkeypatch.setattr(pipeline, "render", page)
    monkeypatch.setattr(pdf, "render_task", lambda task: pdf.PdfResult(task.dest, b"%PDF-stub"))
    monkeypatch.setattr(pdf, "warm_up", lambda: None)
    build(tiny, tiny / "output", jobs=1, as_of=AS_OF)
    pupils = len(list((tiny / "pupils").glob("*.yaml")))
    assert len(alive_at_pages) == pupils >= 3
    assert alive_at_pages == [1] * pupils  # only the pupil being rendered: every view was alive at once before


def test_documents_are_submitted_as_pupils_are_planned(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With more documents than a window, the executor gets them while later pupils are still being planned."""
    import generator.build as pipeline
    from generator.output import pdf

    order: list[str] = []
    real_render = pipeline.render

    def page(env: Any, template: str, path: str, **kwargs: Any) -> str:
        order.append(path)
        return real_render(env, template, path, **kwargs)

    monkeypatch.setattr(pdf, "BATCH_FROM", 4)  # a window of four documents stands for a large school's two hundred
    monkeypatch.setattr(pipeline, "render", page)
    monkeypatch.setattr(pdf, "render_task", lambda task: (order.append("pdf"), pdf.PdfResult(task.dest, b"%PDF-stub"))[1])
    monkeypatch.setattr(pdf, "warm_up", lambda: None)
    build(tiny, tiny / "output", jobs=1, as_of=AS_OF)  # one job: the in-process executor runs a task as it is submitted
    pupil_pages = [i for i, name in enumerate(order) if name.startswith("pupils/") and name.endswith("/index.html")]
    pdfs = [i for i, name in enumerate(order) if name == "pdf"]
    assert pupil_pages and pdfs
    assert pdfs[0] < pupil_pages[-1] and pupil_pages[0] < pdfs[-1], order  # interleaved: not every document before every page


def test_the_schools_own_documents_are_submitted_before_the_pupils_are_planned(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit that changes a long year group's sheet: the sheet goes to the workers (and they start) before 1,500 pupils are
    planned, not after, though an edit's handful of documents is far from a window; short sheets wait, so no pool starts for them."""
    import generator.build as pipeline
    from generator.output import pdf

    order: list[str] = []
    real_plan = pipeline.plan_pupil

    def plan_pupil(*args: Any, **kwargs: Any) -> Any:
        order.append("pupil planned")
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(pipeline, "plan_pupil", plan_pupil)
    monkeypatch.setattr(pdf, "render_task", lambda task: (order.append(task.dest), pdf.PdfResult(task.dest, b"%PDF-stub"))[1])
    monkeypatch.setattr(pdf, "warm_up", lambda: None)
    build(tiny, tiny / "output", jobs=1, as_of=AS_OF)  # one job: the in-process executor runs a task as it is submitted
    first_pupil = order.index("pupil planned")
    assert not [d for d in order[:first_pupil] if d.endswith(".pdf")], "a small school's short sheets wait with the rest"

    order.clear()
    monkeypatch.setattr(pdf, "EARLY_FROM", 1)  # the tiny school's sheets stand for a large school's long ones
    build(tiny, tiny / "again", jobs=1, as_of=AS_OF)
    first_pupil = order.index("pupil planned")
    assert "staff/register/register-year-9.pdf" in order[:first_pupil], order
    assert "staff/progress/progress-meeting-year-9.pdf" in order[:first_pupil], order
    assert "families/ada/profile.pdf" in order[first_pupil:], order  # a pupil's own documents follow their planning


def test_submit_now_sends_what_was_read_at_once_and_the_rest_as_before() -> None:
    from generator.output import pdf
    from generator.output.executors import InProcessExecutor

    pulled: list[str] = []
    rendered: list[str] = []

    class Recording(InProcessExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            rendered.extend(task.dest for task in args[0])
            return super().submit(lambda tasks: tuple(pdf.PdfResult(t.dest, b"%PDF-stub") for t in tasks), *args)

    def stream() -> Any:
        for name in ("a", "b"):
            pulled.append(name)
            yield pdf.PdfJob(f"{name}.pdf", "<p>x</p>")
        yield pdf.SUBMIT_NOW
        assert rendered == ["a.pdf", "b.pdf"], "what came before SUBMIT_NOW is submitted before the stream is read further"
        for name in ("c", "d", "e"):
            pulled.append(name)
            yield pdf.PdfJob(f"{name}.pdf", "<p>x</p>")

    results = pdf.render_documents(Recording(), stream(), (), lambda url: None)
    assert sorted(r.dest for r in results) == ["a.pdf", "b.pdf", "c.pdf", "d.pdf", "e.pdf"]
    assert pulled == ["a", "b", "c", "d", "e"]


def test_streamed_documents_are_the_same_bytes(tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Submitting in windows (a large school) or all at once (a small one) makes the same files, manifest included."""
    from generator.output import pdf

    whole = tmp_path / "whole"
    build(tiny, whole, jobs=1, as_of=AS_OF)
    monkeypatch.setattr(pdf, "BATCH_FROM", 2)
    windows = tmp_path / "windows"
    build(tiny, windows, jobs=1, as_of=AS_OF)
    first, second = tree_bytes(whole), tree_bytes(windows)
    assert sorted(first) == sorted(second)
    assert [path for path in first if first[path] != second[path]] == []


def test_a_worker_gives_memory_back_after_a_document_that_grew_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """WeasyPrint's freed boxes stayed in the worker's heap: it kept its largest document's size for the rest of the build."""
    from generator.output import memory, pdf

    sizes = iter([100, 110, 100 + pdf.GIVE_BACK_ABOVE + 1, 120, 130])  # after: warm-up base, doc 1, doc 2 (grew), after release, doc 3
    released: list[int] = []
    monkeypatch.setattr(memory, "resident", lambda: next(sizes))
    monkeypatch.setattr(memory, "release", lambda: released.append(1))
    monkeypatch.setattr(pdf, "render_task", lambda task: pdf.PdfResult(task.dest, b"%PDF-stub"))
    monkeypatch.setattr(pdf, "_worker", {"resident": next(sizes)})
    tasks = tuple(pdf.PdfTask(f"d/{i}.pdf", "<p>x</p>", ()) for i in range(3))
    assert [r.dest for r in pdf.render_batch(tasks)] == ["d/0.pdf", "d/1.pdf", "d/2.pdf"]
    assert released == [1]  # once, after the document that grew it; the next is measured from the size after giving back
    assert pdf._worker["resident"] == 120



def test_finished_documents_are_written_as_they_come_not_held_to_the_end(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With one job every document is rendered as it is submitted; its bytes used to wait in memory until search was done."""
    import generator.build as pipeline
    from generator.output import pdf, write

    order: list[str] = []
    real_render, real_write = pipeline.render, write.Staging.write

    def page(env: Any, template: str, path: str, **kwargs: Any) -> str:
        order.append(path)
        return real_render(env, template, path, **kwargs)

    def written(self: write.Staging, rel: str, data: bytes) -> None:
        if rel.endswith(".pdf"):
            order.append("written")
        real_write(self, rel, data)

    monkeypatch.setattr(pdf, "BATCH_FROM", 4)
    monkeypatch.setattr(pipeline, "render", page)
    monkeypatch.setattr(write.Staging, "write", written)
    monkeypatch.setattr(pdf, "render_task", lambda task: pdf.PdfResult(task.dest, b"%PDF-stub"))
    monkeypatch.setattr(pdf, "warm_up", lambda: None)
    build(tiny, tiny / "output", jobs=1, as_of=AS_OF)
    pupil_pages = [i for i, name in enumerate(order) if name.startswith("pupils/") and name.endswith("/index.html")]
    assert "written" in order and order.index("written") < pupil_pages[-1], order
