"""daterange: the dates mentorsite judges, in a module of its own so the command line can check `--as-of` without importing the record models.

May import: the standard library only.
"""

from __future__ import annotations

import datetime as dt

EARLIEST = dt.date(1990, 1, 1)
LATEST = dt.date(2100, 12, 31)
"""Every date in the records lies in this range: wide enough for any pupil, policy or school year in use,
narrow enough that the build's date arithmetic (a date plus a review interval or cycle) cannot leave the calendar."""
