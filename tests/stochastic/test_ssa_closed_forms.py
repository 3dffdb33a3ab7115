"""Exact SSA against the closed forms of design/model.md, within 4 standard errors.

4 SE: a two-sided normal tail of 6e-5 per comparison, so the handful of comparisons here do not
fail by chance for a correct simulator (seeds are fixed anyway), while a biased simulator (e.g.
one holding the time-dependent shedding propensity fixed between events) is off by many SE.
"""
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from metakinetics.model import load_model
from metakinetics.stochastic import load_network, network_from_model, ssa
from metakinetics.model.params import resolve
from metakinetics.symbolic.network_compile import compile_ode

pytestmark = pytest.mark.statistical


def _var_se(x):
    """SE of the sample variance from the sample's 4th central moment."""
    n = x.size
    v = x.var(ddof=1)
    m4 = ((x - x.mean()) ** 4).mean()
    return np.sqrt(max(m4 - v * v * (n - 3) / (n - 1), 0) / n)


def test_circulation_is_poisson_with_time_dependent_shedding():
    # exponential primary x = e^{3t} sheds 2 x(t) cells/yr into a circulation cleared at 5/yr;
    # surgery when x = 20 (t_s = ln 20 / 3 = 0.9986 yr) stops shedding. C(t) is then Poisson
    # with mean mu x0 e^{-kappa t} (e^{(r + kappa) min(t, t_s)} - 1)/(r + kappa) (model.md s.3).
    model = load_model("exponential_one_organ", {"shedding.mu": 2.0, "circulation.clearance": 5.0,
                                                   "diagnosis.size": 20.0})
    net = network_from_model(model)
    times = np.array([0.25, 0.5, 0.9, 1.2, 1.6])
    n = 20_000
    ens = ssa(net, times, n, 11)
    mu, r, kappa = 2.0, 3.0, 5.0
    ts = float(resolve(model).diagnosis_time()[0])
    tau = np.minimum(times, ts)
    mean = mu * np.exp(-kappa * times) * (np.exp((r + kappa) * tau) - 1) / (r + kappa)
    C = ens.column("C")
    for j in range(len(times)):
        z_mean = (C[:, j].mean() - mean[j]) / np.sqrt(mean[j] / n)
        z_var = (C[:, j].var(ddof=1) - mean[j]) / _var_se(C[:, j])   # Poisson: variance = mean
        assert abs(z_mean) < 4 and abs(z_var) < 4, (times[j], z_mean, z_var)
    # the dormant pool and founded colonies: SSA means = the mean-field ODE (exact means)
    y0 = net.initial
    sol = solve_ivp(compile_ode(net), (0, ts), y0, rtol=1e-10, atol=1e-12, dense_output=True)
    y_s = sol.y[:, -1].copy()
    on = net.parameter_values
    after = net.with_parameters({"on": 0.0})
    sol2 = solve_ivp(compile_ode(after), (ts, times[-1]), y_s, rtol=1e-10, atol=1e-12, dense_output=True)
    for name in ("D_bone",):
        i = net.species_names.index(name)
        expect = np.where(times <= ts, sol.sol(np.minimum(times, ts))[i], sol2.sol(np.maximum(times, ts))[i])
        x = ens.column(name)
        z = (x.mean(0) - expect) / (x.std(0, ddof=1) / np.sqrt(n) + 1e-300)
        assert np.all(np.abs(z[expect > 0]) < 4), z
    assert on["on"] == 1.0


def _frozen_propensity_ssa(mu, r, kappa, t_end, n, rng):
    """The WRONG simulator of design/model.md section 3, kept here only to show the test catches it:
    Gillespie's direct method on 0 -> C at mu e^{r t}, C -> 0 at kappa C, but with the shedding
    propensity evaluated at the last event time and held fixed until the next event (what a naive
    SSA does with a time-dependent rate). Returns C(t_end) for n paths (vectorised over paths)."""
    t = np.zeros(n)
    C = np.zeros(n)
    running = np.arange(n)
    while running.size:
        a_shed = mu * np.exp(r * t[running])          # frozen at the previous event
        a0 = a_shed + kappa * C[running]
        tn = t[running] + rng.standard_exponential(running.size) / a0
        go = tn <= t_end
        idx = running[go]
        shed = rng.random(idx.size) * a0[go] < a_shed[go]
        C[idx] += np.where(shed, 1.0, -1.0)
        t[idx] = tn[go]
        running = idx
    return C


