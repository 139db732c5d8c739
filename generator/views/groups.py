"""views.groups: P1's group mentoring plans, for staff only (the group plan PDF and each member's mentoring file); no I/O.

A group plan names its members to each other and to staff; it is never a
family's or governors' view (output.plan.AUDIENCE_VIEWS does not list it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.judge.derive import SchoolFacts
from generator.views.common import SchoolHeader, per_school, school_header


@dataclass(frozen=True)
class GroupMember:
    id: str
    name: str
    year: int
    form: str


@dataclass(frozen=True)
class GroupMeeting:
    date: dt.date
    what: str
    absent: tuple[str, ...]
    """Names of the members who missed it."""


@dataclass(frozen=True)
class GroupPlanSheet:
    """One group mentoring plan: who is in it, who runs it, its targets, strategies and sessions. Staff only."""

    header: SchoolHeader
    id: str
    name: str
    mentor: str
    members: tuple[GroupMember, ...]
    targets: tuple[str, ...]
    strategies: tuple[str, ...]
    sessions: tuple[GroupMeeting, ...]


def group_plans(school: SchoolFacts) -> tuple[GroupPlanSheet, ...]:
    """Every group plan the school's scheme lists (validation has made sure members and mentor exist)."""
    return _plans(school)[0]


@per_school  # every pupil's page asks for their groups: the plans are built once per school, not once per pupil
def _plans(school: SchoolFacts) -> tuple[tuple[GroupPlanSheet, ...], dict[str, tuple[GroupPlanSheet, ...]]]:
    """The plans, and each member's plans in the same order."""
    plans = _group_plans(school)
    members: dict[str, list[GroupPlanSheet]] = {}
    for plan in plans:
        for pid in dict.fromkeys(m.id for m in plan.members):
            members.setdefault(pid, []).append(plan)
    return plans, {pid: tuple(found) for pid, found in members.items()}


def _group_plans(school: SchoolFacts) -> tuple[GroupPlanSheet, ...]:
    pupils = {p.id: p for p in school.pupils}

    def name(pid: str) -> str:
        return pupils[pid].display_name if pid in pupils else pid

    out = []
    for g in school.site.scheme.paperwork.group_plans:
        members = tuple(GroupMember(pid, name(pid), pupils[pid].record.year, pupils[pid].record.form) for pid in g.members if pid in pupils)
        out.append(GroupPlanSheet(
            header=school_header(school), id=g.id, name=g.name, mentor=school.staff_name(g.mentor) or g.mentor,
            members=members, targets=tuple(g.targets), strategies=tuple(g.strategies),
            sessions=tuple(GroupMeeting(s.date, s.what, tuple(name(a) for a in s.absent))
                           for s in sorted(g.sessions, key=lambda s: s.date))))
    return tuple(out)


def groups_of(school: SchoolFacts, pupil_id: str) -> tuple[GroupPlanSheet, ...]:
    """The group plans a pupil is a member of, for their staff page and mentoring file."""
    return _plans(school)[1].get(pupil_id, ())


__all__ = ["GroupMeeting", "GroupMember", "GroupPlanSheet", "group_plans", "groups_of"]
