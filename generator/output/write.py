"""write: puts a whole build into a staging folder beside the output, then swaps it in at once.

The previous output stays whole until the swap, so a failed or killed build
leaves it untouched; a lock stops two builds writing at the same time. The
old tree is renamed aside as `.<out>.trash-*`, and a detached process
(`recycle.py`) deletes its files and keeps its empty folders as
`.<out>.spare`, so the build returns at once and the next build starts from
those folders instead of making a few thousand again (at 1,500 pupils,
0.6 s of an edit's 4 s was mkdir). A first output has no old tree: its own
folders are mirrored as the spare instead, the same way. The next build
deletes any trash left.
It must not render anything: it receives bytes.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import glob
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import filelock

from generator.output import recycle

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
        self._lock: _Lock | None = _acquire_lock(out)
        self.written: set[str] = set()
        self._folders: set[str] = set()
        """Folders this build's files are in, made or found (a build carries thousands of files into a few thousand folders)."""
        self._existing: set[str] = set()
        """Folders the staging tree started with (taken from the spare); those this build does not use are removed at commit."""
        try:
            recover(out)
            _check_replaceable(out)
            # mkdtemp makes it 0700: nobody else can read a half-written tree. commit() gives it the mode
            # the output folder had, so permissions a school set on the output survive every build.
            self.path = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
            self._take_spare()
        except BaseException:
            self.close()
            raise

    def _take_spare(self) -> None:
        """Start from the empty folders an earlier output left (`recycle.py`), instead of making each one again.

        The spare is renamed onto the new (empty, 0700) staging folder, made
        private again, and walked: anything in it that is not a folder (it
        should hold none; a recycling cut short, or someone else's file) is
        deleted first, so the staging tree starts with no file, exactly as a
        new one. Taken only if it is a real folder of this user's; on any
        error the staging tree starts empty instead.
        """
        spare = spare_path(self.out)
        try:
            info = os.lstat(spare)
        except OSError:
            return
        if not stat.S_ISDIR(info.st_mode) or (hasattr(os, "geteuid") and info.st_uid != os.geteuid()):
            return
        try:
            os.rename(spare, self.path)  # onto the empty folder mkdtemp made: one atomic step, so two builds cannot both take it
        except OSError:
            return
        try:
            os.chmod(self.path, 0o700)
            self._existing = recycle.empty_of_files(str(self.path))  # what recycling did, again: a link is removed, never followed
        except OSError:
            shutil.rmtree(self.path, ignore_errors=True)
            os.mkdir(self.path, 0o700)
            self._existing = set()

    def write(self, rel: str, data: bytes) -> None:
        """Write one output file; writing the same path twice is a bug in the plan, so it is refused."""
        if rel in self.written:
            raise ValueError(f"two outputs claim the same path: {rel}")
        _check_rel(rel)
        self.written.add(rel)
        target = self.path / rel
        self._place(rel)
        target.write_bytes(data)

    def reuse(self, rel: str, previous: Path | str) -> bool:
        """Take an unchanged file from the previous output instead of rendering it again."""
        if rel in self.written or not os.path.isfile(previous):
            return False
        _check_rel(rel)
        target = os.path.join(self.path, rel)  # not pathlib: thousands of these in a build
        self._place(rel)
        try:
            os.link(previous, target)
        except OSError:
            shutil.copyfile(previous, target)
        self.written.add(rel)
        return True

    def _place(self, rel: str) -> None:
        """Make room for a file at `rel`: its folders made (or found in the spare), and a spare folder at its own path removed."""
        parent = rel.rpartition("/")[0]
        if parent and parent not in self._folders:
            self._make(parent)
        if rel in self._existing:  # a folder of the spare where this build has a file
            self.drop_tree(rel)

    def _make(self, folder: str) -> None:
        """Make one folder of the staging tree, its parents first; each is made once, with one mkdir (no pathlib walk)."""
        above = folder.rpartition("/")[0]
        if above and above not in self._folders:
            self._make(above)
        if folder not in self._existing:
            with contextlib.suppress(FileExistsError):
                os.mkdir(os.path.join(self.path, folder))
        self._folders.add(folder)

    def drop_tree(self, rel: str) -> None:
        """Remove a folder of the staging tree and forget what was written or found in it (a bundle carried over only in part)."""
        _check_rel(rel)
        inside = rel + "/"
        self.written = {w for w in self.written if not w.startswith(inside)}
        self._folders = {f for f in self._folders if f != rel and not f.startswith(inside)}
        self._existing = {f for f in self._existing if f != rel and not f.startswith(inside)}
        shutil.rmtree(os.path.join(self.path, rel), ignore_errors=True)

    def _remove_unused_folders(self) -> None:
        """Remove the spare's folders this build put nothing in (a pupil who left), deepest first, so the tree is a new build's."""
        for folder in sorted(self._existing - self._folders, key=lambda f: f.count("/"), reverse=True):
            with contextlib.suppress(OSError):  # not empty: the search index wrote into it directly
                os.rmdir(os.path.join(self.path, folder))

    def write_or_reuse(self, rel: str, data: bytes, previous: Path) -> None:
        """Write a file, or link the previous output's copy when it has these very bytes (its mtime then stays)."""
        try:
            same = previous.is_file() and previous.stat().st_size == len(data) and previous.read_bytes() == data
        except OSError:
            same = False
        if not (same and self.reuse(rel, previous)):
            self.write(rel, data)

    def reuse_tree(self, rel: str, previous: Path) -> bool:
        """Take a whole folder of the previous output (a search index whose pages did not change); False if there is none."""
        if not previous.is_dir() or previous.is_symlink():
            return False
        _check_rel(rel)
        files = [p for p in sorted(previous.rglob("*")) if p.is_file() and not p.is_symlink()]
        return all(self.reuse(f"{rel}/{path.relative_to(previous).as_posix()}", path) for path in files)

    def commit(self) -> None:
        """Swap the staging tree in for the output; the old tree is then put aside as trash and recycled without waiting for it."""
        self._remove_unused_folders()
        os.sync()  # the new tree is on disk before it replaces the old one
        if self.out.is_dir():
            keep_mode_and_group(self.out, self.path)
        if self.out.exists():
            if _exchange(self.path, self.out):
                discard(self.out, self.path)
            else:
                old = self.out.parent / f".{self.out.name}.old"
                shutil.rmtree(old, ignore_errors=True)
                os.rename(self.out, old)
                os.rename(self.path, self.out)
                discard(self.out, old)
        else:
            os.rename(self.path, self.out)
            _mirror_detached(self.out)  # a first output: no old tree to recycle, so its own folders become the spare
        self.close()

    def abort(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self.close()

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, kind: Any, value: Any, tb: Any) -> None:
        if self._lock is not None:
            self.abort()


