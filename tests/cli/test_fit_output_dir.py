"""Where `metakinetics fit` writes: a bundled set-up in a source checkout writes beside its
fit.toml at any depth (fits/breast_joint/ladder/...); one installed in site-packages writes to
./fit_results/<name>."""
from __future__ import annotations

from pathlib import Path

from metakinetics.cli import fit as cli_fit

ROOT = Path(__file__).resolve().parents[2]


def test_nested_bundled_setup_in_a_checkout_writes_beside_itself():
    setup = ROOT / "fits" / "breast_joint" / "ladder" / "1_one_class" / "fit.toml"
    assert cli_fit.fit_output_dir(setup, None) == setup.parent
    assert cli_fit.fit_output_dir(ROOT / "fits" / "breast" / "fit.toml", None) == ROOT / "fits" / "breast"


def test_installed_setup_writes_to_the_working_directory(tmp_path, monkeypatch):
    installed = tmp_path / "site-packages" / "metakinetics" / "_fits"     # no pyproject.toml above it
    (installed / "breast_joint" / "ladder" / "2_classes").mkdir(parents=True)
    monkeypatch.setattr(cli_fit.resources, "files", lambda name: installed)
    monkeypatch.chdir(tmp_path)
    setup = installed / "breast_joint" / "ladder" / "2_classes" / "fit.toml"
    assert cli_fit.fit_output_dir(setup, None) == tmp_path / "fit_results" / "2_classes"
    assert cli_fit.fit_output_dir(setup, "out") == Path("out")
