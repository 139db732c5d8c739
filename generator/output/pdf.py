"""pdf: HTML (already rendered) to PDF with WeasyPrint, on any `concurrent.futures.Executor`; returns bytes, writes nothing.

A `PdfTask` carries everything one document needs — its HTML, the print
CSS text and the files it embeds, by URL — so a worker in another process or
on another machine (Dask) never reads the school's folder. The worker's
fetcher serves only those files; a file it was not sent is reported back,
and `render_documents` resolves it (inside the root only, as `_make_fetcher`
checks) and sends the task again. The files a document fetched, with their
digests, come back with its bytes: they are part of the artifact's record.

One pupil per document, never many pupils split afterwards (that would
carry one pupil's drawing objects into another's file). Nothing from the
network. Each worker process keeps WeasyPrint's fonts, the lean user-agent
stylesheet and the parsed print CSS between tasks (`_worker`, a per-process
cache, not a pool: executors are the caller's, see `executors.py`).
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from generator.output import memory
from generator.output.executors import open_executor
from generator.sources.gcpause import paused

PDF_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/a-3b", "pdf_tags": True, "pdf_identifier": b"mentorsite"}
"""Archival PDF/A-3b, tagged for screen readers; a fixed identifier keeps the bytes reproducible."""


class PdfJob:
    """One document to make: its destination and HTML, kept compressed (a trust's build holds thousands at once)."""

    __slots__ = ("chars", "dest", "known", "packed")

    def __init__(self, dest: str, html: str, known: tuple[str, ...] = ()) -> None:
        self.dest = dest
        """Output path relative to the output folder, '/'-separated."""
        self.packed = pack(html)
        self.chars = len(html)
        """The HTML's length, which stands in for the document's cost."""
        self.known = known
        """URLs this document fetched last time (from the manifest), sent with its first task."""

    @property
    def html(self) -> str:
        return unpack(self.packed)


class PdfTask:
    """One document and everything it needs; a plain value, picklable for any executor. Its HTML travels compressed."""

    __slots__ = ("css", "css_files", "dest", "files", "packed")

    def __init__(self, dest: str, html: str | bytes, css: tuple[str, ...], files: tuple[tuple[str, bytes | None], ...] = (),
                 css_files: tuple[tuple[str, bytes | None], ...] = ()) -> None:
        self.dest = dest
        self.packed = html if isinstance(html, bytes) else pack(html)
        """The HTML, zlib-compressed (`pack`); bytes are taken as already packed."""
        self.css = css
        """The print stylesheets' texts, parsed once per worker process."""
        self.files = files
        """(URL, bytes) of each file it may embed; None for one that is refused or missing (the worker fails it as before)."""
        self.css_files = css_files
        """(URL, bytes) of the files the print CSS imports or uses (resolved once per build by `css_bundle`)."""

    @property
    def html(self) -> str:
        return unpack(self.packed)


def pack(html: str) -> bytes:
    """HTML compressed for keeping and sending (about a tenth of its size; level 1 costs a fraction of a millisecond)."""
    return zlib.compress(html.encode("utf-8"), 1)


def unpack(packed: bytes) -> str:
    return zlib.decompress(packed).decode("utf-8")


@dataclass(frozen=True)
class PdfResult:
    dest: str
    data: bytes
    fetched: tuple[tuple[str, str], ...] = ()
    """(URL, sha256) of every file WeasyPrint fetched for it, from the task."""
    missing: tuple[str, ...] = field(default=())
    """URLs it asked for that the task did not carry: the caller resolves them and sends the task again."""


_worker: dict[str, Any] = {}
"""This process's WeasyPrint state: fonts, the lean UA stylesheet, parsed CSS by digest (a cache, never a pool)."""

LEAN_UA = "lean-ua-1"
"""Names the change `_lean_ua_text` makes to WeasyPrint's user-agent stylesheet; part of every PDF's content hash."""

WARM_UP_HTML = '<html lang="en-GB"><body><h1>Warm-up</h1><p><b>▲ ● ▼ ✓ ~ ✗</b> 1–9</p><table><tr><td>x</td></tr></table></body></html>'
"""Rendered once by each new worker, off the clock, so the first real document does not pay for cold font caches."""


BASE_URL = "file:///mentorsite-root/"
"""What documents resolve relative URLs against, instead of the root's real path.

A relative link in a policy ends up as a link in its PDF; resolved against
the real root it would print the build machine's folder names into a public
document and make the bytes depend on where the school is checked out. The
fetcher maps this prefix back to the root.
"""


def resolve_url(root: Path, url: str) -> Path:
    """The file a document's file URL names inside the root; ValueError (as the fetcher raises) for anything else."""
    from urllib.parse import unquote, urlsplit

    root_resolved = root.resolve()
    virtual = BASE_URL.removeprefix("file://")
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        raise ValueError(f"refused to fetch {url!r}: only files inside the root may be embedded")
    raw = unquote(parts.path)
    if raw.startswith(virtual) or raw == virtual.rstrip("/"):
        raw = str(root_resolved / raw[len(virtual):])
    if not raw.startswith("/") or "\0" in raw:
        raise ValueError(f"refused to fetch {url!r}: not an absolute file path")
    path = Path(raw).resolve()  # follows links and '..': what is checked is what is opened
    if not path.is_relative_to(root_resolved):
        raise ValueError(f"refused to fetch {url!r}: it is outside the root")
    return path


def _make_fetcher(root: Path) -> Any:
    from weasyprint.urls import URLFetcher

    root_resolved = root.resolve()

    class RootOnlyFetcher(URLFetcher):  # type: ignore[misc]
        """Serves files from inside the root and data: URIs; refuses http(s), file:// escapes and everything else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.lower().startswith("data:"):
                return super().fetch(url, headers)
            return super().fetch(resolve_url(root_resolved, url).as_uri(), headers)

    return RootOnlyFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)


def _lean_ua_text() -> str | None:
    """WeasyPrint's own HTML user-agent stylesheet without its rules for every element's pseudo-elements.

    `::footnote-call`, `::footnote-marker`, `::note-call`, `::note-marker`,
    `::note-callback` and a bare `::marker` match every element, so the
    cascade computes six extra styles for each one: measured, about 90 % of
    the styles a mentoring file computes and 6–7 % of its render time. Our
    documents have no footnotes or notes and list markers only on `li`, so
    the rules are dropped and `::marker` becomes `li::marker`; the output is
    the same (a test compares the text of both renderings). Returns None,
    and the standard stylesheet is used, if the file is not as expected.
    """
    from weasyprint.html import UA

    kept, dropped, marker = [], 0, 0
    for line in UA.splitlines():
        rule = line.lstrip()
        if rule.startswith(("::footnote-", "::note-")):
            dropped += 1
            continue
        if rule.startswith("::marker "):
            line, marker = line.replace("::marker ", "li::marker ", 1), marker + 1
        kept.append(line)
    return "\n".join(kept) if (dropped, marker) == (5, 1) else None


def _document_class() -> Any:
    """weasyprint.HTML, rendering with the lean user-agent stylesheet this worker parsed (WeasyPrint is pinned: 70.0)."""
    from weasyprint import HTML

    class LeanHTML(HTML):  # type: ignore[misc]
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            ua = _worker.get("ua")
            return [ua] if ua is not None and not forms else super()._ua_stylesheets(forms)

    return LeanHTML


def _bundle_fetcher(files: dict[str, bytes | None], fetched: dict[str, str], missing: list[str]) -> Any:
    """A fetcher that serves only the files sent with the task (and data: URIs), noting what it served and what it lacked."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class BundleFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.lower().startswith("data:"):
                return super().fetch(url, headers)
            if url not in files:
                missing.append(url)
                raise ValueError(f"refused to fetch {url!r}: not sent with the task")
            body = files[url]
            if body is None:
                fetched[url] = "absent"  # recorded too: the file appearing later must rebuild the document
                raise ValueError(f"refused to fetch {url!r}: only files inside the root may be embedded")
            fetched[url] = hashlib.sha256(body).hexdigest()
            kind = mimetypes.guess_type(url)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, headers={"Content-Type": kind})

    return BundleFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)