def keep_mode_and_group(old: Path, new: Path) -> None:
    """Give the new tree the old output folder's mode and group, so access a school set (e.g. www-data, 0750) survives the swap.

    The group is set before the mode: chown clears set-id bits. If the group
    cannot be kept (the builder is not a member of it), the build stops
    before the swap rather than publish the tree with wider or other access.
    """
    info = old.stat()
    if new.stat().st_gid != info.st_gid and hasattr(os, "chown"):
        try:
            os.chown(new, -1, info.st_gid)
        except PermissionError as error:
            raise OutputRefused(f"{old} belongs to group {info.st_gid}, which this user cannot give the new output; "
                                "build as a member of that group, or change the folder's group first") from error
    os.chmod(new, stat.S_IMODE(info.st_mode))


def recover(out: Path) -> None:
    """Finish what a build killed mid-swap left: restore `.old` if the output is missing; drop stale staging folders and trash.

    Called under the lock, so no other build is writing a staging folder of
    this output. What is dropped is renamed to trash first and deleted
    without waiting, like the old tree after a swap.
    """
    old = out.parent / f".{out.name}.old"
    if old.exists() and not out.exists():
        os.rename(old, out)
    for stale in out.parent.glob(f"{glob.escape('.' + out.name)}.staging-*"):
        _put_aside(out, stale)
    if old.exists():
        _put_aside(out, old)
    trash = (_out_of_reach(t) for t in sorted(out.parent.glob(f"{glob.escape('.' + out.name)}.{TRASH}-*")))
    _delete_detached([t for t in trash if t is not None])


GONE = "-gone"
"""The suffix a trash folder is renamed to before it is deleted (`_out_of_reach`)."""


def _out_of_reach(trash: Path) -> Path | None:
    """Rename a trash folder to `<name>-gone` before deleting it; the new path, or None to leave it for the next build.

    A recycler (`recycle.py`) may still be at work on it: it works by path, and
    ends by renaming its tree to the spare. Were `rm -rf` started on the trash
    as it stood, it could go on deleting inside that tree after the rename, so
    the staging tree the next build takes from the spare would lose folders
    as it is written (seen once in CI: a link into `governors/` failed). Once
    renamed, the recycler can no longer reach the trash by its path, so
    whatever it had moved out is no longer inside what is deleted, and
    nothing it does later lands there.
    """
    if trash.name.endswith(GONE):
        return trash
    gone = trash.with_name(trash.name + GONE)
    try:
        os.rename(trash, gone)
    except OSError:  # gone already (its recycler finished), or cannot be renamed now: not deleted by this build
        return None
    return gone


TRASH = "trash"


