"""rules.schedule: when reviews, meetings and weekly logs fall due; pure, `today`/`now` is passed in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

DEFAULT_REVIEW_DAYS = 42
"""P2 reviews each mentee about every six weeks; a school sets its own interval in site.yaml."""

EARLY_REVIEW_DAYS = 7
"""A review held up to a week before its planned date is that review, brought forward."""

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def is_overdue(due: dt.date | None, today: dt.date) -> bool:
    """Overdue once the due date has passed; due today is not yet overdue (P2: a review 43 days after the last, at 42, is)."""
    return due is not None and today > due


def next_meeting(started_on: dt.date | None, meetings: Iterable[dt.date], every_days: int) -> dt.date | None:
    """P4: a formal mentor meeting once a month — due `every_days` after the last one (or the start)."""
    last = max(meetings, default=None) or started_on
    return last + dt.timedelta(days=every_days) if last else None


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def log_due_week(now: dt.datetime, due_day: str, due_time: dt.time) -> tuple[dt.date, dt.datetime]:
    """The newest week whose log deadline has passed at `now`, and that deadline.

    P3: the log for the previous week is due by the end of Monday lunch. At
    Monday 13:00 last week's log is due; at Monday 11:00 only the week
    before it is.
    """
    this_week = week_start(now.date())
    deadline = dt.datetime.combine(this_week + dt.timedelta(days=WEEKDAYS.index(due_day)), due_time)
    if now >= deadline:
        return this_week - dt.timedelta(days=7), deadline
    return this_week - dt.timedelta(days=14), deadline - dt.timedelta(days=7)


def log_overdue(logged_weeks: Iterable[dt.date], started_on: dt.date | None, now: dt.datetime,
                due_day: str, due_time: dt.time) -> dt.date | None:
    """The newest week whose log is overdue at `now` (Monday of that week), or None.

    A week before mentoring started owes no log.
    """
    week, _deadline = log_due_week(now, due_day, due_time)
    if started_on is not None and week + dt.timedelta(days=6) < started_on:
        return None
    return None if week in {week_start(w) for w in logged_weeks} else week


def logs_missing(logged_weeks: Iterable[dt.date], started_on: dt.date, now: dt.datetime, due_day: str,
                 due_time: dt.time, terms: Iterable[tuple[dt.date, dt.date]]) -> list[dt.date]:
    """Every school week since mentoring started whose log deadline has passed with no log, oldest first.

    P3: a log per week, due by Monday lunchtime for the week before. Weeks
    with no school day in any half term (holidays) owe nothing.
    """
    newest, _deadline = log_due_week(now, due_day, due_time)
    logged = {week_start(w) for w in logged_weeks}
    spans = list(terms)
    missing = []
    week = week_start(started_on)
    while week <= newest:
        friday = week + dt.timedelta(days=4)
        in_term = any(start <= friday and week <= end for start, end in spans)
        if in_term and week not in logged:
            missing.append(week)
        week += dt.timedelta(days=7)
    return missing


MAX_CYCLE_MONTHS = 120
"""A policy is reviewed at least every ten years; a longer cycle is a typing slip, not a policy."""

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18, "twenty four": 24}
_EVERY_YEAR = {"annual", "annually", "yearly", "every year", "each year", "once a year", "a year"}
_EVERY_TWO_YEARS = {"biennial", "biennially", "every other year"}
_UNIT_MONTHS = {"year": 12, "years": 12, "yearly": 12, "month": 1, "months": 1, "monthly": 1}
_CYCLE_WORDS = ("every ", "each ", "review ", "cycle ", "review cycle ")


def cycle_months(cycle: str) -> int | None:
    """The length of a policy review cycle written in words, in months, or None when it is not one this reads exactly.

    P4 gives a policy a review cycle ('2 years'). Reads '2 years', '18 months',
    '1 year 6 months', 'every 2 years', '2-year', 'two years', 'annually',
    'biennially'; only ASCII digits, at most ten years. Anything else is
    None, so validation can say so rather than guess.
    """
    text = " ".join(cycle.lower().replace("-", " ").strip().rstrip(".").split())
    written = text
    for word in _CYCLE_WORDS:
        text = text.removeprefix(word)
    text = text.removesuffix(" cycle").removesuffix(" review")
    for words, months in ((_EVERY_YEAR, 12), (_EVERY_TWO_YEARS, 24)):
        if written in words or text in words:
            return months
    for word, value in sorted(_NUMBER_WORDS.items(), key=lambda item: -len(item[0])):
        text = (" " + text + " ").replace(f" {word} ", f" {value} ").strip()
    parts = text.replace(" and ", " ").split()
    if not parts or len(parts) % 2 or len(parts) > 4:
        return None
    total = 0
    for number, unit in zip(parts[::2], parts[1::2]):
        if not (number.isascii() and number.isdigit() and len(number) <= 3) or unit not in _UNIT_MONTHS:
            return None
        total += int(number) * _UNIT_MONTHS[unit]
    return total if 1 <= total <= MAX_CYCLE_MONTHS else None


def add_cycle(start: dt.date, cycle: str | None) -> dt.date | None:
    """A review cycle written as words ('2 years', '18 months', 'annually') added to a date; None when it cannot be read."""
    months = cycle_months(cycle) if cycle else None
    if not months:
        return None
    year, month = divmod(start.month - 1 + months, 12)
    day = min(start.day, 28) if month + 1 == 2 else min(start.day, 30) if month + 1 in (4, 6, 9, 11) else start.day
    return dt.date(start.year + year, month + 1, day)


def policy_review(next_review: dt.date | None, today: dt.date, soon_days: int = 91) -> str:
    """'overdue', 'due' (within a term, about 13 weeks) or 'current' — 'unknown' when no review date can be found (P4: a review date and cycle)."""
    if next_review is None:
        return "unknown"
    if today > next_review:
        return "overdue"
    return "due" if (next_review - today).days <= soon_days else "current"


def review_due(started_on: dt.date | None, held: Iterable[dt.date], planned: Iterable[dt.date | None],
               interval_days: int | None = DEFAULT_REVIEW_DAYS) -> dt.date | None:
    """The date the next formal review is due, counting the reviews already held (P2: a review about every six weeks).

    A planned date (the register's `next_review`, the action plan's
    `review_on`) is the due date until a review is held on or after it, or
    at most a school week before it (a review brought forward a few days
    still counts; one held a fortnight earlier is the review that set the
    date). Once every planned date is satisfied, the next review is due one
    interval after the last one held, so a review held on its planned date
    is never "overdue", and the plan sent home and the register name the
    same date.
    """
    reviews = sorted(held)
    last = reviews[-1] if reviews else None
    early = dt.timedelta(days=min(EARLY_REVIEW_DAYS, (interval_days or DEFAULT_REVIEW_DAYS) // 2))
    open_plans = sorted(p for p in planned if p is not None and (last is None or last < p - early))
    if open_plans:
        return open_plans[0]
    anchor = last or started_on
    if anchor is None or interval_days is None:
        return None
    return anchor + dt.timedelta(days=interval_days)


def log_deadline(week_of: dt.date, due_day: str, due_time: dt.time,
                 terms: Iterable[tuple[dt.date, dt.date]] = ()) -> dt.datetime:
    """When the log for the week starting `week_of` is due: P3, by the end of Monday lunch the week after.

    A deadline that falls in a holiday (no half term holds it) moves to the
    same day of the first school week after it: there is no Monday lunch
    when the school is closed.
    """
    day = week_start(week_of) + dt.timedelta(days=7 + WEEKDAYS.index(due_day))
    spans = list(terms)
    if spans and not any(start <= day <= end for start, end in spans):
        later = [start for start, _end in spans if start > day]
        if later:
            first = min(later)
            while day < first:
                day += dt.timedelta(days=7)
    return dt.datetime.combine(day, due_time)


def log_late(week_of: dt.date, written_on: dt.datetime | dt.date | None, due_day: str, due_time: dt.time,
             terms: Iterable[tuple[dt.date, dt.date]] = ()) -> bool:
    """Whether a weekly log was written after its deadline (P3: complete by the end of Monday lunch for the previous week).

    A log with no `written_on` cannot be judged and is taken as on time. A
    bare date is late only when it is a day after the deadline's day, since
    the time it was written is not known.
    """
    if written_on is None:
        return False
    deadline = log_deadline(week_of, due_day, due_time, terms)
    if isinstance(written_on, dt.datetime):
        return written_on.replace(tzinfo=None) > deadline
    return written_on > deadline.date()


def term_of(half_term_index: int, half_terms: int) -> int:
    """Which term (autumn 0, spring 1, summer 2) a half term falls in: six half terms pair into three terms; any other
    number of assessment points makes each its own term."""
    return half_term_index // 2 if half_terms == 6 else half_term_index


def reviewed_in(dates: Iterable[dt.date], start: dt.date, end: dt.date) -> bool:
    """P5: every child is mentored at least once a term — whether any meeting falls inside [start, end]."""
    return any(start <= d <= end for d in dates)
