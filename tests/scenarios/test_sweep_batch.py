"""Batched sweeps (one population.incidence_batch call per scenario and chunk of draws) against
the row-by-row path, and serial against a process pool on the batched path.

Tolerance 1e-12 absolute on probabilities: both paths perform the same per-patient arithmetic
(tests/population/test_batch.py), only the per-draw sums over quadrature nodes are batched, so
anything above rounding is a defect.
"""
import importlib
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from metakinetics.scenarios import compare

compare_module = importlib.import_module("metakinetics.scenarios.compare")  # the package exports a function 'compare'

SCENARIOS = ["surgery_delay=0.25", "earlier_diagnosis=1.0", "adjuvant:kill_dormant=0.5",
             "organ_drug:bone=0.619", "dormancy=0.5", "ctc_therapy=2"]
NODES = {"mu": 8, "rate": 3, "diameter": 3}   # small grids: agreement between paths, not accuracy


@pytest.mark.parametrize("endpoint", ["any", "first", "distant"])
def test_batched_sweep_equals_row_by_row(synthetic_fit, monkeypatch, endpoint):
    opts = dict(endpoint=endpoint, times=[0.0, 2.0, 5.0, 15.0], draws=5, seed=4, nodes=NODES, chunk_size=2)
    assert compare_module._batchable(compare_module.SweepSpec(
        model=synthetic_fit.model, scenarios=(), endpoint=compare_module.endpoint_from_name(endpoint),
        times=np.zeros(1), options=(("nodes", NODES),)))
    batched = compare(synthetic_fit, SCENARIOS, **opts)
    monkeypatch.setattr(compare_module, "_batchable", lambda spec: False)
    rows = compare(synthetic_fit, SCENARIOS, **opts)
    assert batched.sweep.values.shape == rows.sweep.values.shape == (6, 7, 4, batched.sweep.values.shape[-1])
    np.testing.assert_allclose(batched.sweep.values, rows.sweep.values, rtol=0, atol=1e-12)
    assert batched.sweep.columns == rows.sweep.columns and batched.method == rows.method


def test_batched_sweep_typical_patient_without_draws(breast, monkeypatch):
    opts = dict(endpoint="any", times=[1.0, 10.0], individual=True, nodes=NODES)
    batched = compare(breast, SCENARIOS[:2], **opts)
    monkeypatch.setattr(compare_module, "_batchable", lambda spec: False)
    np.testing.assert_allclose(batched.sweep.values, compare(breast, SCENARIOS[:2], **opts).sweep.values,
                               rtol=0, atol=1e-12)


def test_monte_carlo_sweeps_are_not_batched(synthetic_fit):
    spec = compare_module.SweepSpec(model=synthetic_fit.model, scenarios=(), endpoint=compare_module.endpoint_from_name("any"),
                                    times=np.zeros(1), options=(("patients", 100),))
    assert not compare_module._batchable(spec)
    assert not compare_module._batchable(spec.__class__(**{**spec.__dict__, "options": (("method", "monte-carlo"),)}))


def test_batched_sweep_process_pool_is_bit_identical(synthetic_fit):
    opts = dict(endpoint="any", times=[2.0, 10.0], draws=6, seed=9, nodes=NODES, chunk_size=3)
    serial = compare(synthetic_fit, SCENARIOS[:3], **opts)
    with ProcessPoolExecutor(max_workers=2) as pool:
        par = compare(synthetic_fit, SCENARIOS[:3], executor=pool, **opts)
    assert np.array_equal(par.sweep.values, serial.sweep.values)  # bit-identical, not approx
