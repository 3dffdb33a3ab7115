"""Confidence bands of a fit's predictions: pointwise percentiles over parameter draws.

``fit_bands(result)`` draws parameter sets from the result (:meth:`FitResult.draw_values`) and
predicts, for every data set of the fit, the fitted curves stored in result.json, the fitted
values of category panels and the crude cumulative incidence of individual data, all draws of
one prediction in one ``population.incidence_batch`` call (by_size endpoints and CTC positivity
per draw). The data sets' own settings (their ``set`` and group tables) come from the set-up,
found beside the result. Figures only draw the bands.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..endpoints import BySize, Landmark
from ..errors import FitError, MetakineticsError
from .competing import crude_incidence
from .draws import percentile_bands
from .fixed import fixed_model
from .likelihood import CensoredTimeToEvent
from .objective import covariate_prediction
from .problem import (CtcPositive, FitSetup, Problem, build_problem, endpoint_for_causes, endpoint_options,
                      load_setup)
from .results import FitResult


@dataclass(frozen=True)
class FitBands:
    """Pointwise ``level`` bands of a fit's predictions over ``draws`` parameter sets drawn from the
    fit's uncertainty (``method``: 'covariance' = multivariate normal on the search scale, or
    'profile' = the 95% intervals). ``datasets[i]`` belongs to ``result.datasets[i]``: ``{"kind":
    "curves", "curves": [{"key", "x", "lo": {organ: [...]}, "hi": {...}}]}`` (``x``: every other
    point of the stored curve, :func:`band_x`; plus ``lo``/``hi``
    per data row when some rows have no curve), ``{"kind": "rows", "lo": [...], "hi": [...]}``
    (category panels) or ``{"kind": "tte", "groups": [{"group", "x", "lo", "hi"}]}``; ``failed``
    counts draws the model could not evaluate (left out)."""

    draws: int
    seed: int | None
    method: str
    level: float
    failed: int
    datasets: tuple[dict, ...]
    note: str = ""

    def caption(self) -> str:
        """One sentence for a caption file: what the shaded bands are."""
        if self.note:
            return f"No confidence band: {self.note}."
        src = ("the fit's covariance (multivariate normal on the search scale, log for parameters fitted "
               "in logs)" if self.method == "covariance" else "the fit's 95% intervals (independent split normals)")
        lost = f"; {self.failed} draws the model could not evaluate are left out" if self.failed else ""
        return (f"Shaded bands (and error bars on the fitted bars): pointwise {100 * self.level:g}% ranges of the "
                f"fitted model's predictions over {self.draws} parameter sets drawn from {src}, seed "
                f"{self.seed}{lost}.")


def is_category(d: dict) -> bool:
    """A data-set report whose rows are all single proportions (a bar panel, no curves)."""
    rows = d.get("rows", [])
    return bool(rows) and all(r["endpoint"] in ("at_diagnosis", "site_share", "ctc_positive", "nodal_share")
                              for r in rows)


def series_label(r: dict) -> str:
    """The group of a stored row or curve, with its intrinsic and nodal class when it has them:
    "all [luminal_a, N0]"."""
    tags = [r[k] for k in ("class", "nodes") if r.get(k)]
    return f"{r['group']} [{', '.join(tags)}]" if tags else r["group"]


def uncurved(d: dict) -> set:
    """(series label, organ) series of an aggregate data-set report that have no fitted curve
    (e.g. a single CTC-positivity row): figures show their fitted values as points."""
    have = {(series_label(c), o) for c in d.get("curves", []) for o in c["y"]}
    return {(series_label(r), r["organ"]) for r in d.get("rows", [])} - have


def curve_key(c: dict) -> tuple:
    """How a stored fitted curve is matched to its band: (group, class, nodal class, endpoint name, landmark,
    options), the options (window of multi_organ, horizon and within of lag) as sorted pairs."""
    return (c["group"], c.get("class", ""), c.get("nodes", ""), c["endpoint"], c.get("landmark"),
            tuple(sorted((k, float(v)) for k, v in c.get("options", {}).items())))


#: Points of a curve's band: every other point of the stored curve (its ends kept). A band is a
#: shaded area over a smooth curve, and the batched incidence costs about in proportion to the
#: points, so this halves the cost of the bands in fit.png at no visible change.
BAND_STRIDE = 2


def band_x(x) -> np.ndarray:
    """The abscissae of a curve's band: every BAND_STRIDE-th point of ``x`` and its last one."""
    x = np.asarray(x, dtype=float)
    idx = np.unique(np.r_[np.arange(0, x.size, BAND_STRIDE), x.size - 1]) if x.size else np.zeros(0, dtype=int)
    return x[idx]


