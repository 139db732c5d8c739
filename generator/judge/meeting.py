"""judge.meeting: the progress meeting's lists, decided once for the page and the printed sheet; pure, no I/O.

P5: after each half term's round, who excelled, who needs more support;
P1: who has met every target and may leave mentoring; P2: whose review is
overdue. The staff page and the PDF sheet are both cut from `progress_lists`,
so they can never list different pupils.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.judge.derive import Action, PupilFacts, SchoolFacts, SubjectRow
from generator.rules import meeting
from generator.sources.schema import HalfTerm


@dataclass(frozen=True)
class Listed:
    pupil: PupilFacts
    subjects: tuple[SubjectRow, ...]
    """The subjects that put the pupil on this list."""


@dataclass(frozen=True)
class ProgressLists:
    current: HalfTerm
    round: HalfTerm | None
    """The half term whose grades were judged: the current one, or the latest before it with grades."""
    lacking: int
    """Pupils with targets and no grade yet for the current half term."""
    support: tuple[Listed, ...]
    excelled: tuple[Listed, ...]
    exit: tuple[Listed, ...]
    overdue: tuple[Action, ...]


def progress_lists(school: SchoolFacts) -> ProgressLists:
    """Every list of the meeting, in year then register order, from the rules in rules.meeting."""
    support, excelled, ready = [], [], []
    for p in sorted(school.pupils, key=lambda p: (p.record.year, p.sort_name)):
        group = meeting.meeting_group([(r.standing, r.pace) for r in p.subjects])
        if group == "support":
            support.append(Listed(p, tuple(r for r in p.subjects if r.standing == "below" or r.pace == "behind")))
        elif group == "excelled":
            excelled.append(Listed(p, tuple(r for r in p.subjects if r.standing == "above" or r.pace == "ahead")))
        if p.exit_ready:
            ready.append(Listed(p, tuple(r for r in p.subjects if r.round_standing)))
    overdue = tuple(a for a in school.actions if a.code == "review.overdue")
    return ProgressLists(school.current, school.round, len(school.lacking_round), tuple(support), tuple(excelled),
                         tuple(ready), overdue)
