"""The staff search index split into shards: pupils' pages spread by a stable hash of the id, one edited pupil
re-indexes only the main bundle and that pupil's shard (the rest carried over as hard links), empty shards have
no bundle and are not listed, and a bundle never takes a page of another audience."""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from support import AS_OF

from generator.build import build
from generator.output import search


def bundle_text(bundle: Path) -> str:
    return "\n".join(gzip.decompress(f.read_bytes()).decode("utf-8", errors="replace")
                     for f in sorted(bundle.rglob("*")) if f.is_file() and f.suffix.startswith(".pf_"))


def listed(out: Path, audience: str = "staff") -> list[str]:
    return json.loads((out / audience / search.SHARD_LIST).read_text(encoding="utf-8"))["bundles"]


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, list[str]]]:
    """Every call of search.index_shards a build makes: the bundles it was asked to index, with their pages."""
    calls: list[dict[str, list[str]]] = []
    real = search.index_shards

    def recording(site: Path, shards: Mapping[str, Sequence[str]]) -> dict[str, int]:
        calls.append({bundle: list(pages) for bundle, pages in shards.items()})
        return real(site, shards)

    monkeypatch.setattr(search, "index_shards", recording)
    return calls


def test_pupils_pages_are_spread_by_a_stable_hash_and_every_other_page_is_in_the_main_bundle() -> None:
    assert search.shard_of("staff/pupils/ada/index.html") == "staff/pagefind-07"  # fixed: never Python's salted hash()
    assert search.shard_of("staff/pupils/ada/mentoring-file.html") == "staff/pagefind-07"  # all of a pupil's pages together
    assert search.shard_of("staff/pupils/bex/index.html") == "staff/pagefind-06"
    for page in ("staff/index.html", "staff/pupils/index.html", "staff/register/index.html", "staff/caseloads/rbanks/index.html"):
        assert search.shard_of(page) == "staff/pagefind"
    assert search.shard_of("governors/pupils/ada/index.html") == "governors/pagefind"  # the governors' site is never sharded
    shards = search.plan_shards({f"staff/pupils/p{i:03}/index.html" for i in range(1500)} | {"staff/index.html", "governors/index.html",
                                                                                           "staff/pupils/p001/file.pdf", "families/x/index.html"})
    assert len(shards) == search.PUPIL_SHARDS + 2
    assert all(60 <= len(pages) <= 130 for bundle, pages in shards.items() if "-" in bundle)  # about 1,500 / 16 each (sd ≈ 9)
    assert shards["governors/pagefind"] == ["governors/index.html"] and "families/x/index.html" not in str(shards)
    assert not any(p.endswith(".pdf") for pages in shards.values() for p in pages)


def test_a_bundle_refuses_a_page_of_another_audience(tmp_path: Path) -> None:
    (tmp_path / "staff").mkdir()
    (tmp_path / "staff" / "index.html").write_text("<html><body data-pagefind-body>x</body></html>", encoding="utf-8")
    with pytest.raises(ValueError, match="not a page of governors/"):
        search.index_shards(tmp_path, {"governors/pagefind": ["staff/index.html"]})
    assert [p.name for p in tmp_path.iterdir()] == ["staff"]  # the scratch folder is gone
    assert search.index_shards(tmp_path, {}) == {}


def test_empty_shards_have_no_bundle_and_are_not_listed(tiny: Path) -> None:
    out = tiny / "output"
    build(tiny, out, jobs=1, as_of=AS_OF)
    expected = sorted({search.shard_of(f"staff/pupils/{p.stem}/index.html") for p in (tiny / "pupils").glob("*.yaml")})
    assert expected == ["staff/pagefind-06", "staff/pagefind-07"]  # three pupils: 14 of the 16 shards are empty
    assert listed(out) == ["pagefind-06", "pagefind-07"]
    assert sorted(p.name for p in (out / "staff").iterdir() if p.name.startswith("pagefind")) == [
        "pagefind", "pagefind-06", "pagefind-07", search.SHARD_LIST, search.WORDS]
    assert sorted(json.loads((out / "staff" / search.SHARD_LIST).read_text(encoding="utf-8"))["word_pages"].values()) == [
        "pagefind", "pagefind-06", "pagefind-07"]  # one word page per bundle, none for an empty shard
    assert listed(out, "governors") == []
    assert json.loads((out / "governors" / search.SHARD_LIST).read_text(encoding="utf-8"))["words"] is None  # one bundle: no words
    (tiny / "pupils" / "bex.yaml").unlink()  # shard 06 empties: its bundle goes and the list says so
    build(tiny, out, jobs=1, as_of=AS_OF)
    assert listed(out) == ["pagefind-07"] and not (out / "staff" / "pagefind-06").exists()
    assert sorted(json.loads((out / "staff" / search.SHARD_LIST).read_text(encoding="utf-8"))["word_pages"].values()) == [
        "pagefind", "pagefind-07"]
    assert "Bexley" not in bundle_text(out / "staff" / "pagefind") + bundle_text(out / "staff" / "pagefind-07")


def test_one_edited_pupil_re_indexes_only_the_main_bundle_and_that_pupils_shard(tiny: Path, spy: list[dict[str, list[str]]]) -> None:
    out = tiny / "output"
    build(tiny, out, jobs=1, as_of=AS_OF)
    assert set(spy[-1]) == {"staff/pagefind", "staff/pagefind-06", "staff/pagefind-07", "governors/pagefind"}  # cold: all
    untouched = inodes(out / "staff" / "pagefind-07")
    governors = inodes(out / "governors" / "pagefind")
    record = tiny / "pupils" / "bex.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("first_name: Bexley", "first_name: Bexwell", 1), encoding="utf-8")
    messages: list[str] = []
    build(tiny, out, jobs=1, as_of=AS_OF, report=messages.append)
    assert set(spy[-1]) == {"staff/pagefind", "staff/pagefind-06"}
    assert spy[-1]["staff/pagefind-06"] == ["staff/pupils/bex/index.html"]
    assert inodes(out / "staff" / "pagefind-07") == untouched and inodes(out / "governors" / "pagefind") == governors  # carried over
    assert any(m.startswith("search indexed") and "in 2 bundles (2 carried over)" in m for m in messages), messages
    shard = bundle_text(out / "staff" / "pagefind-06")
    assert "Bexwell" in shard and "Bexley" not in shard
    words = bundle_text(out / "staff" / search.WORDS)  # the word bundle follows, or site.js would not look in shard 06
    assert "bexwell" in words and "bexley" not in words
    build(tiny, out, jobs=1, as_of=AS_OF, report=messages.append)  # nothing changed: nothing indexed
    assert len(spy) == 2
