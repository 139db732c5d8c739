"""examples/ci: the workflow files parse, say what the school relies on (full history, annotations, today's date,
private staff and families' folders), and the commands in them succeed when run here."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from support import REPO, copy_site

CI = REPO / "examples" / "ci"


def _github() -> dict[Any, Any]:
    return yaml.safe_load((CI / "github-actions.yml").read_text(encoding="utf-8"))


def _gitlab() -> dict[str, Any]:
    return yaml.safe_load((CI / "gitlab-ci.yml").read_text(encoding="utf-8"))


def _steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_github_workflow_says_what_the_school_relies_on() -> None:
    workflow = _github()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"push", "schedule"} <= set(triggers)
    steps = _steps(workflow)
    checkouts = [s for s in steps if s.get("uses", "").startswith("actions/checkout")]
    assert checkouts and all(s["with"]["fetch-depth"] == 0 for s in checkouts)
    runs = [s["run"] for s in steps if "run" in s]
    assert "mentorsite check --format github" in runs
    assert any('--as-of "$(date -u +%F)"' in r for r in runs)
    pages = [s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact")]
    assert [s["with"]["path"] for s in pages] == ["output/governors"]
    private = [s["with"]["path"] for s in steps if s.get("uses", "").startswith("actions/upload-artifact")]
    assert sorted(private) == ["output/families", "output/staff"]
    assert not [s for s in steps if "cache" in s.get("uses", "")]
    assert workflow["permissions"] == {"contents": "read"}


def test_gitlab_file_says_what_the_school_relies_on() -> None:
    pipeline = _gitlab()
    assert pipeline["variables"]["GIT_DEPTH"] == 0
    build = pipeline["build"]
    assert build["artifacts"]["access"] == "developer" and build["cache"] == []
    assert any('--as-of "$(date -u +%F)"' in line for line in build["script"])
    assert pipeline["pages"]["script"] == ["rm -rf public && cp -r output/governors public"]
    assert pipeline["pages"]["artifacts"]["paths"] == ["public"]


def test_dockerfile_installs_the_runtime_libraries_the_readme_lists() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    runtime = ["libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core"]
    assert f"`{' '.join(runtime)}`" in readme
    docker = (CI / "Dockerfile").read_text(encoding="utf-8")
    assert all(package in docker for package in [*runtime, "git"])
    assert docker.splitlines()[-2:] == ['ENTRYPOINT ["mentorsite"]', 'CMD ["check"]']


def _commands() -> list[str]:
    """Every shell line in the two files that runs mentorsite or publishes its output, in order."""
    lines = [s["run"] for s in _steps(_github()) if "run" in s]
    pipeline = _gitlab()
    lines += [line for job in ("check", "build", "pages") for line in pipeline[job]["script"]]
    hook = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    lines += [h["entry"] for h in hook]
    return [line.split("   #")[0].strip() for line in lines
            if line.startswith("mentorsite ") or "output/governors public" in line]


def test_the_commands_in_the_ci_files_succeed_here(tmp_path: Path) -> None:
    commands = _commands()
    assert commands == [
        "mentorsite check --format github",
        'mentorsite build --jobs 2 --as-of "$(date -u +%F)" --out output',
        "mentorsite check",
        'mentorsite build --jobs 2 --as-of "$(date -u +%F)" --out output',
        "rm -rf public && cp -r output/governors public",
        "mentorsite check",
    ]
    school = copy_site("tiny", tmp_path)
    shim = tmp_path / "bin" / "mentorsite"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m generator "$@"\n', encoding="utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    env = {**os.environ, "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(REPO)}
    env.pop("MENTORSITE_DEBUG", None)
    for git in (["init", "-q", "-b", "main"], ["add", "-A"], ["-c", "user.name=CI", "-c", "user.email=ci@school.invalid",
                                                          "commit", "-q", "-m", "Records"]):
        subprocess.run(["git", *git], cwd=school, check=True, capture_output=True)
    for command in dict.fromkeys(commands):  # each distinct command once: the two builds are the same line
        result = subprocess.run(["bash", "-c", command], cwd=school, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{command}\n{result.stderr}"
    assert (school / "public" / "index.html").is_file()
    assert (school / "output" / "staff" / "index.html").is_file() and (school / "output" / "families").is_dir()
    assert not any("families" in p.parts or "staff" in p.parts for p in (school / "public").rglob("*"))


def test_check_format_github_annotates_the_file_and_line(tmp_path: Path) -> None:
    school = copy_site("tiny", tmp_path)
    cal = school / "pupils" / "cal.yaml"
    cal.write_text(cal.read_text(encoding="utf-8").replace("year: 7", "year: seven"), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "generator", "check", "--root", "tiny", "--format", "github"],
                            cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "::error file=tiny/pupils/cal.yaml,line=3,col=7,title=pupil.value.int::year: expected a whole number, got 'seven'"]
    assert result.stderr.splitlines()[0] == "pupils/cal.yaml:3:7: year: expected a whole number, got 'seven' [pupil.value.int]"


def test_annotation_escapes_what_the_runner_would_misread() -> None:
    from generator.commands.cli import _annotation
    from generator.sources.diagnostics import Diagnostic, Position

    line = _annotation(Path("."), Diagnostic("pupils/a,b:c.yaml", Position(2, 3), "x.y", "50% done"))
    assert line == "::error file=pupils/a%2Cb%3Ac.yaml,line=2,col=3,title=x.y::50%25 done"
