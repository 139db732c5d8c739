"""cli: the `mentorsite` command; the only module that prints or exits.

Exit status: 0 done; 1 invalid input (nothing in --out changed); 2 usage;
3 an internal error (a bug: reported in one line, traceback only with
MENTORSITE_DEBUG=1).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import errno
import os
import sys
import time
import traceback
from pathlib import Path

from generator.output.search import SearchIndexError
from generator.output.write import BuildLocked, OutputRefused
from generator.sources.diagnostics import Diagnostic, InvalidInput


def _date(text: str) -> dt.date | dt.datetime:
    from generator.sources.daterange import EARLIEST, LATEST  # not schema: the no-op build never imports the record models

    try:
        value = dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; expected YYYY-MM-DD or YYYY-MM-DDTHH:MM, e.g. 2026-11-20")
    if not EARLIEST <= (value.date() if isinstance(value, dt.datetime) else value) <= LATEST:  # the records' own range: check ≡ build
        raise argparse.ArgumentTypeError(f"'{text}' is outside the dates mentorsite judges; expected a date from {EARLIEST} to {LATEST}")
    return value


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
    check.add_argument("--as-of", type=_date, default=None, help="judge warnings about dates as of this date")
    check.add_argument("--format", choices=["text", "github"], default="text",
                       help="'github': also print each problem as a GitHub Actions annotation on its file and line")

    actions = commands.add_parser("actions", help="every pupil's due actions, with stable codes")
    actions.add_argument("--root", type=Path, default=Path("."))
    actions.add_argument("--as-of", type=_date, default=None, help="judge what is due as of this date (default: as build)")
    actions.add_argument("--format", choices=("text", "json"), default="text")

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

    importing = commands.add_parser("import", help="write pupil files from an MIS export (marksheet CSV/XLSX, or a DfE CTF)")
    kinds = importing.add_subparsers(dest="kind", required=True, metavar="KIND")
    marks = kinds.add_parser("marksheet", help="one half term's grades, attendance and attitude from a CSV or XLSX marksheet")
    marks.add_argument("file", type=Path)
    marks.add_argument("--half-term", required=True, help="the half term id in site.yaml the values belong to, e.g. au2")
    ctf = kinds.add_parser("ctf", help="new pupils and KS2 results from a DfE Common Transfer File (XML)")
    ctf.add_argument("file", type=Path)
    ctf.add_argument("--year", type=int, default=None, help="the year group the pupils join (default: the CTF's NC year + 1)")
    ctf.add_argument("--form", default="TBC", help="the form to write for new pupils (default: TBC)")
    for kind in (marks, ctf):
        kind.add_argument("--root", type=Path, default=Path("."))
        kind.add_argument("--dry-run", action="store_true", help="print the changes as a diff and write nothing")

    new = commands.add_parser("new", help="start a new record from a commented skeleton")
    new_kinds = new.add_subparsers(dest="kind", required=True, metavar="KIND")
    new_pupil = new_kinds.add_parser("pupil", help="write pupils/ID.yaml (default: the next free id)")
    new_pupil.add_argument("id", nargs="?", default=None)
    new_pupil.add_argument("--first-name", default="New")
    new_pupil.add_argument("--last-name", default="Pupil")
    new_pupil.add_argument("--year", type=int, default=7)
    new_pupil.add_argument("--form", default="TBC")
    new_pupil.add_argument("--root", type=Path, default=Path("."))
    new_pupil.add_argument("--dry-run", action="store_true")

    roll = commands.add_parser("rollover", help="close the school year: pupils move up, leavers archived, next year's half terms added")
    roll.add_argument("--root", type=Path, default=Path("."))
    roll.add_argument("--dry-run", action="store_true", help="print the changes as a diff and write nothing")

    export = commands.add_parser("export", help="the register or the cohort analysis as CSV (staff only)")
    export.add_argument("table", choices=["register", "analysis"])
    export.add_argument("--format", choices=["csv"], default="csv")
    export.add_argument("--out", type=Path, default=None, help="write to this file (default: print)")
    export.add_argument("--root", type=Path, default=Path("."))
    export.add_argument("--as-of", type=_date, default=None)

    sar = commands.add_parser("sar", help="a subject-access bundle (zip) of everything held about one pupil")
    sar.add_argument("pupil", help="the pupil's id (the file name in pupils/ without .yaml)")
    sar.add_argument("--out", type=Path, required=True, help="the zip file to write, outside the school's folder")
    sar.add_argument("--root", type=Path, default=Path("."))
    sar.add_argument("--as-of", type=_date, default=None)
    sar.add_argument("--jobs", type=_positive, default=1)

    keep = commands.add_parser("retention", help="archived records past their retention date, and the command that removes them")
    keep.add_argument("--root", type=Path, default=Path("."))
    keep.add_argument("--as-of", type=_date, default=None)
    return top


def program() -> None:
    """The `mentorsite` command (and `python -m generator`): `main`, then the process ends at once with its status.

    Everything a command writes is written and closed before `main` returns
    (outputs are swapped in whole, the lock released, the PDF workers shut
    down), so what is left is the interpreter's tidying of its own memory:
    about 0.14 s after a build at 1,500 pupils, a twentieth of an edit. The
    fork server stops by itself when this process ends. Tests call `main`,
    which returns as before.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`mentorsite ... | head`): nothing more can be said there
            stream.flush()
    os._exit(code)


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
        from generator.build import check, warnings_for

        try:
            checked = check(args.root)
        except InvalidInput as err:
            if args.format == "github":
                for diagnostic in err.diagnostics:
                    print(_annotation(args.root, diagnostic))
            raise
        found = warnings_for(args.root, checked, args.as_of)
        for diagnostic in found:
            print(diagnostic.format(), file=sys.stderr)
        tail = f"; {len(found)} warning{'s' if len(found) != 1 else ''}" if found else ""
        print(f"mentorsite: {len(checked.pupils)} pupils, {len(checked.policies)} policies: all valid{tail}")
        return 0
    if args.command == "actions":
        from generator.commands import actions

        school = actions.school_actions(args.root, args.as_of)
        sys.stdout.write(actions.as_json(school) if args.format == "json" else actions.as_text(school))
        return 0
    if args.command == "build":
        from generator.output.fingerprint import state  # light: the pipeline is imported only once something changed

        out = args.out or args.root / "output"
        started = time.monotonic()
        say = _quiet if args.quiet else _say
        reading = None
        if not (args.explain or args.verbose) and (args.root / "site.yaml").is_file():
            reading = state(args.root, out, args.as_of)  # handed to build: it does not read and digest it all again
            if reading.up_to_date:
                say(f"{out} is up to date: nothing changed since the last build ({time.monotonic() - started:.2f}s)")
                return 0
        from generator.build import build  # about 0.5 s of imports (pydantic's models, the views), not needed above
        from generator.commands.progress import progress_for
        with progress_for(sys.stderr, quiet=args.quiet) as progress:
            result = build(args.root, out, jobs=args.jobs, as_of=args.as_of, report=progress.wrap(say),
                           explain=progress.wrap(_say) if args.explain or args.verbose else None,
                           dask_scheduler=args.dask_scheduler, progress=progress.update, state=reading)
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
        from generator.commands.sample import SampleRefused, write_sample

        try:
            write_sample(args.pupils, args.dir, seed=args.seed)
        except SampleRefused as err:
            print(f"mentorsite: {err}; sample writes a new school only into an empty or new folder, so nothing was written",
                  file=sys.stderr)
            return 1
        _say(f"wrote a sample school of {args.pupils} pupils to {args.dir}")
        return 0
    if args.command in ("import", "new", "rollover"):
        return _convert(args)
    if args.command in ("export", "sar", "retention"):
        return _out(args)
    raise AssertionError(args.command)


