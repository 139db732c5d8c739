"""sources.paperwork_checks: validation of the policies' paperwork fields — switched on per school, references resolve, dates make sense; every problem located.

Like validate.py it collects every problem and computes no judgement. A
field whose feature the school's scheme leaves off is reported exactly as an
unknown field is today (`pupil.field.unknown`), with a hint naming the switch.
"""

from __future__ import annotations

import itertools

from generator.sources.diagnostics import Diagnostic, did_you_mean, one_of
from generator.sources.load import KeyPath, Located
from generator.sources.paperwork import FEATURE_OF_FIELD, feature_on
from generator.sources.schema import Pupil, Site


def check_paperwork(pupil: Pupil, doc: Located, site: Site) -> list[Diagnostic]:
    """Paperwork fields are refused when the school does not run them; otherwise their references and dates are checked."""
    out: list[Diagnostic] = []
    paperwork = site.scheme.paperwork
    data = doc.data if isinstance(doc.data, dict) else {}

    def bad(path: KeyPath, code: str, message: str, key: bool = False) -> None:
        out.append(Diagnostic(doc.path, doc.at(path, key=key), f"pupil.{code}", message))

    off: set[str] = set()
    for field, (switch, words) in FEATURE_OF_FIELD.items():
        if field in data and not feature_on(paperwork, switch):
            off.add(field)
            bad((field,), "field.unknown", f"unknown field '{field}' in a pupil record: this school does not run {words}; "
                f"switch it on with 'scheme.paperwork.{switch}' in site.yaml, or remove the field", key=True)
    subjects = {s.id: s for s in site.subjects}
    staff = [s.id for s in site.staff]

    def subject_ref(path: KeyPath, subject_id: str, key: bool = True) -> bool:
        if subject_id in subjects:
            return True
        bad(path, "ref.subject", f"{_dotted(path)}: '{subject_id}' is not a subject in site.yaml; expected {one_of(subjects)}"
            f"{did_you_mean(subject_id, subjects)}", key=key)
        return False

    if "report_cards" not in off:
        rule = paperwork.report_cards
        for i, card in enumerate(pupil.report_cards):
            if card.week_of.weekday() != 0:
                bad(("report_cards", i, "week_of"), "card.week", f"report_cards[{i + 1}].week_of: {card.week_of} is a "
                    f"{card.week_of:%A}; give the Monday the week starts on")
            for j, day in enumerate(card.days):
                if not 0 <= (day.date - card.week_of).days <= 6:
                    bad(("report_cards", i, "days", j, "date"), "card.day",
                        f"report_cards[{i + 1}].days[{j + 1}].date: {day.date} is not in the week of {card.week_of}")
                if rule is not None and len(day.lessons) > rule.lessons_per_day:
                    bad(("report_cards", i, "days", j, "lessons"), "card.lessons",
                        f"report_cards[{i + 1}].days[{j + 1}].lessons: {len(day.lessons)} marks, but the school day has "
                        f"{rule.lessons_per_day} lessons (scheme.paperwork.report_cards.lessons_per_day)")
    if "sessions" not in off:
        for i, session in enumerate(pupil.sessions):
            if session.followed_up is not None and session.followed_up < session.date:
                bad(("sessions", i, "followed_up"), "dates.order",
                    f"sessions[{i + 1}].followed_up: {session.followed_up} is before the session on {session.date}")
            if session.attended and session.followed_up is not None:
                bad(("sessions", i, "followed_up"), "session.follow_up",
                    f"sessions[{i + 1}].followed_up: the pupil attended, so there is no absence to follow up")
    if "surveys" not in off and pupil.surveys is not None and paperwork.surveys is not None:
        count, top = len(paperwork.surveys.statements), paperwork.surveys.scale_max
        for when in ("before", "after"):
            survey = getattr(pupil.surveys, when)
            for i, rating in enumerate(survey.ratings if survey else ()):
                path: KeyPath = ("surveys", when, "ratings", i, "scores")
                if rating.scores and len(rating.scores) != count:
                    bad(path, "survey.scores", f"surveys.{when}.ratings[{i + 1}].scores: {len(rating.scores)} scores, "
                        f"expected one for each of the {count} statements in scheme.paperwork.surveys")
                if any(s > top for s in rating.scores):
                    bad(path, "survey.scores", f"surveys.{when}.ratings[{i + 1}].scores: scores run from 1 to {top}")
                if rating.returned_on is None and rating.scores:
                    bad(path, "survey.returned", f"surveys.{when}.ratings[{i + 1}]: scores are given but returned_on is missing")
        if pupil.surveys.before and pupil.surveys.after and pupil.surveys.after.sent_on < pupil.surveys.before.sent_on:
            bad(("surveys", "after", "sent_on"), "dates.order", "surveys.after.sent_on: before surveys.before.sent_on")
    if "slips" not in off:
        for i, slip in enumerate(pupil.slips):
            if slip.subject is not None:
                subject_ref(("slips", i, "subject"), slip.subject, key=False)
            if slip.seen_on is not None and slip.seen_on < slip.date:
                bad(("slips", i, "seen_on"), "dates.order", f"slips[{i + 1}].seen_on: {slip.seen_on} is before the slip's date {slip.date}")
    if "agreement" not in off and pupil.agreement is not None:
        a = pupil.agreement
        for name in ("signed_by_pupil", "signed_by_parent", "returned_on"):
            when = getattr(a, name)
            if when is not None and when < a.sent_on:
                bad(("agreement", name), "dates.order", f"agreement.{name}: {when} is before it was sent on {a.sent_on}")
    if "reviews" not in off:
        for i, review in enumerate(pupil.reviews):
            if review.next_review is not None and review.next_review <= review.date:
                bad(("reviews", i, "next_review"), "dates.order",
                    f"reviews[{i + 1}].next_review: {review.next_review} is not after the review on {review.date}")
    if "predicted" not in off:
        for subject_id, grade in pupil.predicted.items():
            if subject_ref(("predicted", subject_id), subject_id):
                labels = site.scales[subjects[subject_id].scale].labels
                if grade not in labels:
                    bad(("predicted", subject_id), "grade.off_scale", f"predicted.{subject_id}: '{grade}' is not a grade on the "
                        f"{site.scales[subjects[subject_id].scale].name} scale; expected {one_of(labels)}{did_you_mean(grade, labels)}")
    if "target_setting" not in off:
        for subject_id, setting in pupil.target_setting.items():
            if not subject_ref(("target_setting", subject_id), subject_id):
                continue
            if setting.confirmed_by is not None and setting.confirmed_by not in staff:
                bad(("target_setting", subject_id, "confirmed_by"), "ref.staff",
                    f"target_setting.{subject_id}.confirmed_by: '{setting.confirmed_by}' is not a member of staff in site.yaml"
                    f"{did_you_mean(setting.confirmed_by, staff)}")
            order = [(n, getattr(setting, n)) for n in ("drafted_on", "confirmed_on", "agreed_on")]
            dated = [(n, d) for n, d in order if d is not None]
            for (first, a_day), (second, b_day) in itertools.pairwise(dated):
                if b_day < a_day:
                    bad(("target_setting", subject_id, second), "dates.order",
                        f"target_setting.{subject_id}.{second}: {b_day} is before {first} {a_day}")
    if "self_assessment" not in off:
        for subject_id, own in pupil.self_assessment.items():
            if not subject_ref(("self_assessment", subject_id), subject_id):
                continue
            known = pupil.criteria.get(subject_id)
            codes = set(known.record) if known else set()
            codes |= set(paperwork.criteria_wording)
            for code in own.record:
                if code not in codes:
                    bad(("self_assessment", subject_id, "record", code), "ref.criterion",
                        f"self_assessment.{subject_id}.record: '{code}' is not a criterion in criteria.{subject_id} "
                        f"or scheme.paperwork.criteria_wording{did_you_mean(code, codes)}", key=True)
    if "big_writes" not in off:
        dates = [w.date for w in pupil.big_writes]
        if dates != sorted(dates):
            bad(("big_writes",), "dates.order", "big_writes: list each piece of writing in date order, oldest first")
    if "exit_plan" not in off and pupil.exit_plan is not None:
        plan = pupil.exit_plan
        if plan.route == "refer on" and not plan.referred_to:
            bad(("exit_plan", "route"), "exit.referred_to", "exit_plan.route is 'refer on'; add referred_to: who the pupil was referred to")
    return out


