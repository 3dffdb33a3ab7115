"""Public population API: result shape, bad inputs (one-line errors), quadrature convergence,
Monte Carlo over random effects, the mu-linearity shortcut against direct per-patient values."""
import numpy as np
import pytest

from metakinetics.endpoints import Any, BySize, Distant, First, Landmark
from metakinetics.errors import InputError, MetakineticsError
from metakinetics.incidence import colony_counts
from metakinetics.model.params import resolve
from metakinetics.model import load_model
from metakinetics.population import IncidenceResult, incidence

BREAST = load_model("breast")
T = np.array([0.0, 2.0, 5.0, 10.0])


def test_result_shape_and_accessors():
    r = incidence(BREAST, "any", T)
    assert isinstance(r, IncidenceResult)
    assert r.columns == ("bone", "lung", "liver", "brain") and r.values.shape == (4, 4)
    assert r.se is None and r.method == "numeric" and r.model == "breast"
    np.testing.assert_array_equal(r.column("lung"), r.values[:, 1])
    d = r.to_dict()
    assert d["endpoint"] == {"name": "any"} and len(d["values"]) == 4
    assert incidence(BREAST, Distant(), T).columns == ("distant",)
    assert np.all(np.diff(r.values, axis=0) >= 0)        # cumulative incidence never decreases


@pytest.mark.parametrize("call, match", [
    (lambda: incidence(BREAST, "any", [3.0, 1.0]), "strictly increasing"),
    (lambda: incidence(BREAST, "any", [1.0, 1.0]), "strictly increasing"),
    (lambda: incidence(BREAST, "any", [-1.0, 2.0]), "zero or positive"),
    (lambda: incidence(BREAST, "any", []), "at least one"),
    (lambda: incidence(BREAST, "anyy", T), "did you mean 'any'"),
    (lambda: incidence(BREAST, "any", T).column("bones"), "did you mean 'bone'"),
    (lambda: incidence(BREAST, "any", T, method="monte-carlo", patients=0), "at least 1"),
    (lambda: incidence(BREAST, "any", T, patients=0), "at least 1"),
    (lambda: incidence(BREAST, "any", T, method="exact"), "unknown method"),
    (lambda: incidence(BREAST, "any", T, method="closed-form"), "no closed form"),
    (lambda: incidence(BREAST, "any", T, params={"shedding.muu": 1.0}), "did you mean 'shedding.mu'"),
    (lambda: incidence(BREAST, BySize(), [0.0, 1.0]), "diameters must be positive"),
    (lambda: incidence(BREAST, Landmark(inner=BySize()), T), "not defined"),
    (lambda: incidence(BREAST, "any", T, nodes=0), "positive integer"),
])
def test_bad_input_gives_one_line_error(call, match):
    with pytest.raises(MetakineticsError, match=match) as exc:
        call()
    assert "\n" not in str(exc.value)
    assert isinstance(exc.value, InputError)


def test_gauss_hermite_converges():
    a = incidence(BREAST, "any", T).values
    b = incidence(BREAST, "any", T, nodes={"mu": 96, "rate": 20, "diameter": 20}).values
    # the default (48, 12, 12) nodes are within 1e-4 of a 4x finer grid (a fit's data SE is >= 1e-3)
    np.testing.assert_allclose(a, b, atol=1e-4)


def test_monte_carlo_over_random_effects_matches_quadrature():
    q = incidence(BREAST, "distant", T).values
    r = incidence(BREAST, "distant", T, patients=20_000, seed=5)
    assert r.se is not None and r.info["expectation"] == "monte-carlo"
    assert np.all(np.abs(r.values - q) < 4 * r.se + 1e-9)       # 4 SE
    r2 = incidence(BREAST, "distant", T, patients=20_000, seed=5)
    np.testing.assert_array_equal(r.values, r2.values)         # same seed, same numbers


def test_individual_equals_direct_formula():
    """individual=True: 1 - exp(-(M_k(t_dx+u) - M_k(t_dx))) from colony_counts directly."""
    pat = resolve(BREAST)
    M, _ = colony_counts(pat, pat.diagnosis_time()[:, None] + np.concatenate([[0.0], T])[None], closed=False)
    direct = -np.expm1(-(M[0, 1:] - M[0, 0]))
    np.testing.assert_allclose(incidence(BREAST, Any(), T, individual=True).values, direct, rtol=1e-12, atol=1e-15)


def test_params_override_matches_with_values():
    a = incidence(BREAST, First(), T, params={"shedding.mu": 0.1, "organs.bone.efficiency": 5e-5}).values
    b = incidence(BREAST.with_values({"shedding.mu": 0.1, "organs.bone.efficiency": 5e-5}), First(), T).values
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_by_size_grows_with_diameter_and_landmark_is_conditional():
    r = incidence(BREAST, BySize(horizon=10.0), [1.0, 2.0, 4.0])
    assert r.columns == ("distant",) and np.all(np.diff(r.values[:, 0]) > 0)
    lm = incidence(BREAST, Landmark(Distant(), 5.0), [5.0, 20.0]).values[:, 0]
    assert lm[0] == 0.0 and 0 < lm[1] < 1
    lm = np.concatenate([[0.0], lm])
    with pytest.raises(MetakineticsError, match="before it"):       # before the landmark: refused, not 0
        incidence(BREAST, Landmark(Distant(), 5.0), [2.0, 5.0])
    full = incidence(BREAST, Distant(), [5.0, 20.0]).values[:, 0]
    # P(D by 20) = P(D by 5) + (1 - P(D by 5)) P(D by 20 | free at 5)
    assert abs(full[1] - (full[0] + (1 - full[0]) * lm[2])) < 1e-12
