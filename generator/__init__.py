"""mentorsite: compiles school mentoring records into a staff intranet, a governors' policy site and printable PDFs."""

__version__ = "0.1.0"
