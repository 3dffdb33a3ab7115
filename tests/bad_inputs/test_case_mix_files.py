"""Numbered bad case-mix files (tests/bad_inputs/case_mixes/NN_*.toml, issue 11): each gives one
ModelFileError naming the file, the key and the reason (expected.json), through the library and the
CLI; a case mix naming a class the model lacks is refused when it is applied."""
import json
from pathlib import Path

import pytest

from metakinetics import ModelFileError
from metakinetics.cli.main import main
from metakinetics.model.case_mix import load_case_mix

HERE = Path(__file__).parent / "case_mixes"
EXPECTED = json.loads((HERE / "expected.json").read_text())


def test_every_fixture_is_listed():
    assert sorted(p.stem for p in HERE.glob("[0-9][0-9]_*.toml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_case_mix_names_file_key_and_reason(name):
    path = HERE / f"{name}.toml"
    with pytest.raises(ModelFileError) as info:
        load_case_mix(path)
    msg = str(info.value)
    assert str(path) in msg and EXPECTED[name]["key"] in msg and EXPECTED[name]["reason"] in msg, msg
    assert "\n" not in msg


@pytest.mark.parametrize("name", ["01_nodal_shares_sum_to_0.9", "05_nodal_classes_overlap"])
def test_cli_reports_a_bad_case_mix_on_one_line(name, capsys):
    code = main(["incidence", "breast", "--case-mix", str(HERE / f"{name}.toml"), "--times", "5"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err and EXPECTED[name]["reason"] in err


def test_a_class_the_model_lacks_is_refused_when_applied(tmp_path):
    import metakinetics as mk

    path = tmp_path / "mix.toml"
    path.write_text('[case_mix]\nname = "c"\n[classes]\nluminal_a = 0.7\nbasal = 0.3\n')
    with pytest.raises(ModelFileError) as info:
        mk.incidence("breast_subtypes", "distant", [5.0], case_mix=str(path))
    msg = str(info.value)
    assert "classes.basal" in msg and "has no class 'basal'" in msg and "\n" not in msg
