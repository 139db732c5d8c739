"""export: what leaves the school's folder on request — the register and analysis as CSV, a subject-access bundle, the retention list.

It must not compute its own judgements or aggregates: the register comes
from the register view and the analysis from the staff analysis view, whose
small groups are already suppressed. It must not print (cli.py does) and a
bundle about one pupil must hold nothing about another.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import build as pipeline
from generator.output.templates import template_set
from generator.output.write import OutputRefused
from generator.sources.diagnostics import (
    Diagnostic,
    InvalidInput,
    Position,
    did_you_mean,
)

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """A CSV cell a spreadsheet will show as text: a leading '=', '+', '-' or '@' would run as a formula, so it is quoted with '."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")  # what spreadsheets expect
    writer.writerow(header)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    return stream.getvalue()


def register_csv(root: Path, as_of: dt.date | dt.datetime | None = None) -> str:
    """The mentoring register (staff only: it names pupils and why they were referred), one row per mentee."""
    from generator.views.sheets import register_entries

    school = pipeline.derive(root, pipeline.check(root), as_of)
    entries = register_entries(school)
    header = ["name", "year", "form", "mentor", "referred_on", "referred_by", "reasons", "status", "started_on", "next_review", "exited_on"]
    return _csv(header, [[getattr(e, field) for field in header] for e in entries])


def analysis_csv(root: Path, as_of: dt.date | dt.datetime | None = None) -> str:
    """The staff cohort analysis, table by table, exactly as the analysis page shows it; a suppressed figure is the word 'suppressed'."""
    from generator.views.staff import analysis_page

    analysis = analysis_page(pipeline.derive(root, pipeline.check(root), as_of)).analysis
    rows: list[list[Any]] = []
    for table, items in (("year", analysis.by_year), ("subject", analysis.by_subject), ("group", analysis.by_group)):
        for figures in items:
            rows.append([table, figures.label, "suppressed" if figures.size is None else figures.size,
                         _count(figures.on_or_above), _count(figures.below),
                         "suppressed" if figures.progress.suppressed or figures.progress.value is None else f"{figures.progress.value:.2f}",
                         _count(figures.registered)])
    return _csv(["table", "group", "pupils", "pupils_on_or_above_target", "pupils_below_target",
                 "mean_progress_steps", "pupils_on_register"], rows)


def _count(value: Any) -> str:
    """A count of pupils exactly as the analysis page shows it (rules/disclosure.py decided it), or 'suppressed'."""
    return "suppressed" if value.suppressed else str(value.count)




# --- subject access -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bundle:
    path: Path
    files: tuple[str, ...]


