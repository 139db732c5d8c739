"""validate: turns loaded documents into checked records, reporting every problem with its line and column.

It must not stop at the first problem, print, or compute judgements
(rules/ does that); it only says whether the input is well formed and
consistent across files.
"""

from __future__ import annotations

import datetime as dt
import itertools
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from generator.rules import scales as scales_rules
from generator.rules import schedule as schedule_rules
from generator.rules import targets as targets_rules
from generator.sources.diagnostics import Diagnostic, Position, did_you_mean, one_of
from generator.sources.identifiers import upn_problem
from generator.sources.load import KeyPath, Located
from generator.sources.schema import SLUG, LetterMeta, PolicyMeta, Pupil, Site

M = TypeVar("M", bound=BaseModel)

_WHAT = {
    "site": "site.yaml",
    "pupil": "pupil record",
    "policy": "policy front matter",
    "letter": "letter front matter",
}


def parse_model(model: type[M], doc: Located, area: str) -> tuple[M | None, list[Diagnostic]]:
    """Validate one document against its shape; every error becomes one located line."""
    if doc.data is None:
        data: Any = {}
    else:
        data = doc.data
    if not isinstance(data, dict):
        return None, [Diagnostic(doc.path, doc.at(()), f"{area}.shape",
                                 f"expected a block of 'key: value' fields for a {_WHAT[area]}, found {_kind(data)}")]
    try:
        return model.model_validate(data), []
    except ValidationError as err:
        return None, [_translate(model, doc, area, e) for e in err.errors(include_url=False)]


def _translate(model: type[BaseModel], doc: Located, area: str, error: Any) -> Diagnostic:
    """One pydantic error → `field: what was expected, what was found` at the right place."""
    loc: KeyPath = tuple(error["loc"])
    kind: str = error["type"]
    is_dict_key = bool(loc) and loc[-1] == "[key]"
    if is_dict_key:
        loc = loc[:-1]
    field = _dotted(loc)
    value = error.get("input")
    got = _shown(value)
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        names = _field_names(_model_at(model, loc[:-1]))
        where = f"in '{_dotted(loc[:-1])}'" if loc[:-1] else f"in a {_WHAT[area]}"
        hint = did_you_mean(str(loc[-1]), names) or f"; expected one of {one_of(names)}"
        message = f"unknown field '{loc[-1]}' {where}{hint}"
        return Diagnostic(doc.path, doc.at(loc, key=True), f"{area}.field.unknown", message)
    if kind == "missing":
        where = f"in '{_dotted(loc[:-1])}'" if loc[:-1] else f"in this {_WHAT[area]}"
        return Diagnostic(doc.path, doc.at(loc[:-1]), f"{area}.field.missing",
                          f"missing required field '{loc[-1]}' {where}; add a line '{loc[-1]}: …'")
    if is_dict_key and kind == "literal_error":
        expected = ctx.get("expected", "")
        return Diagnostic(doc.path, doc.at(loc, key=True), f"{area}.field.unknown",
                          f"{field}: unknown key; expected one of {expected}"
                          f"{did_you_mean(str(loc[-1]), _literal_choices(expected))}")
    position = doc.at(loc, key=is_dict_key)
    expected = _expected(kind, ctx, str(loc[-1]) if loc else "")
    hint = ""
    if kind == "literal_error" and isinstance(value, str):
        hint = did_you_mean(value, _literal_choices(ctx.get("expected", "")))
    return Diagnostic(doc.path, position, f"{area}.value.{_code(kind)}", f"{field}: {expected}, got {got}{hint}")


