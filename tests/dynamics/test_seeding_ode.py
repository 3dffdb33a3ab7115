"""Mean dynamics with metastasis-to-metastasis seeding (dynamics.ode): the colonies' shedding as K
more states gives the expected colonies of every generation; checked against an independent
solution of the renewal equation a(t) = phi(t) + int_0^t a(s) psi(s, t) ds (a the founding rate of
every generation, phi the primary's, psi the daughter rate of model.colony_shedding)."""
import numpy as np
import pytest

from metakinetics.dynamics import solve
from metakinetics.errors import InputError
from metakinetics.model import load_model
from metakinetics.model.chain import founded
from metakinetics.model.colony_shedding import daughters_by, kernel_arrays
from metakinetics.model.params import resolve


def _renewal(model, t_end, n):
    """A(t) on a uniform grid of n steps: trapezoid in s for the Volterra equation (psi(t, t) = 0, so
    each step is explicit); error ~ (t_end / n)^2."""
    pat = resolve(model)
    t = np.linspace(0.0, t_end, n + 1)
    _, phi = founded(pat, t[None, :, None], closed=True)
    phi = phi[0, :, 0]
    kp = {k: v[0, 0, 0] for k, v in kernel_arrays(pat).items()}
    ts, kd = pat.surgery_time()[0], pat.kill_dormant[0]
    h = t[1] - t[0]
    a = np.empty_like(t)
    a[0] = phi[0]
    for i in range(1, t.size):
        _, psi = daughters_by(t[:i], t[i], ts, kd, kp["A"], kp["g"], kp["kappa"], kp["beta"], kp["c"], rate=True)
        w = np.full(i, h)
        w[0] = h / 2
        a[i] = phi[i] + np.sum(w * a[:i] * psi)
    return t, np.concatenate([[0.0], np.cumsum((a[1:] + a[:-1]) / 2 * h)])


def test_every_generation_mean_equals_the_renewal_equation():
    """Colonies founded by 6, 8, 10 years: the ODE within 1e-5 relative of the renewal solution with
    4,000 steps (its own error falls 4x per halving of the step: 7.5e-5, 1.9e-5, 4.7e-6 at 6 years;
    ~1e-6 later). No adjuvant kill here: its jump at surgery would cost the reference its order."""
    model = load_model("exponential_one_organ").with_values({
        "organs.bone.secondary_shedding": 3e4, "shedding.secondary_gamma": 1.0, "diagnosis.surgery_delay": 0.2})
    times = [6.0, 8.0, 10.0]
    tr = solve(model, times)
    assert tr.method == "ode"
    plain = solve(model.with_values({"organs.bone.secondary_shedding": 0.0}), times, method="ode")
    assert tr.founded[0, -1, 0] > 1.1 * plain.founded[0, -1, 0]          # seeding matters here: 0.142 vs 0.125
    errs = []
    for n in (1000, 4000):
        t, A = _renewal(model, 10.0, n)
        errs.append(np.abs(tr.founded[0, :, 0] / np.interp(times, t, A) - 1))
    assert np.all(errs[1] <= 1e-5) and errs[1][0] < errs[0][0] / 8


def test_seeding_needs_the_ode_method():
    model = load_model("exponential_one_organ").with_values({"organs.bone.secondary_shedding": 50.0})
    for method in ("closed-form", "semi-analytic"):
        with pytest.raises(InputError, match="use method 'ode'"):
            solve(model, [1.0], method=method)


def test_gompertz_colonies_with_seeding_are_refused_by_name(capsys):
    """The mean ODE is linear only for exponential colonies (dS/dt = gamma' lambda S): a Gompertz
    colony's shedding is not a function of the colony counts, so solve refuses, on one line; the
    reaction network refuses any seeding."""
    import pytest

    from metakinetics import simulate
    from metakinetics.cli.main import main
    from metakinetics.dynamics.solve import solve
    from metakinetics.errors import InputError
    from metakinetics.model import load_model

    hub = "tests/incidence/gompertz_hub.toml"
    with pytest.raises(InputError, match="need exponential colonies"):
        solve(load_model(hub), [1.0])
    assert main(["solve", hub, "--times", "1,5"]) == 2
    err = capsys.readouterr().err
    assert "need exponential colonies" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(InputError, match="not in the reaction network"):
        simulate(load_model(hub), [0.0, 1.0], paths=2, seed=1, method="ssa")
