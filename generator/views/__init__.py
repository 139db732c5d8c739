"""views: one view type per audience, holding only what that audience may see; the privacy boundary.

Templates receive views and nothing else. A family's view has no field for
referral reasons, notes, context or the UPN; the governors' view has no
pupil in it at all, only suppressed aggregates. A template cannot leak what
it was never given. No I/O in this package.

- `common`: the running header and grading key every audience shares
- `family`: the half-term pupil profile
- `staff`: the intranet and staff documents
- `governors`: the policy site and programme outcomes
- `documents`: printed documents about one pupil (mentoring file, action plan, letters) and the governors' pack
- `sheets`: printed staff documents about many pupils (register, caseloads, progress meeting)
"""

from generator.views.common import GradingKey, SchoolHeader, TermHeader, grading_key, school_header, term_header
from generator.views.family import FamilyProfile, family_profile
from generator.views.governors import (
           GovernorsSite,
           Outcomes,
           Policy,
           governors_site,
           policy,
)
from generator.views.staff import StaffPupil, StaffSite, staff_pupil, staff_site

__all__ = [
           "FamilyProfile",
           "GovernorsSite",
           "GradingKey",
           "Outcomes",
           "Policy",
           "SchoolHeader",
           "StaffPupil",
           "StaffSite",
           "TermHeader",
           "family_profile",
           "governors_site",
           "grading_key",
           "policy",
           "school_header",
           "staff_pupil",
           "staff_site",
           "term_header",
]
