"""The dev server: serves the built site on 127.0.0.1, injects live reload, rebuilds on save, survives bad input."""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest
from support import pdf_text

from generator.commands.sample import write_sample
from generator.commands.serve import Server, ignored

Response = tuple[int, dict[str, str], bytes]


def get(port: int, path: str, host: str | None = None) -> Response:
    """One raw GET (http.client sends the path exactly as written, `..` included)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": host} if host else {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def status(port: int) -> dict[str, object]:
    return json.loads(get(port, "/__mentorsite/status")[2])


def epoch(port: int) -> int:
    return int(get(port, "/__mentorsite/epoch")[2])


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the server"
        time.sleep(0.2)


def school(folder: Path) -> Path:
    write_sample(2, folder)
    return folder


def started(root: Path, messages: list[str]) -> Server:
    server = Server(root, root / "output", port=0, jobs=1, report=messages.append)
    server.start()
    return server


def pupil_page(root: Path) -> tuple[Path, str]:
    """The first pupil's record file and the URL of their staff page."""
    record = sorted((root / "pupils").glob("*.yaml"))[0]
    return record, f"/staff/pupils/{record.stem}/"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """One server shared by the read-only tests (each start renders the school's PDFs)."""
    root = school(tmp_path_factory.mktemp("served"))
    server = started(root, [])
    assert server.status.ok, f"the sample school must build before the server can be tested: {server.status.errors}"
    yield server, root
    server.stop()


def test_pages_carry_the_reload_script_but_the_files_on_disk_do_not(running: tuple[Server, Path]) -> None:
    server, root = running
    code, headers, body = get(server.port, "/staff/index.html")
    assert code == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert b"/__mentorsite/epoch" in body
    assert body.index(b"/__mentorsite/epoch") < body.rindex(b"</body>")
    on_disk = (root / "output" / "staff" / "index.html").read_bytes()
    assert b"__mentorsite" not in on_disk
    assert body.replace(on_disk[: on_disk.rindex(b"</body>")], b"").startswith(b"<script>")


def test_root_redirects_to_staff_and_folders_serve_their_index(running: tuple[Server, Path]) -> None:
    server, root = running
    code, headers, _ = get(server.port, "/")
    assert (code, headers["location"]) == (302, "/staff/")
    code, headers, _ = get(server.port, "/staff")
    assert (code, headers["location"]) == (302, "/staff/")
    assert get(server.port, "/staff/")[2] == get(server.port, "/staff/index.html")[2]
    _, page = pupil_page(root)
    assert get(server.port, page)[0] == 200


@pytest.mark.parametrize("path, kind", [("/staff/assets/site.css", "text/css; charset=utf-8"),
                                        ("/__mentorsite/epoch", "text/plain; charset=utf-8"),
                                        ("/__mentorsite/status", "application/json")])
def test_content_types(running: tuple[Server, Path], path: str, kind: str) -> None:
    code, headers, _ = get(running[0].port, path)
    assert (code, headers["content-type"]) == (200, kind)


def test_pdfs_are_served_byte_for_byte(running: tuple[Server, Path]) -> None:
    server, root = running
    pdf = sorted((root / "output" / "staff").rglob("*.pdf"))[0]
    code, headers, body = get(server.port, "/" + pdf.relative_to(root / "output").as_posix())
    assert (code, headers["content-type"]) == (200, "application/pdf")
    assert body == pdf.read_bytes()


@pytest.mark.parametrize("path", ["/../../etc/passwd", "/staff/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                                  "/staff/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
                                  "/.mentorsite/state.json", "/staff/%00", "/no-such-page.css"])
def test_paths_outside_the_site_are_refused(running: tuple[Server, Path], path: str) -> None:
    code, _, body = get(running[0].port, path)
    assert code in (400, 404)
    assert b"root:" not in body and b"version" not in body


@pytest.mark.parametrize("path, location", [("/%2F%2Fevil.example/..", "/"), ("/%2Fevil.example/../staff", "/staff/"),
                                            ("/staff/./pupils", "/staff/pupils/")])
def test_folder_redirects_stay_on_this_site(running: tuple[Server, Path], path: str, location: str) -> None:
    code, headers, _ = get(running[0].port, path)
    assert (code, headers["location"]) == (302, location)


def test_other_host_names_are_refused(running: tuple[Server, Path]) -> None:
    """A page on another site that rebinds its DNS name to 127.0.0.1 must not read pupils' records."""
    assert get(running[0].port, "/staff/", host="attacker.example")[0] == 400
    assert get(running[0].port, "/staff/", host=f"localhost:{running[0].port}")[0] == 200