class _TaskCache(dict):  # type: ignore[type-arg]  # WeasyPrint takes a dict here (anything else is a folder path)
    """WeasyPrint's image cache, shared by the tasks a worker runs, keyed by URL *and* the bytes sent for it.

    A document served an image from the cache never calls the fetcher, so a
    hit is recorded here as a fetch; and an image whose bytes changed (a new
    crest during `serve`) is a different key, never a stale hit.
    """

    def __init__(self, shared: dict[Any, Any], files: dict[str, bytes | None], fetched: dict[str, str]) -> None:
        super().__init__()
        self.shared, self.files, self.fetched = shared, files, fetched

    def _key(self, key: Any) -> Any:
        if isinstance(key, str) and key in self.files:
            body = self.files[key]
            digest = hashlib.sha256(body).hexdigest() if body is not None else "absent"
            self.fetched[key] = digest
            return (key, digest)
        return key

    def __contains__(self, key: Any) -> bool:
        return self._key(key) in self.shared

    def __getitem__(self, key: Any) -> Any:
        return self.shared[self._key(key)]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.shared[self._key(key)] = value

    def get(self, key: Any, default: Any = None) -> Any:
        return self.shared.get(self._key(key), default)


def _setup(css: tuple[str, ...], css_files: tuple[tuple[str, bytes | None], ...] = ()) -> None:
    """Pay WeasyPrint's import and font set-up once per process, and each stylesheet's parse once per text."""
    from weasyprint import CSS
    from weasyprint.css.counters import CounterStyle
    from weasyprint.text.fonts import FontConfiguration

    if "document" not in _worker:
        lean = _lean_ua_text()
        _worker.update(document=_document_class(), fonts=FontConfiguration(), parsed={}, cache={},
                       ua=CSS(string=lean, counter_style=CounterStyle()) if lean is not None else None)
    key = hashlib.sha256("\0".join(css).encode("utf-8") + repr(css_files).encode("utf-8")).hexdigest()
    if key not in _worker["parsed"]:
        fetcher = _bundle_fetcher(dict(css_files), {}, [])
        _worker["parsed"][key] = [CSS(string=text, base_url=BASE_URL, font_config=_worker["fonts"], url_fetcher=fetcher)
                                  for text in css]
    _worker["css"] = _worker["parsed"][key]


