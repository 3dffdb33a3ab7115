"""The network data view as the simulators see it: files round-trip, copies validate their
arguments, and a propensity that is negative or not finite at run time is a SolverError naming
the reaction in every simulator (never a silently clipped or NaN result). The numbered bad files
are in tests/bad_inputs/test_network_files.py."""
import numpy as np
import pytest

from metakinetics.errors import ExpressionError, ModelError, SolverError
from metakinetics.model import load_model
from metakinetics.stochastic import cle, load_network, network_from_model, ssa, tau_leap
from metakinetics.model.network import Network, Reaction, Species
from metakinetics.model.network_file import (is_network_toml, list_networks, network_from_toml, network_to_toml,
                                             parse_trigger)
from metakinetics.model import parse_expression

SIMULATORS = {"ssa": ssa, "tau": tau_leap, "cle": cle}


@pytest.mark.parametrize("name", ["birth_death", "immigration_death", "p2"])
def test_bundled_networks_round_trip_through_toml(name):
    assert name in list_networks()
    net = load_network(name)
    text = network_to_toml(net)
    assert is_network_toml(text)
    assert network_from_toml(text) == net


@pytest.mark.parametrize("model", ["breast", "breast_birth_death", "exponential_one_organ"])
def test_model_network_round_trips_with_forcings_and_events(model):
    net = network_from_model(load_model(model))
    assert net.forcings and net.events            # x(t) forcing and the surgery event survive the trip
    back = network_from_toml(network_to_toml(net))
    assert back == net
    np.testing.assert_array_equal(back.stoichiometry, net.stoichiometry)


def test_model_toml_is_not_a_network_toml():
    from importlib import resources

    text = (resources.files("metakinetics._models") / "breast.toml").read_text()
    assert not is_network_toml(text)
    assert not is_network_toml("[network\n")


def test_with_parameters_and_with_initial_reject_unknown_names():
    net = load_network("immigration_death")
    with pytest.raises(ModelError, match="unknown parameter 'alpah' .did you mean 'alpha'"):
        net.with_parameters({"alpah": 2.0})
    with pytest.raises(ModelError, match="unknown species 'Y'"):
        net.with_initial({"Y": 1})
    assert net.with_parameters({"alpha": 2.0}).parameter_values["alpha"] == 2.0
    assert net.with_initial({"X": 7}).initial.tolist() == [7.0]
    assert net.parameter_values["alpha"] == 1.0     # the original is unchanged (frozen data)


def test_triggers_time_and_state():
    assert parse_trigger("t >= 25", {"X"}, where="w") == (25.0, None)
    time, trig = parse_trigger("X > 3", {"X"}, where="w")
    assert time is None and trig.op == ">" and bool(trig.evaluate({"X": 4})) and not trig.evaluate({"X": 3})
    with pytest.raises(ExpressionError, match="a time trigger must read"):
        parse_trigger("t > X", {"X"}, where="w")
    with pytest.raises(ExpressionError, match="needs a comparison"):
        parse_trigger("X", {"X"}, where="w")


def test_boundary_species_are_not_changed_by_reactions():
    # SBML boundary species (a fixed source): present in propensities, absent from the change matrix
    allowed = {"S", "X", "k"}
    net = Network("src", (Species("S", 10.0, boundary=True), Species("X", 0.0)), (("k", 0.5),),
                  (Reaction("make", (("S", 1),), (("X", 1),), parse_expression("k*S", allowed)),))
    assert net.stoichiometry.tolist() == [[0, 1]]
    ens = ssa(net, [1.0, 2.0], 200, 1)
    assert np.all(ens.column("S") == 10.0)
    # X(t) is Poisson(k S t) = Poisson(5 t): means 5 and 10, SE sqrt(10/200) = 0.22; 5 SE margin
    assert np.all(np.abs(ens.mean[:, 1] - [5.0, 10.0]) < 5 * np.sqrt(10.0 / 200))


@pytest.mark.parametrize("method", sorted(SIMULATORS))
@pytest.mark.parametrize("propensity, found", [("alpha - 2", "is -1"), ("alpha*log(X)", "is -inf")])
def test_negative_or_infinite_propensity_is_an_error_in_every_simulator(method, propensity, found):
    # alpha = 1: 'alpha - 2' is -1 events/yr; log(X) at X(0) = 0 is -inf. The CLE clips rounding
    # negatives on its continuous states, but the whole-number initial state must be checked.
    base = network_to_toml(load_network("immigration_death"))
    net = network_from_toml(base.replace('"alpha"', f'"{propensity}"'))
    with pytest.raises(SolverError, match=f"propensity of reaction 'immigration' {found}"):
        with np.errstate(divide="ignore"):
            SIMULATORS[method](net, [1.0], 10, 1)


@pytest.mark.parametrize("method", sorted(SIMULATORS))
def test_species_named_like_modules_of_the_generated_code_do_not_shadow_them(method):
    # propensities are compiled to numpy source from the parsed tree; species called 'numpy' and
    # 'functools' (the generated code's namespace) must not shadow them: inputs are renamed.
    # Network: 0 -> numpy at k = 2, numpy -> functools at 1*numpy: numpy(1) ~ Poisson(2(1 - e^-1)).
    text = ('[network]\nname = "shadow"\n[parameters]\nk = 2.0\n[species]\nnumpy = 0\nfunctools = 0\n'
            '[[reactions]]\nname = "in"\nproducts = { numpy = 1 }\npropensity = "k"\n'
            '[[reactions]]\nname = "out"\nreactants = { numpy = 1 }\nproducts = { functools = 1 }\n'
            'propensity = "exp(0)*numpy + 0*functools"\n')
    net = network_from_toml(text)
    n = 2000
    ens = SIMULATORS[method](net, [1.0], n, 2)
    assert np.all(np.isfinite(ens.mean))
    if method != "cle":   # the CLE is biased at counts ~1 (clipping at 0); ssa exact, tau h = 1e-3
        mean = 2 * (1 - np.exp(-1.0))
        assert abs(ens.mean[0, 0] - mean) < 4 * np.sqrt(mean / n)   # 4 SE, Poisson variance = mean
