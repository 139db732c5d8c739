"""output.paperwork_plan: the outputs of the policies' own documents (P1–P5), per audience; decides what is built, never how.

Family documents go under `families/<id>/` with a family view; staff
documents beside the pupil's page under `staff/pupils/<id>/`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.judge.derive import PupilFacts, SchoolFacts
from generator.views import paperwork as papers
from generator.views.groups import groups_of

Add = Callable[..., None]


def plan_paperwork(add: Add, school: SchoolFacts, facts: PupilFacts) -> None:
    """Every paperwork document the school's scheme switches on that concerns this pupil (group plans are the school's)."""
    base = f"families/{facts.id}"
    for card in papers.report_cards(school, facts):
        add(f"{base}/report-cards/{card.week_of.isoformat()}.pdf", "report-card.html", card=card)
    for review in papers.reviews_home(school, facts):
        add(f"{base}/reviews/{review.date.isoformat()}.pdf", "review.html", review=review)
    _maybe(add, f"{base}/agreement.pdf", "agreement.html", "agreement", papers.agreement(school, facts))
    _maybe(add, f"{base}/criteria.pdf", "criteria.html", "sheet", papers.criteria_sheet(school, facts))
    _maybe(add, f"{base}/my-mentoring-file.pdf", "pupil-file.html", "file", papers.pupil_file(school, facts))
    _maybe(add, f"{base}/key-dates.pdf", "key-dates.html", "dates", papers.key_dates(school, facts))
    for name, template, _label, view in staff_documents(school, facts):
        add(f"staff/pupils/{facts.id}/{name}", template, doc=view)


def group_links(school: SchoolFacts, facts: PupilFacts) -> tuple[tuple[str, str, str], ...]:
    """Links from a member's staff page to their groups' plans: (relative path, template, link text)."""
    return tuple((f"../../groups/{g.id}.pdf", "print/group-plan.html", f"Group mentoring plan: {g.name}")
                 for g in groups_of(school, facts.id))


def staff_documents(school: SchoolFacts, facts: PupilFacts) -> list[tuple[str, str, str, Any]]:
    """The staff's paperwork PDFs beside one pupil's page: (file name, template, link text, view)."""
    out: list[tuple[str, str, str, Any]] = []
    survey = papers.survey(school, facts)
    if survey is not None:
        out.append(("survey.pdf", "print/survey.html", "Attitude survey: form and before/after", survey))
    slips = papers.slips(school, facts)
    if slips is not None:
        out.append(("slips.pdf", "print/slips.html", "Mentoring slips", slips))
    return out


def _maybe(add: Add, dest: str, template: str, name: str, view: Any) -> None:
    if view is not None:
        add(dest, template, **{name: view})
