"""incidence_batch (D parameter sets at once) against D scalar population.incidence calls.

Tolerance 1e-12 absolute on probabilities (the brief's bound): the batch performs the same
floating-point operations per patient as the scalar call, only the per-draw sums over quadrature
nodes run through a batched einsum, so anything above rounding (~1e-16) is a real defect (a wrong
grid, wrong quadrature or a patient mixed into another draw's sum).
"""
import numpy as np
import pytest

from metakinetics.endpoints import Any, BySize, Landmark
from metakinetics.errors import InputError
from metakinetics.model import load_model
from metakinetics.population import IncidenceBatch, incidence, incidence_batch
from metakinetics.scenarios import parse_scenario
from metakinetics.scenarios.transforms import transform_batch

TOL = 1e-12
ENDPOINTS = ["any", "first", "distant", "at_diagnosis", "site_share", Landmark(Any(), 2.0)]
NODES = {"mu": 8, "rate": 4, "diameter": 3}      # small grids: agreement, not accuracy, is tested
TIMES = np.array([0.0, 1.0, 4.0, 10.0, 20.0])


def _times(ep):
    """site_share is undefined at 0 (no distant metastasis yet) and a landmark endpoint before its
    landmark: both are refused there, so start after them; at_diagnosis has only the time 0."""
    if ep == "at_diagnosis":
        return TIMES[:1]
    at = ep.at if isinstance(ep, Landmark) else 0.0
    # site_share from 4 years: exponential_one_organ's colonies take over a year to be detected
    return TIMES[TIMES >= 4.0] if ep == "site_share" else TIMES[TIMES >= at]


def _draws(model, D=4, seed=3):
    rng = np.random.default_rng(seed)
    return {"shedding.mu": model.get("shedding.mu") * np.exp(0.3 * rng.standard_normal(D)),
            f"organs.{model.organ_names[0]}.efficiency": model.get(f"organs.{model.organ_names[0]}.efficiency")
            * np.exp(0.3 * rng.standard_normal(D)),
            # spreads change the quadrature (0 switches the mu dimension off for that draw)
            "population.mu_sd": np.array([2.6, 0.0, 1.2, 3.0])[:D],
            "population.rate_sd": np.array([0.3, 0.5, 0.0, 0.2])[:D],
            # delays move the integration breakpoints; clearance < 100/y switches the moments' C method
            "diagnosis.surgery_delay": np.array([0.08, 0.5, 0.08, 1.0])[:D],
            "circulation.clearance": np.array([4000.0, 60.0, 300.0, 4000.0])[:D],
            "mortality.hazard": np.array([0.0, 0.0, 0.03, 0.0])[:D]}


def _max_diff(model, ep, params, **kw):
    TIMES = _times(ep)
    batch = incidence_batch(model, ep, TIMES, params, nodes=NODES, **kw)
    D = len(next(iter(params.values())))
    assert batch.values.shape == (D, TIMES.size, len(batch.columns))
    worst = 0.0
    for d in range(D):
        row = {k: float(v[d]) for k, v in params.items()}
        scalar = incidence(model.with_values(row), ep, TIMES, nodes=NODES, **kw)
        assert scalar.columns == batch.columns and scalar.method == batch.method
        worst = max(worst, float(np.max(np.abs(scalar.values - batch.values[d]))))
    return worst


@pytest.mark.parametrize("name", ["breast", "exponential_one_organ", "breast_birth_death"])
@pytest.mark.parametrize("ep", ENDPOINTS, ids=str)
def test_batch_equals_scalar_calls(name, ep):
    model = load_model(name)
    assert _max_diff(model, ep, _draws(model)) <= TOL


@pytest.mark.parametrize("ep", ["any", "first", "site_share"])
def test_batch_typical_patient(ep):
    model = load_model("breast")
    assert _max_diff(model, ep, _draws(model), individual=True) <= TOL


@pytest.mark.parametrize("text", ["surgery_delay=0.25", "earlier_diagnosis=1.0", "adjuvant:kill_dormant=0.5",
                                  "organ_drug:bone=0.619", "dormancy=0.5", "ctc_therapy=2"])
