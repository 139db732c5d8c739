"""PDFs on any executor: in this process, a local pool, or a Dask cluster give the same bytes; workers need no copy of the school."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import AS_OF, tree_bytes

from generator.build import build


def test_a_dask_cluster_builds_the_same_bytes_as_one_job(tiny: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    one = tmp_path / "one"
    build(tiny, one, jobs=1, as_of=AS_OF)
    # Two worker processes on 127.0.0.1 only, each started in an empty folder: they can render only from what a task carries.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, local_directory=str(tmp_path / "dask")) as cluster:
        dask = tmp_path / "dask-out"
        result = build(tiny, dask, as_of=AS_OF, dask_scheduler=cluster.scheduler_address)
    assert result.pdfs_rendered > 0
    first, second = tree_bytes(one), tree_bytes(dask)
    first.pop(".mentorsite/manifest.json")
    second.pop(".mentorsite/manifest.json")
    assert sorted(first) == sorted(second)
    assert [path for path in first if first[path] != second[path]] == []


def test_a_large_build_sends_documents_in_batches_and_gets_each_back_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches (for a cluster's per-task cost) change nothing a caller sees: every document once, a missing file still re-sent."""
    from generator.output import pdf
    from generator.output.executors import InProcessExecutor

    calls: list[int] = []
    real_batch = pdf.render_batch

    def counting(tasks):  # type: ignore[no-untyped-def]
        calls.append(len(tasks))
        return real_batch(tasks)

    def fake(task: pdf.PdfTask) -> pdf.PdfResult:
        wanted = task.dest == "d/0007.pdf" and not any(url == "file:///crest.png" for url, _ in task.files)
        return pdf.PdfResult(task.dest, task.html.encode(), (), ("file:///crest.png",) if wanted else ())

    monkeypatch.setattr(pdf, "render_batch", counting)
    monkeypatch.setattr(pdf, "render_task", fake)
    jobs = [pdf.PdfJob(f"d/{i:04d}.pdf", f"<p>{'x' * (i % 7)}{i}</p>") for i in range(pdf.BATCH_FROM + 5)]
    results = list(pdf.render_documents(InProcessExecutor(), jobs, ("",), lambda url: b"png"))
    assert sorted(r.dest for r in results) == sorted(j.dest for j in jobs)  # each exactly once
    assert {r.dest: r.data for r in results} == {j.dest: j.html.encode() for j in jobs}
    assert max(calls) == pdf.BATCH and calls.count(1) >= 1  # batched, and the document that asked for a file re-sent alone
    assert sum(calls) == len(jobs) + 1


def test_local_workers_are_forked_warm_from_the_fork_server() -> None:
    """A worker comes with WeasyPrint imported and a document rendered: it was forked from the server `warm` set up,
    not spawned to pay that itself (about 0.8 CPU-s a worker, on the critical path of an edit's long year sheet)."""
    from generator.output import executors, pdf

    if not executors._forks():
        pytest.skip("workers are spawned on this platform (not Linux), as the fallback test checks")
    executors.start_local_workers(2)
    with executors.open_executor(2) as pool:  # no initializer: only the fork server can have warmed it
        assert type(pool).__name__ == "ProcessPoolExecutor"
        assert pool.submit(pdf.warmed).result(timeout=120) is True


def test_without_a_fork_server_workers_are_spawned(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    from generator.output import executors

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert executors._context().get_start_method() == "spawn"
    assert executors.start_local_workers(2) is False  # starts nothing, and does not fail
    monkeypatch.undo()
    monkeypatch.setattr("sys.platform", "darwin")
    assert executors._context().get_start_method() == "spawn"
    assert executors.start_local_workers(2) is False
