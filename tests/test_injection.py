"""Script injection and local-file access: hostile text in notes and policies builds into harmless pages and PDFs.

Two layers are tested: markup.py's sanitiser (an allow-list; what it does
to each hostile string is pinned exactly), and pdf.py's URL fetcher (only
files inside the root and data: URIs; nothing from the network).
"""

from __future__ import annotations

import html as htmllib
import re
import shutil
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path

import nh3
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from support import AS_OF, copy_site, pdf_text

from generator.output import pdf
from generator.sources import markup
from generator.build import build
from generator.output.templates import PACKAGED as PACKAGE_TEMPLATES

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    '<iframe src="https://example.com">',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<style>body{background:url(file:///etc/passwd)}</style>",
    "![x](file:///etc/passwd)",
    "<link rel=stylesheet href=http://example.com/x.css>",
    "<object data=x>",
    "{{ 7*7 }}",
    "{% raw %}",
]

# What the sanitiser makes of each, exactly. A tag outside the allow-list that can hold content (script,
# style, iframe, svg, object …) is shown as the text that was typed, so nothing after it is lost; void tags
# (img, link, input) are removed; dangerous attributes and URLs are removed; harmless text stays.
SANITISED = {
    "<script>alert(1)</script>": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<img src=x onerror=alert(1)>": "<p></p>",
    "[click](javascript:alert(1))": '<p><a rel="noopener noreferrer">click</a></p>',
    '<iframe src="https://example.com">': '&lt;iframe src="https://example.com"&gt;',
    '<a href="JaVaScRiPt:alert(1)">x</a>': '<p><a rel="noopener noreferrer">x</a></p>',
    "<svg onload=alert(1)>": "<p>&lt;svg onload=alert(1)&gt;</p>",
    "<style>body{background:url(file:///etc/passwd)}</style>": "&lt;style&gt;body{background:url(file:///etc/passwd)}&lt;/style&gt;",
    "![x](file:///etc/passwd)": "<p></p>",
    "<link rel=stylesheet href=http://example.com/x.css>": "<p></p>",
    "<object data=x>": "&lt;object data=x&gt;",
    "{{ 7*7 }}": "<p>{{ 7*7 }}</p>",
    "{% raw %}": "<p>{% raw %}</p>",
    # the same tricks, dressed up
    "[x](&#106;avascript:alert(1))": '<p><a rel="noopener noreferrer">x</a></p>',
    "[x](java&#9;script:alert(1))": '<p><a rel="noopener noreferrer">x</a></p>',
    "<a href='data:text/html,<script>alert(1)</script>'>d</a>": '<p><a rel="noopener noreferrer">d</a></p>',
    '<a rel="attachment" href="pupils/ada.yaml">a</a>': '<p><a href="pupils/ada.yaml" rel="noopener noreferrer">a</a></p>',
    "<div style='background:url(http://example.com/t.png)'>s</div>": "<div>s</div>",
    "<base href=http://example.com/>": "<p></p>",
    "<meta http-equiv=refresh content='0;url=http://example.com'>": "<p></p>",
    "<form action=http://example.com><input name=q></form>": "&lt;form action=http://example.com&gt;&lt;/form&gt;",
    "![t](https://example.com/track.png)": "<p></p>",
    '<a href="https://example.com/" onclick="alert(1)">ok</a>':
        '<p><a href="https://example.com/" rel="noopener noreferrer">ok</a></p>',
    "<SCRIPT SRC=//example.com/x.js></SCRIPT>": "&lt;SCRIPT SRC=//example.com/x.js&gt;&lt;/SCRIPT&gt;",
    "<scr<script>ipt>alert(1)</script>": "<p>&lt;scr&lt;script&gt;ipt&gt;alert(1)&lt;/script&gt;</p>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>':
        '&lt;noscript&gt;<p title="&lt;/noscript&gt;&lt;img src=x onerror=alert(1)&gt;">&lt;/noscript&gt;</p>',
    # what people really type: the rest of the note must survive
    "Wrote <script> in an essay.\n\nNext *point*": "<p>Wrote &lt;script&gt; in an essay.</p>\n<p>Next <em>point</em></p>",
    "Uses <iframe> a lot.\n\nMore": "<p>Uses &lt;iframe&gt; a lot.</p>\n<p>More</p>",
    "`<script>` in code": "<p><code>&lt;script&gt;</code> in code</p>",
    "We sent a <text> home. Then <use> it.\n\nMore": "<p>We sent a &lt;text&gt; home. Then &lt;use&gt; it.</p>\n<p>More</p>",
    "a <!-- hidden --> b <!-- unclosed\n\nc": "<p>a  b &lt;!– unclosed</p>\n<p>c</p>",  # smarty makes '--' a dash
    '<a href="java\nscript:alert(1)">n</a>': '<p><a rel="noopener noreferrer">n</a></p>',
    "<b>bold</b> <u>u</u> H<sub>2</sub>O <div class=note>n</div>": '<p><b>bold</b> <u>u</u> H<sub>2</sub>O </p><div class="note">n</div><p></p>',
}

DANGEROUS_TAGS = {"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form", "input",
                  "textarea", "button", "svg", "math", "img", "video", "audio", "source", "template"}
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "data", "poster", "background", "xlink:href", "style"}


