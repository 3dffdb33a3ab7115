"""Compare scenarios: population incidence per scenario, organ and time against the baseline.

``compare`` runs a sweep (parameter draws x scenarios) on any executor (see ``sweep``) and
returns a tidy :class:`Comparison` table. Row 0 of every sweep is the model itself (the fit's
estimates); rows 1..N are parameter draws, which give the lower/upper bands. Draws and virtual
cohorts are seeded per draw from ``SeedSequence(seed).spawn``; every scenario of one draw uses the
same seed (common random numbers), so differences against the baseline are paired.
Deterministic (Gauss-Hermite or typical-patient) sweeps evaluate all rows of a chunk in one
``population.incidence_batch`` call per scenario; Monte Carlo sweeps run row by row.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..endpoints import BySize, Endpoint, endpoint_from_name
from ..errors import InputError
from ..model import Model, load_model
from ..model.case_mix import CaseMix
from ..population.case_mix import resolve_case_mix
from .sweep import Progress, chunk_ranges, make_executor, run_chunks, task_seeds
from .transforms import Baseline, Scenario, as_scenario
from .uncertainty import FitSummary, ParameterDraws, draw_parameters, percentile_bands


@dataclass(frozen=True)
class SweepSpec:
    """Everything one chunk of a sweep needs (picklable): the base model, the scenarios (the
    baseline first), the endpoint, clinical times (years after diagnosis), the drawn keys and
    the options passed to ``population.incidence``."""

    model: Model
    scenarios: tuple[Scenario, ...]
    endpoint: Endpoint
    times: np.ndarray
    targets: tuple[tuple[str, ...], ...] = ()
    options: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class SweepResult:
    """``values[i, s, t, k]``: incidence for parameter row i (0 = estimate, 1.. = draws),
    scenario s, time t, column k."""

    spec: SweepSpec
    columns: tuple[str, ...]
    values: np.ndarray
    method: str
    draws: ParameterDraws | None = None


def _incidence(model: Model, endpoint: Endpoint, times: np.ndarray, seed, options: Mapping[str, Any]):
    from ..population import incidence  # scenarios > population in the layering

    return incidence(model, endpoint, times, seed=seed, **options)


#: incidence options the batched path (population.incidence_batch) takes; anything else runs per row
_BATCH_OPTIONS = frozenset({"individual", "method", "nodes", "patients", "generations"})


def _batchable(spec: SweepSpec) -> bool:
    """Deterministic Gauss-Hermite (or typical-patient) incidence of a non-by_size endpoint: all
    rows of a chunk go through one population.incidence_batch call per scenario. Monte Carlo
    (``patients``, method 'monte-carlo') needs each row's own seed, so it runs row by row."""
    from ..endpoints import BySize, Landmark

    opts = dict(spec.options)
    method = getattr(opts.get("method", "auto"), "name", opts.get("method", "auto"))
    ep = spec.endpoint
    by_size = isinstance(ep, BySize) or (isinstance(ep, Landmark) and isinstance(ep.inner, BySize))
    return (set(opts) <= _BATCH_OPTIONS and opts.get("patients") is None and method != "monte-carlo"
            and not by_size)


def _run_chunk_batch(spec: SweepSpec, rows: np.ndarray | None, n: int):
    """Every scenario for a block of n parameter rows, one batched incidence call per scenario:
    the drawn values as (n,) arrays, transformed by the scenario, passed as ``params``."""
    from ..population import incidence_batch  # scenarios > population in the layering

    options = {k: v for k, v in spec.options if k != "patients"}
    base_values = spec.model.values()
    values: dict[str, Any] = dict(base_values)
    if rows is not None:
        values.update({t: np.asarray(rows[:, j], dtype=float) for j, tk in enumerate(spec.targets) for t in tk})
    out = None
    columns: tuple[str, ...] = ()
    method = ""
    for s, scenario in enumerate(spec.scenarios):
        new = scenario.transform(dict(values))
        params = {k: np.broadcast_to(np.asarray(v, dtype=float), (n,)) for k, v in new.items()
                  if k not in base_values or np.any(np.asarray(v, dtype=float) != base_values[k])}
        res = incidence_batch(spec.model, spec.endpoint, spec.times, params, **options)
        vals = np.broadcast_to(res.values, (n,) + res.values.shape[1:])
        if out is None:
            out = np.empty((n, len(spec.scenarios)) + vals.shape[1:])
            columns, method = tuple(res.columns), str(res.method)
        out[:, s] = vals
    return out, columns, method


