"""The PDF stage on each executor: this process (--jobs 1), a local pool of 2, and a Dask LocalCluster of 2 workers.

    python benchmarks/executors_bench.py --pupils 30 --runs 3

It writes a sample school, collects its PDF tasks (the HTML a build would
hand to the PDF stage), then times rendering all of them on each executor,
startup included, median of `--runs`; `dask2_running` is the same Dask
cluster timed from the moment it is up, as a build given `--dask-scheduler`
meets one, and `dask2` includes starting it. The cluster's workers are
started with `preload=["generator.output.warm"]` (WeasyPrint imported and a
warm-up document rendered as each starts) and the settings in `CLUSTER`, as
docs/scaling.md has a trust start its workers; the local pool's workers are
forked from the warm fork server as a build's are.

The runs are interleaved (every executor once, then every executor again),
and each speed-up is the median of the runs' own ratios, each taken against
the in-process time of the same round: this machine's speed drifts by 15 %
within minutes, which timing each executor's runs together would read as a
difference between executors. It also times `--trivial` one-line
documents on each, to measure the per-task overhead of the executor itself
((wall − in-process wall) ÷ tasks). Outputs are compared byte for byte.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.build import build  # noqa: E402
from generator.output import pdf  # noqa: E402
from generator.output.executors import WARM, InProcessExecutor, open_executor, start_local_workers  # noqa: E402


CssFiles = tuple[tuple[str, "bytes | None"], ...]


def collect(school: Path) -> tuple[list[pdf.PdfJob], tuple[str, ...], CssFiles]:
    found: list[pdf.PdfJob] = []
    css: list[tuple[str, ...]] = []
    files: list[CssFiles] = []

    def grab(_executor: object, jobs: list[pdf.PdfJob], styles: tuple[str, ...], _resolve: object, css_files: CssFiles = (),
             *_rest: object) -> object:
        found.extend(job for job in jobs if isinstance(job, pdf.PdfJob))  # not SUBMIT_NOW, the stream's marker
        css.append(styles)
        files.append(css_files)
        return iter(())

    original = pdf.render_documents
    pdf.render_documents = grab  # type: ignore[assignment]
    try:
        build(school, Path(tempfile.mkdtemp()) / "out", jobs=1, as_of=dt.date(2026, 11, 20))
    finally:
        pdf.render_documents = original
    return sorted(found, key=lambda j: j.dest), css[0], files[0]


def _none(_url: str) -> bytes | None:
    return None


def timed(kind: str, jobs: list[pdf.PdfJob], css: tuple[str, ...], trivial: list[pdf.PdfJob],
          css_files: CssFiles = ()) -> tuple[float, float, dict[str, bytes]]:
    """(wall for all jobs, startup included; wall for the trivial jobs on the already warm executor; the bytes)."""
    started = time.perf_counter()
    if kind == "inprocess":
        pdf.warm_up()
        return _run(InProcessExecutor(), jobs, css, trivial, started, css_files)
    if kind == "pool2":
        start_local_workers(2)  # as a build does when it begins (one server a process: only the first run pays its start)
        with open_executor(2, initializer=pdf.warm_up) as executor:
            return _run(executor, jobs, css, trivial, started, css_files)
    import dask
    from distributed import LocalCluster

    # each worker imports generator.output.warm as it starts, with CLUSTER's settings, as docs/scaling.md has a trust's
    # workers started
    with dask.config.set(CLUSTER), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                         preload=[WARM]) as cluster:
        if kind == "dask2_running":  # a build given --dask-scheduler connects to a cluster that is already up
            started = time.perf_counter()
        with open_executor(1, dask_scheduler=cluster.scheduler_address) as executor:
            return _run(executor, jobs, css, trivial, started, css_files)


def _run(executor: object, jobs: list[pdf.PdfJob], css: tuple[str, ...], trivial: list[pdf.PdfJob],
         started: float, css_files: CssFiles = ()) -> tuple[float, float, dict[str, bytes]]:
    out = {r.dest: r.data for r in pdf.render_documents(executor, jobs, css, _none, css_files)}  # type: ignore[arg-type]
    wall = time.perf_counter() - started
    small = time.perf_counter()
    for _ in pdf.render_documents(executor, trivial, css, _none):  # type: ignore[arg-type]
        pass
    return wall, time.perf_counter() - small, out


KINDS = ("inprocess", "pool2", "dask2", "dask2_running")

CLUSTER = {
    "distributed.worker.profile.enabled": False,  # the sampling profiler walked the rendering thread's deep stack every 10 ms
    "distributed.admin.tick.interval": "1s",  # the event-loop watchdog's tick, every 20 ms by default
    "distributed.worker.memory.monitor-interval": "1s",  # 100 ms by default
    "distributed.admin.system-monitor.interval": "2s",  # 500 ms by default
}
"""The settings docs/scaling.md gives a trust's scheduler and workers (as DASK_DISTRIBUTED__… variables). Measured here, an
idle LocalCluster of 2 used 0.71 CPU-s in the scheduler's process and 0.4 in each worker every 20 s with Dask's defaults
(the profiler off), and 0.15 and 0.06 with these: CPU the workers' two cores otherwise lose to housekeeping."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--trivial", type=int, default=200)
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS, help="executors to time (default: all)")
    args = parser.parse_args()
    school = Path(tempfile.mkdtemp()) / "school"
    subprocess.run([sys.executable, "-m", "generator", "sample", "--pupils", str(args.pupils), str(school)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    jobs, css, css_files = collect(school)
    trivial = [pdf.PdfJob(f"t/{i:05d}.pdf", f"<p>{i}</p>") for i in range(args.trivial)]
    result: dict[str, object] = {"pupils": args.pupils, "documents": len(jobs), "runs": args.runs}
    reference: dict[str, bytes] = {}
    walls: dict[str, list[float]] = {kind: [] for kind in args.kinds}
    small: dict[str, list[float]] = {kind: [] for kind in args.kinds}
    for run in range(args.runs):  # interleaved: each round times every executor, so a round's ratios share one stretch of time
        for kind in args.kinds:
            wall, trivial_wall, out = timed(kind, jobs, css, trivial, css_files)
            walls[kind].append(wall)
            small[kind].append(trivial_wall)
            if not reference:
                reference = out
            assert out == reference, f"{kind} gave different bytes"
            print(json.dumps({"run": run + 1, "kind": kind, "wall_s": round(wall, 2), "trivial_s": round(trivial_wall, 2)}),
                  file=sys.stderr, flush=True)
    for kind in args.kinds:
        result[f"{kind}_s"] = round(statistics.median(walls[kind]), 2)
        result[f"{kind}_trivial_s"] = round(statistics.median(small[kind]), 2)
    for kind in (k for k in args.kinds if k != "inprocess"):
        if "inprocess" in args.kinds:
            ratios = [base / wall for base, wall in zip(walls["inprocess"], walls[kind])]
            result[f"{kind}_speedups"] = [round(r, 2) for r in ratios]  # each round's in-process time ÷ this executor's
            result[f"{kind}_speedup"] = round(statistics.median(ratios), 2)
        # trivial tasks on a warm executor: worker-milliseconds per task (wall × workers ÷ tasks); the excess over
        # in-process is the executor's own cost per task (pickling, queueing, the scheduler's round trip)
        result[f"{kind}_ms_per_trivial_task"] = round(1000 * 2 * result[f"{kind}_trivial_s"] / args.trivial, 1)  # type: ignore[operator]
    if "inprocess" in args.kinds:
        result["inprocess_ms_per_trivial_task"] = round(1000 * result["inprocess_trivial_s"] / args.trivial, 1)  # type: ignore[operator]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
