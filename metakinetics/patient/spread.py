"""The spread between patients who look alike: the posterior of one patient's own risk.

Patients with the same covariates differ in their random effects theta (shedding mu, growth
rate, and the diameter when it is not observed) and, when the subtype is not pinned down, in
their class. Each has her own risk a(theta) (organ k by t, or any distant metastasis by t: the
engine's value for one patient, ``individual=True``). Given the observations, theta has the
posterior density prior(theta) x w(theta), w = P(M0 at diagnosis | theta) x P(her nodal count |
theta). On the engine's Gauss-Hermite nodes (weights q_j, class prior pi_c) the posterior is the
discrete distribution with weights pi_c q_j w_j / sum; its mean is the patient's prediction (the
population engine's value, to rounding: the test that this module and the engine agree), its SD
and its 10th / 50th / 90th percentiles (weighted, between nodes) are the spread. This is variation
between patients, not uncertainty about the model: the fit's parameter uncertainty is the bands.

Each node is one patient for the engine: her log mu, log rate and log diameter at the node (the
random effects of :mod:`metakinetics.population.effects`: value x exp(sd x score)), through the
one resolver. The nodal readout reads mu against the population's mu_ref
(m = ratio mu_ref^(1-b) mu^b S_1); a one-patient model has mu_ref = her mu, so her nodes.ratio is
scaled by (mu_ref / mu)^(1-b) to keep m. P(M0 | theta) is 1 - distant_at_diagnosis and
P(nodes | theta) is nodal_share, both for one patient, from the same engine.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..endpoints import Any as AnyOrgan
from ..endpoints import Distant, DistantAtDiagnosis, NodalShare
from ..model import Model
from ..population import incidence_batch
from ..population.effects import DIMENSIONS, hermite

#: the endpoints whose spread is given (per organ and any distant metastasis)
SPREAD_ENDPOINTS = {"any": AnyOrgan(), "distant": Distant()}
#: percentiles of the spread (the 10th, the median, the 90th)
PERCENTILES = (0.10, 0.50, 0.90)
#: default Gauss-Hermite nodes of the spread (mu, rate, diameter): the posterior of one patient
SPREAD_NODES = {"mu": 48, "rate": 8, "diameter": 8}


def _individuals(m: Model, nodes) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Parameter sets (one patient each) at the Gauss-Hermite nodes of ``m``'s random effects, and
    their prior weights (sum 1)."""
    v = m.values()
    sd = {k: float(v[f"population.{k}_sd"]) for k in DIMENSIONS}
    sc = hermite(sd, nodes)
    J = sc.mu.shape[1]
    zr, zd = np.repeat(sc.rate, J), np.repeat(sc.diameter, J)
    zm = sc.mu.reshape(-1)
    params = {"shedding.mu": v["shedding.mu"] * np.exp(sd["mu"] * zm),
              "primary.rate": v["primary.rate"] * np.exp(sd["rate"] * zr),
              "diagnosis.diameter_cm": v["diagnosis.diameter_cm"] * np.exp(sd["diameter"] * zd),
              "population.mu_sd": np.zeros(zm.size), "population.rate_sd": np.zeros(zm.size),
              "population.diameter_sd": np.zeros(zm.size)}
    if v.get("nodes.ratio", 0.0) > 0:
        b = v["nodes.coupling"]
        params["nodes.ratio"] = v["nodes.ratio"] * np.exp(-(1.0 - b) * sd["mu"] * zm)
    return params, sc.q.reshape(-1)


def _weighted_quantiles(x: np.ndarray, w: np.ndarray, probs: Sequence[float]) -> np.ndarray:
    """Quantiles (len(probs), ...) of values x (n, ...) with weights w (n,), linear between the
    midpoints of the sorted values' cumulative weights."""
    order = np.argsort(x, axis=0)
    xs = np.take_along_axis(x, order, axis=0)
    ws = w[order]
    cum = np.cumsum(ws, axis=0) - 0.5 * ws
    flat_x = xs.reshape(xs.shape[0], -1)
    flat_c = cum.reshape(cum.shape[0], -1)
    out = np.empty((len(probs), flat_x.shape[1]))
    for j in range(flat_x.shape[1]):
        out[:, j] = np.interp(probs, flat_c[:, j], flat_x[:, j])
    return out.reshape((len(probs),) + x.shape[1:])