def _convert(args: argparse.Namespace) -> int:
    """`import` and `new`: converters that write pupil files; a dry run prints the diff instead."""
    from generator.commands import importing

    if args.command == "rollover":
        from generator.commands.rollover import rollover

        outcome = rollover(args.root, dry_run=args.dry_run)
    elif args.command == "new":
        outcome = importing.new_pupil(args.root, args.id, first=args.first_name, last=args.last_name, year=args.year,
                                      form=args.form, dry_run=args.dry_run)
    elif args.kind == "marksheet":
        outcome = importing.import_marksheet(args.root, args.file, args.half_term, dry_run=args.dry_run)
    else:
        outcome = importing.import_ctf(args.root, args.file, dry_run=args.dry_run, year=args.year, form=args.form)
    if args.dry_run:
        sys.stdout.write(outcome.diff())
    for note in outcome.notes:
        _say(note)
    files = len(outcome.changes)
    verb = "would change" if args.dry_run else "changed"
    if not files:
        _say("nothing to change: every value is already in the pupil files")
        return 0
    if not args.dry_run:
        for rel_path, old, new in outcome.changes[:20]:
            _say(f"{'wrote' if not old else 'removed' if not new else 'updated'} {rel_path}")
    _say(f"{verb} {files} file{'s' if files != 1 else ''} ({outcome.values} value{'s' if outcome.values != 1 else ''})"
         + ("; nothing was written" if args.dry_run else "; review with git diff, then commit"))
    return 0


