"""Answers remembered for speed are the answers for the object asked about, never another's."""

from __future__ import annotations

from typing import Any

from generator.sources.validate import _site_index
from generator.views.common import per_school


class _School:
    """Stands in for SchoolFacts: per_school needs only identity and a weak reference."""


def test_per_school_remembers_one_school_and_recomputes_for_another() -> None:
    calls: list[Any] = []

    @per_school
    def answer(school: Any) -> object:
        calls.append(school)
        return object()

    first, second = _School(), _School()
    remembered = answer(first)  # type: ignore[arg-type]
    assert answer(first) is remembered and calls == [first]  # type: ignore[arg-type]
    assert answer(second) is not remembered and calls == [first, second]  # type: ignore[arg-type]
    assert answer(first) is not remembered and calls == [first, second, first]  # type: ignore[arg-type]


def test_the_site_index_follows_the_site() -> None:
    from pathlib import Path

    from generator.sources.inputs import load_school

    site = load_school(Path(__file__).resolve().parent.parent / "examples" / "p4-tracking").site
    mentor = next(s for s in site.staff if "mentor" in s.roles)
    other = site.model_copy(update={"staff": [mentor.model_copy(update={"id": "someone-else"})]})
    assert mentor.id in _site_index(site)[2]
    assert _site_index(other)[2] == ["someone-else"] and set(_site_index(other)[3]) == {"someone-else"}
    assert mentor.id in _site_index(site)[2]
