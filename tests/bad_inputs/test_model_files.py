"""Numbered bad model files (tests/bad_inputs/models/NN_*.toml): each gives one ModelFileError
naming the file, the key and the reason (expected.json), through the API and through the CLI."""
import json
from pathlib import Path

import pytest

from metakinetics import ModelFileError, load_model
from metakinetics.cli.main import main

HERE = Path(__file__).parent / "models"
EXPECTED = json.loads((HERE / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_model_file_names_file_key_and_reason(name):
    path = HERE / f"{name}.toml"
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    msg = str(info.value)
    assert str(path) in msg
    if EXPECTED[name]["key"]:
        assert EXPECTED[name]["key"] in msg
    assert EXPECTED[name]["reason"] in msg
    assert "\n" not in msg


@pytest.mark.parametrize("name", ["02_unknown_key_typo", "10_invalid_toml"])
def test_cli_reports_bad_file_on_one_line_exit_2(name, capsys):
    code = main(["show", str(HERE / f"{name}.toml")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("metakinetics show: error: ")


def test_invalid_toml_reports_line():
    with pytest.raises(ModelFileError) as info:
        load_model(HERE / "10_invalid_toml.toml")
    assert info.value.line == 11


def test_string_value_is_never_executed(tmp_path):
    marker = Path("/tmp/metakinetics_pwned")
    marker.unlink(missing_ok=True)
    with pytest.raises(ModelFileError):
        load_model(HERE / "11_code_injection_in_value.toml")
    assert not marker.exists()


def test_missing_file():
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model("does/not/exist.toml")


def test_unknown_bundled_model_suggests():
    with pytest.raises(ModelFileError, match="did you mean 'breast'"):
        load_model("braest")


HOSTILE = ["two\nlines", "nul\x00byte", 'quote " and \\ backslash', "tab\tcr\rff\fbs\b", "del\x7f", "esc\x1b[31m",
           "é ünïcødé", "] [organs.x]\nname = \"injected\""]


@pytest.mark.parametrize("text", HOSTILE)
def test_dump_toml_round_trips_hostile_names_exactly(text):
    # a newline or NUL in a name was written raw: the file did not parse or read back differently
    import dataclasses

    from metakinetics.model.file import dump_toml, load_model_text

    model = dataclasses.replace(load_model("breast"), name=text, description=text)
    back = load_model_text(dump_toml(model), path="roundtrip.toml")
    assert back.name == text and back.description == text
    assert back.values() == model.values()


@pytest.mark.parametrize("text", HOSTILE)
def test_network_to_toml_round_trips_hostile_names_exactly(text):
    import dataclasses

    from metakinetics.model.network_file import load_network, network_from_toml, network_to_toml

    net = dataclasses.replace(load_network("immigration_death"), name=text, description=text)
    back = network_from_toml(network_to_toml(net), path="roundtrip.toml")
    assert back.name == text and back.description == text
