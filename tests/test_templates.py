"""Templates: confined (sandbox, no links, nothing from outside), located errors, and the school's overlay over ours."""

from __future__ import annotations

import hashlib
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from pypdf import PdfReader
from support import AS_OF, copy_site, run_cli, tree_bytes

from generator.build import build, check
from generator.output.render import environments, render, render_recording, template_digests
from generator.output.templates import template_set
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
    ('{% include "no-such-file.html" %}', "template.not_found", "no template 'no-such-file.html'"),
    ("{{ 1 // 0 }}", "template.error", "ZeroDivisionError"),
    ("{% set xs = [1] %}{{ xs.append(2) }}", "template.security", "access to attribute 'append' of 'list' object is unsafe"),
    ("{{ relative.__globals__ }}", "template.security", "'__globals__'"),
    ("{{ range(10 ** 7) | list }}", "template.error", "MAX_RANGE"),
], ids=["undefined", "missing-include", "runtime", "mutation", "dunder", "huge-range"])
def test_template_errors_name_the_file_and_line(tmp_path: Path, snippet: str, code: str, words: str) -> None:
    """Inside a block of a page that extends another: the line is the block's own, in the school's file."""
    root = _school(tmp_path, {"shared/frame.html": "<main>\n{% block main %}{% endblock %}\n</main>\n",
                              "governors/probe.html": '{% extends "frame.html" %}\n{% block main %}\n<p>fine</p>\n'
                                                      + snippet + "\n{% endblock %}\n"})
    env = environments(template_set(root))["governors"]
    with pytest.raises(InvalidInput) as caught:
        render(env, "probe.html", "probe.html")
    (problem,) = [d.format() for d in caught.value.diagnostics]
    assert problem.startswith("templates/governors/probe.html:4:1: "), problem
    assert problem.endswith(f"[{code}]") and words in problem, problem


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


# --- appearance: crest, accent colour, the school's assets/ -----------------------------------

def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + b"\x80\x20\x20" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _appearance(root: Path, block: str) -> None:
    site = root / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + "\nappearance:\n" + block, encoding="utf-8")


def test_crest_accent_and_assets_reach_the_pages_and_pdfs(tmp_path: Path) -> None:
    root = copy_site("tiny", tmp_path)
    (root / "assets" / "fonts").mkdir(parents=True)
    (root / "assets" / "crest.png").write_bytes(_png(3, 5))
    (root / "assets" / "fonts" / "school.woff2").write_bytes(b"wOF2 not really a font")
    (root / "assets" / ".DS_Store").write_bytes(b"finder litter")
    _appearance(root, '  crest: assets/crest.png\n  accent: "#7a1f5c"\n')
    (root / "templates" / "shared").mkdir(parents=True)
    (root / "templates" / "shared" / "site.css").write_text("/* the school's own stylesheet */\n", encoding="utf-8")
    out = root / "output"
    build(root, out, jobs=1, as_of=AS_OF)
    for audience in ("staff", "governors"):
        assert (out / audience / "assets" / "site.css").read_text(encoding="utf-8") == "/* the school's own stylesheet */\n"
        assert (out / audience / "assets" / "site.js").read_bytes() == (PACKAGED / "shared" / "site.js").read_bytes()
        assert (out / audience / "assets" / "crest.png").read_bytes() == _png(3, 5)
        assert (out / audience / "assets" / "fonts" / "school.woff2").read_bytes() == b"wOF2 not really a font"
        assert not (out / audience / "assets" / ".DS_Store").exists()
    page = (out / "governors" / "policies" / "mentoring" / "index.html").read_text(encoding="utf-8")
    assert '<img class="crest" src="../../assets/crest.png" alt="" height="32">' in page
    assert "<style>:root { --accent: #7a1f5c; }</style>" in page
    assert not any(p.name == "crest.png" for p in (out / "families").rglob("*"))
    for document in (out / "governors" / "policies" / "mentoring.pdf", out / "families" / "ada" / "profile.pdf"):
        sizes = {(i.image.width, i.image.height) for page in PdfReader(str(document)).pages for i in page.images}
        assert (3, 5) in sizes, document


