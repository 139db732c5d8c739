"""pdf: HTML (already rendered) to PDF with WeasyPrint, in long-lived worker processes; returns bytes, writes nothing.

Each worker loads WeasyPrint, the fonts and the print CSS once, then renders
one document per call: one pupil per document, never many pupils split
afterwards (that would carry one pupil's drawing objects into another's
file). Resources may come only from inside the root; nothing from the network.

The pool is started by `warm_up` as soon as the inputs are valid, so the
workers import WeasyPrint and parse the CSS while the build derives facts
and renders HTML; `render_all` stops it when the last PDF is back.
"""

from __future__ import annotations

import atexit
import hashlib
import multiprocessing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PDF_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/a-3b", "pdf_tags": True, "pdf_identifier": b"mentorsite"}
"""Archival PDF/A-3b, tagged for screen readers; a fixed identifier keeps the bytes reproducible."""


@dataclass(frozen=True)
class PdfJob:
    dest: str
    """Output path relative to the output folder, '/'-separated."""
    html: str


_worker: dict[str, Any] = {}
_pool: dict[str, Any] = {}
"""This process's pool of workers, with the (root, css paths, workers) it was started for."""

SMALL_BATCH = 3
"""Up to this many documents render in this process when no pool is running: starting one costs more than it saves."""

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


def _make_fetcher(root: Path) -> Any:
    from weasyprint.urls import URLFetcher

    root_resolved = root.resolve()
    virtual = BASE_URL.removeprefix("file://")

    class RootOnlyFetcher(URLFetcher):  # type: ignore[misc]
        """Serves files from inside the root and data: URIs; refuses http(s), file:// escapes and everything else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            from urllib.parse import unquote, urlsplit

            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"refused to fetch {url!r}: only files inside the root may be embedded")
            raw = unquote(parts.path)
            if raw.startswith(virtual) or raw == virtual.rstrip("/"):
                raw = str(root_resolved / raw[len(virtual):])
            if not raw.startswith("/") or "\0" in raw:
                raise ValueError(f"refused to fetch {url!r}: not an absolute file path")
            path = Path(raw).resolve()  # follows links and '..': what is checked is what is opened
            if not path.is_relative_to(root_resolved):
                raise ValueError(f"refused to fetch {url!r}: it is outside the root")
            return super().fetch(path.as_uri(), headers)

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


def init_worker(root: str, css_paths: tuple[str, ...]) -> None:
    """Pay WeasyPrint's import, font set-up and CSS parse once per process; again only if the CSS changed."""
    from weasyprint import CSS
    from weasyprint.css.counters import CounterStyle
    from weasyprint.text.fonts import FontConfiguration

    key = (root, css_paths, digest_files(Path(p) for p in css_paths))
    if _worker.get("key") == key:
        return  # a long-lived process (serve) keeps its fonts and parsed CSS between builds
    root_path = Path(root)
    fetcher = _make_fetcher(root_path)
    fonts = FontConfiguration()
    _worker.update(
        key=key,
        root=root_path,
        fetcher=fetcher,
        fonts=fonts,
        css=[CSS(filename=p, font_config=fonts, url_fetcher=fetcher) for p in css_paths],
        cache={},
    )
    if "document" not in _worker:
        lean = _lean_ua_text()
        _worker.update(document=_document_class(),
                       ua=CSS(string=lean, counter_style=CounterStyle()) if lean is not None else None)


def _start_worker(root: str, css_paths: tuple[str, ...]) -> None:
    """Pool initializer: load everything, then render one small document so caches are warm before the first job."""
    init_worker(root, css_paths)
    render_pdf(PdfJob("warm-up.pdf", WARM_UP_HTML))


