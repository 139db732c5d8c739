"""gcpause: Python's cyclic garbage collector held off while a stage builds a large, acyclic set of values; no I/O.

Loading a school makes about a million small objects (dicts, lists, strings,
validated records) that all live until the build ends and hold no cycles.
While they accumulate, the collector keeps walking the growing heap: at 1,500
pupils that was a quarter of loading. Inside `paused()` it does not run;
afterwards it is as it was and collects whatever cycles were made meanwhile.
Reference counting still frees everything as usual.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")

_LOCK = threading.Lock()
_DEPTH = 0
_WAS_ENABLED = False


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block (nested and concurrent blocks allowed); the collector's state is restored after the last."""
    global _DEPTH, _WAS_ENABLED
    with _LOCK:
        if _DEPTH == 0:
            _WAS_ENABLED = gc.isenabled()
            gc.disable()
        _DEPTH += 1
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH -= 1
            if _DEPTH == 0 and _WAS_ENABLED:
                gc.enable()


def pausing(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """`function` runs inside `paused()`."""

    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with paused():
            return function(*args, **kwargs)

    return wrapper
