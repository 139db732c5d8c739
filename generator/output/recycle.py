"""recycle: empty an old output tree of its files and keep its folders as the spare the next build's staging tree starts from.

`write.discard` runs this file as a detached script (`python -I -S
recycle.py TRASH SPARE`), after the swap and without waiting for it, so it
imports the standard library only. A build makes a folder per pupil and
family (about 3,800 at 1,500 pupils); taking them from the spare instead of
making them again was 0.6 s of a one-pupil edit. Only folders are kept:
every file, link or other entry is deleted before the tree becomes the
spare, so no old version of a record's page or document outlives its
replacement.

A first build has no old tree to recycle; `write.Staging.commit` then runs
`recycle.py --folders-of OUT TRASH SPARE`, which makes the new output's
folders (and nothing else) into the spare, so the first edit after a cold
build starts from them too.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator


def _entries(tree: str) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Every entry under `tree`, with its path relative to `tree` ('/'-separated); folders are walked, links never followed."""
    pending = [""]
    while pending:
        rel = pending.pop()
        with os.scandir(os.path.join(tree, rel) if rel else tree) as entries:
            for entry in entries:
                name = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_dir(follow_symlinks=False):
                    pending.append(name)
                yield name, entry


def empty_of_files(tree: str) -> set[str]:
    """Delete everything under `tree` that is not a folder (links are removed, never followed); keep the folders.

    Returns the folders kept, relative to `tree` and '/'-separated (a build taking the spare starts from them).
    """
    found: set[str] = set()
    for name, entry in _entries(tree):
        if entry.is_dir(follow_symlinks=False):
            found.add(name)
        else:
            os.unlink(entry.path)
    return found


def recycle(trash: str, spare: str) -> None:
    """Empty `TRASH/tree` of files and rename it to `spare`; if it cannot become the spare (one is there), delete it. The trash goes."""
    tree = os.path.join(trash, "tree")
    try:
        empty_of_files(tree)
        os.chmod(tree, 0o700)
        os.rename(tree, spare)  # a folder that is not empty (another spare) is not replaced: the rename fails
    except OSError:
        pass
    finally:
        shutil.rmtree(trash, ignore_errors=True)


def mirror_folders(tree: str, trash: str, spare: str) -> None:
    """Make the folders of `tree` (read only, links not followed) in `TRASH/tree` and rename that to `spare`; the trash goes.

    Nothing of `tree` is changed or copied but folder names. If the spare
    cannot be made whole (`tree` changed meanwhile, the disk is full, a spare
    is already there) nothing is left but what a spare may hold: folders.
    """
    made = os.path.join(trash, "tree")
    try:
        os.mkdir(made, 0o700)
        for name, entry in _entries(tree):
            if entry.is_dir(follow_symlinks=False):
                os.mkdir(os.path.join(made, name))
        os.rename(made, spare)  # a folder that is not empty (another spare) is not replaced: the rename fails
    except OSError:
        pass
    finally:
        shutil.rmtree(trash, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 3:
        recycle(sys.argv[1], sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "--folders-of":
        mirror_folders(sys.argv[2], sys.argv[3], sys.argv[4])
