"""executors: where PDF tasks run — this process, a local process pool, or a Dask cluster — behind `concurrent.futures.Executor`.

Nothing here is a module global: `open_executor` returns an executor the
caller owns and shuts down (a context manager), so a build, `serve` and a
test can each hold their own. A task is a plain picklable value carrying
everything a document needs (see `pdf.PdfTask`): a worker never reads the
school's folder, so a cluster needs no copy of it.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


class InProcessExecutor(Executor):
    """Runs each task in this process when it is submitted: `--jobs 1`, and small batches where a pool costs more than it saves."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # the caller sees it when it asks for the result, as with a pool
            future.set_exception(error)
        return future


class Deferred(Executor):
    """An executor opened only when its first task is submitted, by `opener(tasks)`, and closed by `shutdown`.

    A build makes its documents as it plans each pupil and submits them as
    they come; `render_documents` calls `expect(tasks)` before the first
    (how many there will be, or None when they keep coming), so a build
    that makes a few documents renders them in this process and one that
    makes none starts nothing, as `open_executor` decides.
    """

    def __init__(self, opener: Callable[[int | None], AbstractContextManager[Executor]]) -> None:
        self._opener = opener
        self._tasks: int | None = None
        self._stack = ExitStack()
        self._inner: Executor | None = None

    def expect(self, tasks: int | None) -> None:
        self._tasks = tasks

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        if self._inner is None:
            self._inner = self._stack.enter_context(self._opener(self._tasks))
        return self._inner.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._inner = None
        self._stack.close()


@contextmanager
def open_executor(jobs: int, *, dask_scheduler: str | None = None, initializer: Callable[[], None] | None = None,
                  tasks: int | None = None, in_process_up_to: int | None = None) -> Iterator[Executor]:
    """The executor for a build, shut down when the block ends.

    `dask_scheduler` (tcp://HOST:PORT) sends tasks to a Dask cluster through
    `distributed.Client.get_executor()`; otherwise `jobs` > 1 starts that
    many local worker processes, each running `initializer` once. They are
    forked from the fork server `start_local_workers` starts (never from
    this process: serve runs watchdog threads) on Linux, and spawned
    elsewhere (`_forks`). With no tasks to run (`tasks` 0) or one job,
    nothing is started; up to `in_process_up_to` tasks (default
    `SMALL_BATCH`) run in this process instead.
    """
    if dask_scheduler:
        from distributed import Client  # optional: pip install 'mentorsite[dask]'

        with Client(dask_scheduler, set_as_default=False) as client:
            remote = client.get_executor(pure=False)
            try:
                yield remote
            finally:
                remote.shutdown(wait=True)
        return
    small = SMALL_BATCH if in_process_up_to is None else in_process_up_to
    if jobs <= 1 or tasks == 0 or (tasks is not None and tasks <= small):
        if initializer is not None and tasks != 0:
            initializer()
        yield InProcessExecutor()
        return
    workers = jobs if tasks is None else min(jobs, tasks)
    pool = ProcessPoolExecutor(workers, mp_context=_context(), initializer=initializer)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


SMALL_BATCH = 3
"""Up to this many documents render in this process when workers would be spawned cold (about 0.8 CPU-s each to import
WeasyPrint): a pool costs more than it saves. A build whose fork server is warm (`start_local_workers`) sends even one
document to a worker, forked in milliseconds, and this process never imports WeasyPrint."""

WARM = "generator.output.warm"
"""The module the fork server imports before forking any worker: WeasyPrint, its fonts and one document rendered."""


def _forks() -> bool:
    """Whether local workers are forked from the warm fork server: on Linux. macOS's system frameworks are not safe to use
    across a fork (the warm-up would have used them), and Windows has no fork server."""
    return sys.platform.startswith("linux") and "forkserver" in multiprocessing.get_all_start_methods()


def _context() -> multiprocessing.context.BaseContext:
    """Where local workers come from: the fork server (`start_local_workers`), or a fresh interpreter each elsewhere."""
    if not _forks():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([WARM])  # only read when the server starts: a running one keeps what it preloaded
    return context


def start_local_workers(jobs: int, dask_scheduler: str | None = None) -> bool:
    """Start the local pool's fork server now, without waiting for it, when this build may render on local workers.

    The server is a fresh interpreter (not a fork of this process) that
    imports WeasyPrint and renders one small document (`warm`), about
    0.7 CPU-s, on the other core while this process reads and judges the
    school; each worker is then a fork of it, ready in milliseconds, where a
    spawned one paid that import itself (about 0.8 CPU-s each, when the
    build had found a document to render). It stops when this process ends.
    Started once per process (the standard library keeps the one server).
    A build that then renders nothing wasted that second core's time, not
    this process's. True when the server was started (or runs already):
    the caller may then send even one document to a worker.
    """
    if dask_scheduler or jobs <= 1 or not _forks():
        return False
    from multiprocessing import forkserver

    _context()
    forkserver.ensure_running()
    return True