@pytest.mark.parametrize(("block", "files", "expected"), [
    ("  accent: #7a1f5c\n", {}, 'appearance.accent: expected a colour in quotes such as "#1d4f91" '
                               "(unquoted, a # starts a comment in YAML) [site.appearance.accent]"),
    ('  accent: "purple"\n', {}, "appearance.accent: expected a colour written \"#RRGGBB\" (six hexadecimal digits), "
                                 "e.g. \"#1d4f91\", got 'purple' [site.appearance.accent]"),
    ('  accent: "#ffd700"\n', {}, "appearance.accent: '#ffd700' is too light to read as link text on white (1.4:1; "
                                  "WCAG 2.2 AA needs at least 4.5:1); choose a darker colour [site.appearance.contrast]"),
    ("  crest: assets/nope.png\n", {}, "appearance.crest: there is no file assets/nope.png in the school's folder "
                                       "[site.appearance.crest]"),
    ("  crest: ../crest.png\n", {}, "appearance.crest: '../crest.png' must be a path inside the school's folder "
                                    "written with '/', e.g. assets/crest.png [site.appearance.crest]"),
    ("  crest: crest.png\n", {"crest.png": b"GIF89a not a png"},
     "appearance.crest: crest.png is not a PNG image (its first bytes do not match) [site.appearance.crest]"),
    ("  crest: crest.bmp\n", {"crest.bmp": b"BM"},
     "appearance.crest: 'crest.bmp' must be a PNG, JPEG, GIF or SVG image (.png, .jpg, .jpeg, .gif or .svg) "
     "[site.appearance.crest]"),
    ("  crest: crest.png\n", {"crest.png": None},
     "appearance.crest: crest.png is a link; the crest must be a plain file inside the school's folder [site.appearance.crest]"),
], ids=["unquoted-accent", "named-colour", "too-light", "missing", "outside", "not-png", "bmp", "link"])
def test_bad_appearance_is_located(tmp_path: Path, block: str, files: dict[str, bytes | None], expected: str) -> None:
    root = copy_site("tiny", tmp_path)
    for name, data in files.items():
        if data is None:  # a link to an image outside the school
            (tmp_path / "outside.png").write_bytes(_png(2, 2))
            (root / name).symlink_to(tmp_path / "outside.png")
        else:
            (root / name).write_bytes(data)
    _appearance(root, block)
    line = len((root / "site.yaml").read_text(encoding="utf-8").splitlines())
    with pytest.raises(InvalidInput) as caught:
        check(root)
    (problem,) = [d.format() for d in caught.value.diagnostics]
    assert problem.startswith(f"site.yaml:{line}:"), problem
    assert problem.split(": ", 1)[1] == expected


@pytest.mark.parametrize(("setup", "expected"), [
    ("link", "assets/logo.png:1:1: this is a link; templates and assets must be plain files inside the school's folder: "
             "copy the file in instead [template.link]"),
    ("linked-folder", "assets/more:1:1: this is a link; templates and assets must be plain files inside the school's folder: "
                      "copy the file in instead [template.link]"),
    ("clash", "assets/site.css:1:1: would be published as assets/site.css, which (mentorsite)/templates/shared/site.css "
              "already is; rename it [assets.name.taken]"),
], ids=["link", "linked-folder", "clash"])
def test_the_schools_assets_are_plain_files_of_its_own(tmp_path: Path, setup: str, expected: str) -> None:
    root = copy_site("tiny", tmp_path)
    (root / "assets").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "logo.png").write_bytes(_png(2, 2))
    if setup == "link":
        (root / "assets" / "logo.png").symlink_to(tmp_path / "outside" / "logo.png")
    elif setup == "linked-folder":
        (root / "assets" / "more").symlink_to(tmp_path / "outside", target_is_directory=True)
    else:
        (root / "assets" / "site.css").write_text("body { color: red }", encoding="utf-8")
    assert _problems(root) == [expected]
    assert not (root / "output").exists()


# --- what a render used, for artifact keys ----------------------------------------------------

