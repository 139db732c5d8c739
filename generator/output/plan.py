"""plan: every output file of a build, with its template and view; refuses two outputs on one path.

It decides *what* is built and for whom, never how: no rendering, no I/O.
The audience of an output is the first folder of its path, and its
template is rendered in that audience's Jinja environment with the view
made for that audience. One function per audience keeps each list short.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.judge.analysis import Audit
from generator.judge.derive import PupilFacts, SchoolFacts
from generator.output.names import progress_meeting_pdf, register_pdf
from generator.output.paperwork_plan import group_links, plan_paperwork, staff_documents
from generator.output.render import Audience
from generator.rules.disclosure import protect
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
from generator.views.groups import group_plans
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
    """Every output of a build: the school's own (about many pupils, or none) and each pupil's."""
    outputs = plan_school(school, staff, governors)
    by_id = {p.id: p for p in school.pupils}
    for facts in school.pupils:
        outputs += plan_pupil(pupil_school(school, facts.id, by_id), facts.id, letters or {}, (trails or {}).get(facts.id))
    refuse_duplicates(o.dest for o in outputs)
    return outputs


def plan_school(school: SchoolFacts, staff: StaffSite, governors: GovernorsSite, audit: Audit = protect) -> list[Output]:
    """The outputs about many pupils or none: dashboards, register, caseloads, years, analysis, group plans, the governors' site.

    `audit` is how the analysis audits its tables (the build's memo of `protect`, judge.audits).
    """
    return plan_school_pages(school, staff, governors, audit) + plan_school_documents(school)


def plan_school_pages(school: SchoolFacts, staff: StaffSite, governors: GovernorsSite, audit: Audit = protect) -> list[Output]:
    """`plan_school`'s web pages and the governors' site (its policy PDFs and pack among them)."""
    outputs: list[Output] = []
    add = _adder(outputs)
    plan_staff(add, school, staff, audit)
    plan_governors(add, governors)
    return outputs


def plan_school_documents(school: SchoolFacts) -> list[Output]:
    """`plan_school`'s printed documents about many pupils: each year's register and progress sheet, caseloads, group plans.

    Planned apart so a build can send the long ones (a year's sheets) to the
    workers before it plans the school's pages.
    """
    outputs: list[Output] = []
    add = _adder(outputs)
    plan_documents(add, school)
    for group in group_plans(school):  # P1: staff only, one PDF per group, linked from each member's page
        add(f"staff/groups/{group.id}.pdf", "print/group-plan.html", doc=group)
    return outputs


def plan_pupil(school: SchoolFacts, pupil_id: str, letters: Mapping[str, LetterTemplate], trail: Trail | None) -> list[Output]:
    """One pupil's outputs: their staff page and files, and their family's documents.

    `school` is `pupil_school(...)`: the whole school's settings and dates
    with only this pupil and the members of their groups, so these outputs
    can depend on nothing else — which is what lets a build carry them over
    when that pupil's `pupil_key` has not changed.
    """
    facts = next(p for p in school.pupils if p.id == pupil_id)
    outputs: list[Output] = []
    add = _adder(outputs)
    beside = (("mentoring-file.pdf", "print/mentoring-file.html", "Mentoring file"),)  # PDFs beside the page: (file, template, link text)
    view = staff_pupil(school, facts, trail)
    paper_docs = tuple((n, t, label) for n, t, label, _v in staff_documents(school, facts)) + group_links(school, facts)
    add(f"staff/pupils/{facts.id}/index.html", "pupil.html", pupil=view, documents=beside + paper_docs)
    for name, template, _label in beside:
        add(f"staff/pupils/{facts.id}/{name}", template, pupil=view, file=mentoring_file(school, facts))
    plan_family(add, school, facts, letters)
    plan_paperwork(add, school, facts)
    return outputs


def pupil_school(school: SchoolFacts, pupil_id: str, by_id: Mapping[str, PupilFacts] | None = None) -> SchoolFacts:
    """The school as one pupil's outputs see it: every setting and date, but only this pupil and their groups' members.

    `by_id` (every pupil's facts by id) saves a scan of the school per pupil.
    """
    ids = _neighbours(school, pupil_id)
    if len(ids) == 1:
        return dataclasses.replace(school, pupils=((by_id or {p.id: p for p in school.pupils})[pupil_id],))
    return dataclasses.replace(school, pupils=tuple(p for p in school.pupils if p.id in ids))


def _neighbours(school: SchoolFacts, pupil_id: str) -> set[str]:
    """The pupil and everyone named with them in a group plan (their names are on its pages)."""
    ids = {pupil_id}
    for g in school.site.scheme.paperwork.group_plans:
        named = {*g.members, *(a for s in g.sessions for a in s.absent)}
        if pupil_id in named:
            ids |= named
    return ids


def neighbours(school: SchoolFacts, pupil_id: str) -> tuple[str, ...]:
    """The pupils whose records a pupil's outputs may show, themselves first (for the build's carry-over key)."""
    return (pupil_id, *sorted(_neighbours(school, pupil_id) - {pupil_id}))


def _adder(outputs: list[Output]) -> Add:
    def add(dest: str, template: str, **context: Any) -> None:
        kind = "pdf" if dest.endswith(".pdf") else "html"
        output = Output(dest, template, kind, context)
        _check_view_types(output)
        outputs.append(output)
    return add


def refuse_duplicates(dests: Iterable[str], seen: set[str] | None = None) -> None:
    """Refuse two outputs on one path (a bug in the plan); `seen` (the paths claimed so far, added to) lets a build check as it goes."""
    seen = set() if seen is None else seen
    for dest in dests:
        if dest in seen:
            raise DuplicateOutput(f"two outputs claim {dest}")
        seen.add(dest)


AUDIENCE_VIEWS: dict[str, tuple[type, ...]] = {
    "families": (family.FamilyProfile, documents.ActionPlan, documents.Letter,
                 paperwork.ReportCardSheet, paperwork.ReviewHome, paperwork.AgreementSheet, paperwork.CriteriaSheet,
                 paperwork.PupilFile, paperwork.KeyDates),
    "governors": (GovernorsSite, governors_views.Policy, governors_views.PolicySheet, documents.GovernorsPack),
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


def plan_staff(add: Add, school: SchoolFacts, staff: StaffSite, audit: Audit = protect) -> None:
    """The intranet's pages about many pupils (each pupil's own page is `plan_pupil`'s)."""
    plan_lists(add, school, staff)
    add("staff/progress/index.html", "progress.html", meeting=progress_meeting(school, staff))
    add("staff/analysis/index.html", "analysis.html", analysis=analysis_page(school, audit))


def list_pages(school: SchoolFacts, staff: StaffSite) -> list[Output]:
    """The staff pages that list pupils by name (what `serve` updates first after a save, with the pupil's own page)."""
    outputs: list[Output] = []
    plan_lists(_adder(outputs), school, staff)
    return outputs


def plan_lists(add: Add, school: SchoolFacts, staff: StaffSite) -> None:
    """Dashboard, register, pupils, caseloads and year pages: quick to make, and each names pupils."""
    add("staff/index.html", "dashboard.html", site=staff)
    add("staff/register/index.html", "register.html", site=staff)
    add("staff/pupils/index.html", "pupils.html", site=staff)
    loads = caseloads(school, staff)
    add("staff/caseloads/index.html", "caseloads.html", loads=loads)
    for load in loads.caseloads:
        add(f"staff/caseloads/{load.staff_id}/index.html", "caseload.html", load=load)
    years = year_pages(school)
    add("staff/years/index.html", "years.html", site=staff, years=years)
    for year in years:
        add(f"staff/years/{year.overview.year}/index.html", "year.html", year=year)


def plan_family(add: Add, school: SchoolFacts, facts: PupilFacts, letters: Mapping[str, LetterTemplate]) -> None:
    """The pupil's family folder holds only that pupil's family-safe documents: each is its own PDF, never a split of a shared one."""
    add(f"families/{facts.id}/profile.pdf", "profile.html", profile=family_profile(school, facts))
    if documents.has_action_plan(facts):
        add(f"families/{facts.id}/action-plan.pdf", "action-plan.html", plan=documents.action_plan(school, facts))
    for letter in documents.letters_for(school, facts, dict(letters)):
        add(f"families/{facts.id}/letters/{letter.slug}.pdf", "letter.html", letter=letter)


def plan_documents(add: Add, school: SchoolFacts) -> None:
    """The staff's printed documents about many pupils: the register and progress meeting sheet of each year group, caseloads."""
    for reg in sheets.registers(school):
        add(f"staff/register/{register_pdf(reg.year)}", "print/register.html", reg=reg)
    for load in sheets.caseloads(school):
        add(f"staff/caseloads/{load.staff_id}.pdf", "print/caseload.html", load=load)
    for meeting in sheets.progress_meetings(school):
        add(f"staff/progress/{progress_meeting_pdf(meeting.year)}", "print/progress-meeting.html", meeting=meeting)


def plan_governors(add: Add, governors: GovernorsSite) -> None:
    """The policy site: no pupil anywhere."""
    add("governors/index.html", "index.html", site=governors)
    add("governors/outcomes/index.html", "outcomes.html", site=governors)
    for item in governors.policies:
        add(f"governors/policies/{item.slug}/index.html", "policy.html", site=governors, policy=item)
        add(f"governors/policies/{item.slug}.pdf", "policy-print.html", site=governors_views.policy_sheet(governors), policy=item)
    add("governors/governors-pack.pdf", "pack.html", pack=documents.governors_pack(governors))
