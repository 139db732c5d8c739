"""identifiers: checks on the national pupil identifiers an MIS hands over (UPN); pure, prints nothing.

It must not guess a correction: a UPN with a wrong check letter is reported,
never repaired, because the mistake may be in any of its characters.
"""

from __future__ import annotations

from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)
from stdnum.gb import upn as _upn


def upn_problem(value: str) -> str | None:
    """Why `value` is not a valid DfE unique pupil number, or None when it is.

    The DfE check letter is computed from the other twelve characters
    (python-stdnum `stdnum.gb.upn`), so a mistyped digit is caught at once
    instead of silently matching no pupil, or the wrong one, in a CTF.
    """
    try:
        _upn.validate(value)
    except InvalidChecksum:
        return (f"'{value}' is not a valid UPN: its check letter does not match its digits; "
                "copy the UPN again from the MIS")
    except InvalidComponent:
        return (f"'{value}' is not a valid UPN: '{value[1:4]}' is not a local authority number; "
                "copy the UPN again from the MIS")
    except (InvalidFormat, InvalidLength):
        return (f"'{value}' is not a valid UPN: expected a check letter, 11 digits, then a digit or letter "
                "(e.g. B801200005001)")
    except ValidationError:
        return f"'{value}' is not a valid UPN; copy it again from the MIS"
    return None


def make_upn(twelve: str) -> str:
    """A valid UPN from its last twelve characters (for invented sample data and tests only)."""
    return _upn.calc_check_digit(twelve) + twelve
