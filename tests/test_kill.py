"""Nothing lost: a build killed at any moment leaves the previous output whole, two builds never interleave, and a
build never replaces a folder it did not make.

The kill test builds a synthetic school whose input alternates between two
versions, A and B (one pupil's first name differs), kills each build with
SIGKILL after a random delay, and checks the output is then exactly the
clean build of A or of B, byte for byte (`.mentorsite/state.json`
included: it lists content hashes only, so it is the same whether a PDF
was rendered or reused).
"""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import AS_OF, REPO, run_cli, tree_bytes, wait_recycled

from generator.output import write
from generator.build import build

PUPILS = 40
TRIALS = 20


def command(root: Path, out: Path, jobs: int = 2) -> list[str]:
    return [sys.executable, "-m", "generator", "build", "--root", str(root), "--out", str(out), "--jobs", str(jobs),
            "--as-of", AS_OF.isoformat()]


def start(root: Path, out: Path, jobs: int = 2) -> subprocess.Popen[str]:
    """A build in its own process group, so killing the group also kills its PDF workers."""
    env = {k: v for k, v in os.environ.items() if k != "MENTORSITE_DEBUG"}
    return subprocess.Popen(command(root, out, jobs), cwd=REPO, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def leftovers(out: Path, wait: float = 60.0) -> list[str]:
    """What a build keeps beside the output besides its lock and its spare: stale staging folders, a half-swapped `.old`, trash.

    The old tree is recycled by a detached process after the swap (write.discard),
    so trash is given up to `wait` seconds to go before it counts as left over.
    The spare is checked to hold folders only.
    """
    def found() -> list[str]:
        return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")
                      and p.name not in (f".{out.name}.lock", write.spare_path(out).name))

    wait_recycled(out, wait)
    spare = write.spare_path(out)
    if spare.exists():
        assert [p for p in spare.rglob("*") if not p.is_dir() or p.is_symlink()] == [], "the spare holds a file"
        assert stat.S_IMODE(spare.stat().st_mode) == 0o700
    return found()


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A sample school, its two versions of one pupil's file, and the clean build of each."""
    base = tmp_path_factory.mktemp("kill")
    root = base / "school"
    result = run_cli("sample", "--pupils", str(PUPILS), str(root))
    assert result.returncode == 0, result.stderr
    pupil = sorted((root / "pupils").glob("*.yaml"))[0]
    text_a = pupil.read_text(encoding="utf-8")
    first = next(line for line in text_a.splitlines() if line.startswith("first_name: "))
    text_b = text_a.replace(first, first + "-Bee", 1)
    refs = {}
    for name, text in (("A", text_a), ("B", text_b)):
        pupil.write_text(text, encoding="utf-8")
        started = time.monotonic()
        result = subprocess.run(command(root, base / f"ref{name}"), cwd=REPO, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        refs[name] = tree_bytes(base / f"ref{name}")
        refs[f"{name}_seconds"] = time.monotonic() - started
    assert refs["A"] != refs["B"]
    return {"base": base, "root": root, "pupil": pupil, "text": {"A": text_a, "B": text_b}, "refs": refs}


def test_killed_builds_leave_the_old_output_or_the_new_one(school: dict[str, object]) -> None:
    base, root, pupil = school["base"], school["root"], school["pupil"]
    texts: dict[str, str] = school["text"]  # type: ignore[assignment]
    refs: dict[str, object] = school["refs"]  # type: ignore[assignment]
    assert isinstance(base, Path) and isinstance(root, Path) and isinstance(pupil, Path)
    out = base / "site" / "output"

    # a first good build of A, then a timed (incremental) build of B: what each trial redoes
    pupil.write_text(texts["A"], encoding="utf-8")
    assert subprocess.run(command(root, out), cwd=REPO, capture_output=True, timeout=300).returncode == 0
    assert tree_bytes(out) == refs["A"]
    pupil.write_text(texts["B"], encoding="utf-8")
    started = time.monotonic()
    assert subprocess.run(command(root, out), cwd=REPO, capture_output=True, timeout=300).returncode == 0
    seconds = time.monotonic() - started
    assert tree_bytes(out) == refs["B"]  # an incremental build gives the clean build's bytes

    rng = random.Random(20261120)
    current, outcomes = "B", []
    for trial in range(TRIALS):
        target = "A" if current == "B" else "B"
        pupil.write_text(texts[target], encoding="utf-8")
        process = start(root, out)
        time.sleep(rng.uniform(0, seconds))
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=60)
        stderr = process.stderr.read()  # type: ignore[union-attr]
        process.stderr.close()  # type: ignore[union-attr]
        assert "Traceback" not in stderr
        found = tree_bytes(out)
        now = current if found == refs[current] else target if found == refs[target] else None
        assert now is not None, f"trial {trial}: after a kill the output is neither {current} nor {target}"
        outcomes.append((process.returncode, current, now))
        current = now
    killed = [o for o in outcomes if o[0] == -signal.SIGKILL]
    assert len(killed) >= TRIALS // 4, f"too few builds were interrupted to test anything: {outcomes}"

    # afterwards an ordinary build (of the input as the last trial left it) works and tidies what the killed builds left
    result = subprocess.run(command(root, out), cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert tree_bytes(out) == refs[target]
    assert leftovers(out) == []


def test_a_second_build_on_the_same_output_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    root = tmp_path / "school"
    assert run_cli("sample", "--pupils", "12", str(root)).returncode == 0
    out = tmp_path / "output"
    first = start(root, out, jobs=1)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".output.staging-*")):  # made just after the lock is taken
        assert first.poll() is None, first.stderr.read()  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        time.sleep(0.02)
    second = run_cli(*command(root, out)[3:])
    still_running = first.poll() is None
    _stdout, stderr = first.communicate(timeout=300)
    assert still_running, "the first build ended before the second tried; make the school bigger"
    assert second.returncode == 1 and "Traceback" not in second.stderr
    lock = tmp_path / ".output.lock"
    assert second.stderr.splitlines()[-1] == (
        f"mentorsite: another build (pid {first.pid}) holds the lock {lock} and is writing {out}; "
        "wait for it to finish and try again")
    assert first.returncode == 0, stderr
    assert leftovers(out) == [] and lock.is_file()
    pupils = sorted(p.stem for p in (root / "pupils").glob("*.yaml"))
    assert all((out / "families" / pid / "profile.pdf").is_file() for pid in pupils)
    assert all((out / "staff" / "pupils" / pid / "index.html").is_file() for pid in pupils)


