"""plan: every output file of a build, with its audience, template and view; refuses two outputs on one path.

It decides *what* is built and for whom, never how: no rendering, no I/O.
The audience of an output is the first folder of its path, and the view it
gets is the one made for that audience.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .derive import SchoolFacts
from .render import Audience
from .views import GovernorsSite, StaffSite, family_profile, staff_pupil

ASSETS = ("site.css",)
"""Shared stylesheet copied into each audience folder, so each folder deploys on its own."""


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


def plan(school: SchoolFacts, staff: StaffSite, governors: GovernorsSite) -> list[Output]:
    outputs: list[Output] = []

    def add(dest: str, template: str, **context: Any) -> None:
        kind = "pdf" if dest.endswith(".pdf") else "html"
        outputs.append(Output(dest, template, kind, context))

    add("staff/index.html", "dashboard.html", site=staff)
    add("staff/register/index.html", "register.html", site=staff)
    add("staff/pupils/index.html", "pupils.html", site=staff)
    for facts in school.pupils:
        view = staff_pupil(school, facts)
        add(f"staff/pupils/{facts.id}/index.html", "pupil.html", pupil=view)
        add(f"staff/pupils/{facts.id}/mentoring-file.pdf", "mentoring-file.html", pupil=view)
        add(f"families/{facts.id}/profile.pdf", "profile.html", profile=family_profile(school, facts))

    add("governors/index.html", "index.html", site=governors)
    add("governors/outcomes/index.html", "outcomes.html", site=governors)
    for item in governors.policies:
        add(f"governors/policies/{item.slug}/index.html", "policy.html", site=governors, policy=item)
        add(f"governors/policies/{item.slug}.pdf", "policy-print.html", site=governors, policy=item)

    seen: set[str] = set()
    for output in outputs:
        if output.dest in seen:
            raise DuplicateOutput(f"two outputs claim {output.dest}")
        seen.add(output.dest)
    return outputs

