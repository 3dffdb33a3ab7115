"""Lambda(c) of metastasis-to-metastasis seeding, first generation (incidence.secondary)."""
import numpy as np
import pytest

from metakinetics.incidence import secondary as sec
from metakinetics.incidence.colonies import colony_counts
from metakinetics.model.chain import founded
from metakinetics.model import load_model
from metakinetics.model.params import resolve

TWO = load_model("tests/incidence/exp_two_organs.toml").with_values({"treatment.kill_colony": 0.0})


def _thresholds(pat, u):
    tdx = pat.diagnosis_time()
    K = len(pat.organs)
    c = np.broadcast_to((tdx[:, None] + u)[:, :, None], (pat.n, u.size, K)).copy()
    c[:, 1, 0] = tdx - 1.0                          # unequal thresholds too
    c[:, 2, 1] = -np.inf                             # and no condition on an organ
    return c


def test_without_colony_shedding_lambda_is_the_sum_of_colony_counts():
    pat = resolve(TWO, {"shedding.mu": 1.0})
    c = _thresholds(pat, np.array([0.0, 1.0, 4.0, 12.0]))
    lam, grad = sec.cluster_lambda(pat, c, closed=True, grad=True)
    Phi, phi = founded(pat, c - pat.detection_delay()[:, None, :], closed=True)
    assert lam == pytest.approx(np.where(np.isfinite(c), Phi, 0.0).sum(axis=2), rel=1e-13)
    assert grad == pytest.approx(np.where(np.isfinite(c), phi, 0.0), rel=1e-13)
    M, _ = colony_counts(pat, c[:, [0, 3], 0], closed=True)
    assert lam[:, [0, 3]] == pytest.approx(M.sum(axis=2), rel=1e-13)


@pytest.mark.parametrize("closed", [True, False])
def test_gradient_is_the_derivative_of_lambda(closed):
    pat = resolve(TWO, {"shedding.mu": 1.0, "organs.bone.secondary_shedding": 1e3,
                        "organs.liver.secondary_shedding": 30.0})
    c = _thresholds(pat, np.array([0.5, 2.0, 6.0]))
    lam, grad = sec.cluster_lambda(pat, c, closed=closed, grad=True)
    for k in range(2):
        h = 1e-5
        up, dn = c.copy(), c.copy()
        up[:, :, k] += h
        dn[:, :, k] -= h
        num = (sec.cluster_lambda(pat, up, closed=closed)[0] - sec.cluster_lambda(pat, dn, closed=closed)[0]) / (2 * h)
        ok = np.isfinite(c[:, :, k])
        # central difference: truncation ~ h^2 Lambda''' and rounding ~ 1e-16 Lambda / h
        assert grad[:, :, k][ok] == pytest.approx(num[ok], rel=1e-6, abs=1e-12)


def test_quadrature_is_converged(monkeypatch):
    pat = resolve(TWO, {"shedding.mu": 1.0, "organs.bone.secondary_shedding": 1e3,
                        "organs.liver.secondary_shedding": 1e3})
    c = _thresholds(pat, np.array([0.5, 2.0, 6.0, 15.0]))
    lam, grad = sec.cluster_lambda(pat, c, closed=True, grad=True)
    monkeypatch.setattr(sec, "PIECES", 4 * sec.PIECES)
    fine, gfine = sec.cluster_lambda(pat, c, closed=True, grad=True)
    assert lam == pytest.approx(fine, rel=1e-8)
    assert grad == pytest.approx(gfine, rel=1e-6, abs=1e-14)


def test_quadrature_on_breast_with_strong_seeding(monkeypatch):
    """Where kernels saturate (breast, mu' = 1e4 in every organ) the default pieces are within
    1e-7 relative of twice as many (measured 3e-8; with half as many, 6.6e-6)."""
    model = load_model("breast").with_values({f"organs.{o}.secondary_shedding": 1e4
                                              for o in ("bone", "lung", "liver", "brain")})
    pat = resolve(model, {"shedding.mu": 1.0})
    c = _thresholds(pat, np.array([1.0, 5.0, 12.0, 25.0]))
    lam, _ = sec.cluster_lambda(pat, c, closed=False)
    monkeypatch.setattr(sec, "PIECES", 2 * sec.PIECES)
    fine, _ = sec.cluster_lambda(pat, c, closed=False)
    np.testing.assert_allclose(lam, fine, rtol=1e-7)
