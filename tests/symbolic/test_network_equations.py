"""What sympy derives from a reaction network (metakinetics.symbolic.network_equations.symbolic),
against results derived by hand on small networks: the stoichiometry matrix, the mass-action ODE,
the chemical Langevin drift and diffusion, and the linear-noise (first two moments) equations.

Symbolic comparisons are exact (sympy simplifies the difference to 0). For linear networks the
moment equations are exact, so their numerical solution must equal the closed forms: those
comparisons use solve_ivp at rtol 1e-10, atol 1e-12 and allow 1e-7 relative (the solver's global
error over a few hundred steps stays orders below that; a wrong coefficient is off by O(1))."""
import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

from metakinetics.model import load_model
from metakinetics.stochastic import load_network, network_from_model
from metakinetics.model.network_file import network_from_toml
from metakinetics.symbolic.network_compile import compile_ode
from metakinetics.symbolic.network_equations import symbolic

TWO_SPECIES = """
[network]
name = "chain_dimer"
[parameters]
k1 = 3.0
k2 = 0.7
k3 = 0.05
[species]
A = 4
B = 2
[[reactions]]
name = "make"
products = { A = 1 }
propensity = "k1"
[[reactions]]
name = "convert"
reactants = { A = 1 }
products = { B = 1 }
propensity = "k2*A"
[[reactions]]
name = "pair"
reactants = { B = 2 }
propensity = "k3*B*(B - 1)/2"
"""


def _zero(expr) -> bool:
    return sp.simplify(expr) == 0


def _sym(sym, name):
    return {str(s): s for s in sym.species}.get(name) or sym.parameters[name]


# ---------------------------------------------------------------------------------------------
# stoichiometry, ODE, CLE
# ---------------------------------------------------------------------------------------------
def test_stoichiometry_immigration_death_and_birth_death():
    # immigration-death: 0 -> X, X -> 0; birth-death: X -> 2X, X -> 0: both N = [1, -1] (S x R)
    for name in ("immigration_death", "birth_death"):
        sym = symbolic(load_network(name))
        assert sym.N == sp.Matrix([[1, -1]])
        assert load_network(name).stoichiometry.tolist() == [[1], [-1]]   # (R, S) numpy view


def test_stoichiometry_with_a_second_order_reaction():
    net = network_from_toml(TWO_SPECIES)
    sym = symbolic(net)
    # make: A +1; convert: A -1, B +1; pair: B -2
    assert sym.N == sp.Matrix([[1, -1, 0], [0, 1, -2]])


def test_mass_action_ode_immigration_death_and_birth_death():
    sym = symbolic(load_network("immigration_death"))
    X, alpha, mu = _sym(sym, "X"), _sym(sym, "alpha"), _sym(sym, "mu")
    assert _zero(sym.drift[0] - (alpha - mu * X))
    sym = symbolic(load_network("birth_death"))
    X, b, d = _sym(sym, "X"), _sym(sym, "birth_rate"), _sym(sym, "death_rate")
    assert _zero(sym.drift[0] - (b - d) * X)


def test_ode_cle_drift_and_diffusion_of_two_species_network():
    net = network_from_toml(TWO_SPECIES)
    sym = symbolic(net)
    A, B = sym.species
    k1, k2, k3 = (sym.parameters[k] for k in ("k1", "k2", "k3"))
    a3 = k3 * B * (B - 1) / 2
    # by hand: dA/dt = k1 - k2 A, dB/dt = k2 A - 2 a3
    assert _zero(sym.drift[0] - (k1 - k2 * A))
    assert _zero(sym.drift[1] - (k2 * A - 2 * a3))
    # CLE diffusion G = N diag(sqrt a): G G^T = N diag(a) N^T, by hand
    # [[k1 + k2 A, -k2 A], [-k2 A, k2 A + 4 a3]]
    G = sym.diffusion
    assert G.shape == (2, 3)
    cov = (G * G.T).applyfunc(sp.simplify)
    hand = sp.Matrix([[k1 + k2 * A, -k2 * A], [-k2 * A, k2 * A + 4 * a3]])
    assert (cov - hand).applyfunc(sp.simplify) == sp.zeros(2, 2)
    assert ((sym.N * sp.diag(*sym.propensities) * sym.N.T) - hand).applyfunc(sp.simplify) == sp.zeros(2, 2)


