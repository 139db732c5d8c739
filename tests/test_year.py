"""A small school walked through a whole year (issue 11): six half terms of grades, reviews held on their dates and one
missed, targets raised, a pupil who exits and one who joins. At every step the judgements are checked against what the
records say, as of that step's date: nothing done shows as overdue, no family reads a past date as a plan, every pupil
has exactly the actions its record implies, and the progress meeting's page and printed sheet list the same pupils."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from judging import past_dates_as_plans, rendered, school_at, text_of
from support import SITES, pdf_text

from generator.output.templates import PACKAGED as PACKAGE_TEMPLATES
from generator.judge.warnings import warnings
from generator.output import pdf
from generator.sources.inputs import load_school
from generator.views import sheets
from generator.views.staff import progress_meeting, staff_site

D = dt.date
TERMS = [("au1", "Autumn 1", D(2026, 9, 3), D(2026, 10, 23)), ("au2", "Autumn 2", D(2026, 11, 2), D(2026, 12, 18)),
         ("sp1", "Spring 1", D(2027, 1, 5), D(2027, 2, 12)), ("sp2", "Spring 2", D(2027, 2, 22), D(2027, 3, 26)),
         ("su1", "Summer 1", D(2027, 4, 12), D(2027, 5, 28)), ("su2", "Summer 2", D(2027, 6, 7), D(2027, 7, 21))]
AS_OF = [D(2026, 10, 14), D(2026, 12, 2), D(2027, 2, 3), D(2027, 3, 17), D(2027, 5, 12), D(2027, 7, 7)]
"""Each step's date: a few weeks into the half term, after its grades are in."""
REFERRED, STARTED = D(2026, 9, 7), D(2026, 9, 10)

SITE = {
    "school": "Year Round School", "academic_year": "2026-27",
    "half_terms": [{"id": i, "name": n, "start": s, "end": e} for i, n, s, e in TERMS],
    "staff": [{"id": "mentor-a", "name": "Ms A. Mentor", "roles": ["mentor", "lead_mentor"]},
              {"id": "head", "name": "Dr H. Head", "roles": ["slt"]}],
    "scales": {"gcse": {"name": "GCSE 9–1", "grades": [str(g) for g in range(1, 10)]}},
    "subjects": [{"id": "maths", "name": "Mathematics", "scale": "gcse"}, {"id": "english", "name": "English", "scale": "gcse"}],
    "scheme": {"review_every_days": 42, "raise_when_exceeded": "all", "plan_required": True, "exit_when_targets_met": True,
               "below_target_needs_intervention": False},
}


@dataclass
class Pupil:
    """One pupil's record as the simulation keeps it; written out as YAML at every step."""

    first: str
    last: str
    status: str = "active"
    targets: dict[str, str] = field(default_factory=dict)
    grades: dict[str, dict[str, str]] = field(default_factory=dict)
    reviews: list[D] = field(default_factory=list)
    planned: D | None = None
    plan_by: D | None = None
    has_plan: bool = True
    referred_on: D = REFERRED
    started_on: D | None = STARTED
    exited_on: D | None = None

    def record(self) -> dict:
        out: dict = {"first_name": self.first, "last_name": self.last, "year": 9, "form": "9Y", "targets": dict(self.targets),
                     "assessments": {t: dict(g) for t, g in self.grades.items()}}
        if self.status != "none":
            out["mentor"] = "mentor-a"
            m: dict = {"status": self.status, "referred_on": self.referred_on}
            if self.started_on and self.status in ("active", "exited"):
                m["started_on"] = self.started_on
            if self.status == "active" and self.planned:
                m["next_review"] = self.planned
            if self.exited_on:
                m.update(exited_on=self.exited_on, exit_reason="Every target met")
            out["mentoring"] = m
            out["meetings"] = [{"date": d, "kind": "review", "notes": "Reviewed the plan together."} for d in self.reviews]
        if self.has_plan and self.status == "active" and self.planned:
            out["plan"] = {"targets": [{"text": f"Target for {self.first}", "by": self.plan_by}], "strategies": ["Homework club"],
                           "review_on": self.planned}
        return out


