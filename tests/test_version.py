"""The version is written once (metakinetics/_version.py); the package, the CLI, the installed
metadata, fit results, CITATION.cff and the changelog all say the same."""
from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import metakinetics
from metakinetics._version import __version__
from metakinetics.cli.main import main

ROOT = Path(__file__).resolve().parents[1]


def test_written_in_one_place():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^dynamic = \["version"\]', pyproject, re.M)
    assert 'version = { attr = "metakinetics._version.__version__" }' in pyproject
    assert not re.search(r'^version\s*=\s*"', pyproject, re.M), "pyproject.toml must not spell the version"
    written = [p for p in (ROOT / "metakinetics").rglob("*.py")
               if re.search(r'^__version__\s*=', p.read_text(), re.M)]
    assert written == [ROOT / "metakinetics" / "_version.py"]


def test_package_cli_and_installed_metadata_agree(capsys):
    assert metakinetics.__version__ == __version__
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.dev\d+)?", __version__)
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert capsys.readouterr().out.strip() == f"metakinetics {__version__}"
    # the metadata pip recorded at install time (re-install after changing _version.py)
    assert importlib.metadata.version("metakinetics") == __version__


def test_console_script_reports_it():
    out = subprocess.run([sys.executable, "-m", "metakinetics", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == f"metakinetics {__version__}"


def test_fit_results_record_it(tmp_path):
    from metakinetics.endpoints import AtDiagnosis
    from metakinetics.inference import fit, parse_setup

    data = tmp_path / "d.csv"
    data.write_text("group,organ,endpoint,time,value,denominator\nall,bone,at_diagnosis,0,0.05,1000\n")
    setup = parse_setup(f"""
[fit]
name = "v"
[model]
name = "breast"
[[data]]
name = "{data}"
likelihood = "binomial"
[parameters."organs.bone.efficiency"]
value = 1e-5
min = 1e-9
max = 1e-2
log = true
""", path=str(tmp_path / "fit.toml"))

    def flat(model, endpoint, times):  # a closed-form stand-in: only the recorded version matters here
        assert isinstance(endpoint, AtDiagnosis)
        return model.organ_names, [[min(0.5, 1e3 * o.efficiency) for o in model.organs] for _ in times]

    result = fit(setup, predictor=flat, curves=False)
    assert result.package_version == __version__
    assert result.to_dict()["package_version"] == __version__


def test_citation_and_changelog_name_it():
    cff = (ROOT / "CITATION.cff").read_text()
    assert re.search(rf'^version: "{re.escape(__version__)}"$', cff, re.M)
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## [{__version__}]" in changelog and "## [Unreleased]" in changelog