def test_compiled_ode_equals_sympy_drift():
    # the numpy code compiled from the network gives the same numbers as the sympy drift
    net = network_from_toml(TWO_SPECIES)
    sym = symbolic(net, substitute=True)
    f = sp.lambdify(list(sym.species), list(sym.drift), "numpy")
    rhs = compile_ode(net)
    rng = np.random.default_rng(3)
    y = rng.uniform(0, 50, size=(2, 7))
    np.testing.assert_allclose(rhs(0.0, y), np.array(f(*y)), rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(rhs(0.0, y[:, 0]), np.array(f(*y[:, :1]))[:, 0], rtol=1e-13)


def test_model_network_ode_is_the_circulation_balance():
    # the model's network: dC/dt = on mu x(t)^gamma - kappa (f_lost + sum f_k) C, with the f's
    # summing to 1 (every cleared cell is lost or arrested), i.e. dC/dt = mu x^gamma - kappa C
    net = network_from_model(load_model("breast"))
    sym = symbolic(net, substitute=True)
    C = {str(s): s for s in sym.species}["C"]
    i = net.species_names.index("C")
    m = load_model("breast")
    coeff = sp.diff(sym.drift[i], C)
    assert abs(float(coeff) + m.circulation.clearance) < 1e-9 * m.circulation.clearance


# ---------------------------------------------------------------------------------------------
# linear-noise / moment equations
# ---------------------------------------------------------------------------------------------
def _moment_rhs(net):
    """numpy right-hand side of (mean, covariance) for a one-species network, from sympy."""
    sym = symbolic(net, substitute=True)
    dm, dsig, sig = sym.moments()
    X, S = sym.species[0], sig[0, 0]
    f = sp.lambdify((X, S), [dm[0], dsig[0, 0]], "numpy")
    return lambda t, y: np.array(f(y[0], y[1]), dtype=float)


def test_moment_equations_immigration_death_by_hand():
    sym = symbolic(load_network("immigration_death"))
    dm, dsig, sig = sym.moments()
    X, k, mu = _sym(sym, "X"), _sym(sym, "alpha"), _sym(sym, "mu")
    # dm/dt = k - mu m; dSigma/dt = -2 mu Sigma + k + mu m  (J = -mu, N diag(a) N^T = k + mu m)
    assert _zero(dm[0] - (k - mu * X))
    assert _zero(dsig[0, 0] - (-2 * mu * sig[0, 0] + k + mu * X))


def test_immigration_death_moments_solve_to_poisson():
    # X(0) = 0: the moment ODE gives mean = variance = (k/mu)(1 - e^{-mu t}) (Poisson), and the
    # stationary mean = variance = k/mu. k = 1, mu = 0.1 (DSMTS 002-01): k/mu = 10.
    net = load_network("immigration_death")
    k, mu = net.parameter_values["alpha"], net.parameter_values["mu"]
    ts = np.array([1.0, 5.0, 20.0, 50.0, 300.0])
    sol = solve_ivp(_moment_rhs(net), (0, ts[-1]), [0.0, 0.0], t_eval=ts, rtol=1e-10, atol=1e-12)
    poisson = k / mu * (1 - np.exp(-mu * ts))
    np.testing.assert_allclose(sol.y[0], poisson, rtol=1e-7)
    np.testing.assert_allclose(sol.y[1], poisson, rtol=1e-7)
    # by t = 300 (30 relaxation times) both are k/mu to e^{-30}
    assert abs(sol.y[0, -1] - k / mu) < 1e-7 * k / mu and abs(sol.y[1, -1] - k / mu) < 1e-7 * k / mu


def test_moment_equations_linear_birth_death_by_hand():
    sym = symbolic(load_network("birth_death"))
    dm, dsig, sig = sym.moments()
    X, b, d = _sym(sym, "X"), _sym(sym, "birth_rate"), _sym(sym, "death_rate")
    assert _zero(dm[0] - (b - d) * X)
    assert _zero(dsig[0, 0] - (2 * (b - d) * sig[0, 0] + (b + d) * X))


@pytest.mark.parametrize("b, d", [(0.1, 0.11), (5.0, 2.5), (1.0, 3.0)])
def test_birth_death_moments_solve_to_closed_forms(b, d):
    # X(0) = x0: E X = x0 e^{lt}, Var X = x0 (b + d)/l e^{lt}(e^{lt} - 1), l = b - d (exact for
    # a linear network, so the LNA moment ODE must reproduce them; design/model.md section 2)
    x0 = 100.0
    net = load_network("birth_death").with_parameters({"birth_rate": b, "death_rate": d})
    lam = b - d
    ts = np.array([0.5, 1.0, 2.0, 4.0]) / abs(lam)
    sol = solve_ivp(_moment_rhs(net), (0, ts[-1]), [x0, 0.0], t_eval=ts, rtol=1e-10, atol=1e-12)
    g = np.exp(lam * ts)
    np.testing.assert_allclose(sol.y[0], x0 * g, rtol=1e-7)
    np.testing.assert_allclose(sol.y[1], x0 * (b + d) / lam * g * (g - 1), rtol=1e-7)


def test_two_species_moment_equations_by_hand():
    # linear chain 0 -> A -> B -> 0 (rates k1, k2 A, k3 B): J = [[-k2, 0], [k2, -k3]],
    # dSigma = J S + S J^T + [[k1 + k2 A, -k2 A], [-k2 A, k2 A + k3 B]]
    text = TWO_SPECIES.replace('reactants = { B = 2 }', 'reactants = { B = 1 }').replace(
        '"k3*B*(B - 1)/2"', '"k3*B"')
    sym = symbolic(network_from_toml(text))
    dm, dsig, sig = sym.moments()
    A, B = sym.species
    k1, k2, k3 = (sym.parameters[k] for k in ("k1", "k2", "k3"))
    J = sp.Matrix([[-k2, 0], [k2, -k3]])
    hand = J * sig + sig * J.T + sp.Matrix([[k1 + k2 * A, -k2 * A], [-k2 * A, k2 * A + k3 * B]])
    assert (dsig - hand).applyfunc(sp.simplify) == sp.zeros(2, 2)
    assert sig[0, 1] == sig[1, 0]     # one symbol for the symmetric covariance
