"""Numbered bad SBML files (tests/bad_inputs/sbml/NN_*.xml, issue 14 items 8, 11, 2): constructs
that were silently dropped, sizes that hang or overflow, and reserved ids give one ModelFileError
naming the file, the element and the reason; ok_*.xml hold settings that are read correctly."""
from pathlib import Path

import pytest

pytest.importorskip("libsbml")

from metakinetics import ModelFileError  # noqa: E402
from metakinetics.cli.main import main  # noqa: E402
from tests.bad_inputs.expect import check_named_error, load_expected  # noqa: E402
from metakinetics.interop import read_sbml  # noqa: E402

HERE = Path(__file__).parent / "sbml"
EXPECTED = load_expected(HERE)


def test_every_fixture_is_listed():
    assert {p.stem for p in HERE.glob("[0-9]*.xml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_sbml_names_file_element_and_reason(name):
    path = HERE / f"{name}.xml"
    with pytest.raises(ModelFileError) as info:
        read_sbml(str(path))
    check_named_error(info.value, path, EXPECTED[name])


@pytest.mark.parametrize("name", ["01_reversible_reaction", "06_power_9_9_9", "09_3000_deep"])
def test_cli_one_line_exit_2(name, capsys):
    assert main(["simulate", str(HERE / f"{name}.xml"), "--paths", "2", "--times", "0:1:1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("path", sorted(HERE.glob("ok_*.xml")), ids=lambda p: p.stem)
def test_settings_without_effect_without_delays_are_read(path):
    net = read_sbml(str(path))
    assert net.species_names == ("X",) and len(net.events) == 1