def find_setup(result: FitResult, *, setup=None, directory=None) -> FitSetup:
    """The fit set-up a result was made from.

    Tried in order: ``setup`` (a FitSetup or a path), ``directory``/fit.toml, the result's
    ``setup_path``, the bundled set-up of the result's name.

    Parameters
    ----------
    result : FitResult
        The fit result.
    setup : FitSetup, str or pathlib.Path, optional
        The set-up, given explicitly.
    directory : str or pathlib.Path, optional
        The fit directory (holding fit.toml).

    Returns
    -------
    FitSetup

    Raises
    ------
    FitError
        When none is found, naming where it looked.
    """
    from .fit import resolve_setup_path

    if isinstance(setup, FitSetup):
        return setup
    if setup is not None:
        return load_setup(resolve_setup_path(setup))
    candidates = []
    if directory is not None:
        candidates.append(Path(directory) / "fit.toml")
    if result.setup_path:
        candidates.append(Path(result.setup_path))
    for p in candidates:
        if p.is_file():
            return load_setup(p)
    try:
        return load_setup(resolve_setup_path(result.name))
    except FitError:
        pass
    raise FitError(f"fit '{result.name}': cannot find its set-up (fit.toml; looked at "
                   f"{', '.join(map(str, candidates)) or 'no path'} and the bundled fits) to draw the confidence "
                   f"band; pass setup= or directory=, or band=False")


