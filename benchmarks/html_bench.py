"""mentorsite's HTML stage against the bare YAML + Jinja loop, and where a build's time goes before the PDFs.

    python benchmarks/html_bench.py --pupils 100 1500 5000

For each N it writes `mentorsite sample --pupils N`, then, in this one
process and the same run: the baseline loop (baseline.py) over the same
pupil files; mentorsite's stages timed one by one — load and validate,
derive, history, views and plan, view digests, and rendering and writing
every web page (no PDFs, no search; one file each, as the baseline writes
its pages; every template compiled, none kept from an earlier build); HTML
ms per page is that last figure ÷ pages. The end-to-end figure is every
stage but history (which the baseline has no counterpart for), from reading
the files to rendered HTML, ÷ pages; `end_to_end_vs_baseline` divides it by
the baseline's ms per page.
Timings are medians of `--runs` (default 3). Each run of mentorsite's stages
is a fresh interpreter (`--stages-of SCHOOL`), as a cold build is: no
Markdown, link or chart memo is left warm from the run before.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

AS_OF = dt.date(2026, 11, 20)
END_TO_END = ("load_validate_s", "derive_s", "views_plan_s", "view_digests_s", "html_s")
"""From reading the files to rendered HTML; git history is timed apart (the baseline has none)."""


def stages(school: Path) -> dict[str, float]:
    from generator import views
    from generator.build import derive
    from generator.history import git as history
    from generator.output import artifacts
    from generator.output.plan import plan
    from generator.output.render import environments, render
    from generator.output.templates import template_set
    from generator.sources import letters
    from generator.sources.gcpause import paused
    from generator.sources.inputs import load_school
    from generator.views.history import lowered_without_approval, policy_trail, pupil_trail

    times: dict[str, float] = {}
    t = time.perf_counter()
    checked = load_school(school)
    times["load_validate_s"] = time.perf_counter() - t
    t = time.perf_counter()
    facts = derive(school, checked, AS_OF)
    times["derive_s"] = time.perf_counter() - t
    t = time.perf_counter()
    repo = history.read_history(school, ["pupils", "content/policies"])
    times["history_s"] = time.perf_counter() - t
    t = time.perf_counter()
    policies = tuple(views.policy(slug, meta, body, facts.as_of, policy_trail(repo, f"content/policies/{slug}.md", meta.approved_on, body,
                                                                checked.site.policy_history))
                     for slug, (meta, body, _line) in sorted(checked.policies.items()))
    trails = {p.id: pupil_trail(repo, f"pupils/{p.id}.yaml", facts.site) for p in facts.pupils}
    staff = views.staff_site(facts, lowered_without_approval(repo, {p.id: p.display_name for p in facts.pupils}, facts.site))
    with paused():  # as the build plans: views are many small acyclic objects, and the collector's walks over them cost seconds
        outputs = plan(facts, staff, views.governors_site(facts, policies), letters.compile_letters(checked.letters), trails)
    times["views_plan_s"] = time.perf_counter() - t
    t = time.perf_counter()
    digests = artifacts.ViewDigests()
    for output in outputs:
        digests.digest((output.template, output.page, output.context))
    times["view_digests_s"] = time.perf_counter() - t
    envs = environments(template_set(school))
    html = [o for o in outputs if o.kind == "html"]
    pages = Path(tempfile.mkdtemp(prefix="mentorsite-html-pages-"))
    try:
        t = time.perf_counter()
        for n, output in enumerate(html):  # written as the baseline writes its pages: one file each
            (pages / f"{n}.html").write_text(render(envs[output.audience], output.template, output.page, **output.context), "utf-8")
        times["html_s"] = time.perf_counter() - t
    finally:
        shutil.rmtree(pages, ignore_errors=True)
    times["pages"] = len(html)
    times["html_ms_per_page"] = 1000 * times["html_s"] / len(html)
    times["end_to_end_s"] = sum(times[k] for k in END_TO_END)
    times["end_to_end_ms_per_page"] = 1000 * times["end_to_end_s"] / len(html)
    return times


def cold_stages(school: Path) -> dict[str, float]:
    """`stages` in a fresh interpreter: the process-wide memos (Markdown by text, links, chart scales) start empty, as in a cold build.

    Its TMPDIR is a new empty folder, so Jinja's cache of compiled templates
    (kept between builds in the per-user temporary folder) starts empty too:
    every template is compiled, as on a machine's first build.
    """
    with tempfile.TemporaryDirectory(prefix="mentorsite-cold-tmp-") as tmp:  # Jinja keeps compiled templates under TMPDIR: start without them
        done = subprocess.run([sys.executable, __file__, "--stages-of", str(school)], capture_output=True, text=True,
                              env={**os.environ, "TMPDIR": tmp})
    if done.returncode != 0:
        raise SystemExit(f"html_bench: timing the stages on {school} failed (exit {done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, nargs="+", default=[100, 1500, 5000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stages-of", type=Path, help="time mentorsite's stages on this school in this process and print them as JSON")
    args = parser.parse_args()
    if args.stages_of is not None:
        print(json.dumps(stages(args.stages_of)))
        return 0
    import baseline

    work = Path(tempfile.mkdtemp(prefix="mentorsite-html-"))
    results = []
    try:
        for n in args.pupils:
            school = work / f"school-{n}"
            subprocess.run([sys.executable, "-m", "generator", "sample", "--pupils", str(n), str(school)], check=True,
                           stdout=subprocess.DEVNULL)
            runs, floors = [], []
            for _ in range(args.runs):
                floors.append(baseline.run(school, work / f"baseline-{n}"))
                runs.append(cold_stages(school))
            median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            floor = statistics.median(f["ms_per_page"] for f in floors)
            row = {"pupils": n, "runs": args.runs, **{k: round(v, 3) for k, v in median.items()},
                   "baseline_ms_per_page": floor, "html_vs_baseline": round(median["html_ms_per_page"] / floor, 2),
                   "end_to_end_vs_baseline": round(median["end_to_end_ms_per_page"] / floor, 2)}
            results.append(row)
            print(json.dumps(row), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