def _expected(kind: str, ctx: dict[str, Any], name: str) -> str:
    if kind == "range_date":
        return f"expected a date from {ctx.get('earliest')} to {ctx.get('latest')}"
    if kind == "finite_number":
        return "expected a finite number such as 94.5"
    if kind.startswith("date") or kind.startswith("datetime"):
        return "expected a real date written YYYY-MM-DD, e.g. 2026-09-14"
    if kind.startswith("int"):
        return "expected a whole number"
    if kind.startswith("float"):
        return "expected a number such as 94.5"
    if kind.startswith("bool"):
        return "expected true or false"
    if kind == "string_type":
        return "expected text"
    if kind == "literal_error":
        return f"expected {ctx.get('expected', 'one of the allowed words')}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"expected at least {_bound(ctx.get('ge', ctx.get('gt')))}"
    if kind in ("less_than_equal", "less_than"):
        return f"expected at most {_bound(ctx.get('le', ctx.get('lt')))}"
    if kind == "string_pattern_mismatch":
        if name == "upn":
            return "expected a UPN: one capital letter, 11 digits, then a digit or capital letter (e.g. B801200005001)"
        return "expected a short id of lower-case letters, digits and hyphens (e.g. 'au1', 'rbanks')"
    if kind == "string_too_short":
        return "expected some text, not an empty value"
    if kind == "string_too_long":
        return f"expected at most {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"expected at least {ctx.get('min_length')} item(s)"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "expected a block of 'key: value' lines indented under this key"
    if kind in ("list_type", "tuple_type", "set_type"):
        return "expected a list, one '- item' per line"
    return "is not valid here"


def _bound(value: Any) -> Any:
    """A limit as a person writes it: 100, not 100.0."""
    return f"{value:g}" if isinstance(value, float) else value


def _code(kind: str) -> str:
    for prefix in ("date", "int", "float", "bool", "literal", "string", "list", "dict", "model"):
        if kind.startswith(prefix):
            return {"literal": "choice", "model": "shape", "dict": "shape", "list": "shape"}.get(prefix, prefix)
    if kind.startswith(("greater", "less", "range")):
        return "range"
    if kind == "finite_number":
        return "float"
    return "invalid"


def _dotted(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a block of fields" if value else "nothing"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "…")


def _kind(value: Any) -> str:
    return "a list" if isinstance(value, list) else f"the single value {_shown(value)}"


def _literal_choices(expected: str) -> list[str]:
    return [part.strip(" '") for part in expected.replace(" or ", ",").split(",") if part.strip(" '")]


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/Annotated so we can see the model or container underneath."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = options[0] if len(options) == 1 else annotation
            if len(options) != 1:
                return annotation
        else:
            return annotation


def _model_at(model: Any, loc: KeyPath) -> Any:
    """The model class that owns the keys at `loc` (for listing allowed fields)."""
    current = model
    for step in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = next((f for n, f in current.model_fields.items() if (f.alias or n) == step), None)
            current = info.annotation if info else None
        elif typing.get_origin(current) in (list, dict):
            current = typing.get_args(current)[-1]
        else:
            return None
    return _unwrap(current)


def _field_names(model: Any) -> list[str]:
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or n for n, f in model.model_fields.items()]
    return []


# --- cross-file checks ---------------------------------------------------------

@dataclass(frozen=True)
class Checked:
    """What validation hands on: records known to be well formed and consistent."""

    site: Site
    pupils: dict[str, Pupil]
    policies: dict[str, tuple[PolicyMeta, str, int]]
    letters: dict[str, tuple[LetterMeta, str]]
    docs: dict[str, Located] = field(default_factory=dict)
    """The loaded documents by path relative to the root ('site.yaml', 'pupils/p001.yaml'), for located warnings."""


