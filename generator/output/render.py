"""render: views to HTML with Jinja2, one sandboxed environment per audience; writes nothing.

Each audience's environment can load only its own templates and the shared
ones (the school's over ours, see templates.py), so a governors' template
cannot even include a staff template. Every template, the school's and ours,
runs in Jinja's immutable sandbox: no underscore attributes, no mutating
calls, so `cycler.__init__.__globals__` and the like are refused. Autoescape
is on and undefined names are errors. A template's mistake is the school's
input error, located as `templates/…:line:1: message [template.…]`.
Each environment records which template files it loaded, so an output can
be keyed by the templates it used (`render_recording`, `template_digests`).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import hashlib
import pickle
import posixpath
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, cast

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from generator.output.names import progress_meeting_pdf, register_pdf
from generator.output.templates import TemplateRefused, TemplateSet, read_plain, refused
from generator.rules.progress import STANDING_LABEL, STANDING_SYMBOL
from generator.sources.diagnostics import Diagnostic, InvalidInput, Position

Audience = Literal["staff", "governors", "families"]

COLOUR_SYMBOL = {"green": "✓", "yellow": "~", "red": "✗"}


_USED: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("mentorsite_templates_used", default=None)
"""The template names one render loaded (its page, what it extends, includes and imports), while `render_recording` runs."""


_PLAIN = frozenset({str, Markup, int, float, bool, type(None), tuple, list, dict, dt.date, dt.datetime, frozenset})
"""Types of value an attribute lookup may hand a template without the sandbox's further questions (none is a method)."""


class Environment(ImmutableSandboxedEnvironment):
    """The sandbox, remembering every template file it loads: name → absolute path (as Lektor's environment does)."""

    templates: TemplateSet
    template_files: dict[str, Path]
    _digests: dict[Path, str]
    _safe: dict[tuple[type, str], bool]

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Jinja's answer, remembered per (type, attribute): it depends on nothing else, and asking costs 40 % of rendering."""
        key = (type(obj), attr)
        safe = self._safe.get(key)
        if safe is None:
            safe = self._safe[key] = super().is_safe_attribute(obj, attr, value)
        return safe

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Jinja's sandboxed `obj.attribute`, answered at once for a plain value of an attribute already found safe.

        A plain value (not a method) is never a `str.format` to wrap, and the
        safety of an attribute is remembered per (type, attribute) as above,
        so the answer is the sandbox's own; anything else takes its path.
        """
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            return super().getattr(obj, attribute)
        if type(value) in _PLAIN and self._safe.get((type(obj), attribute)):
            return value
        return super().getattr(obj, attribute)

    def _load_template(self, name: str, globals: Any) -> jinja2.Template:
        template = super()._load_template(name, globals)
        if template.filename is not None and name not in self.template_files:  # by the name asked for: `!mentorsite/x.html` loads as plain `x.html`
            self.template_files[name] = Path(template.filename)
        used = _USED.get()
        if used is not None:
            used.add(name)
        return template


def environments(templates: TemplateSet) -> dict[Audience, Environment]:
    compiled = compiled_templates()
    return {a: _environment(templates, a, compiled) for a in ("staff", "governors", "families")}


_OPTIONS: dict[str, Any] = {"autoescape": True, "undefined": jinja2.StrictUndefined, "trim_blocks": True,
                            "lstrip_blocks": True, "keep_trailing_newline": True}
"""Every audience's environment has these, so a template's compiled code is the same in each."""


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's compiled templates kept between build processes, so an edit does not compile its templates again (about 0.2 s).

    The folder is Jinja's own per-user cache folder (`<tmp>/_jinja2-cache-<uid>`,
    mode 0700, its owner checked), never the school's or the output folder:
    what is kept there is code this process runs. Each entry is keyed by the
    template's name and file and checked against its source's digest, so an
    edited template (the school's or ours) is compiled afresh; the file names
    carry Jinja's version and these environments' options. A cache that
    cannot be read or written is passed over: the template is compiled as
    without one.
    """

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):  # a damaged entry: compile again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def compiled_templates() -> CompiledTemplates | None:
    """The cache of compiled templates, or None where no safe per-user folder can be had."""
    salt = hashlib.sha256(repr((jinja2.__version__, Environment.__mro__[1].__name__, sorted(
        (k, getattr(v, "__name__", v)) for k, v in _OPTIONS.items()))).encode("utf-8")).hexdigest()[:16]
    try:
        return CompiledTemplates(pattern=f"__mentorsite_{salt}_%s.cache")
    except (OSError, RuntimeError):  # Jinja refuses a folder it does not own, or cannot make one
        return None


