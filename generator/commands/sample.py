"""sample: writes a synthetic school; no other stage depends on it. Must not read the clock, use hash/set order, or delete files."""

from __future__ import annotations

import bisect
import itertools
import json
import math
import pathlib
import random
import re
import textwrap
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Generic, TypeVar

import yaml

from generator.sources.identifiers import make_upn

T = TypeVar("T")
Record = dict[str, Any]

@dataclass(frozen=True)
class Weights(Generic[T]):
    """Values with cumulative weights, built once so each draw is one bisect."""

    values: tuple[T, ...]
    cumulative: tuple[int, ...]


def _table(*pairs: tuple[T, int]) -> Weights[T]:
    return Weights(tuple(v for v, _ in pairs), tuple(itertools.accumulate(w for _, w in pairs)))


SCHOOL = "Larkfield Rise Academy"
FIRST_DAY, LAST_DAY = date(2026, 9, 1), date(2026, 11, 20)
"""Every dated event in a pupil record falls in this window ("today" is the end of it)."""
HALF_TERMS = (("au1", "Autumn 1", "2026-09-03", "2026-10-23"), ("au2", "Autumn 2", "2026-11-02", "2026-12-18"),
              ("sp1", "Spring 1", "2027-01-05", "2027-02-12"), ("sp2", "Spring 2", "2027-02-22", "2027-03-26"),
              ("su1", "Summer 1", "2027-04-12", "2027-05-28"), ("su2", "Summer 2", "2027-06-07", "2027-07-21"))
SUBJECTS = (("maths", "Mathematics"), ("english", "English"), ("science", "Science"), ("history", "History"),
            ("geography", "Geography"), ("french", "French"), ("art", "Art and Design"))
SUBJECT_IDS = {name: ident for ident, name in SUBJECTS}
GRADES = tuple(str(g) for g in range(1, 10))
YEARS = (7, 8, 9, 10, 11)
FORM_LETTERS = "KLMNPRSTVWABCDEFGHJY"
STATUS_SHARES = (("none", 55), ("referred", 10), ("active", 25), ("exited", 10))
MENTEES_PER_MENTOR = 25

FEMALE = ("Amira Olivia Amelia Isla Ava Mia Ivy Lily Freya Grace Sophia Aisha Fatima Maryam Zainab Hannah Chloe Ella "
          "Evie Poppy Niamh Siobhan Ffion Cerys Eilidh Priya Ananya Simran Harpreet Mei Chiamaka Adaeze Folake Abena "
          "Nia Kezia Zofia Maja Oliwia Lena Ioana Bianca Sofia Leah Jasmine Ruby Phoebe Zoë Siân Tia Imani Yasmin "
          "Hafsa Aleena Sara Daisy Matilda Erin Thandiwe Rosa").split()
MALE = ("Oliver George Noah Arthur Leo Harry Oscar Archie Jack Muhammad Yusuf Ibrahim Omar Ali Hamza Ayaan Arjun "
        "Rohan Dev Harjit Kai Wei Jun Chidi Emeka Tobi Kwame Kofi Jayden Tyrese Malachi Callum Euan Rhys Dylan Owen "
        "Cian Seán Oisín Jakub Kacper Mateusz Luca Matei Andrei Finley Alfie Theo Reuben Samuel Ethan Joshua Lewis "
        "Kieran Bilal Zain Idris Ezra Ahmed Rafael Tomás").split()
ANY_NAME = FEMALE + MALE
SURNAMES = ("Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Walker Wright Robinson "
            "Thompson White Hughes Edwards Green Hall Wood Harris Lewis Martin Jackson Clarke Turner Hill Scott Cooper "
            "Morris Ward Moore King Watson Baker Harrison Morgan Patel Young Allen Mitchell James Anderson Phillips Lee "
            "Bell Parker Khan Hussain Ahmed Ali Begum Shah Iqbal Akhtar Rahman Islam Singh Kaur Sharma Gill Sandhu "
            "Chauhan Okafor Adeyemi Okoro Mensah Boateng Asante Osei Nwosu Campbell Grant Francis Reid Murray "
            "MacDonald Fraser O'Brien O'Connor Murphy Kelly Byrne Doherty Kowalski Nowak Wiśniewski Popescu Ionescu "
            "Silva Santos Chen Wang Li Nguyen Tran Kim Yilmaz Demir Papadopoulos Rossi Hassan Mohamed Abdi Warsame "
            "Ahmadi Lloyd-Evans Bailey-Ross").split()
