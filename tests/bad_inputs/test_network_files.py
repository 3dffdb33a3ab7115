"""Numbered bad network files (tests/bad_inputs/networks/NN_*.toml): each gives one ModelFileError
naming the file, the key and the reason (expected.json), through the API and through the CLI
(`metakinetics simulate NETWORK.toml`). Expressions in a network file are parsed by the restricted
grammar and never executed: the injection files try to create a marker file and must not."""
import json
from pathlib import Path

import pytest

from metakinetics import ModelFileError
from metakinetics.cli.main import main
from metakinetics.model.network_file import load_network, network_from_toml

HERE = Path(__file__).parent / "networks"
EXPECTED = json.loads((HERE / "expected.json").read_text())
MARKER = Path("/tmp/metakinetics_network_pwned")   # what the injection files try to `touch`


def test_every_fixture_is_listed_and_every_listed_fixture_exists():
    files = {p.stem for p in HERE.glob("*.toml")}
    assert files == set(EXPECTED)
    assert len(files) >= 20


def _cases():
    """Every fixture; those whose check belongs in a module being rewritten elsewhere are strict
    xfails with the change they need (expected.json "xfail")."""
    for name in sorted(EXPECTED):
        why = EXPECTED[name].get("xfail")
        yield pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=why)) if why else name


@pytest.mark.parametrize("name", list(_cases()))
def test_bad_network_file_names_file_key_and_reason(name):
    path = HERE / f"{name}.toml"
    with pytest.raises(ModelFileError) as info:
        load_network(path)
    msg = str(info.value)
    assert str(path) in msg
    assert info.value.key == EXPECTED[name]["key"]
    if EXPECTED[name]["key"]:
        assert EXPECTED[name]["key"] in msg
    assert EXPECTED[name]["reason"] in msg
    assert "\n" not in msg


def test_fixtures_differ_from_a_valid_network_only_by_their_defect():
    # the base of the fixtures, restored, loads: so each file fails for its stated reason alone
    text = (HERE / "11_key_typo.toml").read_text().replace("propensty", "propensity")
    net = network_from_toml(text, path="restored.toml")
    assert net.species_names == ("C", "D_bone")
    assert tuple(r.name for r in net.reactions) == ("shedding", "clearance", "arrest")


def test_invalid_toml_reports_line():
    with pytest.raises(ModelFileError) as info:
        load_network(HERE / "13_invalid_toml.toml")
    assert info.value.line == 9    # the `kappa = = 5.0` line


@pytest.mark.parametrize("name", ["04_code_injection_in_propensity", "21_code_injection_in_event"])
def test_code_in_a_network_file_is_never_run(name):
    # the marker path is writable here, so its absence afterwards means the code did not run
    MARKER.touch()
    MARKER.unlink()
    path = HERE / f"{name}.toml"
    assert "__import__('os').system('touch " + str(MARKER) in path.read_text()
    with pytest.raises(ModelFileError, match="may be called"):
        load_network(path)
    assert main(["simulate", str(path), "--paths", "3", "--times", "0:1:1"]) == 2
    assert not MARKER.exists()


@pytest.mark.parametrize("name", ["02_species_typo_in_reaction", "06_negative_initial_count",
                                  "11_key_typo", "04_code_injection_in_propensity"])
def test_cli_reports_bad_network_on_one_line_exit_2(name, capsys):
    path = HERE / f"{name}.toml"
    code = main(["simulate", str(path), "--paths", "3", "--times", "0:1:1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("metakinetics simulate: error: ")
    assert str(path) in err and EXPECTED[name]["key"] in err and EXPECTED[name]["reason"] in err


def test_missing_network_file():
    with pytest.raises(ModelFileError, match="cannot read network file"):
        load_network("does/not/exist.toml")


def test_unknown_bundled_network_suggests():
    with pytest.raises(ModelFileError, match="did you mean 'immigration_death'"):
        load_network("imigration_death")
