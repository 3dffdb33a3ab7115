"""Population incidence: endpoint expectations over log-normal random effects, M0-reweighted.

P_pop = E[e^{lw} a] / E[e^{lw} b] (incidence.terms), the expectation by tensor Gauss-Hermite
quadrature (default), by Monte Carlo over the random effects with common random numbers (when
``patients`` is given), or by exact event-level simulation of virtual patients
(``method="monte-carlo"``, metakinetics.stochastic.cohort). M_k is linear in the shedding
constant mu, so the counts are computed once per (rate, diameter) node and scaled over mu nodes.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..endpoints import AtDiagnosis, BySize, Endpoint, Landmark, endpoint_from_name
from ..errors import InputError
from ..incidence import colony_counts, diagnosis_time, resolve
from ..incidence.terms import clinical_grid, needs_integral, split, terms
from ..model import Model, load_model
from ..model.batch import check_override
from ..units import BLOOD_VOLUME_ML, CELLSEARCH_DRAW_ML, diameter_to_cells
from .effects import Scores, draws, hermite, spreads
from .result import IncidenceResult

METHODS = ("auto", "closed-form", "numeric", "monte-carlo")
_BUDGET = 3_000_000      # quadrature evaluations per chunk of patients (memory ~ 200 MB at most)


def check_method(method) -> str:
    name = getattr(method, "name", method)
    if name not in METHODS:
        raise InputError(f"unknown method '{name}' (expected one of {', '.join(METHODS)})")
    return name


def closed_form_available(model: Model) -> bool:
    """Closed-form M_k: exponential primary and deterministic exponential colonies."""
    return model.primary.growth == "exponential" and all(o.growth == "exponential" for o in model.organs)


def _closed(model: Model, method: str) -> bool:
    if method == "closed-form":
        if not closed_form_available(model):
            raise InputError(f"no closed form for model '{model.name}' (needs an exponential primary and "
                             "exponential colonies); use --method numeric")
        return True
    return method == "auto" and closed_form_available(model)


def check_times(times, *, what: str = "times", diameters: bool = False) -> np.ndarray:
    t = np.atleast_1d(np.asarray(times, dtype=float))
    if t.ndim != 1 or t.size == 0:
        raise InputError(f"{what}: expected a 1-D list of at least one value")
    if not np.all(np.isfinite(t)):
        raise InputError(f"{what}: values must be finite numbers")
    if np.any(t < 0) or (diameters and np.any(t <= 0)):
        raise InputError(f"{what}: {'diameters must be positive' if diameters else 'times must be zero or positive'},"
                         f" found {t[t <= 0 if diameters else t < 0][0]:g}")
    if np.any(np.diff(t) <= 0):
        i = int(np.argmax(np.diff(t) <= 0))
        raise InputError(f"{what}: values must be strictly increasing ({t[i]:g} then {t[i + 1]:g})")
    return t


def _endpoint(endpoint) -> Endpoint:
    if isinstance(endpoint, Endpoint):
        return endpoint
    if isinstance(endpoint, str):
        return endpoint_from_name(endpoint)
    raise InputError(f"endpoint must be an Endpoint or a name, found {type(endpoint).__name__}")


def _base_params(model: Model, params) -> dict:
    params = dict(params or {})
    for k, v in params.items():
        if np.ndim(v) > 0 and np.size(v) != 1:
            raise InputError(f"parameter '{k}': population incidence takes one value per parameter "
                             f"(found an array of shape {np.shape(v)})")
    out = {k: float(np.asarray(v).reshape(-1)[0]) for k, v in params.items()}
    for k, v in out.items():  # checked here too: mu is applied as a multiplier, outside resolve()
        check_override(k, v)
    return out


def _patients(model: Model, params: dict, sc: Scores, sd: dict):
    """Unit-mu patients (P_o) for the (rate, diameter) scores, and mu multipliers (P_o, J)."""
    vals = model.values()
    rate0 = params.get("primary.rate", vals["primary.rate"])
    if "diagnosis.size" in params:
        size0 = params["diagnosis.size"]
    elif "diagnosis.diameter_cm" in params:
        size0 = diameter_to_cells(params["diagnosis.diameter_cm"])
    else:
        size0 = model.diagnosis.size
    mu0 = params.get("shedding.mu", vals["shedding.mu"])
    d0 = np.cbrt(size0)
    size = (d0 * np.exp(sd["diameter"] * sc.diameter)) ** 3
    x0 = params.get("primary.x0", vals["primary.x0"])
    K = params.get("primary.K", vals.get("primary.K", np.inf)) if model.primary.growth != "exponential" else np.inf
    size = np.clip(size, x0 * (1 + 1e-6), K * (1 - 1e-3))       # stay between x0 and K at extreme nodes
    p = {k: v for k, v in params.items() if not k.startswith("population.")}
    p.update({"shedding.mu": 1.0, "primary.rate": rate0 * np.exp(sd["rate"] * sc.rate), "diagnosis.size": size})
    p.pop("diagnosis.diameter_cm", None)
    return resolve(model, p), mu0 * np.exp(sd["mu"] * sc.mu)


def _counts(pat, grid_u, closed: bool, rates: bool):
    """M0 (P, K), M (P, N, K), h (P, N, K) or None, chunked over patients."""
    tdx = diagnosis_time(pat)
    N = grid_u.size
    Q = 48 if any(law == "birth_death" for law in pat.colony_law) else 1
    per = max((N + 2) * Q * len(pat.organs) * 8, 1)
    chunk = max(_BUDGET // per, 1)
    out0, outM, outh = [], [], []
    for lo in range(0, pat.n, chunk):
        sub = _take(pat, slice(lo, lo + chunk))
        t = tdx[lo:lo + chunk, None] + grid_u[None, :]
        M, h = colony_counts(sub, t, closed=closed, rates=rates)
        out0.append(M[:, 0])
        outM.append(M)
        outh.append(h)
    M = np.concatenate(outM)
    return M[:, 0], M, (np.concatenate(outh) if rates else None)


def _take(pat, sl):
    from dataclasses import fields, replace
    ch = {f.name: getattr(pat, f.name)[sl] for f in fields(pat) if isinstance(getattr(pat, f.name), np.ndarray)}
    return replace(pat, **ch)


def _breaks(pat) -> list[float]:
    d = np.unique(pat.delay)
    tau = pat.detection_delay()
    b = list(d[:20])
    if np.isfinite(tau).any():
        taus = np.unique(tau[np.isfinite(tau)])
        b += [float(x + y) for x in d[:5] for y in taus[:20]]
    return b


def _evaluate(model, endpoint, times, sc: Scores, sd, params, closed: bool, mc: bool):
    """Values (T, K') and Monte Carlo SE (or None) for one endpoint over the scores."""
    pat, mu = _patients(model, params, sc, sd)
    integral = needs_integral(endpoint, pat.hazard)
    _, L = split(endpoint)
    grid = clinical_grid(times, L, integral, _breaks(pat))
    u = grid.u if not isinstance(split(endpoint)[0], AtDiagnosis) else np.zeros(1)
    M0, M, h = _counts(pat, u, closed, integral)
    Po, J = mu.shape
    K = M0.shape[1]
    M0f = (mu[:, :, None] * M0[:, None, :]).reshape(Po * J, K)
    Mf = (mu[:, :, None, None] * M[:, None]).reshape(Po * J, M.shape[1], K)
    hf = None if h is None else (mu[:, :, None, None] * h[:, None]).reshape(Po * J, h.shape[1], K)
    hz = np.repeat(pat.hazard, J)
    if isinstance(split(endpoint)[0], AtDiagnosis):
        grid = clinical_grid(np.zeros(len(times)) + np.arange(len(times)), 0.0, False)
        Mf = np.broadcast_to(M0f[:, None, :], (Po * J, grid.u.size, K))
    lw, a, b = terms(endpoint, grid, M0f, Mf, hf, hz)
    q = sc.q.reshape(-1)
    lwq = lw + np.log(np.maximum(q, 1e-300))
    w = np.exp(lwq - lwq.max())
    num = np.einsum("p,ptk->tk", w, a)
    den = np.einsum("p,ptk->tk", w, b)
    val = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    se = None
    if mc:
        n = Po * J
        wn = np.exp(lw - lw.max())[:, None, None]
        resid = wn * (a - val[None] * b)
        mb = (wn * b).mean(0)
        se = np.where(mb > 0, resid.std(0, ddof=1) / np.sqrt(n) / np.where(mb > 0, mb, 1.0), 0.0)
    return np.clip(val, 0.0, 1.0), se


def incidence(model, endpoint, times, *, individual: bool = False, method: str = "auto", nodes=None,
              patients: int | None = None, seed=None, params: Mapping | None = None) -> IncidenceResult:
    """Organ-specific incidence of ``endpoint`` at ``times`` (years after diagnosis; diameters in cm
    for by_size), for the population (default) or the typical patient (``individual=True``).

    method: "auto" (closed form where it exists, else numeric), "closed-form", "numeric"
    (quadrature of the dynamics), "monte-carlo" (exact event-level simulation of ``patients``
    virtual patients, seeded). With a deterministic method, ``patients`` switches the population
    expectation from Gauss-Hermite (``nodes`` per dimension) to seeded Monte Carlo over the random
    effects. ``params``: dotted-key overrides (scalars) applied on top of the model.
    """
    if not isinstance(model, Model):
        model = load_model(model)
    ep = _endpoint(endpoint)
    m = check_method(method)
    by_size = isinstance(ep, BySize) or (isinstance(ep, Landmark) and isinstance(ep.inner, BySize))
    split(ep)
    t = check_times(times, what="diameters (cm)" if by_size else "times", diameters=by_size)
    columns = model.organ_names if ep.per_organ else ("distant",)
    if m == "monte-carlo":
        from ..stochastic.cohort import cohort_incidence, simulate_cohort

        n = 100_000 if patients is None else patients
        if n is None or int(n) < 1:
            raise InputError(f"number of patients must be at least 1, found {n}")
        vals, ses = [], []
        for mod, tt, e in _by_size_cases(model, ep, t, params) if by_size else [(model, t, ep)]:
            mod = mod.with_values(dict(params)) if params and not by_size else mod
            coh = simulate_cohort(mod, int(n), seed=seed, individual=individual)
            r = cohort_incidence(coh, e, tt)
            vals.append(r.values)
            ses.append(r.se)
        return IncidenceResult(ep, t, columns, np.concatenate(vals), np.concatenate(ses), "monte-carlo", model.name,
                               {"patients": int(n), "seed": seed})
    closed = _closed(model, m)
    base = _base_params(model, params)
    sd = spreads(model, base)
    if individual:
        sd = {k: 0.0 for k in sd}
    if patients is not None:
        sc, mc = draws(sd, patients, seed), True
    else:
        sc, mc = hermite(sd, nodes), False
    name = "closed-form" if closed else "numeric"
    if by_size:
        vals, ses = [], []
        inner = ep.inner if isinstance(ep, Landmark) else ep
        for d in t:
            p = dict(base)
            p.pop("diagnosis.size", None)
            p["diagnosis.diameter_cm"] = float(d)
            sd_d = dict(sd, diameter=0.0)
            sc_d = sc if mc else hermite(sd_d, nodes)
            if inner.horizon <= 0:
                e, tt = AtDiagnosis(), np.zeros(1)
            else:
                from ..endpoints import Distant
                e, tt = Distant(), np.array([inner.horizon])
            if e.per_organ:  # at diagnosis: any organ = 1 - E[exp(-sum M)]
                v, s = _distant_at_diagnosis(model, sc_d, sd_d, p, closed, mc)
            else:
                v, s = _evaluate(model, e, tt, sc_d, sd_d, p, closed, mc)
            vals.append(v[0])
            ses.append(None if s is None else s[0])
        values = np.array(vals).reshape(len(t), 1)
        se = None if not mc else np.array(ses).reshape(len(t), 1)
        return IncidenceResult(ep, t, columns, values, se, name, model.name)
    values, se = _evaluate(model, ep, t, sc, sd, base, closed, mc)
    return IncidenceResult(ep, t, columns, values, se, name, model.name,
                           {"individual": bool(individual), "expectation": "monte-carlo" if mc else "gauss-hermite"})


def _by_size_cases(model, ep, t, params):
    from ..endpoints import Distant
    inner = ep.inner if isinstance(ep, Landmark) else ep
    base = dict(params or {})
    for d in t:
        mod = model.with_values({**base, "diagnosis.diameter_cm": float(d), "population.diameter_sd": 0.0})
        e = Distant() if inner.horizon > 0 else _AtDxDistant()
        yield mod, np.array([inner.horizon if inner.horizon > 0 else 0.0]), e


class _AtDxDistant(AtDiagnosis):
    """Any organ at diagnosis (internal: by_size with horizon 0)."""

    per_organ = False


def _distant_at_diagnosis(model, sc, sd, params, closed, mc):
    pat, mu = _patients(model, params, sc, sd)
    M0, _, _ = _counts(pat, np.zeros(1), closed, False)
    tot = (mu * M0.sum(1)[:, None]).reshape(-1)
    a = -np.expm1(-tot)
    q = sc.q.reshape(-1)
    v = float((q * a).sum() / q.sum())
    se = float(a.std(ddof=1) / np.sqrt(a.size)) if mc and a.size > 1 else (0.0 if mc else None)
    return np.array([[v]]), None if se is None else np.array([[se]])


def ctc_positivity(model, *, draw_ml: float = CELLSEARCH_DRAW_ML, individual: bool = False, at: float = 0.0,
                   m0: bool = True, nodes=None, patients: int | None = None, seed=None,
                   params: Mapping | None = None) -> float:
    """P(>= 1 CTC in a ``draw_ml`` blood draw) at ``at`` years after diagnosis (before surgery):
    1 - exp(-C(t) draw_ml / 5000 mL) per patient, averaged over the (M0-selected when ``m0``) population."""
    if not isinstance(model, Model):
        model = load_model(model)
    if not (draw_ml > 0 and np.isfinite(draw_ml)):
        raise InputError(f"draw volume must be a positive number of mL, found {draw_ml}")
    base = _base_params(model, params)
    sd = spreads(model, base)
    if individual:
        sd = {k: 0.0 for k in sd}
    sc = draws(sd, patients, seed) if patients is not None else hermite(sd, nodes)
    pat, mu = _patients(model, base, sc, sd)
    c = mean_ctc(pat, at)                                     # (P_o,) at unit mu
    M0, _, _ = _counts(pat, np.zeros(1), closed_form_available(model), False)
    lam = (mu * c[:, None]).reshape(-1) * draw_ml / BLOOD_VOLUME_ML
    lw = -(mu * M0.sum(1)[:, None]).reshape(-1) if m0 else np.zeros(lam.size)
    lwq = lw + np.log(np.maximum(sc.q.reshape(-1), 1e-300))
    w = np.exp(lwq - lwq.max())
    return float(np.clip((w * -np.expm1(-lam)).sum() / w.sum(), 0.0, 1.0))


def mean_ctc(pat, at: float = 0.0) -> np.ndarray:
    """Expected circulating tumour cells C(t) in the whole blood at ``at`` years after diagnosis (P,)."""
    from ..incidence.forcing import _Moments, surgery_time
    t_s = surgery_time(pat)
    t = diagnosis_time(pat) + at
    mom = _Moments(pat, t_s, closed=pat.law == "exponential")
    tt = np.minimum(t, t_s)[:, None, None] * np.ones((1, 1, len(pat.organs)))
    _, _, C = mom.at(tt)
    C = C[:, 0, 0]
    return np.where(t > t_s, C * np.exp(-pat.kappa * np.maximum(t - t_s, 0.0)), C)