def discard(out: Path, tree: Path) -> None:
    """Rename a tree that is no longer the output to `.<out>.trash-*` and have it recycled without the build waiting.

    Only a folder that is not the output is ever changed, so nothing
    half-deleted is served, and a recycling cut short (the machine stopped,
    the process group killed) leaves trash that the next build's `recover`
    deletes. Recycling deletes every file and keeps the empty folders as the
    spare (`recycle.py`); where no detached process can be started the tree
    is deleted now.
    """
    trash = _put_aside(out, tree)
    if trash is not None:
        _recycle_detached(trash, spare_path(out))


SPARE = "spare"


def spare_path(out: Path) -> Path:
    """The empty folders of an earlier output, kept beside it for the next build's staging tree."""
    return out.parent / f".{out.name}.{SPARE}"


def _recycler(*args: str) -> bool:
    """Start `recycle.py ARGS` in a process of its own session that outlives this one; False where it cannot be started.

    -I -S: the standard library only, nothing from the environment, the user's site or the school's folder.
    """
    script = Path(recycle.__file__)
    return bool(sys.executable) and script.is_file() and _detached([sys.executable, "-I", "-S", str(script), *args])


def _recycle_detached(trash: Path, spare: Path) -> None:
    """Run `recycle.py` on the trash without waiting for it; else delete the trash as before."""
    if not _recycler(str(trash), str(spare)):
        _delete_detached([trash])


def _mirror_detached(out: Path) -> None:
    """Have `recycle.py --folders-of` make the spare from the new output's folders without the build waiting (none if a spare is there).

    The folders are made in a `.<out>.trash-*` folder first, so a mirroring cut
    short is deleted by the next build's `recover` like any trash.
    """
    if os.path.lexists(spare_path(out)):
        return
    try:
        trash = Path(tempfile.mkdtemp(prefix=f".{out.name}.{TRASH}-", dir=out.parent))
    except OSError:
        return
    if not _recycler("--folders-of", str(out), str(trash), str(spare_path(out))):
        shutil.rmtree(trash, ignore_errors=True)


def _put_aside(out: Path, tree: Path) -> Path | None:
    """Move a tree into a new private `.<out>.trash-*` folder (deleted at once if it cannot be moved); the trash folder, if any."""
    if not tree.is_dir() or tree.is_symlink():
        return None
    try:
        trash = Path(tempfile.mkdtemp(prefix=f".{out.name}.{TRASH}-", dir=out.parent))
    except OSError:
        shutil.rmtree(tree, ignore_errors=True)
        return None
    try:
        os.rename(tree, trash / "tree")
    except OSError:
        shutil.rmtree(tree, ignore_errors=True)
    return trash


def _delete_detached(paths: list[Path]) -> None:
    """`rm -rf` the paths in a process of its own session that outlives this one; where none can be started, delete them now."""
    if paths and not _detached(["rm", "-rf", "--", *map(str, paths)]):
        for path in paths:
            shutil.rmtree(path, ignore_errors=True)


def _detached(command: list[str]) -> bool:
    """Start `command` in a process of its own session that outlives this one (`sh` backgrounds it and exits at once);
    False where no such process can be started (no POSIX shell)."""
    shell = "/bin/sh"
    if os.name != "posix" or not os.path.exists(shell):
        return False
    try:
        subprocess.run([shell, "-c", '"$@" </dev/null >/dev/null 2>&1 &', "sh", *command],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       start_new_session=True, check=False, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


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


def lock_path(out: Path) -> Path:
    """The lock file beside the output (not inside it: the output is swapped whole)."""
    return out.parent / f".{out.name}.lock"


class _Lock:
    """A held `filelock.FileLock` (flock on POSIX, msvcrt on Windows), with the holder's pid written into the file."""

    def __init__(self, lock: filelock.BaseFileLock) -> None:
        self._lock = lock

    def close(self) -> None:
        self._lock.release()


def _acquire_lock(out: Path) -> _Lock:
    path = lock_path(out)
    lock = filelock.FileLock(path, timeout=0, thread_local=False, preserve_lock_file=True)  # left in place: unlinking a lock file races
    try:
        lock.acquire()
    except filelock.Timeout:
        try:
            holder = path.read_text("utf-8").strip()
        except OSError:  # Windows refuses to read a locked file
            holder = ""
        who = f"pid {holder}" if holder.isdigit() else "another process"
        raise BuildLocked(f"another build ({who}) holds the lock {path} and is writing {out}; "
                          "wait for it to finish and try again") from None
    try:
        with open(path, "r+", encoding="utf-8") as handle:  # a second descriptor: the lock stays on the first
            handle.truncate()
            handle.write(str(os.getpid()))
    except OSError:
        pass  # the pid is only for the message another build prints
    return _Lock(lock)


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
