"""rules.targets: when a target change breaks the school's rules; pure."""

from __future__ import annotations

from typing import Sequence


def lowered(grades: Sequence[str], was: str | None, now: str) -> bool:
    return was is not None and was in grades and now in grades and grades.index(now) < grades.index(was)


def problems(grades: Sequence[str], now: str, was: str | None, approver_roles: Sequence[str] | None,
             allowed_roles: Sequence[str], fft: str | None, floor_is_fft: bool) -> list[tuple[str, str]]:
    """(code, message) for each rule a target breaks.

    P5: a target may be lowered only by SLT, and never below the FFT estimate.
    `approver_roles` is None when nobody is named as approving the change.
    """
    out: list[tuple[str, str]] = []
    if lowered(grades, was, now):
        allowed = " or ".join(r.upper() if r == "slt" else r.replace("_", " ") for r in allowed_roles)
        if approver_roles is None:
            out.append(("target.lowered", f"lowered from {was} to {now} with no approval; only {allowed} may lower a target — "
                                          f"add 'approved_by: <staff id>'"))
        elif not set(approver_roles) & set(allowed_roles):
            out.append(("target.lowered", f"lowered from {was} to {now} but the approver is not {allowed}; "
                                          f"only {allowed} may lower a target"))
    if floor_is_fft and fft is not None and fft in grades and now in grades and grades.index(now) < grades.index(fft):
        out.append(("target.below_fft", f"{now} is below the FFT estimate {fft}; a target may never be set below it"))
    return out
