"""How long the git audit trail adds to a build: a 1,500-pupil sample school with 20 commits.

Builds the school once (mentorsite sample, git init, 19 further commits each
editing 100 pupils: a meeting added or an attendance figure changed), then
times the history stage of the build — one read of git, every pupil's
field-level trail, the lowered-target check — median of 3 runs, against the
rest of the non-PDF pipeline (load, validate, derive) in the same run.

    python benchmarks/history_bench.py [--pupils 1500] [--commits 20] [DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generator.history import git as history
from generator.build import check, derive
from generator.commands.sample import write_sample
from generator.views.history import lowered_without_approval, pupil_trail


def make_school(root: Path, pupils: int, commits: int) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "Bench Mentor",
           "GIT_AUTHOR_EMAIL": "bench@example.invalid", "GIT_COMMITTER_NAME": "Bench Mentor",
           "GIT_COMMITTER_EMAIL": "bench@example.invalid"}

    def git(*args: str, date: str) -> None:
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                       env={**env, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})

    write_sample(pupils, root)
    git("init", "-q", "-b", "main", date="2026-09-01T12:00:00")
    git("add", "-A", date="2026-09-01T12:00:00")
    git("commit", "-q", "-m", "Records at the start of term", date="2026-09-01T12:00:00")
    rng = random.Random(7)
    files = sorted((root / "pupils").glob("*.yaml"))
    for n in range(commits - 1):
        day = f"2026-10-{n + 1:02d}"
        for path in rng.sample(files, min(100, len(files))):
            text = path.read_text(encoding="utf-8")
            note = f"  - date: {day}\n    kind: one-to-one\n    notes: Checked in about homework ({n}).\n"
            text = text.replace("meetings:\n", "meetings:\n" + note, 1) if "meetings:\n" in text else text + "meetings:\n" + note
            path.write_text(text, encoding="utf-8")
        git("commit", "-q", "-am", f"Week {n + 1} meetings", date=f"{day}T16:00:00")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=1500)
    parser.add_argument("--commits", type=int, default=20)
    parser.add_argument("dir", nargs="?", type=Path)
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="mentorsite-history-")) / "school"
    if not (root / ".git").exists():
        make_school(root, args.pupils, args.commits)
    pipeline, stage = [], []
    for _ in range(3):
        started = time.monotonic()
        checked = check(root)
        school = derive(root, checked, None)
        middle = time.monotonic()
        repo = history.read_history(root, ["pupils", "content/policies"])
        trails = {p.id: pupil_trail(repo, f"pupils/{p.id}.yaml", school.site) for p in school.pupils}
        lowered_without_approval(repo, {p.id: p.display_name for p in school.pupils}, school.site)
        done = time.monotonic()
        pipeline.append(middle - started)
        stage.append(done - middle)
    changes = sum(len(e.changes) for t in trails.values() for e in t.entries)
    print(f"school: {len(school.pupils)} pupils, {len(repo.commits)} commits, {changes} field changes described ({root})")
    print(f"load+validate+derive: median {statistics.median(pipeline):.2f}s (runs {', '.join(f'{x:.2f}' for x in pipeline)})")
    print(f"history stage:        median {statistics.median(stage):.2f}s (runs {', '.join(f'{x:.2f}' for x in stage)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
