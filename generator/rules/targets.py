"""rules.targets: when a target change breaks the school's rules — one rule for `check` (the file as it is now) and for the git history finding; pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Entry:
    """One subject's target as written, in either form.

    Short: `maths: "5"`. Long: `maths: {grade: "5", was: "6", approved_by: head}`.
    Read from plain parsed values, so how a key was quoted cannot matter.
    """

    grade: str | None
    was: str | None = None
    approved_by: str | None = None


def _label(value: Any) -> str | None:
    """Grades are labels: 5 and "5" are the same grade; a boolean, a list or nothing is no grade."""
    if value is None or isinstance(value, (bool, dict, list)):
        return None
    return str(value)


def entry(value: Any) -> Entry:
    """A target value in the short or long form."""
    if isinstance(value, dict):
        approver = value.get("approved_by")
        return Entry(_label(value.get("grade")), _label(value.get("was")), None if approver is None else _label(approver))
    return Entry(_label(value))


def entries(record: Any) -> dict[str, Entry]:
    """Every subject's target in a parsed pupil record (any shape tolerated: old versions were never validated)."""
    block = record.get("targets") if isinstance(record, Mapping) else None
    if not isinstance(block, Mapping):
        return {}
    return {str(subject): entry(value) for subject, value in block.items()}


def lowered(grades: Sequence[str], was: str | None, now: str) -> bool:
    return lowered_from(grades, now, was) is not None


def lowered_from(grades: Sequence[str], now: str | None, *earlier: str | None) -> str | None:
    """The highest earlier grade `now` sits below on the scale, or None when the target was not lowered.

    P5: a target may be lowered only by SLT. "Earlier" is what the record
    itself says it was (`was`, long form) and what the previous version in
    git said (short form, or a `was` that was never written); a grade off the
    scale is left to validation.
    """
    if now is None or now not in grades:
        return None
    below = [g for g in earlier if g is not None and g in grades and grades.index(g) > grades.index(now)]
    return max(below, key=grades.index) if below else None


def may_lower(approver_roles: Sequence[str] | None, allowed_roles: Sequence[str]) -> bool:
    """P5: only SLT (or the roles the scheme names) may lower a target; None means nobody is named."""
    return approver_roles is not None and bool(set(approver_roles) & set(allowed_roles))


def problems(grades: Sequence[str], now: str, was: str | None, approver_roles: Sequence[str] | None,
             allowed_roles: Sequence[str], fft: str | None, floor_is_fft: bool, *,
             before: str | None = None) -> list[tuple[str, str]]:
    """(code, message) for each rule a target breaks.

    P5: a target may be lowered only by SLT, and never below the FFT estimate.
    `approver_roles` is None when nobody is named as approving the change;
    `before` is the grade the previous version in git held, for a target
    written without `was`.
    """
    out: list[tuple[str, str]] = []
    earlier = lowered_from(grades, now, was, before)
    if earlier is not None and not may_lower(approver_roles, allowed_roles):
        allowed = " or ".join(r.upper() if r == "slt" else r.replace("_", " ") for r in allowed_roles)
        if approver_roles is None:
            hint = ("add 'approved_by: <staff id>'" if was is not None
                    else f'write it as {{grade: "{now}", was: "{earlier}", approved_by: <staff id>}}')
            out.append(("target.lowered",
                        f"lowered from {earlier} to {now} with no approval; only {allowed} may lower a target — {hint}"))
        else:
            out.append(("target.lowered",
                        f"lowered from {earlier} to {now} but the approver is not {allowed}; only {allowed} may lower a target"))
    if floor_is_fft and fft is not None and fft in grades and now in grades and grades.index(now) < grades.index(fft):
        out.append(("target.below_fft", f"{now} is below the FFT estimate {fft}; a target may never be set below it"))
    return out
