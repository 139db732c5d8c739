"""Save → updated page in `mentorsite serve`, measured as a browser sees it.

For each size: write a sample school, start the real server (its first
build uses a stub PDF renderer, as `bench.py --stub-pdfs` does, so a
1,500-pupil school starts in a minute rather than half an hour; the saved
pupil's page does not depend on PDFs), then `--runs` times: change one
pupil's first name on disk and time until the server's epoch changes and
the pupil's page as served holds the new name. That figure includes the
watcher's latency and serve's 0.3 s quiet period after a save. The server's
own report line gives the preview pass alone. Between runs it waits for the
full build that follows each preview to finish.

    python benchmarks/serve_bench.py --pupils 100 1500 --runs 5

Prints one JSON object per size (medians, and every run).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

AS_OF = "2026-11-20"


def get(port: int, path: str) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as response:  # noqa: S310 - the local server
        return bytes(response.read())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, nargs="+", default=[100, 1500])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import datetime as dt

    from generator.commands.serve import Server
    from generator.output import pdf

    stub = b"%PDF-1.4\n%%EOF\n"
    pdf.render_task = lambda task: pdf.PdfResult(task.dest, stub)  # type: ignore[assignment]
    pdf.warm_up = lambda: None  # type: ignore[assignment]
    for n in args.pupils:
        work = Path(tempfile.mkdtemp(prefix="mentorsite-serve-"))
        try:
            school = work / "school"
            subprocess.run([sys.executable, "-m", "generator", "sample", "--pupils", str(n), str(school)], check=True,
                           capture_output=True)
            said: list[str] = []
            started = time.monotonic()
            server = Server(school, school / "output", port=0, jobs=1, as_of=dt.date.fromisoformat(AS_OF), report=said.append)
            server.start()
            first_build = time.monotonic() - started
            try:
                pupils = sorted((school / "pupils").glob("*.yaml"))
                seen, previews = [], []
                for i in range(args.runs):
                    record = pupils[(i * 7) % len(pupils)]
                    name = f"Served{i}"
                    page = f"/staff/pupils/{record.stem}/"
                    epoch = server.status.epoch
                    mark = len(said)
                    t0 = time.monotonic()
                    record.write_text(re.sub(r"(?m)^first_name: .*$", f"first_name: {name}", record.read_text("utf-8"), count=1), "utf-8")
                    while server.status.epoch == epoch or name.encode() not in get(server.port, page):
                        time.sleep(0.01)
                    seen.append(time.monotonic() - t0)
                    line = next((s for s in said[mark:] if " pages updated in " in s), "")
                    found = re.search(r"updated in ([\d.]+)s", line)
                    previews.append(float(found.group(1)) if found else None)
                    while not (server.idle.is_set() and server.status.epoch >= epoch + 2 and not server.overlay):
                        time.sleep(0.05)  # the full build that follows the preview
                print(json.dumps({
                    "pupils": n, "runs": args.runs, "load_before": round(os.getloadavg()[0], 2),
                    "first_build_s": round(first_build, 1),
                    "save_to_page_median_s": round(statistics.median(seen), 3), "save_to_page_each_s": [round(x, 3) for x in seen],
                    "preview_pass_median_s": round(statistics.median(p for p in previews if p is not None), 3) if any(previews) else None,
                    "preview_pass_each_s": previews,
                }), flush=True)
            finally:
                server.stop()
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
