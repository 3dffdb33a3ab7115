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
from ..nodal_classes import OPEN
from ..population import incidence_batch
from ..population.effects import DIMENSIONS, hermite
from ..units import cells_to_diameter
from .spec import set_with_class_copies as _set

#: the endpoints whose spread is given (per organ and any distant metastasis)
SPREAD_ENDPOINTS = {"any": AnyOrgan(), "distant": Distant()}
#: percentiles of the spread (the 10th, the median, the 90th)
PERCENTILES = (0.10, 0.50, 0.90)
#: Gauss-Hermite nodes of the spread's growth rate and (unobserved) diameter; mu takes MU_GRID even scores
SPREAD_NODES = {"mu": 24, "rate": 4, "diameter": 4}
#: even scores of log mu on [-MU_SPAN, MU_SPAN] (the spread's percentiles; its mean is within ~1e-3 of the engine's)
MU_GRID = 48
MU_SPAN = 5.0


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


def _own(values: Mapping[str, np.ndarray], klass: str | None, key: str) -> np.ndarray:
    """A value as class ``klass`` has it: its own (``classes.<c>.<key>``) where it sets one, else the base."""
    own = f"classes.{klass}.{key}" if klass else None
    return np.asarray(values[own] if own and own in values else values[key], dtype=float)


def _scores(active: Mapping[str, float], nodes, rule: str):
    """Normal scores (rate, diameter, mu; each (n,)) and prior weights (n,): the engine's Gauss-Hermite
    nodes (``rule="hermite"``), or for mu an even grid of MU_GRID scores on [-MU_SPAN, MU_SPAN]
    weighted by the normal density, whose weighted percentiles are smooth (Gauss-Hermite nodes put a
    few points in the tails, so percentiles between them are coarse)."""
    if rule == "hermite":
        sc = hermite(dict(active), nodes)
        J = sc.mu.shape[1]
        return np.repeat(sc.rate, J), np.repeat(sc.diameter, J), sc.mu.reshape(-1), sc.q.reshape(-1)
    sc = hermite({**active, "mu": 0.0}, nodes)
    zm = np.linspace(-MU_SPAN, MU_SPAN, MU_GRID) if active["mu"] > 0 else np.zeros(1)
    wm = np.exp(-0.5 * zm ** 2)
    wm = wm / wm.sum()
    P = sc.rate.size
    return (np.repeat(sc.rate, zm.size), np.repeat(sc.diameter, zm.size), np.tile(zm, P),
            (sc.q[:, :1] * wm[None, :]).reshape(-1))


def _individuals(model: Model, values: Mapping[str, np.ndarray], klass: str | None, nodes, rule: str = "uniform"):
    """Parameter sets, one patient each, at the scores of each row's random effects (row-major: U rows x n
    scores), for class ``klass`` (one-hot prevalence) or a model without classes, and the scores' prior
    weights (n,)."""
    U = np.asarray(values["diagnosis.diameter_cm"]).size
    sds = {k: _own(values, klass, f"population.{k}_sd") for k in DIMENSIONS}
    active = {k: float(np.any(sds[k] > 0)) for k in DIMENSIONS}
    zr, zd, zm, q = _scores(active, nodes, rule)
    z = {"rate": zr, "diameter": zd, "mu": zm}
    n = z["mu"].size

    def grid(a):                              # (U,) row values -> (U n,)
        return np.repeat(np.broadcast_to(np.asarray(a, dtype=float), (U,)), n)

    def node(k):                              # (U n,) sd x score of random effect k
        return grid(sds[k]) * np.tile(z[k], U)

    params = {k: grid(v) for k, v in values.items()}
    if klass is not None:
        for c in model.class_names:
            params[f"classes.{c}.prevalence"] = np.full(U * n, float(c == klass))
    _set(params, values, "shedding.mu", grid(_own(values, klass, "shedding.mu")) * np.exp(node("mu")))
    _set(params, values, "primary.rate", grid(_own(values, klass, "primary.rate")) * np.exp(node("rate")))
    d = grid(_own(values, klass, "diagnosis.diameter_cm")) * np.exp(node("diameter"))
    cap = grid(_own(values, klass, "primary.K")) if "primary.K" in values else np.full(U * n, np.inf)
    low = cells_to_diameter(grid(_own(values, klass, "primary.x0")) * (1 + 1e-6))
    high = np.where(np.isfinite(cap), cells_to_diameter(np.where(np.isfinite(cap), cap, 1.0) * (1 - 1e-3)), np.inf)
    _set(params, values, "diagnosis.diameter_cm", np.clip(d, low, high))     # the engine's clip (node_patients)
    for k in DIMENSIONS:
        _set(params, values, f"population.{k}_sd", np.zeros(U * n))
    if "nodes.ratio" in values:               # keep m = ratio mu_ref^(1-b) mu^b with mu_ref = her own mu
        b = grid(_own(values, klass, "nodes.coupling"))
        _set(params, values, "nodes.ratio", grid(_own(values, klass, "nodes.ratio")) * np.exp(-(1.0 - b) * node("mu")))
    return params, q, n