class Elements(HTMLParser):
    """Every start tag of a page with its attributes: what a browser would act on, as opposed to text it shows."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def executable(html: str) -> list[str]:
    """Tags, handlers and URLs in a page that could run script, embed a resource or reach outside the site."""
    problems = []
    for tag, attrs in Elements(html).found:
        if tag in DANGEROUS_TAGS:
            problems.append(f"<{tag}>")
        if tag == "meta" and "http-equiv" in attrs:
            problems.append("<meta http-equiv>")
        if tag == "link" and not attrs.get("href", "").startswith("../"):
            problems.append(f"<link href={attrs.get('href')!r}>")
        for name, value in attrs.items():
            squeezed = re.sub(r"[\t\n\r]", "", value).lower()  # what a browser strips from a URL
            if name.startswith("on"):
                problems.append(f"<{tag} {name}>")
            if name in URL_ATTRIBUTES and any(s in squeezed for s in ("javascript:", "vbscript:", "data:", "file:", "url(")):
                problems.append(f"<{tag} {name}={value!r}>")
            if name == "rel" and "attachment" in value:
                problems.append(f"<{tag} rel=attachment>")
    return problems


@pytest.mark.parametrize("source", sorted(SANITISED))
def test_sanitiser_output_is_pinned(source: str) -> None:
    assert str(markup.to_html(source)) == SANITISED[source]


FRAGMENTS = HOSTILE + [
    "<script>", "</script>", "<style>", "<iframe>", "<textarea>", "<title>", "<xmp>", "<plaintext>", "<noscript>", "<noembed>",
    "<template>", "<svg>", "<math>", "<mi>", "<text>", "<use>", "<select>", "<option>", "<table>", "<tr>", "<td>", "</p>",
    "<div>", "</div>", "<a href=https://example.com>", "<b>", "<!--", "<![CDATA[", "<?", "</3", "<!x", "`", "```", "*", "# h",
    "> q", "- li", "1. n", "<img/src=x/onerror=alert(1)>", "<p title='</p><script>'>", "&lt;script&gt;", "&#60;script&#62;",
    "<a href=\"java\tscript:alert(1)\">", "<div class=x onclick=alert(1)>", "<math><mi xlink:href=javascript:alert(1)>",
]


@settings(max_examples=300, deadline=None, database=None)
@given(before=st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=6),
       after=st.lists(st.sampled_from(FRAGMENTS), max_size=3), glue=st.sampled_from(["", " ", "\n", "\n\n"]))
def test_no_typed_text_runs_and_none_is_swallowed(before: list[str], after: list[str], glue: str) -> None:
    """Whatever raw HTML precedes a paragraph, the paragraph's text survives, and nothing in the result can run."""
    source = glue.join(before) + "\n\nCanaryZed\n\n" + glue.join(after)
    assume("-->" not in source)  # a closed comment hides what it encloses, as its author meant
    html = str(markup.to_html(source))
    assert "CanaryZed" in htmllib.unescape(nh3.clean(html, tags=set()))
    assert executable(html) == []