ETHNICITIES = _table(("White British", 58), ("White Other", 9), ("Pakistani", 7), ("Indian", 5), ("Bangladeshi", 3),
               ("Black African", 6), ("Black Caribbean", 3), ("Mixed White and Black Caribbean", 3),
               ("Mixed Other", 2), ("Chinese", 2), ("Any other ethnic group", 2))
COLOURS = _table(("green", 70), ("yellow", 22), ("red", 8))
MENTEE_COLOURS = _table(("green", 40), ("yellow", 38), ("red", 22))
GENDERS = _table(("F", 49), ("M", 49), ("X", 2))
SEN = _table(("N", 85), ("K", 12), ("E", 3))
PUPIL_AU1 = _table((-2, 5), (-1, 25), (0, 45), (1, 20), (2, 5))
MENTEE_AU1 = _table((-2, 20), (-1, 40), (0, 30), (1, 10))
"""Mentees sit mostly below target at au1: that is usually why they were referred."""
PUPIL_AU2 = _table((-1, 20), (0, 60), (1, 20))
MENTEE_AU2 = _table((-1, 10), (0, 50), (1, 40))
OUTCOMES = _table(("reached", 50), ("no answer", 20), ("message left", 15), ("replied", 15))
METHODS = _table(("phone", 60), ("letter", 15), ("meeting", 10), ("email", 15))
INTERVENTION_OUTCOMES = _table(("improved", 55), ("no change", 30), ("stopped", 15))

REFERRERS = ("Head of Year {year}", "Form tutor", "Head of {subject_name}", "Attendance officer", "{hoy}", "{senco}", "{slt}")
EXIT_REASONS = ("targets met", "targets met in all but one subject", "sound progress; moved to light-touch monitoring",
                "no impact after three reviews; referred to pastoral support", "left the school")
OPENERS = ("Talked through the {subject} assessment and where the marks were lost.",
           "Went through the planner together: {n} pieces of homework logged since we last met.",
           "Looked at the latest report with {name}.", "Checked in on how the week had gone.",
           "Started by going over attendance since the last meeting.",
           "{name} came prepared and had already filled in the self-assessment sheet.",
           "Short meeting; {name} was late from break and a little unsettled.",
           "Reviewed progress against the action plan targets.")
MIDDLES = ("{name} says {subject} lessons move too fast and would like more worked examples.",
           "Punctuality is better: on time every day last week.", "Homework in {subject} is still being missed.",
           "{name} is proud of the {subject} test result and wants to keep it up.",
           "We agreed that revision cards work better than re-reading notes.",
           "Friendship worries are affecting concentration in the afternoons.",
           "The {subject} teacher reports better focus and more questions asked in class.",
           "Behaviour points are down to **one** this fortnight.",
           "{name} finds it hard to start extended writing and freezes on the first line.",
           "Mornings are the problem: {name} is often tired and misses breakfast.",
           "{name} has joined the lunchtime chess club and seems more settled.",
           "Missed one session last week; {name} said a cover lesson ran over.",
           "The {subject} book shows much neater, fuller work this half term.")
KIND_OPENERS = {
    "review": ("Six-week review of the action plan.", "Formal review: went through each target with {name} and the evidence."),
    "parents": ("Met {name} with a parent to go over the plan.",
                "Parents' meeting after the latest report; {name} joined for the second half."),
    "group": ("Group session on revision planning with three other mentees.",
              "Small-group session on organisation and planners."),
}
CLOSERS = ("Next meeting in two weeks.", "I will check in with the {subject} teacher before Friday.",
           "Copy of the updated targets to go home.", "Praise postcard to be sent home.",
           "Will look at the planner again on Monday.")
ACTIONS = ("Bring the planner every day", "Attend {subject} homework club on Tuesday", "Make ten revision cards for {subject}",
           "Ask the {subject} teacher for feedback on the last test", "Arrive at registration by 8:40",
           "Read for twenty minutes four nights a week", "Hand in the {subject} project draft")
KINDS = _table(("one-to-one", 60), ("review", 20), ("parents", 10), ("group", 10))
CONTACT_WITH = ("Mother", "Father", "Carer", "Grandmother", "Step-father", "Aunt")
CONTACT_NOTES = {"reached": ("Agreed to the start of mentoring.", "Happy with progress so far.", "Will support homework at home.",
                             "Asked for a meeting after the next review."),
                 "no answer": ("No voicemail; will try again.", "Number rang out."),
                 "message left": ("Left a message asking for a call back.", "Voicemail left with the mentor's name."),
                 "replied": ("Replied to thank us and ask about homework club.", "Confirmed the parents' meeting.")}
