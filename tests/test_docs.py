"""The documentation builds with warnings as errors (user guide, generated API reference, executed
gallery), exactly as docs/conf.py says; every public module has an API page and every example
ran and drew its figures."""
from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import metakinetics

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("sphinx", reason="the docs extra (pip install -e '.[docs]') builds the documentation")


@pytest.mark.slow
def test_docs_build_with_warnings_as_errors(tmp_path):
    out = tmp_path / "html"
    res = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html",
                          "-d", str(tmp_path / "doctrees"), "docs", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]

    public = {m.name for m in pkgutil.walk_packages(metakinetics.__path__, "metakinetics.")
              if not any(part.startswith("_") for part in m.name.split("."))}
    pages = {p.stem for p in (out / "api").glob("metakinetics*.html")}
    if (out / "api_incidence.html").is_file():  # the subpackage the root verb shadows (docs/conf.py)
        pages.add("metakinetics.incidence")
    assert public - pages == set(), "public modules without an API page"
    assert "metakinetics" in pages and "metakinetics.reproduce.compare" in pages

    examples = sorted(p.stem for p in (ROOT / "docs" / "examples").glob("plot_*.py"))
    assert len(examples) >= 5
    images = [p.name for p in (out / "_images").glob("sphx_glr_plot_*.png") if "thumb" not in p.name]
    for name in examples:
        page = (out / "auto_examples" / f"{name}.html").read_text()
        assert "Traceback" not in page
        assert any(i.startswith(f"sphx_glr_{name}_0") for i in images), f"{name} drew no figure"
    for guide in ("install", "model", "model_files", "data_format", "fitting", "reproduce", "scenarios",
                  "stochastic", "sbml", "dask", "architecture", "changelog"):
        assert (out / f"{guide}.html").is_file(), guide
