"""UPNs: the DfE check letter is validated (python-stdnum), duplicates across files are refused, and every shipped UPN is valid."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from support import REPO

from generator.build import check
from generator.commands.sample import write_sample
from generator.sources.diagnostics import InvalidInput
from generator.sources.identifiers import upn_problem

CAL = (Path(__file__).parent / "sites" / "tiny" / "pupils" / "cal.yaml").read_text(encoding="utf-8")

CASES = [
    ("check-letter-wrong", CAL + "upn: A801200005001\n",
     "pupils/cal.yaml:8:6: upn: 'A801200005001' is not a valid UPN: its check letter does not match its digits; "
     "copy the UPN again from the MIS [pupil.upn.invalid]"),
    ("unknown-local-authority", CAL + "upn: E000200005001\n",
     "pupils/cal.yaml:8:6: upn: 'E000200005001' is not a valid UPN: '000' is not a local authority number; "
     "copy the UPN again from the MIS [pupil.upn.invalid]"),
]


@pytest.mark.parametrize("text, expected", [(t, e) for _i, t, e in CASES], ids=[i for i, _t, _e in CASES])
def test_bad_upn_is_one_located_line(make_school: Callable[..., Path], text: str, expected: str) -> None:
    root = make_school({"pupils/cal.yaml": text})
    with pytest.raises(InvalidInput) as caught:
        check(root)
    assert [d.format() for d in caught.value.diagnostics] == [expected]


def test_valid_upn_is_accepted(make_school: Callable[..., Path]) -> None:
    root = make_school({"pupils/cal.yaml": CAL + "upn: B801200005001\n"})
    assert check(root).pupils["cal"].upn == "B801200005001"


def test_the_same_upn_in_two_files_is_refused(make_school: Callable[..., Path]) -> None:
    root = make_school({"pupils/cal.yaml": CAL + "upn: B801200005001\n",
                        "pupils/cal-copy.yaml": CAL + "upn: b801200005001\n"})
    with pytest.raises(InvalidInput) as caught:
        check(root)
    assert [d.format() for d in caught.value.diagnostics] == [
        "pupils/cal.yaml:8:6: upn: 'B801200005001' is already the UPN of pupils/cal-copy.yaml; each pupil has their own UPN "
        "[pupil.upn.duplicate]"]


def _shipped_pupil_files() -> list[Path]:
    return sorted([*REPO.glob("pupils/*.yaml"), *REPO.glob("examples/*/pupils/*.yaml"), *REPO.glob("tests/sites/*/pupils/*.yaml")])


def test_every_shipped_upn_is_valid() -> None:
    upns = {p: yaml.safe_load(p.read_text(encoding="utf-8")).get("upn") for p in _shipped_pupil_files()}
    assert sum(1 for u in upns.values() if u) >= 40
    assert {str(p.relative_to(REPO)): upn_problem(u) for p, u in upns.items() if u and upn_problem(u)} == {}


def test_sample_upns_are_valid_and_unique(tmp_path: Path) -> None:
    write_sample(80, tmp_path)
    upns = [yaml.safe_load(p.read_text(encoding="utf-8"))["upn"] for p in sorted((tmp_path / "pupils").glob("*.yaml"))]
    assert len(upns) == 80 and len(set(upns)) == 80
    assert [u for u in upns if upn_problem(u)] == []
    assert all(re.fullmatch(r"[A-Z]821\d{9}", u) for u in upns)
