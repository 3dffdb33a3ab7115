"""One patient's organ-specific risk, with what-ifs: the posterior predictive of the population engine.

Why the engine's value *is* the patient's posterior. Every population endpoint is
E[w a] / E[w b] over the random effects theta (log shedding mu, log growth rate, log diameter),
with w = P(M0 at diagnosis | theta) x P(nodal count in her class | theta) (docs/model.md, "A
population", "Nodes"). For a patient observed at diameter d (the diameter's spread set to 0: it
is an independent random effect, so fixing it is conditioning on it), with n involved nodes
(``nodes.min = nodes.max = n``), no metastasis at diagnosis, and subtype c (the class prior
restricted to her subtypes), w(theta) is the likelihood of what was observed and the prior is the
population's; E[w a] / E[w] is therefore E[a | observations], Bayes' rule with the likelihood as
weight. Her shedding and growth are reweighted: a patient M0 at 2.1 cm with two nodes is less
likely to be a very high shedder (M0) and more likely to shed than an N0 patient (nodes), and an
unknown subtype's class probabilities are updated by the same weights (the class mixture).
Treatment after surgery (endocrine years) changes a, never w. A patient with no covariates is the
model's own population exactly.

Bands: the fit's parameter uncertainty, as seeded draws from its covariance (``scenarios.draw_parameters``),
each draw run through the same engine. The spread between patients who look alike (the posterior of
her random effects) is separate: :mod:`metakinetics.patient.spread`.

What-ifs are the scenarios of :mod:`metakinetics.scenarios` applied on top of her values. A scenario
that only changes what happens after surgery (adjuvant kill, organ kill, endocrine therapy,
mortality) leaves her weights and so her posterior unchanged: the same patient, treated otherwise.
One that changes the dynamics before surgery (earlier diagnosis, surgery delay, shedding, wake,
efficiency) re-weights her observations in the scenario's world: the output says so
(``Prediction.notes``).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..endpoints import Distant, Endpoint, First
from ..endpoints import Any as AnyOrgan
from ..errors import InputError
from ..scenarios import Baseline, as_scenario, draw_parameters, percentile_bands, resolve_source, sweep
from ..scenarios.uncertainty import ParameterDraws
from ..timegrid import check_times
from .result import Prediction
from .spec import Patient, covariate_values

#: the endpoints predicted, by name: organ cumulative incidence, first sites, any distant metastasis
ENDPOINTS: dict[str, Endpoint] = {"any": AnyOrgan(), "first": First(), "distant": Distant()}
#: Gauss-Hermite nodes per random effect for a model (a fit: the fit's own). Against the engine's default
#: 48/12/12 the four test patients of docs/predict.md move by at most 3e-4 (absolute probability).
PREDICT_NODES = {"mu": 32, "rate": 8, "diameter": 8}
#: with a diameter grid, the spread (smooth in the diameter, and 200x dearer per row) takes at most this many nodes
SPREAD_GRID = 6
#: model keys a scenario may change and still leave the observations' weights alone (act after surgery)
AFTER_SURGERY = ("treatment.kill_dormant", "treatment.kill_colony", "treatment.endocrine_years",
                 "treatment.endocrine_wake", "treatment.endocrine_death", "mortality.hazard",
                 "mortality.after_relapse", ".kill_dormant", ".workup")


def acts_after_surgery(scenario, model) -> bool:
    """Whether ``scenario`` changes only values that act after surgery (so a patient's posterior,
    conditioned at diagnosis and surgery, is the same under it).

    Parameters
    ----------
    scenario : Scenario
        The what-if.
    model : Model
        The model it is applied to.

    Returns
    -------
    bool
    """
    before = model.values()
    after = scenario.transform(dict(before))
    changed = [k for k, v in after.items() if k not in before or np.any(np.asarray(v) != before[k])]
    return all(k.split(".", 2)[-1] in AFTER_SURGERY or k in AFTER_SURGERY or k.endswith(AFTER_SURGERY)
               for k in changed)


def _patients(patients) -> tuple[Patient, ...]:
    if isinstance(patients, Patient):
        return (patients,)
    if isinstance(patients, (str, bytes)) or not isinstance(patients, Sequence) or not patients:
        raise InputError("patients: give a Patient or a non-empty sequence of Patients")
    for i, p in enumerate(patients):
        if not isinstance(p, Patient):
            raise InputError(f"patients[{i}]: expected a Patient, found {type(p).__name__}")
    return tuple(patients)


def _class_groups(model, plan: "_Plan") -> list[np.ndarray]:
    """Row indices grouped by their class prevalences: a batch in which some set has a class evaluates
    that class for every set, so patients of different subtypes are evaluated apart."""
    cols = [j for j, k in enumerate(plan.keys) if k.startswith("classes.") and k.endswith(".prevalence")]
    if not cols or not model.classes:
        return [np.arange(plan.rows.shape[0])]
    keys = plan.rows[:, cols] > 0
    return [np.flatnonzero(np.all(keys == k, axis=1)) for k in np.unique(keys, axis=0)]


def diameter_nodes(diameters: np.ndarray, grid: int) -> np.ndarray:
    """``grid`` log-spaced diameters (cm) spanning ``diameters`` (the interpolation nodes).

    Parameters
    ----------
    diameters : numpy.ndarray
        The observed diameters (cm).
    grid : int
        Number of nodes (at least 4: the interpolation is cubic).

    Returns
    -------
    numpy.ndarray
    """
    lo, hi = float(diameters.min()), float(diameters.max())
    if hi <= lo * (1 + 1e-9):
        return np.array([lo])
    return np.geomspace(lo, hi, grid)


@dataclass(frozen=True)
class _Plan:
    """The distinct evaluations (rows) behind the patients: keys, values (U, q), and how each patient
    is read back (its row, or interpolation rows and log-diameter)."""

    keys: tuple[str, ...]
    rows: np.ndarray
    row_of: np.ndarray                     # (P,) row of each exact patient, -1 for interpolated ones
    interp: dict = field(default_factory=dict)   # rest-pattern -> (row indices on the grid, grid diameters)
    via: tuple = ()                        # (P,) rest-pattern key of an interpolated patient, or None


def _plan(model, values: list[dict], grid: int | None) -> _Plan:
    """Group patients by their covariate values; with ``grid``, the diameter of every pattern that
    observes one is replaced by log-spaced nodes, and the patient is read by cubic interpolation."""
    keys = sorted({k for v in values for k in v}) or ["diagnosis.surgery_delay"]
    base = model.values()
    diam = "diagnosis.diameter_cm"

    def full(v: dict) -> tuple:
        return tuple(float(v.get(k, base[k])) for k in keys)

    index: dict[tuple, int] = {}
    row_of = np.full(len(values), -1)
    via: list = [None] * len(values)
    interp: dict = {}
    ds = np.array([v[diam] for v in values if diam in v])
    nodes_d = diameter_nodes(ds, grid) if grid and ds.size else None
    for i, v in enumerate(values):
        if nodes_d is not None and diam in v and nodes_d.size > 1:
            rest = full({**v, diam: -1.0})             # the pattern without its diameter (-1: no diameter)
            if rest not in interp:
                idx = []
                for d in nodes_d:
                    key = full({**v, diam: d})
                    idx.append(index.setdefault(key, len(index)))
                interp[rest] = (np.array(idx), nodes_d)
            via[i] = rest
            continue
        row_of[i] = index.setdefault(full(v), len(index))
    rows = np.array(list(index), dtype=float).reshape(len(index), len(keys))
    return _Plan(tuple(keys), rows, row_of, interp, tuple(via))


def _read(plan: _Plan, per_row: np.ndarray, diameters: Sequence[float | None]) -> np.ndarray:
    """Per-patient values (P, ...) from per-row values (U, ...): exact rows, or monotone cubic
    interpolation in log diameter between the grid's rows."""
    from scipy.interpolate import PchipInterpolator

    out = np.empty((len(plan.row_of),) + per_row.shape[1:])
    exact = plan.row_of >= 0
    out[exact] = per_row[plan.row_of[exact]]
    groups: dict = {}
    for i, rest in enumerate(plan.via):
        if rest is not None:
            groups.setdefault(rest, []).append(i)
    for rest, members in groups.items():
        idx, nodes_d = plan.interp[rest]
        f = PchipInterpolator(np.log(nodes_d), per_row[idx], axis=0)
        out[members] = f(np.log(np.array([diameters[i] for i in members], dtype=float)))
    return out


