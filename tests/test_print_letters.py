"""Letters home: a letter's Markdown may hold merge fields and nothing else; anything more is a located error, and the merge runs sandboxed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import jinja2
import pytest
from jinja2.exceptions import SecurityError
from support import AS_OF, pdf_text, run_cli

from generator.sources import letters
from generator.build import build
from generator.sources.diagnostics import InvalidInput

FIELDS = letters.LetterFields(letters.LetterPupil("Ann", "O'Neill"), letters.LetterMentor("Ms A. Mentor"),
                              "Test Hollow School", "20 November 2026")


def letter(body: str) -> str:
    return "---\ntitle: A letter\n---\n\n" + body


@pytest.mark.parametrize("body, expected", [
    ("We know {{ pupil.__class__ }}.", ["content/letters/x.md:5:9: unknown merge field '{{ pupil.__class__ }}'"]),
    ("Dear {{ pupil.frist_name }},", ["content/letters/x.md:5:6: unknown merge field '{{ pupil.frist_name }}'; did you mean 'pupil.first_name'?"]),
    ("Hi\n\n{{ mentor.name | upper }}", ["content/letters/x.md:7:1: unknown merge field '{{ mentor.name | upper }}'"]),
    ("{{ pupil.record.upn }}", ["content/letters/x.md:5:1: unknown merge field '{{ pupil.record.upn }}'"]),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", ["content/letters/x.md:5:1: unknown merge field"]),
    ("{% for x in range(9) %}x{% endfor %}", ["content/letters/x.md:5:1: '{% for x in range(9) %}' is template code",
                                              "content/letters/x.md:5:25: '{% endfor %}' is template code"]),
    ("{% include '/etc/passwd' %}", ["content/letters/x.md:5:1: '{% include '/etc/passwd' %}' is template code"]),
    ("{{ pupil.first_name", ["content/letters/x.md:5:1: this letter's placeholders cannot be read"]),
], ids=["dunder", "typo", "filter", "record-field", "escape-attempt", "statement", "include", "unclosed"])
def test_anything_but_a_merge_field_is_a_located_error(body: str, expected: list[str]) -> None:
    problems = [d.format() for d in letters.check("content/letters/x.md", body, 5)]
    assert len(problems) == len(expected), problems
    for got, want in zip(problems, expected):
        assert got.startswith(want), got
        assert "a letter may use only '{{ pupil.first_name }}'" in got


def test_merge_fields_are_filled_and_read_as_text_not_markdown_or_html() -> None:
    body = "{{ date }}\n\nDear Parent or Carer of {{ pupil.first_name }} {{ pupil.last_name }},\n\nFrom {{ mentor.name }} at {{ school }}."
    assert letters.check("content/letters/x.md", body, 5) == []
    compiled = letters.compile_letters({"x": (type("Meta", (), {"title": "X"})(), body)})["x"]
    html = str(letters.merge(compiled, FIELDS))
    assert "Dear Parent or Carer of Ann O'Neill," in html and "Ms A. Mentor" in html and "20 November 2026" in html
    sneaky = letters.LetterFields(letters.LetterPupil("<script>alert(1)</script>", "*Bold* [link](http://x)"),
                                  FIELDS.mentor, FIELDS.school, FIELDS.date)
    html = str(letters.merge(compiled, sneaky))
    assert "<script" not in html and "<em>" not in html and "<a " not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "*Bold* [link](http://x)" in html


def test_the_merge_itself_is_sandboxed_even_if_a_check_were_missed() -> None:
    template = letters._ENV.from_string("{{ pupil.__class__.__mro__ }}")
    with pytest.raises((SecurityError, jinja2.UndefinedError)):
        template.render(pupil=FIELDS.pupil)
    with pytest.raises(jinja2.UndefinedError):
        letters._ENV.from_string("{{ record }}").render(pupil=FIELDS.pupil)


def test_a_letter_with_template_code_stops_check_and_build_with_its_location(make_school: Callable[[dict[str, str | None]], Path]) -> None:
    root = make_school({"content/letters/start-of-mentoring.md": letter("Dear {{ pupil.first_name }},\n\n{{ pupil.__init__.__globals__ }}\n")})
    result = run_cli("check", "--root", str(root))
    assert result.returncode == 1
    assert "content/letters/start-of-mentoring.md:7:1: unknown merge field '{{ pupil.__init__.__globals__ }}'" in result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(InvalidInput):
        build(root, root / "output", jobs=1, as_of=AS_OF)
    assert not (root / "output").exists()


def test_a_school_letter_reaches_the_right_families_with_their_names(make_school: Callable[[dict[str, str | None]], Path]) -> None:
    root = make_school({"content/letters/start-of-mentoring.md": letter(
        "{{ date }}\n\nDear Parent or Carer of {{ pupil.first_name }} {{ pupil.last_name }},\n\n"
        "{{ mentor.name }} will mentor {{ pupil.first_name }} at {{ school }}.\n"),
        "content/letters/summer-fair.md": letter("No rule sends this one.\n")})
    build(root, root / "output", jobs=1, as_of=AS_OF)
    families = root / "output" / "families"
    assert sorted(p.relative_to(families).as_posix() for p in families.rglob("letters/*.pdf")) == [
        "ada/letters/start-of-mentoring.pdf", "bex/letters/start-of-mentoring.pdf"]
    text = " ".join(pdf_text(families / "ada" / "letters" / "start-of-mentoring.pdf").split())
    assert "Dear Parent or Carer of Adaeze Quillfeather," in text
    assert "Ms A. Mentor will mentor Adaeze at Test Hollow School." in text
    assert "17 September 2026" in text  # the day mentoring began, not the day of the build
    assert "Bexley" not in text