def _run_chunk(payload: tuple[SweepSpec, np.ndarray | None, list[np.random.SeedSequence]]):
    """Incidence of every scenario for a block of parameter rows: (n, S, T, K) array, the
    columns and the method actually used."""
    spec, rows, seeds = payload
    if _batchable(spec):
        return _run_chunk_batch(spec, rows, len(seeds))
    options = dict(spec.options)
    base_values = spec.model.values()
    n = len(seeds)
    out = None
    columns: tuple[str, ...] = ()
    method = ""
    for i in range(n):
        values = dict(base_values)
        if rows is not None:
            values.update({t: float(v) for tk, v in zip(spec.targets, rows[i]) for t in tk})
        for s, scenario in enumerate(spec.scenarios):
            new = scenario.transform(values)
            changes = {k: float(v) for k, v in new.items() if float(v) != base_values.get(k)}
            model = spec.model.with_values(changes) if changes else spec.model
            # one Generator per (draw, scenario) from the same child seed: common random numbers
            rng = np.random.default_rng(seeds[i])
            res = _incidence(model, spec.endpoint, spec.times, rng, options)
            vals = np.asarray(res.values, dtype=float)
            if out is None:
                out = np.empty((n, len(spec.scenarios)) + vals.shape)
                columns, method = tuple(res.columns), str(res.method)
            out[i, s] = vals
    return out, columns, method


def sweep(model: Model, scenarios: Sequence[Scenario], endpoint: Endpoint, times,
          *, draws: ParameterDraws | None = None, seed: int | None = None, executor: Any = None,
          workers: int | None = None, scheduler: Any = None, chunk_size: int | None = None,
          progress: Progress | None = None, **incidence_options: Any) -> SweepResult:
    """Incidence for every (parameter row, scenario): row 0 the model, rows 1.. the ``draws``.

    Runs on ``executor`` (an Executor or dask Client), else a Dask ``scheduler`` (address or
    Client), else a local pool of ``workers`` processes, else serially. Chunks hold ``chunk_size``
    rows, so results are identical however the work is spread.

    Parameters
    ----------
    model : Model
        The model at the estimates.
    scenarios : sequence of Scenario
        The scenarios, baseline first by convention.
    endpoint : Endpoint
        What is counted.
    times : array_like
        Years after diagnosis (diameters in cm for by_size).
    draws : ParameterDraws, optional
        Parameter sets substituted into the model, one row each.
    seed : int, optional
        Root seed; each row gets its own child seed (:func:`task_seeds`).
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Runs the chunks; takes precedence over ``scheduler`` and ``workers``.
    workers : int, optional
        Processes of a local pool (None, 0 or 1: serial).
    scheduler : str or dask.distributed.Client, optional
        A Dask scheduler address (``tcp://host:8786``) or client.
    chunk_size : int, optional
        Parameter rows per task (default ``ceil(rows / 16)``, independent of the workers, so
        results are identical however the work is spread).
    progress : callable, optional
        ``progress(done, total)`` after each chunk.
    **incidence_options
        Passed to ``population.incidence`` (method, nodes, patients, ...).

    Returns
    -------
    SweepResult
        ``values[i, s, t, k]`` for row i, scenario s, time t, column k.
    """
    times = np.asarray(times, dtype=float)
    scen = tuple(scenarios)
    targets = (draws.targets or tuple((k,) for k in draws.keys)) if draws is not None else ()
    rows = None if draws is None else np.vstack([[model.get(tk[0]) for tk in targets], draws.values])
    n_rows = 1 if draws is None else draws.n + 1
    seeds = task_seeds(seed, n_rows)
    size = chunk_size or max(1, math.ceil(n_rows / 16))
    spec = SweepSpec(model=model, scenarios=scen, endpoint=endpoint, times=times, targets=targets,
                     options=tuple(sorted(incidence_options.items())))
    payloads = [(spec, None if rows is None else rows[a:b], seeds[a:b]) for a, b in chunk_ranges(n_rows, size)]
    with contextlib.nullcontext(executor) if executor is not None else \
            make_executor(workers=workers, scheduler=scheduler, tasks=len(payloads)) as ex:
        parts = run_chunks(_run_chunk, payloads, executor=ex, progress=progress)
    values = np.concatenate([p[0] for p in parts])
    return SweepResult(spec=spec, columns=parts[0][1], values=values, method=parts[0][2], draws=draws)


