"""Peak memory of a whole `mentorsite build` process tree, stage by stage.

    python benchmarks/memory.py --pupils 5000 --jobs 2            # a real cold build (slow: every PDF)
    python benchmarks/memory.py --root R --stub --jobs 1           # the build process alone, PDFs stubbed
    python benchmarks/memory.py --root R --out O --keep-out ...    # an existing school, an existing output

It runs one build as a subprocess (a fresh sample school of `--pupils`, or
`--root`), samples the resident set size (VmRSS from /proc) of the build
process and of every descendant (PDF workers, Pagefind) every
`--interval` seconds, and reads the build's own stage lines from its
stderr as they come. Each sample is charged to the stage running when it
was taken: the stage a line reports on is the time since the line before
it (a build says "... in 12.3s" when a stage ends). Printed, for each stage:
the peak of the whole tree, of the build process and of the largest other
process at that moment, and the whole build's peaks; then the tree's peak in
each twentieth of the build (whether a worker gave memory back shows
there); `--json` writes them.

Only public tools: the standard library and /proc (Linux). Nothing here
is imported by mentorsite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

AS_OF = "2026-11-20"
PROGRESS = re.compile(r"\d+ ?%")
"""A progress line (percentages when stderr is not a terminal), not a stage's report."""
BENCH = Path(__file__).resolve().parent / "bench.py"


@dataclass
class Sample:
    at: float
    tree_kib: int
    build_kib: int
    others: dict[str, int]
    """RSS of each other process in the tree, by "pid name"."""


@dataclass
class Stage:
    line: str
    started: float
    ended: float
    samples: list[Sample] = field(default_factory=list)

    def peak(self) -> Sample | None:
        return max(self.samples, key=lambda s: s.tree_kib, default=None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--pupils", type=int, help="build a fresh `mentorsite sample --pupils N` school")
    where.add_argument("--root", type=Path, help="build this school")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: a new temporary one, removed after)")
    parser.add_argument("--keep-out", action="store_true", help="do not empty --out first (an incremental build)")
    parser.add_argument("--jobs", type=int, default=2, help="mentorsite build --jobs (default 2)")
    parser.add_argument("--stub", action="store_true", help="PDFs stubbed by bench.py --stub-build (measures the build process alone)")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between samples (default 0.1)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("extra", nargs="*", help="further arguments to mentorsite build (after --)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mentorsite-memory-"))
    try:
        root = args.root
        if root is None:
            root = work / f"school-{args.pupils}"
            subprocess.run([sys.executable, "-m", "generator", "sample", "--pupils", str(args.pupils), str(root)],
                           check=True, stdout=subprocess.DEVNULL)
        out = args.out or work / "out"
        if not args.keep_out:
            shutil.rmtree(out, ignore_errors=True)
        prefix = [sys.executable, str(BENCH), "--stub-build"] if args.stub else [sys.executable, "-m", "generator"]
        command = [*prefix, "build", "--root", str(root), "--out", str(out), "--as-of", AS_OF, "--jobs", str(args.jobs), *args.extra]
        result = measure(command, args.interval)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if result["code"] == 0 else 1


