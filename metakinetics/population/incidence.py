"""Population incidence, the public entry points: one model, D parameter sets, by_size curves.

Every deterministic path goes through :func:`metakinetics.population.engine.evaluate`; the
event-level Monte Carlo path (``method="monte-carlo"``) simulates virtual patients
(:mod:`metakinetics.stochastic.cohort`) and reads the same endpoint from them.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..endpoints import (AtDiagnosis, BySize, Distant, DistantAtDiagnosis, Endpoint, Lag, Landmark, MultiOrgan, NodalShare,
                         OrgansPerRelapse, SiteShare)
from ..errors import InputError, SolverError
from ..model import Model, load_model
from ..model.colony_shedding import check_generations
from ..model.params import broadcast
from ..seeds import check_seed
from .checks import as_endpoint, check_method, check_times, use_closed_form
from .case_mix import combine_nodal, denominator, resolve_case_mix
from .engine import Expectation, evaluate
from .result import IncidenceResult

#: largest number of virtual patients an event-level Monte Carlo call takes (memory and time
#: grow linearly: ~1e6 patients take seconds); beyond it use the quadrature
MAX_MC_PATIENTS = 100_000_000


@dataclass(frozen=True)
class IncidenceBatch:
    """values[d, i, j]: probability for parameter set d at times[i] (years after diagnosis) for
    columns[j] (organ names, or ('distant',)); se likewise for Monte Carlo expectations."""

    endpoint: Endpoint
    times: np.ndarray
    columns: tuple[str, ...]
    values: np.ndarray
    method: str
    model: str
    info: dict = field(default_factory=dict, compare=False)
    se: np.ndarray | None = None

    def __len__(self) -> int:
        return self.values.shape[0]

    def result(self, d: int) -> IncidenceResult:
        """Parameter set ``d`` as an :class:`IncidenceResult` (what ``incidence`` returns).

        Parameters
        ----------
        d : int
            Index of the parameter set.

        Returns
        -------
        IncidenceResult
        """
        return IncidenceResult(self.endpoint, self.times, self.columns, self.values[d],
                               None if self.se is None else self.se[d], self.method, self.model, dict(self.info))


def _model(model) -> Model:
    return model if isinstance(model, Model) else load_model(model)


def _patients_count(patients) -> int | None:
    if patients is None:
        return None
    if isinstance(patients, bool) or not isinstance(patients, (int, float, np.integer, np.floating)) \
            or not np.isfinite(patients) or patients != int(patients) or patients < 1:
        raise InputError(f"number of patients must be at least 1 (a whole number), found {patients!r}")
    if patients > MAX_MC_PATIENTS:
        raise InputError(f"{int(patients):.3g} patients is beyond the budget of {MAX_MC_PATIENTS:.0e} "
                         "(memory and time grow linearly); use the quadrature (no patients=)")
    return int(patients)


def _columns(model: Model, ep: Endpoint) -> tuple[str, ...]:
    if isinstance(ep, NodalShare):
        return ("nodes",)
    return model.organ_names if ep.per_organ else ("distant",)


def check_defined(ep: Endpoint, t: np.ndarray) -> None:
    """Refuse times at which ``ep`` is undefined.

    A landmark endpoint counts what happens after the landmark: times before it are refused.
    site_share is a share among patients with a distant metastasis: undefined until one can have
    occurred, i.e. at times <= the landmark (0 without one). at_diagnosis (and
    distant_at_diagnosis) is the prevalence at diagnosis: it has no time axis, so a time other than
    0 (a question about later years, which any/first/distant answer) is refused, not ignored.

    Parameters
    ----------
    ep : Endpoint
        The endpoint (possibly a Landmark around another one).
    t : numpy.ndarray
        Years after diagnosis.

    Raises
    ------
    InputError
        Naming the first time that is not allowed.
    """
    inner, at = (ep.inner, ep.at) if isinstance(ep, Landmark) else (ep, 0.0)
    if isinstance(inner, Lag):                       # its times are lags after the first metastasis
        if inner.horizon <= at:
            raise InputError(f"lag: the horizon ({inner.horizon:g} years) must come after the landmark ({at:g})")
        return
    if isinstance(inner, AtDiagnosis) and np.any(t != 0):
        raise InputError(f"times: {inner.name} is the prevalence at diagnosis and has no time axis; found "
                         f"the time {t[t != 0][0]:g}: give 0 (for later years use any, first or distant)")
    if isinstance(inner, NodalShare) and np.any(t != 0):
        raise InputError(f"times: nodal_share is the share of M0 patients in a nodal class at surgery and has no "
                         f"time axis; found the time {t[t != 0][0]:g}: give 0")
    if np.any(t < at):
        raise InputError(f"times: the landmark endpoint counts events after {at:g} years; found the time "
                         f"{t[t < at][0]:g} before it")
    if isinstance(inner, (SiteShare, OrgansPerRelapse, MultiOrgan)) and np.any(t <= at):
        raise InputError(f"times: {inner.name} is undefined at {t[t <= at][0]:g} years (no distant metastasis "
                         f"can have been detected by then); give times after {at:g}")


def _finite(values: np.ndarray, ep: Endpoint, times: np.ndarray) -> np.ndarray:
    """Values, or a clear error where a ratio endpoint is undefined or a value is not a number."""
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.argwhere(bad)[0][-2])
        inner = ep.inner if isinstance(ep, Landmark) else ep
        if isinstance(inner, (SiteShare, OrgansPerRelapse, MultiOrgan, Lag)):
            what = "lag" if isinstance(inner, Lag) else "time"
            raise InputError(f"{inner.name} is undefined at {what} {times[i]:g}: no patient is in its "
                             "denominator (no distant metastasis by then, or none reaching the organ)")
        raise SolverError(f"{ep.name}: the computation gave a non-finite value at time {times[i]:g} "
                          "(overflow of the expected colony counts); check the parameters' magnitudes")
    return values


def incidence_batch(model, endpoint, times, params: Mapping | None = None, *, individual: bool = False,
                    method: str = "auto", nodes=None, patients: int | None = None, seed=None,
                    generations: int | None = 2) -> IncidenceBatch:
    """Incidence of ``endpoint`` at ``times`` (years after diagnosis) for D parameter sets.

    Parameters
    ----------
    model : Model, bundled name or path
    endpoint : Endpoint or name (not by_size: use :func:`incidence`)
    times : array of years after diagnosis, strictly increasing
    params : mapping of dotted keys of ``model.values()`` (model units) to numbers or (D,) arrays,
        applied on top of the model, including the spreads ``population.*_sd``
    individual : the typical patient of each set (no random effects)
    method : "auto", "closed-form" or "numeric" (how M_k is computed)
    nodes : Gauss-Hermite nodes per dimension (int or {dimension: count})
    patients, seed : Monte Carlo expectation over ``patients`` seeded random-effect draws instead
        of quadrature (the same draws for every set: common random numbers)
    generations : with metastasis-to-metastasis seeding, the generations of colonies followed
        (1: colonies do not shed; 2, the default: the primary's colonies shed, their daughters do
        not; None: every generation)

    Returns
    -------
    IncidenceBatch
        values (D, T, K'), equal to D calls of :func:`incidence` with one row of ``params`` each.
    """
    model = _model(model)
    ep = as_endpoint(endpoint)
    m = check_method(method)
    if m == "monte-carlo":
        raise InputError("incidence_batch: method 'monte-carlo' simulates each parameter set separately; "
                         "use population.incidence per parameter set")
    if isinstance(ep, BySize) or (isinstance(ep, Landmark) and isinstance(ep.inner, BySize)):
        raise InputError("incidence_batch: by_size endpoints are not batched; use population.incidence")
    t = check_times(times)
    check_defined(ep, t)
    closed = use_closed_form(model, m)
    check_seed(seed)
    how = Expectation(nodes, _patients_count(patients), seed, individual, check_generations(generations))
    ev = evaluate(model, ep, t, params, how, closed)
    values = _finite(ev.values, ep, t)
    return IncidenceBatch(ep, t, _columns(model, ep), values, "closed-form" if closed else "numeric", model.name,
                          {"individual": bool(individual), "draws": values.shape[0],
                           "expectation": "monte-carlo" if how.monte_carlo else "gauss-hermite"}, ev.se)


def incidence(model, endpoint, times, *, individual: bool = False, method: str = "auto", nodes=None,
              patients: int | None = None, seed=None, params: Mapping | None = None,
              by_class: bool = False, generations: int | None = 2, case_mix=None) -> IncidenceResult:
    """Organ-specific incidence of ``endpoint`` at ``times`` for the population or one patient.

    Parameters
    ----------
    model : Model, bundled name or path
    endpoint : Endpoint or name (any, first, distant, at_diagnosis, distant_at_diagnosis,
        site_share, by_size)
    times : years after diagnosis; for by_size, diameters at diagnosis (cm)
    individual : the typical patient (no random effects)
    method : "auto" (closed form where it exists, else numeric), "closed-form", "numeric"
        (quadrature of the dynamics) or "monte-carlo" (exact event-level simulation of
        ``patients`` virtual patients, seeded)
    nodes : Gauss-Hermite nodes per dimension
    patients, seed : with a deterministic method, Monte Carlo over ``patients`` seeded
        random-effect draws instead of Gauss-Hermite; with "monte-carlo", the virtual cohort size
    params : dotted-key overrides (numbers, model units) applied on top of the model
    by_class : also each intrinsic class's own values (``result.by_class``; the model must have
        classes); the values are always the pooled mixture over the classes
    generations : with metastasis-to-metastasis seeding, the generations of colonies followed
        by the formulas and by the simulator alike (1: colonies do not shed; 2, the default: the
        primary's colonies shed, their daughters do not; None: every generation)
    case_mix : the cohort the prediction is for (docs/model.md, "Case mix"): a CaseMix, a case-mix
        TOML file, or a data set whose metadata states its cohort; its values and class shares
        apply to the model and its nodal shares weight the nodal classes. The result names it
        (``info["cohort"]``; without one: the model's own population).

    Returns
    -------
    IncidenceResult
        values (T, K'), standard errors for Monte Carlo.
    """
    model = _model(model)
    mix = resolve_case_mix(case_mix)
    if mix is not None:
        over = mix.overrides(model)
        model = model.with_values(over) if over else model
    res = _incidence(model, endpoint, times, individual=individual, method=method, nodes=nodes, patients=patients,
                     seed=seed, params=params, by_class=by_class, generations=generations, mix=mix)
    res.info["cohort"] = mix.describe() if mix is not None else f"{model.name}: the model file's own population"
    return res


def _incidence(model, endpoint, times, *, individual, method, nodes, patients, seed, params, by_class, generations,
               mix) -> IncidenceResult:
    ep = as_endpoint(endpoint)
    m = check_method(method)
    by_size = isinstance(ep, BySize)
    if isinstance(ep, Landmark) and isinstance(ep.inner, BySize):
        raise InputError("a landmark version of 'by_size' is not defined (use any, first, distant or site_share)")
    t = check_times(times, what="diameters (cm)" if by_size else "times", diameters=by_size)
    check_defined(ep, t)
    params = _scalars(model, params)
    n = _patients_count(patients)
    check_seed(seed)
    generations = check_generations(generations)
    if by_class and not model.classes:
        raise InputError(f"by_class: model '{model.name}' has no classes (declare [classes.NAME] tables)")
    if by_class and by_size:
        raise InputError("by_class: by_size curves are not split by class; use any, first, distant or site_share")
    if mix is not None and mix.nodes:
        return _nodal_mix(model, ep, t, params, mix, m, nodes, n, seed, individual, by_class, generations)
    if by_size:
        return _by_size(model, ep, t, params, individual=individual, method=m, nodes=nodes, patients=n, seed=seed,
                        generations=generations)
    if m == "monte-carlo":
        return _monte_carlo(model, ep, t, params, n, seed, individual, by_class, generations)
    closed = use_closed_form(model, m)
    how = Expectation(nodes, n, seed, individual, generations)
    ev = evaluate(model, ep, t, params, how, closed, by_class)
    values = _finite(ev.values[0], ep, t)
    method_name = "closed-form" if closed else "numeric"
    info = {"individual": bool(individual), "expectation": "monte-carlo" if how.monte_carlo else "gauss-hermite"}
    if _colony_seeding(model, params):
        info["generations"] = "all" if generations is None else generations
    per = {c: IncidenceResult(ep, t, _columns(model, ep), _finite(ev.by_class[0, i], ep, t),
                              None if ev.by_class_se is None else ev.by_class_se[0, i], method_name, model.name,
                              dict(info))
           for i, c in enumerate(model.class_names)} if by_class else None
    return IncidenceResult(ep, t, _columns(model, ep), values, None if ev.se is None else ev.se[0],
                           method_name, model.name, info, per)


def _colony_seeding(model: Model, params) -> bool:
    """Whether some organ's colonies shed (metastasis-to-metastasis seeding) with these overrides."""
    vals = {**model.values(), **dict(params or {})}
    return any(np.any(np.asarray(v) > 0) for k, v in vals.items() if k.endswith(".secondary_shedding"))


def _scalars(model: Model, params: Mapping | None) -> dict:
    """Overrides of a single-model call: one number per key (checked by the resolver)."""
    params = dict(params or {})
    for k, v in params.items():
        if np.ndim(v) > 0 and np.size(v) != 1:
            raise InputError(f"parameter '{k}': population incidence takes one value per parameter "
                             f"(found an array of shape {np.shape(v)}); use incidence_batch for several sets")
    broadcast(model, params)
    return {k: float(np.asarray(v, dtype=float).reshape(-1)[0]) for k, v in params.items()}


def by_size_sets(ep: BySize, diameters: np.ndarray, params: Mapping) -> tuple[Endpoint, np.ndarray, dict]:
    """by_size as D parameter sets: one diameter each (no diameter spread).

    Parameters
    ----------
    ep : BySize
        The endpoint; its ``horizon`` (years) chooses what is counted.
    diameters : numpy.ndarray
        Diameters at diagnosis (cm), one parameter set each.
    params : mapping
        Other dotted-key overrides (their own size keys are replaced by the diameters).

    Returns
    -------
    endpoint : Endpoint
        ``Distant`` when the horizon is positive, else ``DistantAtDiagnosis``.
    times : numpy.ndarray
        The one clinical time every set is evaluated at (the horizon, or 0).
    params : dict
        The overrides with ``diagnosis.diameter_cm`` set to ``diameters`` and
        ``population.diameter_sd`` to 0.
    """
    sets = {k: v for k, v in params.items() if k not in ("diagnosis.size", "diagnosis.diameter_cm")}
    sets.update({"diagnosis.diameter_cm": np.asarray(diameters, dtype=float), "population.diameter_sd": 0.0})
    if ep.horizon > 0:
        return Distant(), np.array([ep.horizon]), sets
    return DistantAtDiagnosis(), np.zeros(1), sets


def _by_size(model, ep: BySize, d: np.ndarray, params, *, individual, method, nodes, patients, seed, generations):
    inner, tt, sets = by_size_sets(ep, d, params)
    if method == "monte-carlo":
        parts = [_monte_carlo(model, inner, tt, {k: (float(v[i]) if np.ndim(v) else v) for k, v in sets.items()},
                              patients, seed, individual, generations=generations) for i in range(d.size)]
        values = np.concatenate([p.values for p in parts])
        se = np.concatenate([p.se for p in parts])
        return IncidenceResult(ep, d, ("distant",), values, se, "monte-carlo", model.name,
                               {"patients": parts[0].info["patients"], "seed": seed})
    closed = use_closed_form(model, method)
    how = Expectation(nodes, patients, seed, individual, generations)
    ev = evaluate(model, inner, tt, sets, how, closed)
    values = _finite(ev.values[:, 0, :], inner, tt.repeat(d.size))
    return IncidenceResult(ep, d, ("distant",), values, None if ev.se is None else ev.se[:, 0, :],
                           "closed-form" if closed else "numeric", model.name,
                           {"individual": bool(individual), "horizon": ep.horizon})


def _monte_carlo(model: Model, ep: Endpoint, t: np.ndarray, params: Mapping, patients, seed, individual,
                 by_class: bool = False, generations: int | None = 2):
    from ..stochastic.cohort import cohort_incidence, simulate_cohort

    n = 100_000 if patients is None else patients
    mod = model.with_values(dict(params)) if params else model
    coh = simulate_cohort(mod, n, seed=seed, individual=individual, horizon=float(t[-1]) if t[-1] > 0 else None,
                          generations=generations)
    r = cohort_incidence(coh, ep, t)

    seeding = {"generations": "all" if generations is None else generations} if _colony_seeding(model, params) else {}

    def result(r, patients: int, per=None) -> IncidenceResult:
        return IncidenceResult(ep, t, _columns(model, ep), r.values, r.se, "monte-carlo", model.name,
                               {"patients": patients, "seed": seed, **seeding}, per)

    by = {c: cohort_incidence(coh.of_class(c), ep, t) for c in model.class_names} if by_class else {}
    per = {c: result(rc, int(rc.n.max(initial=0))) for c, rc in by.items()} if by_class else None
    return result(r, n, per)


def _nodal_mix(model: Model, ep: Endpoint, t: np.ndarray, params: Mapping, mix, method: str, nodes, patients,
               seed, individual, by_class, generations) -> IncidenceResult:
    """``ep`` for a cohort with the nodal shares of ``mix``: sum_c pi_c P_c over its nodal classes
    (every endpoint conditions on M0 patients, and pi_c are the cohort's shares), ratio endpoints
    as sum_c pi_c P_c D_c / sum_c pi_c D_c with D_c the class's distant incidence. Monte Carlo: one
    simulated cohort, each class its patients; SE from the classes' (independent) SEs, the
    denominators taken as known for the ratio endpoints."""
    inner = ep.inner if isinstance(ep, Landmark) else ep
    if isinstance(inner, (Lag, NodalShare, BySize)) or by_class:
        what = "by_class" if by_class else f"'{inner.name}'"
        raise InputError(f"case mix '{mix.name}': a nodal mix weights the nodal classes' incidence; {what} is not "
                         "combined that way (give the nodal class itself: nodes.min/nodes.max, --nodal-class)")
    classes = mix.nodal_classes()
    pi = np.array([c[3] for c in classes])
    dist = denominator(ep)
    ratio = dist is not None
    if method == "monte-carlo":
        return _nodal_mix_mc(model, ep, dist, t, params, classes, pi, patients, seed, individual, generations)
    if ratio and patients is not None:
        raise InputError(f"case mix '{mix.name}': '{inner.name}' with a nodal mix is computed by quadrature or by "
                         "method 'monte-carlo', not with a Monte Carlo expectation over the random effects")
    sets = {**{k: np.full(pi.size, v) for k, v in params.items()},
            "nodes.min": np.array([float(c[1]) for c in classes]), "nodes.max": np.array([float(c[2]) for c in classes])}
    closed = use_closed_form(model, method)
    how = Expectation(nodes, patients, seed, individual, generations)
    ev = evaluate(model, ep, t, sets, how, closed)
    vals = _finite(ev.values, ep, t)                                        # (C, T, K')
    if ratio:
        values = combine_nodal(pi, vals, _finite(evaluate(model, dist, t, sets, how, closed).values, dist, t))
        se = None
    else:
        values = combine_nodal(pi, vals)
        se = None if ev.se is None else np.sqrt(combine_nodal(pi ** 2, ev.se ** 2))
    info = {"individual": bool(individual), "expectation": "monte-carlo" if how.monte_carlo else "gauss-hermite",
            "nodal_mix": {c[0]: float(c[3]) for c in classes}}
    return IncidenceResult(ep, t, _columns(model, ep), values, se, "closed-form" if closed else "numeric",
                           model.name, info)


def _nodal_mix_mc(model, ep, dist, t, params, classes, pi, patients, seed, individual, generations):
    """The nodal mix from one simulated cohort: each class its own patients (see _nodal_mix)."""
    from dataclasses import replace

    from ..nodal_classes import OPEN
    from ..stochastic.cohort import cohort_incidence, simulate_cohort

    n = 100_000 if patients is None else patients
    mod = model.with_values(dict(params)) if params else model
    coh = simulate_cohort(mod, n, seed=seed, individual=individual, horizon=float(t[-1]) if t[-1] > 0 else None,
                          generations=generations)
    counts = coh.nodes
    if counts is None:            # no nodal spread (nodes.ratio = 0): every patient is N0, as the formulas say
        if any(lo > 0 for _, lo, _, _ in classes):
            raise InputError(f"model '{model.name}' has no nodal spread (nodes.ratio = 0): every patient is N0, so "
                             "the node-positive classes of this nodal mix hold no patient (set nodes.ratio)")
        counts = np.zeros(coh.m0.shape, dtype=int)
    parts, dens = [], []
    for _, lo, hi, _ in classes:
        sub = replace(coh, selected=(counts >= lo) & ((counts <= hi) | (hi >= OPEN)))
        parts.append(cohort_incidence(sub, ep, t))
        if dist is not None:
            dens.append(cohort_incidence(sub, dist, t).values)
    v = np.stack([p.values for p in parts])
    s = np.stack([p.se for p in parts])
    if dist is not None:
        d = np.stack(dens)
        den = combine_nodal(pi, d)
        values = combine_nodal(pi, v, d)
        se = np.where(den > 0, np.sqrt(combine_nodal(pi ** 2, (s * d) ** 2)) / np.where(den > 0, den, 1.0), 0.0)
    else:
        values = combine_nodal(pi, v)
        se = np.sqrt(combine_nodal(pi ** 2, s ** 2))
    return IncidenceResult(ep, t, _columns(model, ep), values, se, "monte-carlo", model.name,
                           {"patients": n, "seed": seed})
