"""Templates: confined (sandbox, no links, nothing from outside), located errors, and the school's overlay over ours."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import AS_OF, copy_site, run_cli, tree_bytes

from generator.build import build
from generator.sources.diagnostics import InvalidInput

PACKAGED = Path(__file__).resolve().parent.parent / "templates"


def _school(tmp_path: Path, templates: dict[str, str]) -> Path:
    """The tiny school with a templates/ folder holding only the given files (relative to templates/)."""
    root = copy_site("tiny", tmp_path)
    for rel, text in templates.items():
        path = root / "templates" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _with_full_copy(tmp_path: Path) -> Path:
    """The tiny school with a full copy of our templates, as a school had to keep before the overlay."""
    root = copy_site("tiny", tmp_path)
    shutil.copytree(PACKAGED, root / "templates")
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(root: Path) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        build(root, root / "output", jobs=1, as_of=AS_OF)
    return [d.format() for d in caught.value.diagnostics]


def _published(out: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(out.rglob("*"))
                     if p.is_file() and p.suffix in (".html", ".css", ".js"))


# --- confinement: each finding of issue 10 ----------------------------------------------------

def test_a_template_cannot_run_a_command(tmp_path: Path) -> None:
    """`cycler.__init__.__globals__.os.popen` is the classic Jinja escape; the sandbox refuses it at its line."""
    root = _with_full_copy(tmp_path)
    index = root / "templates" / "governors" / "index.html"
    escape = '{{ cycler.__init__.__globals__.os.popen("echo PWNED-$((6*7))").read() }}'
    _edit(index, "{% block main %}", "{% block main %}\n" + escape)
    line = index.read_text(encoding="utf-8").splitlines().index(escape) + 1
    problems = _problems(root)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"templates/governors/index.html:{line}:"), problems
    assert problems[0].endswith("[template.security]"), problems
    assert not (root / "output").exists()


def test_a_linked_stylesheet_outside_the_root_is_refused(tmp_path: Path) -> None:
    root = _with_full_copy(tmp_path)
    secret = tmp_path / "outside-secret.txt"
    secret.write_text("root:x:0:0:CanaryOutsideRoot\n", encoding="utf-8")
    css = root / "templates" / "shared" / "site.css"
    css.unlink()
    css.symlink_to(secret)
    problems = _problems(root)
    assert problems == ["templates/shared/site.css:1:1: this is a link; templates and assets must be plain files "
                        "inside the school's folder: copy the file in instead [template.link]"], problems
    assert not (root / "output").exists()


def test_a_linked_folder_cannot_be_included(tmp_path: Path) -> None:
    root = _with_full_copy(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.txt").write_text("CanaryFromALinkedFolder", encoding="utf-8")
    (root / "templates" / "governors" / "leak").symlink_to(outside, target_is_directory=True)
    index = root / "templates" / "governors" / "index.html"
    _edit(index, "{% block main %}", '{% block main %}\n{% include "leak/secret.txt" %}')
    problems = _problems(root)
    assert problems == ["templates/governors/leak:1:1: this is a link; templates and assets must be plain files "
                        "inside the school's folder: copy the file in instead [template.link]"], problems


def test_a_template_syntax_error_is_located_and_leaves_the_output_alone(tmp_path: Path) -> None:
    root = _with_full_copy(tmp_path)
    out = root / "output"
    assert run_cli("build", "--root", str(root), "--jobs", "1", "--as-of", AS_OF.isoformat()).returncode == 0
    before = tree_bytes(out)
    _edit(root / "templates" / "governors" / "index.html", "{% block main %}", "{% block main %}\n\n{% if %}")
    line = (root / "templates" / "governors" / "index.html").read_text(encoding="utf-8").splitlines().index("{% if %}") + 1
    result = run_cli("build", "--root", str(root), "--jobs", "1", "--as-of", AS_OF.isoformat())
    assert result.returncode == 1, result.stderr
    problems = [x for x in result.stderr.splitlines() if not x.startswith("mentorsite: ")]
    assert problems == [f"templates/governors/index.html:{line}:1: "
                        "Expected an expression, got 'end of statement block' [template.syntax]"]
    assert result.stderr.splitlines()[-1] == "mentorsite: 1 problem found; nothing was written"
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert tree_bytes(out) == before


@pytest.mark.parametrize(("snippet", "code", "words"), [
    ("{{ no_such_name }}", "template.undefined", "'no_such_name' is undefined"),
    ('{% include "no-such-file.html" %}', "template.not_found", "no-such-file.html"),
    ("{{ 1 // 0 }}", "template.error", "division"),
], ids=["undefined", "missing-include", "runtime"])
def test_template_errors_name_the_file_and_line(tmp_path: Path, snippet: str, code: str, words: str) -> None:
    root = _school(tmp_path, {"governors/index.html": '{% extends "!mentorsite/index.html" %}\n'
                                                     "{% block main %}\n<p>fine</p>\n" + snippet + "\n{% endblock %}\n"})
    problems = _problems(root)
    assert len(problems) == 1, problems
    assert problems[0].startswith("templates/governors/index.html:4:1: "), problems
    assert problems[0].endswith(f"[{code}]") and words in problems[0], problems


# --- the overlay: a school changes one file ---------------------------------------------------

def test_one_overridden_template_builds_and_extends_the_original(tmp_path: Path) -> None:
    """The school's base.html replaces ours by extending it: everything else (print.css included) is still ours."""
    override = ('{% extends "!mentorsite/base.html" %}\n'
                '{% block school %}<p class="school-own">OurOwnHeader</p>{{ super() }}{% endblock %}\n')
    root = _school(tmp_path, {"shared/base.html": override})
    build(root, root / "output", jobs=1, as_of=AS_OF)
    for page in ("governors/index.html", "staff/index.html"):
        text = (root / "output" / page).read_text(encoding="utf-8")
        assert '<p class="school-own">OurOwnHeader</p>' in text
        assert 'aria-label="Main"' in text  # the rest of our base.html is still there
    assert (root / "output" / "governors" / "policies" / "mentoring.pdf").stat().st_size > 1000
    assert (root / "output" / "staff" / "assets" / "site.css").read_bytes() == (PACKAGED / "shared" / "site.css").read_bytes()
