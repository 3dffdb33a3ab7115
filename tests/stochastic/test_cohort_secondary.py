"""The cohort simulator with metastasis-to-metastasis seeding: colonies as sources."""
import numpy as np
import pytest

import metakinetics.stochastic.cohort as cohort_mod
from metakinetics.errors import InputError
from metakinetics.model import load_model
from metakinetics.stochastic.cohort import simulate_cohort


def _seeding(model, mu2, gamma2=2 / 3):
    return model.with_values({**{f"organs.{o}.secondary_shedding": mu2 for o in model.organ_names},
                              "shedding.secondary_gamma": gamma2})


def test_no_colony_shedding_is_todays_simulator(monkeypatch):
    base = load_model("breast")
    today = simulate_cohort(base, 3000, seed=5)
    # mu' = 0 (with a different gamma') never reaches the colony follower: same random stream, same cohort
    monkeypatch.setattr(cohort_mod, "follow", lambda *a, **k: pytest.fail("followed colonies with mu' = 0"))
    off = simulate_cohort(_seeding(base, 0.0, 1.5), 3000, seed=5)
    for col in ("mu", "rate", "t_dx", "detect", "death", "m0"):
        assert np.array_equal(getattr(today, col), getattr(off, col))
    assert today.horizon == off.horizon == np.inf


def test_one_generation_is_todays_simulator():
    base = load_model("breast")
    today = simulate_cohort(base, 3000, seed=6)
    capped = simulate_cohort(_seeding(base, 1e4), 3000, seed=6, generations=1)   # colonies do not shed
    assert np.array_equal(today.detect, capped.detect)


def test_seeding_adds_detections_and_never_removes_one():
    base = load_model("breast")
    today = simulate_cohort(base, 5000, seed=7)
    on = simulate_cohort(_seeding(base, 1e4), 5000, seed=7)
    # the primary's colonies are drawn first from the same stream: every detection of today's cohort
    # is still there (or earlier), and colonies seed organs today's patients never had
    assert np.all(on.detect <= today.detect)
    assert np.isfinite(on.detect).sum() > np.isfinite(today.detect).sum()
    again = simulate_cohort(_seeding(base, 1e4), 5000, seed=7)
    assert np.array_equal(on.detect, again.detect)                 # same seed, same cohort


def test_more_generations_add_brain_metastases():
    base = _seeding(load_model("breast"), 1e4)
    n = 4000
    share = [np.isfinite(simulate_cohort(base, n, seed=8, generations=g).detect[:, 3]).mean() for g in (1, 2, 4)]
    se = np.sqrt(0.25 / n)                         # binomial SE at most
    assert share[0] + 4 * se < share[1] <= share[2] + 4 * se


def test_horizon_is_kept_and_enforced():
    coh = simulate_cohort(_seeding(load_model("breast"), 1e2), 500, seed=1, horizon=12.0)
    assert coh.horizon == 12.0
    from metakinetics.stochastic.cohort import cohort_incidence
    with pytest.raises(InputError, match="horizon"):
        cohort_incidence(coh, "distant", np.array([5.0, 15.0]))
    with pytest.raises(InputError, match="horizon"):
        simulate_cohort(_seeding(load_model("breast"), 1.0), 10, seed=1, horizon=-1)
    with pytest.raises(InputError, match="generations"):
        simulate_cohort(_seeding(load_model("breast"), 1.0), 10, seed=1, generations=0)
