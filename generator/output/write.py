"""write: puts a whole build into a staging folder beside the output, then swaps it in at once.

The previous output stays whole until the swap, so a failed or killed build
leaves it untouched; a lock stops two builds writing at the same time. It
must not render anything: it receives bytes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import glob
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import IO, Any

STATE_DIR = ".mentorsite"
"""Build state inside the output, beside (not inside) the audience folders."""


class BuildLocked(Exception):
    """Another build holds the lock on this output folder."""


class OutputRefused(Exception):
    """`--out` names something a build must not replace: a file, or a folder that is not a previous output."""


class Staging:
    """A new output tree being written; `commit()` swaps it in, anything else throws it away."""

    def __init__(self, out: Path) -> None:
        self.out = out
        _check_replaceable(out)  # before a lock file is left beside someone's folder; again under the lock
        out.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _acquire_lock(out)
        self.written: set[str] = set()
        try:
            recover(out)
            _check_replaceable(out)
            # mkdtemp makes it 0700: nobody else can read a half-written tree. commit() gives it the mode
            # the output folder had, so permissions a school set on the output survive every build.
            self.path = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
        except BaseException:
            self.close()
            raise

    def write(self, rel: str, data: bytes) -> None:
        """Write one output file; writing the same path twice is a bug in the plan, so it is refused."""
        if rel in self.written:
            raise ValueError(f"two outputs claim the same path: {rel}")
        _check_rel(rel)
        self.written.add(rel)
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def reuse(self, rel: str, previous: Path) -> bool:
        """Take an unchanged file from the previous output instead of rendering it again."""
        if rel in self.written or not previous.is_file():
            return False
        _check_rel(rel)
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(previous, target)
        except OSError:
            shutil.copyfile(previous, target)
        self.written.add(rel)
        return True

    def commit(self) -> None:
        """Swap the staging tree in for the output; the old tree is removed afterwards."""
        os.sync()  # the new tree is on disk before it replaces the old one
        if self.out.is_dir():
            os.chmod(self.path, stat.S_IMODE(self.out.stat().st_mode))
        if self.out.exists():
            if _exchange(self.path, self.out):
                shutil.rmtree(self.path, ignore_errors=True)
            else:
                old = self.out.parent / f".{self.out.name}.old"
                shutil.rmtree(old, ignore_errors=True)
                os.rename(self.out, old)
                os.rename(self.path, self.out)
                shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(self.path, self.out)
        self.close()

    def abort(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self.close()

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, kind: Any, value: Any, tb: Any) -> None:
        if self._lock is not None:
            self.abort()


def recover(out: Path) -> None:
    """Finish what a build killed mid-swap left: restore `.old` if the output is missing; drop stale staging folders."""
    old = out.parent / f".{out.name}.old"
    if old.exists() and not out.exists():
        os.rename(old, out)
    for stale in out.parent.glob(f"{glob.escape('.' + out.name)}.staging-*"):
        shutil.rmtree(stale, ignore_errors=True)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def _check_replaceable(out: Path) -> None:
    """A build replaces `out` whole and deletes the old tree: refuse unless it is a previous output (or empty).

    Without this, `--out .` or `--out pupils` would swap the school's own
    records out of place and delete them.
    """
    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir() or out.is_symlink():
        raise OutputRefused(f"--out {out} is not a folder; choose a new or empty folder, or a previous output")
    if (out / STATE_DIR).is_dir() or not any(out.iterdir()):
        return
    raise OutputRefused(f"--out {out} already holds files that mentorsite did not build (it has no {STATE_DIR}/ folder), "
                        "and a build replaces the whole folder; choose a new or empty folder")


def _check_rel(rel: str) -> None:
    """An output path stays inside the output: relative, '/'-separated, no '..'."""
    parts = rel.split("/")
    if rel.startswith("/") or "\\" in rel or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"not a safe output path: {rel!r}")


def read_state(out: Path) -> dict[str, Any]:
    try:
        data = json.loads((out / STATE_DIR / "state.json").read_text("utf-8"))
        return data if isinstance(data, dict) and data.get("version") == 1 else {}
    except (OSError, ValueError):
        return {}


def state_bytes(state: dict[str, Any]) -> bytes:
    return (json.dumps({"version": 1, **state}, indent=1, sort_keys=True) + "\n").encode("utf-8")


def lock_path(out: Path) -> Path:
    """The lock file beside the output (not inside it: the output is swapped whole)."""
    return out.parent / f".{out.name}.lock"


def _acquire_lock(out: Path) -> IO[str]:
    handle = open(lock_path(out), "a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip()
        handle.close()
        who = f"pid {holder}" if holder.isdigit() else "another process"
        raise BuildLocked(f"another build ({who}) holds the lock {lock_path(out)} and is writing {out}; "
                          "wait for it to finish and try again")
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    if ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(b))
