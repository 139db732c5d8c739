"""serve: builds, serves the output on 127.0.0.1 and rebuilds on every save; never binds another address."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import posixpath
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import cast
from urllib.parse import parse_qs, quote, unquote, urlsplit

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from generator.build import PreviewMemo, build, preview
from generator.output.artifacts import code_version, read_manifest
from generator.output.write import STATE_DIR, BuildLocked
from generator.sources.cache import RecordCache
from generator.sources.diagnostics import InvalidInput

Report = Callable[[str], None]
HOST = "127.0.0.1"
DEBOUNCE = 0.15  # seconds without a file event before a rebuild starts (an editor's save is a burst of events within milliseconds)
HTML_WAIT = 10.0  # longest an HTML request waits for a rebuild in progress
EPOCH_WAIT = 20.0  # longest the reload script's request waits for the next build before asking again
EVENTS: list[type[FileSystemEvent]] = [FileCreatedEvent, FileModifiedEvent, FileDeletedEvent, FileMovedEvent,
                                       FileClosedEvent, DirCreatedEvent, DirDeletedEvent, DirMovedEvent]
"""Changes only: the build itself opens and reads every input, and those events must not start a rebuild."""
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".pdf": "application/pdf",
         ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
         ".json": "application/json", ".txt": "text/plain; charset=utf-8"}
TEXT = TYPES[".txt"]
RELOAD_JS = """<script>(() => {
  const seen = %d;
  const show = (errors) => {
    const box = document.createElement("div");
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:2147483647;background:#b00020;color:#fff;" +
      "font:14px/1.4 monospace;padding:.75em 1em;white-space:pre-wrap;max-height:50vh;overflow:auto";
    box.textContent = "mentorsite: the last build failed; this page is from the last good build.\\n" + errors.join("\\n");
    document.body.appendChild(box);
  };
  const pending = (n) => {
    const note = document.createElement("div");
    note.setAttribute("role", "status");
    note.style.cssText = "position:fixed;bottom:0;right:0;z-index:2147483647;background:#1a4d8f;color:#fff;" +
      "font:14px/1.4 sans-serif;padding:.5em 1em";
    note.textContent = "mentorsite: this page is up to date; " + n + " other file" + (n === 1 ? " (a PDF or the analysis) is" :
      "s (PDFs, progress and analysis) are") + " being brought up to date in the background (the page reloads when they are ready).";
    document.body.appendChild(note);
  };
  fetch("/__mentorsite/status", {cache: "no-store"}).then((r) => r.json())
    .then((s) => {
      if (!s.ok && !document.getElementById("mentorsite-failed")) show(s.errors);
      else if (s.pdfs_pending > 0) pending(s.pdfs_pending);
    }).catch(() => {});
  const poll = () => fetch("/__mentorsite/epoch?after=" + seen, {cache: "no-store"}).then((r) => r.text())
    .then((t) => { if (Number(t) !== seen) location.reload(); else setTimeout(poll, 250); })
    .catch(() => setTimeout(poll, 1000));
  setTimeout(poll, 250);
})();</script>
"""


@dataclass(frozen=True)
class Status:
    """What the last build did; replaced whole, so readers never see half of one."""

    epoch: int = 0
    ok: bool = True
    errors: tuple[str, ...] = ()
    pdfs_pending: int = 0
    """PDFs still at their old version while the background pass renders them; the page says so."""

    def json(self) -> bytes:
        return json.dumps({"epoch": self.epoch, "ok": self.ok, "errors": list(self.errors),
                           "pdfs_pending": self.pdfs_pending}).encode("utf-8")


class Server:
    """The dev server: `start()` builds once, serves and watches; `stop()` undoes all of it."""

    def __init__(self, root: Path, out: Path, *, port: int = 8000, jobs: int | None = None,
                 as_of: dt.date | None = None, report: Report = lambda _m: None) -> None:
        self.root, self.out = root.resolve(), out.resolve()
        self.jobs, self.as_of, self.report = jobs, as_of, report
        self._status = Status()
        self._epoch_changed = threading.Condition()
        self.cache = RecordCache(code_version(), trust_stat=True)  # records kept in memory: a save re-reads only the files it touched
        self.memo = PreviewMemo()
        self.overlay: dict[str, bytes] = {}
        """Pages a preview rendered, by output path, served instead of the files until the full build has written them."""
        self._changes: set[Path] = set()
        self.idle = threading.Event()
        self.idle.set()
        self._cond = threading.Condition()
        self._dirty = self._stopping = False
        self._last_event = 0.0
        self._httpd = _HTTPServer((HOST, port), _Handler, self)
        self.port: int = self._httpd.server_address[1]
        self._observer = Observer()
        self._threads: list[threading.Thread] = []

    @property
    def status(self) -> Status:
        return self._status

    @status.setter
    def status(self, value: Status) -> None:
        with self._epoch_changed:
            self._status = value
            self._epoch_changed.notify_all()

    def wait_for_epoch(self, seen: int, timeout: float) -> int:
        """The epoch once it is no longer `seen`, or after `timeout` seconds: a page's reload script waits here instead of polling."""
        with self._epoch_changed:
            self._epoch_changed.wait_for(lambda: self._status.epoch != seen or self._stopping, timeout)
            return self._status.epoch

    def start(self) -> None:
        try:
            _Watcher(self, self._observer).watch(self.root)
            self._observer.start()
            self._build()
        except BaseException:
            self.stop()
            raise
        for target in (self._httpd.serve_forever, self._rebuild_loop):
            thread = threading.Thread(target=target, name=f"mentorsite-{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)
        self.report(f"serving {self.out} at http://{HOST}:{self.port}/ and watching {self.root}; Ctrl-C to stop")

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        with self._epoch_changed:
            self._epoch_changed.notify_all()  # reload scripts waiting for the next epoch get an answer now
        if not self.idle.is_set():
            self.report("finishing the rebuild in progress (Ctrl-C again to abandon it)")
        if self._threads:
            self._httpd.shutdown()
        for thread in self._threads:
            thread.join()
        self._threads.clear()
        self._httpd.server_close()
        if self._observer.is_alive():
            self._observer.stop()
            self._observer.join()

    def changed(self, paths: tuple[Path, ...] = ()) -> None:
        """A watched file changed: (re)start the quiet period before the next rebuild."""
        with self._cond:
            self._changes.update(paths or (self.root,))
            self._dirty = True
            self._last_event = time.monotonic()
            self._cond.notify_all()

    def _rebuild_loop(self) -> None:
        while self._wait_for_quiet():
            with self._cond:
                changes, self._changes = self._changes, set()
            if self._only_pupil_files(changes) and self._preview():
                if not self._dirty and not self._stopping:
                    self._build(in_background=True)  # the rest (PDFs, analysis) while the previewed pages are served
                continue
            self.memo.envs = {}  # a template may have been added or removed: previews compile afresh after this build
            self._build(defer_pdfs=True)  # pages first
            while self.status.pdfs_pending and not self._dirty and not self._stopping:
                self._build()  # then the PDFs, unless another save came in meanwhile (its pass goes first)

    def _only_pupil_files(self, changes: set[Path]) -> bool:
        pupils = self.root / "pupils"
        return bool(changes) and all(p.parent == pupils and p.suffix == ".yaml" for p in changes)

    def _preview(self) -> bool:
        """Render the pages a save to pupil files changed into memory (about a second); False when a full build must do it."""
        self.idle.clear()
        started = time.monotonic()
        try:
            made = preview(self.root, as_of=self.as_of, cache=self.cache, memo=self.memo)
        except InvalidInput as err:
            lines = [d.format() for d in err.diagnostics]
            for line in lines:
                self.report(line)
            self.overlay = {}
            self.status = Status(self.status.epoch + 1, False, tuple(lines))
            self.report(f"build failed ({len(lines)} problem(s)); serving the last good build until the next save")
            return True
        except Exception as err:  # anything else: let the full build find and report it
            self.report(f"preview skipped ({type(err).__name__}: {err}); building in full")
            return False
        finally:
            self.idle.set()
        if made is None:
            return False
        self.overlay = {**self.overlay, **made.pages}
        self.status = Status(self.status.epoch + 1, True, (), made.following)
        self.report(f"{len(made.pages)} pages updated in {time.monotonic() - started:.2f}s; "
                    f"{made.following} PDFs and analysis pages follow")
        return True

    def _wait_for_quiet(self) -> bool:
        """Block until a change is followed by DEBOUNCE seconds without another; False when stopping."""
        with self._cond:
            while not self._dirty and not self._stopping:
                self._cond.wait()
            while not self._stopping and (left := self._last_event + DEBOUNCE - time.monotonic()) > 0:
                self._cond.wait(left)
            self._dirty = False
            return not self._stopping

    def _build(self, *, defer_pdfs: bool = False, in_background: bool = False) -> None:
        """A full build; `in_background` after a preview: pages are served (from the preview) while it runs."""
        if not in_background:
            self.idle.clear()
        started = time.monotonic()
        errors, pending = ["interrupted"], 0
        try:
            errors, pending = self._try_build(defer_pdfs)
        finally:
            self.overlay = {}  # the files now hold what the preview showed, or the last good build does
            self.memo.manifest = read_manifest(self.out / STATE_DIR) if not errors else self.memo.manifest
            self.status = Status(self.status.epoch + 1, not errors, tuple(errors), pending)
            self.idle.set()
        if errors:
            serving = "the last good build" if self.out.is_dir() else "a page listing the problems"
            self.report(f"build failed ({len(errors)} problem(s)); serving {serving} until the next save")
        else:
            self.report(f"built in {time.monotonic() - started:.1f}s" + (f"; {pending} PDFs follow" if pending else ""))

    def _try_build(self, defer_pdfs: bool = False) -> tuple[list[str], int]:
        """Build once; the problems as lines, each already reported, or [] when it worked; and the PDFs left pending."""
        try:
            result = build(self.root, self.out, jobs=self.jobs, as_of=self.as_of, report=self.report, cache=self.cache,
                           defer_pdfs=defer_pdfs, memo=self.memo)
            return [], result.pdfs_pending
        except InvalidInput as err:
            lines = [d.format() for d in err.diagnostics]
        except BuildLocked as err:
            lines = [str(err)]
        except Exception as err:  # a bug or a broken template: keep serving, say what happened
            lines = [f"internal error ({type(err).__name__}: {err})"]
        for line in lines:
            self.report(line)
        return lines, 0


class _Watcher(FileSystemEventHandler):
    """Reports changes to inputs; never watches the output, which each build swaps whole (watchdog's inotify
    bookkeeping breaks on a swapped tree): a folder holding it is watched one level deep, its other folders fully."""

    def __init__(self, server: Server, observer: BaseObserver) -> None:
        self.server, self.observer = server, observer
        self.shallow: set[Path] = set()

    def watch(self, folder: Path) -> None:
        root, out = self.server.root, self.server.out
        if ignored(root, out, folder):
            return
        if not out.is_relative_to(folder):
            self.observer.schedule(self, str(folder), recursive=True, event_filter=EVENTS)
            return
        self.observer.schedule(self, str(folder), recursive=False, event_filter=EVENTS)
        self.shallow.add(folder)
        for child in sorted(folder.iterdir()):
            if child.is_dir():
                self.watch(child)

    def on_any_event(self, event: FileSystemEvent) -> None:
        paths = [Path(os.fsdecode(p)) for p in (event.src_path, event.dest_path) if p]
        if all(ignored(self.server.root, self.server.out, p) for p in paths):
            return
        if isinstance(event, (DirCreatedEvent, DirMovedEvent)) and paths[-1].parent in self.shallow:
            with contextlib.suppress(OSError):  # unless it is already gone again
                self.watch(paths[-1])  # a new folder beside the output: watch it too
        self.server.changed(tuple(paths))


def ignored(root: Path, out: Path, path: Path) -> bool:
    if path.is_relative_to(out) or not path.is_relative_to(root):
        return True
    parts = path.relative_to(root).parts
    if any(part.startswith(".") or part == "__pycache__" for part in parts):
        return True
    return bool(parts) and parts[-1].endswith((".swp", "~"))


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], app: Server) -> None:
        self.app = app
        super().__init__(address, handler)

    def handle_error(self, request: object, client_address: object) -> None:
        kind, err = sys.exc_info()[:2]
        if kind is not None and not issubclass(kind, ConnectionError):  # a closed browser tab is not an error
            self.app.report(f"error serving a request: {kind.__name__}: {err}")


