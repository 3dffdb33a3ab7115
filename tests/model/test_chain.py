"""The mean dormancy chain (model/chain.py): numeric moments against the closed form, the shared
grid against the per-patient grid, surgery, and blocks that mix clearances.

Tolerances: 6-point Gauss-Legendre pieces err ~1e-12 and the Gauss-Laguerre C <= 1e-10 relative
(module constants), so 1e-8 relative leaves a 100x margin and still fails on any modelling slip
(a wrong kernel or piece length is >= 1e-4, see the mixed-clearance case)."""
from pathlib import Path

import numpy as np
import pytest

from metakinetics.model import load_model
from metakinetics.model.chain import chain
from metakinetics.model.params import resolve

EXP = load_model(Path(__file__).parents[1] / "incidence" / "exp_two_organs.toml")
TIMES = np.linspace(0.0, 15.0, 31)


def rel(a, b):
    peak = np.abs(b).max(axis=1, keepdims=True)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12 * peak + 1e-300)))


def targets(pat, times=TIMES):
    return np.broadcast_to(times[None, :, None], (pat.n, times.size, 1))


@pytest.mark.parametrize("kappa", [4000.0, 50.0], ids=["laguerre-c", "piecewise-c"])
def test_numeric_moments_equal_closed_form(kappa):
    pat = resolve(EXP, {"circulation.clearance": kappa, "primary.rate": [1.0, 2.0],
                        "treatment.kill_dormant": [0.0, 0.6]})
    t_s = pat.surgery_time()
    exact = chain(pat, targets(pat), t_s, closed=True)
    for knots in (None, TIMES):
        num = chain(pat, targets(pat), t_s, closed=False, knots=knots)
        for a, b in zip(num, exact):
            assert rel(a, b) < 1e-8


def test_values_at_surgery_are_just_after_it():
    pat = resolve(EXP, {"treatment.kill_dormant": 0.6})
    t_s = pat.surgery_time()
    before = chain(pat, (t_s * (1 - 1e-13))[:, None, None], t_s, closed=True)
    at = chain(pat, t_s[:, None, None], t_s, closed=True)
    np.testing.assert_allclose(at[1], 0.4 * before[1], rtol=1e-9)      # dormant cells killed
    np.testing.assert_allclose(at[2], before[2], rtol=1e-9)            # colonies founded: continuous
    np.testing.assert_allclose(at[0], before[0], rtol=1e-9)            # circulating: continuous


def test_block_mixing_clearances_gives_each_patient_its_own_answer():
    # a block with kappa = 10 integrates C piecewise for everyone; the kappa = 150 patient needs
    # pieces of 4/150, not 4/10 (with those its C was off by 20%)
    breast = load_model("breast")
    pat = resolve(breast, {"circulation.clearance": [10.0, 150.0]})
    t_s = np.full(2, np.inf)
    both = chain(pat, targets(pat), t_s, closed=False, knots=TIMES)
    for i in range(2):
        alone = chain(pat.take([i]), targets(pat.take([i])), t_s[:1], closed=False, knots=TIMES)
        for a, b in zip(alone, both):
            assert rel(a, b[i:i + 1]) < 1e-8


def test_nothing_before_onset():
    pat = resolve(EXP)
    out = chain(pat, np.array([[[-1.0], [0.0]]]), pat.surgery_time(), closed=False)
    assert all(np.all(x == 0.0) for x in out)
