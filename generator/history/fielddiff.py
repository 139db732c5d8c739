"""fielddiff: says what changed between two versions of a pupil record in a mentor's words, and finds targets lowered without SLT approval;
pure — no git, no I/O, no clock.

Old versions were never validated, so every shape is tolerated: a version
that is not a readable mapping becomes one "could not be read" change. They
are read with the same limits as current files (`sources.load.parse_text`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from generator.history.git import Commit, FileHistory, Version
from generator.history.memo import HistoryMemo, names_key
from generator.rules import targets as target_rules
from generator.sources.diagnostics import InvalidInput
from generator.sources.load import parse_text

UNREADABLE = "file could not be read at this commit"
UNREADABLE_BEFORE = "file could not be read at the previous commit"
EARLIEST = "earliest version in this clone; older history is not available"
_MISSING: Any = object()

Names = Mapping[str, str]
KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Change:
    path: KeyPath
    """Key path in the version the change is about (the new one, the old one for removals)."""
    kind: Literal["added", "removed", "changed"]
    text: str
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class Finding:
    """A target grade moved down the scale in `commit` without an SLT member named in `approved_by`."""

    path: str
    commit: Commit
    subject: str
    old: str
    new: str
    author: str
    date: dt.date
    approved_by: str | None


def pupil_changes(old_text: str | None, new_text: str | None, *,
                  subjects: Names | None = None, half_terms: Names | None = None) -> list[Change]:
    """The changes one commit made to a pupil file, one sentence each, in record order.

    `subjects` and `half_terms` map ids to names ("maths" → "Mathematics");
    without them a subject is its id capitalised and a half term its id.
    """
    if new_text is None:
        return [] if old_text is None else [Change((), "removed", "record deleted")]
    if old_text is None:  # nothing to compare with: no need to read it (most versions of a big school are creations)
        return [Change((), "added", "record created")]
    new = _parse(new_text)
    if new is None:
        return [Change((), "changed", UNREADABLE)]
    old = _parse(old_text)
    if old is None:
        return [Change((), "changed", UNREADABLE_BEFORE)]
    return _Describe(subjects or {}, half_terms or {}).record(old, new)


def file_changes(history: FileHistory, *, subjects: Names | None = None,
                 half_terms: Names | None = None) -> list[tuple[Version, list[Change]]]:
    """Each commit of a pupil file (newest first) with what it changed."""
    result: list[tuple[Version, list[Change]]] = []
    for version in history.versions:
        if version.change == "earliest":
            result.append((version, [Change((), "changed", EARLIEST)]))
        else:
            result.append((version, pupil_changes(version.previous, version.text,
                                                  subjects=subjects, half_terms=half_terms)))
    return result


def change_texts(history: FileHistory, memo: HistoryMemo, *, subjects: Names, half_terms: Names) -> list[tuple[Version, list[str]]]:
    """`file_changes` as sentences, each commit's read from `memo` when its two blobs were described before with these names."""
    names = names_key(subjects, half_terms)
    result: list[tuple[Version, list[str]]] = []
    for version in history.versions:
        if version.change == "earliest":
            result.append((version, [EARLIEST]))
            continue
        old, new = version.previous, version.text
        result.append((version, memo.changes(names, version.previous_blob, version.blob, lambda o=old, n=new: [  # type: ignore[misc]
            c.text for c in pupil_changes(o, n, subjects=subjects, half_terms=half_terms)])))
    return result


