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
