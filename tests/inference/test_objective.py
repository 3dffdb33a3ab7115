"""The objective's per-evaluation prediction cache (metakinetics.inference.objective)."""
from __future__ import annotations

import numpy as np


def test_the_objectives_cache_never_serves_a_freed_models_prediction():
    # regression: the prediction cache was keyed by id(model) without holding the model; the
    # time-to-event groups' models without background death were made per call and freed, and a
    # later group whose model reused the id got the earlier group's curve (re-runs of
    # fits/rotterdam_nodes differed). With the old cache 11 of these 40 calls were served stale.
    from metakinetics.endpoints import Distant
    from metakinetics.inference.objective import Objective
    from metakinetics.inference.problem import parse_setup

    setup = parse_setup('[fit]\nname = "c"\nnodes = 4\n[model]\nname = "breast"\n[[data]]\nname = "hess2013"\n'
                        'likelihood = "binomial"\nselect = { organ = ["distant"] }\n'
                        '[parameters."shedding.mu"]\nmin = 0.01\nmax = 1.0\nlog = true\n')
    obj = Objective(setup)
    obj.predictor = lambda model, ep, t: (("distant",), np.full((len(t), 1), model.shedding.mu))
    cache: dict = {}
    for mu in np.linspace(0.02, 0.4, 40):
        m = obj.model.with_values({"shedding.mu": float(mu)})
        assert obj.predict(m, Distant(), np.array([5.0]), cache)[1][0, 0] == mu
        del m                                           # freed: its id may come back


def test_a_point_that_breaks_a_value_rule_fails_the_evaluation_naming_the_key():
    # the objective builds its group models without the value rules (model.with_values(validate=False):
    # they were checked twice per model); resolution applies them, so a search point that breaks one
    # is still a failed evaluation that names the key, never a number
    from metakinetics.inference.objective import FAILED_MINUS2LL, Objective
    from metakinetics.inference.problem import parse_setup

    setup = parse_setup('[fit]\nname = "c"\nnodes = 4\n[model]\nname = "breast"\n[[data]]\nname = "hess2013"\n'
                        'likelihood = "binomial"\nselect = { organ = ["distant"] }\n'
                        '[parameters."shedding.gamma"]\nvalue = 0.7\nmin = 0.1\nmax = 3.0\n')
    obj = Objective(setup)
    ok = obj.evaluate(np.array([0.7]))
    assert ok.failed is None and np.all(np.isfinite(ok.predictions[0]))
    bad = obj.evaluate(np.array([2.5]))
    assert bad.failed is not None and "shedding.gamma" in bad.failed and "exponent must be in" in bad.failed
    assert obj.minus2ll(np.array([2.5])) == FAILED_MINUS2LL


def test_time_to_event_groups_in_one_batched_call_equal_one_call_per_group():
    # the Rotterdam patients' 12 size x nodal-class groups go to the engine as 12 parameter sets of
    # one call (their diameters and nodal classes differ); same numbers as one model per group, to
    # rounding (1e-12: the same arithmetic, vectorised), death hazards included
    from metakinetics.inference import load_setup
    from metakinetics.inference.likelihood import CensoredTimeToEvent
    from metakinetics.inference.objective import Objective
    from metakinetics.inference.problem import endpoint_for_causes
    from pathlib import Path

    obj = Objective(load_setup(Path(__file__).resolve().parents[2] / "fits" / "rotterdam_nodes" / "fit.toml"))
    prob = next(p for p in obj.problems if isinstance(p.likelihood, CensoredTimeToEvent))
    assert len(prob.groups) == 12
    x = obj.params.start_vector() * 1.01
    ep = endpoint_for_causes(prob.causes)
    one = obj._tte_groups(x, prob, ep, {})
    batch = obj._tte_batch(x, prob, ep, {})
    np.testing.assert_allclose(batch[1], one[1], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(batch[2], one[2])
    assert batch[2].min() > 0                                    # the groups' death hazard is carried
    assert obj._tte_predictions(x, prob, {})[1] is not None and obj._batched_groups


def test_batched_row_predictions_equal_one_engine_call_per_model():
    # the joint fit's rows (class rows, pan2017 over its nodal mix with denominators, SEER by size,
    # CTC, the Rotterdam patients) batched per endpoint and times, against one model and one engine
    # call each: the same numbers to rounding (1e-12)
    from pathlib import Path

    from metakinetics.inference import load_setup
    from metakinetics.inference.objective import Objective

    obj = Objective(load_setup(Path(__file__).resolve().parents[2] / "fits" / "breast_joint" / "fit.toml"))
    x = obj.params.start_vector() * 1.003
    batched = obj.evaluate(x)
    obj._batched_groups = False
    single = obj.evaluate(x)
    assert batched.failed is None and single.failed is None
    for a, b in zip(batched.predictions, single.predictions):
        a, b = (a[1], b[1]) if isinstance(a, tuple) else (a, b)
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=0, atol=1e-12)
