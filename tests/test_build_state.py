"""`mentorsite build` reads the previous manifest and digests the inputs once: the up-to-date check's reading is handed to
the build, and the manifest is read again under the output's lock only when another build replaced it meanwhile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support import AS_OF

from generator.build import build
from generator.commands.cli import main
from generator.output import artifacts, fingerprint


def _counting(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    calls = {"read_manifest": 0, "fingerprint": 0}
    real_read, real_fingerprint = artifacts.read_manifest, fingerprint.fingerprint

    def read_manifest(*args: Any, **kwargs: Any) -> Any:
        calls["read_manifest"] += 1
        return real_read(*args, **kwargs)

    def digest(*args: Any, **kwargs: Any) -> Any:
        calls["fingerprint"] += 1
        return real_fingerprint(*args, **kwargs)

    monkeypatch.setattr(artifacts, "read_manifest", read_manifest)
    monkeypatch.setattr(fingerprint, "fingerprint", digest)
    return calls


def test_an_edit_build_reads_the_manifest_and_digests_the_inputs_once(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tiny / "output"
    build(tiny, out, jobs=1, as_of=AS_OF)
    record = tiny / "pupils" / "ada.yaml"
    record.write_text(record.read_text("utf-8").replace("first_name: Adaeze", "first_name: Adaline", 1), "utf-8")
    calls = _counting(monkeypatch)
    assert main(["build", "--root", str(tiny), "--out", str(out), "--as-of", AS_OF.isoformat(), "--jobs", "1", "-q"]) == 0
    assert calls == {"read_manifest": 1, "fingerprint": 1}
    assert "Adaline" in (out / "staff" / "pupils" / "ada" / "index.html").read_text("utf-8")


def test_a_manifest_replaced_after_the_check_is_read_again_under_the_lock(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tiny / "output"
    build(tiny, out, jobs=1, as_of=AS_OF)
    (tiny / "pupils" / "ada.yaml").write_text((tiny / "pupils" / "ada.yaml").read_text("utf-8") + "\n", "utf-8")
    reading = fingerprint.state(tiny, out, AS_OF)
    assert not reading.up_to_date
    build(tiny, tiny / "elsewhere", jobs=1, as_of=AS_OF)  # another build's output, swapped in over ours below
    out.rename(tiny / "ours")
    (tiny / "elsewhere").rename(out)
    calls = _counting(monkeypatch)
    build(tiny, out, jobs=1, as_of=AS_OF, state=reading)
    assert calls["read_manifest"] == 1, "the manifest on disk is not the one the check read: read again"
    assert calls["fingerprint"] == 0


def test_an_up_to_date_output_is_answered_without_importing_the_pipeline(tiny: Path) -> None:
    """The no-op check comes before `generator.build` (about 0.5 s of imports: pydantic's models, the views) is imported.

    `--as-of` is checked against the judged dates without the record models
    either (importing them for that was 0.15 s of a 0.40 s no-op at 1,500 pupils).
    """
    import subprocess
    import sys

    out = tiny / "output"
    build(tiny, out, jobs=1, as_of=AS_OF)
    script = ("import sys; from generator.commands.cli import main; "
              f"code = main(['build', '--root', {str(tiny)!r}, '--out', {str(out)!r}, '--as-of', {AS_OF.isoformat()!r}, '-q']); "
              "print(code, *(name in sys.modules for name in ('generator.build', 'generator.views', 'weasyprint', 'pydantic')))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.split() == ["0", "False", "False", "False", "False"], done.stdout + done.stderr
