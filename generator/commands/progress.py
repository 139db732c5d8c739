"""progress: how a build's progress is shown — a bar on a terminal (rich), plain percentage lines otherwise; prints to stderr only.

The build itself never prints: it calls `update(stage, done, total)` and
`report(message)`; this module decides how those look. In a log (CI, cron)
a bar's control codes would be noise, so there each stage prints a line at
every tenth of the way instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

Say = Callable[[str], None]


class Lines:
    """Plain lines: `mentorsite: PDFs 40% (1,630/4,073)` each time a stage passes another tenth."""

    def __init__(self, stream: TextIO, quiet: bool) -> None:
        self.stream, self.quiet = stream, quiet
        self._shown: dict[str, int] = {}

    def update(self, stage: str, done: int, total: int) -> None:
        if self.quiet or total <= 0:
            return
        tenth = done * 10 // total
        if tenth > self._shown.get(stage, 0):
            self._shown[stage] = tenth
            print(f"mentorsite: {stage} {tenth * 10}% ({done:,}/{total:,})", file=self.stream, flush=True)

    def wrap(self, say: Say) -> Say:
        return say


class Bar:
    """A rich progress bar per stage; messages print above it."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.console = Console(file=stream, highlight=False)
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            console=self.console, transient=True)
        self._tasks: dict[str, Any] = {}

    def update(self, stage: str, done: int, total: int) -> None:
        if stage not in self._tasks:
            self._tasks[stage] = self.bar.add_task(stage, total=total)
        self.bar.update(self._tasks[stage], completed=done, total=total)

    def wrap(self, say: Say) -> Say:
        def printed(message: str) -> None:
            if say.__name__ == "_quiet":
                return
            self.console.print(f"mentorsite: {message}", markup=False)
        return printed


@contextmanager
def progress_for(stream: TextIO, *, quiet: bool) -> Iterator[Lines | Bar]:
    """A bar when `stream` is a terminal and not quiet, else plain lines (none at all when quiet)."""
    if quiet or not stream.isatty():
        yield Lines(stream, quiet)
        return
    shown = Bar(stream)
    with shown.bar:
        yield shown
