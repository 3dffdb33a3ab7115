"""solve() under endocrine therapy: the semi-analytic method (the chain) and the ODE (a second
event at the end of therapy) agree; the sympy closed forms (one wake rate) refuse by name."""
import numpy as np
import pytest

from metakinetics.dynamics import solve
from metakinetics.errors import InputError
from metakinetics.model import load_model

THERAPY = {"treatment.endocrine_wake": 0.3, "treatment.endocrine_years": 5.0, "organs.bone.dormant_death": 0.1}


def test_semi_analytic_equals_ode_and_auto_avoids_closed_form():
    model = load_model("exponential_one_organ")
    t = np.array([2.0, 6.0, 8.0, 10.0, 14.0, 30.0])
    a = solve(model, t, THERAPY, method="semi-analytic")
    b = solve(model, t, THERAPY, method="ode")
    np.testing.assert_allclose(a.founded, b.founded, rtol=1e-7)
    np.testing.assert_allclose(a.D, b.D, rtol=1e-7)
    np.testing.assert_allclose(a.founding_rate, b.founding_rate, rtol=1e-7)
    assert solve(model, t, THERAPY).method == "semi-analytic"
    off = solve(model, t, {**THERAPY, "treatment.endocrine_wake": 1.0})
    assert off.method == "closed-form"
    assert a.founded[0, -1, 0] < off.founded[0, -1, 0]
    with pytest.raises(InputError, match="closed-form.*endocrine.*semi-analytic"):
        solve(model, t, THERAPY, method="closed-form")