INTERVENTIONS = ("Small-group {subject}, twice a week", "{subject} catch-up at lunchtime", "One-to-one {subject} tutoring",
                 "Online {subject} practice, 20 minutes a day", "Reading intervention, three mornings a week",
                 "Study skills group after school")
PLAN_TARGETS = ("Hand in every {subject} homework on time for four weeks", "Be on time to registration every day for three weeks",
                "Score 70% or more on the next {subject} quiz", "Finish one {subject} past-paper question each week",
                "Keep the planner signed every week", "Have no behaviour points in {subject} for a fortnight")
STRATEGIES = ("Homework club on Tuesdays", "Check the planner with the form tutor each morning", "Sit near the front in {subject}",
              "Use the revision timetable agreed with the mentor", "Ask for help in the first five minutes of a task",
              "Weekly check-in with the mentor on Monday")


@dataclass(frozen=True)
class Staffing:
    """The staff ids a pupil file may refer to, chosen once per school."""

    people: tuple[Record, ...]
    mentors: tuple[str, ...]
    hoys: dict[int, str]
    senco: str
    slt: str


class SampleRefused(Exception):
    """`dest` holds something already: a sample never writes over files (they may be a school's uncommitted records)."""


def write_sample(pupils: int, dest: pathlib.Path, seed: int = 2026) -> None:
    """Write site.yaml, pupils/, content/policies/ and content/letters/ into `dest`; same arguments, same bytes.

    `dest` must be new or an empty folder: run inside a school, a sample
    would replace its site.yaml, policies and letters (CONTRACT: sample
    refuses a folder that is not empty).
    """
    if pupils < 0:
        raise ValueError(f"pupils must be 0 or more, not {pupils}")
    if (dest.exists() or dest.is_symlink()) and (not dest.is_dir() or any(dest.iterdir())):
        raise SampleRefused(f"{dest} is not an empty folder")
    rng = random.Random(seed)
    statuses = _quota(rng, STATUS_SHARES, pupils)
    years = _quota(rng, tuple((y, 1) for y in YEARS), pupils)
    staff = _staffing(rng, sum(s != "none" for s in statuses))
    (dest / "pupils").mkdir(parents=True, exist_ok=True)
    _write(dest / "site.yaml", _site_yaml(staff))
    forms = max(1, min(len(FORM_LETTERS), math.ceil(pupils / len(YEARS) / 28)))
    caseloads = itertools.cycle(rng.sample(staff.mentors, len(staff.mentors)))
    upns: set[str] = set()
    for i, (status, year) in enumerate(zip(statuses, years)):
        allocated = status in ("active", "exited") or (status == "referred" and rng.random() < 0.4)
        mentor = next(caseloads) if allocated else None
        record = _pupil(rng, year, FORM_LETTERS[rng.randrange(forms)], status, mentor, staff, _upn(rng, upns))
        text = f"# Synthetic pupil (mentorsite sample, seed {seed}); not a real person.\n" + to_yaml(record, gap=True)
        (dest / "pupils" / f"p{i + 1:05d}.yaml").write_text(text, encoding="utf-8", newline="\n")
    for rel, text in _static_files(staff).items():
        _write(dest / rel, text)