def render_pdf(job: PdfJob) -> tuple[str, bytes]:
    """Render one document in this worker; returns (dest, pdf bytes)."""
    document = _worker["document"](string=job.html, base_url=BASE_URL, url_fetcher=_worker["fetcher"])
    pdf = document.write_pdf(stylesheets=_worker["css"], font_config=_worker["fonts"], cache=_worker["cache"], **PDF_OPTIONS)
    return job.dest, pdf


def _render_task(task: tuple[PdfJob, str, tuple[str, ...]]) -> tuple[str, bytes]:
    """One job in a pool worker; reloads the CSS first if it changed after the worker started (a save during serve)."""
    job, root, css_paths = task
    init_worker(root, css_paths)
    return render_pdf(job)


def job_key(job: PdfJob, css_digest: str) -> str:
    """Content hash of everything a PDF depends on: its HTML, the print CSS and the renderer's version."""
    import weasyprint

    digest = hashlib.sha256()
    for part in (weasyprint.__version__, LEAN_UA, repr(sorted(PDF_OPTIONS.items())), BASE_URL, css_digest, job.html):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def warm_up(root: Path, css_paths: tuple[Path, ...], workers: int) -> None:
    """Start the worker processes now, so they load WeasyPrint, fonts and CSS while the build is still rendering HTML."""
    if workers > 1:
        _workers(str(root), tuple(str(p) for p in css_paths), workers)


def _workers(root: str, css: tuple[str, ...], workers: int) -> Any:
    """The running pool for this root, CSS and size, started if there is none (and any other one stopped)."""
    key = (root, css, workers)
    if _pool.get("key") != key:
        shutdown()
        # spawn, not fork: serve runs watchdog threads, and a forked child of a threaded process can deadlock.
        # (A fork server would save each worker's imports, but its workers are not this process's children,
        # so their CPU time and memory would vanish from `time` and `getrusage`, which the benchmarks read.)
        context = multiprocessing.get_context("spawn")
        _pool.update(key=key, pool=context.Pool(workers, initializer=_start_worker, initargs=(root, css)))
    return _pool["pool"]


def shutdown() -> None:
    """Stop this process's workers, if any: after a build's PDFs, before a pool for another root, or at exit."""
    pool = _pool.pop("pool", None)
    _pool.pop("key", None)
    if pool is not None:
        pool.terminate()
        pool.join()


atexit.register(shutdown)


def render_all(jobs: list[PdfJob], root: Path, css_paths: tuple[Path, ...], workers: int) -> Iterator[tuple[str, bytes]]:
    """Start rendering every job now, in `workers` processes (or lazily in this one when 1); iterate for (dest, bytes) as each finishes.

    The jobs are handed to the pool before this returns, so the caller can
    render its HTML pages while the workers render PDFs. Longest documents
    go first (HTML length stands in for cost), so the last to finish are
    short ones and no worker idles while another ends a long register.
    Results come back in completion order: callers key them by path, so the
    bytes written do not depend on the order. The pool (started early by
    `warm_up`, or here) is stopped once the last result has been read.
    """
    css = tuple(str(p) for p in css_paths)
    warm = _pool.get("key") == (str(root), css, workers)
    if not jobs or workers <= 1 or (len(jobs) <= SMALL_BATCH and not warm):
        shutdown()  # an early pool is not needed after all
        return _in_this_process(jobs, str(root), css)
    pool = _workers(str(root), css, workers)
    ordered = sorted(jobs, key=lambda job: (-len(job.html), job.dest))
    chunk = 1 if len(jobs) < 400 else 2
    return _drain(pool.imap_unordered(_render_task, [(job, str(root), css) for job in ordered], chunksize=chunk))


def _in_this_process(jobs: list[PdfJob], root: str, css: tuple[str, ...]) -> Iterator[tuple[str, bytes]]:
    if jobs:
        init_worker(root, css)
    for job in jobs:
        yield render_pdf(job)


def _drain(results: Iterator[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
    try:
        yield from results
    finally:
        shutdown()  # every result read, or the build gave up: no worker, thread or queued job outlives it


def digest_files(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()