def row_spread(model: Model, rows: Mapping[str, np.ndarray], scenarios: Sequence, times: np.ndarray, *,
               nodes=None, rule: str = "uniform") -> dict[str, np.ndarray]:
    """The posterior of the own risk for U rows of covariate values, per scenario.

    Parameters
    ----------
    model : Model
        The model at the estimates.
    rows : mapping
        Dotted key -> (U,) values of every key the rows set (the model's own values elsewhere).
    scenarios : sequence of Scenario
        Baseline first; each transforms the rows' values.
    times : numpy.ndarray
        Years after diagnosis.
    nodes : int or dict, optional
        Gauss-Hermite nodes per random effect (default SPREAD_NODES).
    rule : str
        "uniform" (even log-mu scores: smooth percentiles) or "hermite" (the engine's nodes: the
        posterior mean then equals the engine's value to rounding, the check that both are one model).

    Returns
    -------
    dict
        endpoint name -> (U, S, T, K, 5): posterior mean, SD, 10th, 50th and 90th percentile.
    """
    nodes = SPREAD_NODES if nodes is None else nodes
    U = next(iter(rows.values())).size if rows else 1
    base = {k: np.full(U, v) for k, v in model.values().items()}
    base.update({k: np.asarray(v, dtype=float) for k, v in rows.items()})
    K = len(model.organs)
    out = {k: np.empty((U, len(scenarios), times.size, K if ep.per_organ else 1, 5))
           for k, ep in SPREAD_ENDPOINTS.items()}
    for s, scenario in enumerate(scenarios):
        world = {k: np.broadcast_to(np.asarray(v, dtype=float), (U,))
                 for k, v in scenario.transform(dict(base)).items()}
        members = [(c, world[f"classes.{c}.prevalence"]) for c in model.class_names] or [(None, np.ones(U))]
        weights, vals = [], {k: [] for k in SPREAD_ENDPOINTS}
        for klass, pi in members:
            live = np.flatnonzero(pi > 0)
            if live.size == 0:
                continue
            sub = {k: v[live] for k, v in world.items()}
            params, q, n = _individuals(model, sub, klass, nodes, rule)
            select = ((sub["nodes.min"] > 0) | (sub["nodes.max"] < OPEN)) if "nodes.min" in sub \
                else np.zeros(live.size, bool)
            at_dx = incidence_batch(model, DistantAtDiagnosis(), [0.0], params, individual=True).values[:, 0, 0]
            share = np.ones(live.size * n)
            if select.any():
                share = incidence_batch(model, NodalShare(), [0.0], params, individual=True).values[:, 0, 0]
            w = np.zeros((U, n))
            w[live] = (pi[live, None] * q[None, :] * (1.0 - at_dx.reshape(live.size, n))
                       * share.reshape(live.size, n))
            weights.append(w)
            for k, ep in SPREAD_ENDPOINTS.items():
                a = np.zeros((U, n, times.size, out[k].shape[3]))
                a[live] = incidence_batch(model, ep, times, params, individual=True).values.reshape(
                    (live.size, n, times.size, -1))
                vals[k].append(a)
        w = np.concatenate(weights, axis=1)                     # (U, members x n)
        w = w / w.sum(axis=1, keepdims=True)
        for k in SPREAD_ENDPOINTS:
            a = np.concatenate(vals[k], axis=1)                  # (U, members x n, T, K)
            mean = np.einsum("un,untk->utk", w, a)
            sd = np.sqrt(np.maximum(np.einsum("un,untk->utk", w, (a - mean[:, None]) ** 2), 0.0))
            for u in range(U):
                qs = _weighted_quantiles(a[u], w[u], PERCENTILES)
                out[k][u, s] = np.stack([mean[u], sd[u], qs[0], qs[1], qs[2]], axis=-1)
    return out