class Plain(yaml.SafeDumper):
    """Writes every value out in full: pupil files refuse YAML aliases."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def write(root: Path, current: str, pupils: dict[str, Pupil]) -> None:
    (root / "site.yaml").write_text(yaml.dump({**SITE, "current_half_term": current}, Dumper=Plain, sort_keys=False), encoding="utf-8")
    folder = root / "pupils"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for pid, p in pupils.items():
        (folder / f"{pid}.yaml").write_text(yaml.dump(p.record(), Dumper=Plain, sort_keys=False, allow_unicode=True), encoding="utf-8")


def expected_actions(p: Pupil, terms: list[str], as_of: D) -> set[str]:
    """What the record implies, worked out here from the policy's words rather than by the code under test."""
    out = set()
    if p.status == "referred":
        out.add("referral.new")
    if p.status == "active":
        last = max(p.reviews, default=None)  # a review held on (or up to a week before) the planned date satisfies it
        if p.planned is not None and (last is None or last < p.planned - dt.timedelta(days=7)):
            due = p.planned
        else:
            anchor = last or p.started_on
            due = anchor + dt.timedelta(days=42) if anchor else None
        if due is not None and due < as_of:
            out.add("review.overdue")
        elif due is not None and (due - as_of).days <= 7:
            out.add("review.due")
        if not p.has_plan:
            out.add("plan.missing")
        round_grades = p.grades.get(terms[-1], {})
        if p.targets and all(int(round_grades.get(s, "0")) >= int(t) for s, t in p.targets.items()):
            out.add("exit.ready")
    for subject, target in p.targets.items():
        latest = next((p.grades[t][subject] for t in reversed(terms) if subject in p.grades.get(t, {})), None)
        if latest is not None and int(latest) > int(target):
            out.add("target.raise")
    return out


def hold_review(p: Pupil, on: D, next_on: D) -> None:
    p.reviews.append(on)
    p.planned, p.plan_by = next_on, next_on


