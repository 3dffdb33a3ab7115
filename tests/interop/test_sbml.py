"""SBML out and back in: the same ODE solution (1e-8); bad SBML is a ModelFileError."""
import numpy as np
import pytest
from scipy.integrate import solve_ivp

pytest.importorskip("libsbml")

from metakinetics.errors import ModelFileError  # noqa: E402
from metakinetics.interop import read_sbml, write_sbml  # noqa: E402
from metakinetics.model import load_model  # noqa: E402
from metakinetics.stochastic import load_network, network_from_model  # noqa: E402
from metakinetics.symbolic.network_compile import compile_ode  # noqa: E402


def _solve(net, t_end, times):
    # same solver and tolerances both ways: any difference comes from the translation
    sol = solve_ivp(compile_ode(net), (0, t_end), net.initial, method="LSODA", rtol=1e-12, atol=1e-12,
                    t_eval=times)
    assert sol.success
    return sol.y


@pytest.mark.parametrize("net", [load_network("p2"), load_network("birth_death"),
                                 network_from_model(load_model("breast"), surgery=False),
                                 network_from_model(load_model("breast_birth_death"), surgery=False,
                                                    colonies=False)],
                         ids=["p2", "birth_death", "breast", "breast_birth_death"])
def test_round_trip_same_ode_solution(net):
    back = read_sbml(write_sbml(net))
    assert back.species_names == net.species_names
    np.testing.assert_array_equal(back.stoichiometry, net.stoichiometry)
    times = np.linspace(0, 5, 11)
    a, b = _solve(net, 5, times), _solve(back, 5, times)
    scale = np.maximum(np.abs(a).max(axis=1, keepdims=True), 1e-300)
    assert np.max(np.abs(a - b) / scale) < 1e-8


def test_events_round_trip():
    net = network_from_model(load_model("exponential_one_organ"))
    back = read_sbml(write_sbml(net))
    # libsbml writes reals with 15 significant digits
    assert [e.time for e in back.events] == pytest.approx([e.time for e in net.events], rel=1e-14)
    assert back.events[0].assignments[0][0] == "on"


def test_kill_fraction_has_no_sbml_equivalent():
    from metakinetics.errors import ModelError

    net = network_from_model(load_model("exponential_one_organ", {"treatment.kill_dormant": 0.3}))
    with pytest.raises(ModelError, match="binomial"):
        write_sbml(net)


@pytest.mark.parametrize("text, match", [
    ("<sbml>", "invalid SBML"),
    ("""<?xml version="1.0" encoding="UTF-8"?><sbml xmlns="http://www.sbml.org/sbml/level3/version1/core" level="3" version="1">
    <model id="m"><listOfCompartments><compartment id="c" size="1" constant="true"/></listOfCompartments>
    <listOfSpecies><species id="X" compartment="c" initialAmount="1" hasOnlySubstanceUnits="true"
    boundaryCondition="false" constant="false"/></listOfSpecies>
    <listOfReactions><reaction id="r" reversible="false" fast="false"><listOfReactants>
    <speciesReference species="X" stoichiometry="1" constant="true"/></listOfReactants>
    <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><sin/><ci>X</ci></apply></math>
    </kineticLaw></reaction></listOfReactions></model></sbml>""", "unsupported MathML"),
])
def test_bad_sbml_names_the_problem(text, match):
    with pytest.raises(ModelFileError, match=match):
        read_sbml(text)


def test_missing_file():
    with pytest.raises(ModelFileError, match="no such SBML file"):
        read_sbml("nowhere/model.xml")
