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
        html = _audience_html(root)
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