def test_batch_of_scenario_transformed_draws(text):
    """The sweep's use: draws transformed by a scenario as arrays, against the scenario applied
    to each drawn model."""
    model = load_model("breast")
    scen = parse_scenario(text)
    draws = {k: v for k, v in _draws(model).items() if k in ("shedding.mu", "organs.bone.efficiency",
                                                              "population.mu_sd")}
    base = model.values()
    new = transform_batch(scen, model, draws)
    params = {k: np.broadcast_to(np.asarray(v, dtype=float), (4,)) for k, v in new.items()
              if np.any(np.asarray(v) != base[k])}
    batch = incidence_batch(model, "any", TIMES, params, nodes=NODES)
    for d in range(4):
        m = scen.apply(model.with_values({k: float(v[d]) for k, v in draws.items()}))
        np.testing.assert_allclose(batch.values[d], incidence(m, "any", TIMES, nodes=NODES).values, rtol=0, atol=TOL)


def test_a_draw_does_not_depend_on_its_batch():
    """Each draw's numbers are the same alone or among others (no batch-wide quadrature choices)."""
    model = load_model("breast")
    params = _draws(model)
    full = incidence_batch(model, "first", TIMES, params, nodes=NODES).values
    for d in range(4):
        one = incidence_batch(model, "first", TIMES, {k: v[d:d + 1] for k, v in params.items()}, nodes=NODES)
        assert np.array_equal(one.values[0], full[d])


def test_result_object_and_scalars():
    model = load_model("breast")
    b = incidence_batch(model, "any", TIMES, {"shedding.mu": [0.05, 0.07]}, nodes=NODES)
    assert isinstance(b, IncidenceBatch) and len(b) == 2 and b.columns == model.organ_names
    r = b.result(1)
    np.testing.assert_array_equal(r.column("bone"), b.values[1, :, 0])
    assert np.all(np.diff(b.values, axis=1) >= 0)                 # cumulative incidence never decreases
    single = incidence_batch(model, "any", TIMES, None, nodes=NODES)   # no params: one set, the model
    np.testing.assert_array_equal(single.values[0], incidence(model, "any", TIMES, nodes=NODES).values)


@pytest.mark.parametrize("kwargs, match", [
    (dict(endpoint=BySize(0.0)), "by_size"),
    (dict(method="monte-carlo"), "monte-carlo"),
    (dict(params={"shedding.mu": [0.1, 0.2], "organs.bone.efficiency": [1e-5, 2e-5, 3e-5]}), "broadcast"),
    (dict(params={"shedding.muu": [0.1]}), "did you mean"),
    (dict(params={"shedding.mu": [0.1, -0.2]}), "must be positive"),
    (dict(params={"shedding.mu": [[0.1]]}), "1-D"),
])
def test_bad_inputs(kwargs, match):
    call = dict(endpoint="any", params={"shedding.mu": [0.1]}, method="auto")
    call.update(kwargs)
    with pytest.raises(InputError, match=match):
        incidence_batch(load_model("breast"), call["endpoint"], TIMES, call["params"], method=call["method"])


def test_seeding_lambdas_in_blocks_equal_all_at_once(monkeypatch):
    # with seeding the engine computes Lambda at every threshold block by block (LAMBDA_ROWS
    # patients: its memory grows with patients x thresholds); the weights take the base first. Same
    # numbers as all patients at once, for an endpoint integrated over time (death competing) over
    # a batch of parameter sets
    from pathlib import Path

    from metakinetics import load_model
    from metakinetics.population import engine, incidence_batch

    hub = load_model(str(Path(__file__).resolve().parents[1] / "incidence" / "exp_hub.toml")).with_values(
        {"mortality.hazard": 0.03})
    times = np.array([2.0, 6.0, 12.0])
    sets = {"diagnosis.size": np.array([1e9, 2e9, 4e9])}
    kw = dict(nodes={"mu": 4, "rate": 2})
    whole = incidence_batch(hub, "any", times, sets, **kw).values
    monkeypatch.setattr(engine, "LAMBDA_ROWS", 3)
    monkeypatch.setattr(engine, "TERMS_BUDGET", 1)          # one patient per chunk: 3 per block
    calls = []
    real = engine.lambdas
    monkeypatch.setattr(engine, "lambdas", lambda *a, **k: calls.append(a[2].n) or real(*a, **k))
    blocks = incidence_batch(hub, "any", times, sets, **kw).values
    assert calls[0] == 72 and set(calls[1:]) == {3} and len(calls) == 1 + 72 // 3
    np.testing.assert_allclose(blocks, whole, rtol=1e-12, atol=1e-15)
    assert np.all(np.isfinite(whole)) and whole.max() > 0.01