def _dotted(path: KeyPath) -> str:
    return ".".join(str(p) if not isinstance(p, int) else f"[{p + 1}]" for p in path).replace(".[", "[")



def check_group_plans(site: Site, doc: Located, pupil_ids: set[str]) -> list[Diagnostic]:
    """P1's group plans in site.yaml: unique ids, members that are pupils (once each), a mentor on the staff list; located."""
    out: list[Diagnostic] = []
    staff = [s.id for s in site.staff]
    seen: set[str] = set()
    base = ("scheme", "paperwork", "group_plans")

    def bad(path: KeyPath, code: str, message: str) -> None:
        out.append(Diagnostic(doc.path, doc.at(base + path), f"site.group.{code}", message))

    for i, group in enumerate(site.scheme.paperwork.group_plans):
        where = f"scheme.paperwork.group_plans[{i + 1}]"
        if group.id in seen:
            bad((i, "id"), "duplicate", f"{where}.id: '{group.id}' names another group too; give each group its own id")
        seen.add(group.id)
        if group.mentor not in staff:
            bad((i, "mentor"), "mentor", f"{where}.mentor: '{group.mentor}' is not on the staff list in site.yaml; "
                f"expected {one_of(staff)}{did_you_mean(group.mentor, staff)}")
        members: set[str] = set()
        for j, member in enumerate(group.members):
            if member not in pupil_ids:
                bad((i, "members", j), "member", f"{where}.members[{j + 1}]: '{member}' is not a pupil (no pupils/{member}.yaml)"
                    f"{did_you_mean(member, sorted(pupil_ids))}")
            elif member in members:
                bad((i, "members", j), "member", f"{where}.members[{j + 1}]: '{member}' is listed twice")
            members.add(member)
        for k, session in enumerate(group.sessions):
            for m, pid in enumerate(session.absent):
                if pid not in group.members:
                    bad((i, "sessions", k, "absent", m), "absent",
                        f"{where}.sessions[{k + 1}].absent[{m + 1}]: '{pid}' is not a member of the group")
    return out
