"""executors: where PDF tasks run — this process, a local process pool, or a Dask cluster — behind `concurrent.futures.Executor`.

Nothing here is a module global: `open_executor` returns an executor the
caller owns and shuts down (a context manager), so a build, `serve` and a
test can each hold their own. A task is a plain picklable value carrying
everything a document needs (see `pdf.PdfTask`): a worker never reads the
school's folder, so a cluster needs no copy of it.
"""

from __future__ import annotations

import multiprocessing
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
                  tasks: int | None = None) -> Iterator[Executor]:
    """The executor for a build, shut down when the block ends.

    `dask_scheduler` (tcp://HOST:PORT) sends tasks to a Dask cluster through
    `distributed.Client.get_executor()`; otherwise `jobs` > 1 starts that
    many local worker processes (spawned, not forked: serve runs watchdog
    threads), each running `initializer` once. With no tasks to run (`tasks`
    0) or one job, nothing is started.
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
    if jobs <= 1 or tasks == 0 or (tasks is not None and tasks <= SMALL_BATCH):
        if initializer is not None and tasks != 0:
            initializer()
        yield InProcessExecutor()
        return
    workers = jobs if tasks is None else min(jobs, tasks)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=initializer)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


SMALL_BATCH = 3
"""Up to this many documents render in this process: starting a pool (about 2 s a worker) costs more than it saves."""