def check_site(site: Site, doc: Located) -> list[Diagnostic]:
    """Ids unique, references resolve, half terms in order."""
    out: list[Diagnostic] = []

    def bad(path: KeyPath, code: str, message: str, key: bool = False) -> None:
        out.append(Diagnostic(doc.path, doc.at(path, key=key), f"site.{code}", message))

    for listing in ("half_terms", "staff", "subjects"):
        seen: set[str] = set()
        for i, item in enumerate(getattr(site, listing)):
            if item.id in seen:
                bad((listing, i, "id"), "id.duplicate", f"{listing}[{i + 1}].id: '{item.id}' is used twice; ids must be unique")
            seen.add(item.id)
    term_ids = [t.id for t in site.half_terms]
    if site.current_half_term not in term_ids:
        bad(("current_half_term",), "ref.half_term",
            f"current_half_term: '{site.current_half_term}' is not a half term id; expected {one_of(term_ids)}"
            f"{did_you_mean(site.current_half_term, term_ids)}")
    for i, term in enumerate(site.half_terms):
        if term.end < term.start:
            bad(("half_terms", i, "end"), "half_term.dates", f"half_terms[{i + 1}].end: {term.end} is before its start {term.start}")
        if i and term.start <= site.half_terms[i - 1].end:
            bad(("half_terms", i, "start"), "half_term.order",
                f"half_terms[{i + 1}].start: {term.start} is not after the previous half term's end {site.half_terms[i - 1].end}; "
                "list half terms in calendar order")
    for name, scale in site.scales.items():
        if not SLUG.match(name):
            bad(("scales", name), "id.slug", f"scales: '{name}' is not a short id of lower-case letters, digits and hyphens", key=True)
        labels = scale.labels
        if len(set(labels)) != len(labels):
            dupes = sorted({g for g in labels if labels.count(g) > 1})
            bad(("scales", name, "grades"), "scale.duplicate", f"scales.{name}.grades: {one_of(dupes)} listed more than once")
        for grade in scales_rules.increasing(labels, scale.points):
            i = labels.index(grade)
            bad(("scales", name, "grades", i, "points"), "scale.points",
                f"scales.{name}.grades[{i + 1}].points: '{grade}' has no more points than the grade before it; points must rise up the scale")
    criteria = site.scheme.criteria
    if criteria is not None:
        starts = [b.from_ for b in criteria.bands]
        if starts != sorted(set(starts)):
            bad(("scheme", "criteria", "bands"), "scheme.bands",
                "scheme.criteria.bands: list the bands from the fewest crosses up, each starting higher than the one before")
    for i, subject in enumerate(site.subjects):
        if subject.scale not in site.scales:
            bad(("subjects", i, "scale"), "ref.scale",
                f"subjects[{i + 1}].scale: '{subject.scale}' is not a scale in 'scales'; expected {one_of(site.scales)}"
                f"{did_you_mean(subject.scale, site.scales)}")
    return out


_SITE_INDEX: list[tuple[Site, tuple[dict[str, Any], list[str], list[str], dict[str, Any]]]] = []


def _site_index(site: Site) -> tuple[dict[str, Any], list[str], list[str], dict[str, Any]]:
    """Subjects by id, half-term ids, mentors' ids and staff by id, for the site every pupil file is checked against.

    Built once per site rather than once per pupil (the staff list grows with
    the school). Callers only read them.
    """
    if _SITE_INDEX and _SITE_INDEX[0][0] is site:
        return _SITE_INDEX[0][1]
    index = ({s.id: s for s in site.subjects}, [t.id for t in site.half_terms],
             [s.id for s in site.staff if {"mentor", "lead_mentor"} & set(s.roles)], {s.id: s for s in site.staff})
    _SITE_INDEX[:] = [(site, index)]
    return index


