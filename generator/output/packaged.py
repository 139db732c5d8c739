"""packaged: where mentorsite's own templates are, without importing anything heavy (the no-op build's fingerprint needs it)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def _packaged_templates() -> Path:
    """Our templates: `generator/templates/` in an installed wheel, the repository's top-level `templates/` in a checkout.

    The repository's `templates/` is also the example school's own folder
    (CONTRACT.md), so it stays where it is and the wheel maps it into the
    package (setup.py).
    """
    installed = _PACKAGE / "templates"
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / "templates"


PACKAGED = _packaged_templates()