def _out(args: argparse.Namespace) -> int:
    """`export`, `sar` and `retention`: what leaves the school's folder on request."""
    from generator.commands import export

    if args.command == "export":
        text = (export.register_csv if args.table == "register" else export.analysis_csv)(args.root, args.as_of)
        if args.out is None:
            sys.stdout.write(text)
        else:
            args.out.write_text(text, encoding="utf-8", newline="")
            _say(f"wrote the {args.table} to {args.out}")
        return 0
    if args.command == "sar":
        bundle = export.sar(args.root, args.pupil, args.out, as_of=args.as_of, jobs=args.jobs)
        _say(f"wrote {bundle.path} ({len(bundle.files)} files); it holds personal data: send it securely, then delete it")
        return 0
    today, due, problems = export.retention(args.root, args.as_of)
    for problem in problems:
        print(problem.format(), file=sys.stderr)
    for item in due:
        print(f"{item.rel_path}  keep until {item.retain_until}  (past, as of {today})")
    if due:
        print(export.removal_command(due, today))
        _say("the files stay in git history; the docs (answer a subject access request / start a new year) say how to purge them")
    else:
        _say(f"no archived record is past its retention date as of {today}")
    return 1 if problems else 0


def _annotation(root: Path, diagnostic: Diagnostic) -> str:
    """`::error file=…,line=…,col=…,title=…::message`: GitHub shows it on the line of the file in the commit.

    Paths are relative to the repository, so a school kept in a subfolder
    (--root) gets that folder in front; values are escaped as the runner expects.
    """
    def data(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    def prop(text: str) -> str:
        return data(text).replace(":", "%3A").replace(",", "%2C")

    prefix = os.path.relpath(root.resolve(), Path.cwd().resolve()).replace(os.sep, "/")
    path = diagnostic.path if prefix == "." else f"{prefix}/{diagnostic.path}"
    return (f"::error file={prop(path)},line={diagnostic.position.line},col={diagnostic.position.column},"
            f"title={prop(diagnostic.code)}::{data(' '.join(diagnostic.message.split()))}")


def _history(root: Path, file: Path) -> int:
    """Print a pupil record's audit trail from git, newest first, field by field."""
    from generator.history.git import read_history
    from generator.sources.inputs import load_school
    from generator.views.history import pupil_trail

    root = root.resolve()
    target = file if file.is_absolute() else (Path.cwd() / file)
    if not target.resolve().is_relative_to(root) or not target.is_file():
        target = root / file
    rel_path = target.resolve().relative_to(root).as_posix() if target.resolve().is_relative_to(root) else str(file)
    if not (root / rel_path).is_file():
        print(f"mentorsite: {rel_path}: no such file under {root}", file=sys.stderr)
        return 1
    checked = load_school(root)  # not the history-based target check: this command is how a lowering is looked into
    repo = read_history(root, [rel_path])
    for warning in (*repo.warnings, *([f"git: {repo.detail}"] if repo.detail else [])):
        _say(f"warning: {warning}")
    trail = pupil_trail(repo, rel_path, checked.site)
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
