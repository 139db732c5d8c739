"""Outputs as artifacts: the output folder's access kept across the swap, a second build that builds nothing,
exactly the PDFs that use a changed file re-rendered, and `--explain`."""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path

import pytest
from support import AS_OF

from generator.build import build


def _other_group() -> int:
    """A group this process is not in by default, to stand for www-data."""
    for name in ("www-data", "nogroup"):
        try:
            gid = grp.getgrnam(name).gr_gid
        except KeyError:
            continue
        if gid != os.getgid():
            return gid
    pytest.skip("no second group on this machine")


@pytest.mark.skipif(not hasattr(os, "chown") or os.geteuid() != 0, reason="needs chown to another group (root)")
def test_a_rebuild_keeps_the_output_folders_mode_and_group(tiny: Path) -> None:
    out = tiny / "output"
    build(tiny, out, jobs=1, as_of=AS_OF)
    gid = _other_group()
    os.chown(out, -1, gid)  # chgrp www-data output
    os.chmod(out, 0o750)  # chmod 750 output
    pupil = tiny / "pupils" / "ada.yaml"
    pupil.write_text(pupil.read_text("utf-8").replace("first_name: Adaeze", "first_name: Adanna"), "utf-8")  # a real rebuild
    build(tiny, out, jobs=1, as_of=AS_OF)
    info = out.stat()
    assert "Adanna" in (out / "staff" / "pupils" / "ada" / "index.html").read_text("utf-8")
    assert (stat.S_IMODE(info.st_mode), info.st_gid) == (0o750, gid)
