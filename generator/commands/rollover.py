"""rollover: `mentorsite rollover` closes a school year — pupils move up, leavers are archived, next year's half terms are added.

It must not lose or rewrite a year's data: earlier half terms stay in
site.yaml (tagged with their `academic_year`), so every `au1:` a mentor has
written stays valid and the pages keep showing it. It writes one commit's
worth of changes, all or nothing, and prints them as a diff with --dry-run.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from generator.build import check
from generator.commands.importing import finish
from generator.commands.yamledit import FileEdit, Outcome, put
from generator.sources.diagnostics import Diagnostic, InvalidInput, Position
from generator.sources.schema import Pupil, Site

_YEAR = re.compile(r"^(\d{4})-(\d{2})$")
_PREFIX = re.compile(r"^\d{4}-\d{2}-")
ONE_YEAR = dt.timedelta(weeks=52)
"""New half terms start a year on, on the same weekday; the school corrects them to its calendar."""


def next_academic_year(year: str) -> str | None:
    """'2026-27' → '2027-28'; None when the year is not written that way."""
    match = _YEAR.match(year)
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        return None
    start = int(match.group(1)) + 1
    return f"{start}-{(start + 1) % 100:02d}"


def retain_until(pupil: Pupil, site: Site, left_on: dt.date) -> dt.date:
    """DfE-style retention: date of birth + 25 years (+ 31 with SEN); a school setting when the birth date is unknown."""
    rule = site.rollover
    if pupil.date_of_birth is None:
        return _add_years(left_on, rule.retention_years_after_leaving)
    years = rule.sen_retention_years_after_birth if pupil.context.sen != "N" else rule.retention_years_after_birth
    return _add_years(pupil.date_of_birth, years)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _moved_form(form: str, year: int) -> str:
    """'7A' → '8A' when the form's name starts with the year group; any other name is kept for the school to change."""
    text = str(year)
    rest = form[len(text):]
    return f"{year + 1}{rest}" if form.startswith(text) and not rest[:1].isdigit() else form


def rollover(root: Path, *, dry_run: bool = False) -> Outcome:
    checked = check(root)
    site = checked.site
    new_year = next_academic_year(site.academic_year)
    site_edit = FileEdit(root, "site.yaml")
    if new_year is None:
        raise InvalidInput([Diagnostic("site.yaml", Position(1, 1), "rollover.academic_year",
                                       f"academic_year: '{site.academic_year}' is not written like 2026-27, so the next year cannot be named")])
    old_year = site.academic_year
    this_year = [t for t in site.half_terms if t.academic_year in (None, old_year)]
    ended = this_year[-1].end
    outcome = Outcome()

    # site.yaml: tag this year's half terms, name them with their year, add next year's, move on
    terms = site_edit.data["half_terms"]
    flow = all(isinstance(t, CommentedMap) and t.fa.flow_style() for t in terms)
    for index, term in enumerate(site.half_terms):
        if term.academic_year is None:
            site_edit.set(("half_terms", index, "academic_year"), old_year)
            if old_year not in term.name:
                site_edit.set(("half_terms", index, "name"), f"{term.name} {old_year}")
    first_new = None
    for term in this_year:
        base = _PREFIX.sub("", term.id)
        block = CommentedMap()
        block["id"] = f"{new_year}-{base}"
        block["name"] = f"{term.name.replace(old_year, '').strip()} {new_year}"
        block["start"] = term.start + ONE_YEAR
        block["end"] = term.end + ONE_YEAR
        block["academic_year"] = new_year
        if flow:
            block.fa.set_flow_style()
        put(terms, None, block)
        first_new = first_new or block["id"]
    site_edit.changed += 1
    site_edit.set(("academic_year",), new_year)
    site_edit.set(("current_half_term",), first_new)
    leaving = {pid for pid, pupil in checked.pupils.items() if pupil.year >= site.rollover.last_year or pupil.leaving}
    _leave_groups(site_edit, leaving, outcome)
    site_edit.record(outcome)

    leavers: list[str] = []
    for pid, pupil in sorted(checked.pupils.items()):
        rel_path = f"pupils/{pid}.yaml"
        if pupil.year >= site.rollover.last_year or pupil.leaving:
            edit = FileEdit(root, rel_path)
            until = retain_until(pupil, site, ended)
            note = (f"# Archived by `mentorsite rollover` at the end of {old_year}. Keep until {until.isoformat()};\n"
                    "# `mentorsite retention` lists records past that date and the command that removes them.\n"
                    f"retain_until: {until.isoformat()}\n")
            outcome.changes.append((f"archive/{old_year}/{pid}.yaml", "", note + edit.old))
            outcome.changes.append((rel_path, edit.old, ""))
            leavers.append(pid)
            continue
        edit = FileEdit(root, rel_path)
        edit.set(("year",), pupil.year + 1)
        if (form := _moved_form(pupil.form, pupil.year)) != pupil.form:
            edit.set(("form",), form)
        edit.record(outcome)
    outcome.values = len(checked.pupils) - len(leavers)
    outcome.notes.append(f"{old_year} → {new_year}: {len(checked.pupils) - len(leavers)} pupils move up, "
                         f"{len(leavers)} archived to archive/{old_year}/; check next year's half-term dates in site.yaml")
    _check_site_text(outcome)
    finish(root, site, outcome, dry_run)
    return outcome


def _leave_groups(site_edit: FileEdit, leaving: set[str], outcome: Outcome) -> None:
    """P1 group plans name pupils by id: an archived pupil leaves every group (and its absence lists), and a group left
    with no members ends, so site.yaml still passes `check` after the rollover (a member must be a pupil)."""
    scheme = site_edit.data.get("scheme")
    paperwork = scheme.get("paperwork") if isinstance(scheme, CommentedMap) else None
    groups = paperwork.get("group_plans") if isinstance(paperwork, CommentedMap) else None
    if not isinstance(groups, CommentedSeq):
        return
    left = ended = 0
    for index in reversed(range(len(groups))):
        group = groups[index]
        members = group.get("members") if isinstance(group, CommentedMap) else None
        if not isinstance(members, CommentedSeq):
            continue
        for position in reversed(range(len(members))):
            if members[position] in leaving:
                del members[position]
                left += 1
        for session in group.get("sessions") or []:
            absent = session.get("absent") if isinstance(session, CommentedMap) else None
            if isinstance(absent, CommentedSeq):
                for position in reversed(range(len(absent))):
                    if absent[position] in leaving:
                        del absent[position]
        if not members:
            del groups[index]
            ended += 1
    if left or ended:
        site_edit.changed += 1
        outcome.notes.append(f"group plans: {left} archived pupil{'s' if left != 1 else ''} removed"
                             + (f", {ended} group{'s' if ended != 1 else ''} ended with no members" if ended else ""))


def _check_site_text(outcome: Outcome) -> None:
    """The new site.yaml must pass the same checks as the old one before anything is written."""
    from generator.sources.load import parse_yaml
    from generator.sources.validate import check_site, parse_model

    for rel_path, _old, new in outcome.changes:
        if rel_path != "site.yaml":
            continue
        doc = parse_yaml(new, rel_path)
        site, problems = parse_model(Site, doc, "site")
        if site is not None:
            problems += check_site(site, doc)
        if problems:
            raise InvalidInput(problems)
