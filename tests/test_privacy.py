"""No leaks, as a property: over many synthetic schools, nothing for governors names a pupil, and nothing for a family names another pupil or holds a restricted or staff-only value.

Renders the HTML each audience's documents are made from (the PDFs are
printed from exactly this HTML), so many schools can be checked quickly;
test_build.py checks the PDFs themselves for the example school.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import views
from generator.build import check, derive
from generator.sources.identifiers import make_upn
from generator.commands.sample import write_sample
from generator.output.plan import plan
from generator.output.render import environments, render
from generator.output.templates import template_set

AS_OF = dt.date(2026, 11, 20)


def _plant_canaries(root: Path) -> dict[str, dict[str, list[str]]]:
    """Give every pupil unique strings in each restricted and staff-only field; return them by pupil id."""
    planted: dict[str, dict[str, list[str]]] = {}
    for path in sorted((root / "pupils").glob("*.yaml")):
        pid, record = path.stem, yaml.safe_load(path.read_text(encoding="utf-8"))
        tag = pid.replace("p", "Q")
        restricted = [f"{tag}Ethnicity", make_upn(f"821{int(pid[1:]):09d}")]
        staff = [f"{tag}Reason", f"{tag}Note", f"{tag}Contact", f"{tag}Intervention", f"{tag}Referrer"]
        record.setdefault("context", {})["ethnicity"] = restricted[0]
        record["upn"] = restricted[1]
        mentoring = record.setdefault("mentoring", {"status": "none"})
        if mentoring.get("status", "none") != "none":
            mentoring["reasons"] = [f"{staff[0]} in maths"]
            mentoring["referred_by"] = staff[4]
        record["meetings"] = [{"date": dt.date(2026, 10, 5), "notes": f"Spoke about {staff[1]}."}]
        record["contacts"] = [{"date": dt.date(2026, 10, 6), "with": "Carer", "method": "phone", "notes": staff[2]}]
        record["interventions"] = [{"what": staff[3], "start": dt.date(2026, 10, 1)}]
        path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True), encoding="utf-8")
        planted[pid] = {"restricted": restricted, "staff": staff,
                        "name": [f"{record['first_name']} {record['last_name']}", pid]}
    return planted


PAPERWORK_FAMILY_DOCUMENTS = {"report-cards", "reviews", "agreement.pdf", "criteria.pdf", "my-mentoring-file.pdf", "key-dates.pdf"}
"""The family documents of issue 14's paperwork; each must be rendered for the canaries to mean anything."""