def sar(root: Path, pupil_id: str, out: Path, *, as_of: dt.date | dt.datetime | None = None, jobs: int = 1) -> Bundle:
    """A subject-access bundle: the record as held, every PDF made about the pupil alone, its history in words, a contents page.

    Documents that list many pupils (register, caseloads, progress meeting)
    are left out, because they hold other pupils' data; the pupil's own line
    of the register is given instead.
    """
    from generator import views
    from generator.history import git as history
    from generator.output import pdf
    from generator.output.plan import plan
    from generator.output.render import environments, render
    from generator.sources import letters
    from generator.views.history import pupil_trail
    from generator.views.sheets import register_entries

    root = root.resolve()
    target = out.resolve()
    if target.is_relative_to(root):
        raise OutputRefused(f"--out {out}: a subject-access bundle holds personal data; write it outside the school's folder, "
                            "so it is never committed")
    if target.suffix.lower() != ".zip":
        raise OutputRefused(f"--out {out}: the bundle is a zip file; give a name ending in .zip")
    checked = pipeline.check(root)
    if pupil_id not in checked.pupils:
        raise InvalidInput([Diagnostic(f"pupils/{pupil_id}.yaml", Position(1, 1), "sar.pupil.unknown",
                                       f"there is no pupil '{pupil_id}' in pupils/{did_you_mean(pupil_id, checked.pupils)}")])
    school = pipeline.derive(root, checked, as_of)
    facts = next(p for p in school.pupils if p.id == pupil_id)
    rel_path = f"pupils/{pupil_id}.yaml"
    repo = history.read_history(root, [rel_path])
    trail = pupil_trail(repo, rel_path, school.site)
    staff = views.staff_site(school)
    governors = views.governors_site(school, ())
    mine = (f"staff/pupils/{pupil_id}/", f"families/{pupil_id}/")
    outputs = [o for o in plan(school, staff, governors, letters.compile_letters(checked.letters), {pupil_id: trail})
               if o.kind == "pdf" and o.dest.startswith(mine)]
    templates = template_set(root)
    envs = environments(templates)
    jobs_ = [pdf.PdfJob(o.dest, render(envs[o.audience], o.template, o.page, **o.context)) for o in outputs]
    rendered = dict(pdf.render_all(jobs_, root, (templates.find("shared/print.css"),), jobs))

    entries: dict[str, bytes] = {}
    entries[f"record/{pupil_id}.yaml"] = (root / rel_path).read_bytes()
    lines = [f"{e.date.isoformat()}  {e.author}  {e.message}" + "".join(f"\n    {c}" for c in e.changes) for e in trail.entries]
    entries["history.txt"] = ("\n".join(([trail.note] if trail.note else []) + lines or ["No committed history."]) + "\n").encode("utf-8")
    for dest in sorted(rendered):
        entries["documents/" + dest.replace("/", "-").replace(f"-{pupil_id}-", "-")] = rendered[dest]
    row = next((e for e in register_entries(school) if e.name == facts.display_name and e.form == facts.record.form), None)
    if row is not None:
        entries["register-entry.txt"] = "".join(f"{k}: {_cell(getattr(row, k))}\n" for k in row.__dataclass_fields__).encode("utf-8")
    contents = [f"Subject access bundle: {facts.display_name} ({pupil_id}), {school.site.school}",
                f"Prepared from the records as of {school.as_of.isoformat()}.", "",
                "What is in this bundle:",
                f"  {'record/' + pupil_id + '.yaml':<44} the mentoring record exactly as the school holds it",
                f"  {'history.txt':<44} every recorded change to that record: when, by whom, why, what",
                *(f"  {name:<44} a document made about this pupil" for name in sorted(entries) if name.startswith("documents/")),
                *([f"  {'register-entry.txt':<44} this pupil's line of the mentoring register"] if row is not None else []),
                "", "Left out: documents that list several pupils (the register, caseloads and progress-meeting sheets),",
                "because they hold other pupils' information; this pupil's own entries from them are included above.",
                "Safeguarding records are kept separately from mentoring records and are not part of this bundle."]
    entries["00-contents.txt"] = ("\n".join(contents) + "\n").encode("utf-8")
    _write_zip(target, entries, school.as_of)
    return Bundle(target, tuple(sorted(entries)))


def _write_zip(target: Path, entries: dict[str, bytes], day: dt.date) -> None:
    """Same records, same bytes: fixed entry dates and order; written to a temporary file, then moved into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=".sar-", suffix=".zip", dir=target.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temp_name, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            for name in sorted(entries):
                info = zipfile.ZipInfo(name, date_time=(max(day.year, 1980), day.month, day.day, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o600 << 16  # personal data: readable by the owner only once unpacked
                bundle.writestr(info, entries[name])
        os.chmod(temp_name, 0o600)
        os.replace(temp_name, target)
    finally:
        Path(temp_name).unlink(missing_ok=True)


# --- retention --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Due:
    rel_path: str
    retain_until: dt.date | None


def retention(root: Path, as_of: dt.date | dt.datetime | None = None) -> tuple[dt.date, list[Due], list[Diagnostic]]:
    """Archived records whose retention date has passed (and any archive file without a readable date)."""
    from generator.judge import clock
    from generator.sources.load import load_yaml

    today = clock.as_of(root, as_of, []).date()
    due: list[Due] = []
    problems: list[Diagnostic] = []
    archive = root / "archive"
    for path in sorted(archive.glob("*/*.yaml")) if archive.is_dir() else []:
        rel_path = path.relative_to(root).as_posix()
        try:
            doc = load_yaml(path, rel_path)
        except InvalidInput as err:
            problems += err.diagnostics
            continue
        until = doc.data.get("retain_until") if isinstance(doc.data, dict) else None
        if not isinstance(until, dt.date):
            problems.append(Diagnostic(rel_path, doc.at(("retain_until",)) if isinstance(doc.data, dict) and "retain_until" in doc.data
                                       else Position(1, 1), "retention.date",
                                       "retain_until: expected the date until which this record is kept, written YYYY-MM-DD"))
            continue
        if until < today:
            due.append(Due(rel_path, until))
    return today, due, problems


def removal_command(due: list[Due], today: dt.date) -> str:
    """One commit that removes the records, so the removal itself is on record (git keeps who and when, not the data's future)."""
    files = " ".join(d.rel_path for d in due)
    return (f"git rm -q {files} && git commit -m \"Retention: remove {len(due)} archived record{'s' if len(due) != 1 else ''} "
            f"past their retention date (as of {today.isoformat()})\"")
