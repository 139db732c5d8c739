"""names: output file names that the plan writes and the templates link to, written once here; no I/O.

May import nothing of mentorsite's. `plan` names each year group's printed
sheets with these, and the staff templates call them (Jinja globals, see
`render`) to link each sheet, so a link cannot drift from the file it names.
"""

from __future__ import annotations


def register_pdf(year: int) -> str:
    """A year group's printed register, in `staff/register/`."""
    return f"register-year-{year}.pdf"


def progress_meeting_pdf(year: int) -> str:
    """A year group's progress meeting sheet, in `staff/progress/`."""
    return f"progress-meeting-year-{year}.pdf"