def patient_spread(model: Model, values: Mapping[str, float], scenarios: Sequence, times: np.ndarray, *,
                   nodes=None) -> dict[str, np.ndarray]:
    """The posterior of one covariate pattern's own risk, per scenario.

    Parameters
    ----------
    model : Model
        The model at the estimates.
    values : mapping
        The pattern's model values (:func:`metakinetics.patient.spec.covariate_values`).
    scenarios : sequence of Scenario
        Baseline first.
    times : numpy.ndarray
        Years after diagnosis.
    nodes : int or dict, optional
        Gauss-Hermite nodes per random effect (default SPREAD_NODES).

    Returns
    -------
    dict
        endpoint name -> (S, T, K, 5) array: posterior mean, SD, 10th, 50th, 90th percentile.
    """
    base = model.with_values(dict(values)) if values else model
    nodes = SPREAD_NODES if nodes is None else nodes
    out = {k: np.empty((len(scenarios), times.size, len(model.organs) if ep.per_organ else 1, 5))
           for k, ep in SPREAD_ENDPOINTS.items()}
    for s, scenario in enumerate(scenarios):
        world = scenario.apply(base)
        if world.classes:
            prior = {c: world.get(f"classes.{c}.prevalence") for c in world.class_names}
            members = [(world.of_class(c), p) for c, p in prior.items() if p > 0]
        else:
            members = [(world, 1.0)]
        weights, vals = [], {k: [] for k in SPREAD_ENDPOINTS}
        for m, pi in members:
            params, q = _individuals(m, nodes)
            at_dx = incidence_batch(m, DistantAtDiagnosis(), [0.0], params, individual=True).values[:, 0, 0]
            share = incidence_batch(m, NodalShare(), [0.0], params, individual=True).values[:, 0, 0] \
                if m.get("nodes.min") > 0 or m.get("nodes.max") < 60 else 1.0
            weights.append(pi * q * (1.0 - at_dx) * share)
            for k, ep in SPREAD_ENDPOINTS.items():
                vals[k].append(incidence_batch(m, ep, times, params, individual=True).values)
        w = np.concatenate(weights)
        w = w / w.sum()
        for k in SPREAD_ENDPOINTS:
            a = np.concatenate(vals[k])                        # (n, T, K)
            mean = np.tensordot(w, a, axes=1)
            sd = np.sqrt(np.maximum(np.tensordot(w, (a - mean) ** 2, axes=1), 0.0))
            q = _weighted_quantiles(a, w, PERCENTILES)
            out[k][s] = np.stack([mean, sd, q[0], q[1], q[2]], axis=-1)
    return out


def spread(model: Model, patterns: Sequence[Mapping[str, float]], scenarios: Sequence, times: np.ndarray, *,
           nodes=None) -> dict[str, np.ndarray]:
    """The spread for each patient (patients with the same covariate values share the work).

    Parameters
    ----------
    model : Model
        The model at the estimates.
    patterns : sequence of mapping
        Each patient's model values (:func:`metakinetics.patient.spec.covariate_values`).
    scenarios : sequence of Scenario
        Baseline first.
    times : numpy.ndarray
        Years after diagnosis.
    nodes : int or dict, optional
        Gauss-Hermite nodes per random effect of the spread.

    Returns
    -------
    dict
        endpoint name -> (P, S, T, K, 5): posterior mean, SD, 10th, 50th and 90th percentile.
    """
    cache: dict[tuple, dict[str, np.ndarray]] = {}
    per = []
    for v in patterns:
        key = tuple(sorted(v.items()))
        if key not in cache:
            cache[key] = patient_spread(model, v, scenarios, times, nodes=nodes)
        per.append(cache[key])
    return {k: np.stack([p[k] for p in per]) for k in SPREAD_ENDPOINTS}
