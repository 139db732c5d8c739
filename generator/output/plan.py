"""plan: every output file of a build, with its template and view; refuses two outputs on one path.

It decides *what* is built and for whom, never how: no rendering, no I/O.
The audience of an output is the first folder of its path, and its
template is rendered in that audience's Jinja environment with the view
made for that audience. One function per audience keeps each list short.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.judge.derive import SchoolFacts
from generator.output.paperwork_plan import group_links, plan_paperwork, staff_documents
from generator.output.render import Audience
from generator.sources.letters import LetterTemplate
from generator.views import (
    GovernorsSite,
    StaffSite,
    documents,
    family,
    family_profile,
    paperwork,
    sheets,
    staff_pupil,
)
from generator.views import governors as governors_views
from generator.views.documents import mentoring_file
from generator.views.history import Trail
from generator.views.staff import analysis_page, caseloads, progress_meeting, year_pages

ASSETS = ("site.css", "site.js")
"""Shared stylesheet and script copied into each web audience folder, so each folder deploys on its own."""


@dataclass(frozen=True)
class Output:
    dest: str
    """Path under the output folder, '/'-separated; its first part is the audience."""
    template: str
    kind: str
    """'html' or 'pdf'."""
    context: dict[str, Any] = field(compare=False, hash=False)

    @property
    def audience(self) -> Audience:
        return self.dest.split("/", 1)[0]  # type: ignore[return-value]

    @property
    def page(self) -> str:
        """The path inside the audience folder, for relative links."""
        return self.dest.split("/", 1)[1]


class DuplicateOutput(Exception):
    pass


Add = Callable[..., None]


def plan(school: SchoolFacts, staff: StaffSite, governors: GovernorsSite,
         letters: Mapping[str, LetterTemplate] | None = None, trails: Mapping[str, Trail] | None = None) -> list[Output]:
    outputs: list[Output] = []

    def add(dest: str, template: str, **context: Any) -> None:
        kind = "pdf" if dest.endswith(".pdf") else "html"
        output = Output(dest, template, kind, context)
        _check_view_types(output)
        outputs.append(output)

    plan_staff(add, school, staff, trails or {})
    plan_families(add, school, letters or {})
    plan_governors(add, governors)
    plan_documents(add, school)
    plan_paperwork(add, school)

    seen: set[str] = set()
    for output in outputs:
        if output.dest in seen:
            raise DuplicateOutput(f"two outputs claim {output.dest}")
        seen.add(output.dest)
    return outputs


AUDIENCE_VIEWS: dict[str, tuple[type, ...]] = {
    "families": (family.FamilyProfile, documents.ActionPlan, documents.Letter,
                 paperwork.ReportCardSheet, paperwork.ReviewHome, paperwork.AgreementSheet, paperwork.CriteriaSheet,
                 paperwork.PupilFile, paperwork.KeyDates),
    "governors": (GovernorsSite, governors_views.Policy, documents.GovernorsPack),
}
"""The only view types a families' or governors' output may be given (staff outputs may be given any view):
a staff view handed to a public template by mistake is refused here, before anything is rendered."""


class WrongAudience(TypeError):
    pass


def _check_view_types(output: Output) -> None:
    allowed = AUDIENCE_VIEWS.get(output.audience)
    if allowed is None:
        return
    wrong = sorted(f"{name}={type(value).__name__}" for name, value in output.context.items() if not isinstance(value, allowed))
    if wrong:
        raise WrongAudience(f"{output.dest} ({output.audience}) was given views of another audience: {', '.join(wrong)}")


def plan_staff(add: Add, school: SchoolFacts, staff: StaffSite, trails: Mapping[str, Trail]) -> None:
    """The intranet's pages and the printable staff documents."""
    add("staff/index.html", "dashboard.html", site=staff)
    add("staff/register/index.html", "register.html", site=staff)
    add("staff/pupils/index.html", "pupils.html", site=staff)
    # PDFs beside each pupil's page, as (file name, template, link text): the page links to each one.
    beside = (("mentoring-file.pdf", "print/mentoring-file.html", "Mentoring file"),)
    for facts in school.pupils:
        view = staff_pupil(school, facts, trails.get(facts.id))
        paper_docs = tuple((n, t, label) for n, t, label, _v in staff_documents(school, facts)) + group_links(school, facts)
        add(f"staff/pupils/{facts.id}/index.html", "pupil.html", pupil=view, documents=beside + paper_docs)
        for name, template, _label in beside:
            add(f"staff/pupils/{facts.id}/{name}", template, pupil=view, file=mentoring_file(school, facts))
    loads = caseloads(school, staff)
    add("staff/caseloads/index.html", "caseloads.html", loads=loads)
    for load in loads.caseloads:
        add(f"staff/caseloads/{load.staff_id}/index.html", "caseload.html", load=load)
    years = year_pages(school)
    add("staff/years/index.html", "years.html", site=staff, years=years)
    for year in years:
        add(f"staff/years/{year.overview.year}/index.html", "year.html", year=year)
    add("staff/progress/index.html", "progress.html", meeting=progress_meeting(school, staff))
    add("staff/analysis/index.html", "analysis.html", analysis=analysis_page(school))


def plan_families(add: Add, school: SchoolFacts, letters: Mapping[str, LetterTemplate]) -> None:
    """One folder per pupil, holding only that pupil's family-safe documents: each is its own PDF, never a split of a shared one."""
    for facts in school.pupils:
        add(f"families/{facts.id}/profile.pdf", "profile.html", profile=family_profile(school, facts))
        if documents.has_action_plan(facts):
            add(f"families/{facts.id}/action-plan.pdf", "action-plan.html", plan=documents.action_plan(school, facts))
        for letter in documents.letters_for(school, facts, dict(letters)):
            add(f"families/{facts.id}/letters/{letter.slug}.pdf", "letter.html", letter=letter)


def plan_documents(add: Add, school: SchoolFacts) -> None:
    """The staff's printed documents about many pupils: register, caseloads, progress meeting."""
    add("staff/register/register.pdf", "print/register.html", reg=sheets.register(school))
    for load in sheets.caseloads(school):
        add(f"staff/caseloads/{load.staff_id}.pdf", "print/caseload.html", load=load)
    add("staff/progress/progress-meeting.pdf", "print/progress-meeting.html", meeting=sheets.progress_meeting(school))


def plan_governors(add: Add, governors: GovernorsSite) -> None:
    """The policy site: no pupil anywhere."""
    add("governors/index.html", "index.html", site=governors)
    add("governors/outcomes/index.html", "outcomes.html", site=governors)
    for item in governors.policies:
        add(f"governors/policies/{item.slug}/index.html", "policy.html", site=governors, policy=item)
        add(f"governors/policies/{item.slug}.pdf", "policy-print.html", site=governors, policy=item)
    add("governors/governors-pack.pdf", "pack.html", pack=documents.governors_pack(governors))
