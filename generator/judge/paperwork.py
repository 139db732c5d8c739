"""judge.paperwork: what the policies' paperwork asks of staff now — each due item as (pupil id, code, due date, text); pure, `today` is passed in.

The judgements are in rules/paperwork.py; this module only feeds them each
pupil's dates. derive.py adds these to the dashboard's actions, and
`due_paperwork` lists them for the whole school (for `mentorsite actions`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from generator.rules import paperwork as rules
from generator.sources.schema import Pupil, Site

Due = tuple[str, str, "dt.date | None", str]
"""(pupil id, action code, due date or None, text for a mentor)."""


def due_actions(pupil_id: str, pupil: Pupil, site: Site, today: dt.date) -> list[Due]:
    """Every paperwork action for one pupil, in a fixed order; only the features the school switched on are judged."""
    paper = site.scheme.paperwork
    m = pupil.mentoring
    out: list[Due] = []
    first_day = site.half_terms[0].start
    if paper.slips is not None:
        count, due = rules.oldest_waiting(((s.date, s.seen_on) for s in pupil.slips), paper.slips.respond_within_days)
        if count:
            latest = max((s for s in pupil.slips if s.seen_on is None), key=lambda s: s.date)
            more = f" and {count - 1} more" if count > 1 else ""
            out.append((pupil_id, "slip.waiting", due, f"Mentoring slip ({latest.kind}) from {latest.sent_by}{more} waiting for the mentor"))
    if paper.agreement is not None:
        a = pupil.agreement
        required = pupil.year in paper.agreement.years
        due = rules.agreement_due(required, a.sent_on if a else None, a.returned_on if a else None,
                                  paper.agreement.return_within_days, first_day)
        if due is not None:
            state = "not sent home yet" if a is None else "sent home, not yet signed and returned"
            out.append((pupil_id, "agreement.unsigned", due, f"{paper.agreement.title}: {state}"))
    if paper.sessions is not None:
        missed = rules.missed_not_followed([(s.date, s.attended, s.followed_up) for s in pupil.sessions],
                                           paper.sessions.follow_up_within_days, today)
        if missed:
            more = f" ({len(missed)} sessions)" if len(missed) > 1 else ""
            out.append((pupil_id, "session.missed", missed[0], f"Missed session not followed up{more}"))
        if paper.report_cards is not None:
            run = rules.missed_in_a_row([(s.date, s.attended, s.escalated) for s in pupil.sessions])
            if run >= paper.report_cards.escalate_after_missed:
                out.append((pupil_id, "session.escalate", today, f"{run} sessions missed in a row: pass to the lead mentor"))
    if paper.surveys is not None and m.status in ("active", "exited"):
        within = paper.surveys.return_within_days
        s = pupil.surveys
        before = s.before if s else None
        due = rules.survey_due(m.started_on, before.sent_on if before else None,
                               [r.returned_on for r in before.ratings] if before else [], within)
        if due is not None:
            out.append((pupil_id, "survey.missing", due, "Attitude survey (before mentoring) " + ("not sent yet" if before is None else "not all returned")))
        if m.status == "exited":
            after = s.after if s else None
            due = rules.survey_due(m.exited_on, after.sent_on if after else None,
                                   [r.returned_on for r in after.ratings] if after else [], within)
            if due is not None:
                out.append((pupil_id, "survey.missing", due, "Attitude survey (after mentoring) " + ("not sent yet" if after is None else "not all returned")))
    if paper.big_write is not None and (m.status == "active" or paper.big_write.applies_to == "all"):
        since = m.started_on if m.status == "active" and m.started_on else first_day
        due = rules.big_write_due((w.date for w in pupil.big_writes), since, paper.big_write.every_days)
        if today > due:
            out.append((pupil_id, "bigwrite.missing", due, f"No Big Write since {max((w.date for w in pupil.big_writes), default=since):%d %b %Y}"))
    if paper.target_setting:
        for subject_id, setting in sorted(pupil.target_setting.items()):
            due = rules.target_unagreed(setting.agreed_on, site.half_terms[0].end, today)
            if due is not None:
                name = next((s.name for s in site.subjects if s.id == subject_id), subject_id)
                step = "confirm with the subject leader and agree" if setting.confirmed_on is None else "agree"
                out.append((pupil_id, "target.unagreed", due, f"{name} target: {step} it with the pupil"))
    if paper.exit_plans and m.status == "exited":
        due = rules.closing_call_due(m.exited_on, pupil.exit_plan.closing_call if pupil.exit_plan else None)
        if due is not None:
            out.append((pupil_id, "exit.call", due, "Mentoring has ended: make the closing call home"))
    return out


def due_paperwork(site: Site, pupils: Mapping[str, Pupil], today: dt.date) -> list[Due]:
    """Every pupil's paperwork actions, sorted by due date, code and pupil id: the rows `mentorsite actions` adds."""
    rows: Iterable[Due] = (row for pid, record in pupils.items() for row in due_actions(pid, record, site, today))
    return sorted(rows, key=lambda r: (r[2] or dt.date.max, r[1], r[0], r[3]))