def test_sanitiser_allow_list_has_no_embedding_tag_and_no_script_scheme() -> None:
    assert not {"img", "svg", "iframe", "object", "embed", "link", "style", "script", "video", "audio", "source", "form",
                "input", "base", "meta", "math"} & markup._ALLOWED_TAGS
    assert markup._URL_SCHEMES == {"https", "http", "mailto", "tel"}
    assert not any({"style", "src", "srcset", "rel"} & attrs for attrs in markup._ALLOWED_ATTRIBUTES.values())
    assert not any(name.startswith("on") for attrs in markup._ALLOWED_ATTRIBUTES.values() for name in attrs)


def test_headings_in_the_contents_list_are_plain_text_escaped_once() -> None:
    rendered = markup.render("## Fish & chips <b>now</b>\n\n## 1 < 2 <script>alert(1)</script>\n")
    assert [h.text for h in rendered.headings] == ["Fish & chips now", "1 < 2 alert(1)"]  # text, escaped by the template
    assert markup.plain("Tom & *Jerry* <i>x</i>") == "Tom & Jerry x"


def _block(strings: list[str], indent: str) -> str:
    """Markdown paragraphs as a YAML literal block, one hostile string per paragraph."""
    return "|\n" + "".join(f"{indent}{s}\n{indent}\n" for s in ["CanaryBefore"] + strings + ["CanaryAfter"])


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_site("tiny", tmp_path_factory.mktemp("hostile"))
    ada = (root / "pupils" / "ada.yaml").read_text(encoding="utf-8")
    ada = ada.replace("    notes: CanaryNoteSigma talked about *fractions*.\n", "    notes: " + _block(HOSTILE, "      "))
    ada = ada.replace("    notes: CanaryContactKappa agreed to mentoring.\n", "    notes: " + _block(HOSTILE, "      "))
    assert ada.count("CanaryBefore") == 2
    (root / "pupils" / "ada.yaml").write_text(ada, encoding="utf-8")
    policy = root / "content" / "policies" / "mentoring.md"
    policy.write_text(policy.read_text(encoding="utf-8") + "\n## Hostile\n\n" + "\n\n".join(["CanaryBefore"] + HOSTILE + [
        '<a rel="attachment" href="pupils/ada.yaml">attach</a>', "[relative](pupils/ada.yaml)", "CanaryAfter"]) + "\n",
        encoding="utf-8")
    out = root / "output"
    build(root, out, jobs=1, as_of=AS_OF)
    return out


PAGES = ["staff/pupils/ada/index.html", "governors/policies/mentoring/index.html"]
PDFS = ["staff/pupils/ada/mentoring-file.pdf", "governors/policies/mentoring.pdf"]