# --- a build replaces only what a build made ----------------------------------------

@pytest.mark.parametrize("where", ["root", "pupils", "parent", "foreign", "file"])
def test_out_that_is_not_an_output_is_refused_and_untouched(tiny: Path, tmp_path: Path, where: str) -> None:
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "letter.txt").write_text("Dear parent", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a folder", encoding="utf-8")
    out = {"root": tiny, "pupils": tiny / "pupils", "parent": tmp_path, "foreign": foreign, "file": tmp_path / "notes.txt"}[where]
    before = tree_bytes(tmp_path)
    result = run_cli("build", "--root", str(tiny), "--out", str(out), "--as-of", AS_OF.isoformat())
    assert result.returncode == 2 and "Traceback" not in result.stderr
    line = result.stderr.splitlines()[-1]
    if where == "file":
        assert line == f"mentorsite: --out {out} is not a folder; choose a new or empty folder, or a previous output"
    else:
        assert line == (f"mentorsite: --out {out} already holds files that mentorsite did not build (it has no .mentorsite/ "
                        "folder), and a build replaces the whole folder; choose a new or empty folder")
    assert tree_bytes(tmp_path) == before
    assert sorted(p.name for p in out.parent.iterdir() if ".staging-" in p.name) == []


def test_an_empty_folder_and_a_previous_output_are_replaced(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    build(tiny, out, jobs=1, as_of=AS_OF)
    first = tree_bytes(out)
    build(tiny, out, jobs=1, as_of=AS_OF)
    assert tree_bytes(out) == first and leftovers(out) == []


def test_the_output_folder_keeps_the_permissions_the_school_gave_it(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(tiny, out, jobs=1, as_of=AS_OF)
    assert stat.S_IMODE(out.stat().st_mode) == 0o700  # new: nobody else may read staff/ until someone decides
    out.chmod(0o750)
    build(tiny, out, jobs=1, as_of=AS_OF)
    assert stat.S_IMODE(out.stat().st_mode) == 0o750


def test_a_build_killed_mid_swap_without_renameat2_is_recovered(tiny: Path, tmp_path: Path) -> None:
    """Where RENAME_EXCHANGE is missing the swap is two renames; a kill between them leaves only `.site.old`."""
    out = tmp_path / "site"
    build(tiny, out, jobs=1, as_of=AS_OF)
    good = tree_bytes(out)
    out.rename(tmp_path / ".site.old")
    (tmp_path / ".site.staging-dead").mkdir()
    (tmp_path / ".site.staging-dead" / "half.html").write_text("<p>half", encoding="utf-8")
    write.recover(out)
    assert tree_bytes(out) == good and leftovers(out) == []


def test_the_two_rename_swap_works_where_renameat2_is_missing(tiny: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(write, "_exchange", lambda _a, _b: False)
    out = tmp_path / "site"
    build(tiny, out, jobs=1, as_of=AS_OF)
    first = tree_bytes(out)
    build(tiny, out, jobs=1, as_of=AS_OF)
    assert tree_bytes(out) == first and leftovers(out) == []


def test_the_old_tree_is_put_aside_at_once_and_trash_a_dead_deletion_left_is_deleted_by_the_next_build(
        tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The swap does not wait for the old tree's deletion, yet nothing half-deleted is ever at the output's path."""
    out = tmp_path / "site"
    build(tiny, out, jobs=1, as_of=AS_OF)
    first = tree_bytes(out)
    wait_recycled(out)  # the first output's folders mirrored as the spare (trash until whole) before the trash below is counted
    deferred: list[Path] = []
    monkeypatch.setattr(write, "_recycle_detached", lambda trash, _spare: deferred.append(trash))  # never ran (the machine stopped)
    (tiny / "pupils" / "cal.yaml").write_text((tiny / "pupils" / "cal.yaml").read_text("utf-8").replace("Calloway", "Callum"), "utf-8")
    build(tiny, out, jobs=1, as_of=AS_OF)
    second = tree_bytes(out)
    trash = [p for p in tmp_path.iterdir() if p.name.startswith(".site.trash-")]
    assert len(trash) == 1 and tree_bytes(trash[0] / "tree") == first and second != first  # the old output, whole, aside
    assert oct(stat.S_IMODE(trash[0].stat().st_mode)) == oct(0o700)  # private while it waits
    monkeypatch.undo()
    build(tiny, out, jobs=1, as_of=AS_OF, report=lambda _m: None)  # nothing changed: no swap, so nothing tidied
    assert trash[0].exists()
    (tiny / "pupils" / "cal.yaml").write_text((tiny / "pupils" / "cal.yaml").read_text("utf-8").replace("Callum", "Calloway"), "utf-8")
    build(tiny, out, jobs=1, as_of=AS_OF)
    assert tree_bytes(out) == first and leftovers(out) == []


def test_stale_staging_of_another_output_is_left_alone(tiny: Path, tmp_path: Path) -> None:
    """Cleaning up `.out[1].staging-*` must not read the name as a glob and delete `.out1.staging-*` (another build's)."""
    other = tmp_path / ".out1.staging-live"
    other.mkdir()
    build(tiny, tmp_path / "out[1]", jobs=1, as_of=AS_OF)
    assert other.is_dir()


@pytest.mark.parametrize("rel", ["../escape.html", "/etc/x", "staff/../../x", "a//b", "./a", "a\\b"])
def test_staging_refuses_paths_outside_the_output(tmp_path: Path, rel: str) -> None:
    with write.Staging(tmp_path / "site") as staging:
        with pytest.raises(ValueError, match="not a safe output path"):
            staging.write(rel, b"x")
    assert not (tmp_path / "escape.html").exists() and leftovers(tmp_path / "site") == []


def test_staging_is_private_while_it_is_written(tmp_path: Path) -> None:
    with write.Staging(tmp_path / "site") as staging:
        assert stat.S_IMODE(staging.path.stat().st_mode) == 0o700


def test_the_old_tree_becomes_a_spare_of_folders_only_which_the_next_build_starts_from(tiny: Path, tmp_path: Path) -> None:
    """After a swap the old tree's files are deleted and its folders kept (`.site.spare`, 0700); the next build takes them.

    Whatever else is found in the spare is deleted before anything is written:
    a file, a link out of it, a hard link to a file of the live output (writing
    through it would change the output before the swap), a folder no output
    uses. The result is the tree a build from nothing makes.
    """
    out = tmp_path / "site"
    cal = tiny / "pupils" / "cal.yaml"
    build(tiny, out, jobs=1, as_of=AS_OF)
    cal.write_text(cal.read_text("utf-8").replace("Calloway", "Callum"), "utf-8")
    first_folders = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_dir())
    build(tiny, out, jobs=1, as_of=AS_OF)
    spare = write.spare_path(out)
    assert leftovers(out) == [] and spare.is_dir()
    assert sorted(p.relative_to(spare).as_posix() for p in spare.rglob("*")) == first_folders  # the old tree's folders, no file

    live = out / "staff" / "index.html"
    live_bytes = live.read_bytes()
    os.link(live, spare / "staff" / "index.html")
    (spare / "families" / "stray.txt").write_text("not ours", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me", encoding="utf-8")
    (spare / "staff" / "link").symlink_to(outside)
    (spare / "families" / "left" / "deep").mkdir(parents=True)
    with write.Staging(out) as staging:
        assert not spare.exists() and stat.S_IMODE(staging.path.stat().st_mode) == 0o700  # taken, and private again
        assert [p for p in staging.path.rglob("*") if not p.is_dir() or p.is_symlink()] == []  # it starts with no file
        staging.write("staff/index.html", b"<p>new")
        assert live.read_bytes() == live_bytes and outside.read_text("utf-8") == "keep me"
        staging.abort()

    cal.write_text(cal.read_text("utf-8").replace("Callum", "Calloway"), "utf-8")
    build(tiny, out, jobs=1, as_of=AS_OF)  # no spare now (the aborted staging took it): from nothing
    assert leftovers(out) == [] and spare.is_dir()
    (spare / "families" / "left" / "deep").mkdir(parents=True)
    (spare / "families" / "stray.txt").write_text("not ours", encoding="utf-8")
    (spare / "staff" / "index.html" / "inside").mkdir(parents=True)  # a folder where the build writes a page
    (spare / ".mentorsite" / "manifest.json").mkdir(parents=True)  # and where it writes its manifest (not carried over)
    cal.write_text(cal.read_text("utf-8").replace("Calloway", "Callum"), "utf-8")
    build(tiny, out, jobs=1, as_of=AS_OF)  # from the spare
    fresh = tmp_path / "fresh"
    build(tiny, fresh, jobs=1, as_of=AS_OF)
    assert tree_bytes(out) == tree_bytes(fresh)
    assert (sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_dir())
            == sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_dir()))
    assert leftovers(out) == []


def test_a_first_output_leaves_its_own_folders_as_the_spare_so_the_first_edit_starts_from_them(tiny: Path, tmp_path: Path) -> None:
    """A first build has no old tree to recycle: its folders (no file) become the spare, made in trash and renamed when whole."""
    out = tmp_path / "site"
    build(tiny, out, jobs=1, as_of=AS_OF)
    assert wait_recycled(out), "no spare after a first build"
    spare = write.spare_path(out)
    folders = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_dir())
    assert len(folders) > 5 and sorted(p.relative_to(spare).as_posix() for p in spare.rglob("*")) == folders  # folders only
    assert stat.S_IMODE(spare.stat().st_mode) == 0o700 and leftovers(out) == []
    cal = tiny / "pupils" / "cal.yaml"
    cal.write_text(cal.read_text("utf-8").replace("Calloway", "Callum"), "utf-8")
    with write.Staging(out) as staging:
        assert not spare.exists() and {p.relative_to(staging.path).as_posix() for p in staging.path.rglob("*")} == set(folders)
        staging.abort()
    build(tiny, out, jobs=1, as_of=AS_OF)
    fresh = tmp_path / "fresh"
    build(tiny, fresh, jobs=1, as_of=AS_OF)
    assert tree_bytes(out) == tree_bytes(fresh)


def test_recovery_takes_trash_out_of_a_late_recyclers_reach_before_deleting_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A recycler still at work when the next build starts must not move its tree to the spare from under `rm -rf`.

    Else the deletion goes on inside what became the spare, which the build then
    takes as its staging tree, and folders vanish as it writes (seen once in CI).
    `recover` renames each trash folder before it is deleted, so a recycler that
    comes late finds nothing by its path, and makes no spare from it.
    """
    from generator.output import recycle

    out = tmp_path / "site"
    out.mkdir()
    trash = tmp_path / f".site.{write.TRASH}-late"
    (trash / "tree" / "governors").mkdir(parents=True)
    mirror = tmp_path / f".site.{write.TRASH}-mirror"
    mirror.mkdir()
    handed: list[Path] = []
    monkeypatch.setattr(write, "_delete_detached", handed.extend)
    write.recover(out)
    assert sorted(p.name for p in handed) == sorted(f"{p.name}{write.GONE}" for p in (trash, mirror))
    assert not trash.exists() and not mirror.exists()
    recycle.recycle(str(trash), str(write.spare_path(out)))  # the recycler of the old tree, late
    recycle.mirror_folders(str(out), str(mirror), str(write.spare_path(out)))  # and a first build's mirroring, late
    assert not write.spare_path(out).exists()
    assert (tmp_path / f"{trash.name}{write.GONE}" / "tree" / "governors").is_dir()  # what is deleted holds what it held


def test_mirroring_never_replaces_a_spare_and_leaves_no_trash(tmp_path: Path) -> None:
    from generator.output import recycle

    tree = tmp_path / "site"
    (tree / "staff" / "pupils" / "cal").mkdir(parents=True)
    (tree / "staff" / "index.html").write_text("page", encoding="utf-8")
    (tree / "families" / "link").parent.mkdir(parents=True)
    (tree / "families" / "link").symlink_to(tmp_path, target_is_directory=True)  # a link is not followed, nor made
    spare = tmp_path / "spare"
    trash = tmp_path / "trash-1"
    trash.mkdir()
    recycle.mirror_folders(str(tree), str(trash), str(spare))
    assert sorted(p.relative_to(spare).as_posix() for p in spare.rglob("*")) == ["families", "staff", "staff/pupils", "staff/pupils/cal"]
    assert not trash.exists() and (tree / "staff" / "index.html").read_text("utf-8") == "page"
    (spare / "staff" / "mine").mkdir()
    trash = tmp_path / "trash-2"
    trash.mkdir()
    recycle.mirror_folders(str(tree), str(trash), str(spare))  # one is there: kept as it was
    assert (spare / "staff" / "mine").is_dir() and not trash.exists()


def test_a_spare_that_is_not_a_folder_of_ours_is_not_taken(tmp_path: Path) -> None:
    out = tmp_path / "site"
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "staff").mkdir(parents=True)
    write.spare_path(out).symlink_to(elsewhere, target_is_directory=True)
    with write.Staging(out) as staging:
        assert list(staging.path.iterdir()) == []
        staging.abort()
    assert (elsewhere / "staff").is_dir() and write.spare_path(out).is_symlink()


def test_recycling_keeps_folders_only_and_never_replaces_a_spare(tmp_path: Path) -> None:
    from generator.output import recycle

    def trash_with(name: str) -> Path:
        trash = tmp_path / f"trash-{name}"
        (trash / "tree" / "staff" / name).mkdir(parents=True)
        (trash / "tree" / "staff" / name / "index.html").write_text("x", encoding="utf-8")
        (trash / "tree" / "top.html").write_text("x", encoding="utf-8")
        return trash

    spare = tmp_path / "spare"
    recycle.recycle(str(trash_with("a")), str(spare))
    assert sorted(p.relative_to(spare).as_posix() for p in spare.rglob("*")) == ["staff", "staff/a"]
    assert stat.S_IMODE(spare.stat().st_mode) == 0o700 and not (tmp_path / "trash-a").exists()
    recycle.recycle(str(trash_with("b")), str(spare))  # a spare is there: this one is deleted instead
    assert sorted(p.relative_to(spare).as_posix() for p in spare.rglob("*")) == ["staff", "staff/a"]
    assert not (tmp_path / "trash-b").exists()
