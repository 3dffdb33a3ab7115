"""CTC positivity: P(>= 1 circulating tumour cell in a blood draw) over the population."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import InputError
from ..incidence import circulating, diagnosis_counts
from ..incidence.nodes import nodal_log_weight
from ..model import Model, load_model
from ..model.params import PatientParams, broadcast, prevalences, resolve
from ..units import BLOOD_VOLUME_ML, CELLSEARCH_DRAW_ML
from .checks import closed_form_available
from .engine import Expectation, node_patients, spreads
from .effects import DIMENSIONS


def ctc_positivity(model, *, draw_ml: float = CELLSEARCH_DRAW_ML, individual: bool = False, at: float = 0.0,
                   m0: bool = True, nodes=None, patients: int | None = None, seed=None,
                   params: Mapping | None = None) -> float:
    """P(>= 1 CTC in a ``draw_ml`` mL blood draw) at ``at`` years after diagnosis: per patient
    1 - exp(-C(t) draw_ml / 5000 mL), averaged over the (M0-selected when ``m0``) population of
    the model's nodal class (``nodes.min``..``nodes.max``; every patient by default); for a model
    with intrinsic classes, the mixture over them (each class's patients with its own values)."""
    if not isinstance(model, Model):
        model = load_model(model)
    if not (isinstance(draw_ml, (int, float)) and np.isfinite(draw_ml) and draw_ml > 0):
        raise InputError(f"draw volume must be a positive number of mL, found {draw_ml}")
    if not (isinstance(at, (int, float)) and np.isfinite(at) and at >= 0):
        raise InputError(f"at must be a finite number of years >= 0 after diagnosis, found {at}")
    D, given = broadcast(model, params)
    if D != 1:
        raise InputError("ctc_positivity takes one value per parameter")
    how = Expectation(nodes, patients, seed, individual)
    closed = closed_form_available(model)
    if not model.classes:
        num, den, _ = _sums(model, resolve(model, params), given, how, individual, draw_ml, at, m0, closed)
        return float(np.clip(num / den, 0.0, 1.0))
    # intrinsic classes: the mixture of the classes' sums (numerators over denominators, like incidence)
    pi = prevalences(model, params)[0]
    parts = [(p, _sums(model, resolve(model, params, classes=np.array([c])), given, how, individual, draw_ml, at, m0,
                       closed, c)) for c, p in enumerate(pi) if p > 0]
    top = max(t for _, (_, _, t) in parts)
    num = sum(p * n * np.exp(t - top) for p, (n, _, t) in parts)
    den = sum(p * d * np.exp(t - top) for p, (_, d, t) in parts)
    return float(np.clip(num / den, 0.0, 1.0))


def _sums(model: Model, base: PatientParams, given, how: Expectation, individual: bool, draw_ml: float, at: float,
          m0: bool, closed: bool, klass: int | None = None) -> tuple[float, float, float]:
    """(sum w P(CTC+), sum w, log scale) over one parameter set's patients (a class's, with
    ``klass``): weights e^{lw - top}, lw the M0 and nodal selection."""
    cls = None if klass is None else np.array([klass])
    sd = spreads(model, 1, given, individual, cls)
    sc = how.scores({k: bool(sd[k][0] > 0) for k in DIMENSIONS}, 0 if klass is None else klass)   # engine streams
    pat, mu = node_patients(base, np.zeros(1, dtype=np.intp), sc, sd)
    c = mean_ctc(pat, at)                                     # (P_o,) at unit mu
    M0 = diagnosis_counts(pat, closed=closed)
    lam = (mu * c[:, None]).reshape(-1) * draw_ml / BLOOD_VOLUME_ML
    lw = -(mu * M0.sum(1)[:, None]).reshape(-1) if m0 else np.zeros(lam.size)
    lw = lw + nodal_log_weight(pat, mu, np.full(pat.n, base.mu[0]), closed=closed).reshape(-1)
    lwq = lw + np.log(np.maximum(sc.q.reshape(-1), 1e-300))
    top = float(lwq.max())
    w = np.exp(lwq - top)
    return float((w * -np.expm1(-lam)).sum()), float(w.sum()), top


def mean_ctc(pat: PatientParams, at: float = 0.0) -> np.ndarray:
    """Expected circulating tumour cells C(t) in the whole blood at ``at`` years after diagnosis (P,)."""
    return circulating(pat, pat.diagnosis_time() + at)