def test_saves_rebuild_and_bad_input_keeps_the_last_good_site(tmp_path: Path) -> None:
    root = school(tmp_path / "school")
    messages: list[str] = []
    server = started(root, messages)
    try:
        assert server.status.ok, f"the sample school must build: {server.status.errors}"
        record, page = pupil_page(root)
        first = epoch(server.port)
        for scratch in (root / ".git" / "index", record.with_name(f".{record.name}.swp"),
                        record.with_name(record.name + "~"), root / "output" / "stray.txt"):
            scratch.parent.mkdir(parents=True, exist_ok=True)
            scratch.write_text("scratch\n", encoding="utf-8")
        time.sleep(1.0)
        assert epoch(server.port) == first, "hidden, scratch and output files must not trigger a rebuild"

        import threading

        waited: list[int] = []  # the reload script's request: answered when the next build is in, not by polling
        waiter = threading.Thread(target=lambda: waited.append(int(get(server.port, f"/__mentorsite/epoch?after={first}")[2])))
        waiter.start()
        time.sleep(0.3)
        assert waited == [], "a request for the next epoch waits for it"
        text = record.read_text(encoding="utf-8")
        record.write_text(re.sub(r"(?m)^first_name: .*$", "first_name: Zephyrine", text), encoding="utf-8")
        waiter.join(30)
        assert waited and waited[0] > first
        wait_for(lambda: epoch(server.port) > first)
        assert b"Zephyrine" in get(server.port, page)[2]  # the page first, from memory; its PDFs follow in a full build
        assert any(" pages updated in " in m and m.endswith("PDFs and analysis pages follow") for m in messages), messages
        wait_for(lambda: status(server.port) == {"epoch": first + 2, "ok": True, "errors": [], "pdfs_pending": 0})
        assert "Zephyrine" in pdf_text(root / "output" / "families" / record.stem / "profile.pdf")

        record.write_text(re.sub(r"(?m)^year: .*$", "year: nine", record.read_text(encoding="utf-8")), encoding="utf-8")
        wait_for(lambda: epoch(server.port) > first + 2)
        now = status(server.port)
        assert now["ok"] is False
        errors = now["errors"]
        assert isinstance(errors, list) and errors
        assert all(line.startswith(f"pupils/{record.name}:") for line in errors)
        assert any(line in messages for line in errors), "the diagnostics go to the report callback"
        code, _, body = get(server.port, page)
        assert code == 200 and b"Zephyrine" in body, "the last good site keeps being served"
    finally:
        server.stop()


def test_a_failed_first_build_serves_a_page_listing_the_problems(tmp_path: Path) -> None:
    root = school(tmp_path / "school")
    record, _ = pupil_page(root)
    record.write_text(re.sub(r"(?m)^year: .*$", "year: nine", record.read_text(encoding="utf-8")), encoding="utf-8")
    messages: list[str] = []
    server = started(root, messages)
    try:
        assert not (root / "output").exists()
        code, headers, body = get(server.port, "/staff/")
        assert code == 503 and headers["content-type"].startswith("text/html")
        assert f"pupils/{record.name}:".encode() in body
        assert b"/__mentorsite/epoch" in body, "the failure page reloads itself once the input is fixed"
        assert any(m.startswith(f"pupils/{record.name}:") for m in messages)
        assert get(server.port, "/staff/assets/site.css")[0] == 404
    finally:
        server.stop()


def test_stop_closes_the_port_and_ends_every_thread(tmp_path: Path) -> None:
    root = school(tmp_path / "school")
    before = set(threading.enumerate())
    server = started(root, [])
    port = server.port
    server.stop()
    with pytest.raises(ConnectionRefusedError):
        get(port, "/staff/")
    assert set(threading.enumerate()) <= before


@pytest.mark.parametrize("rel, skip", [("pupils/p00001.yaml", False), ("site.yaml", False),
                                       ("content/policies/x.md", False), ("output/staff/index.html", True),
                                       (".git/index", True), (".output.staging-abc/x", True), (".venv/lib/x.py", True),
                                       ("generator/__pycache__/x.pyc", True), ("pupils/.p00001.yaml.swp", True),
                                       ("pupils/p00001.yaml~", True), ("pupils/.#p00001.yaml", True),
                                       ("pupils/p00001.swp", True)])
def test_the_watcher_ignores_output_hidden_and_editor_files(tmp_path: Path, rel: str, skip: bool) -> None:
    assert ignored(tmp_path, tmp_path / "output", tmp_path / rel) is skip
    assert ignored(tmp_path, tmp_path / "output", tmp_path.parent / "elsewhere.yaml")


def test_a_previewed_page_is_served_by_its_canonical_url_only() -> None:
    """A page rendered into memory by serve's preview answers its file's URL and its folder's URL with '/';
    the folder without '/' still goes to the redirect, or the page's relative links would resolve one level up."""
    from generator.commands.serve import _previewed

    overlay = {"staff/pupils/p1/index.html": b"page", "staff/index.html": b"dashboard"}
    assert _previewed(overlay, "/staff/pupils/p1/") == b"page"
    assert _previewed(overlay, "/staff/pupils/p1/index.html") == b"page"
    assert _previewed(overlay, "/staff/") == b"dashboard"
    assert _previewed(overlay, "/staff/pupils/p1") is None
    assert _previewed(overlay, "/staff/../staff/pupils/p1/") == b"page"
    assert _previewed(overlay, "/.mentorsite/") is None