class DrawPredictor:
    """Predictions of one problem over all draws: (n, ...) arrays, NaN rows where a draw fails."""

    def __init__(self, result: FitResult, model, rows: np.ndarray, nodes):
        self.result, self.model, self.rows, self.nodes = result, model, rows, nodes
        self.n = rows.shape[0]

    def group_model(self, prob: Problem, group: str, subset=""):
        """The model of data ``group`` (and intrinsic or nodal class, ``subset``) of ``prob``: its
        overrides applied."""
        est = self.result.parameters([e.value for e in self.result.estimates], prob.base_group(group))
        over = {**est, **prob.group_overrides(group, subset)}   # the estimates first: the data's selection
        return self.model.with_values(over) if over else self.model   # may need them (nodes.min needs ratio)

    def params(self, group: str) -> dict[str, np.ndarray]:
        """Dotted key -> (n,) values of every draw for ``group``."""
        return self.result.parameters(self.rows, group)

    def incidence(self, prob: Problem, group: str, endpoint, times, extra=None, subset=""):
        """(columns, values (n, T, K)) of ``endpoint`` for every draw (of the intrinsic or nodal class
        ``subset`` if given); a batch that fails is redone draw by draw so that only the failing draws
        become NaN."""
        from ..population import incidence, incidence_batch  # inference > population in the layering

        model = self.group_model(prob, group, subset)
        params = self.params(prob.base_group(group))
        params.update(extra or {})
        by_size = isinstance(endpoint, BySize) or (isinstance(endpoint, Landmark) and isinstance(endpoint.inner, BySize))
        if not by_size:
            try:
                res = incidence_batch(model, endpoint, times, params, nodes=self.nodes)
                return tuple(res.columns), np.asarray(res.values, dtype=float)
            except MetakineticsError:
                pass  # some draw makes an invalid model: find it below
        cols, out = None, None
        for i in range(self.n):
            try:
                r = incidence(model.with_values({k: float(v[i]) for k, v in params.items()}), endpoint, times,
                              nodes=self.nodes)
            except MetakineticsError:
                continue
            if out is None:
                cols, out = tuple(r.columns), np.full((self.n,) + np.shape(r.values), np.nan)
            out[i] = r.values
        if out is None:
            raise FitError("none of the parameter draws could be evaluated")
        return cols, out

    def covariate_tte_of(self, prob: Problem, stored: dict) -> list[np.ndarray]:
        """:meth:`tte_of` for per-patient covariates: each report group's mean patient prediction
        (the objective's own, :func:`objective.covariate_prediction`), draw by draw (one batched
        engine call of the G parameter sets each; NaN where a draw fails)."""
        from .objective import population_batch_predictor

        predict = population_batch_predictor(nodes=self.nodes)
        base, params = self.group_model(prob, None), self.params(None)
        groups = stored.get("groups", [])
        xs = [np.asarray(g["curve"]["x"], dtype=float) for g in groups]
        out = [np.full((self.n, x.size), np.nan) for x in xs]
        sel = [prob.likelihood.group == j for j in range(len(groups))]
        for i in range(self.n):
            try:
                grid, cif, hd, w = covariate_prediction(base.with_values({k: float(v[i]) for k, v in params.items()}),
                                                        prob, predict)
            except MetakineticsError:
                continue
            for j, x in enumerate(xs):
                net = np.tensordot(w[sel[j]].mean(axis=0), cif.sum(axis=2), 1)
                out[j][i] = np.interp(x, grid, crude_incidence(grid, net, hd[j]))
        return out

    def ctc(self, prob: Problem, group: str, endpoint: CtcPositive, subset="") -> np.ndarray:
        """P(>= 1 CTC) per draw (n,), NaN where a draw fails."""
        from ..population import ctc_positivity

        model = self.group_model(prob, group, subset)
        params = self.params(group)
        out = np.full(self.n, np.nan)
        for i in range(self.n):
            try:
                m = model.with_values({k: float(v[i]) for k, v in params.items()})
                out[i] = ctc_positivity(m, draw_ml=endpoint.draw_ml, at=endpoint.at, nodes=self.nodes)
            except MetakineticsError:
                continue
        return out

    def rows_of(self, prob: Problem) -> np.ndarray:
        """Fitted values of every data row (n, rows), as the objective predicts them."""
        out = np.empty((self.n, prob.n_obs))
        for s in prob.series:
            if isinstance(s.endpoint, CtcPositive):
                out[:, s.rows] = prob.mixed(s, lambda sub, ep: ((), self.ctc(prob, s.group, ep, sub)))[1][:, None]
                continue
            cols, vals = prob.mixed(s, lambda sub, ep: self.incidence(prob, s.group, ep, s.times, subset=sub))
            missing = [c for c in s.columns if c not in cols]
            if missing:
                raise FitError(f"data set '{prob.label}': the {s.endpoint.name} prediction has no column "
                               f"'{missing[0]}'")
            out[:, s.rows] = vals[:, s.t_index, [cols.index(c) for c in s.columns]]
        return out

    def curves_of(self, prob: Problem, stored: list[dict]) -> list[dict[str, np.ndarray]]:
        """Each stored curve predicted at its own x for every draw: organ -> (n, X)."""
        series = {(s.group, s.klass, s.nodes, s.endpoint.name, getattr(s.endpoint, "at", None),
                   tuple(sorted(endpoint_options(s.endpoint).items()))): s
                  for s in prob.series if not isinstance(s.endpoint, CtcPositive)}
        out = []
        for cv in stored:
            s = series.get(curve_key(cv))
            if s is None:
                raise FitError(f"data set '{prob.label}': no prediction for the stored curve {curve_key(cv)}")
            cols, vals = prob.mixed(s, lambda sub, ep: self.incidence(prob, s.group, ep, band_x(cv["x"]), subset=sub))
            out.append({o: vals[:, :, cols.index(o)] for o in cv["y"]})
        return out

    def tte_of(self, prob: Problem, stored: dict) -> list[np.ndarray]:
        """Crude cumulative incidence (death competing) per group at the stored curve's x: (n, X)."""
        if prob.covariates is not None:
            return self.covariate_tte_of(prob, stored)
        endpoint = endpoint_for_causes(prob.causes)
        out = []
        for g, grp in zip(prob.groups, stored.get("groups", [])):
            hd = self.params(prob.base_group(g)).get("mortality.hazard", self.group_model(prob, g).mortality.hazard)
            cols, vals = self.incidence(prob, g, endpoint, prob.grid, {"mortality.hazard": np.zeros(self.n)})
            net = vals[:, :, [cols.index(c) for c in prob.causes]].sum(axis=2)
            crude = crude_incidence(prob.grid, net, np.broadcast_to(hd, (self.n,)))
            x = np.asarray(grp["curve"]["x"], dtype=float)
            out.append(np.stack([np.interp(x, prob.grid, c) for c in crude]))
        return out


