"""The report of the committed default fit, built once for the report tests (20 draws: fast)."""
from __future__ import annotations

from pathlib import Path

import pytest

from metakinetics.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="package")
def report_path(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert main(["report", str(ROOT / "fits" / "breast"), "--out", str(out), "--draws", "20"]) == 0
    return out
