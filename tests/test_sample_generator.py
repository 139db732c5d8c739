"""The sample stage writes a deterministic, valid synthetic school (`mentorsite sample`)."""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import subprocess
import sys
from typing import Any

import pytest
import yaml

from generator.commands.sample import SampleRefused, write_sample

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIRST_DAY, LAST_DAY = dt.date(2026, 9, 1), dt.date(2026, 11, 20)
PUPIL_KEYS = {"first_name", "last_name", "year", "form", "mentor", "upn", "date_of_birth", "gender", "context",
              "baseline", "mentoring", "targets", "assessments", "attitude", "plan", "meetings", "contacts", "interventions"}


def _files(root: pathlib.Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _load(path: pathlib.Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _pupils(root: pathlib.Path) -> dict[str, dict[str, Any]]:
    return {p.stem: _load(p) for p in sorted((root / "pupils").glob("*.yaml"))}


def _dates(value: Any, path: str = "") -> list[tuple[str, dt.date]]:
    """Every date in a record, with its key path, so the offending field is named on failure."""
    if isinstance(value, dt.date):
        return [(path, value)]
    if isinstance(value, dict):
        return [d for k, v in value.items() for d in _dates(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [d for i, v in enumerate(value) for d in _dates(v, f"{path}[{i}]")]
    return []


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    root = tmp_path_factory.mktemp("school")
    write_sample(120, root)
    return root


def test_same_arguments_give_byte_identical_files(tmp_path: pathlib.Path) -> None:
    """The second run is another process with another string-hash seed, so set or hash order would show up here."""
    write_sample(60, tmp_path / "a", seed=7)
    script = "import pathlib, sys; from generator.commands.sample import SampleRefused, write_sample; write_sample(60, pathlib.Path(sys.argv[1]), seed=7)"
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "b")], check=True, env=env, cwd=ROOT)
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert list(first) == list(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_a_different_seed_gives_a_different_school(tmp_path: pathlib.Path) -> None:
    write_sample(60, tmp_path / "a", seed=1)
    write_sample(60, tmp_path / "b", seed=2)
    assert _files(tmp_path / "a") != _files(tmp_path / "b")


def test_writes_one_parseable_file_per_pupil(school: pathlib.Path) -> None:
    pupils = _pupils(school)
    assert list(pupils) == [f"p{i:05d}" for i in range(1, 121)]
    for stem, record in pupils.items():
        assert isinstance(record, dict), stem
        assert {"first_name", "last_name", "year", "form"} <= set(record), stem
        assert set(record) <= PUPIL_KEYS, stem
        assert 7 <= record["year"] <= 11 and record["form"].startswith(str(record["year"])), stem


def test_every_reference_resolves_against_site_yaml(school: pathlib.Path) -> None:
    site = _load(school / "site.yaml")
    scale_of = {s["id"]: site["scales"][s["scale"]]["grades"] for s in site["subjects"]}
    terms = {t["id"] for t in site["half_terms"]}
    mentors = {s["id"] for s in site["staff"] if "mentor" in s["roles"]}
    assert site["current_half_term"] in terms and len(scale_of) == 7
    for stem, record in _pupils(school).items():
        if "mentor" in record:
            assert record["mentor"] in mentors, stem
        graded = [*record["targets"].items(), *record["baseline"]["fft"].items(),
                  *(item for term, marks in record["assessments"].items() if term in terms for item in marks.items())]
        assert set(record["assessments"]) <= terms and set(record["attitude"]) <= terms, stem
        for subject, grade in graded:
            assert isinstance(grade, str) and grade in scale_of[subject], (stem, subject, grade)
        for item in record.get("interventions", []):
            assert item.get("subject", "maths") in scale_of, stem


def test_event_dates_fall_in_the_autumn_window(school: pathlib.Path) -> None:
    for stem, record in _pupils(school).items():
        for path, day in _dates({k: v for k, v in record.items() if k != "date_of_birth"}):
            assert FIRST_DAY <= day <= LAST_DAY, (stem, path, day)


def test_every_status_occurs_in_a_school_of_200(tmp_path: pathlib.Path) -> None:
    write_sample(200, tmp_path)
    statuses = [r.get("mentoring", {}).get("status", "none") for r in _pupils(tmp_path).values()]
    assert {s: statuses.count(s) for s in ("none", "referred", "active", "exited")} == {
        "none": 110, "referred": 20, "active": 50, "exited": 20}


def test_refuses_a_folder_with_files_and_leaves_them_alone(tmp_path: pathlib.Path) -> None:
    (tmp_path / "pupils").mkdir()
    (tmp_path / "pupils" / "keep-me.yaml").write_text("first_name: Keep\n", encoding="utf-8")
    with pytest.raises(SampleRefused):
        write_sample(5, tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in sorted(tmp_path.rglob("*"))] == ["pupils", "pupils/keep-me.yaml"]
    assert (tmp_path / "pupils" / "keep-me.yaml").read_text(encoding="utf-8") == "first_name: Keep\n"


def test_writes_policies_and_letters(tmp_path: pathlib.Path) -> None:
    write_sample(5, tmp_path)
    assert len(list((tmp_path / "content" / "policies").glob("*.md"))) == 2
    for letter in ("start-of-mentoring", "cannot-reach-you", "end-of-mentoring"):
        text = (tmp_path / "content" / "letters" / f"{letter}.md").read_text(encoding="utf-8")
        front, body = text.split("---\n")[1:3]
        assert set(yaml.safe_load(front)) == {"title"}, letter
        for field in ("pupil.first_name", "pupil.last_name", "mentor.name", "school", "date"):
            assert "{{ %s }}" % field in body, (letter, field)