def warm_up() -> None:
    """Executor initializer: import WeasyPrint, set up fonts and render one small document, so caches are warm before the first task.

    A worker forked from the warm fork server has done this already (`warmed`):
    rendering the document again cost it 0.03-0.05 s before an edit's year
    sheet could start. If the server's warm-up failed, the worker is not
    warmed and renders it here, where the error reaches the build.
    """
    if not warmed():
        render_task(PdfTask("warm-up.pdf", WARM_UP_HTML, ()))
    size = memory.resident()
    if size is not None:
        _worker["resident"] = size  # what `settle_memory` measures growth from


def warmed() -> bool:
    """Whether this process has WeasyPrint set up already (a local worker forked from the warm fork server has, before its first task)."""
    return "document" in _worker


def render_task(task: PdfTask) -> PdfResult:
    """Render one document in whatever process runs this: only from what the task carries."""
    _setup(task.css, task.css_files)
    fetched: dict[str, str] = {}
    missing: list[str] = []
    files = dict(task.files)
    fetcher = _bundle_fetcher(files, fetched, missing)
    with paused():  # the collector's walks over WeasyPrint's many live boxes were 13 % of rendering (year sheets: 14.3 → 12.4 s)
        document = _worker["document"](string=task.html, base_url=BASE_URL, url_fetcher=fetcher)
        cache = _TaskCache(_worker["cache"], files, fetched)
        data = document.write_pdf(stylesheets=_worker["css"], font_config=_worker["fonts"], cache=cache, **PDF_OPTIONS)
    return PdfResult(task.dest, data, tuple(sorted(fetched.items())), tuple(sorted(set(missing))))