def _plant_paperwork(root: Path, planted: dict[str, dict[str, list[str]]]) -> None:
    """Switch every paperwork feature on, fill every family-safe paperwork field, and plant canaries in every staff-only or restricted one."""
    site_path = root / "site.yaml"
    site = yaml.safe_load(site_path.read_text(encoding="utf-8"))
    site.setdefault("scheme", {})["criteria"] = {"bands": [{"from": 1, "label": "emerging"}, {"from": 3, "label": "developing"}]}
    site["scheme"]["paperwork"] = {
        "report_cards": {}, "sessions": {}, "slips": {}, "agreement": {"years": [7, 8, 9, 10, 11, 12, 13]},
        "surveys": {"statements": ["Ready to learn", "Keeps going"]}, "big_write": {}, "reviews_home": True,
        "predicted_grades": True, "target_setting": True, "self_assessment": True, "pupil_file": True, "file_records": True,
        "exit_plans": True, "criteria_wording": {"M1.01": "I can add two numbers", "M1.02": "I can halve a number"},
        "key_dates": [{"date": dt.date(2027, 5, 10), "what": "Exams begin", "kind": "exam"}]}
    # P1's group plans are staff only, every field of them: a canary in each, the whole school as members
    members = sorted(p.stem for p in (root / "pupils").glob("*.yaml"))
    group = ["QGroupName", "QGroupTarget", "QGroupStrategy", "QGroupSession"]
    site["scheme"]["paperwork"]["group_plans"] = [{
        "id": "canary-group", "name": group[0], "mentor": site["staff"][0]["id"], "members": members,
        "targets": [group[1]], "strategies": [group[2]],
        "sessions": [{"date": dt.date(2026, 11, 3), "what": group[3], "absent": members[:1]}]}]
    for pid in members:
        planted[pid]["staff"] += group
    site_path.write_text(yaml.safe_dump(site, sort_keys=False, allow_unicode=True), encoding="utf-8")
    for path in sorted((root / "pupils").glob("*.yaml")):
        pid, record = path.stem, yaml.safe_load(path.read_text(encoding="utf-8"))
        tag = pid.replace("p", "Q")
        staff = [f"{tag}CardLog", f"{tag}FollowUp", f"{tag}SlipText", f"{tag}SlipFrom", f"{tag}ReviewNote", f"{tag}Agency",
                 f"{tag}ReferredTo", f"{tag}Rater", f"{tag}Reflection"]
        restricted = ["17 February 2019", "19 March 2019"]  # the IEP and risk assessment dates, as a document would print them
        record["report_cards"] = [{"week_of": dt.date(2026, 11, 16), "targets": ["Homework in on time"],
                                   "days": [{"date": dt.date(2026, 11, 16), "checked_in": True, "lessons": [1, 2]}], "log": staff[0]}]
        record["sessions"] = [{"date": dt.date(2026, 11, 10), "attended": False, "followed_up": dt.date(2026, 11, 11),
                               "follow_up_notes": staff[1]}]
        record["slips"] = [{"date": dt.date(2026, 11, 12), "from": staff[3], "kind": "concern", "text": staff[2]}]
        record["agreement"] = {"sent_on": dt.date(2026, 9, 7)}
        record["reviews"] = [{"date": dt.date(2026, 11, 2), "summary": "A steady half term.", "staff_notes": staff[4]}]
        record["agencies"] = [{"name": staff[5]}]
        record["exit_plan"] = {"criteria": ["Homework on time"], "route": "refer on", "referred_to": staff[6]}
        record["surveys"] = {"before": {"sent_on": dt.date(2026, 9, 20), "reflection": staff[8],
                                        "ratings": [{"by": staff[7], "returned_on": dt.date(2026, 9, 25), "scores": [3, 4]}]}}
        record["criteria"] = {"maths": {"stage": 1, "record": {"M1.01": "X", "M1.02": "/"}}}
        record["self_assessment"] = {"maths": {"on": dt.date(2026, 11, 16), "record": {"M1.02": "X"}}}
        record["big_writes"] = [{"date": dt.date(2026, 11, 6), "title": "A story", "marks": {"Paragraphs": "green"}}]
        record["file_records"] = {"awards": [{"date": dt.date(2026, 10, 1), "what": "Star of the week"}],
                                  "iep_on": dt.date(2019, 2, 17), "risk_assessment_on": dt.date(2019, 3, 19)}
        path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True), encoding="utf-8")
        planted[pid]["staff"] += staff
        planted[pid]["restricted"] += restricted


def _audience_html(root: Path) -> dict[str, str]:
    """Every governors' and families' output, rendered to the HTML it is built from, entities decoded for searching."""
    checked = check(root)
    school = derive(root, checked, AS_OF)
    policies = tuple(views.policy(s, m, b, AS_OF) for s, (m, b, _l) in sorted(checked.policies.items()))
    outputs = plan(school, views.staff_site(school), views.governors_site(school, policies))
    envs = environments(template_set(root))
    return {o.dest: html.unescape(render(envs[o.audience], o.template, o.page, **o.context))
            for o in outputs if o.audience in ("governors", "families")}


def _contains(text: str, needle: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(needle)}(?![\w-])", text) is not None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=10_000), pupils=st.integers(min_value=5, max_value=25))
def test_no_audience_receives_what_it_may_not_see(seed: int, pupils: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "school"
        write_sample(pupils, root, seed=seed)
        planted = _plant_canaries(root)
        _plant_paperwork(root, planted)
        html = _audience_html(root)
    kinds = {dest.split("/", 2)[2].split("/")[0] for dest in html if dest.startswith("families/")}
    assert PAPERWORK_FAMILY_DOCUMENTS <= kinds, f"no {PAPERWORK_FAMILY_DOCUMENTS - kinds}: the canaries would pass unread"
    every_secret = [s for p in planted.values() for s in p["restricted"] + p["staff"]]
    for dest, text in html.items():
        if dest.startswith("governors/"):
            leaked = [n for p in planted.values() for n in p["name"] if _contains(text, n)] + [s for s in every_secret if s in text]
            assert leaked == [], f"{dest} shows {leaked}"
            continue
        owner = dest.split("/")[1]
        own_name = planted[owner]["name"][0]
        assert own_name in text, f"{dest} should name its own pupil"
        others = [p["name"][0] for pid, p in planted.items() if pid != owner and p["name"][0] != own_name]
        leaked = [n for n in others if n in text] + [s for s in every_secret if s in text]
        assert leaked == [], f"{dest} shows {leaked}"
