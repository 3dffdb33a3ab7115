"""The report in a real headless browser (Debian's chromium): it renders with no console errors,
and the screenshot is not blank. Skips when chromium is not installed (.ci/run installs it)."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install -y chromium; .ci/run does so when run as root with apt)")


def _render(page: Path, shot: Path) -> list[str]:
    """Screenshot ``page`` offline; the console messages chromium logged (errors and uncaught exceptions)."""
    with tempfile.TemporaryDirectory() as profile:
        res = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--enable-logging=stderr", "--v=0", "--window-size=1200,2400", f"--screenshot={shot}",
             page.resolve().as_uri()],
            capture_output=True, text=True, timeout=120)
    assert shot.is_file(), f"chromium wrote no screenshot (exit {res.returncode}): {res.stderr[-2000:]}"
    return [line for line in res.stderr.splitlines() if ":CONSOLE" in line]


def _ink(shot: Path) -> float:
    """Share of the screenshot's pixels that are not (near) white."""
    px = np.asarray(Image.open(shot).convert("L"), dtype=float)
    return float(np.mean(px < 200))


def test_report_renders_without_console_errors(report_path, tmp_path):
    shot = tmp_path / "shot.png"
    console = _render(report_path, shot)
    assert console == []
    assert Image.open(shot).size == (1200, 2400)
    assert _ink(shot) > 0.01  # text, tables, equations and figures: not a blank page


def test_the_check_catches_console_errors_and_blank_pages(tmp_path):
    """The same checks on pages built to fail them (so the test above can fail)."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><body><script>console.error("boom"); notDefined();</script></body></html>')
    console = _render(bad, tmp_path / "bad.png")
    assert any('"boom"' in line for line in console)
    assert any("notDefined is not defined" in line for line in console)
    assert _ink(tmp_path / "bad.png") < 0.001  # an empty page is blank