class _Handler(BaseHTTPRequestHandler):
    server_version = "mentorsite"

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: one line per request would drown the build messages."""

    @property
    def app(self) -> Server:
        return cast(_HTTPServer, self.server).app

    def _respond(self, *, head: bool) -> None:
        url_path = unquote(urlsplit(self.path).path)
        if not self._host_allowed():
            self._send(400, TEXT, b"unexpected Host header\n", head)
        elif url_path == "/__mentorsite/epoch":
            after = parse_qs(urlsplit(self.path).query).get("after", [""])[0]
            epoch = self.app.wait_for_epoch(int(after), EPOCH_WAIT) if after.isdigit() and len(after) < 12 else self.app.status.epoch
            self._send(200, TEXT, str(epoch).encode(), head)
        elif url_path == "/__mentorsite/status":
            self._send(200, TYPES[".json"], self.app.status.json(), head)
        elif url_path == "/":
            self._redirect("/staff/")
        else:
            self._send_file(url_path, head)

    def _host_allowed(self) -> bool:
        """Refuse other Host names, so a page elsewhere cannot read the staff site by DNS rebinding."""
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        return host in (HOST, "localhost")

    def _send_file(self, url_path: str, head: bool) -> None:
        page = posixpath.splitext(url_path)[1] in ("", ".html")
        if page:
            self.app.idle.wait(HTML_WAIT)  # never serve a page from before a rebuild that is under way
        status, overlay = self.app.status, self.app.overlay
        previewed = _previewed(overlay, url_path) if page and overlay else None
        if previewed is not None:
            self._send(200, TYPES[".html"], inject(previewed, status.epoch), head)
            return
        target = resolve(self.app.out, url_path)
        if target is not None and target.is_dir():
            if not url_path.endswith("/"):
                self._redirect(folder_url(url_path))
                return
            target = target / "index.html"
        data = _read(target)
        if target is None or data is None:
            if page and not status.ok:
                self._send(503, TYPES[".html"], inject(failure_page(status.errors), status.epoch), head)
            else:
                self._send(404, TEXT, b"not found\n", head)
            return
        kind = TYPES.get(target.suffix, "application/octet-stream")
        self._send(200, kind, inject(data, status.epoch) if target.suffix == ".html" else data, head)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, code: int, kind: str, body: bytes, head: bool) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)


def _previewed(overlay: dict[str, bytes], url_path: str) -> bytes | None:
    """The previewed page a URL names, if a preview made it (a folder URL, ending in '/', names its index.html).

    A folder URL without its '/' is left to the files, which redirect it:
    served as it is, the page's relative links would resolve one level up.
    """
    clean = posixpath.normpath("/" + url_path).lstrip("/")
    if any(part.startswith(".") for part in clean.split("/")):
        return None
    if clean.endswith(".html"):
        return overlay.get(clean)
    return overlay.get(f"{clean}/index.html".lstrip("/")) if url_path.endswith("/") else None


def _read(target: Path | None) -> bytes | None:
    try:
        return target.read_bytes() if target is not None else None
    except OSError:  # gone in a swap, or a folder without index.html
        return None


def resolve(out: Path, url_path: str) -> Path | None:
    """The file or folder a URL path names inside `out`, or None if it is outside, hidden or missing."""
    clean = posixpath.normpath("/" + url_path).lstrip("/")
    if any(part.startswith(".") for part in clean.split("/")):
        return None  # .mentorsite/ build state and other dot files are not part of the site
    try:
        target = (out / clean).resolve()
    except (OSError, ValueError):  # e.g. an encoded NUL byte
        return None
    if not target.is_relative_to(out) or not target.exists():
        return None
    return target


def folder_url(url_path: str) -> str:
    """The canonical '/…/' URL of a folder: normalised and quoted, never '//host' (an open redirect)."""
    clean = posixpath.normpath("/" + url_path).strip("/")
    return f"/{quote(clean)}/" if clean else "/"


def inject(html: bytes, epoch: int) -> bytes:
    """The page with the live-reload script before its last </body>; the file on disk is untouched."""
    script = (RELOAD_JS % epoch).encode("utf-8")
    ends = [m.start() for m in re.finditer(rb"</body\s*>", html, re.IGNORECASE)]
    at = ends[-1] if ends else len(html)
    return html[:at] + script + html[at:]


def failure_page(errors: tuple[str, ...]) -> bytes:
    items = "".join(f"<li><code>{escape(line)}</code></li>" for line in errors)
    return ('<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Build failed · mentorsite</title>'
            '</head><body id="mentorsite-failed"><h1>The build failed</h1><p>Fix these and save; the page reloads '
            f"by itself.</p><ul>{items}</ul></body></html>").encode()


def serve(root: Path, out: Path, *, port: int = 8000, jobs: int | None = None, as_of: dt.date | None = None,
          report: Report = lambda _m: None) -> None:
    """Build, serve and rebuild until Ctrl-C; then stop the watcher and the server and return."""
    server = Server(root, out, port=port, jobs=jobs, as_of=as_of, report=report)
    server.start()
    try:
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        server.stop()
        report("stopped")
