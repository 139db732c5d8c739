"""Build speed of mentorsite's printed documents, against a naive one-render-per-document loop.

    python benchmarks/bench.py                         # 100 and 1,500 pupils, median of 3
    python benchmarks/bench.py --pupils 300 --runs 1 --no-naive

For each N it writes `mentorsite sample --pupils N` into a temporary folder,
then builds it `--runs` times from scratch with `mentorsite build` (a real
subprocess, every output, an empty --out each time) and reports the median
of: seconds of wall time per PDF page (build wall ÷ PDF pages), PDF
documents per second, seconds per pupil, CPU seconds, and peak memory (the
largest single process, from getrusage, and the whole process tree,
sampled from /proc).

In the same run it times the naive baseline on the same HTML: one process,
one `weasyprint.HTML(string=...).render()` + `write_pdf()` per document,
with a fresh `CSS()` and no shared `FontConfiguration`, the same PDF options.
The naive loop renders an evenly spaced sample of the documents
(`--naive-docs`, all of them when there are fewer) and its seconds per
page is compared with the build's: ratio = naive s/page ÷ build s/page.
A second, harsher baseline renders the first `--naive-processes` of those
documents in a fresh Python process each (start-up and imports every time).

Incremental builds (`--incremental`): for each N, one cold build, then the
median of `--runs` no-op builds (and a check that they wrote nothing: every
output file's inode, mtime and bytes unchanged) and of `--runs` one-pupil
edits (a different pupil's first name each time), each a real
`mentorsite build` subprocess with its peak RSS over the process tree.
With `--stub-pdfs` the PDF renderer is replaced by a fixed one-page PDF
(for sizes whose real cold build this machine cannot afford): every other
stage is real, and the report says how many PDFs each build would have
rendered, to be multiplied by the PDF s/document measured without the stub.
With `--git-history K` the school is a git repository with K commits before
the cold build, each touching every pupil file (as a half term's import
does), and each edit is committed before its build (as CI builds); history
is then part of every figure. `--next-days` then builds the following
`--runs` days, one build a day with nothing edited: every pupil is judged
again, and only the documents whose words changed should be rendered.

Only public tools: the standard library (`resource`, `/proc`), pypdf to
count pages. Nothing here is imported by mentorsite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import pickle
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

AS_OF = "2026-11-20"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, nargs="+", default=[100, 1500])
    parser.add_argument("--runs", type=int, default=3, help="builds per size; the median is reported (default 3)")
    parser.add_argument("--jobs", type=int, default=None, help="mentorsite build --jobs (default: its own, all cores)")
    parser.add_argument("--naive-docs", type=int, default=300, help="documents in the naive baseline's sample (default 300)")
    parser.add_argument("--naive-processes", type=int, default=20,
                        help="documents also rendered one fresh process each, the way a shell loop over the weasyprint command would (default 20; 0 to skip)")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive baselines")
    parser.add_argument("--keep", type=Path, default=None, help="keep the sample schools and last outputs here")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    parser.add_argument("--incremental", action="store_true", help="cold, no-op and one-pupil-edit builds (see above)")
    parser.add_argument("--next-days", action="store_true",
                        help="with --incremental: then --runs builds each one day later than the last (the year moving, nothing edited)")
    parser.add_argument("--stub-pdfs", action="store_true", help="with --incremental: a fixed PDF instead of WeasyPrint")
    parser.add_argument("--git-history", type=int, default=0, metavar="K",
                        help="the sample school is a git repository with K commits to every pupil file; --incremental's edits are committed")
    parser.add_argument("--stub-build", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.add_argument("--naive-worker", nargs=3, metavar=("JOBS", "CSS", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--one-document", nargs=4, metavar=("JOBS", "INDEX", "CSS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stub_build is not None:
        return stub_build(args.stub_build)
    if args.incremental:
        return incremental(args)
    if args.naive_worker:
        return naive_worker(*args.naive_worker)
    if args.one_document:
        jobs_file, index, css_path, out = args.one_document
        return naive_worker(jobs_file, css_path, out, only=int(index))

    results = []
    work = args.keep or Path(tempfile.mkdtemp(prefix="mentorsite-bench-"))
    try:
        for n in args.pupils:
            results.append(bench_size(n, work / f"school-{n}", args))
            print(json.dumps(results[-1]), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


def bench_size(n: int, school: Path, args: argparse.Namespace) -> dict[str, object]:
    sample_school(n, school, args)
    out = school / "output"
    runs = []
    for i in range(args.runs):
        shutil.rmtree(out, ignore_errors=True)
        command = [sys.executable, "-m", "generator", "build", "--root", str(school), "--out", str(out), "--as-of", AS_OF]
        if args.jobs:
            command += ["--jobs", str(args.jobs)]
        runs.append(measured(command))
        log(f"{n} pupils, build {i + 1}/{args.runs}: {runs[-1]['wall_s']:.1f}s wall, {runs[-1]['cpu_s']:.1f}s cpu")
    docs, pages = count_pdfs(out)
    wall = statistics.median(r["wall_s"] for r in runs)
    result: dict[str, object] = {
        "pupils": n, "runs": args.runs, "load_before": os.getloadavg()[0], "pdf_documents": docs, "pdf_pages": pages,
        "wall_s": round(wall, 2), "wall_each_s": [round(r["wall_s"], 2) for r in runs],
        "cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 2),
        "s_per_pdf_page": round(wall / pages, 4), "pdf_docs_per_s": round(docs / wall, 2), "s_per_pupil": round(wall / n, 4),
        "peak_rss_largest_process_mib": round(statistics.median(r["maxrss_mib"] for r in runs), 1),
        "peak_rss_process_tree_mib": round(statistics.median(r["tree_peak_mib"] for r in runs), 1),
    }
    if not args.no_naive:
        result.update(naive(school, out, args))
    return result


def sample_school(n: int, school: Path, args: argparse.Namespace) -> None:
    """A fresh `mentorsite sample` of n pupils in `school`, in git with history when --git-history asks for it."""
    if school.exists():
        shutil.rmtree(school)
    run([sys.executable, "-m", "generator", "sample", "--pupils", str(n), str(school)])
    if args.git_history:
        git_history(school, args.git_history)


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "Bench Mentor", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
                        "GIT_COMMITTER_NAME": "Bench Mentor", "GIT_COMMITTER_EMAIL": "bench@example.invalid"})


def git_history(school: Path, commits: int) -> None:
    """The school as a repository whose history is `commits` imports, each changing every pupil file (a line appended)."""
    (school / ".gitignore").write_text("output/\n", "utf-8")
    _git(school, "init", "-q")
    _git(school, "add", "-A")
    _git(school, "commit", "-q", "-m", "The school's records")
    pupils = sorted((school / "pupils").glob("*.yaml"))
    for k in range(1, commits):
        for path in pupils:
            with path.open("a", encoding="utf-8") as handle:
                handle.write(f"# import {k}\n")
        _git(school, "commit", "-q", "-am", f"Import {k}")


def stub_build(argv: list[str]) -> int:
    """`mentorsite build ARGV` with every PDF replaced by one fixed tiny PDF (bench only; --jobs 1 so it runs in this process)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from generator.commands import cli
    from generator.output import pdf

    stub = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj " \
           b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    pdf.render_task = lambda task: pdf.PdfResult(task.dest, stub)  # type: ignore[assignment]
    pdf.warm_up = lambda: None  # type: ignore[assignment]
    return cli.main(argv)


