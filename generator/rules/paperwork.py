"""rules.paperwork: when the policies' paperwork falls due — slips, agreements, missed sessions, surveys, Big Writes, agreed targets,
the closing call; pure, `today` is passed in.

Every function takes plain dates and counts and returns a due date (or
None when nothing is owed), so the dashboard, `mentorsite actions` and the
tests ask the same question the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

CODES = {
    "slip.waiting": "a mentoring slip not yet seen by the mentor (P4)",
    "agreement.unsigned": "the Agreement for Examination Success not signed and returned (P4)",
    "session.missed": "a missed session not yet followed up (P3, P4)",
    "session.escalate": "several sessions missed in a row: the lead mentor takes over (P3)",
    "survey.missing": "an attitude survey not sent or not returned (P2)",
    "bigwrite.missing": "no Big Write for a month (P5)",
    "target.unagreed": "a target not yet agreed with the pupil after the first assessment point (P1)",
    "exit.call": "mentoring ended with no closing call home (P3)",
}
"""Every action code this module can raise, with what it means: stable, for filters and `mentorsite actions`."""


def oldest_waiting(items: Iterable[tuple[dt.date, dt.date | None]], within_days: int) -> tuple[int, dt.date | None]:
    """P4: slips (sent on, seen on) not yet seen: how many, and when the oldest should have been seen by."""
    waiting = sorted(sent for sent, seen in items if seen is None)
    return len(waiting), (waiting[0] + dt.timedelta(days=within_days) if waiting else None)


def agreement_due(required: bool, sent_on: dt.date | None, returned_on: dt.date | None, within_days: int,
                  first_day: dt.date) -> dt.date | None:
    """P4: a pupil in an agreement year owes a signed agreement: due `within_days` after it was sent (or after the year began, if unsent)."""
    if not required or returned_on is not None:
        return None
    return (sent_on or first_day) + dt.timedelta(days=within_days)


def missed_not_followed(sessions: Sequence[tuple[dt.date, bool, dt.date | None]], within_days: int,
                        today: dt.date) -> list[dt.date]:
    """P3, P4: each missed session (date, attended, followed up on) not followed up: the dates it should have been by, oldest first.

    A session later today has not been missed yet, so only sessions before
    or on today count.
    """
    return sorted(day + dt.timedelta(days=within_days) for day, attended, followed in sessions
                  if not attended and followed is None and day <= today)


def missed_in_a_row(sessions: Sequence[tuple[dt.date, bool, bool]]) -> int:
    """P3: the run of missed sessions (date, attended, escalated) ending with the latest; an escalation resets the run."""
    run = 0
    for _day, attended, escalated in sorted(sessions, key=lambda s: s[0]):
        run = 0 if attended or escalated else run + 1
    return run


def survey_due(started_on: dt.date | None, sent_on: dt.date | None, returned: Sequence[dt.date | None],
               within_days: int) -> dt.date | None:
    """P2: the before survey is sent when mentoring starts and every rating comes back within `within_days`.

    Returns when it was (or is) due: after the start if never sent, after
    sending if a rating is still out; None when nothing is owed.
    """
    if sent_on is None:
        return started_on + dt.timedelta(days=within_days) if started_on else None
    if not returned or any(r is None for r in returned):
        return sent_on + dt.timedelta(days=within_days)
    return None


def big_write_due(dates: Iterable[dt.date], since: dt.date, every_days: int) -> dt.date:
    """P5: a Big Write every month — the next one is due `every_days` after the latest (or after `since`, the start)."""
    return max(dates, default=since) + dt.timedelta(days=every_days)


def target_unagreed(agreed_on: dt.date | None, first_point_end: dt.date, today: dt.date) -> dt.date | None:
    """P1: targets are agreed with the pupil after the first assessment point; once it has passed, an unagreed target is due."""
    if agreed_on is not None or today <= first_point_end:
        return None
    return first_point_end


def closing_call_due(exited_on: dt.date | None, closing_call: dt.date | None, within_days: int = 7) -> dt.date | None:
    """P3: withdrawal ends with a phone call home; due a week after mentoring ends."""
    if exited_on is None or closing_call is not None:
        return None
    return exited_on + dt.timedelta(days=within_days)


def survey_change(before: Sequence[Sequence[int]], after: Sequence[Sequence[int]]) -> list[tuple[float | None, float | None]]:
    """P2: the before/after comparison — per statement, the mean of the teachers' scores before and after (None when none)."""
    width = max((len(s) for s in [*before, *after]), default=0)

    def mean(rows: Sequence[Sequence[int]], i: int) -> float | None:
        values = [r[i] for r in rows if len(r) > i]
        return round(sum(values) / len(values), 1) if values else None

    return [(mean(before, i), mean(after, i)) for i in range(width)]


def self_assessment_differs(evidence: str | None, own: str | None) -> str | None:
    """P5: the pupil's mark against the evidence — 'higher', 'lower' or 'same' (None when either is missing). Order: . < / < X."""
    order = {".": 1, "/": 2, "X": 3}
    if evidence not in order or own not in order:
        return None
    a, b = order[own], order[evidence]
    return "same" if a == b else ("higher" if a > b else "lower")