def renderer_version(css: tuple[str, ...], css_files: tuple[tuple[str, bytes | None], ...] = ()) -> str:
    """Everything about the renderer that changes a PDF's bytes: WeasyPrint's version, our UA change, options, base URL,
    the print CSS and the files it imports or uses."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    files = [f"{url}={hashlib.sha256(body).hexdigest() if body is not None else 'absent'}" for url, body in css_files]
    for part in (version("weasyprint"), LEAN_UA, repr(sorted(PDF_OPTIONS.items())), BASE_URL, *css, *files):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


_EMBEDS = re.compile(r"""(?:\bsrc\s*=\s*["']([^"']+)["'])|(?:url\(\s*["']?([^"')]+)["']?\s*\))|(?:@import\s+["']([^"']+)["'])""",
                     re.IGNORECASE)


def embedded_urls(html: str) -> set[str]:
    """The URLs a document or stylesheet will probably fetch (src=, url(), @import), found without parsing; data: left out."""
    found = set()
    for match in _EMBEDS.finditer(html):
        url = urljoin(BASE_URL, (match.group(1) or match.group(2) or match.group(3)).strip())
        if not url.lower().startswith("data:"):
            found.add(url)
    return found


def css_bundle(css: tuple[str, ...], resolve: Resolve, depth: int = 5) -> tuple[tuple[str, bytes | None], ...]:
    """The files the print CSS imports or uses, and theirs in turn (a few levels), with their bytes or None if refused."""
    files: dict[str, bytes | None] = {}
    texts = list(css)
    for _level in range(depth):
        urls = sorted({url for text in texts for url in embedded_urls(text)} - set(files))
        if not urls:
            break
        texts = []
        for url in urls:
            files[url] = resolve(url) if url.lower().startswith("file:") else None
            if files[url] is not None and url.lower().endswith(".css"):
                texts.append(files[url].decode("utf-8", "replace"))  # type: ignore[union-attr]
    return tuple(sorted(files.items()))


Resolve = Callable[[str], "bytes | None"]


class SubmitNow:
    def __repr__(self) -> str:
        return "SUBMIT_NOW"


SUBMIT_NOW = SubmitNow()
"""Put in a stream of jobs to have `render_documents` submit what it holds at once, without waiting for a full window:
a build yields it after the school's own documents when its workers fork warm, or when those documents are long
(`EARLY_FROM`), so a year group's sheet starts rendering (and the workers start) while the pupils are still being planned."""

EARLY_FROM = 20_000
"""Characters of HTML in the school's stale documents from which the build sends them before planning the pupils:
about a second of WeasyPrint (a year's register at 1,500 pupils is 33,000 characters and took 1.5 s). Fewer wait and,
with the pupils' few documents of an edit, render in this process. Used only where workers are spawned (not Linux:
each costs about 0.8 CPU-s to start); a build whose workers fork warm sends any of the school's documents first."""


def render_documents(executor: Executor, jobs: Iterable[PdfJob | SubmitNow], css: tuple[str, ...], resolve: Resolve,
                     css_files: tuple[tuple[str, bytes | None], ...] = (),
                     finished: Callable[[PdfResult], None] | None = None) -> Iterator[PdfResult]:
    """Submit every job now, before returning, and yield each document's result as it finishes (completion order: callers key by path).

    The submitting is not deferred to the first `next()`: a build calls this
    before indexing search, so the workers render documents meanwhile.

    Longest documents go first (compressed HTML length stands in for cost), so the last
    to finish are short ones. A task whose document asked for a file it was
    not sent is sent again with that file (`resolve` gives its bytes, or
    None when it is refused or missing), at most a few times.

    `jobs` may be an iterator that makes them as it is read (a build plans
    and renders one pupil at a time): it is read a window of `BATCH_FROM`
    jobs at a time, each window submitted longest first as soon as it is
    full, so workers start while later pupils are planned and no more than
    a window of HTML waits here. Fewer than a window in all are submitted
    together at the end, exactly as a list is. An executor with an
    `expect(tasks)` method (`executors.Deferred`) is told before its first
    task how many there will be, or None when there are a window or more.
    `SUBMIT_NOW` in the stream ends a window early: what was read is
    submitted then, one document a task, and an `expect` told None.
    Results already finished when a window has been submitted go to
    `finished` then (if given) rather than waiting in memory to be yielded:
    with the in-process executor (one job) that is every document so far.
    """
    source = iter(jobs)
    whole = isinstance(jobs, (list, tuple))

    def read() -> tuple[list[PdfJob], bool]:
        """The next window of jobs, and whether it was ended early by SUBMIT_NOW."""
        window: list[PdfJob] = []
        for job in source:
            if isinstance(job, SubmitNow):
                return window, True
            window.append(job)
            if not whole and len(window) >= BATCH_FROM:
                break
        return window, False

    window, early = read()
    expect = getattr(executor, "expect", None)
    if expect is not None:
        expect(None if early or (not whole and len(window) >= BATCH_FROM) else len(window))
    files: dict[str, bytes | None] = {}

    def task(job: PdfJob, urls: Iterable[str]) -> PdfTask:
        for url in urls:
            if url not in files:
                files[url] = resolve(url)
        wanted = sorted(set(urls))
        return PdfTask(job.dest, job.packed, css, tuple((url, files[url]) for url in wanted), css_files)

    pending: dict[Future[tuple[PdfResult, ...]], list[tuple[PdfJob, frozenset[str], int]]] = {}
    while window or early:
        size = BATCH if len(window) >= BATCH_FROM else 1
        ordered = sorted(window, key=lambda job: (-len(job.packed), job.dest))
        for start in range(0, len(ordered), size):
            batch = [(job, frozenset(job.known) | {u for u in embedded_urls(job.html) if u.lower().startswith("file:")}, 0)
                     for job in ordered[start:start + size]]
            pending[executor.submit(render_batch, tuple(task(job, urls) for job, urls, _tries in batch))] = batch
        if finished is not None:
            for result in _as_finished(executor, pending, task, block=False):
                finished(result)
        window, early = read()
    return _as_finished(executor, pending, task)