def check_pupil(pupil: Pupil, doc: Located, site: Site) -> list[Diagnostic]:
    """References to staff, subjects, half terms and grades resolve; mentoring dates make sense."""
    out: list[Diagnostic] = []
    subjects, terms, mentors, _staff = _site_index(site)

    def bad(path: KeyPath, code: str, message: str, key: bool = False) -> None:
        out.append(Diagnostic(doc.path, doc.at(path, key=key), f"pupil.{code}", message))

    def grade(path: KeyPath, subject_id: str, value: str) -> None:
        subject = subjects.get(subject_id)
        if subject is None or subject.scale not in site.scales:
            return
        grades = site.scales[subject.scale].labels
        if value not in grades:
            bad(path, "grade.off_scale",
                f"{_dotted(path)}: '{value}' is not a grade on the {site.scales[subject.scale].name} scale "
                f"used for {subject.name}; expected {one_of(grades)}{did_you_mean(value, grades)}")

    def subject_key(path: KeyPath, subject_id: str) -> bool:
        if subject_id in subjects:
            return True
        bad(path, "ref.subject", f"{_dotted(path)}: '{subject_id}' is not a subject in site.yaml; expected {one_of(subjects)}"
            f"{did_you_mean(subject_id, subjects)}", key=True)
        return False

    if pupil.upn is not None and (problem := upn_problem(pupil.upn)) is not None:
        bad(("upn",), "upn.invalid", f"upn: {problem}")
    if pupil.mentor is not None and pupil.mentor not in mentors:
        bad(("mentor",), "ref.mentor", f"mentor: '{pupil.mentor}' is not a member of staff with the role mentor in site.yaml; "
            f"expected {one_of(mentors)}{did_you_mean(pupil.mentor, mentors)}")
    for subject_id, target in pupil.targets.items():
        if subject_key(("targets", subject_id), subject_id):
            out.extend(_check_target(pupil, subject_id, target, doc, site, grade))
    for subject_id, record in pupil.criteria.items():
        subject_key(("criteria", subject_id), subject_id)
        out.extend(_check_criteria(subject_id, record, doc, site))
    skills = site.scheme.basic_skills
    for i, test in enumerate(pupil.basic_skills):
        if skills is not None and test.score > skills.out_of:
            bad(("basic_skills", i, "score"), "skills.score", f"basic_skills[{i + 1}].score: {test.score} is more than the test's {skills.out_of} marks")
    for i, log in enumerate(pupil.weekly_logs):
        if log.week_of.weekday() != 0:
            bad(("weekly_logs", i, "week_of"), "log.week", f"weekly_logs[{i + 1}].week_of: {log.week_of} is a {log.week_of:%A}; "
                f"give the Monday the week starts on ({log.week_of - dt.timedelta(days=log.week_of.weekday())})")
    for subject_id, value in pupil.baseline.fft.items():
        if subject_key(("baseline", "fft", subject_id), subject_id) and fft_on_scale(site, subject_id, value) is None:
            grade(("baseline", "fft", subject_id), subject_id, value)  # not on the scale, nor convertible through points
    for term, marks in pupil.assessments.items():
        if term not in terms:
            bad(("assessments", term), "ref.half_term", f"assessments.{term}: '{term}' is not a half term in site.yaml; "
                f"expected {one_of(terms)}{did_you_mean(term, terms)}", key=True)
            continue
        for subject_id, value in marks.items():
            if subject_key(("assessments", term, subject_id), subject_id):
                grade(("assessments", term, subject_id), subject_id, value)
    for term in pupil.attitude:
        if term not in terms:
            bad(("attitude", term), "ref.half_term", f"attitude.{term}: '{term}' is not a half term in site.yaml; "
                f"expected {one_of(terms)}{did_you_mean(term, terms)}", key=True)
    for i, item in enumerate(pupil.interventions):
        if item.subject is not None and item.subject not in subjects:
            bad(("interventions", i, "subject"), "ref.subject", f"interventions[{i + 1}].subject: '{item.subject}' is not a subject in site.yaml; "
                f"expected {one_of(subjects)}{did_you_mean(item.subject, subjects)}")
        if item.end is not None and item.end < item.start:
            bad(("interventions", i, "end"), "dates.order", f"interventions[{i + 1}].end: {item.end} is before its start {item.start}")
    out.extend(_check_mentoring(pupil, bad))
    return out


def _check_target(pupil: Pupil, subject_id: str, target: Any, doc: Located, site: Site, grade: Any) -> list[Diagnostic]:
    """The grade is on the scale; a lowered target was approved by the right role; none sits below the FFT estimate (P5)."""
    path: KeyPath = ("targets", subject_id)
    written_long = isinstance(doc.data.get("targets", {}).get(subject_id), dict)
    grade(path + ("grade",) if written_long else path, subject_id, target.grade)
    if target.was is not None:
        grade(path + ("was",), subject_id, target.was)
    out: list[Diagnostic] = []
    staff = _site_index(site)[3]
    if target.approved_by is not None and target.approved_by not in staff:
        out.append(Diagnostic(doc.path, doc.at(path + ("approved_by",)), "pupil.ref.staff",
                              f"targets.{subject_id}.approved_by: '{target.approved_by}' is not a member of staff in site.yaml"
                              f"{did_you_mean(target.approved_by, staff)}"))
        return out
    subject = next((s for s in site.subjects if s.id == subject_id), None)
    if subject is None or subject.scale not in site.scales:
        return out
    labels = site.scales[subject.scale].labels
    if target.grade not in labels or (target.was is not None and target.was not in labels):
        return out
    rules = site.scheme.targets
    approver = staff.get(target.approved_by or "")
    written = pupil.baseline.fft.get(subject_id)
    fft = fft_on_scale(site, subject_id, written) if written is not None else None
    for code, message in targets_rules.problems(labels, target.grade, target.was, list(approver.roles) if approver else None,
                                                rules.lowered_only_by, fft if fft in labels else None, rules.floor == "fft"):
        out.append(Diagnostic(doc.path, doc.at(path + ("grade",)), f"pupil.{code}", f"targets.{subject_id}: {message}"))
    return out


