"""rules.sentences: the words a family reads on the half-term profile, chosen from facts and the as-of date; pure.

Every sentence is a function of the pupil's standing, attitude, plan dates
and `as_of`, so no sentence presents a past date as a plan and none
praises a pupil who is below target (P5: the profile goes home every half
term; P2: review details go home).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

ATTITUDE_WORDS = {"punctuality": "punctuality", "behaviour": "behaviour", "effort": "effort", "homework": "homework",
                  "uniform": "uniform", "attendance": "attendance"}


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def listed(words: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(words)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True)
class ProfileFacts:
    """What the family sentences are chosen from: nothing staff-only."""

    first_name: str
    below: tuple[str, ...]
    """Subjects below target now."""
    above: tuple[str, ...]
    on: tuple[str, ...]
    red: tuple[str, ...]
    """Attitude fields graded red in the latest half term."""
    persistent_absence: bool
    targets: tuple[tuple[str, dt.date | None], ...]
    """The action plan's targets (text, by)."""
    mentored: bool
    """An active mentee: the review sentence is theirs only."""
    review_due: dt.date | None
    """The next review from the schedule rule (the register's date)."""
    as_of: dt.date


@dataclass(frozen=True)
class ProfileSentences:
    summary: str
    attitude: str | None
    targets_ahead: tuple[tuple[str, dt.date | None], ...]
    """Plan targets still ahead at as_of: the next half term's targets."""
    targets_past: tuple[tuple[str, dt.date], ...]
    """Plan targets whose date has passed: shown as what the pupil has been working on, never as a plan."""
    next_steps: tuple[str, ...]
    review: str | None


def summary(facts: ProfileFacts) -> str:
    name = facts.first_name
    if facts.below:
        rest = len(facts.above) + len(facts.on)
        tail = f", and on or above target in {rest} other subject{'s' if rest != 1 else ''}" if rest else ""
        return f"{name} is below target in {listed(facts.below)}{tail}."
    if facts.above:
        return f"{name} is on or above target in every subject, and above target in {listed(facts.above)}."
    if facts.on:
        return f"{name} is on target in every subject."
    return f"{name} has no grades against targets yet this year."


def attitude(facts: ProfileFacts) -> str | None:
    concerns = [ATTITUDE_WORDS.get(f, f) for f in facts.red]
    if facts.persistent_absence:
        concerns.insert(0, "attendance")
    if not concerns:
        return None
    return f"Attitude to learning needs attention: {listed(concerns)} {'was' if len(concerns) == 1 else 'were'} a concern this half term."


def next_steps(facts: ProfileFacts, ahead: Sequence[tuple[str, dt.date | None]]) -> tuple[str, ...]:
    """Only when the plan sets no target ahead: steps from the facts, and praise only where nothing is below or red."""
    if ahead:
        return ()
    steps: list[str] = []
    if facts.below:
        where = "in each" if len(facts.below) > 1 else "there"
        steps.append(f"Next half term, the focus is {listed(facts.below)}: {facts.first_name}'s teachers will set a target "
                     f"{where} and say how to reach it.")
    concerns = (["attendance"] if facts.persistent_absence else []) + [ATTITUDE_WORDS.get(f, f) for f in facts.red]
    if concerns:
        steps.append(f"At home, please help with {listed(concerns)}.")
    if not steps:
        if facts.below or facts.above or facts.on:
            steps.append("Keep doing what is working: aim to stay on or above target in every subject.")
        else:
            steps.append("Targets will be set once the first grades of the year are in.")
    return tuple(steps)


def review(facts: ProfileFacts) -> str | None:
    """The review sentence: the next date when it is ahead; when it has passed, that the review is overdue — never a past date as a plan."""
    if not facts.mentored or facts.review_due is None:
        return None
    if facts.review_due >= facts.as_of:
        return f"We will look at these targets together again on {long_date(facts.review_due)}."
    return ("The review of these targets is overdue: "
            f"{facts.first_name}'s mentor will be in touch to arrange it.")


def sentences(facts: ProfileFacts) -> ProfileSentences:
    ahead = tuple((text, by) for text, by in facts.targets if by is None or by >= facts.as_of)
    past = tuple((text, by) for text, by in facts.targets if by is not None and by < facts.as_of)
    return ProfileSentences(summary(facts), attitude(facts), ahead, past, next_steps(facts, ahead), review(facts))