def _environment(templates: TemplateSet, audience: Audience, compiled: jinja2.BytecodeCache | None = None) -> Environment:
    env = Environment(loader=templates.loader(audience), bytecode_cache=compiled, **_OPTIONS)
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
    if audience == "staff":  # the pages that link each year group's printed sheets, by the names the plan gives them
        env.globals.update(register_pdf=register_pdf, progress_meeting_pdf=progress_meeting_pdf)
    env.templates = templates
    env.template_files = {}
    env._digests = {}
    env._safe = {}
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
    return _relative(target, posixpath.dirname(page) or ".")


@functools.lru_cache(maxsize=65_536)
def _relative(target: str, start: str) -> str:
    """Pure, and asked for the same few links from the same few folders on every page."""
    return posixpath.relpath(target, start)


def render(env: Environment, template: str, page: str, **context: Any) -> str:
    """Render one page; `page` is its path inside the audience folder, for relative links.

    A mistake in a template (syntax, an undefined name, a refused attribute,
    a missing include, a link) raises InvalidInput naming the file and line.
    """
    try:
        return env.get_template(template).render(page=page, **context)
    except InvalidInput:
        raise
    except Exception as err:
        problem = template_problem(env, template, err)
        if problem is None:
            raise
        raise InvalidInput([problem]) from None


def check_templates(templates: TemplateSet) -> None:
    """Compile every template file the school keeps, as `check` does for records: syntax errors and links, located.

    Names that only fail while rendering (an undefined value) show at build time.
    Raises InvalidInput with every problem found.
    """
    if templates.school is None or templates.school == templates.packaged:
        return
    envs = environments(templates)
    problems: list[Diagnostic] = []
    for folder, audiences in (("staff", ("staff",)), ("governors", ("governors",)), ("families", ("families",)),
                              ("shared", ("staff", "governors", "families"))):
        for path in sorted((templates.school / folder).rglob("*.html")):
            name = path.relative_to(templates.school / folder).as_posix()
            for audience in cast("tuple[Audience, ...]", audiences):  # the literal above names only audiences
                try:
                    envs[audience].get_template(name)
                except Exception as err:
                    problem = template_problem(envs[audience], name, err)
                    if problem is None:
                        raise
                    problems.append(problem)
    if problems:
        raise InvalidInput(problems)


def render_recording(env: Environment, template: str, page: str, **context: Any) -> tuple[str, tuple[str, ...]]:
    """Render one page and say which templates it used (sorted names; `env.template_files[name]` is each one's file)."""
    used: set[str] = set()
    token = _USED.set(used)
    try:
        html = render(env, template, page, **context)
    finally:
        _USED.reset(token)
    return html, tuple(sorted(used))


def template_digests(env: Environment, names: tuple[str, ...] | list[str]) -> dict[str, str]:
    """SHA-256 of each named template's file as loaded, for artifact keys: an override, an edit or a removal changes it."""
    out = {}
    for name in names:
        path = env.template_files[name]
        if path not in env._digests:
            env._digests[path] = hashlib.sha256(read_plain(path)).hexdigest()
        out[name] = env._digests[path]
    return out


_CODES: tuple[tuple[type[BaseException], str], ...] = (
    (jinja2.TemplateSyntaxError, "template.syntax"),
    (jinja2.UndefinedError, "template.undefined"),
    (SecurityError, "template.security"),
    (jinja2.TemplateNotFound, "template.not_found"),
    (jinja2.TemplateError, "template.error"),
    (ArithmeticError, "template.error"),
    (TypeError, "template.error"),
    (ValueError, "template.error"),
    (LookupError, "template.error"),
    (AttributeError, "template.error"),
)


def template_problem(env: Environment, template: str, err: BaseException) -> Diagnostic | None:
    """The located message for an error a template caused, or None for one it did not (a bug of ours).

    Syntax errors carry their file and line; errors while rendering are
    placed at the innermost template line on the traceback, which Jinja
    rewrites to point into the template files.
    """
    if isinstance(err, TemplateRefused):
        return refused(env.templates, err)
    code = next((c for kind, c in _CODES if isinstance(err, kind)), None)
    if code is None:
        return None
    if isinstance(err, jinja2.TemplateSyntaxError) and err.filename:
        return Diagnostic(env.templates.display(err.filename), Position(err.lineno or 1, 1), code, err.message or str(err))
    where = _template_frame(err.__traceback__, {str(p) for p in env.template_files.values()})
    if where is None:
        if not isinstance(err, jinja2.TemplateError):
            return None  # raised outside any template: a bug, reported as one
        return Diagnostic(f"templates/{template}", Position(1, 1), code, _message(err))
    filename, line = where
    return Diagnostic(env.templates.display(filename), Position(line, 1), code, _message(err))


def _message(err: BaseException) -> str:
    if isinstance(err, jinja2.TemplateNotFound):
        return f"no template '{err.name}' in the school's templates/ nor in mentorsite's"
    text = str(err) or type(err).__name__
    return text if isinstance(err, jinja2.TemplateError) else f"{type(err).__name__}: {text}"


def _template_frame(tb: TracebackType | None, files: set[str]) -> tuple[str, int] | None:
    found = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in files:
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found
