"""judge.warnings: located warnings that depend on the as-of date or on two records that disagree; never fail check or build.

Pure: the as-of date is passed in, nothing is read or printed. Grades for a
half term that has not started, a current half term whose dates do not
hold the as-of date, how many pupils still lack the current round's grades,
and (P5) a recorded grade the criteria crosses contradict.
"""

from __future__ import annotations

import datetime as dt

from generator.judge.derive import crosses_grade
from generator.rules import criteria
from generator.rules.sentences import long_date
from generator.sources.diagnostics import Diagnostic, Position, warning
from generator.sources.load import Located
from generator.sources.validate import Checked


def warnings(checked: Checked, as_of: dt.date) -> list[Diagnostic]:
    """Every warning for the school as of a date, in file and line order."""
    site = checked.site
    out: list[Diagnostic] = []
    site_doc = checked.docs.get("site.yaml")
    terms = {t.id: t for t in site.half_terms}
    order = [t.id for t in site.half_terms]
    current = terms.get(site.current_half_term)
    if current is None:
        return out
    here = site_doc.at(("current_half_term",)) if site_doc else Position(1, 1)
    inside = next((t for t in site.half_terms if t.start <= as_of <= t.end), None)
    if inside is not None and inside.id != current.id:
        out.append(warning("site.yaml", here, "site.current_half_term.dates",
                           f"current_half_term: {current.name} runs {long_date(current.start)} to {long_date(current.end)}, "
                           f"but the records are judged as of {long_date(as_of)}, in {inside.name}; "
                           f"set current_half_term: {inside.id} when its round begins"))
    with_targets = [pid for pid, p in checked.pupils.items() if p.targets]
    lacking = [pid for pid in with_targets if not checked.pupils[pid].assessments.get(current.id)]
    if lacking:
        out.append(warning("site.yaml", here, "site.round.missing",
                           f"current_half_term: {len(lacking)} of {len(with_targets)} pupils with targets have no grades for "
                           f"{current.name} yet; they are judged on earlier grades and none can be ready to exit"))
    for pid, pupil in checked.pupils.items():
        path = f"pupils/{pid}.yaml"
        doc = checked.docs.get(path)
        for term_id in pupil.assessments:
            term = terms.get(term_id)
            if term is None:
                continue
            where = _at(doc, ("assessments", term_id), key=True)
            if term.start > as_of:
                out.append(warning(path, where, "pupil.assessments.future",
                                   f"assessments.{term_id}: {term.name} starts on {long_date(term.start)}, after "
                                   f"{long_date(as_of)}; these grades are not shown until it is the current half term"))
            elif order.index(term_id) > order.index(current.id):
                out.append(warning(path, where, "pupil.assessments.after_current",
                                   f"assessments.{term_id}: {term.name} is after the current half term ({current.name}); "
                                   f"these grades are not shown until current_half_term is moved on"))
        out += _criteria_warnings(checked, pid, doc, current.id)
    return sorted(out, key=lambda d: d.sort_key)


def _criteria_warnings(checked: Checked, pid: str, doc: Located | None, current: str) -> list[Diagnostic]:
    """P5: the crosses set the sub-stage; a recorded grade for the current half term that disagrees is flagged where it is written."""
    site, pupil = checked.site, checked.pupils[pid]
    rule = site.scheme.criteria
    if rule is None:
        return []
    out = []
    subjects = {s.id: s for s in site.subjects}
    for subject_id, record in pupil.criteria.items():
        subject = subjects.get(subject_id)
        if subject is None or subject.scale not in site.scales:
            continue
        given = crosses_grade(subject_id, pupil, site.scheme, tuple(site.scales[subject.scale].labels))
        recorded = pupil.assessments.get(current, {}).get(subject_id)
        if not criteria.disagrees(recorded, given):
            continue
        crosses = record.crosses if record.crosses is not None else criteria.count_crosses(record.record)
        shown = given if rule.authoritative == "crosses" else recorded
        out.append(warning(f"pupils/{pid}.yaml", _at(doc, ("assessments", current, subject_id)), "pupil.criteria.disagrees",
                           f"assessments.{current}.{subject_id}: '{recorded}' disagrees with the {crosses} crosses at Stage "
                           f"{record.stage} in criteria.{subject_id}, which give '{given}'; scheme.criteria.authoritative is "
                           f"'{rule.authoritative}', so '{shown}' is shown"))
    return out


def _at(doc: Located | None, key_path: tuple[str, ...], *, key: bool = False) -> Position:
    """Where in the file; a record taken from the build's cache has no positions, so its warning points at the file's first line."""
    return doc.at(key_path, key=key) if doc is not None else Position(1, 1)