def test_fixed_propensity_between_events_would_be_caught():
    # Exponential primary x = e^{3t} shedding 2 x(t)/yr, clearance 5/yr, no surgery before 0.9 yr:
    # C(0.9) ~ Poisson(mean), mean = 2 e^{-4.5} (e^{7.2} - 1)/8 = 3.717 (model.md s.3).
    mu, r, kappa, T, n = 2.0, 3.0, 5.0, 0.9, 20_000
    model = load_model("exponential_one_organ", {"shedding.mu": mu, "primary.rate": r,
                                                   "circulation.clearance": kappa, "diagnosis.size": 1e9})
    exact = mu * np.exp(-kappa * T) * (np.exp((r + kappa) * T) - 1) / (r + kappa)
    se = np.sqrt(exact / n)   # Poisson: Var = mean, so the SE of the mean of n paths
    ours = ssa(network_from_model(model), [T], n, 5).column("C")[:, 0]
    wrong = _frozen_propensity_ssa(mu, r, kappa, T, n, np.random.default_rng(5))
    z_ours = (ours.mean() - exact) / se
    z_wrong = (wrong.mean() - exact) / se
    # the project's SSA: within 4 SE (two-sided normal tail 6e-5, see the module docstring)
    assert abs(z_ours) < 4, z_ours
    # freezing a rate that grows e^{3t} between events undercounts shedding: observed ~ -85 SE
    # (mean ~2.56 against 3.72). Demanding more than 20 SE leaves a wide margin for the seed while
    # still far outside anything sampling error explains, so the closed-form test separates the two.
    assert z_wrong < -20, z_wrong
    # control: with a constant rate (r = 0) freezing is harmless, so the toy simulator itself is a
    # correct SSA and the discrepancy above is caused by the frozen propensity alone (4 SE as above).
    flat = _frozen_propensity_ssa(mu, 0.0, kappa, T, n, np.random.default_rng(6))
    exact_flat = mu / kappa * (1 - np.exp(-kappa * T))
    assert abs(flat.mean() - exact_flat) < 4 * np.sqrt(exact_flat / n)


def test_birth_death_colony_mean_variance_extinction():
    # one founded colony of a birth_death organ: b = 5, d = 2.5 /yr (breast_birth_death bone).
    # E N = e^{lt}, Var N = (b + d)/l e^{lt}(e^{lt} - 1), P(N(t) = 0) = d(e^{lt} - 1)/(b e^{lt} - d),
    # which tends to 1 - survival = d/b (model.md s.2).
    organ = load_model("breast_birth_death").organ("bone")
    b, d = organ.birth, organ.death
    lam = b - d
    net = load_network("birth_death").with_parameters({"birth_rate": b, "death_rate": d}).with_initial({"X": 1})
    times = np.array([0.5, 1.0, 2.0])
    n = 20_000
    N = ssa(net, times, n, 7).column("X")
    g = np.exp(lam * times)
    mean, var = g, (b + d) / lam * g * (g - 1)
    p0 = d * (g - 1) / (b * g - d)
    for j in range(len(times)):
        assert abs(N[:, j].mean() - mean[j]) < 4 * np.sqrt(var[j] / n)
        assert abs(N[:, j].var(ddof=1) - var[j]) < 4 * _var_se(N[:, j])
        ext = (N[:, j] == 0).mean()
        assert abs(ext - p0[j]) < 4 * np.sqrt(p0[j] * (1 - p0[j]) / n)
    assert abs(p0[-1] - (1 - organ.survival)) < 0.01   # by t = 2 extinction is nearly settled


def test_events_surgery_and_kill():
    # surgery at t_s with kill_dormant 0.5 halves the expected dormant pool exactly at t_s
    model = load_model("exponential_one_organ", {"shedding.mu": 2.0, "circulation.clearance": 5.0,
                                                   "diagnosis.size": 20.0, "treatment.kill_dormant": 0.5})
    net = network_from_model(model)
    ts = float(resolve(model).diagnosis_time()[0])
    ens = ssa(net, [ts - 1e-9, ts], 20_000, 3)
    D = ens.column("D_bone")
    diff = D[:, 0].mean() * 0.5 - D[:, 1].mean()
    # binomial thinning: given D, kept ~ Bin(D, 0.5): SE of the difference sqrt(E[D]/4 / n)
    assert abs(diff) < 4 * np.sqrt(D[:, 0].mean() * 0.25 / 20_000) + 1e-12
    assert np.all(D[:, 1] <= D[:, 0])


def test_same_seed_same_numbers_and_shapes():
    net = load_network("immigration_death")
    a = ssa(net, [0, 5, 10], 100, 42)
    b = ssa(net, [0, 5, 10], 100, np.random.default_rng(42))
    np.testing.assert_array_equal(a.paths, b.paths)
    assert a.paths.shape == (100, 3, 1) and a.mean.shape == (3, 1)
    assert np.all(a.paths == np.round(a.paths))
