"""build: the order of the pipeline — load → validate → derive → views → plan → render / pdf → write.

It holds the order and nothing else: each step lives in its own module.
It never prints; progress goes to the `report` callback the caller passes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import views
from generator.history import git as history
from generator.history.memo import HISTORY, HistoryMemo
from generator.history.targets import lowered_without_was
from generator.judge import clock, warnings
from generator.judge.audits import AUDITS, AuditMemo
from generator.judge.derive import SchoolFacts, derive_school
from generator.output import artifacts, executors, memory, pdf, search
from generator.output import fingerprint as fingerprints
from generator.output.executors import Deferred, open_executor
from generator.output.plan import (
    Output,
    list_pages,
    neighbours,
    plan_pupil,
    plan_school_documents,
    plan_school_pages,
    pupil_school,
    refuse_duplicates,
)
from generator.output.render import check_templates, environments, render
from generator.output.templates import template_set, web_assets
from generator.output.write import STATE_DIR, Staging
from generator.sources import letters
from generator.sources.cache import RECORDS, RecordCache
from generator.sources.diagnostics import Diagnostic, InvalidInput
from generator.sources.gcpause import paused
from generator.sources.inputs import load_school
from generator.sources.schema import Pupil
from generator.sources.validate import Checked
from generator.views.history import Trail, lowered_without_approval, policy_trail, pupil_trail

Report = Callable[[str], None]
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BuildResult:
    as_of: dt.date
    pupils: int
    pages: int
    pdfs_rendered: int
    pdfs_reused: int
    pages_total: int = 0
    """Web pages in the output; `pages` is how many of them this build rendered."""
    pdfs_pending: int = 0
    """Stale PDFs left for the next build (serve's first pass)."""


def check(root: Path, repo: history.History | None = None, cache: RecordCache | None = None,
          memo: HistoryMemo | None = None, *, templates: bool = True) -> Checked:
    """Validate only; raises InvalidInput listing every problem.

    A target written in the short form is also compared with its versions
    in git (issue 11: a lowering must carry its approval), so `check` and
    `build` refuse the same records. The school's templates must compile,
    and none may be a link. `cache` (build, serve) skips re-parsing pupil
    files that were valid before with the same site.yaml; `memo` keeps what
    was read from old versions. `templates=False` (serve's preview, after
    saves to pupil files only) leaves the templates to the full build.
    """
    checked = load_school(root, cache)
    lowered = lowered_without_was(root, checked, repo or history.read_history(root, ["pupils"]), memo)
    if lowered:
        raise InvalidInput(lowered)
    if templates:
        check_templates(template_set(root))
    return checked


def warnings_for(root: Path, checked: Checked, as_of: dt.date | dt.datetime | None) -> list[Diagnostic]:
    """Located warnings as of the build's date (they never fail check or build)."""
    return warnings.warnings(checked, _moment(root.resolve(), checked, as_of).date())


def derive(root: Path, checked: Checked, as_of: dt.date | dt.datetime | None, memo: PreviewMemo | None = None,
           tokens: Mapping[str, str] | None = None) -> SchoolFacts:
    """Every pupil's facts as of the build's moment; with serve's `memo` and the records' `tokens`, unchanged pupils keep the facts judged last time."""
    return derive_school(checked.site, checked.pupils, _moment(root, checked, as_of), memo.derived if memo is not None else None,
                         tokens if memo is not None else None)


def _tokens(cache: RecordCache) -> dict[str, str]:
    """Each pupil's record key in the cache (its file's digest under site.yaml's), by pupil id."""
    return {rel.removeprefix("pupils/").removesuffix(".yaml"): e["key"] for rel, e in cache.used.items()
            if isinstance(e, dict) and isinstance(e.get("key"), str)}


def _moment(root: Path, checked: Checked, as_of: dt.date | dt.datetime | None) -> dt.datetime:
    """The as-of moment for judgements and warnings alike (judge/clock.py; the records' event dates outside git)."""
    return clock.as_of(root, as_of, (d for p in checked.pupils.values() for d in _event_dates(p)))


def build(root: Path, out: Path, *, jobs: int | None = None, as_of: dt.date | dt.datetime | None = None,
          report: Report = lambda _m: None, explain: Report | None = None,
          dask_scheduler: str | None = None, progress: Progress = lambda _stage, _done, _total: None,
          cache: RecordCache | None = None, defer_pdfs: bool = False, memo: PreviewMemo | None = None,
          state: fingerprints.State | None = None) -> BuildResult:
    """Build every output into a staging folder and swap it in only when all of it succeeded.

    Nothing is done at all when the inputs, templates, embedded files, code,
    git commit and as-of are those of the last build (its manifest's
    fingerprint); otherwise each output whose record still holds is carried
    over from the previous output and only the others are rendered.
    `explain` is told why each rendered output was rendered. `cache` keeps
    validated records in memory between builds (serve); without one they are
    kept as JSON in the output's `.mentorsite/`. `defer_pdfs` (serve) swaps in
    the web pages at once and leaves each stale PDF as it was, recorded as
    pending, so the next build renders it. `memo` (serve) keeps each
    pupil's judged facts between builds. `state` is the up-to-date check's
    reading (`fingerprint.state`) when the caller made it just before, for
    these root, output and as-of: it is not read and digested again.
    """
    root = root.resolve()
    out = out.resolve()
    started = time.monotonic()
    if state is None or (state.root, state.out, state.as_of) != (root, out, as_of):
        state = fingerprints.state(root, out, as_of)
    previous, fingerprint = state.previous, state.fingerprint
    if state.up_to_date:
        report(f"nothing changed since the last build; checked in {time.monotonic() - started:.2f}s")
        extra = previous.extra
        return BuildResult(dt.date.fromisoformat(str(extra.get("as_of"))), int(extra.get("pupils", 0)), 0, 0,
                           sum(1 for d in previous.artifacts if d.endswith(".pdf")), int(extra.get("pages", 0)))
    if explain is not None:
        for reason in artifacts.fingerprint_changes(previous.fingerprint, fingerprint):
            explain(f"building because {reason}")
    return _build(root, out, state, started, jobs or os.cpu_count() or 1, as_of=as_of, report=report, explain=explain,
                  dask_scheduler=dask_scheduler, progress=progress, cache=cache, defer_pdfs=defer_pdfs, memo=memo)


def _build(root: Path, out: Path, state: fingerprints.State, started: float, workers: int, *,
           as_of: dt.date | dt.datetime | None, report: Report, explain: Report | None, dask_scheduler: str | None,
           progress: Progress, cache: RecordCache | None, defer_pdfs: bool, memo: PreviewMemo | None) -> BuildResult:
    """`build` once it knows something changed."""
    fingerprint = dict(state.fingerprint)  # the manifest's copy gets what this build embedded
    warm = executors.start_local_workers(workers, dask_scheduler)  # warms up on the other core meanwhile: an edit's long sheet starts sooner
    parsed = RecordCache.read(out / STATE_DIR / RECORDS, artifacts.code_version()) if cache is None else cache
    parsed.hits = 0
    started_history = time.monotonic()
    repo = history.read_history(root, ["pupils", "content/policies"])
    versions_read = memo.history_memo if memo is not None else HistoryMemo.read(out / STATE_DIR / HISTORY, artifacts.code_version())
    checked = check(root, repo, parsed, versions_read)
    templates = template_set(root)  # the school's templates/ over ours, file by file; links and outside files refused
    tokens = _tokens(parsed)
    school = derive(root, checked, as_of, memo, tokens)
    for found in warnings.warnings(checked, school.as_of):
        report(found.format())
    checked.docs.clear()  # where each value was written, for located messages: none are made after this (a fifth of the peak at 5,000 pupils)
    for warning in (*repo.warnings, *([f"git: {repo.detail}"] if repo.detail else [])):
        report(f"warning: {warning}")
    policies = tuple(
        views.policy(slug, meta, body, school.as_of,
                     policy_trail(repo, f"content/policies/{slug}.md", meta.approved_on, body, checked.site.policy_history))
        for slug, (meta, body, _line) in sorted(checked.policies.items()))
    trails, staff = _trails_and_staff_site(repo, school, versions_read)
    report(f"history ({repo.status}, {len(repo.commits)} commits) read in {time.monotonic() - started_history:.1f}s")
    governors = views.governors_site(school, policies)
    compiled_letters = letters.compile_letters(checked.letters)
    keys = _pupil_keys(school, tokens, trails, checked)
    envs = {audience: artifacts.record_templates(env) for audience, env in environments(templates).items()}
    css = tuple(p.read_text("utf-8") for p in (templates.find("shared/print.css"),))
    assets = web_assets(templates, checked.site)
    report(f"{len(checked.pupils)} pupils ({parsed.hits} unchanged), {len(policies)} policies checked in {time.monotonic() - started:.1f}s; "
           f"judged as of {school.now:%Y-%m-%d %H:%M}")
    started = time.monotonic()

    code = artifacts.code_version()

    def resolve(url: str) -> bytes | None:
        try:
            return pdf.resolve_url(root, url).read_bytes()
        except (ValueError, OSError):
            return None

    css_files = pdf.css_bundle(css, resolve)
    renderers = {"html": code, "pdf": code + pdf.renderer_version(css, css_files)}
    views_ = artifacts.ViewDigests()
    template_digests = artifacts.TemplateDigests(envs)
    digest_for: dict[str, Callable[[str], str]] = {}

    def template_digest(audience: str) -> Callable[[str], str]:
        """One audience's template-digest function, made once: every output compared asks for it."""
        if audience not in digest_for:
            digest_for[audience] = functools.partial(template_digests.digest, audience)
        return digest_for[audience]
    file_digests: dict[str, str] = {}

    def file_digest(url: str) -> str:
        if url not in file_digests:
            try:
                file_digests[url] = artifacts.file_digest(pdf.resolve_url(root, url))
            except ValueError:
                file_digests[url] = artifacts.ABSENT
        return file_digests[url]

    with Staging(out) as staging:
        previous = state.previous
        if fingerprints.manifest_file(out) != state.manifest_file:  # again under the lock: another build may have swapped in meanwhile
            previous = artifacts.read_manifest(out / STATE_DIR)
        records: dict[str, artifacts.Record] = {}
        units: dict[str, dict[str, Any]] = {}
        carried_pages: list[str] = []
        carried_pupils = 0
        old = str(out)  # string paths below: a build carries thousands of files, and pathlib's joins were a fifth of it

        def carry(pupil_id: str) -> bool:
            """Carry over every output of a pupil whose key (record, neighbours, settings, dates, history, code) is unchanged."""
            unit = previous.extra.get("units", {}).get(pupil_id) if isinstance(previous.extra.get("units"), dict) else None
            if not isinstance(unit, dict) or unit.get("key") != keys.get(pupil_id) or not isinstance(unit.get("dests"), list):
                return False
            dests = [str(d) for d in unit["dests"]]
            befores = [previous.artifacts.get(d) for d in dests]
            for d, b in zip(dests, befores):
                if (b is None or artifacts.stale(b, b.view, renderers["pdf" if d.endswith(".pdf") else "html"],
                                                 template_digest(d.split("/", 1)[0]), file_digest) is not None
                        or not os.path.isfile(os.path.join(old, d))):
                    return False
            for dest, before in zip(dests, befores):
                if not staging.reuse(dest, os.path.join(old, dest)):
                    raise OSError(f"could not carry over {dest} from the previous output")
                assert before is not None
                records[dest] = before
            units[pupil_id] = {"key": keys[pupil_id], "dests": dests}
            carried_pages.extend(d for d in dests if d.endswith(".html"))
            nonlocal carried_pupils
            carried_pupils += 1
            return True

        claimed: set[str] = set()
        school_pages: list[Output] = []
        rendered_html: set[str] = set()
        html_dests: set[str] = set()
        planned_pdfs = pending = to_render = rendered_pages = made = 0
        rendering_s = documents_html_s = 0.0  # the pages' HTML; the documents' HTML (both counted apart from comparing)
        carried_ids: list[str] = []

        def render_recorded(output: Output) -> str:
            with artifacts.templates_used() as used:
                text = render(envs[output.audience], output.template, output.page, **output.context)
            output.context.clear()  # rendered once; dropping its views keeps a large school's build smaller
            record = records[output.dest]
            records[output.dest] = artifacts.Record(record.view, record.renderer,
                                                    {n: template_digests.digest(output.audience, n) for n in sorted(used)})
            return text

        def write_page(output: Output) -> None:
            nonlocal rendered_pages, rendering_s
            rendering = time.monotonic()
            staging.write(output.dest, render_recorded(output).encode("utf-8"))
            rendered_html.add(output.dest)
            rendered_pages += 1
            rendering_s += time.monotonic() - rendering

        def settle(planned: list[Output], pages_later: bool = False) -> Iterator[pdf.PdfJob]:
            """Compare one pupil's (or the school's own) outputs with the previous build; yield the stale documents, write the stale pages.

            A pupil's outputs are planned, rendered and dropped before the
            next pupil's are planned, so the views of a large school are never
            all alive at once (at 5,000 pupils they were most of the build
            process's peak). The school's own pages (`pages_later`) wait in
            `school_pages` until the documents are submitted: in a small build
            (an edit) the workers then start while those render.
            """
            nonlocal planned_pdfs, pending, to_render, documents_html_s, made
            refuse_duplicates((o.dest for o in planned), claimed)  # planned or carried over, one output a path
            stale: list[Output] = []
            with paused():  # views are many small acyclic objects: the collector's walks over them were a third of planning
                for output in planned:
                    if output.kind == "html":
                        html_dests.add(output.dest)
                    else:
                        planned_pdfs += 1
                    view = views_.digest((output.template, output.page, output.context))
                    before = previous.artifacts.get(output.dest)
                    why = artifacts.stale(before, view, renderers[output.kind],
                                          template_digest(output.audience), file_digest)
                    if why is None and before is not None and staging.reuse(output.dest, out / output.dest):
                        records[output.dest] = before
                        output.context.clear()  # its views are not needed again: a large school's build holds less at once
                        continue
                    if defer_pdfs and output.kind == "pdf":
                        pending += 1
                        if staging.reuse(output.dest, out / output.dest):  # the old document until the next build replaces it
                            records[output.dest] = artifacts.Record(artifacts.PENDING, artifacts.PENDING)
                        continue
                    records[output.dest] = artifacts.Record(view, renderers[output.kind])
                    stale.append(output)
                    if explain is not None:
                        explain(f"{output.dest}: {why or 'its previous file is missing'}")
            to_render += len(stale)
            for output in stale:
                if output.kind == "pdf":
                    rendering = time.monotonic()
                    job = pdf.PdfJob(output.dest, render_recorded(output), tuple(sorted(previous.artifacts[output.dest].files))
                                     if output.dest in previous.artifacts else ())
                    documents_html_s += time.monotonic() - rendering
                    made += 1
                    yield job
                elif pages_later:
                    school_pages.append(output)
                else:
                    write_page(output)

        audits = AuditMemo.read(out / STATE_DIR / AUDITS, code)  # the analysis's disclosure audits, answered as last time when asked the same

        def documents() -> Iterator[pdf.PdfJob | pdf.SubmitNow]:
            """Every stale document, made as the school and then each pupil is planned (the PDF stage takes them as they come).

            The school's own documents (each year group's register and
            progress meeting sheet, caseloads, group plans, policies) are the
            longest: when those to render are long (`pdf.EARLY_FROM`), or when
            warm workers fork in milliseconds (`warm`), they are submitted
            before the pupils are planned, so the workers start on them
            meanwhile; otherwise short ones wait, so an edit's handful of small
            documents renders in this process without spawning a cold pool.
            """
            with paused():
                planned = plan_school_documents(school)  # before the school's pages: a year's sheet starts on a worker sooner
            school_chars = 0
            for job in settle(planned, pages_later=True):
                school_chars += job.chars
                yield job
            if school_chars >= (1 if warm else pdf.EARLY_FROM):
                yield pdf.SUBMIT_NOW
            with paused():
                planned = plan_school_pages(school, staff, governors, audits.protect)
            yield from settle(planned, pages_later=True)  # the governors' policy PDFs and pack, when stale, go with the pupils'
            del planned
            by_id = {p.id: p for p in school.pupils}
            for done, facts in enumerate(school.pupils, start=1):
                if done % 50 == 0 or done == len(school.pupils):
                    progress("pupils", done, len(school.pupils))
                if carry(facts.id):
                    carried_ids.append(facts.id)
                    refuse_duplicates(units[facts.id]["dests"], claimed)
                    continue
                with paused():
                    own = plan_pupil(pupil_school(school, facts.id, by_id), facts.id, compiled_letters, trails.get(facts.id))
                if facts.id in keys:
                    units[facts.id] = {"key": keys[facts.id], "dests": [o.dest for o in own]}
                yield from settle(own)
                del own

        taken = 0

        def take(result: pdf.PdfResult) -> None:
            nonlocal taken
            staging.write(result.dest, result.data)
            record = records[result.dest]
            records[result.dest] = artifacts.Record(record.view, record.renderer, record.templates, dict(result.fetched))
            taken += 1

        with Deferred(functools.partial(_open_executor, workers, dask_scheduler, warm)) as executor:
            stream = documents()
            rendering = pdf.render_documents(executor, stream, css, resolve, css_files, take)  # workers start while later pupils are planned
            if next(stream, None) is not None:
                raise RuntimeError("the PDF stage did not take every document")
            jobs_to_render = made
            carried = sum(len(units[pid]["dests"]) for pid in carried_ids)
            carried_pdfs = sum(1 for pid in carried_ids for d in units[pid]["dests"] if d.endswith(".pdf"))
            all_outputs = len(claimed)
            report(f"{all_outputs} outputs compared with the previous build in "
                   f"{time.monotonic() - started - rendering_s - documents_html_s:.1f}s: "
                   f"{to_render} to render, {all_outputs - to_render - pending} carried over "
                   f"({carried} of them, of {carried_pupils} pupils whose records, groups, history and settings did not change, not even planned)")
            reused = planned_pdfs + carried_pdfs - jobs_to_render - pending
            pages = len(html_dests) + len(carried_pages)
            for output in school_pages:
                write_page(output)
            school_pages.clear()
            for audience in ("staff", "governors"):
                for dest, data in assets.items():
                    staging.write_or_reuse(f"{audience}/{dest}", data, out / audience / dest)
            report(f"{pages} pages ({rendered_pages} rendered, {pages - rendered_pages} unchanged) in {rendering_s:.1f}s"
                   + (f"; the HTML of {made} PDFs in {documents_html_s:.1f}s" if made else ""))
            started = time.monotonic()
            html_dests |= set(carried_pages)
            previous_pages = _previous_pages(previous)
            if rendered_html or html_dests != previous_pages:
                memory.release()  # the views already rendered, before Pagefind starts beside this process: its peak adds to ours
            indexed = search.update(staging, out, html_dests, previous_pages, rendered_html)
            report(f"search {indexed.summary()} in {time.monotonic() - started:.1f}s; rendering {jobs_to_render} PDFs ({reused} unchanged)")
            # what the next build reads back, all settled by now: written while the workers finish, not after them
            staging.write_or_reuse(f"{STATE_DIR}/{RECORDS}", parsed.to_bytes(), out / STATE_DIR / RECORDS)
            staging.write_or_reuse(f"{STATE_DIR}/{HISTORY}", versions_read.to_bytes(), out / STATE_DIR / HISTORY)
            staging.write_or_reuse(f"{STATE_DIR}/{AUDITS}", audits.to_bytes(), out / STATE_DIR / AUDITS)
            started = time.monotonic()
            if taken:
                progress("PDFs", taken, jobs_to_render)  # those finished while pupils were planned (with one job, all of them)
            for result in rendering:
                take(result)
                progress("PDFs", taken, jobs_to_render)
        if jobs_to_render:
            report(f"{jobs_to_render} PDFs rendered in {time.monotonic() - started:.1f}s with "
                   f"{'a Dask cluster' if dask_scheduler else f'{min(workers, jobs_to_render)} worker(s)'}")
        css_used = {url: artifacts.digest_bytes(body) for url, body in css_files}
        fingerprint["embedded"] = fingerprints.embedded_digest(records, css_files=css_used)  # what this build embedded, as the next build will check it
        if pending:
            fingerprint["pending"] = str(pending)  # never matches the next build's: it must render them
        manifest = artifacts.Manifest(records, fingerprint, {"as_of": school.as_of.isoformat(), "pupils": len(checked.pupils), "css_files": css_used,
                                                            "pages": pages, "units": {pid: {**u, "dests": sorted(u["dests"])}
                                                                                      for pid, u in sorted(units.items())}})
        staging.write(f"{STATE_DIR}/{artifacts.MANIFEST}", manifest.to_bytes())
        swapping = time.monotonic()
        staging.commit()
        report(f"swapped in in {time.monotonic() - swapping:.1f}s")
    return BuildResult(school.as_of, len(checked.pupils), rendered_pages, jobs_to_render, reused, pages, pending)


@dataclass
class PreviewMemo:
    """What `serve` keeps between saves so that a saved pupil file shows in its pages in about a second."""

    manifest: artifacts.Manifest | None = None
    """The last full build's manifest (serve reads it after each one); no preview without it."""
    history: tuple[str, history.History] | None = None
    """The git history read at a commit, kept while HEAD stays there (a save does not commit)."""
    envs: dict[Any, Any] = field(default_factory=dict)
    """The audiences' Jinja environments, compiled templates kept (a preview runs only when no template changed)."""
    history_memo: HistoryMemo = field(default_factory=lambda: HistoryMemo(artifacts.code_version()))
    """What was read from old versions of pupil files, by blob id (history.memo)."""
    derived: dict[Any, Any] = field(default_factory=dict)
    """Each pupil's facts by (id, record key, moment, round), so a save re-judges only the pupils it changed."""


@dataclass(frozen=True)
class Preview:
    pages: dict[str, bytes]
    """Web pages whose content changed, by output path: served from memory until the full build has written them."""
    following: int
    """Outputs the full build still has to bring up to date: the changed pupils' PDFs, progress and analysis."""


PREVIEW_MOST = 20
"""More pupils changed at once than this (a pull, a rollover) and serve builds in full instead."""


def preview(root: Path, *, as_of: dt.date | dt.datetime | None, cache: RecordCache, memo: PreviewMemo) -> Preview | None:
    """The staff pages a save to pupil files changed, rendered in memory: the changed pupils' own pages and the pages that list pupils.

    For `serve`, after saves that touched only pupil files: it checks every
    input as a build does (an invalid save raises `InvalidInput`), judges
    the school, and renders each of those pages whose view differs from the
    last full build's. The rest (PDFs, progress, analysis, governors) is
    left to the full build that follows. None when a preview cannot stand
    in (no build yet, or too many pupils changed).
    """
    previous = memo.manifest
    units = previous.extra.get("units") if previous is not None else None
    if previous is None or not isinstance(units, dict):
        return None
    root = root.resolve()
    head = artifacts.git_head(root)
    if memo.history is None or memo.history[0] != head:
        memo.history = (head, history.read_history(root, ["pupils", "content/policies"]))
    repo = history.with_status(root, memo.history[1], ["pupils", "content/policies"])  # a save changes what is uncommitted
    checked = check(root, repo, cache, memo.history_memo, templates=False)  # only pupil files changed
    tokens = _tokens(cache)
    school = derive(root, checked, as_of, memo, tokens)
    trails, staff = _trails_and_staff_site(repo, school, memo.history_memo)
    keys = _pupil_keys(school, tokens, trails, checked)
    changed = [p for p in school.pupils if not isinstance(units.get(p.id), dict) or units[p.id].get("key") != keys.get(p.id)]
    if len(changed) > PREVIEW_MOST:
        return None
    by_id = {p.id: p for p in school.pupils}
    letters_ = letters.compile_letters(checked.letters)
    own = [o for p in changed for o in plan_pupil(pupil_school(school, p.id, by_id), p.id, letters_, trails.get(p.id))]
    if not memo.envs:
        memo.envs = dict(environments(template_set(root)))
    digests = artifacts.ViewDigests()
    pages: dict[str, bytes] = {}
    for output in [*list_pages(school, staff), *(o for o in own if o.kind == "html")]:
        before = previous.artifacts.get(output.dest)
        if before is None or before.view != digests.digest((output.template, output.page, output.context)):
            pages[output.dest] = render(memo.envs[output.audience], output.template, output.page, **output.context).encode("utf-8")
    return Preview(pages, sum(1 for o in own if o.kind == "pdf") + 2)


def _trails_and_staff_site(repo: history.History, school: SchoolFacts, versions_read: HistoryMemo) -> tuple[dict[str, Trail], views.StaffSite]:
    """Each pupil's git trail, and the staff site with the targets git shows lowered without approval (build and preview alike)."""
    trails = {p.id: pupil_trail(repo, f"pupils/{p.id}.yaml", school.site, versions_read) for p in school.pupils}
    lowered = lowered_without_approval(repo, {p.id: p.display_name for p in school.pupils}, school.site, versions_read)
    return trails, views.staff_site(school, lowered)


def _pupil_keys(school: SchoolFacts, tokens: Mapping[str, str], trails: Mapping[str, Trail], checked: Checked) -> dict[str, str]:
    """Each pupil's carry-over key: everything `plan_pupil` can read for them, as digests.

    That is their record and their group neighbours' records (each file's
    digest under this site.yaml's digest, from the record cache), the
    school's dates as judged (now, the half terms, the assessment round),
    the letter templates, the pupil's git trail, and mentorsite's code. A
    pupil without a cached record (it failed before) gets no key and is
    always planned. Templates, embedded files and the renderer are checked
    per output as before.
    """
    digests = artifacts.ViewDigests()
    shared = digests.digest((artifacts.code_version(), school.now.isoformat(), tuple(t.id for t in school.terms), school.current.id,
                             school.round.id if school.round else None, checked.letters))
    keys: dict[str, str] = {}
    for facts in school.pupils:
        records = [tokens.get(pid) for pid in neighbours(school, facts.id)]
        if all(isinstance(r, str) for r in records):
            trail = trails.get(facts.id)
            keys[facts.id] = digests.digest((shared, tuple(records), digests.digest(trail) if trail is not None else None))
    return keys


def _open_executor(workers: int, dask_scheduler: str | None, warm: bool,
                   tasks: int | None) -> contextlib.AbstractContextManager[Executor]:
    """The PDF stage's executor, opened when its first document is submitted (`tasks`: how many there will be, None for many).

    With a warm fork server (`warm`), even one document goes to a worker: forking one costs milliseconds, where
    rendering here would first import WeasyPrint in this process (about 0.7 s on the build's own path)."""
    return open_executor(workers, dask_scheduler=dask_scheduler, initializer=pdf.warm_up, tasks=tasks,
                         in_process_up_to=0 if warm else None)


def _previous_pages(manifest: artifacts.Manifest) -> set[str]:
    return {d for d in manifest.artifacts if d.endswith(".html")}


def _event_dates(record: Pupil) -> Iterable[dt.date]:
    """Dates of things that have happened (not planned ones), for the as-of fallback outside git."""
    m = record.mentoring
    yield from (d for d in (m.referred_on, m.started_on, m.exited_on) if d)
    yield from (x.date for x in record.meetings)
    yield from (x.date for x in record.contacts)
