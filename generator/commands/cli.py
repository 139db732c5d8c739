"""cli: the `mentorsite` command; the only module that prints or exits.

Exit status: 0 done; 1 invalid input (nothing in --out changed); 2 usage;
3 an internal error (a bug: reported in one line, traceback only with
MENTORSITE_DEBUG=1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import os
import sys
import time
import traceback
from pathlib import Path

from generator.output.search import SearchIndexError
from generator.output.write import BuildLocked, OutputRefused
from generator.sources.diagnostics import InvalidInput


def _date(text: str) -> dt.date | dt.datetime:
    try:
        return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; expected YYYY-MM-DD or YYYY-MM-DDTHH:MM, e.g. 2026-11-20")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of at least 1")
    return int(text)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="mentorsite", description="Build a school's mentoring records into a staff intranet, a governors' policy site and PDFs.")
    top.add_argument("--version", action="version", version=f"mentorsite {_version()}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="validate everything, then build every output")
    build.add_argument("--root", type=Path, default=Path("."), help="the school's folder (default: current folder)")
    build.add_argument("--out", type=Path, default=None, help="where to build (default: ROOT/output)")
    build.add_argument("--jobs", type=_positive, default=None, help="PDF worker processes (default: all cores)")
    build.add_argument("--as-of", type=_date, default=None, help="judge what is due as of this date (default: the latest commit's date)")
    talk = build.add_mutually_exclusive_group()
    talk.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    talk.add_argument("-v", "--verbose", action="store_true", help="also say why each output was rebuilt (as --explain)")
    build.add_argument("--explain", action="store_true", help="say why each output that is rebuilt is rebuilt")
    build.add_argument("--dask-scheduler", metavar="tcp://HOST:PORT", default=None,
                       help="render PDFs on this Dask cluster (pip install 'mentorsite[dask]') instead of local processes")

    check = commands.add_parser("check", help="validate only, write nothing")
    check.add_argument("--root", type=Path, default=Path("."))

    serve = commands.add_parser("serve", help="build, serve on 127.0.0.1 and rebuild on every save")
    serve.add_argument("--root", type=Path, default=Path("."))
    serve.add_argument("--out", type=Path, default=None)
    serve.add_argument("--port", type=_positive, default=8000)
    serve.add_argument("--jobs", type=_positive, default=None)
    serve.add_argument("--as-of", type=_date, default=None)

    hist = commands.add_parser("history", help="show who changed a pupil's record, when, why and what")
    hist.add_argument("file", type=Path, help="a pupil file, e.g. pupils/p001.yaml")
    hist.add_argument("--root", type=Path, default=Path("."))

    sample = commands.add_parser("sample", help="write a synthetic school of N pupils into DIR")
    sample.add_argument("--pupils", type=_positive, required=True)
    sample.add_argument("--seed", type=int, default=2026)
    sample.add_argument("dir", type=Path)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return _run(args)
    except InvalidInput as err:
        for diagnostic in err.diagnostics:
            print(diagnostic.format(), file=sys.stderr)
        count = len(err.diagnostics)
        print(f"mentorsite: {count} problem{'s' if count != 1 else ''} found; nothing was written", file=sys.stderr)
        return 1
    except BuildLocked as err:
        print(f"mentorsite: {err}", file=sys.stderr)
        return 1
    except OutputRefused as err:  # a wrong --out is a usage error; nothing was touched
        print(f"mentorsite: {err}", file=sys.stderr)
        return 2
    except SearchIndexError as err:
        print(f"mentorsite: the search index could not be built ({err}); nothing was changed in the output", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("mentorsite: stopped; the previous output is unchanged", file=sys.stderr)
        return 130
    except Exception as err:  # a bug, not bad input: say so in one line
        if os.environ.get("MENTORSITE_DEBUG"):
            traceback.print_exc()
        detail = " ".join(str(err).split())  # one line, whatever the exception says
        print(f"mentorsite: internal error ({type(err).__name__}: {detail}); the previous output is unchanged. "
              "Please report this with the command you ran (set MENTORSITE_DEBUG=1 for details).", file=sys.stderr)
        return 3


def _run(args: argparse.Namespace) -> int:
    if args.command == "check":
        from generator.build import check

        checked = check(args.root)
        print(f"mentorsite: {len(checked.pupils)} pupils, {len(checked.policies)} policies: all valid")
        return 0
    if args.command == "build":
        from generator.build import build
        from generator.commands.progress import progress_for
        from generator.output.fingerprint import up_to_date

        out = args.out or args.root / "output"
        started = time.monotonic()
        say = _quiet if args.quiet else _say
        if not (args.explain or args.verbose) and (args.root / "site.yaml").is_file() and up_to_date(args.root, out, args.as_of):
            say(f"{out} is up to date: nothing changed since the last build ({time.monotonic() - started:.2f}s)")
            return 0
        with progress_for(sys.stderr, quiet=args.quiet) as progress:
            result = build(args.root, out, jobs=args.jobs, as_of=args.as_of, report=progress.wrap(say),
                           explain=progress.wrap(_say) if args.explain or args.verbose else None,
                           dask_scheduler=args.dask_scheduler, progress=progress.update)
        say(f"built {out} in {time.monotonic() - started:.1f}s: {result.pages_total} pages ({result.pages} rendered), "
            f"{result.pdfs_rendered} PDFs rendered, {result.pdfs_reused} unchanged (as of {result.as_of.isoformat()})")
        return 0
    if args.command == "serve":
        from generator.commands.serve import serve

        try:
            serve(args.root, args.out or args.root / "output", port=args.port, jobs=args.jobs, as_of=args.as_of, report=_say)
        except OSError as err:
            if err.errno != errno.EADDRINUSE:
                raise
            print(f"mentorsite: port {args.port} on 127.0.0.1 is already in use; choose another with --port", file=sys.stderr)
            return 1
        return 0
    if args.command == "history":
        return _history(args.root, args.file)
    if args.command == "sample":
        from generator.commands.sample import write_sample

        write_sample(args.pupils, args.dir, seed=args.seed)
        _say(f"wrote a sample school of {args.pupils} pupils to {args.dir}")
        return 0
    raise AssertionError(args.command)


def _history(root: Path, file: Path) -> int:
    """Print a pupil record's audit trail from git, newest first, field by field."""
    from generator.build import check
    from generator.history.git import read_history
    from generator.views.history import pupil_trail

    root = root.resolve()
    target = file if file.is_absolute() else (Path.cwd() / file)
    if not target.resolve().is_relative_to(root) or not target.is_file():
        target = root / file
    rel_path = target.resolve().relative_to(root).as_posix() if target.resolve().is_relative_to(root) else str(file)
    if not (root / rel_path).is_file():
        print(f"mentorsite: {rel_path}: no such file under {root}", file=sys.stderr)
        return 1
    checked = check(root)
    trail = pupil_trail(read_history(root, [rel_path]), rel_path, checked.site)
    if trail.note:
        print(trail.note)
    for entry in trail.entries:
        print(f"{entry.date.isoformat()}  {entry.author}  {entry.commit}  {entry.message}")
        for change in entry.changes:
            print(f"    {change}")
    if trail.available and not trail.entries:
        print(f"{rel_path} has no committed history yet.")
    return 0


def _say(message: str) -> None:
    print(f"mentorsite: {message}", file=sys.stderr, flush=True)


def _quiet(_message: str) -> None:
    """-q: progress and timings are not printed; problems still are (they are raised, not reported)."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mentorsite")
    except PackageNotFoundError:
        return "unknown (not installed)"