def fit_bands(result: FitResult, *, draws: int = 200, seed: int | None = 0, level: float = 0.95, setup=None,
              directory=None) -> FitBands:
    """Pointwise bands of every data set's fitted curves (and fitted values of category panels)
    over seeded parameter draws from the fit's uncertainty.

    Parameters
    ----------
    result
        The fit (its estimates, covariance or intervals, and stored curves).
    draws, seed
        Number of parameter sets and their seed (same seed, same bands).
    level
        Central probability of the bands (0.95: 2.5% to 97.5%).
    setup, directory
        Where the set-up is when the result's own ``setup_path`` does not say (see
        :func:`find_setup`); its data sets give each prediction's settings and endpoints.

    Returns
    -------
    FitBands
        One entry per ``result.datasets``; draws the model cannot evaluate are left out.
    """
    st = find_setup(result, setup=setup, directory=directory)
    labels = [p.label for p in st.parameters]
    names = [e.name for e in result.estimates]
    if names != labels:
        raise FitError(f"fit '{result.name}': the set-up's free parameters ({', '.join(labels)}) are not those of "
                       f"the result ({', '.join(names)}): was the set-up changed after the fit?")
    if result.covariance_matrix() is not None:
        method = "covariance"
    elif result.intervals() is not None:
        method = "profile"
    else:
        return FitBands(draws=0, seed=seed, method="none", level=level, failed=0, datasets=(),
                        note="the fit has neither a covariance matrix nor finite intervals")
    model = fixed_model(st.model, st.model_set)
    problems = [build_problem(s, model, grid_step=st.grid_step) for s in st.data]
    stored = list(result.datasets)
    if len(stored) != len(problems):
        raise FitError(f"fit '{result.name}': {len(stored)} data sets in the result but "
                       f"{len(problems)} in the set-up")
    pred = DrawPredictor(result, model, result.draw_values(draws, seed, method=method), st.nodes)
    samples = []
    for prob, d in zip(problems, stored):
        if isinstance(prob.likelihood, CensoredTimeToEvent):
            samples.append(("tte", pred.tte_of(prob, d)))
        elif is_category(d):
            samples.append(("rows", pred.rows_of(prob)))
        else:
            samples.append(("curves", (pred.curves_of(prob, d.get("curves", [])),
                                       pred.rows_of(prob) if uncurved(d) else None)))
    ok = np.ones(draws, dtype=bool)
    for kind, smp in samples:
        for a in _arrays(kind, smp):
            ok &= np.all(np.isfinite(a.reshape(draws, -1)), axis=1)
    if not ok.any():
        return FitBands(draws=draws, seed=seed, method=method, level=level, failed=draws, datasets=(),
                        note=f"none of the {draws} parameter draws could be evaluated")

    def band(a):
        lo, _, hi = percentile_bands(a[ok], level)
        return {"lo": lo.tolist(), "hi": hi.tolist()}

    out = []
    for d, (kind, smp) in zip(stored, samples):
        if kind == "rows":
            out.append({"kind": kind, **band(smp)})
        elif kind == "tte":
            out.append({"kind": kind, "groups": [{"group": grp["group"], "x": grp["curve"]["x"], **band(a)}
                                                 for grp, a in zip(d.get("groups", []), smp)]})
        else:
            curves = []
            for cv, per in zip(d.get("curves", []), smp[0]):
                bands = {o: band(a) for o, a in per.items()}
                curves.append({"key": curve_key(cv), "x": band_x(cv["x"]).tolist(),
                               "lo": {o: b["lo"] for o, b in bands.items()},
                               "hi": {o: b["hi"] for o, b in bands.items()}})
            out.append({"kind": kind, "curves": curves, **(band(smp[1]) if smp[1] is not None else {})})
    return FitBands(draws=draws, seed=seed, method=method, level=level, failed=int((~ok).sum()),
                    datasets=tuple(out))


def _arrays(kind: str, smp) -> list[np.ndarray]:
    """Every (n, ...) prediction array of one data set's samples."""
    if kind == "rows":
        return [smp]
    if kind == "tte":
        return list(smp)
    curves, rows = smp
    return [a for per in curves for a in per.values()] + ([rows] if rows is not None else [])