@dataclass(frozen=True)
class Comparison:
    """Tidy table: one row per (scenario, column, time) with the incidence ``value`` and its
    difference against the baseline (``abs_diff`` = value - baseline, ``rel_diff`` = value /
    baseline - 1, NaN where the baseline is 0); ``*_lower``/``*_upper`` bands (percentiles of
    the draws, paired per draw) when uncertainty is on."""

    endpoint: str
    method: str
    source: str
    scenarios: tuple[str, ...]
    descriptions: tuple[str, ...]
    columns_: tuple[str, ...]
    times: np.ndarray
    level: float | None
    table: Mapping[str, np.ndarray] = field(repr=False)
    sweep: SweepResult | None = field(default=None, repr=False, compare=False)

    COLUMN_ORDER = ("scenario", "organ", "time", "diameter_cm", "value", "lower", "upper", "abs_diff",
                    "abs_diff_lower", "abs_diff_upper", "rel_diff", "rel_diff_lower", "rel_diff_upper")

    @property
    def names(self) -> tuple[str, ...]:
        """The table's column names, in the standard order."""
        return tuple(c for c in self.COLUMN_ORDER if c in self.table)

    def __len__(self) -> int:
        return len(self.table["scenario"])

    def column(self, name: str) -> np.ndarray:
        """The column ``name`` as an array (InputError naming the columns when absent)."""
        if name not in self.table:
            raise InputError(f"comparison: no column '{name}' (columns: {', '.join(self.names)})")
        return self.table[name]

    def grid(self, name: str = "value") -> np.ndarray:
        """A column reshaped to (scenario, time, organ)."""
        return np.asarray(self.column(name), dtype=float).reshape(
            len(self.scenarios), len(self.times), len(self.columns_))

    def meta(self) -> dict[str, Any]:
        """Metadata: endpoint, method, source, level, the scenarios with descriptions, number of draws."""
        return {"endpoint": self.endpoint, "method": self.method, "source": self.source,
                "level": self.level,
                "scenarios": [{"label": s, "description": d} for s, d in zip(self.scenarios, self.descriptions)],
                "draws": None if self.sweep is None or self.sweep.draws is None else self.sweep.draws.n}

    def to_dict(self) -> dict[str, Any]:
        """Metadata and the columns as lists (NaN -> None)."""
        def clean(v):
            if isinstance(v, (str, np.str_)):
                return str(v)
            x = float(v)
            return x if math.isfinite(x) else None

        out = self.meta()
        out["columns"] = {n: [clean(v) for v in self.table[n]] for n in self.names}
        return out

    def to_json(self) -> str:
        """Metadata and columns as JSON text (NaN as null)."""
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def to_csv(self, path=None) -> str:
        """The table as CSV text (header row); also written atomically to ``path`` if given."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(self.names)
        cols = [self.table[n] for n in self.names]
        for i in range(len(self)):
            w.writerow([c[i] if isinstance(c[i], (str, np.str_)) else
                        ("" if not math.isfinite(float(c[i])) else repr(float(c[i]))) for c in cols])
        text = buf.getvalue()
        if path is not None:
            from ..io_atomic import write_text_atomic

            write_text_atomic(path, text)
        return text


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.full(np.broadcast_shapes(num.shape, den.shape), np.nan), where=den > 0)


def tabulate(result: SweepResult, *, level: float = 0.95, source: str = "") -> Comparison:
    """The tidy comparison table of a sweep (scenario 0 is the baseline).

    Parameters
    ----------
    result : SweepResult
        The sweep.
    level : float
        Central coverage of the bands (when the sweep has draws).
    source : str
        Description of the model or fit, kept in the table's metadata.

    Returns
    -------
    Comparison
    """
    v = result.values  # (N, S, T, K)
    spec = result.spec
    S, T, K = v.shape[1:]
    central = v[0]
    base = central[0][None]
    table: dict[str, np.ndarray] = {}
    labels = [s.label for s in spec.scenarios]
    table["scenario"] = np.repeat(np.array(labels, dtype=object), T * K)
    table["organ"] = np.tile(np.array(result.columns, dtype=object), S * T)
    axis = "diameter_cm" if isinstance(spec.endpoint, BySize) else "time"     # by_size runs over diameters
    table[axis] = np.tile(np.repeat(spec.times, K), S)
    table["value"] = central.ravel()
    table["abs_diff"] = (central - base).ravel()
    table["rel_diff"] = (_ratio(central, np.broadcast_to(base, central.shape)) - 1.0).ravel()
    with_bands = result.draws is not None
    if with_bands:
        d = v[1:]
        lo, _, hi = percentile_bands(d, level)
        table["lower"], table["upper"] = lo.ravel(), hi.ravel()
        diff = d - d[:, :1]
        lo, _, hi = percentile_bands(diff, level)
        table["abs_diff_lower"], table["abs_diff_upper"] = lo.ravel(), hi.ravel()
        den = np.broadcast_to(d[:, :1], d.shape)
        rel = _ratio(d, den) - 1.0
        defined = np.all(den > 0, axis=0)
        safe = np.where(defined[None], rel, 0.0)
        lo, _, hi = percentile_bands(safe, level)
        table["rel_diff_lower"] = np.where(defined, lo, np.nan).ravel()
        table["rel_diff_upper"] = np.where(defined, hi, np.nan).ravel()
    return Comparison(endpoint=spec.endpoint.name, method=result.method, source=source,
                      scenarios=tuple(labels), descriptions=tuple(s.describe() for s in spec.scenarios),
                      columns_=result.columns, times=spec.times, level=level if with_bands else None,
                      table=table, sweep=result)


def resolve_source(model_or_fit: Any, *, group: str | None = None) -> tuple[Model, FitSummary | None, str]:
    """The model (and fit) behind ``model_or_fit``.

    Parameters
    ----------
    model_or_fit : Model, FitSummary, FitResult, str or os.PathLike
        A model, a fit summary or result, a bundled model name, a model file or a fit directory.
    group : str, optional
        The group of a fit with group-specific parameters (required there: FitError listing the
        groups); a model has none.

    Returns
    -------
    model : Model
    fit : FitSummary or None
        None for a bare model.
    description : str
        "model NAME (source)" or "fit NAME (source)".
    """
    from .fits import as_fit_summary, looks_like_fit

    is_path = isinstance(model_or_fit, str) or hasattr(model_or_fit, "__fspath__")
    if isinstance(model_or_fit, Model) or (is_path and not looks_like_fit(model_or_fit)):
        if group is not None:
            raise InputError(f"group '{group}': groups belong to a fit with group-specific parameters, not a model")
        m = model_or_fit if isinstance(model_or_fit, Model) else load_model(str(model_or_fit))
        return m, None, f"model {m.name}" + (f" ({m.source})" if m.source else "")
    fit = as_fit_summary(model_or_fit, group=group)
    return fit.model, fit, f"fit {fit.name}" + (f" ({fit.source})" if fit.source else "")


def compare(model_or_fit: Any, scenarios: Sequence[Scenario | str], endpoint: Endpoint | str = "any",
            times=None, *, group: str | None = None, draws: int = 0, uncertainty: str = "covariance",
            seed: int | None = None,
            level: float = 0.95, executor: Any = None, workers: int | None = None,
            scheduler: Any = None, chunk_size: int | None = None, progress: Progress | None = None,
            case_mix=None, **incidence_options: Any) -> Comparison:
    """Incidence under each scenario (the baseline added first) with differences against it.

    Parameters
    ----------
    model_or_fit : Model, FitSummary, FitResult, str or os.PathLike
        A model, a fit (summary, result, fit directory or result file), a bundled model name or a
        model file.
    scenarios : sequence of Scenario or str
        The what-ifs (string forms as in :func:`parse_scenario`); a baseline is added first.
    endpoint : Endpoint or str
        What is counted ("any", "first", "distant", ...).
    times : array_like, optional
        Increasing, non-negative years after diagnosis (default 0..20 by 1).
    group : str, optional
        The group of a fit with group-specific parameters (required there: its model and its
        parameters, shared and own, are used and drawn).
    draws : int
        Parameter sets drawn from the fit's uncertainty for the bands (0: none; needs a fit).
    uncertainty : str
        How to draw: 'covariance' or 'profile'.
    seed : int, optional
        Seed of the draws and of any Monte Carlo: same seed, same table.
    level : float
        Central coverage of the bands.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Runs the chunks; takes precedence over ``scheduler`` and ``workers``.
    workers : int, optional
        Processes of a local pool (None, 0 or 1: serial).
    scheduler : str or dask.distributed.Client, optional
        A Dask scheduler address (``tcp://host:8786``) or client.
    chunk_size : int, optional
        Parameter rows per task (default ``ceil(rows / 16)``, independent of the workers, so
        results are identical however the work is spread).
    progress : callable, optional
        ``progress(done, total)`` after each chunk.
    case_mix : CaseMix, str or os.PathLike, optional
        The cohort the scenarios are for (a case-mix file or a data set that states one): its
        values and class shares apply to the baseline model (the scenarios transform them), its
        nodal mix weights every scenario's nodal classes; the table's source names it.
    **incidence_options
        Passed to ``population.incidence`` (method, nodes, patients, ...).

    Returns
    -------
    Comparison
        The tidy table: value, absolute and relative differences and, with draws, their bands.
    """
    model, fit, source = resolve_source(model_or_fit, group=group)
    mix = resolve_case_mix(case_mix)
    if mix is not None:                 # the cohort's values are the baseline; its nodal mix weights each row
        over = mix.overrides(model)
        model = model.with_values(over) if over else model
        if mix.nodes:
            incidence_options = {**incidence_options, "case_mix": CaseMix(mix.name, nodes=mix.nodes)}
        source = f"{source}; cohort {mix.describe()}"
    ep = endpoint_from_name(endpoint) if isinstance(endpoint, str) else endpoint
    if not isinstance(ep, Endpoint):
        raise InputError(f"endpoint: expected a name or an Endpoint, found {type(endpoint).__name__}")
    t = np.arange(0.0, 20.0 + 1e-9, 1.0) if times is None else np.atleast_1d(np.asarray(times, dtype=float))
    if t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)) or np.any(t < 0) or np.any(np.diff(t) <= 0):
        raise InputError("times: expected increasing, finite, non-negative years after diagnosis")
    scen = [as_scenario(s) for s in scenarios]
    scen = [Baseline()] + [s for s in scen if not isinstance(s, Baseline)]
    labels = [s.label for s in scen]
    if len(set(labels)) != len(labels):
        dup = next(x for x in labels if labels.count(x) > 1)
        raise InputError(f"scenario '{dup}' given twice")
    for s in scen:  # fail early, with the scenario named, on a bad organ or parameter
        s.apply(model)
    pd = None
    if draws:
        if fit is None:
            raise InputError("draws need a fit (its covariance or intervals); a bare model has no "
                             "parameter uncertainty")
        seq = np.random.SeedSequence(seed)
        draw_seed, sweep_seed = seq.spawn(2)
        pd = draw_parameters(fit, draws, seed=draw_seed, method=uncertainty)
    else:
        sweep_seed = seed
    result = sweep(model, scen, ep, t, draws=pd, seed=sweep_seed, executor=executor, workers=workers,
                   scheduler=scheduler, chunk_size=chunk_size, progress=progress, **incidence_options)
    return tabulate(result, level=level, source=source)


def rate_ratio(treated: np.ndarray, control: np.ndarray, free_treated: np.ndarray,
               free_control: np.ndarray, times: np.ndarray) -> float:
    """Events-per-person-year rate ratio over ``[times[0], times[-1]]``.

    ``(F1(U) / integral S1) / (F0(U) / integral S0)``: cumulative incidences of the event at the
    end over the person-time at risk (trapezoid rule).

    Parameters
    ----------
    treated, control : numpy.ndarray
        Cumulative incidence of the event in each arm, shape (T,).
    free_treated, free_control : numpy.ndarray
        Event-free (at-risk) proportions, shape (T,).
    times : numpy.ndarray
        Years, shape (T,).

    Returns
    -------
    float

    Raises
    ------
    InputError
        When the control arm has no events or no person-time.
    """
    py1 = np.trapezoid(free_treated, times)
    py0 = np.trapezoid(free_control, times)
    if control[-1] <= 0 or py0 <= 0 or py1 <= 0:
        raise InputError("rate ratio: the control arm has no events or no person-time")
    return float((treated[-1] / py1) / (control[-1] / py0))