BATCH = 4
"""Documents per task in a large build: a Dask scheduler's round trip (about 9 ms a task on this machine) and a
pool's queueing are paid once for several similar-sized documents (neighbours in the longest-first order)."""
BATCH_FROM = 200
"""Fewer documents than this go one per task, so a small build or an edit spreads them over every worker."""


def render_batch(tasks: tuple[PdfTask, ...]) -> tuple[PdfResult, ...]:
    """Several documents in one task, each rendered exactly as `render_task` renders it alone."""
    results = []
    for task in tasks:
        results.append(render_task(task))
        settle_memory()
    return tuple(results)


GIVE_BACK_ABOVE = 48 * 1024 * 1024
"""A worker that has grown this much since it last gave memory back (or started) gives it back after the document.

WeasyPrint's boxes for a long document (a whole year's register) are freed
when it is written, but glibc kept the pages: a worker stayed at its largest
document's size for the rest of the build (measured: 467 MiB after the
5,000-pupil register, 190 MiB after giving back; 154 and 106 MiB for a year
group's). Short documents never reach this, so they pay nothing; the check
itself is one read of /proc/self/statm.
"""


def settle_memory() -> None:
    """Give freed memory back to the system when this process grew by more than `GIVE_BACK_ABOVE` since it last did."""
    size = memory.resident()
    if size is None:
        return
    base = _worker.setdefault("resident", size)
    if size - base > GIVE_BACK_ABOVE:
        memory.release()
        _worker["resident"] = memory.resident() or size


def _as_finished(executor: Executor, pending: dict[Future[tuple[PdfResult, ...]], list[tuple[PdfJob, frozenset[str], int]]],
                 task: Callable[[PdfJob, Iterable[str]], PdfTask], block: bool = True) -> Iterator[PdfResult]:
    """Each result as its task finishes; without `block`, only those finished already (a task re-sent for a file may follow later)."""
    while pending:
        if block:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
        else:
            done = {future for future in pending if future.done()}
            if not done:
                return
        for future in done:
            batch = pending.pop(future)
            for (job, urls, tries), result in zip(batch, future.result(), strict=True):
                if result.missing and tries < 3 and not set(result.missing) <= urls:
                    more = urls | set(result.missing)
                    pending[executor.submit(render_batch, (task(job, more),))] = [(job, more, tries + 1)]
                    continue
                yield result


def render_all(jobs: Iterable[PdfJob], root: Path, css_paths: Iterable[Path], workers: int = 1) -> list[tuple[str, bytes]]:
    """PDFs outside a build (a subject-access bundle, tests): the build's renderer on a local executor, (dest, bytes) in job order.

    Files the documents embed are read from inside `root` only, as in a build.
    """
    todo = list(jobs)
    css = tuple(p.read_text("utf-8") for p in css_paths)

    def resolve(url: str) -> bytes | None:
        try:
            return resolve_url(root, url).read_bytes()
        except (ValueError, OSError):
            return None

    with open_executor(workers, initializer=warm_up, tasks=len(todo)) as executor:
        done = {r.dest: r.data for r in render_documents(executor, todo, css, resolve, css_bundle(css, resolve))}
    return [(job.dest, done[job.dest]) for job in todo]