def test_a_render_says_which_template_files_it_used(tmp_path: Path) -> None:
    root = _school(tmp_path, {
        "shared/probe-base.html": "[{% block x %}{% endblock %}]",
        "governors/probe.html": '{% extends "probe-base.html" %}{% block x %}{% import "macros.html" as m %}ok{% endblock %}',
    })
    envs = environments(template_set(root))
    html, used = render_recording(envs["governors"], "probe.html", "probe.html")
    assert html == "[ok]"
    assert used == ("macros.html", "probe-base.html", "probe.html")
    files = envs["governors"].template_files
    assert files["probe.html"] == root / "templates" / "governors" / "probe.html"
    assert files["macros.html"] == PACKAGED / "shared" / "macros.html"
    digests = template_digests(envs["governors"], used)
    assert digests["probe-base.html"] == hashlib.sha256(b"[{% block x %}{% endblock %}]").hexdigest()
    assert digests["macros.html"] == hashlib.sha256((PACKAGED / "shared" / "macros.html").read_bytes()).hexdigest()
    # the school overrides macros.html by extending ours: a fresh build's environment records both files, each by its name
    (root / "templates" / "shared" / "macros.html").write_text('{% extends "!mentorsite/macros.html" %}', encoding="utf-8")
    envs = environments(template_set(root))
    _html, used_again = render_recording(envs["governors"], "probe.html", "probe.html")
    assert used_again == ("!mentorsite/macros.html", "macros.html", "probe-base.html", "probe.html")
    files = envs["governors"].template_files
    assert files["macros.html"] == root / "templates" / "shared" / "macros.html"
    assert files["!mentorsite/macros.html"] == PACKAGED / "shared" / "macros.html"
    again = template_digests(envs["governors"], used_again)
    assert again["macros.html"] != digests["macros.html"] and again["!mentorsite/macros.html"] == digests["macros.html"]
    assert render(envs["governors"], "probe.html", "probe.html") == "[ok]"  # the plain render records nothing and needs nothing


def test_check_finds_a_template_syntax_error_without_building(tmp_path: Path) -> None:
    """`check` compiles the school's templates too (each shared one for every audience, reported once)."""
    root = _school(tmp_path, {"shared/base.html": '{% extends "!mentorsite/base.html" %}\n'
                                                  "{% block school %}{{ header.school }\n{% endblock %}\n",
                              "staff/print/extra.html": "fine {{ 1 + 1 }}\n"})
    result = run_cli("check", "--root", str(root))
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == ["templates/shared/base.html:2:1: unexpected '}' [template.syntax]",
                                          "mentorsite: 1 problem found; nothing was written"]


def test_compiled_templates_are_kept_between_builds_and_an_edited_one_is_compiled_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new build process does not compile its templates again (Jinja's per-user cache), but an edited one is."""
    import tempfile

    from generator.output import render as rendering

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # Jinja's per-user cache folder goes here, not the machine's
    (tmp_path / "tmp").mkdir()
    root = tmp_path / "school"
    (root / "templates" / "staff").mkdir(parents=True)
    page = root / "templates" / "staff" / "note.html"
    page.write_text("<p>{{ word }} one</p>", "utf-8")
    compiled: list[str] = []
    real = rendering.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):  # type: ignore[no-untyped-def]
        compiled.append(str(name))
        return real(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(rendering.Environment, "compile", counting)
    assert render(environments(template_set(root))["staff"], "note.html", "note.html", word="first") == "<p>first one</p>"
    assert compiled == ["note.html"]
    assert render(environments(template_set(root))["staff"], "note.html", "note.html", word="again") == "<p>again one</p>"
    assert compiled == ["note.html"], "a fresh environment (as in the next build) took the compiled code from the cache"
    mode = (tmp_path / "tmp" / f"_jinja2-cache-{__import__('os').getuid()}").stat().st_mode
    assert mode & 0o077 == 0, "the folder of code the build runs is its user's alone"
    page.write_text("<p>{{ word }} two</p>", "utf-8")
    assert render(environments(template_set(root))["staff"], "note.html", "note.html", word="edited") == "<p>edited two</p>"
    assert compiled == ["note.html", "note.html"]