def _check_criteria(subject_id: str, record: Any, doc: Located, site: Site) -> list[Diagnostic]:
    """P5: a stage has `per_stage` criteria, so no record holds more marks or more crosses than that."""
    scheme = site.scheme.criteria
    if scheme is None:
        return []
    out: list[Diagnostic] = []
    limit = scheme.per_stage
    path: KeyPath = ("criteria", subject_id)
    if len(record.record) > limit:
        out.append(Diagnostic(doc.path, doc.at(path + ("record",)), "pupil.criteria.per_stage",
                              f"criteria.{subject_id}.record: {len(record.record)} criteria marked, but a stage has "
                              f"{limit} (scheme.criteria.per_stage)"))
    if record.crosses is not None and record.crosses > limit:
        out.append(Diagnostic(doc.path, doc.at(path + ("crosses",)), "pupil.criteria.per_stage",
                              f"criteria.{subject_id}.crosses: {record.crosses} is more than the {limit} criteria in a stage "
                              "(scheme.criteria.per_stage)"))
    return out


def fft_on_scale(site: Site, subject_id: str, value: str) -> str | None:
    """An FFT estimate on the subject's scale; one written on another scale (NC levels for a subject tracked in stages)
    is converted through the scales' point scores (P5's APS table)."""
    subject = next((s for s in site.subjects if s.id == subject_id), None)
    if subject is None or subject.scale not in site.scales:
        return None
    scale = site.scales[subject.scale]
    others = [(s.labels, s.points) for name, s in sorted(site.scales.items()) if name != subject.scale]
    return scales_rules.on_scale(value, scale.labels, scale.points, others)


def _check_mentoring(pupil: Pupil, bad: Any) -> list[Diagnostic]:
    """A referral has a date; an exit has a date; the dates run forwards."""
    m = pupil.mentoring
    if m.status != "none" and m.referred_on is None:
        bad(("mentoring", "status"), "mentoring.referred_on",
            f"mentoring.status is '{m.status}' but mentoring.referred_on is missing; add the date the pupil was referred")
    if m.status == "exited" and m.exited_on is None:
        bad(("mentoring", "status"), "mentoring.exited_on",
            "mentoring.status is 'exited' but mentoring.exited_on is missing; add the date mentoring ended")
    if m.status in ("none", "referred", "active") and m.exited_on is not None:
        bad(("mentoring", "exited_on"), "mentoring.exited_on",
            f"mentoring.exited_on is set but status is '{m.status}'; set status: exited, or remove exited_on")
    order = [("referred_on", m.referred_on), ("started_on", m.started_on), ("exited_on", m.exited_on)]
    dated = [(name, value) for name, value in order if value is not None]
    for (first, a), (second, b) in itertools.pairwise(dated):
        if b < a:
            bad(("mentoring", second), "dates.order", f"mentoring.{second}: {b} is before mentoring.{first} {a}")
    return []


def check_policy(meta: PolicyMeta, doc: Located) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if meta.review_cycle is not None and schedule_rules.cycle_months(meta.review_cycle) is None:
        out.append(Diagnostic(doc.path, doc.at(("review_cycle",)), "policy.value.cycle",
                              f"review_cycle: {_shown(meta.review_cycle)} is not a review cycle mentorsite can read; expected a whole "
                              "number of years or months such as '2 years' or '18 months', or 'annually'"))
    if meta.approved_on and meta.next_review and meta.next_review < meta.approved_on:
        out.append(Diagnostic(doc.path, doc.at(("next_review",)), "policy.dates.order",
                              f"next_review: {meta.next_review} is before approved_on {meta.approved_on}"))
    return out


def slug_problem(rel_path: str, stem: str, what: str) -> list[Diagnostic]:
    """File stems become URLs, so they must be safe slugs."""
    if SLUG.match(stem):
        return []
    return [Diagnostic(rel_path, Position(1, 1), f"{what}.id.slug",
                       f"file name '{stem}' is not a safe id; rename it using lower-case letters, digits and hyphens")]


__all__ = [
    "Checked",
    "LetterMeta",
    "PolicyMeta",
    "Pupil",
    "Site",
    "check_policy",
    "check_pupil",
    "check_site",
    "parse_model",
    "slug_problem",
]
