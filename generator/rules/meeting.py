"""rules.meeting: exit readiness and who goes on which list of the progress meeting; pure, one definition for page and PDF."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from generator.rules.progress import Standing

Group = Literal["support", "excelled"]


def ready_to_exit(targets: Mapping[str, str], round_standings: Mapping[str, Standing | None]) -> bool:
    """P1: when all of a pupil's targets are met, their place on the programme is reviewed.

    Every target subject must have a grade in the current assessment round
    (`round_standings` holds the standing of this round's grade, or is
    missing the subject), and every one must be on or above target. A
    subject never assessed, or not assessed this round, is not "met".
    """
    if not targets:
        return False
    return all(round_standings.get(subject) in ("on", "above") for subject in targets)


def meeting_group(rows: Sequence[tuple[Standing | None, str | None]]) -> Group | None:
    """P5's progress meeting: who needs more support and who excelled, from each subject's (standing, pace).

    Support: below target or behind the expected pace in any subject.
    Excelled: above target or ahead of pace somewhere, and in need of support nowhere.
    """
    if any(standing == "below" or pace == "behind" for standing, pace in rows):
        return "support"
    if any(standing == "above" or pace == "ahead" for standing, pace in rows):
        return "excelled"
    return None


def raise_target(standing: Standing | None, status: str, scope: bool | str) -> bool:
    """P4, P5: above target, the target is raised — for mentees (`True`), for every pupil (`'all'`), or never (`False`)."""
    if standing != "above" or scope is False:
        return False
    return scope == "all" or status in ("referred", "active")
