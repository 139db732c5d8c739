"""render: views to HTML with Jinja2, one environment per audience; writes nothing.

Each audience's environment can load only its own templates and the shared
ones, so a governors' template cannot even include a staff template.
Autoescape is on and undefined names are errors.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from pathlib import Path
from typing import Any, Literal

import jinja2

from generator.rules.progress import STANDING_LABEL, STANDING_SYMBOL

Audience = Literal["staff", "governors", "families"]

COLOUR_SYMBOL = {"green": "✓", "yellow": "~", "red": "✗"}


def environments(templates: Path) -> dict[Audience, jinja2.Environment]:
    return {a: _environment(templates, a) for a in ("staff", "governors", "families")}


def _environment(templates: Path, audience: Audience) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(templates / audience), str(templates / "shared")]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        date=format_date,
        short_date=lambda d: d.strftime("%d %b") if d else "—",
        standing_label=lambda s: STANDING_LABEL.get(s or "", "No judgement yet"),
        standing_symbol=lambda s: STANDING_SYMBOL.get(s or "", "–"),
        colour_symbol=lambda c: COLOUR_SYMBOL.get(c or "", "–"),
        percent=lambda v: "—" if v is None else f"{v:.1f}%",
        humanise=lambda s: str(s).replace("_", " ").capitalize(),
    )
    env.globals.update(audience=audience, relative=relative)
    return env


def format_date(value: dt.date | None, style: str = "long") -> str:
    """Dates as a British reader writes them: 14 September 2026."""
    if value is None:
        return "—"
    if style == "iso":
        return value.isoformat()
    return f"{value.day} {value:%B %Y}" if style == "long" else f"{value.day} {value:%b %Y}"


def relative(target: str, page: str) -> str:
    """A link from output page `page` to output path `target`, both '/'-separated and relative to the audience folder.

    Relative links keep each audience folder deployable anywhere, and let
    the site open from disk without a server.
    """
    start = posixpath.dirname(page) or "."
    rel = posixpath.relpath(target, start)
    return rel


def render(env: jinja2.Environment, template: str, page: str, **context: Any) -> str:
    """Render one page; `page` is its path inside the audience folder, for relative links."""
    return env.get_template(template).render(page=page, **context)