@pytest.fixture(scope="module")
def clean_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same school without the hostile text: what the templates themselves put in a page (scripts, forms, charts)."""
    root = copy_site("tiny", tmp_path_factory.mktemp("clean"))
    build(root, root / "output", jobs=1, as_of=AS_OF)
    return root / "output"


@pytest.mark.parametrize("page", PAGES)
def test_built_page_holds_no_executable_or_embedding_markup(hostile_build: Path, clean_build: Path, page: str) -> None:
    html = (hostile_build / page).read_text(encoding="utf-8")
    assert html.count("CanaryBefore") >= 1 and html.count("CanaryAfter") >= 1  # the notes were rendered
    found = executable(html)
    assert sorted(found) == sorted(executable((clean_build / page).read_text(encoding="utf-8")))  # nothing added
    assert [f for f in found if any(s in f for s in ("alert", "example.com", "passwd", "ada.yaml"))] == []


@pytest.mark.parametrize("page", PAGES)
def test_hostile_text_is_shown_escaped_or_removed(hostile_build: Path, page: str) -> None:
    html = (hostile_build / page).read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as typed
    assert '&lt;iframe src="https://example.com"&gt;' in html
    assert "&lt;style&gt;body{background:url(file:///etc/passwd)}&lt;/style&gt;" in html
    assert '<a rel="noopener noreferrer">click</a>' in html  # javascript: link: text kept, href removed
    assert '<a rel="noopener noreferrer">x</a>' in html
    assert "&lt;svg onload=alert(1)&gt;" in html and "&lt;object data=x&gt;" in html
    for gone in ("onerror", "example.com/x.css"):  # <img> and <link> are dropped whole
        assert gone not in html
    # everything after the hostile strings is still there, as text
    assert html.index("CanaryAfter") > html.index("{% raw %}") > html.index("{{ 7*7 }}") > html.index("&lt;script&gt;")


def test_the_executable_check_catches_what_it_should() -> None:
    page = ('<p><img src=x onerror="alert(1)"><a href=" java&#10;script:x">a</a><link rel=stylesheet href=http://e/x.css>'
            '<div style="background:url(file:///etc/passwd)"></div><meta http-equiv=refresh content=0></p>')
    assert executable(page) == ["<img>", "<img onerror>", "<a href=' java\\nscript:x'>", "<link href='http://e/x.css'>",
                                "<div style='background:url(file:///etc/passwd)'>", "<meta http-equiv>"]


@pytest.mark.parametrize("page", PAGES)
def test_template_syntax_in_text_is_shown_not_run(hostile_build: Path, page: str) -> None:
    html = (hostile_build / page).read_text(encoding="utf-8")
    assert "{{ 7*7 }}" in html and "{% raw %}" in html


def test_notes_appear_once_per_meeting_and_contact(hostile_build: Path) -> None:
    html = (hostile_build / PAGES[0]).read_text(encoding="utf-8")
    assert html.count("{{ 7*7 }}") == 2


@pytest.mark.parametrize("document", PDFS)
def test_pdf_text_shows_template_syntax_and_no_script(hostile_build: Path, document: str) -> None:
    text = " ".join(pdf_text(hostile_build / document).split())
    assert "{{ 7*7 }}" in text and "{% raw %}" in text
    assert "<script>alert(1)</script>" in text  # shown as text, never run (PDFs here carry no JavaScript)
    assert "<svg onload=alert(1)>" in text
    assert "onerror" not in text and "example.com/x.css" not in text  # <img> and <link> are dropped whole


@pytest.mark.parametrize("document", PDFS)
def test_pdf_has_no_attachment_script_or_local_path(hostile_build: Path, document: str) -> None:
    reader = PdfReader(str(hostile_build / document))
    assert list(reader.attachments) == []
    assert "/JavaScript" not in str(reader.trailer["/Root"].get_object().get("/Names", {}))
    uris = [str(a.get_object().get("/A", {}).get("/URI", "")) for page in reader.pages for a in (page.get("/Annots") or [])]
    root = str(hostile_build.parent)
    assert [u for u in uris if root in u or "javascript" in u.lower() or "/etc/" in u] == []


def test_relative_link_in_a_pdf_does_not_name_the_build_folder(hostile_build: Path) -> None:
    reader = PdfReader(str(hostile_build / "governors" / "policies" / "mentoring.pdf"))
    uris = {str(a.get_object().get("/A", {}).get("/URI", "")) for page in reader.pages for a in (page.get("/Annots") or [])}
    assert f"{pdf.BASE_URL}pupils/ada.yaml" in uris
    assert str(hostile_build.parent) not in (hostile_build / "governors" / "policies" / "mentoring.pdf").read_bytes().decode("latin-1")


# --- the fetcher ------------------------------------------------------------------

@pytest.fixture
def places(tmp_path: Path) -> dict[str, Path]:
    root = tmp_path / "school"
    (root / "assets").mkdir(parents=True)
    (root / "assets" / "inside.css").write_text("p { color: green }\n", encoding="utf-8")
    (tmp_path / "outside.css").write_text("p { color: red }\n", encoding="utf-8")
    (root / "assets" / "link.css").symlink_to(tmp_path / "outside.css")
    return {"root": root, "outside": tmp_path / "outside.css"}


def _fetch(root: Path, url: str) -> bytes:
    response = pdf._make_fetcher(root).fetch(url)
    try:
        return response.read()
    finally:
        response.close()


@pytest.mark.parametrize("url", [
    "http://example.com/x.css",
    "https://example.com/x.png",
    "HTTPS://example.com/x.png",
    "ftp://example.com/x",
    "gopher://example.com/",
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "file://localhost/etc/passwd",
    "file://example.com/etc/passwd",
    "file:etc/passwd",
    "{root}/../outside.css",
    "{root}/assets/../../outside.css",
    "{root}/%2e%2e/outside.css",
    "{root}/assets/%2E%2E/%2E%2E/outside.css",
    "{root}/assets/link.css",
    "{root}/../../../../../../etc/passwd",
    "{base}../outside.css",
    "{base}assets/../../../etc/passwd",
])
def test_fetcher_refuses_network_and_files_outside_the_root(places: dict[str, Path], url: str) -> None:
    url = url.format(root=places["root"].as_uri(), base=pdf.BASE_URL)
    with pytest.raises(ValueError, match="refused to fetch"):
        _fetch(places["root"], url)


@pytest.mark.parametrize("url", ["{root}/assets/inside.css", "{root}/assets/./inside.css", "{root}/assets/../assets/inside.css",
                                 "{base}assets/inside.css", "file://localhost{path}/assets/inside.css"])
def test_fetcher_serves_files_inside_the_root(places: dict[str, Path], url: str) -> None:
    url = url.format(root=places["root"].as_uri(), base=pdf.BASE_URL, path=places["root"])
    assert _fetch(places["root"], url) == b"p { color: green }\n"


def test_fetcher_serves_data_uris(places: dict[str, Path]) -> None:
    assert _fetch(places["root"], "data:text/plain,hello%20there") == b"hello there"


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + b"\x80\x20\x20" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_documents_cannot_pull_in_files_from_outside_the_root(tmp_path: Path) -> None:
    """Even a school's own templates (trusted, unlike notes) get nothing from outside the root or the network."""
    root = copy_site("tiny", tmp_path)
    shutil.copytree(PACKAGE_TEMPLATES, root / "templates")
    (tmp_path / "outside.css").write_text('body::before { content: "OutsideCanary" }\n', encoding="utf-8")
    (tmp_path / "outside.png").write_bytes(_png(3, 5))
    (root / "inside.css").write_text('body::after { content: "InsideCanary" }\n', encoding="utf-8")
    (root / "inside.png").write_bytes(_png(2, 2))
    print_css = root / "templates" / "shared" / "print.css"
    print_css.write_text(
        f'@import url("{(tmp_path / "outside.css").as_uri()}");\n'
        f'@import url("{(root / "inside.css").as_uri()}");\n'
        '@import url("http://127.0.0.1:9/remote.css");\n'
        + print_css.read_text(encoding="utf-8")
        + f'\nh1 {{ background: url("{(tmp_path / "outside.png").as_uri()}") }}\n', encoding="utf-8")
    policy = root / "content" / "policies" / "mentoring.md"
    policy.write_text(policy.read_text(encoding="utf-8")
                      + '\n<img src="file:///etc/hostname"> <img src="inside.png">\n', encoding="utf-8")
    template = root / "templates" / "governors" / "policy-print.html"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "{% include", f'<img src="{(tmp_path / "outside.png").as_uri()}"><img src="inside.png">\n{{% include', 1), encoding="utf-8")
    out = root / "output"
    build(root, out, jobs=1, as_of=AS_OF)
    document = out / "governors" / "policies" / "mentoring.pdf"
    text = pdf_text(document)
    assert "InsideCanary" in text  # the fetcher does serve the root
    assert "OutsideCanary" not in text
    sizes = {(image.image.width, image.image.height) for page in PdfReader(str(document)).pages for image in page.images}
    assert (2, 2) in sizes and (3, 5) not in sizes
