"""Event-level cohort simulator: seeding, reproducibility, structure and simple exact checks."""
import numpy as np
import pytest

from metakinetics.endpoints import AtDiagnosis, Distant
from metakinetics.errors import InputError
from metakinetics.incidence import colony_counts
from metakinetics.model.params import resolve
from metakinetics.model import load_model
from metakinetics.stochastic.cohort import cohort_incidence, simulate_cohort


def test_same_seed_same_cohort_and_different_seed_differs():
    a = simulate_cohort("breast", 3000, seed=11)
    b = simulate_cohort("breast", 3000, seed=11)
    c = simulate_cohort("breast", 3000, seed=12)
    np.testing.assert_array_equal(a.detect, b.detect)
    np.testing.assert_array_equal(a.mu, b.mu)
    assert not np.array_equal(a.mu, c.mu)
    g = simulate_cohort("breast", 3000, seed=np.random.default_rng(11))
    np.testing.assert_array_equal(a.mu, g.mu)


def test_structure():
    c = simulate_cohort("breast", 1000, seed=1)
    assert c.detect.shape == (1000, 4) and c.organs == ("bone", "lung", "liver", "brain")
    assert np.all(c.m0 == np.all(c.detect > 0, axis=1))
    assert np.all(np.isinf(c.death))                        # no background mortality in breast.toml
    assert set(c.columns()) >= {"patient", "m0", "detect_brain"}


def test_bad_patients():
    with pytest.raises(InputError, match="at least 1"):
        simulate_cohort("breast", 0)
    with pytest.raises(InputError, match="positive integer"):
        simulate_cohort("breast", "many")


@pytest.mark.statistical
def test_typical_patient_counts_are_poisson():
    """individual=True: organ-k detection by t_dx + 20 has probability 1 - exp(-M_k) (model.md section 3)."""
    model = load_model("breast").with_values({"shedding.mu": 1.0})
    c = simulate_cohort(model, 100_000, seed=3, individual=True)
    pat = resolve(model)
    M, _ = colony_counts(pat, pat.diagnosis_time()[:, None] + np.array([[0.0, 20.0]]), closed=False)
    p_sim = (c.detect <= 20.0).mean(axis=0)
    p = -np.expm1(-M[0, 1])
    se = np.sqrt(p * (1 - p) / c.n)
    assert np.all(np.abs(p_sim - p) < 4 * se)                # 4 SE per organ
    prev = cohort_incidence(c, AtDiagnosis(), [0.0]).values[0]
    assert np.all(np.abs(prev - -np.expm1(-M[0, 0])) < 4 * np.sqrt(np.maximum(prev, 1e-5) / c.n))
    assert cohort_incidence(c, Distant(), [0.0, 5.0]).se.shape == (2, 1)