def predict(fit, patients, *, scenarios: Sequence = (), times=(5.0, 10.0, 20.0), draws: int = 0,
            seed: int | None = None, level: float = 0.95, nodes=None, spread: bool = True, group: str | None = None,
            diameter_grid: int | None = None, workers: int | None = None,
            progress: Callable[[int, int], None] | None = None) -> Prediction:
    """Organ-specific risks of one or more patients, under the baseline and each what-if scenario.

    Parameters
    ----------
    fit : str, os.PathLike, Model, FitSummary or FitResult
        A fit directory (``result.json``: estimates and covariance, so bands are possible), or a
        model (bundled name, file or Model: no parameter uncertainty, so no bands).
    patients : Patient or sequence of Patient
        The observed covariates (:class:`metakinetics.patient.Patient`).
    scenarios : sequence of Scenario or str
        What-ifs in the scenario grammar (e.g. "adjuvant:kill_dormant=0.5"), applied on top of each
        patient's values; the baseline is added first.
    times : sequence of float
        Years after diagnosis (increasing, >= 0).
    draws : int
        Parameter sets drawn from the fit's covariance for the bands (0: none; needs a fit).
    seed : int, optional
        Seed of the draws: same seed, same bands.
    level : float
        Central coverage of the bands (0.95: 2.5th and 97.5th percentiles of the draws).
    nodes : int or dict, optional
        Gauss-Hermite nodes per random effect (default: the fit's, else PREDICT_NODES).
    spread : bool
        Also the spread between patients who look alike (:mod:`metakinetics.patient.spread`).
    group : str, optional
        The group of a fit with group-specific parameters (e.g. a subtype of fits/subtypes).
    diameter_grid : int, optional
        Evaluate each covariate pattern at this many log-spaced diameters spanning the patients'
        and interpolate (monotone cubic in log diameter); None: every distinct diameter exactly.
    workers : int, optional
        Local worker processes for the engine sweeps (None: serial).
    progress : callable, optional
        ``progress(done, total)`` as chunks of the work finish.

    Returns
    -------
    Prediction
        values per endpoint (patients, scenarios, times, columns), bands, spread, and notes.
    """
    model, fit_summary, source = resolve_source(fit, group=group)
    people = _patients(patients)
    t = check_times(times)
    if np.any(t < 0):
        raise InputError("times: give years after diagnosis, each >= 0")
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 0:
        raise InputError(f"draws must be a whole number >= 0, found {draws!r}")
    if draws and fit_summary is None:
        raise InputError("draws need a fit (its covariance); a model has no parameter uncertainty: give a fit "
                         "directory, or draws=0")
    if not 0 < level < 1:
        raise InputError(f"level must be strictly between 0 and 1, found {level!r}")
    if diameter_grid is not None and (isinstance(diameter_grid, bool) or int(diameter_grid) < 4):
        raise InputError(f"diameter_grid must be at least 4 nodes (cubic interpolation), found {diameter_grid!r}")
    if nodes is None and fit_summary is not None and fit_summary.result is not None:
        nodes = fit_summary.result.nodes
    scen = [Baseline()] + [s for s in (as_scenario(s) for s in scenarios) if not isinstance(s, Baseline)]
    labels = [s.label for s in scen]
    if len(set(labels)) != len(labels):
        raise InputError(f"scenario '{next(x for x in labels if labels.count(x) > 1)}' given twice")
    for s in scen:
        s.apply(model)                         # a bad organ or key fails here, naming the scenario
    seen: dict[tuple, tuple] = {}                # patients with the same covariates share the work
    pairs = []
    for p in people:
        key = (p.diameter_cm, p.nodes, p.subtype, p.treatment)
        if key not in seen:
            seen[key] = covariate_values(model, p)
        pairs.append(seen[key])
    plan = _plan(model, [v for v, _ in pairs], diameter_grid)
    U = plan.rows.shape[0]
    if fit_summary is not None:
        fkeys, targets = fit_summary.keys, fit_summary.targets
        est = fit_summary.estimate[None]
        if draws:
            seq = np.random.SeedSequence(seed)
            drawn = draw_parameters(fit_summary, draws, seed=seq.spawn(1)[0]).values
            est = np.vstack([est, drawn])
    else:
        fkeys, targets, est = (), (), np.empty((1, 0))
    R = est.shape[0]                           # parameter rows: the estimate, then the draws
    options: dict[str, Any] = {"nodes": PREDICT_NODES if nodes is None else nodes}
    groups = _class_groups(model, plan)
    total = len(ENDPOINTS) * 16 * len(groups) + (1 if spread else 0)
    done = [0]

    def tick(n: int, _total: int) -> None:
        if progress is not None:
            progress(done[0] + n, total)

    out: dict[str, np.ndarray] = {}
    columns: dict[str, tuple[str, ...]] = {}
    method = ""
    for rows in groups:                        # rows of one class pattern: the engine evaluates their classes only
        u = rows.size
        values = np.hstack([np.repeat(est, u, axis=0), np.tile(plan.rows[rows], (R, 1))])     # (R u, p + q)
        pd = ParameterDraws(keys=tuple(fkeys) + plan.keys, values=values, method="covariance", seed=seed,
                            targets=tuple(targets) + tuple((k,) for k in plan.keys))
        for name, ep in ENDPOINTS.items():
            res = sweep(model, scen, ep, t, draws=pd, workers=workers, chunk_size=max(1, math.ceil(R * u / 16)),
                        progress=tick, **options)
            done[0] += 16
            v = np.moveaxis(res.values[1:].reshape((R, u) + res.values.shape[1:]), 1, 0)   # (u, R, S, T, K)
            if name not in out:
                out[name] = np.empty((U,) + v.shape[1:])
            out[name][rows] = v
            columns[name], method = res.columns, res.method
    diameters = [p.diameter_cm for p in people]
    central = {k: _read(plan, v[:, 0], diameters) for k, v in out.items()}
    bands = None
    if draws:
        bands = {}
        for k, v in out.items():
            d = np.stack([_read(plan, v[:, r], diameters) for r in range(1, R)])   # (N, P, S, T, K)
            lo, _, hi = percentile_bands(d, level)
            bands[k] = (lo, hi)
    spreads = None
    if spread:
        from .spread import row_spread

        coarse = plan if diameter_grid is None else _plan(model, [v for v, _ in pairs], min(diameter_grid, SPREAD_GRID))
        per_row = row_spread(model, {k: coarse.rows[:, j] for j, k in enumerate(coarse.keys)}, scen, t)
        spreads = {k: _read(coarse, v, diameters) for k, v in per_row.items()}
        done[0] = total - 1
        tick(1, total)
    notes = tuple("" if acts_after_surgery(s, model) else
                  "changes the course before surgery: her covariates are re-observed in the scenario's world, "
                  "not the same patient treated otherwise" for s in scen)
    if progress is not None:
        progress(total, total)
    return Prediction(patients=people, source=source, model=model.name, scenarios=tuple(labels),
                      descriptions=tuple(s.describe() for s in scen), notes=notes, times=t,
                      organs=columns["any"], values=central, bands=bands, spread=spreads,
                      unused=tuple(u for _, u in pairs), level=level if draws else None, draws=int(draws),
                      method=method, nodes=options["nodes"], diameter_grid=diameter_grid)
