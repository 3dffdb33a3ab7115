"""The approximate simulators' guards and their accuracy where they hold.

Tau-leaping: a leap that would make a species negative is redone for those paths as two half
leaps (``info["halved"]`` counts the redone path-leaps), down to h / 2^12; past that the negatives
are set to 0 (``info["clipped"]`` counts the paths). The CLE keeps values >= 0
(``info["clipped"]`` counts the clipped entries). Neither may ever return a negative count.
"""
import numpy as np
import pytest

import metakinetics as mk
from metakinetics.errors import InputError
from metakinetics.stochastic import cle, load_network, ssa, tau_leap
from metakinetics.model.network_file import network_from_toml

FAST_DEATH = """
[network]
name = "fast_death"
[parameters]
c = 50.0
[species]
X = 1000
[[reactions]]
name = "death"
reactants = { X = 1 }
propensity = "c*X"
"""

CONVERSION = """
[network]
name = "conversion"
[parameters]
c = 50.0
[species]
A = 1000
B = 0
[[reactions]]
name = "convert"
reactants = { A = 1 }
products = { B = 1 }
propensity = "c*A"
"""

TIMES = [0.1, 0.5, 1.0]


def test_tau_leap_too_large_on_fast_death_halves_and_never_goes_negative():
    # c tau X = 50 * 0.1 * 1000: a full leap fires Poisson(5000) deaths from 1000 cells, so every
    # path's first leap overshoots (P(Poisson(5000) <= 1000) ~ 0) and must be redone: halved >= n.
    # Halving reaches c h <= ~1 after 3-4 levels, far before the 12-level limit: nothing clipped.
    n = 2000
    ens = tau_leap(network_from_toml(FAST_DEATH), TIMES, n, 1, tau=0.1)
    X = ens.column("X")
    assert np.all(X >= 0) and np.all(X == np.round(X))
    assert np.all(np.diff(np.concatenate([np.full((n, 1), 1000.0), X], axis=1), axis=1) <= 0)  # pure death
    assert ens.info["halved"] >= n
    assert ens.info["clipped"] == 0
    assert ens.info["steps"] == 10   # the grid: 0.1 then 0.1-long leaps to 1.0 (halvings not counted)


def test_tau_leap_clips_after_the_last_halving_and_reports_it():
    # c = 1e6, tau = 1: even h = 1/2^12 fires Poisson(244 X) deaths from X cells, so every path
    # overshoots at the deepest level and is clipped to 0, at least once per path; before that it
    # was halved at each of the 12 levels (>= 12 n redone path-leaps).
    n = 500
    net = network_from_toml(FAST_DEATH).with_parameters({"c": 1e6})
    ens = tau_leap(net, TIMES, n, 2, tau=1.0)
    X = ens.column("X")
    assert np.all(X >= 0)
    assert ens.info["clipped"] >= n
    assert ens.info["halved"] >= 12 * n


def test_tau_leap_guard_redoes_every_species_of_a_path_together():
    # A -> B only: A + B = 1000 on every path at every time, however often leaps are redone
    n = 1000
    ens = tau_leap(network_from_toml(CONVERSION), TIMES, n, 3, tau=0.1)
    A, B = ens.column("A"), ens.column("B")
    assert ens.info["halved"] >= n
    assert np.all(A >= 0) and np.all(B >= 0)
    np.testing.assert_array_equal(A + B, 1000.0)


def test_cle_clips_negative_values_and_counts_them():
    # Euler-Maruyama step X += -c X dt + sqrt(c X dt) Z with c dt = 1.9 (stable, < 2) sends every
    # path to about -900: clipped to 0 (one clipped entry per path and step while X is below 0)
    n = 1000
    ens = cle(network_from_toml(FAST_DEATH), TIMES, n, 4, dt=0.038)
    X = ens.column("X")
    assert np.all(X >= 0)
    assert ens.info["clipped"] >= n
    assert "halved" not in ens.info


