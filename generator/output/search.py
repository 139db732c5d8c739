"""search: Pagefind indexes for each web audience folder of a staged build, made offline before the swap.

Each audience gets its own indexes inside its own folder, built from that
folder's pages alone, so the governors' index can never hold a pupil's name.
The staff index is split into bundles (shards) so that editing one pupil
re-indexes a small part of it: `staff/pagefind/` holds every staff page that
is not a pupil's own (dashboard, register, lists, caseloads, years, …), and
`staff/pagefind-NN/` the pages under `staff/pupils/<id>/` of the pupils whose
id hashes to NN. `<audience>/pagefind-shards.json` lists the extra bundles;
site.js merges them into the main one in the browser (Pagefind's
`mergeIndex`), so one search box searches them all. `staff/pagefind-words/`
holds one page of words per bundle, so site.js can search only the bundles
that hold a query's words (see `words_page` for why). A bundle is indexed from
a scratch folder that hard-links just its pages with their layout in the
audience folder, so result URLs are the pages' own. Governors stay one bundle.

The binary comes from the pinned `pagefind_bin` wheel: nothing is
downloaded, and the same pages give the same index bytes. It must not render
or write anything but the indexes and the shard lists.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from generator.output.write import Staging

AUDIENCES = ("staff", "governors")
BUNDLE = "pagefind"
"""The main index folder inside each audience folder; templates/shared/base.html points its search box here."""
SHARDED = "staff"
"""The audience whose pupils' pages are spread over shards; the governors' site has too few pages to need it."""
PUPIL_SHARDS = 16
"""How many shards the pupils' pages are spread over. One edited pupil re-indexes the main bundle and one
shard (about 1/16 of the pupils' pages); the browser fetches one small entry file per shard on first search."""
SHARD_LIST = "pagefind-shards.json"
"""In each audience folder: the extra bundles site.js merges into the main one (empty shards have none)."""
WORDS = f"{BUNDLE}-words"
"""A sharded audience's word bundle: one page per bundle holding every word that bundle indexed (see `words_page`)."""
VOCABULARY = "words.txt"
"""In each bundle of a sharded audience: the words it indexed, kept so the word bundle is made without re-reading pages."""
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")
"""Pagefind's ready-made interfaces: site.js uses the small search API instead, so these are not shipped."""
RUNTIME = ("pagefind.js", "pagefind-worker.js")
"""A merged bundle is searched by the main bundle's script and WebAssembly, so shards do not ship their own."""
TIMEOUT = 300
PARALLEL = 2
"""Pagefind processes run at once when several bundles are indexed (a cold build makes 18)."""


class SearchIndexError(Exception):
    """Pagefind could not index a folder; the build stops and the previous output stays."""


@dataclass(frozen=True)
class Indexed:
    """What one build did to the search indexes: pages indexed per bundle re-made, and how many were carried over."""

    bundles: dict[str, int] = field(default_factory=dict)
    carried_over: int = 0
    words: tuple[str, ...] = ()
    """The word bundles made again (one per sharded audience whose bundles changed)."""

    def summary(self) -> str:
        if not self.bundles:
            return f"index unchanged ({self.carried_over} bundles carried over)"
        per_audience: dict[str, int] = {}
        for bundle, count in self.bundles.items():
            audience = bundle.split("/", 1)[0]
            per_audience[audience] = per_audience.get(audience, 0) + count
        pages = ", ".join(f"{n} {audience} pages" for audience, n in per_audience.items())
        words = f" and {len(self.words)} word bundle{'s' if len(self.words) != 1 else ''}" if self.words else ""
        return f"indexed {pages} in {len(self.bundles)} bundles ({self.carried_over} carried over){words}"


def executable() -> Path:
    """The Pagefind binary shipped inside the pinned `pagefind_bin` wheel (never one found on PATH)."""
    try:
        from pagefind_bin import get_executable  # type: ignore[import-untyped]
    except ImportError as error:
        raise SearchIndexError("the pagefind_bin package is missing; install mentorsite with its dependencies "
                               "(pip install -e .)") from error
    return Path(get_executable())


def shard_of(dest: str) -> str:
    """The bundle a page's words go in: its pupil's shard for a page under staff/pupils/<id>/, else its audience's main one.

    The shard is a stable hash of the pupil id (not Python's salted hash()),
    so every build puts a pupil in the same shard and adding a pupil changes one.
    """
    audience, _, page = dest.partition("/")
    parts = page.split("/")
    if audience == SHARDED and len(parts) >= 3 and parts[0] == "pupils":
        bucket = int.from_bytes(hashlib.blake2b(parts[1].encode("utf-8"), digest_size=8).digest(), "big") % PUPIL_SHARDS
        return f"{audience}/{BUNDLE}-{bucket:02d}"
    return f"{audience}/{BUNDLE}"


def plan_shards(pages: Iterable[str]) -> dict[str, list[str]]:
    """Every bundle to build, as `{bundle: [page paths]}` (paths under the output, sorted); a bundle with no page is absent."""
    shards: dict[str, list[str]] = {}
    for dest in sorted(pages):
        if dest.endswith(".html") and dest.split("/", 1)[0] in AUDIENCES:
            shards.setdefault(shard_of(dest), []).append(dest)
    return dict(sorted(shards.items()))


def stale_shards(shards: Mapping[str, Sequence[str]], previous: Mapping[str, Sequence[str]],
                 rendered: Collection[str]) -> set[str]:
    """Bundles whose index must be made again: a page in it was rendered this build, or its set of pages changed."""
    stale = {shard_of(dest) for dest in rendered if dest.endswith(".html")}
    stale |= {bundle for bundle, pages in shards.items() if list(pages) != list(previous.get(bundle, ()))}
    return stale & set(shards)


def extra_bundles(shards: Iterable[str], audience: str) -> list[str]:
    """An audience's bundles besides its main one, by folder name (its shards); none for an audience in one bundle."""
    return sorted(b.split("/", 1)[1] for b in shards if b.split("/", 1)[0] == audience and b != f"{audience}/{BUNDLE}")


def shard_list(shards: Iterable[str], audience: str, word_pages: Mapping[str, str] | None = None) -> bytes:
    """The JSON site.js reads from `<audience>/pagefind-shards.json`: the audience's shards, its word bundle, and which
    bundle each word page stands for (by the page's Pagefind id, as search results give it)."""
    extra = extra_bundles(shards, audience)
    listed = {"bundles": extra, "words": WORDS if extra else None, "word_pages": dict(sorted((word_pages or {}).items()))}
    return (json.dumps(listed, indent=1) + "\n").encode("utf-8")


def update(staging: Staging, out: Path, pages: Collection[str], previous_pages: Collection[str],
           rendered: Collection[str]) -> Indexed:
    """Bring every bundle up to date in the staging tree: re-index the stale ones, carry the others over from `out`.

    `pages` are this build's web pages, `previous_pages` the last build's (from
    its manifest), `rendered` the pages this build rendered rather than carried over.
    """
    shards = plan_shards(pages)
    stale = stale_shards(shards, plan_shards(previous_pages), rendered)
    to_index: dict[str, list[str]] = {}
    carried = 0
    for bundle, members in shards.items():
        if bundle not in stale and _carry_over(staging, bundle, out / bundle):
            carried += 1
        else:
            to_index[bundle] = members
    counts = index_shards(staging.path, to_index)
    words: list[str] = []
    for audience in sorted({d.split("/", 1)[0] for d in pages} & set(AUDIENCES)):
        rel = f"{audience}/{SHARD_LIST}"
        mine = [b for b in shards if b.split("/", 1)[0] == audience]
        word_pages: dict[str, str] = {}
        if extra_bundles(shards, audience):
            for bundle in (b for b in mine if b in to_index):
                (staging.path / bundle / VOCABULARY).write_text("\n".join(vocabulary(staging.path / bundle)) + "\n", "utf-8")
            words_rel = f"{audience}/{WORDS}"
            unchanged = not any(b in to_index for b in mine) and set(plan_shards(previous_pages)) == set(shards)
            if not (unchanged and _carry_over(staging, words_rel, out / words_rel)):
                index_words(staging.path, audience, mine)
                words.append(words_rel)
            word_pages = _word_pages(staging.path / words_rel)
        staging.write_or_reuse(rel, shard_list(shards, audience, word_pages), out / rel)
    return Indexed(counts, carried, tuple(words))


def index_words(site: Path, audience: str, bundles: Sequence[str]) -> None:
    """Make `<audience>/pagefind-words/` from the word lists of the audience's bundles (already in `site`)."""
    scratch = Path(tempfile.mkdtemp(prefix=".search-", dir=site))
    try:
        for bundle in bundles:
            folder = site / bundle
            vocabulary_file = folder / VOCABULARY
            words = (vocabulary_file.read_text("utf-8").split() if vocabulary_file.is_file() else vocabulary(folder))
            (scratch / f"{bundle.split('/', 1)[1]}.html").write_bytes(words_page(_language(folder), words))
        output = site / audience / WORDS
        index_folder(executable(), scratch, output, name=f"{audience}/{WORDS}")
        _strip_runtime(output)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _word_pages(bundle: Path) -> dict[str, str]:
    """Each word page's Pagefind id (its fragment's name) → the bundle it stands for (the page's file name)."""
    pages: dict[str, str] = {}
    for fragment in sorted((bundle / "fragment").glob("*.pf_fragment")):
        raw = gzip.decompress(fragment.read_bytes()).decode("utf-8")
        url = str(json.loads(raw[raw.index("{"):]).get("url", ""))
        pages[fragment.name.removesuffix(".pf_fragment")] = url.strip("/").removesuffix(".html")
    return pages


def _language(bundle: Path) -> str:
    """The language Pagefind found in a bundle's pages, so its word page lands in the same language index."""
    try:
        languages = json.loads((bundle / "pagefind-entry.json").read_text("utf-8")).get("languages", {})
    except (OSError, ValueError) as error:
        raise SearchIndexError(f"Pagefind wrote no index in {bundle}") from error
    return str(sorted(languages)[0]) if languages else "en"


def _strip_runtime(bundle: Path) -> None:
    for name in RUNTIME:
        (bundle / name).unlink(missing_ok=True)
    for wasm in bundle.glob("wasm.*.pagefind"):
        wasm.unlink()


def vocabulary(bundle: Path) -> list[str]:
    """Every word a bundle indexed, lower-cased and sorted: the text and metadata of its fragments, which are exactly what
    Pagefind indexed (so nothing from a `data-pagefind-ignore` part of a page, nor from outside `data-pagefind-body`)."""
    words: set[str] = set()
    for fragment in sorted((bundle / "fragment").glob("*.pf_fragment")):
        try:
            raw = gzip.decompress(fragment.read_bytes()).decode("utf-8")
            data = json.loads(raw[raw.index("{"):])
        except (OSError, ValueError) as error:
            raise SearchIndexError(f"unreadable Pagefind fragment {fragment}: {error}") from error
        texts = [str(data.get("content", ""))] + [str(v) for v in (data.get("meta") or {}).values()]
        words.update(w.lower() for text in texts for w in text.split())
    return sorted(words)


def words_page(language: str, words: Iterable[str]) -> bytes:
    """The word bundle's page for one bundle: all its words (its file name names the bundle).

    Pagefind answers a word that no page starts with by the longest indexed
    word it starts with ("lomax" by "l" from "Miss L. Fairbrother"). It does
    that per bundle, so a shard without the word would answer with such
    stand-ins even when another shard has it. site.js first searches this
    bundle, which holds every bundle's words, to learn which bundles hold the
    query's words, and then searches only those: the results are those one
    index over every page would give.
    """
    body = " ".join(html.escape(w, quote=False) for w in words)
    # no <title>: its words would be indexed too, and a query for them would send site.js to every bundle
    return (f'<!doctype html>\n<html lang="{html.escape(language)}"><head><meta charset="utf-8"></head>\n'
            f'<body data-pagefind-body><p>{body}</p></body></html>\n').encode()


def _carry_over(staging: Staging, bundle: str, previous: Path) -> bool:
    """Link the previous build's bundle into the staging tree; on any gap, leave nothing half-carried (it is re-indexed)."""
    if staging.reuse_tree(bundle, previous):
        return True
    staging.drop_tree(bundle)
    return False


def index_shards(site: Path, shards: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Index each bundle from just its pages (paths under `site`); returns the number of pages indexed per bundle.

    Each bundle's pages are hard-linked into a scratch folder with their
    layout inside the audience folder, and Pagefind runs on that folder, so a
    bundle can hold nothing but its own pages and its URLs are the pages' own.
    """
    if not shards:
        return {}
    binary = executable()
    scratch = Path(tempfile.mkdtemp(prefix=".search-", dir=site))
    try:
        folders: dict[str, Path] = {}
        for bundle, members in shards.items():
            audience = bundle.split("/", 1)[0]
            folders[bundle] = folder = scratch / bundle.replace("/", "_")
            for dest in members:
                if dest.split("/", 1)[0] != audience:
                    raise ValueError(f"{dest} is not a page of {audience}/, so it cannot go in {bundle}")
                target = folder / dest.split("/", 1)[1]
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(site / dest, target)
                except OSError:
                    shutil.copyfile(site / dest, target)

        def index(bundle: str) -> int:
            count = index_folder(binary, folders[bundle], site / bundle, name=bundle)
            if bundle != f"{bundle.split('/', 1)[0]}/{BUNDLE}":
                _strip_runtime(site / bundle)
            return count

        # Pagefind processes side by side: each bundle's bytes depend on its pages alone, so the order they finish in does not matter
        with ThreadPoolExecutor(max_workers=min(PARALLEL, len(folders))) as pool:
            return dict(zip(folders, pool.map(index, folders)))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def index_folder(binary: Path, folder: Path, output: Path, name: str) -> int:
    """Run Pagefind on one folder, writing the bundle at `output`; only pages' `data-pagefind-body` content is indexed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}  # no stray configuration
    try:
        done = subprocess.run([str(binary), "--site", str(folder), "--output-path", str(output), "--silent"],
                              cwd=folder, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SearchIndexError(f"could not run Pagefind on {name}/: {error}") from error
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise SearchIndexError(f"Pagefind failed on {name}/ (exit {done.returncode})"
                               + (f": {detail[-1]}" if detail else ""))
    for unused in UNUSED:
        (output / unused).unlink(missing_ok=True)
    return _page_count(output)


def _page_count(bundle: Path) -> int:
    try:
        entry = json.loads((bundle / "pagefind-entry.json").read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise SearchIndexError(f"Pagefind wrote no index in {bundle}") from error
    return sum(int(lang.get("page_count", 0)) for lang in entry.get("languages", {}).values())