def measure(command: list[str], interval: float) -> dict[str, object]:
    """Run `command`, sampling its process tree, and charge each sample to the stage line that follows it."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, bufsize=1)
    lines: list[tuple[float, str]] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append((time.monotonic() - started, line.rstrip("\n")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    samples: list[Sample] = []
    cpu_before = os.times()
    while process.poll() is None:
        sample = tree_sample(process.pid)
        if sample is not None:
            samples.append(Sample(time.monotonic() - started, *sample))
        time.sleep(interval)
    reader.join()
    wall = time.monotonic() - started
    cpu = os.times()
    stage_lines = [(t, text) for t, text in lines if is_stage(text)]
    stages: list[Stage] = []
    previous = 0.0
    for at, text in [*stage_lines, (wall, "(until the process ended)")]:
        stages.append(Stage(text, previous, at))
        previous = at
    for s in samples:
        next(st for st in stages if s.at <= st.ended or st is stages[-1]).samples.append(s)
    peak = max(samples, key=lambda s: s.tree_kib, default=None)
    return {
        "command": command, "code": process.returncode, "wall_s": round(wall, 1),
        "cpu_s_tree": round((cpu.children_user + cpu.children_system) - (cpu_before.children_user + cpu_before.children_system), 1),
        "samples": len(samples),
        "peak_tree_mib": mib(peak.tree_kib) if peak else 0,
        "peak_build_process_mib": mib(max((s.build_kib for s in samples), default=0)),
        "peak_other_process_mib": mib(max((max(s.others.values(), default=0) for s in samples), default=0)),
        "at_peak": describe(peak) if peak else {},
        "stages": [{"stage": st.line[:140], "from_s": round(st.started, 1), "to_s": round(st.ended, 1),
                    **({"peak_tree_mib": mib(p.tree_kib), **describe(p)} if (p := st.peak()) else {})}
                   for st in stages],
        "timeline": timeline(samples, wall),
        "errors": [text for _t, text in lines if "error" in text.lower()][-5:],
        "stderr_lines": len(lines),
    }


def timeline(samples: list[Sample], wall: float, parts: int = 20) -> list[dict[str, object]]:
    """The tree's peak in each twentieth of the build, and who held it: whether a worker gave memory back shows here."""
    rows = []
    for i in range(parts):
        start, end = wall * i / parts, wall * (i + 1) / parts
        peak = max((s for s in samples if start <= s.at < end), key=lambda s: s.tree_kib, default=None)
        if peak is not None:
            rows.append({"from_s": round(start, 1), "to_s": round(end, 1), "peak_tree_mib": mib(peak.tree_kib), **describe(peak)})
    return rows


def is_stage(text: str) -> bool:
    """A build's stage report (it says how long the stage took), not a progress percentage or an explanation."""
    return not PROGRESS.search(text) and not text.lstrip().startswith(("warning", "building because"))


def describe(s: Sample) -> dict[str, object]:
    biggest = sorted(s.others.items(), key=lambda kv: -kv[1])[:3]
    return {"build_process_mib": mib(s.build_kib), "others_mib": {name: mib(kib) for name, kib in biggest}}


def mib(kib: int) -> float:
    return round(kib / 1024, 1)


def tree_sample(root_pid: int) -> tuple[int, int, dict[str, int]] | None:
    """(sum of VmRSS over the tree, the root's, each descendant's by "pid name") in KiB, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        pid = int(entry)
        parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        names[pid] = stat[stat.find("(") + 1:stat.rfind(")")]
        rss[pid] = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    if root_pid not in rss:
        return None
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    others = {f"{pid} {names[pid]}": rss.get(pid, 0) for pid in sorted(tree - {root_pid})}
    return sum(rss.get(pid, 0) for pid in tree), rss[root_pid], others


def report(result: dict[str, object]) -> str:
    lines = [f"$ {' '.join(str(c) for c in result['command'])}",  # type: ignore[attr-defined]
             f"exit {result['code']}, {result['wall_s']} s wall, {result['cpu_s_tree']} s CPU (tree), {result['samples']} samples",
             f"peak, whole tree: {result['peak_tree_mib']} MiB; build process alone: {result['peak_build_process_mib']} MiB; "
             f"largest other process: {result['peak_other_process_mib']} MiB",
             f"at the tree's peak: {json.dumps(result['at_peak'])}", "",
             "| stage (the line that ended it) | from s | to s | tree peak MiB | build process MiB | others MiB |",
             "| --- | --- | --- | --- | --- | --- |"]
    for st in result["stages"]:  # type: ignore[attr-defined]
        others = ", ".join(f"{k.split(' ', 1)[1]} {v}" for k, v in st.get("others_mib", {}).items())
        lines.append(f"| {st['stage']} | {st['from_s']} | {st['to_s']} | {st.get('peak_tree_mib', '–')} | "
                     f"{st.get('build_process_mib', '–')} | {others or '–'} |")
    lines += ["", "| from s | to s | tree peak MiB | build process MiB | others MiB |", "| --- | --- | --- | --- | --- |"]
    for row in result["timeline"]:  # type: ignore[attr-defined]
        others = ", ".join(f"{k.split(' ', 1)[1]} {v}" for k, v in row.get("others_mib", {}).items())
        lines.append(f"| {row['from_s']} | {row['to_s']} | {row['peak_tree_mib']} | {row['build_process_mib']} | {others or '–'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
