"""pdf: HTML (already rendered) to PDF with WeasyPrint, in long-lived worker processes; returns bytes, writes nothing.

Each worker loads WeasyPrint, the fonts and the print CSS once, then renders
one document per call: one pupil per document, never many pupils split
afterwards (that would carry one pupil's drawing objects into another's
file). Resources may come only from inside the root; nothing from the network.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

PDF_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/a-3b", "pdf_tags": True, "pdf_identifier": b"mentorsite"}
"""Archival PDF/A-3b, tagged for screen readers; a fixed identifier keeps the bytes reproducible."""


@dataclass(frozen=True)
class PdfJob:
    dest: str
    """Output path relative to the output folder, '/'-separated."""
    html: str


_worker: dict[str, Any] = {}

SMALL_BATCH = 3
"""Up to this many documents render in this process: starting a pool costs more than it saves."""


def _make_fetcher(root: Path) -> Any:
    from weasyprint.urls import URLFetcher

    root_resolved = root.resolve()

    class RootOnlyFetcher(URLFetcher):  # type: ignore[misc]
        """Serves files from inside the root and data: URIs; refuses http(s), file:// escapes and everything else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            from urllib.parse import unquote, urlsplit

            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file":
                raise ValueError(f"refused to fetch {url!r}: only files inside the root may be embedded")
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not path.is_relative_to(root_resolved):
                raise ValueError(f"refused to fetch {url!r}: it is outside the root")
            return super().fetch(url, headers)

    return RootOnlyFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)


def init_worker(root: str, css_paths: tuple[str, ...]) -> None:
    """Pool initializer: pay WeasyPrint's import, font set-up and CSS parse once per process."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    if _worker.get("key") == (root, css_paths, digest_files(Path(p) for p in css_paths)):
        return  # a long-lived process (serve) keeps its fonts and parsed CSS between builds
    root_path = Path(root)
    fetcher = _make_fetcher(root_path)
    fonts = FontConfiguration()
    _worker.update(
        key=(root, css_paths, digest_files(Path(p) for p in css_paths)),
        root=root_path,
        fetcher=fetcher,
        fonts=fonts,
        css=[CSS(filename=p, font_config=fonts, url_fetcher=fetcher) for p in css_paths],
    )


def render_pdf(job: PdfJob) -> tuple[str, bytes]:
    """Render one document in this worker; returns (dest, pdf bytes)."""
    from weasyprint import HTML

    document = HTML(string=job.html, base_url=_worker["root"].as_uri() + "/", url_fetcher=_worker["fetcher"])
    pdf = document.write_pdf(stylesheets=_worker["css"], font_config=_worker["fonts"], **PDF_OPTIONS)
    return job.dest, pdf


def job_key(job: PdfJob, css_digest: str) -> str:
    """Content hash of everything a PDF depends on: its HTML, the print CSS and the renderer's version."""
    import weasyprint

    digest = hashlib.sha256()
    for part in (weasyprint.__version__, repr(sorted(PDF_OPTIONS.items())), css_digest, job.html):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def render_all(jobs: list[PdfJob], root: Path, css_paths: tuple[Path, ...], workers: int) -> Iterator[tuple[str, bytes]]:
    """Render every job, in `workers` processes (or in this one when 1); yields as each finishes."""
    if not jobs:
        return
    css = tuple(str(p) for p in css_paths)
    if workers <= 1 or len(jobs) <= SMALL_BATCH:
        init_worker(str(root), css)
        for job in jobs:
            yield render_pdf(job)
        return
    # spawn, not fork: serve runs watchdog threads, and a forked child of a threaded process can deadlock.
    context = multiprocessing.get_context("spawn")
    chunk = max(1, min(8, len(jobs) // (workers * 4)))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=init_worker, initargs=(str(root), css)) as pool:
        yield from pool.map(render_pdf, jobs, chunksize=chunk)


def digest_files(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()
