"""Packaging: the wheel holds every module and our templates, and the tool runs from it alone (not from the checkout)."""

from __future__ import annotations

import email.parser
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from support import AS_OF, REPO, copy_site


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built the way `pip install .` builds one, from a copy of the project (the checkout stays clean)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(REPO / name, source / name)
    for name in ("generator", "templates"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    dist = work / "dist"
    code = ("import sys; from setuptools import build_meta; "
            "print(build_meta.build_wheel(sys.argv[1]))")
    subprocess.run([sys.executable, "-c", code, str(dist)], cwd=source, check=True, capture_output=True, text=True)
    (built,) = dist.glob("*.whl")
    return built


def test_the_wheel_holds_every_module_and_template(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "generator").rglob("*.py")}
    templates = {"generator/" + p.relative_to(REPO).as_posix() for p in (REPO / "templates").rglob("*") if p.is_file()}
    assert modules - names == set()
    assert templates - names == set()
    assert "generator/views/__init__.py" in names and "generator/templates/shared/print.css" in names
    assert not any(n.startswith("templates/") for n in names)  # nothing at the top of site-packages


def test_the_wheel_says_it_runs_on_python_3_11_to_3_13(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
    fields = email.parser.Parser().parsestr(archive.read(metadata).decode("utf-8"))
    assert sorted(fields["Requires-Python"].split(",")) == ["<3.14", ">=3.11"]
    classifiers = set(fields.get_all("Classifier") or ())
    assert {"Programming Language :: Python :: 3.12", "Programming Language :: Python :: 3.13"} <= classifiers


def test_the_unpacked_wheel_builds_a_school_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    """Only the wheel's files on the path (the dependencies from this venv): templates come from inside the package."""
    site = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(site)
    root = copy_site("tiny", tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONSAFEPATH": "1"}
    env.pop("MENTORSITE_DEBUG", None)
    command = [sys.executable, "-P", "-m", "generator", "build", "--root", str(root), "--out", str(tmp_path / "out"),
               "--jobs", "1", "--as-of", AS_OF.isoformat()]
    result = subprocess.run(command, cwd=elsewhere, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "governors" / "index.html").is_file()
    assert not (tmp_path / "out" / "staff" / "assets" / "print.css").exists()
    ours = (REPO / "templates" / "shared" / "site.css").read_bytes()
    assert (tmp_path / "out" / "staff" / "assets" / "site.css").read_bytes() == ours
    where = subprocess.run([sys.executable, "-P", "-c", "import generator.output.templates as t; print(t.__file__, t.PACKAGED)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert where == [str(site / "generator" / "output" / "templates.py"), str(site / "generator" / "templates")]