def lowered_targets(history_for_file: FileHistory,
                    grade_order: Callable[[str], Sequence[str]] | Mapping[str, Sequence[str]],
                    slt_ids: AbstractSet[str], memo: HistoryMemo | None = None) -> list[Finding]:
    """Targets lowered without senior sign-off (policy: only SLT may lower a target), newest first.

    Each version is parsed (never matched line by line, so `"targets":` or a
    flow mapping hides nothing) and compared with the subject's grade in the
    nearest older version that had one, so deleting a target and adding it
    back lower is still a lowering. The judgement is `rules.targets`, the one
    `check` uses. A grade not on its subject's scale, or a subject with no
    scale, is left to validation.
    """
    order = grade_order if callable(grade_order) else (lambda subject: grade_order.get(subject, ()))
    findings: list[Finding] = []
    last: dict[str, str] = {}
    for version in reversed(history_for_file.versions):
        if version.text is None:
            continue
        record = memo_targets(memo, version.blob, version.text)
        if record is None:
            continue
        if version.change == "earliest":  # older history is not in this clone: a baseline, not a change
            last.update({s: t.grade for s, t in record.items() if t.grade is not None})
            continue
        previous = memo_targets(memo, version.previous_blob, version.previous) if version.previous is not None else None
        if previous is not None:  # the first parent's grades, falling back to older ones for a subject it lacked
            last.update({s: t.grade for s, t in previous.items() if t.grade is not None})
        for subject, target in record.items():
            before = last.get(subject)
            if target.grade is None:
                continue
            last[subject] = target.grade
            if before is None or before == target.grade:
                continue
            try:
                scale = list(order(subject))
            except LookupError:
                continue
            was = target_rules.lowered_from(scale, target.grade, before)
            approver = target.approved_by
            roles = None if approver is None else (["allowed"] if approver in slt_ids else [])
            if was is not None and not target_rules.may_lower(roles, ["allowed"]):
                commit = version.commit
                findings.append(Finding(history_for_file.path, commit, subject, was, target.grade,
                                        commit.author, commit.date, approver))
    findings.reverse()
    return findings


def memo_targets(memo: HistoryMemo | None, blob: str | None, text: str) -> dict[str, target_rules.Entry] | None:
    """A version's targets, from `memo` when given (by blob id), else read (and kept for this process)."""
    return version_targets(text) if memo is None else memo.targets(blob, text, version_targets)


@lru_cache(maxsize=65536)
def version_targets(text: str) -> dict[str, target_rules.Entry] | None:
    """A version's targets only (small, so many can be kept): `check` and the lowered-target finding read the same versions."""
    record = _parse(text)
    return None if record is None else target_rules.entries(record)


@lru_cache(maxsize=4096)
def _parse(text: str) -> dict[str, Any] | None:
    """Cached: each text is both a before and an after, and the trail and the target checks read the same versions."""
    try:
        data = parse_text(text, "version").data
    except (InvalidInput, RecursionError, ValueError, MemoryError):
        return None
    return data if isinstance(data, dict) else None


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _grade(value: Any) -> str | None:
    """Targets are a grade or (new format) {grade, was, changed_on, approved_by, reason}; grades are labels."""
    if isinstance(value, dict):
        value = value.get("grade")
    if value is None or isinstance(value, bool):
        return None
    return str(value)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    return str(value)


def _number(value: Any) -> Any:
    """93 and 93.0 are the same attendance, and both read '93.0'."""
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _same(a: Any, b: Any) -> bool:
    return bool(a == b) and isinstance(a, bool) == isinstance(b, bool)


def _kind(old: Any, new: Any) -> Literal["added", "removed", "changed"]:
    return "added" if old is None else "removed" if new is None else "changed"


def _keys(old: Mapping[Any, Any], new: Mapping[Any, Any]) -> list[Any]:
    """Keys in the new version's order, then those only the old one had."""
    return list(new) + [k for k in old if k not in new]


IDENTITY = (("first_name", "first name"), ("last_name", "last name"), ("year", "year"), ("form", "form"),
            ("mentor", "mentor"), ("upn", "UPN"), ("date_of_birth", "date of birth"), ("gender", "gender"))
CONTEXT = {"fsm": ("free school meals", False), "ever6": ("Ever 6 FSM", False),
           "pupil_premium": ("pupil premium", False), "looked_after": ("looked after", False),
           "previously_looked_after": ("previously looked after", False),
           "sen": ("SEN", "N"), "eal": ("EAL", False), "ethnicity": ("ethnicity", None),
           "gifted": ("gifted and talented", False), "dsl_check": ("DSL check", False)}
