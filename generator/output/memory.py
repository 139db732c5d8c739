"""memory: give freed memory back to the system, and read this process's resident size; no other I/O.

glibc keeps what Python frees in its heap for reuse, so a process that once
held a lot (a build after its views, a PDF worker after a long document)
stays that large unless asked (`malloc_trim`). Linux only; elsewhere both
do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
from typing import Any

_LIBC: list[Any] = []


def release() -> None:
    """Collect cycles, then hand the heap's free pages back to the system (glibc's malloc_trim)."""
    gc.collect()
    if not _LIBC:
        name = ctypes.util.find_library("c")
        _LIBC.append(getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None)
    if _LIBC[0] is not None:
        _LIBC[0](0)


def resident() -> int | None:
    """This process's resident set size in bytes (from /proc), or None where there is no /proc."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None
