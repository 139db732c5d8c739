"""plan: every output file of a build, with its template and view; refuses two outputs on one path.

It decides *what* is built and for whom, never how: no rendering, no I/O.
The audience of an output is the first folder of its path, and its
template is rendered in that audience's Jinja environment with the view
made for that audience. One function per audience keeps each list short.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .derive import SchoolFacts
from .render import Audience
from .views import GovernorsSite, StaffSite, family_profile, staff_pupil

ASSETS = ("site.css",)
"""Shared stylesheet copied into each web audience folder, so each folder deploys on its own."""


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


def plan(school: SchoolFacts, staff: StaffSite, governors: GovernorsSite) -> list[Output]:
    outputs: list[Output] = []

    def add(dest: str, template: str, **context: Any) -> None:
        kind = "pdf" if dest.endswith(".pdf") else "html"
        outputs.append(Output(dest, template, kind, context))

    plan_staff(add, school, staff)
    plan_families(add, school)
    plan_governors(add, governors)

    seen: set[str] = set()
    for output in outputs:
        if output.dest in seen:
            raise DuplicateOutput(f"two outputs claim {output.dest}")
        seen.add(output.dest)
    return outputs


def plan_staff(add: Add, school: SchoolFacts, staff: StaffSite) -> None:
    """The intranet's pages and the printable staff documents."""
    add("staff/index.html", "dashboard.html", site=staff)
    add("staff/register/index.html", "register.html", site=staff)
    add("staff/pupils/index.html", "pupils.html", site=staff)
    for facts in school.pupils:
        view = staff_pupil(school, facts)
        add(f"staff/pupils/{facts.id}/index.html", "pupil.html", pupil=view)
        add(f"staff/pupils/{facts.id}/mentoring-file.pdf", "mentoring-file.html", pupil=view)


def plan_families(add: Add, school: SchoolFacts) -> None:
    """One folder per pupil, holding only that pupil's family-safe documents."""
    for facts in school.pupils:
        add(f"families/{facts.id}/profile.pdf", "profile.html", profile=family_profile(school, facts))


def plan_governors(add: Add, governors: GovernorsSite) -> None:
    """The policy site: no pupil anywhere."""
    add("governors/index.html", "index.html", site=governors)
    add("governors/outcomes/index.html", "outcomes.html", site=governors)
    for item in governors.policies:
        add(f"governors/policies/{item.slug}/index.html", "policy.html", site=governors, policy=item)
        add(f"governors/policies/{item.slug}.pdf", "policy-print.html", site=governors, policy=item)
