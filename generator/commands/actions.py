"""commands.actions: `mentorsite actions` — every pupil's due actions as of a date, for a person or a script.

The list is SchoolFacts.actions, the one the dashboard is cut from; this
module only shapes it (text or JSON). It prints nothing: cli.py does.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from generator.build import check, derive
from generator.judge.derive import SchoolFacts


def school_actions(root: Path, as_of: dt.date | dt.datetime | None) -> SchoolFacts:
    root = root.resolve()
    return derive(root, check(root), as_of)


def as_records(school: SchoolFacts) -> list[dict[str, Any]]:
    """A list of objects with `pupil` (the id), `code` (stable), `due` (ISO date; the as-of date when the rule sets none)
    and `text`, plus the pupil's name and mentor id for a digest."""
    names = {p.id: p for p in school.pupils}
    return [{"pupil": a.pupil_id, "code": a.code, "due": (a.due or school.as_of).isoformat(), "text": a.text,
             "name": names[a.pupil_id].display_name, "mentor": names[a.pupil_id].record.mentor}
            for a in school.actions]


def as_json(school: SchoolFacts) -> str:
    return json.dumps(as_records(school), ensure_ascii=False, indent=2) + "\n"


def as_text(school: SchoolFacts) -> str:
    records = as_records(school)
    head = f"{len(records)} action{'s' if len(records) != 1 else ''} as of {school.as_of.isoformat()} ({school.current.name})"
    lines = [head]
    lines += [f"{r['due']}  {r['pupil']:<10} {r['code']:<22} {r['name']}: {r['text']}" for r in records]
    return "\n".join(lines) + "\n"
