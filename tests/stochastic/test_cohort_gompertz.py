"""The cohort simulator with metastasis-to-metastasis seeding by Gompertz colonies (the tabulated
daughter kernel): seeding only adds detections, every generation can be followed, and the horizon
must be finite (the kernel is tabulated up to it)."""
import numpy as np
import pytest

from metakinetics.errors import InputError
from metakinetics.model import load_model
from metakinetics.stochastic.cohort import simulate_cohort

HUB = load_model("tests/incidence/gompertz_hub.toml")


def test_seeding_only_adds_detections_and_every_generation_runs():
    off = HUB.with_values({"organs.liver.secondary_shedding": 0.0, "organs.lung.secondary_shedding": 0.0})
    base = simulate_cohort(off, 3000, seed=4, horizon=20.0)
    two = simulate_cohort(HUB, 3000, seed=4, generations=2, horizon=20.0)
    every = simulate_cohort(HUB, 3000, seed=4, generations=None, horizon=20.0)
    # the primary's colonies come first from the same stream; daughters can only add or advance detections
    assert np.all(two.detect <= base.detect) and (two.detect < base.detect).any()
    finite = np.isfinite(two.detect)
    assert finite.sum() >= np.isfinite(base.detect).sum()
    # every generation (a different random stream after the first daughter): about as many or more
    assert np.isfinite(every.detect).sum() >= 0.9 * finite.sum()


def test_infinite_horizon_is_refused():
    with pytest.raises(InputError, match="horizon must be finite with non-exponential colonies"):
        simulate_cohort(HUB, 100, seed=1, horizon=float("inf"))
