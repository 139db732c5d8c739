"""build: the order of the pipeline — load → validate → derive → views → plan → render / pdf → write.

It holds the order and nothing else: each step lives in its own module.
It never prints; progress goes to the `report` callback the caller passes.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from generator import views
from generator.history import git as history
from generator.history.targets import lowered_without_was
from generator.judge import clock, warnings
from generator.judge.derive import SchoolFacts, derive_school
from generator.output import pdf, search
from generator.output.plan import plan
from generator.output.render import check_templates, environments, render
from generator.output.templates import template_set, web_assets
from generator.output.write import STATE_DIR, Staging, read_state, state_bytes
from generator.sources import letters
from generator.sources.diagnostics import Diagnostic, InvalidInput
from generator.sources.inputs import load_school
from generator.sources.schema import Pupil
from generator.sources.validate import Checked
from generator.views.history import lowered_without_approval, policy_trail, pupil_trail

Report = Callable[[str], None]


@dataclass(frozen=True)
class BuildResult:
    as_of: dt.date
    pupils: int
    pages: int
    pdfs_rendered: int
    pdfs_reused: int


def check(root: Path, repo: history.History | None = None) -> Checked:
    """Validate only; raises InvalidInput listing every problem.

    A target written in the short form is also compared with its versions
    in git (issue 11: a lowering must carry its approval), so `check` and
    `build` refuse the same records. The school's templates must compile,
    and none may be a link.
    """
    checked = load_school(root)
    lowered = lowered_without_was(root, checked, repo or history.read_history(root, ["pupils"]))
    if lowered:
        raise InvalidInput(lowered)
    check_templates(template_set(root))
    return checked


def warnings_for(root: Path, checked: Checked, as_of: dt.date | dt.datetime | None) -> list[Diagnostic]:
    """Located warnings as of the build's date (they never fail check or build)."""
    events = (d for p in checked.pupils.values() for d in _event_dates(p))
    return warnings.warnings(checked, clock.as_of(root.resolve(), as_of, events).date())


def derive(root: Path, checked: Checked, as_of: dt.date | dt.datetime | None) -> SchoolFacts:
    events = (d for p in checked.pupils.values() for d in _event_dates(p))
    now = clock.as_of(root, as_of, events)
    return derive_school(checked.site, checked.pupils, now)


def build(root: Path, out: Path, *, jobs: int | None = None, as_of: dt.date | dt.datetime | None = None,
          report: Report = lambda _m: None) -> BuildResult:
    """Build every output into a staging folder and swap it in only when all of it succeeded."""
    root = root.resolve()
    out = out.resolve()
    started = time.monotonic()
    repo = history.read_history(root, ["pupils", "content/policies"])
    checked = check(root, repo)
    workers = jobs or os.cpu_count() or 1
    templates = template_set(root)  # the school's templates/ over ours, file by file; links and outside files refused
    css_paths = (templates.find("shared/print.css"),)
    pdf.warm_up(root, css_paths, workers)  # workers load WeasyPrint while this process renders HTML
    school = derive(root, checked, as_of)
    for found in warnings.warnings(checked, school.as_of):
        report(found.format())
    started_history = time.monotonic()
    for warning in (*repo.warnings, *([f"git: {repo.detail}"] if repo.detail else [])):
        report(f"warning: {warning}")
    policies = tuple(
        views.policy(slug, meta, body, school.as_of,
                     policy_trail(repo, f"content/policies/{slug}.md", meta.approved_on, body, checked.site.policy_history))
        for slug, (meta, body, _line) in sorted(checked.policies.items()))
    trails = {p.id: pupil_trail(repo, f"pupils/{p.id}.yaml", school.site) for p in school.pupils}
    staff = views.staff_site(school, lowered_without_approval(repo, {p.id: p.display_name for p in school.pupils}, school.site))
    report(f"history ({repo.status}, {len(repo.commits)} commits) read in {time.monotonic() - started_history:.1f}s")
    governors = views.governors_site(school, policies)
    outputs = plan(school, staff, governors, letters.compile_letters(checked.letters), trails)
    envs = environments(templates)
    assets = web_assets(templates, checked.site)
    css_digest = pdf.digest_files((*css_paths, *templates.embedded(checked.site)))
    report(f"{len(checked.pupils)} pupils, {len(policies)} policies checked in {time.monotonic() - started:.1f}s; "
           f"judged as of {school.now:%Y-%m-%d %H:%M}")
    started = time.monotonic()

    with Staging(out) as staging:
        previous = read_state(out).get("pdf", {})  # read under the lock: another build may have swapped in meanwhile
        jobs_to_render: list[pdf.PdfJob] = []
        keys: dict[str, str] = {}
        reused = pages = 0
        for output in (o for o in outputs if o.kind == "pdf"):
            job = pdf.PdfJob(output.dest, render(envs[output.audience], output.template, output.page, **output.context))
            keys[output.dest] = pdf.job_key(job, css_digest)
            if previous.get(output.dest) == keys[output.dest] and staging.reuse(output.dest, out / output.dest):
                reused += 1
            else:
                jobs_to_render.append(job)
        rendering = pdf.render_all(jobs_to_render, root, css_paths, workers)  # the workers start on the PDFs while the pages render
        for output in (o for o in outputs if o.kind == "html"):
            html = render(envs[output.audience], output.template, output.page, **output.context)
            staging.write(output.dest, html.encode("utf-8"))
            pages += 1
        for audience in ("staff", "governors"):
            for dest, data in assets.items():
                staging.write(f"{audience}/{dest}", data)
        report(f"{pages} pages rendered in {time.monotonic() - started:.1f}s")
        started = time.monotonic()
        indexed = search.index_folders(staging.path)  # one search index per web audience, on the staged pages, before the swap
        report("search indexed " + ", ".join(f"{n} {audience} pages" for audience, n in indexed.items())
               + f" in {time.monotonic() - started:.1f}s; rendering {len(jobs_to_render)} PDFs ({reused} unchanged)")
        started = time.monotonic()
        for done, (dest, data) in enumerate(rendering, start=1):
            staging.write(dest, data)
            if done % 100 == 0:
                report(f"{done}/{len(jobs_to_render)} PDFs")
        if jobs_to_render:
            report(f"{len(jobs_to_render)} PDFs rendered in {time.monotonic() - started:.1f}s with {min(workers, len(jobs_to_render))} worker(s)")
        staging.write(f"{STATE_DIR}/state.json", state_bytes({"pdf": keys}))
        staging.commit()
    return BuildResult(school.as_of, len(checked.pupils), pages, len(jobs_to_render), reused)


def _event_dates(record: Pupil) -> Iterable[dt.date]:
    """Dates of things that have happened (not planned ones), for the as-of fallback outside git."""
    m = record.mentoring
    yield from (d for d in (m.referred_on, m.started_on, m.exited_on) if d)
    yield from (x.date for x in record.meetings)
    yield from (x.date for x in record.contacts)