def incremental(args: argparse.Namespace) -> int:
    work = args.keep or Path(tempfile.mkdtemp(prefix="mentorsite-incremental-"))
    results = []
    try:
        for n in args.pupils:
            results.append(incremental_size(n, work / f"school-{n}", args))
            print(json.dumps(results[-1]), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


def incremental_size(n: int, school: Path, args: argparse.Namespace) -> dict[str, object]:
    sample_school(n, school, args)
    out = school / "output"
    jobs = ["--jobs", "1"] if args.stub_pdfs else (["--jobs", str(args.jobs)] if args.jobs else [])
    prefix = [sys.executable, str(Path(__file__).resolve()), "--stub-build"] if args.stub_pdfs else [sys.executable, "-m", "generator"]

    def build(as_of: str = AS_OF) -> tuple[dict[str, float], str]:
        return measured([*prefix, "build", "--root", str(school), "--out", str(out), "--as-of", as_of, *jobs], keep_stderr=True)

    cold, cold_log = build()
    log(f"{n} pupils: cold {cold['wall_s']:.1f}s wall, {cold['cpu_s']:.1f}s cpu")
    noops = []
    wrote_nothing = True
    for _ in range(args.runs):
        before = _snapshot(out)
        figures, _log = build()
        noops.append(figures)
        wrote_nothing &= _snapshot(out) == before
    pupils = sorted((school / "pupils").glob("*.yaml"))
    edits, edit_logs = [], []
    for i in range(args.runs):
        record = pupils[(i * 7) % len(pupils)]
        record.write_text(re.sub(r"(?m)^first_name: .*$", f"first_name: Edited{i}", record.read_text("utf-8"), count=1), "utf-8")
        if args.git_history:
            _git(school, "commit", "-q", "-am", f"Edit {i}")
        figures, text = build()
        edits.append(figures)
        edit_logs.append(text)
    later: dict[str, object] = {}
    if args.next_days:
        days, day_logs = [], []
        for i in range(args.runs):  # the following days, one build each: every pupil is judged again
            figures, text = build((dt.date.fromisoformat(AS_OF) + dt.timedelta(days=i + 1)).isoformat())
            days.append(figures)
            day_logs.append(text)
        later = {"next_day_wall_s": round(statistics.median(r["wall_s"] for r in days), 2),
                 "next_day_each_s": [round(r["wall_s"], 2) for r in days],
                 "next_day_cpu_s": round(statistics.median(r["cpu_s"] for r in days), 2),
                 "next_day_pdfs_rendered": [_counted(PDFS_RENDERED, t) or 0 for t in day_logs],
                 "next_day_stages": [_stage_lines(t) for t in day_logs]}
    return {
        "pupils": n, "runs": args.runs, "stub_pdfs": args.stub_pdfs, "git_commits": args.git_history, "load_before": os.getloadavg()[0],
        "cold_wall_s": round(cold["wall_s"], 2), "cold_cpu_s": round(cold["cpu_s"], 2),
        "cold_peak_rss_tree_mib": round(cold["tree_peak_mib"], 1),
        "cold_stages": _stage_lines(cold_log),
        "noop_wall_s": round(statistics.median(r["wall_s"] for r in noops), 3),
        "noop_each_s": [round(r["wall_s"], 3) for r in noops], "noop_wrote_nothing": wrote_nothing,
        "noop_cpu_s": round(statistics.median(r["cpu_s"] for r in noops), 3),
        "edit_cpu_s": round(statistics.median(r["cpu_s"] for r in edits), 2),
        "edit_wall_s": round(statistics.median(r["wall_s"] for r in edits), 2), "edit_each_s": [round(r["wall_s"], 2) for r in edits],
        "edit_pdfs_rendered": [_counted(PDFS_RENDERED, t) for t in edit_logs],
        "edit_pages_rendered": [_counted(PAGES_RENDERED, t) for t in edit_logs],
        "edit_peak_rss_tree_mib": round(statistics.median(r["tree_peak_mib"] for r in edits), 1),
        "edit_stages": [_stage_lines(t) for t in edit_logs],
        **later,
    }


PDFS_RENDERED = re.compile(r"(\d+) PDFs rendered")
PAGES_RENDERED = re.compile(r"\((\d+) rendered\)")


def _counted(pattern: re.Pattern[str], log: str) -> int | None:
    """The number a build's log gives where `pattern` first matches, or None if it says nothing of the kind."""
    found = pattern.search(log)
    return int(found.group(1)) if found else None


def _stage_lines(log: str) -> list[str]:
    """A build's stage lines ("… in 1.2s"), without its progress percentages."""
    return [line for line in log.splitlines() if " in " in line and "%" not in line]


def _snapshot(out: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}


def measured(command: list[str], keep_stderr: bool = False) -> Any:
    """Run a command in a fresh wrapper process so its getrusage covers this build only; sample its process tree's RSS."""
    wrapper = ("import json, resource, subprocess, sys\n"
               "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)\n"
               "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
               "print(json.dumps({'code': done.returncode, 'cpu': u.ru_utime + u.ru_stime, 'maxrss_kib': u.ru_maxrss, "
               "'stderr': done.stderr}))\n")
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", wrapper, *command], stdout=subprocess.PIPE, text=True)
    peak = TreePeak(process.pid)
    peak.start()
    stdout, _ = process.communicate()
    wall = time.perf_counter() - started
    peak.stop()
    usage = json.loads(stdout.strip().splitlines()[-1])
    if usage["code"] != 0:
        raise SystemExit(f"build failed ({usage['code']}): {' '.join(command)}\n{usage['stderr'][-2000:]}")
    figures = {"wall_s": wall, "cpu_s": usage["cpu"], "maxrss_mib": usage["maxrss_kib"] / 1024, "tree_peak_mib": peak.peak / 1024}
    return (figures, usage["stderr"]) if keep_stderr else figures


class TreePeak(threading.Thread):
    """The largest sum of RSS over a process and all its descendants, sampled from /proc every 0.2 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.peak = max(self.peak, self.sample())

    def stop(self) -> None:
        self.done.set()
        self.join()

    def sample(self) -> int:
        from memory import tree_sample  # benchmarks/memory.py: the one /proc reader of a process tree

        found = tree_sample(self.pid)
        return found[0] if found is not None else 0


def count_pdfs(out: Path) -> tuple[int, int]:
    from pypdf import PdfReader

    files = sorted(out.rglob("*.pdf"))
    return len(files), sum(len(PdfReader(str(f)).pages) for f in files)


def naive(school: Path, out: Path, args: argparse.Namespace) -> dict[str, object]:
    """The baseline on the same documents' HTML, in its own process, median of `--runs`."""
    jobs = collect_jobs(school)
    step = max(1, math.ceil(len(jobs) / args.naive_docs))
    sample = jobs[::step]
    jobs_file = school / "naive-jobs.pickle"
    jobs_file.write_bytes(pickle.dumps(sample))
    css = str(Path(__file__).resolve().parent.parent / "templates" / "shared" / "print.css")
    if (school / "templates").is_dir():
        css = str(school / "templates" / "shared" / "print.css")
    runs = []
    for i in range(args.runs):
        naive_out = school / "naive-out"
        shutil.rmtree(naive_out, ignore_errors=True)
        naive_out.mkdir()
        figures = measured([sys.executable, str(Path(__file__).resolve()), "--naive-worker", str(jobs_file), css, str(naive_out)])
        report = json.loads((naive_out / "report.json").read_text())
        runs.append({**figures, **report})
        log(f"{school.name} naive {i + 1}/{args.runs}: {report['render_s']:.1f}s for {report['documents']} documents")
    render = statistics.median(r["render_s"] for r in runs)
    pages = runs[0]["pages"]
    result: dict[str, object] = {
        "naive_documents": len(sample), "naive_of": len(jobs), "naive_pages": pages, "naive_render_s": round(render, 2),
        "naive_s_per_pdf_page": round(render / pages, 4), "naive_pdf_docs_per_s": round(len(sample) / render, 2)}
    if args.naive_processes:
        result.update(naive_processes(jobs_file, sample, css, school / "naive-out", args.naive_processes))
    return result


def naive_processes(jobs_file: Path, sample: list[object], css: str, out: Path, count: int) -> dict[str, object]:
    """The first `count` sampled documents, each in a fresh Python process (start-up and imports paid every time)."""
    from pypdf import PdfReader

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    chosen = range(min(count, len(sample)))
    started = time.perf_counter()
    for index in chosen:
        run([sys.executable, str(Path(__file__).resolve()), "--one-document", str(jobs_file), str(index), css, str(out)])
    wall = time.perf_counter() - started
    pages = sum(len(PdfReader(str(f)).pages) for f in out.glob("*.pdf"))
    log(f"naive, one process per document: {wall:.1f}s for {len(chosen)} documents")
    return {"naive_process_documents": len(chosen), "naive_process_s_per_pdf_page": round(wall / pages, 4),
            "naive_process_pdf_docs_per_s": round(len(chosen) / wall, 2)}


def collect_jobs(school: Path) -> list[object]:
    """The PDF jobs a build would render (dest and HTML), by running the build with the PDF stage replaced by a collector."""
    code = ("import pickle, sys, tempfile\n"
            "from pathlib import Path\n"
            "from generator import build\n"
            "from generator.output import pdf\n"
            "jobs = []\n"
            "def collect(_executor, found, *_args):\n"
            "    jobs.extend(found)\n"
            "    return iter(())\n"
            "pdf.render_documents = collect\n"
            f"build.build(Path(sys.argv[1]), Path(tempfile.mkdtemp()) / 'out', jobs=1, as_of=__import__('datetime').date.fromisoformat({AS_OF!r}))\n"
            "sys.stdout.buffer.write(pickle.dumps(sorted(jobs, key=lambda j: j.dest)))\n")
    data = subprocess.run([sys.executable, "-c", code, str(school)], check=True, capture_output=True).stdout
    return pickle.loads(data)  # type: ignore[no-any-return]


def naive_worker(jobs_file: str, css_path: str, out: str, only: int | None = None) -> int:
    """One process, one document at a time, nothing shared between documents: what a first script would do."""
    from weasyprint import CSS, HTML

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from generator.output.pdf import PDF_OPTIONS

    jobs = pickle.loads(Path(jobs_file).read_bytes())
    if only is not None:
        job = jobs[only]
        Path(out, f"{only:05d}.pdf").write_bytes(HTML(string=job.html).write_pdf(stylesheets=[CSS(filename=css_path)], **PDF_OPTIONS))
        return 0
    started = time.perf_counter()
    pages = 0
    for i, job in enumerate(jobs):
        document = HTML(string=job.html).render(stylesheets=[CSS(filename=css_path)])
        pages += len(document.pages)
        Path(out, f"{i:05d}.pdf").write_bytes(document.write_pdf(**PDF_OPTIONS))
    render = time.perf_counter() - started
    Path(out, "report.json").write_text(json.dumps({"documents": len(jobs), "pages": pages, "render_s": render}))
    return 0


def table(results: list[dict[str, object]]) -> str:
    rows = [("pupils", "pupils"), ("PDF documents", "pdf_documents"), ("PDF pages", "pdf_pages"),
            ("build wall, median (s)", "wall_s"), ("build CPU, median (s)", "cpu_s"),
            ("s per PDF page", "s_per_pdf_page"), ("PDF documents per s", "pdf_docs_per_s"), ("s per pupil", "s_per_pupil"),
            ("peak RSS, largest process (MiB)", "peak_rss_largest_process_mib"),
            ("peak RSS, whole process tree (MiB)", "peak_rss_process_tree_mib"),
            ("naive: documents timed (of all)", None), ("naive s per PDF page", "naive_s_per_pdf_page"),
            ("naive PDF documents per s", "naive_pdf_docs_per_s"), ("naive ÷ build, per page", None),
            ("naive, one process per document: s per PDF page", "naive_process_s_per_pdf_page"),
            ("one process per document ÷ build, per page", None)]
    lines = ["| measure | " + " | ".join(str(r["pupils"]) for r in results) + " |", "| --- |" + " --- |" * len(results)]
    for label, key in rows:
        cells = []
        for r in results:
            if label.startswith("naive: documents"):
                cells.append(f"{r['naive_documents']} of {r['naive_of']}" if "naive_documents" in r else "–")
            elif label.startswith("naive ÷ build"):
                cells.append(f"{r['naive_s_per_pdf_page'] / r['s_per_pdf_page']:.1f}x" if "naive_s_per_pdf_page" in r else "–")
            elif label.startswith("one process per document ÷"):
                cells.append(f"{r['naive_process_s_per_pdf_page'] / r['s_per_pdf_page']:.1f}x"
                             if "naive_process_s_per_pdf_page" in r else "–")
            else:
                cells.append(str(r.get(key, "–")))  # type: ignore[arg-type]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run(command: list[str]) -> None:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
