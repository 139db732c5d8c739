"""diagnostics: located problems as values (`path:line:column: message [code]`); prints nothing."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, order=True)
class Position:
    """A 1-based line and column inside one source file."""

    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class Diagnostic:
    """One problem in one input file.

    `path` is relative to the root and always '/'-separated, so the same
    message reads the same on every machine and in CI logs.
    """

    path: str
    position: Position
    code: str
    message: str
    severity: Literal["error", "warning"] = "error"
    """A warning is located like an error but never fails `check` or `build`."""

    def format(self) -> str:
        """The one-line form every command prints: `path:line:column: message [code]` (`warning: ` before a warning's message)."""
        text = " ".join(self.message.split())
        flag = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.position.line}:{self.position.column}: {flag}{text} [{self.code}]"

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.position.line, self.position.column, self.code, self.message)


class InvalidInput(Exception):
    """Raised once, after every problem has been collected; carries them all."""

    exit_code = 1

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics), key=lambda d: d.sort_key)
        super().__init__(f"{len(self.diagnostics)} problem(s) in the input")


def warning(path: str, position: Position, code: str, message: str) -> Diagnostic:
    """A located warning: something a person should look at that does not make the input invalid (grades for a half
    term not yet started, a recorded grade the crosses contradict)."""
    return Diagnostic(path, position, code, message, "warning")


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' did you mean …?' suffix for a misspelt name, or '' when nothing is close."""
    if len(word) <= 2:  # '10' is not a typo of '1'; short words suggest nonsense
        return ""
    matches = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"; did you mean '{matches[0]}'?" if matches else ""


def one_of(choices: Iterable[str]) -> str:
    """'a', 'b' or 'c' — for messages that list what is allowed."""
    quoted = [f"'{c}'" for c in choices]
    if len(quoted) <= 1:
        return "".join(quoted)
    if len(quoted) > 12:
        return ", ".join(quoted[:12]) + f" … ({len(quoted)} in all)"
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]