def test_a_year_of_records(tmp_path: Path) -> None:
    root = tmp_path / "school"
    shutil.copytree(SITES / "tiny" / "content", root / "content")
    pupils = {
        "amy": Pupil("Amy", "Ashdown", targets={"maths": "5", "english": "5"}, planned=D(2026, 11, 20), plan_by=D(2026, 11, 20)),
        "ben": Pupil("Ben", "Brack", targets={"maths": "6", "english": "5"}, planned=D(2026, 11, 18), plan_by=D(2026, 11, 18)),
        "cara": Pupil("Cara", "Culme", targets={"maths": "4", "english": "4"}, planned=D(2026, 11, 25), plan_by=D(2026, 11, 25)),
        "eli": Pupil("Eli", "Ebbs", status="none", targets={"maths": "6", "english": "6"}),
    }
    grades = {  # per half term: the round's grades, pupil by pupil (Eli's Spring 1 grades are late, and Dev has just joined)
        "au1": {"amy": ("4", "5"), "ben": ("5", "5"), "cara": ("3", "4"), "eli": ("6", "6")},
        "au2": {"amy": ("6", "5"), "ben": ("5", "5"), "cara": ("3", "4"), "eli": ("6", "7")},
        "sp1": {"amy": ("6", "5"), "ben": ("5", "4"), "cara": ("4", "3")},
        "sp2": {"amy": ("6", "6"), "ben": ("6", "5"), "cara": ("4", "4"), "eli": ("6", "6"), "dev": ("4", "4")},
        "su1": {"amy": ("6", "6"), "ben": ("6", "5"), "cara": ("4", "5"), "eli": ("6", "6"), "dev": ("4", "5")},
        "su2": {"amy": ("7", "6"), "ben": ("6", "6"), "cara": ("5", "4"), "eli": ("6", "6"), "dev": ("5", "5")},
    }
    profiles_checked = 0
    for step, (term, _name, _start, _end) in enumerate(TERMS):
        as_of = AS_OF[step]
        # --- what happened in the school since the last step ---------------------------------------------------------
        if step == 1:
            for pid in ("amy", "ben", "cara"):  # every review held on its planned date
                p = pupils[pid]
                assert p.planned is not None
                hold_review(p, p.planned, D(2027, 1, 20) if pid != "ben" else D(2027, 1, 13))
        if step == 2:
            pupils["amy"].targets["maths"] = "7"  # raised after Autumn 2 (P4, P5: above target, the target is raised)
            pupils["eli"].targets["english"] = "7"
            hold_review(pupils["amy"], D(2027, 1, 20), D(2027, 3, 3))
            hold_review(pupils["cara"], D(2027, 1, 20), D(2027, 3, 3))
            # Ben's review on 13 January is missed: it must show as overdue, and his family must not read it as a plan.
            pupils["dev"] = Pupil("Dev", "Dunmore", status="referred", referred_on=D(2027, 1, 25), started_on=None, has_plan=False,
                                  targets={"maths": "5", "english": "5"})
        if step == 3:
            hold_review(pupils["ben"], D(2027, 2, 8), D(2027, 3, 22))  # held late: no longer overdue
            hold_review(pupils["amy"], D(2027, 3, 3), D(2027, 4, 28))
            hold_review(pupils["cara"], D(2027, 3, 3), D(2027, 4, 28))
            dev = pupils["dev"]
            dev.status, dev.started_on, dev.planned = "active", D(2027, 3, 1), D(2027, 4, 19)  # no plan written yet
        if step == 4:
            for pid in ("ben", "amy"):
                hold_review(pupils[pid], pupils[pid].planned or as_of, D(2027, 6, 16))
            cara = pupils["cara"]  # held on its date, but the mentor did not write a new date: due six weeks on, not overdue
            assert cara.planned is not None
            cara.reviews.append(cara.planned)
            pupils["dev"].has_plan, pupils["dev"].plan_by = True, D(2027, 5, 20)
            hold_review(pupils["dev"], D(2027, 4, 19), D(2027, 5, 20))
            pupils["amy"].targets["english"] = "6"
        if step == 5:
            cara = pupils["cara"]  # exit review held after Summer 1: every target met
            cara.reviews.append(D(2027, 5, 20))
            cara.status, cara.exited_on = "exited", D(2027, 5, 21)
            for pid in ("amy", "ben"):
                hold_review(pupils[pid], D(2027, 6, 16), D(2027, 7, 14))
            hold_review(pupils["dev"], D(2027, 5, 20), D(2027, 7, 1))  # and Dev's review on 1 July is missed
        for pid, (maths, english) in grades[term].items():
            pupils[pid].grades[term] = {"maths": maths, "english": english}
        write(root, term, pupils)

        # --- the judgements, as of this step ----------------------------------------------------------------------
        school = school_at(root, as_of)
        shown_terms = [t[0] for t in TERMS[: step + 1]]
        for facts in school.pupils:
            p = pupils[facts.id]
            assert {a.code for a in facts.actions} == expected_actions(p, shown_terms, as_of), (term, facts.id)
            if p.reviews and p.planned and p.reviews[-1] >= p.planned:
                assert "review.overdue" not in {a.code for a in facts.actions}, (term, facts.id)  # done is not overdue
        overdue = {a.pupil_id for a in school.actions if a.code == "review.overdue"}
        assert overdue == {"sp1": {"ben"}, "su2": {"dev"}}.get(term, set()), term

        lacking = [w for w in warnings(load_school(root), as_of) if w.code == "site.round.missing"]
        assert (term == "sp1") == bool(lacking) and (not lacking or "2 of 5 pupils" in lacking[0].message), term

        page = progress_meeting(school, staff_site(school))
        years = {f.display_name: f.record.year for f in school.pupils}
        year_sheets = sheets.progress_meetings(school)  # one per year group: each is the page's lists cut to its year
        assert [sheet.year for sheet in year_sheets] == sorted(set(years.values())), term
        for sheet in year_sheets:
            assert [r.name for r in page.support if r.year == sheet.year] == [e.name for e in sheet.below], term
            assert [r.name for r in page.excelled if r.year == sheet.year] == [e.name for e in sheet.excelled], term
            assert [r.name for r in page.exit if r.year == sheet.year] == [e.name for e in sheet.ready_to_exit], term
            assert [a.pupil for a in page.overdue if years[a.pupil] == sheet.year] == [e.name for e in sheet.overdue], term
        printed_sheets = [f"staff/progress/progress-meeting-year-{sheet.year}.pdf" for sheet in year_sheets]
        dests = ["staff/index.html", "staff/progress/index.html", *printed_sheets]
        dests += [f"families/{f.id}/profile.pdf" for f in school.pupils]
        html = rendered(school, *dests)
        printed = " ".join(text_of(html[d]) for d in printed_sheets)
        for row in (*page.support, *page.excelled, *page.exit):
            assert row.name in printed and row.name in text_of(html["staff/progress/index.html"]), (term, row.name)
        for facts in school.pupils:
            words = text_of(html[f"families/{facts.id}/profile.pdf"])
            assert past_dates_as_plans(words, as_of) == [], (term, facts.id)
            profiles_checked += 1
        if term == "sp1":  # the real PDFs of two families' profiles, the week Ben's review was missed
            jobs = [pdf.PdfJob(d, html[d]) for d in ("families/ben/profile.pdf", "families/amy/profile.pdf")]
            for dest, data in pdf.render_all(jobs, root, (PACKAGE_TEMPLATES / "shared" / "print.css",), 1):
                out = tmp_path / dest.replace("/", "-")
                out.write_bytes(data)
                text = " ".join(pdf_text(out).split())
                assert past_dates_as_plans(text, as_of) == [], dest
                if "ben" in dest:
                    assert "review of these targets is overdue" in text and "again on 13 January" not in text
                else:
                    assert "again on 3 March 2027" in text
    assert profiles_checked == 28
