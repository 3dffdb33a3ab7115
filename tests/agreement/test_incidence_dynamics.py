"""The incidence layer's founded colonies and founding rate == metakinetics.dynamics.solve.

Two independent implementations: incidence integrates the shedding intensity against the
hypoexponential arrest-and-wake kernel by Gauss-Legendre pieces; dynamics solves the compartment
ODEs (scipy, stiff) or its own semi-analytic convolution. Tolerance 1e-7 relative (the ODE path
runs at its default tolerances; measured 5e-9).
"""
import numpy as np
import pytest

from metakinetics.dynamics import solve
from metakinetics.incidence import founded
from metakinetics.model.params import resolve
from metakinetics.model import load_model


@pytest.mark.parametrize("method", ["ode", "semi-analytic"])
@pytest.mark.parametrize("name, sets", [("breast", {"treatment.kill_dormant": 0.3}),
                                        ("exponential_one_organ", {"diagnosis.surgery_delay": 0.2})])
def test_founded_matches_dynamics(method, name, sets):
    model = load_model(name).with_values(sets)
    t = np.linspace(0.5, 25.0, 50)
    tr = solve(model, t, method=method)
    K = len(model.organs)
    Phi, phi = founded(resolve(model), np.broadcast_to(t[None, :, None], (1, t.size, K)).copy(), closed=False)
    np.testing.assert_allclose(Phi, tr.founded, rtol=1e-7, atol=1e-7 * tr.founded.max())
    np.testing.assert_allclose(phi, tr.founding_rate, rtol=1e-7, atol=1e-7 * tr.founding_rate.max())
