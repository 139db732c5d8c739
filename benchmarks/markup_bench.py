"""How long one note takes to convert when it is pathological Markdown, against ordinary prose of the same length.

Each case is a text `check` accepts (a note is at most 20,000 characters).
Every case runs in a child process with a time limit, so a quadratic or
crashing converter shows as "> LIMIT" or the exception's name rather than
stalling the benchmark. Before the bounds in generator/sources/mdbounds.py,
20,000 '[' took about 90 s and 2,000 '*' either side of a word raised
RecursionError.

    python benchmarks/markup_bench.py [--limit 120] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _prose(n: int) -> str:
    rng = random.Random(1)
    words = ["the", "pupil", "met", "her", "mentor", "and", "talked", "about", "*fractions*", "and", "**homework**", "at", "[the", "club](https://example.org)", "on", "`Tuesday`", "today"]
    paragraphs, length = [], 0
    while length < n:
        paragraph = " ".join(rng.choice(words) for _ in range(80))
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    return "\n\n".join(paragraphs)[:n]


CASES = {
    "ordinary prose, 20,000 chars": _prose(20_000),
    "20,000 '['": "[" * 20_000,
    "2,000 '*' + 'a' + 2,000 '*'": "*" * 2000 + "a" + "*" * 2000,
    "10,000 '*' + 'a' + 10,000 '*'": "*" * 10_000 + "a" + "*" * 10_000,
    "'[' * 10,000 + 'a' + ']' * 10,000": "[" * 10_000 + "a" + "]" * 10_000,
    "'[a](' * 5,000": "[a](" * 5000,
    "'![' * 10,000": "![" * 10_000,
    "'<a ' * 6,666": "<a " * 6666,
    "'- ' * 10,000 + 'a'": "- " * 10_000 + "a",
    "'<span>' * 3,000": "<span>" * 3000,
    "'a*' * 10,000": "a*" * 10_000,
    "'`a' * 10,000": "`a" * 10_000,
    "'\\'\"' * 10,000": "'\"" * 10_000,
}


def _convert(text: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from generator.sources import markup

    started = time.perf_counter()
    try:
        markup.render(text)
        queue.put(("ok", time.perf_counter() - started))
    except BaseException as err:  # noqa: BLE001 - reported, not raised: this is what the benchmark measures
        queue.put((type(err).__name__, time.perf_counter() - started))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=float, default=120.0, help="seconds allowed per case")
    parser.add_argument("--only", nargs="*", default=None, help="case names containing these words")
    args = parser.parse_args()
    print(f"{'case':40} {'result':16} seconds")
    for name, text in CASES.items():
        if args.only and not any(word in name for word in args.only):
            continue
        queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        child = multiprocessing.Process(target=_convert, args=(text, queue))
        child.start()
        child.join(args.limit)
        if child.is_alive():
            child.kill()
            child.join()
            print(f"{name:40} {'> limit':16} > {args.limit:.0f}", flush=True)
            continue
        result, seconds = queue.get()
        print(f"{name:40} {result:16} {seconds:7.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
