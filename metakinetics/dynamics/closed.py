"""The closed-form path (exponential primary): sums of exponentials from sympy, surgery piecewise.

Before t_s the chain from an empty start (symbolic.closed_forms.chain); after it, free decay from
the state at t_s with the dormant pools reduced by kill_dormant (symbolic.closed_forms.free_decay).
"""
from __future__ import annotations

import numpy as np

from ..errors import SolverError
from ..symbolic.compile import chain, free_decay
from ..model.params import PatientParams
from .args import columns, structure_of


def solve_closed_form(p: PatientParams, times: np.ndarray, t_s: np.ndarray):
    """C (P,T), D (P,T,K), A (P,T,K) at ``times``; surgery at t_s (inf: none)."""
    f = chain(structure_of(p))
    if f is None:
        raise SolverError(f"closed-form: no closed form for a {structure_of(p).growth} primary "
                          "(the dormancy chain is forced by a non-exponential shedding); use "
                          "method='semi-analytic' or 'ode'")
    K = structure_of(p).n_organs
    cols = [c[:, None] for c in columns(p)]
    before = times[None, :] < t_s[:, None]                    # (P, T)
    tb = np.where(before, times[None, :], 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        pre = [np.asarray(v, dtype=float) * np.ones(before.shape) for v in f(tb, *cols)]
    C, D, A = pre[0], np.stack(pre[1:1 + K], axis=2), np.stack(pre[1 + K:], axis=2)
    if not np.all(before):
        ts = np.where(np.isfinite(t_s), t_s, 0.0)[:, None]
        at = [np.asarray(v, dtype=float) * np.ones((p.n, 1)) for v in f(ts, *cols)]
        kill = p.kill_by_organ
        C0, D0, A0 = at[0], [d * (1.0 - kill[:, k:k + 1]) for k, d in enumerate(at[1:1 + K])], at[1 + K:]
        g = free_decay(structure_of(p))
        post = [np.asarray(v, dtype=float) * np.ones(before.shape)
                for v in g(np.maximum(times[None, :] - ts, 0.0), C0, *D0, *A0, *cols)]
        after = ~before
        C = np.where(after, post[0], C)
        D = np.where(after[..., None], np.stack(post[1:1 + K], axis=2), D)
        A = np.where(after[..., None], np.stack(post[1 + K:], axis=2), A)
    return C, D, A