BASELINE = {"ks2": "KS2", "cat": "CAT", "fft": "FFT estimate"}
MENTORING = (("status", "mentoring status"), ("referred_on", "referred on"), ("referred_by", "referred by"),
             ("started_on", "mentoring started on"), ("next_review", "next review"),
             ("exited_on", "exited on"), ("exit_reason", "exit reason"))
KNOWN = {key for key, _ in IDENTITY} | {"context", "baseline", "mentoring", "targets", "assessments", "attitude",
                                       "plan", "meetings", "contacts", "interventions"}
_Item = tuple[int, dict[Any, Any]]


class _Describe:
    """Walks two parsed versions section by section, in the order the record format lists them."""

    def __init__(self, subjects: Names, half_terms: Names) -> None:
        self.subjects, self.half_terms = subjects, half_terms
        self.out: list[Change] = []

    def subject(self, ident: Any) -> str:
        return self.subjects.get(str(ident)) or str(ident).capitalize()

    def term(self, ident: Any) -> str:
        return self.half_terms.get(str(ident)) or str(ident)

    def scalar(self, path: KeyPath, label: str, old: Any, new: Any, default: Any = None, note: str = "") -> None:
        old = default if old is None or old is _MISSING else old
        new = default if new is None or new is _MISSING else new
        if _same(old, new):
            return
        if old is None:
            self.out.append(Change(path, "added", f"{label} added: {_show(new)}{note}", None, new))
        elif new is None:
            self.out.append(Change(path, "removed", f"{label} removed (was {_show(old)})", old, None))
        else:
            self.out.append(Change(path, "changed", f"{label} {_show(old)} → {_show(new)}{note}", old, new))

    def text(self, path: KeyPath, label: str, old: Any, new: Any) -> None:
        """Free text (notes) is said to have changed, not quoted: it can be long and restricted."""
        old, new = old or None, new or None
        if not _same(old, new):
            kind = _kind(old, new)
            self.out.append(Change(path, kind, f"{label} {kind}", old, new))

    def strings(self, path: KeyPath, label: str, old: list[Any], new: list[Any]) -> None:
        """A list of sentences (reasons, strategies, actions): what was added and what removed."""
        remaining = [_show(x) for x in old]
        for index, item in enumerate(new):
            if _show(item) in remaining:
                remaining.remove(_show(item))
            else:
                self.out.append(Change(path + (index,), "added", f"{label} added: {_show(item)}", None, item))
        shown_new = [_show(x) for x in new]
        for index, item in enumerate(old):
            if _show(item) in shown_new:
                shown_new.remove(_show(item))
            else:
                self.out.append(Change(path + (index,), "removed", f"{label} removed: {_show(item)}", item, None))

    def record(self, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
        for key, label in IDENTITY:
            self.scalar((key,), label, old.get(key), new.get(key))
        old_ctx, new_ctx = _mapping(old.get("context")), _mapping(new.get("context"))
        for key in _keys(old_ctx, new_ctx):
            label, default = CONTEXT.get(key, (str(key).replace("_", " "), None))
            self.scalar(("context", key), label, old_ctx.get(key), new_ctx.get(key), default)
        old_base, new_base = _mapping(old.get("baseline")), _mapping(new.get("baseline"))
        for group in _keys(old_base, new_base):
            before, after = _mapping(old_base.get(group)), _mapping(new_base.get(group))
            for key in _keys(before, after):
                name = self.subject(key) if group == "fft" else str(key).replace("_", "-")
                self.scalar(("baseline", group, key), f"{BASELINE.get(group, group)} {name}",
                            before.get(key), after.get(key))
        self.mentoring(_mapping(old.get("mentoring")), _mapping(new.get("mentoring")))
        self.targets(_mapping(old.get("targets")), _mapping(new.get("targets")))
        self.grades(_mapping(old.get("assessments")), _mapping(new.get("assessments")))
        self.attitude(_mapping(old.get("attitude")), _mapping(new.get("attitude")))
        self.plan(_mapping(old.get("plan")), _mapping(new.get("plan")))
        self.items("meetings", "meeting", old, new, [("date", "kind"), ("date",)],
                   lambda x: (_show(x.get("date")), _show(x.get("kind", "one-to-one"))), self.meeting)
        self.items("contacts", "contact", old, new, [("date", "with", "method"), ("date", "with"), ("date",)],
                   lambda x: (_show(x.get("date")), f"{_show(x.get('with'))}, {_show(x.get('method'))}"), self.contact)
        self.items("interventions", "intervention", old, new, [("start", "what"), ("what",), ("start",)],
                   lambda x: (f"‘{_show(x.get('what'))}’", f"from {_show(x.get('start'))}"), self.intervention)
        for key in sorted(_keys(old, new), key=str):
            if key not in KNOWN:
                self.generic((key,), str(key).replace("_", " "), old.get(key, _MISSING), new.get(key, _MISSING))
        return self.out

    def mentoring(self, old: dict[Any, Any], new: dict[Any, Any]) -> None:
        for key, label in MENTORING:
            self.scalar(("mentoring", key), label, old.get(key), new.get(key), "none" if key == "status" else None)
        self.strings(("mentoring", "reasons"), "reason", _list(old.get("reasons")), _list(new.get("reasons")))

    def targets(self, old: dict[Any, Any], new: dict[Any, Any]) -> None:
        """Compared on the grade whichever format; a new grade's approval is said alongside it."""
        for key in _keys(old, new):
            value = new.get(key)
            details = value if isinstance(value, dict) else {}
            note = f" (approved by {details['approved_by']}" if details.get("approved_by") else ""
            note += (f": {details['reason']})" if details.get("reason") else ")") if note else ""
            self.scalar(("targets", key), f"{self.subject(key)} target", _grade(old.get(key)), _grade(value), note=note)

    def grades(self, old: dict[Any, Any], new: dict[Any, Any]) -> None:
        for term in _keys(old, new):
            before, after = _mapping(old.get(term)), _mapping(new.get(term))
            for key in _keys(before, after):
                self.scalar(("assessments", term, key), f"assessment {self.term(term)} {self.subject(key)}",
                            _grade(before.get(key)), _grade(after.get(key)))

    def attitude(self, old: dict[Any, Any], new: dict[Any, Any]) -> None:
        for term in _keys(old, new):
            before, after = _mapping(old.get(term)), _mapping(new.get(term))
            for key in _keys(before, after):
                self.scalar(("attitude", term, key), f"attitude {self.term(term)} {key}",
                            _number(before.get(key)), _number(after.get(key)))

    def plan(self, old: dict[Any, Any], new: dict[Any, Any]) -> None:
        before = {str(t.get("text")): (i, t) for i, t in enumerate(_list(old.get("targets"))) if isinstance(t, dict)}
        after = {str(t.get("text")): (i, t) for i, t in enumerate(_list(new.get("targets"))) if isinstance(t, dict)}
        for text in _keys(before, after):
            if text not in before:
                self.out.append(Change(("plan", "targets", after[text][0]), "added", f"plan target added: {text}",
                                       None, after[text][1]))
            elif text not in after:
                self.out.append(Change(("plan", "targets", before[text][0]), "removed",
                                       f"plan target removed: {text}", before[text][1], None))
            else:
                self.scalar(("plan", "targets", after[text][0], "by"), f"plan target ‘{text}’ date",
                            before[text][1].get("by"), after[text][1].get("by"))
        self.strings(("plan", "strategies"), "plan strategy", _list(old.get("strategies")), _list(new.get("strategies")))
        self.scalar(("plan", "review_on"), "plan review date", old.get("review_on"), new.get("review_on"))

    def items(self, section: str, noun: str, old_record: dict[str, Any], new_record: dict[str, Any],
              keys: list[tuple[str, ...]], name: Callable[[dict[Any, Any]], tuple[str, str]],
              fields: Callable[[KeyPath, str, dict[Any, Any], dict[Any, Any]], None]) -> None:
        """Dated lists are matched by content (date, then kind/what), never by position: inserting one shifts none.

        `keys` are tried in turn, strictest first; `name(item)` gives the
        words that identify an item and the detail added when two share them.
        """
        old = [(i, x) for i, x in enumerate(_list(old_record.get(section))) if isinstance(x, dict)]
        new = [(i, x) for i, x in enumerate(_list(new_record.get(section))) if isinstance(x, dict)]
        ambiguous = {n for side in (old, new) for n in [name(x)[0] for _, x in side]
                     if sum(name(y)[0] == n for _, y in side) > 1}
        pairs: list[tuple[_Item | None, _Item | None]] = []
        for key in keys:
            for item in list(new):
                probe = tuple(_show(item[1].get(k)) for k in key)
                match = next((o for o in old if tuple(_show(o[1].get(k)) for k in key) == probe), None)
                if match is not None:
                    old.remove(match)
                    new.remove(item)
                    pairs.append((match, item))
        pairs += [(None, item) for item in new] + [(item, None) for item in old]

        def label(item: dict[Any, Any]) -> str:
            words, detail = name(item)
            return f"{noun} {words}" + (f" ({detail})" if words in ambiguous and detail else "")

        def order(pair: tuple[_Item | None, _Item | None]) -> tuple[str, int, int]:
            index, item = pair[1] or pair[0] or (0, {})
            return (_show(item.get(keys[-1][0])), 0 if pair[1] else 1, index)

        for before, after in sorted(pairs, key=order):
            if before is None and after is not None:
                self.out.append(Change((section, after[0]), "added", f"{label(after[1])} added", None, after[1]))
            elif after is None and before is not None:
                self.out.append(Change((section, before[0]), "removed", f"{label(before[1])} removed", before[1], None))
            elif before is not None and after is not None:
                fields((section, after[0]), label(after[1]), before[1], after[1])

    def meeting(self, path: KeyPath, label: str, old: dict[Any, Any], new: dict[Any, Any]) -> None:
        self.scalar(path + ("date",), f"{label} date", old.get("date"), new.get("date"))
        self.scalar(path + ("kind",), f"{label} kind", old.get("kind"), new.get("kind"), "one-to-one")
        self.text(path + ("notes",), f"{label} notes", old.get("notes"), new.get("notes"))
        self.strings(path + ("actions",), f"{label} action", _list(old.get("actions")), _list(new.get("actions")))

    def contact(self, path: KeyPath, label: str, old: dict[Any, Any], new: dict[Any, Any]) -> None:
        for key in ("date", "with", "method"):
            self.scalar(path + (key,), f"{label} {key}", old.get(key), new.get(key))
        self.scalar(path + ("outcome",), f"{label} outcome", old.get("outcome"), new.get("outcome"), "reached")
        self.text(path + ("notes",), f"{label} notes", old.get("notes"), new.get("notes"))

    def intervention(self, path: KeyPath, label: str, old: dict[Any, Any], new: dict[Any, Any]) -> None:
        was, now = old.get("subject"), new.get("subject")
        self.scalar(path + ("subject",), f"{label} subject", was and self.subject(was), now and self.subject(now))
        for key in ("what", "start", "end"):
            self.scalar(path + (key,), f"{label} {key}", old.get(key), new.get(key))
        self.scalar(path + ("outcome",), f"{label} outcome", old.get("outcome"), new.get("outcome"), "ongoing")

    def generic(self, path: KeyPath, label: str, old: Any, new: Any) -> None:
        """A key the format does not (yet) know: described plainly rather than dropped."""
        if isinstance(old, dict) and isinstance(new, dict):
            for key in _keys(old, new):
                self.generic(path + (key,), f"{label} {key}", old.get(key, _MISSING), new.get(key, _MISSING))
        elif isinstance(old, (dict, list)) or isinstance(new, (dict, list)):
            old, new = (None if x is _MISSING else x for x in (old, new))
            if not _same(old, new):
                kind = _kind(old, new)
                self.out.append(Change(path, kind, f"{label} {kind}", old, new))
        else:
            self.scalar(path, label, old, new)

