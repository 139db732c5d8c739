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
