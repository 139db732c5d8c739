"""schemas/*.schema.json are generated from the models, accept every shipped file (short forms included) and reject a typo."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import jsonschema
import pytest
from support import REPO

from generator.sources import editorschema
from generator.sources.load import load_yaml


def _plain(value: Any) -> Any:
    """YAML as an editor's language server sees it: dates are strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


@pytest.mark.parametrize("name", sorted(editorschema.FILES))
def test_committed_schema_matches_the_models(name: str) -> None:
    committed = (REPO / "schemas" / name).read_text(encoding="utf-8")
    assert committed == editorschema.text(name), (
        f"schemas/{name} is out of date: run python -c \"from generator.sources import editorschema as e; "
        f"[open('schemas/'+n, 'w').write(e.text(n)) for n in e.FILES]\"")


GLOBS = {"pupil.schema.json": ["pupils/*.yaml", "examples/*/pupils/*.yaml", "tests/sites/*/pupils/*.yaml"],
         "site.schema.json": ["site.yaml", "examples/*/site.yaml", "tests/sites/*/site.yaml"]}


@pytest.mark.parametrize("name", sorted(GLOBS))
def test_every_shipped_file_is_valid_against_its_schema(name: str) -> None:
    validator = jsonschema.Draft202012Validator(json.loads((REPO / "schemas" / name).read_text(encoding="utf-8")))
    files = sorted(p for g in GLOBS[name] for p in REPO.glob(g))
    assert len(files) >= 5
    failures = {}
    for path in files:
        rel = path.relative_to(REPO).as_posix()
        errors = list(validator.iter_errors(_plain(load_yaml(path, rel).data)))
        if errors:
            failures[rel] = errors[0].message
    assert failures == {}


def test_short_forms_are_accepted_and_typos_are_not() -> None:
    validator = jsonschema.Draft202012Validator(editorschema.generate(editorschema.FILES["pupil.schema.json"], "pupil.schema.json"))
    base: dict[str, Any] = {"first_name": "Wren", "last_name": "Ashdown", "year": 8, "form": "8W"}
    good = base | {"targets": {"maths": 5, "english": "6", "science": {"grade": "4", "was": "5"}},
                   "assessments": {"au1": {"maths": 5}}, "upn": "b801200005001",
                   "criteria": {"maths": {"stage": 2, "record": {"a1": "cross", "a2": "/"}}}}
    assert list(validator.iter_errors(good)) == []
    assert [e.validator for e in validator.iter_errors(base | {"targts": {}})] == ["additionalProperties"]
    assert list(validator.iter_errors(base | {"year": "eight"}))


def _models(cls: type) -> list[type]:
    return [cls, *(m for sub in cls.__subclasses__() for m in _models(sub))]


def test_the_records_repr_is_pydantics_own() -> None:
    """`Strict.__repr__` is a faster copy of pydantic's (a view's digest is its repr, and a changed repr would rebuild every output)."""
    from pydantic import BaseModel

    from generator.sources.inputs import load_school
    from generator.sources.schema import Strict

    for model in _models(Strict):  # what the copy leaves out must not exist
        assert not model.__pydantic_computed_fields__, model
        assert all(field.repr for field in model.model_fields.values()), model
        assert model.model_config.get("extra") == "forbid", model
    seen = 0

    def check(value: Any) -> None:
        nonlocal seen
        if isinstance(value, Strict):
            assert repr(value) == BaseModel.__repr__(value)
            seen += 1
            for item in value.__dict__.values():
                check(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                check(item)
        elif isinstance(value, dict):
            for item in value.values():
                check(item)

    for root in [REPO, *sorted(p for p in (REPO / "examples").iterdir() if (p / "site.yaml").is_file())]:
        checked = load_school(root)
        check([checked.site, *checked.pupils.values()])
        check([meta for meta, *_rest in (*checked.policies.values(), *checked.letters.values())])
    assert seen > 1000  # nested models (meetings, targets, contacts…) of every shipped pupil