def _write(path: pathlib.Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def _quota(rng: random.Random, shares: Sequence[tuple[T, int]], n: int) -> list[T]:
    """Exactly proportional counts (largest remainder), shuffled, so small samples still hold every kind."""
    total = sum(w for _, w in shares)
    counts = [n * w // total for _, w in shares]
    by_remainder = sorted(range(len(shares)), key=lambda k: (-(n * shares[k][1] % total), k))
    for k in by_remainder[: n - sum(counts)]:
        counts[k] += 1
    out = [value for (value, _), c in zip(shares, counts) for _ in range(c)]
    rng.shuffle(out)
    return out


def _weighted(rng: random.Random, table: Weights[T]) -> T:
    return table.values[bisect.bisect(table.cumulative, rng.random() * table.cumulative[-1])]


# --- staff and site.yaml -----------------------------------------------------

def _person(rng: random.Random, taken: set[str], roles: list[str]) -> Record:
    female = rng.random() < 0.6
    initial = rng.choice(FEMALE if female else MALE)[0]
    surname = rng.choice(SURNAMES)
    title = rng.choice(("Ms", "Mrs", "Dr") if female else ("Mr", "Mr", "Dr"))
    base = _ascii(initial + surname)
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}{n}", n + 1
    taken.add(ident)
    return {"id": ident, "name": f"{title} {initial}. {surname}", "roles": FlowList(roles)}


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _staffing(rng: random.Random, mentees: int) -> Staffing:
    """About one mentor per 25 mentees plus a lead mentor who keeps a caseload too (P3: the lead mentor also mentors)."""
    taken: set[str] = set()
    lead = _person(rng, taken, ["mentor", "lead_mentor"])
    count = math.ceil(mentees / MENTEES_PER_MENTOR)
    mentors = [_person(rng, taken, rng.choice((["mentor"], ["mentor", "teacher"]))) for _ in range(count)]
    slt, senco = _person(rng, taken, ["slt"]), _person(rng, taken, ["senco", "teacher"])
    hoys = {y: _person(rng, taken, ["hoy", "teacher"]) for y in YEARS}
    people = (lead, *mentors, slt, senco, *hoys.values())
    return Staffing(people, tuple(p["id"] for p in (lead, *mentors)), {y: p["id"] for y, p in hoys.items()}, senco["id"], slt["id"])


def _site_yaml(staff: Staffing) -> str:
    site: Record = {
        "school": SCHOOL, "academic_year": "2026-27", "current_half_term": "au2",
        "half_terms": [{"id": i, "name": n, "start": date.fromisoformat(s), "end": date.fromisoformat(e)}
                       for i, n, s, e in HALF_TERMS],
        "staff": list(staff.people),
        "scales": {"gcse": {"name": "GCSE 9–1", "grades": FlowList(GRADES)}},
        "subjects": [{"id": i, "name": n, "scale": "gcse"} for i, n in SUBJECTS],
    }
    return "# Synthetic school written by `mentorsite sample`; every person in it is invented.\n" + to_yaml(site, gap=True)


# --- one pupil ---------------------------------------------------------------

def _upn(rng: random.Random, taken: set[str]) -> str:
    """An invented UPN with a correct DfE check letter, from a real local authority number (821), so `check` accepts it."""
    while (upn := make_upn(f"821{rng.randrange(10 ** 12) % 10 ** 9:09d}")) in taken:
        pass
    taken.add(upn)
    return upn


def _pupil(rng: random.Random, year: int, letter: str, status: str, mentor: str | None, staff: Staffing,
           upn: str) -> Record:
    gender = _weighted(rng, GENDERS)
    names = {"F": FEMALE, "M": MALE}.get(gender, ANY_NAME)
    born = date(2021 - year, 9, 1) + timedelta(days=rng.randrange(365))
    mentee = status != "none"
    record: Record = {"first_name": rng.choice(names), "last_name": rng.choice(SURNAMES), "year": year, "form": f"{year}{letter}"}
    if mentor is not None:
        record["mentor"] = mentor
    record |= {"upn": upn, "date_of_birth": born, "gender": gender, "context": _context(rng)}
    ks2 = FlowDict(reading=_clamp(round(rng.gauss(104, 6)), 80, 120), maths=_clamp(round(rng.gauss(104, 6)), 80, 120))
    fft = {s: _grade(5 + (ks2["reading"] + ks2["maths"] - 208) / 10 + rng.gauss(0, 0.8)) for s, _ in SUBJECTS}
    cat = FlowDict((k, _clamp(round(rng.gauss(100, 12)), 70, 140)) for k in ("verbal", "quantitative", "non_verbal", "spatial"))
    record["baseline"] = {"ks2": ks2, "cat": cat, "fft": fft}
    targets = {s: _grade(int(g) + (rng.random() < 0.4)) for s, g in fft.items()}
    assessments = _assessments(rng, targets, status)
    attitude = {t: _attitude(rng, mentee) for t in ("au1", "au2")}
    if mentee:
        record["mentoring"] = _mentoring(rng, status, year, targets, assessments["au1"], attitude["au1"], staff)
    record |= {"targets": targets, "assessments": assessments, "attitude": attitude}
    if status in ("active", "exited"):
        record |= _casework(rng, status, record["mentoring"], record["first_name"], targets, assessments["au1"])
    return record


def _context(rng: random.Random) -> Record:
    fsm = rng.random() < 0.20
    ever6 = fsm or rng.random() < 0.08
    looked_after = rng.random() < 0.01
    return {"fsm": fsm, "ever6": ever6, "pupil_premium": ever6 or looked_after, "looked_after": looked_after,
            "sen": _weighted(rng, SEN), "eal": rng.random() < 0.15,
            "ethnicity": _weighted(rng, ETHNICITIES), "gifted": rng.random() < 0.08, "dsl_check": rng.random() < 0.03}


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _grade(value: float) -> str:
    return GRADES[_clamp(round(value), 1, 9) - 1]


def _assessments(rng: random.Random, targets: dict[str, str], status: str) -> dict[str, dict[str, str]]:
    """Mentees sit mostly below target at au1 (that is why they were referred); active and exited mentees tend to climb by au2."""
    first = MENTEE_AU1 if status != "none" else PUPIL_AU1
    later = MENTEE_AU2 if status in ("active", "exited") else PUPIL_AU2
    au1 = {s: _grade(int(t) + _weighted(rng, first)) for s, t in targets.items()}
    return {"au1": au1, "au2": {s: _grade(int(g) + _weighted(rng, later)) for s, g in au1.items()}}


def _attitude(rng: random.Random, mentee: bool) -> Record:
    spread = 5.0 if mentee else 3.0
    grid: Record = {"attendance": max(80.0, round(100 - abs(rng.gauss(0, spread)), 1))}
    for key in ("punctuality", "behaviour", "effort", "homework", "uniform"):
        grid[key] = _weighted(rng, MENTEE_COLOURS if mentee else COLOURS)
    return grid


# --- mentoring ---------------------------------------------------------------

SCHOOL_DAYS = tuple(d for start, end in ((date(2026, 9, 3), date(2026, 10, 23)), (date(2026, 11, 2), LAST_DAY))
                    for d in (start + timedelta(days=k) for k in range((end - start).days + 1)) if d.weekday() < 5)
"""Term-time weekdays inside the window: meetings and calls never fall at a weekend or in half-term."""
LAST = len(SCHOOL_DAYS) - 1


def _day(on_or_after: date) -> int:
    return min(bisect.bisect_left(SCHOOL_DAYS, on_or_after), LAST)


def _days(rng: random.Random, low: int, high: int, count: int) -> list[int]:
    """`count` distinct school-day indices in [low, high], in order (fewer if the span is short)."""
    span = range(low, max(low, high) + 1)
    return sorted(rng.sample(span, min(count, len(span))))


def _mentoring(rng: random.Random, status: str, year: int, targets: dict[str, str], au1: dict[str, str],
               attitude: Record, staff: Staffing) -> Record:
    window = {"referred": (_day(date(2026, 9, 14)), LAST), "active": (_day(date(2026, 9, 7)), _day(date(2026, 11, 6))),
              "exited": (_day(date(2026, 9, 7)), _day(date(2026, 9, 25)))}[status]
    referred = rng.randint(*window)
    m: Record = {"status": status, "referred_on": SCHOOL_DAYS[referred],
                 "referred_by": _referrer(rng, year, staff), "reasons": _reasons(rng, year, targets, au1, attitude, referred)}
    if status == "referred":
        return m
    started = min(referred + rng.randint(1, 8), LAST)
    m["started_on"] = SCHOOL_DAYS[started]
    if status == "active":
        m["next_review"] = SCHOOL_DAYS[min(started + rng.randint(8, 30), LAST)]
    else:
        m["exited_on"] = SCHOOL_DAYS[rng.randint(min(started + 20, LAST), LAST)]
        m["exit_reason"] = rng.choice(EXIT_REASONS)
    return m


def _referrer(rng: random.Random, year: int, staff: Staffing) -> str:
    subject = rng.choice(SUBJECTS)[1]
    return rng.choice(REFERRERS).format(year=year, subject_name=subject, hoy=staff.hoys[year], senco=staff.senco, slt=staff.slt)


def _reasons(rng: random.Random, year: int, targets: dict[str, str], au1: dict[str, str], attitude: Record,
             referred: int) -> list[str]:
    """Reasons come from the pupil's own data, as on a real register (P2: the register says why)."""
    below = [_in_text(name) for s, name in SUBJECTS if int(au1[s]) < int(targets[s])]
    when = ("at the Autumn 1 assessment point" if SCHOOL_DAYS[referred] >= date(2026, 10, 12)
            else "in last year's final assessment" if year > 7 else "against the Year 6 data from primary school")
    out = [f"Below target in {_join(below[:3])} {when}"] if below else []
    if attitude["attendance"] < 95:
        out.append(f"Attendance {attitude['attendance']}% in Autumn 1")
    if attitude["behaviour"] == "red" or not out:
        out.append(rng.choice(("Staff concern about behaviour in lessons", "Recommended by the form tutor",
                               "Low confidence reported by several teachers", "Homework often missing")))
    return out


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _casework(rng: random.Random, status: str, m: Record, name: str, targets: dict[str, str], au1: dict[str, str]) -> Record:
    """Plan, meetings, contacts and interventions dated between the start of mentoring and its end (or today)."""
    start = _day(m["started_on"])
    end = _day(m["exited_on"]) if status == "exited" else LAST
    focus = [n for s, n in SUBJECTS if int(au1[s]) < int(targets[s])] or [n for _, n in SUBJECTS]
    out: Record = {}
    if status == "active":
        out["plan"] = _plan(rng, start, focus)
    decks = (rng.sample(MIDDLES, len(MIDDLES)), rng.sample(OPENERS, len(OPENERS)))
    days = _days(rng, start, end, rng.randint(1, 4))
    out["meetings"] = [_meeting(rng, k, d, name, focus, decks) for k, d in enumerate(days)]
    out["contacts"] = _contacts(rng, _day(m["referred_on"]), end, status)
    interventions = [_intervention(rng, start, end, status, focus) for _ in range(rng.randint(0, 2))]
    if interventions:
        out["interventions"] = interventions
    return out


def _in_text(subject_name: str) -> str:
    """Subject names mid-sentence: 'maths homework', but 'English' and 'French' keep their capitals."""
    return subject_name if subject_name in ("English", "French") else subject_name.lower().replace("mathematics", "maths")


def _phrase(rng: random.Random, options: Sequence[str], name: str, focus: list[str]) -> str:
    text = rng.choice(options).format(name=name, subject=_in_text(rng.choice(focus)), n=rng.randint(2, 9))
    return text[0].upper() + text[1:]


def _plan(rng: random.Random, start: int, focus: list[str]) -> Record:
    texts = list(dict.fromkeys(_phrase(rng, PLAN_TARGETS, "", focus) for _ in range(rng.randint(1, 3))))
    by = _days(rng, min(start + 5, LAST), LAST, len(texts))
    return {"targets": [{"text": t, "by": SCHOOL_DAYS[d]} for t, d in zip(texts, by)],
            "strategies": list(dict.fromkeys(_phrase(rng, STRATEGIES, "", focus) for _ in range(rng.randint(1, 3)))),
            "review_on": SCHOOL_DAYS[min(start + rng.randint(10, 25), LAST)]}


def _meeting(rng: random.Random, k: int, day: int, name: str, focus: list[str], decks: tuple[list[str], list[str]]) -> Record:
    """Notes: a wrapped Markdown paragraph, sometimes a bullet; each pupil's meetings deal from their own shuffled decks."""
    middles, openers = decks
    kind = "one-to-one" if k == 0 else _weighted(rng, KINDS)
    opener = KIND_OPENERS.get(kind) or (openers[k % len(openers)],)
    lines = [_phrase(rng, opener, name, focus), _phrase(rng, (middles[2 * k % len(middles)],), name, focus)]
    if rng.random() < 0.5:
        lines.append(_phrase(rng, (middles[(2 * k + 1) % len(middles)],), name, focus))
    notes = textwrap.fill(" ".join(lines), 88, break_on_hyphens=False) + "\n"
    if rng.random() < 0.3:
        notes += "\n- " + _phrase(rng, CLOSERS, name, focus) + "\n"
    meeting: Record = {"date": SCHOOL_DAYS[day], "kind": kind, "notes": notes}
    actions = list(dict.fromkeys(_phrase(rng, ACTIONS, name, focus) for _ in range(rng.randint(0, 2))))
    if actions:
        meeting["actions"] = actions
    return meeting


def _contacts(rng: random.Random, referred: int, end: int, status: str) -> list[Record]:
    """Calls and letters home; an exited pupil's log ends with the call home on the last day (P3)."""
    count = rng.randint(1, 3)
    if status != "exited":
        return [_contact(rng, SCHOOL_DAYS[d], last=False) for d in _days(rng, referred, end, count)]
    days = _days(rng, referred, end - 1, count - 1) if end > referred else []
    return [*(_contact(rng, SCHOOL_DAYS[d], last=False) for d in days), _contact(rng, SCHOOL_DAYS[end], last=True)]


def _contact(rng: random.Random, day: date, last: bool) -> Record:
    outcome = "reached" if last else _weighted(rng, OUTCOMES)
    method = _weighted(rng, METHODS)
    if outcome == "replied":
        method = "email"
    elif last or (outcome != "reached" and method in ("letter", "meeting")):
        method = "phone"
    notes = "Called to say mentoring has ended and thank the family." if last else rng.choice(CONTACT_NOTES[outcome])
    return {"date": day, "with": rng.choice(CONTACT_WITH), "method": method, "outcome": outcome, "notes": notes}


def _intervention(rng: random.Random, start: int, end: int, status: str, focus: list[str]) -> Record:
    """Subject interventions name their subject; whole-school ones (reading, study skills) leave the optional key out."""
    subject, template = rng.choice(focus), rng.choice(INTERVENTIONS)
    first = rng.randint(start, max(start, end - 5))
    item: Record = {"subject": SUBJECT_IDS[subject]} if "{subject}" in template else {}
    item |= {"what": _phrase(rng, (template,), "", [subject]), "start": SCHOOL_DAYS[first]}
    if status == "exited" or rng.random() < 0.4:
        item["end"] = SCHOOL_DAYS[rng.randint(min(first + 5, end), end)]
        item["outcome"] = _weighted(rng, INTERVENTION_OUTCOMES)
    else:
        item["outcome"] = "ongoing"
    return item


# --- policies and letters ----------------------------------------------------

def _markdown(meta: Record, body: str) -> str:
    return "---\n" + to_yaml(meta) + "---\n\n" + body


def _static_files(staff: Staffing) -> dict[str, str]:
    lead = staff.people[0]["name"]
    return {
        "content/policies/mentoring-policy.md": _markdown(
            {"title": "Mentoring Policy", "owner": lead, "approved_by": "Full governing body", "approved_on": date(2026, 10, 14),
             "review_cycle": "2 years", "next_review": date(2028, 10, 14), "status": "approved"}, MENTORING_POLICY),
        "content/policies/assessment-and-tracking.md": _markdown(
            {"title": "Assessment and Tracking Policy", "owner": "Deputy Headteacher", "approved_by": "Curriculum committee",
             "approved_on": date(2024, 10, 16), "review_cycle": "2 years", "next_review": date(2026, 10, 16),
             "status": "under review"}, TRACKING_POLICY),
        **{f"content/letters/{slug}.md": _markdown({"title": title}, LETTER.format(body=body))
           for slug, title, body in LETTERS},
    }


MENTORING_POLICY = """\
# Why we mentor

A mentor is one adult in school who knows a pupil well, meets them every
week or two and helps them turn a worrying report into a short list of
things to do next.

# Who is offered a mentor

Heads of year look at each half term's data. Pupils who are below target
in several subjects, whose attendance has slipped, or whom a teacher,
the SENCO or a form tutor is worried about are added to the mentoring
register, with the reasons written down.

# What a mentor does

- agrees an action plan with two or three targets the pupil can check;
- meets the pupil regularly and keeps a short note of each meeting;
- reviews the plan at least every six weeks;
- keeps in touch with home and logs every call, email and letter.

# Ending mentoring

Mentoring ends when the plan's targets are met, or earlier if it is not
helping and another kind of support would suit the pupil better. We always
tell the family when it ends.
"""

TRACKING_POLICY = """\
# Targets

Every pupil has a target grade in each subject, set from prior attainment
and checked by the subject leader. A target can be raised when a pupil
passes it. Only a senior leader may lower one.

# Assessment points

Teachers record the grade each pupil is working at once every half term,
with an attitude grid for attendance, punctuality, behaviour, effort,
homework and uniform.

# Reporting home

Families receive a short profile each half term showing each subject as
above, on or below target. Being below target in two or more subjects
prompts a conversation about extra support.
"""

LETTER = """\
{{{{ date }}}}

Dear parent or carer of {{{{ pupil.first_name }}}} {{{{ pupil.last_name }}}},

{body}

Yours sincerely,

{{{{ mentor.name }}}}
{{{{ school }}}}
"""

LETTERS = (
    ("start-of-mentoring", "Start of mentoring",
     "I will be {{ pupil.first_name }}'s mentor at {{ school }} this term. We will meet regularly to agree a few\n"
     "clear targets and check how they are going. Please get in touch if you would like to talk about it."),
    ("cannot-reach-you", "We have been trying to reach you",
     "We have tried to contact you by phone about {{ pupil.first_name }}'s mentoring but have not managed to\n"
     "speak to you. Please call the school office and ask for {{ mentor.name }}."),
    ("end-of-mentoring", "End of mentoring",
     "{{ pupil.first_name }}'s mentoring has now come to an end. Thank you for your support; we are pleased\n"
     "with the effort {{ pupil.first_name }} has made and will keep an eye on progress."),
)


# --- a small deterministic YAML emitter --------------------------------------

class FlowList(list[Any]):
    """A short list written on one line (`roles: [mentor, lead_mentor]`), as the record format shows it."""


class FlowDict(dict[str, Any]):
    """A short mapping written on one line (`ks2: {reading: 104, maths: 98}`)."""


_RESOLVER = yaml.resolver.Resolver()
_resolve: Callable[[type[yaml.Node], str, tuple[bool, bool]], str] = _RESOLVER.resolve  # typed: the stubs leave resolve untyped
_PLAIN = re.compile(r"[^\W_][\w .,;:!?'()/&%+*#-]*(?<![ :])")
_SCALARS = (int, float, bool, date, type(None))
_written: dict[str, str] = {}
"""How each string was written before: names, phrases and grades repeat thousands of times."""


def _is_plain(text: str) -> bool:
    """Safe unquoted: ordinary characters, and YAML would read it back as this very string (not a number, date or bool)."""
    return (bool(_PLAIN.fullmatch(text)) and ": " not in text and " #" not in text
            and _resolve(yaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str")


def _string(text: str, flow: bool) -> str:
    written = _written.get(text)
    if written is None:
        written = _written[text] = text if _is_plain(text) else json.dumps(text, ensure_ascii=False)
    return json.dumps(text, ensure_ascii=False) if flow and "," in written and written[0] != '"' else written


def _scalar(value: Any, flow: bool = False) -> str:
    if type(value) is str:
        return _string(value, flow)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return "null"
    return _string(str(value), flow)


def _entry(head: str, value: Any, indent: int) -> list[str]:
    """`head` is `key:` or `-`; the value follows on the same line or, for blocks, indented below it."""
    if (type(value) is str and "\n" not in value) or type(value) in _SCALARS:
        return [f"{head} {_scalar(value)}"]
    if isinstance(value, FlowList):
        return [f"{head} [{', '.join(_scalar(v, True) for v in value)}]"]
    if isinstance(value, FlowDict):
        return [f"{head} {{{', '.join(f'{k}: {_scalar(v, True)}' for k, v in value.items())}}}"]
    if isinstance(value, dict) and value:
        return [head, *_mapping(value, indent + 2)]
    if isinstance(value, list) and value:
        return [head, *_sequence(value, indent + 2)]
    if isinstance(value, (dict, list)):
        return [f"{head} {'{}' if isinstance(value, dict) else '[]'}"]
    if isinstance(value, str) and "\n" in value and not value.startswith((" ", "\n")):
        chomp = "" if value.endswith("\n") and not value.endswith("\n\n") else ("-" if not value.endswith("\n") else "+")
        pad = " " * (indent + 2)
        lines = value.split("\n")[: -1 if value.endswith("\n") else None]
        return [f"{head} |{chomp}", *(pad + line if line else "" for line in lines)]
    return [f"{head} {_scalar(value)}"]


def _mapping(data: dict[str, Any], indent: int, gap: bool = False) -> list[str]:
    out: list[str] = []
    for key, value in data.items():
        if gap and out and isinstance(value, (dict, list)) and not isinstance(value, (FlowDict, FlowList)):
            out.append("")
        out.extend(_entry(" " * indent + f"{key}:", value, indent))
    return out


def _sequence(items: list[Any], indent: int) -> list[str]:
    out: list[str] = []
    for item in items:
        if isinstance(item, dict) and item and not isinstance(item, FlowDict):
            lines = _mapping(item, indent + 2)
            out.append(" " * indent + "- " + lines[0][indent + 2:])
            out.extend(lines[1:])
        else:
            out.extend(_entry(" " * indent + "-", item, indent))
    return out


def to_yaml(data: dict[str, Any], gap: bool = False) -> str:
    """Block YAML with two-space indents; `gap` puts a blank line before each top-level section."""
    return "\n".join(_mapping(data, 0, gap)) + "\n"
