"""Where a PDF worker's time goes: cProfile around real documents, rendered the way a pool worker renders them.

    python benchmarks/profile_worker.py                          # 100-pupil sample, 60 documents of every kind
    python benchmarks/profile_worker.py --only profile.pdf --docs 40 --dump worker.prof

It writes `mentorsite sample --pupils N`, collects the HTML of the PDFs a
build would render, then in this one process does what a worker does
(`pdf.init_worker` once, `pdf.render_pdf` per document): a few documents to
warm up, then cProfile around the rest. It prints WeasyPrint's stages as
shares of the profiled time (read the shares, not the milliseconds:
cProfile roughly doubles them) and the costliest functions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import collect_jobs

STAGES = [
    ("HTML parse (tinyhtml5)", "weasyprint/__init__.py", "__init__"),
    ("CSS cascade", "weasyprint/css/__init__.py", "get_all_computed_styles"),
    ("box tree", "formatting_structure/build.py", "build_formatting_structure"),
    ("layout", "weasyprint/layout/__init__.py", "layout_document"),
    ("  of which tables", "weasyprint/layout/table.py", "table_layout"),
    ("  of which line breaking (Pango)", "weasyprint/text/line_break.py", "split_first_line"),
    ("  of which page-margin boxes", "weasyprint/layout/page.py", "make_margin_boxes"),
    ("drawing", "weasyprint/document.py", "paint"),
    ("  of which SVG", "weasyprint/svg/__init__.py", "draw"),
    ("PDF tags (structure tree)", "weasyprint/pdf/tags.py", "add_tags"),
    ("font subsetting", "weasyprint/pdf/fonts.py", "build_fonts_dictionary"),
    ("PDF serialisation (pydyf)", "pydyf/__init__.py", "write"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=100)
    parser.add_argument("--docs", type=int, default=60, help="documents to profile (after 5 to warm up)")
    parser.add_argument("--only", default="", help="only documents whose path contains this, e.g. mentoring-file.pdf")
    parser.add_argument("--dump", type=Path, default=None, help="write the raw profile here (for snakeviz, gprof2dot …)")
    args = parser.parse_args()

    from generator import pdf

    school = Path(tempfile.mkdtemp(prefix="mentorsite-profile-")) / "school"
    subprocess.run([sys.executable, "-m", "generator", "sample", "--pupils", str(args.pupils), str(school)], check=True,
                   stdout=subprocess.DEVNULL)
    jobs = [j for j in collect_jobs(school) if args.only in j.dest]  # type: ignore[attr-defined]
    step = max(1, len(jobs) // (args.docs + 5))
    chosen = jobs[::step][: args.docs + 5]
    css = str(Path(__file__).resolve().parent.parent / "templates" / "shared" / "print.css")
    pdf.init_worker(str(school), (css,))
    for job in chosen[:5]:
        pdf.render_pdf(job)
    profiled = chosen[5:]
    profile = cProfile.Profile()
    started = time.process_time()
    profile.enable()
    for job in profiled:
        pdf.render_pdf(job)
    profile.disable()
    cpu = time.process_time() - started
    if args.dump:
        profile.dump_stats(args.dump)
    stats = pstats.Stats(profile)
    total = next(v[3] for k, v in stats.stats.items() if k[2] == "render_pdf")  # type: ignore[attr-defined]
    print(f"{len(profiled)} documents{' matching ' + repr(args.only) if args.only else ''}: "
          f"{cpu / len(profiled) * 1000:.0f} ms CPU each under cProfile")
    print(f"{'stage':36s} share")
    for label, path, function in STAGES:
        cumulative = sum(v[3] for k, v in stats.stats.items() if k[0].endswith(path) and k[2] == function)  # type: ignore[attr-defined]
        print(f"{label:36s} {cumulative / total * 100:5.1f} %")
    buffer = io.StringIO()
    pstats.Stats(profile, stream=buffer).sort_stats("tottime").print_stats(15)
    print(buffer.getvalue().split("\n", 6)[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