def test_cle_refuses_an_unstable_step_and_defaults_to_a_stable_one():
    # c = 50: Euler-Maruyama diverges for c dt >= 2 (the old default span/1000 gave c dt = 40 on
    # breast); the default is 0.5 / c, and the refusal names the stable step
    net = network_from_toml(FAST_DEATH)
    with pytest.raises(InputError, match=r"step 0.1 is unstable .*rate \* step = 5.*at most 0.01$"):
        cle(net, TIMES, 5, 4, dt=0.1)
    ens = cle(net, [100.0], 5, 4)
    assert ens.info["fastest_rate"] == pytest.approx(50) and ens.info["step"] == pytest.approx(0.01)


def test_approximate_simulators_report_no_corrections_when_none_are_needed():
    # immigration-death from 0 with a small step: the guard fires at most rarely (X near 0 can
    # lose 2 in one leap of 0.02 with probability ~ (mu X h)^2/2 ~ 1e-6 per path-leap)
    ens = tau_leap(load_network("immigration_death"), [1.0, 5.0], 200, 5, tau=0.02)
    assert ens.info["clipped"] == 0 and ens.info["halved"] <= 5


@pytest.mark.statistical
def test_tau_leap_small_leap_agrees_with_ssa_on_immigration_death():
    # immigration-death (DSMTS 002-01: alpha = 1, mu = 0.1, X(0) = 0), X(t) ~ Poisson(10(1 - e^{-t/10})).
    # A leap of 0.02 (mu h = 0.002) biases the mean by O(mu h) relative (forward Euler on the mean
    # ODE, whose fixed point alpha/mu it keeps): <= 0.01, a fifth of the sampling SE of the
    # difference (~0.045 at n = 1e4 each). So the two means must agree within 4 SE of their
    # difference (independent samples), and each within 4 SE of the Poisson closed form.
    net = load_network("immigration_death")
    times = np.array([1.0, 2.0, 5.0, 10.0, 20.0, 40.0])
    n = 10_000
    tau = tau_leap(net, times, n, 11, tau=0.02)
    exact = ssa(net, times, n, 12)
    se = np.sqrt((tau.sd[:, 0] ** 2 + exact.sd[:, 0] ** 2) / n)
    z = (tau.mean[:, 0] - exact.mean[:, 0]) / se
    assert np.all(np.abs(z) < 4), z
    poisson = 10 * (1 - np.exp(-0.1 * times))
    assert np.all(np.abs(tau.mean[:, 0] - poisson) < 4 * np.sqrt(poisson / n))
    # and the comparison has power: a leap of 5 (mu h = 0.5) misses the t = 10 mean by > 10 SE
    # (observed ~36 SE: forward Euler on the mean with a step of half the relaxation time)
    coarse = tau_leap(net, times, n, 13, tau=5.0)
    j = list(times).index(10.0)
    assert abs(coarse.mean[j, 0] - poisson[j]) > 10 * np.sqrt(poisson[j] / n)


@pytest.mark.statistical
def test_default_cle_on_breast_agrees_with_the_mean_field():
    # the old default step (span/1000: kappa dt = 40) gave D_bone 108,000 at t = 10 against 5,442
    # mean-field. The default stable step leaves the CLE's own bias: at low blood counts (C ~ 0.01
    # before t = 2) clipping at 0 adds ~1% to D_bone (also at dt = 3e-5), hence 2% + 4 SE
    model = mk.load_model("breast")
    ens = mk.simulate(model, [10.0], paths=40, seed=3, method="cle", keep_paths=False)
    j = list(ens.names).index("D_bone")
    mf = mk.solve(model, [10.0])
    ref = float(np.asarray(mf.values)[0, -1, list(mf.columns).index("D_bone")])
    se = ens.sd[-1, j] / np.sqrt(40)
    assert ref == pytest.approx(5441.78, rel=1e-3)
    assert abs(ens.mean[-1, j] - ref) < 4 * se + 0.02 * ref
    assert ens.info["step"] == pytest.approx(0.5 / 4000) and ens.info["clipped"] > 0
