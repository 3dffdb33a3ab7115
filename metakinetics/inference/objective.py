"""The joint objective of a fit: free-parameter vector -> models per data group -> predictions ->
log-likelihood (and residuals where every data set offers them)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ..endpoints import BySize, Endpoint, Landmark, NodalShare
from ..errors import FitError, MetakineticsError
from ..model import Model
from .fixed import fixed_model
from .likelihood import OVERDISPERSION, BetaBinomial, CensoredTimeToEvent
from .parameters import ParameterSet
from ..model.classes import settable_values
from ..population.case_mix import denominator
from .problem import CtcPositive, FitSetup, Problem, build_problem, endpoint_for_causes

#: predictor(model, endpoint, times) -> (columns, values of shape (T, K)).
Predictor = Callable[[Model, Endpoint, np.ndarray], tuple[tuple[str, ...], np.ndarray]]
#: batch_predictor(model, endpoint, times, sets) -> (columns, values of shape (G, T, K)): one engine
#: call for G parameter sets (``sets``: dotted keys to arrays of G), per-patient covariates.
BatchPredictor = Callable[[Model, Endpoint, np.ndarray, Mapping], tuple[tuple[str, ...], np.ndarray]]
#: ctc_predictor(model, draw_ml, at) -> P(>= 1 CTC in draw_ml mL at ``at`` years after diagnosis).
CtcPredictor = Callable[[Model, float, float], float]

#: Residual given to the optimiser where the model cannot be evaluated (invalid values, solver
#: failure): large against deviance residuals of a few units, so the optimiser steps back.
PENALTY_RESIDUAL = 1e3


def population_predictor(*, nodes: int | None = None, method: str = "auto", seed: int | None = None) -> Predictor:
    """Population-averaged incidence (``metakinetics.population.incidence``) as a predictor.

    Parameters
    ----------
    nodes : int, optional
        Quadrature nodes of the population average.
    method : str
        Incidence method: "auto", "closed-form", "numeric" or "monte-carlo".
    seed : int, optional
        Seed of a Monte Carlo method.

    Returns
    -------
    callable
        ``predict(model, endpoint, times) -> (columns, values)``, values (T, K) probabilities.
    """
    from ..population import incidence

    def predict(model: Model, endpoint: Endpoint, times: np.ndarray):
        res = incidence(model, endpoint, times, method=method, nodes=nodes, seed=seed)
        return tuple(res.columns), np.asarray(res.values, dtype=float)

    return predict


def population_batch_predictor(*, nodes: int | Mapping[str, int] | None = None) -> BatchPredictor:
    """Population incidence for G parameter sets in one engine call
    (``metakinetics.population.incidence_batch``) as a predictor of per-patient covariates.

    Parameters
    ----------
    nodes : int or mapping, optional
        Quadrature nodes of the population average.

    Returns
    -------
    callable
        ``predict(model, endpoint, times, sets) -> (columns, values)``, values (G, T, K).
    """
    from ..population.incidence import incidence_batch

    def predict(model: Model, endpoint: Endpoint, times: np.ndarray, sets: Mapping):
        res = incidence_batch(model, endpoint, times, sets, nodes=nodes)
        return tuple(res.columns), np.asarray(res.values, dtype=float)

    return predict


def population_ctc_predictor(*, nodes: int | Mapping[str, int] | None = None) -> CtcPredictor:
    """Population CTC positivity (``metakinetics.population.ctc_positivity``, M0 patients) as a
    predictor.

    Parameters
    ----------
    nodes : int or mapping, optional
        Quadrature nodes of the population average.

    Returns
    -------
    callable
        ``predict(model, draw_ml, at) -> float``: probability of at least one CTC in ``draw_ml``
        mL of blood drawn ``at`` years after diagnosis.
    """
    from ..population import ctc_positivity

    def predict(model: Model, draw_ml: float, at: float) -> float:
        return ctc_positivity(model, draw_ml=draw_ml, at=at, nodes=nodes)

    return predict


def covariate_prediction(model: Model, prob: Problem, batch_predictor: BatchPredictor):
    """The prediction of a time-to-event problem with per-patient covariates: the cumulative incidence
    of its G parameter sets (one batched engine call; a second for the nodal share when
    range-censored diameters are tilted by it) and each patient's weights over them.

    Parameters
    ----------
    model : Model
        The data set's model (its fixed and fitted values, ``mortality.hazard`` included).
    prob : Problem
        A time-to-event problem with ``covariates``.
    batch_predictor : callable
        ``batch_predictor(model, endpoint, times, sets) -> (columns, values (G, T, K))``.

    Returns
    -------
    tuple
        (grid (U,), cumulative incidence (G, U, K), death hazard per report group, weights (N, G)).
    """
    cov = prob.covariates
    sets = cov.sets()
    hd = float(model.mortality.hazard)
    net = model.with_values({"mortality.hazard": 0.0}) if hd else model
    cols, vals = batch_predictor(net, endpoint_for_causes(prob.causes), prob.grid, sets)
    vals = np.asarray(vals, dtype=float)
    if not np.all(np.isfinite(vals)):
        raise FitError("the model gave non-finite incidence for per-patient covariates")
    share = None
    if cov.needs_share:
        share = np.asarray(batch_predictor(net, NodalShare(), np.zeros(1), sets)[1], dtype=float)[:, 0, 0]
    cif = vals[:, :, [cols.index(c) for c in prob.causes]]
    return prob.grid, cif, np.full(len(prob.groups), hd), cov.weights(share)


def dataset_loglik(prob: Problem, prediction, rho: float | None = None) -> float:
    """Log-likelihood of one data set given the model's predictions for it: the rule the fit's
    objective uses for every data set (and leave-one-out validation for a left-out one).

    Parameters
    ----------
    prob : Problem
        The data set, with its likelihood (``prob.likelihood``).
    prediction : array or tuple
        Row predictions (aggregate data: predicted proportions, one per row) or, for a
        time-to-event data set, ``(grid, cumulative incidence (G, U, K), death hazards (G,))``.
    rho : float, optional
        The overdispersion of a beta-binomial data set (None: the value fixed in its likelihood);
        ignored by the other likelihoods.

    Returns
    -------
    float
        The full log-likelihood (binomial coefficients and Gaussian constants included).
    """
    lik = prob.likelihood
    if isinstance(lik, CensoredTimeToEvent):
        return lik.loglik(*prediction)          # (grid, cif, hd)
    if isinstance(lik, BetaBinomial):
        return lik.loglik(prediction, rho)
    return lik.loglik(prediction)


def _values_key(over: Mapping) -> tuple:
    """A hashable key of a dict of model values."""
    return tuple(sorted(over.items()))


def batchable(endpoint: Endpoint) -> bool:
    """Whether :func:`metakinetics.population.incidence_batch` takes ``endpoint`` (not by size)."""
    inner = endpoint.inner if isinstance(endpoint, Landmark) else endpoint
    return not isinstance(inner, BySize)


@dataclass
class Evaluation:
    """Predictions at one parameter vector: per problem, row predictions (aggregate) or the
    (grid, cumulative incidence (G, U, K), death hazards (G,)) of a time-to-event problem."""

    x: np.ndarray
    predictions: list
    failed: str | None = None


#: what :meth:`Objective.minus2ll` returns where the model cannot be evaluated (finite, so that the
#: optimisers step back from it)
FAILED_MINUS2LL = 1e12

class Objective:
    """-2 log-likelihood of all data sets (plus priors) as a function of the search vector."""

    def __init__(self, setup: FitSetup, predictor: Predictor | None = None, *, model: Model | None = None,
                 ctc_predictor: CtcPredictor | None = None):
        self.setup = setup
        # fixed values in model units (years), as FitResult.base_model and the scenarios apply them
        self.model = model if model is not None else fixed_model(setup.model, setup.model_set)
        self.params = ParameterSet(list(setup.parameters))
        known = settable_values(self.model)             # the keys the set-up reader accepts
        for p in self.params:
            for k in p.keys:
                if k not in known:
                    raise FitError(f"free parameter '{k}' is not a numeric parameter of model '{self.model.name}'")
        try:
            self.problems = [build_problem(s, self.model, grid_step=setup.grid_step) for s in setup.data]
        except FitError as exc:     # a [[data]] entry's problem: name the set-up file it sits in
            if setup.path and str(setup.path) not in str(exc):
                raise FitError(f"{setup.path}: {exc}") from None
            raise
        labels = [p.label for p in self.problems]
        if len(set(labels)) != len(labels):
            dup = next(x for x in labels if labels.count(x) > 1)
            raise FitError(f"two data sets share the label '{dup}' (give each a distinct label)")
        self.predictor = predictor or population_predictor(nodes=setup.nodes, seed=setup.seed)
        #: groups that differ only in numbers (time-to-event groups, a data set's rows) batched into one
        #: engine call: only with the population predictor (a predictor passed in is called per model)
        self._batched_groups = predictor is None
        self.ctc_predictor = ctc_predictor or population_ctc_predictor(nodes=setup.nodes)
        self.batch_predictor = population_batch_predictor(nodes=setup.nodes)
        # search-vector position of each beta-binomial data set's free rho (None: fixed in the set-up)
        names = {p.key: j for j, p in enumerate(self.params)}
        self.rho_index = {i: names.get(OVERDISPERSION + prob.label) for i, prob in enumerate(self.problems)
                          if isinstance(prob.likelihood, BetaBinomial)}
        for i, j in self.rho_index.items():
            if j is None and self.problems[i].likelihood.fixed is None:
                raise FitError(f"data set '{self.problems[i].label}': the beta-binomial likelihood needs an "
                               f"overdispersion (a free parameter {OVERDISPERSION}{self.problems[i].label} or a "
                               "fixed value)")
        extra = {p.key for p in self.params if p.key.startswith(OVERDISPERSION)} - {
            OVERDISPERSION + self.problems[i].label for i in self.rho_index}
        if extra:
            raise FitError(f"free parameter '{sorted(extra)[0]}' names no beta-binomial data set")
        self.has_residuals = not any(isinstance(p.likelihood, CensoredTimeToEvent) for p in self.problems)
        #: the information from first derivatives (J^T J of residuals, BHHH for individual patients):
        #: always where every data set has residuals, on request (``[fit] information``) otherwise
        self.scoring = self.has_residuals or setup.information == "scoring"
        self.n_obs = sum(p.n_obs for p in self.problems)
        self.nfev = 0
        self.n_failed = 0
        self.callback: Callable[[int, float], None] | None = None
        self.best = np.inf

    # ------------------------------------------------------------------ models and predictions
    def evaluate(self, x: np.ndarray) -> Evaluation:
        """Predictions of every data set at search vector ``x``; an Evaluation with ``failed`` set (the
        reason) when the model cannot be evaluated there.
        """
        x = np.asarray(x, dtype=float)
        cache: dict = {}
        try:
            preds = [self._tte_predictions(x, prob, cache) if isinstance(prob.likelihood, CensoredTimeToEvent)
                     else self._row_predictions(x, prob, cache) for prob in self.problems]
        except MetakineticsError as exc:
            return Evaluation(x=x, predictions=[], failed=str(exc))
        return Evaluation(x=x, predictions=preds)

    def predict(self, model: Model, endpoint: Endpoint, times: np.ndarray, cache: dict):
        """(columns, values (T, columns)) of ``endpoint`` at ``times`` for ``model``, cached in
        ``cache`` for one evaluation; FitError if any value is not finite."""
        key = (id(model), endpoint, times.tobytes())
        if key not in cache:
            cols, vals = self.predictor(model, endpoint, times)
            vals = np.asarray(vals, dtype=float).reshape(len(times), len(cols))
            if not np.all(np.isfinite(vals)):
                raise FitError(f"the model gave non-finite {endpoint.name} incidence")
            # the entry holds the model: its id cannot be reused by another model while the cache
            # lives (a model made for one call and then freed, e.g. the time-to-event groups' models
            # without background death, returned another group's prediction when its id came back)
            cache[key] = (tuple(cols), vals, model)
        return cache[key][:2]

    def _ctc(self, model: Model, endpoint: CtcPositive, cache: dict) -> float:
        key = (id(model), endpoint)
        if key not in cache:
            p = float(self.ctc_predictor(model, endpoint.draw_ml, endpoint.at))
            if not (0.0 <= p <= 1.0):
                raise FitError(f"the model gave CTC positivity {p!r} outside [0, 1]")
            cache[key] = (p, model)          # held: see predict
        return cache[key][0]

    def group_values(self, x, prob: Problem, group, subset="") -> dict:
        """The model values (dotted keys) of ``group`` at search point ``x``: the data set's fixed
        values, then the fitted ones; for rows about one intrinsic or nodal class, ``subset``'s."""
        over = prob.group_overrides(group, subset)
        over.update(self.params.overrides(x, prob.base_group(group)))
        return over

    def model_at(self, x, prob, group, cache, subset="") -> Model:
        """The model at search point ``x`` for ``group`` (its fixed and fitted values) and, for rows
        about one intrinsic or nodal class, ``subset`` (problem.Subset); cached."""
        over = self.group_values(x, prob, group, subset)
        key = ("model", tuple(sorted(over.items())))
        if key not in cache:
            # the value rules are applied where the prediction resolves the model (once, not twice)
            cache[key] = self.model.with_values(over, validate=False) if over else self.model
        return cache[key]

    def _row_predict(self, x, prob: Problem, group, subset, endpoint: Endpoint, times: np.ndarray, cache):
        """(columns, values (T, columns)) of one series' model: from the batch :meth:`_prefetch_rows`
        made, else one engine call."""
        hit = cache.get(("rows", _values_key(self.group_values(x, prob, group, subset)), endpoint, times.tobytes()))
        if hit is not None:
            return hit
        return self.predict(self.model_at(x, prob, group, cache, subset), endpoint, times, cache)

    def _prefetch_rows(self, x, prob: Problem, cache) -> None:
        """Every (model, endpoint, times) the data set's rows ask for, in one batched engine call per
        endpoint, times and set of keys (the models differ in numbers only: group diameters, class
        shares, nodal classes), stored for :meth:`_row_predict`."""
        wanted: dict = {}
        for s in prob.series:
            if isinstance(s.endpoint, CtcPositive) or not batchable(s.endpoint):
                continue
            parts = prob.nodal_mix(s)                 # as Problem.mixed asks: each nodal class, and
            subsets = [sub for sub, _ in parts] or [s.subset]      # its denominator where the rows are ratios
            dist = denominator(s.endpoint) if parts else None
            for sub in subsets:
                over = self.group_values(x, prob, s.group, sub)
                for ep in (s.endpoint,) + ((dist,) if dist is not None else ()):
                    key = ("rows", _values_key(over), ep, s.times.tobytes())
                    if key not in cache:
                        wanted.setdefault((ep, s.times.tobytes(), frozenset(over)), {})[key] = (over, s.times)
        for (ep, _, _), reqs in wanted.items():
            if len(reqs) < 2:
                continue
            times = next(iter(reqs.values()))[1]
            got = self._batched([o for o, _ in reqs.values()], ep, times)
            if got is not None:
                cols, vals = got
                for i, key in enumerate(reqs):
                    cache[key] = (cols, vals[i])

    def _batched(self, overs: list[dict], endpoint: Endpoint, times: np.ndarray):
        """(columns, values (D, T, columns)) of D models that differ from ``self.model`` by the
        values ``overs`` (the same keys each) in one engine call: the values they share make one
        model, the numbers that differ its D parameter sets (the same numbers as D calls, to
        rounding). None where a differing value is not a number."""
        first = overs[0]
        if any(o.keys() != first.keys() for o in overs):
            return None
        common = {k: v for k, v in first.items() if all(o[k] == v for o in overs)}
        try:
            sets = {k: np.array([o[k] for o in overs], dtype=float) for k in first if k not in common}
        except (TypeError, ValueError):
            return None
        net = self.model.with_values(common, validate=False) if common else self.model
        cols, vals = self.batch_predictor(net, endpoint, times, sets)
        vals = np.asarray(vals, dtype=float).reshape(len(overs), len(times), len(cols))
        if not np.all(np.isfinite(vals)):
            raise FitError(f"the model gave non-finite {endpoint.name} incidence")
        return tuple(cols), vals

    def _row_predictions(self, x, prob: Problem, cache) -> np.ndarray:
        out = np.empty(prob.n_obs)
        if self._batched_groups:
            self._prefetch_rows(x, prob, cache)
        for s in prob.series:
            if isinstance(s.endpoint, CtcPositive):
                out[s.rows] = prob.mixed(s, lambda sub, ep: ((), self._ctc(self.model_at(x, prob, s.group, cache, sub),
                                                                          ep, cache)))[1]
                continue
            cols, vals = prob.mixed(s, lambda sub, ep: self._row_predict(x, prob, s.group, sub, ep, s.times, cache))
            try:
                ci = [cols.index(c) for c in s.columns]
            except ValueError:
                missing = next(c for c in s.columns if c not in cols)
                raise FitError(f"data set '{prob.label}': the {s.endpoint.name} prediction has no column "
                               f"'{missing}' (columns: {', '.join(cols)})") from None
            out[s.rows] = vals[s.t_index, ci]
        return out

    def _tte_predictions(self, x, prob: Problem, cache):
        if prob.covariates is not None:
            return self.covariate_predictions(self.model_at(x, prob, None, cache), prob)
        endpoint = endpoint_for_causes(prob.causes)
        if self._batched_groups and len(prob.groups) > 1:
            return self._tte_batch(x, prob, endpoint, cache)
        return self._tte_groups(x, prob, endpoint, cache)

    def _tte_groups(self, x, prob: Problem, endpoint: Endpoint, cache):
        """The time-to-event groups one model and one engine call each."""
        cifs, hds = [], []
        for g in prob.groups:
            model = self.model_at(x, prob, g, cache)
            hds.append(model.mortality.hazard)
            net = model.with_values({"mortality.hazard": 0.0}, validate=False) if model.mortality.hazard else model
            cols, vals = self.predict(net, endpoint, prob.grid, cache)
            idx = [cols.index(c) for c in prob.causes]
            cifs.append(vals[:, idx])
        return prob.grid, np.stack(cifs), np.asarray(hds)

    def _tte_batch(self, x, prob: Problem, endpoint: Endpoint, cache):
        """The time-to-event groups in one batched engine call (:meth:`_batched`: their diameters and
        nodal classes differ), without background death (the likelihood takes it per group); one
        call per group where that cannot be batched."""
        overs = [self.group_values(x, prob, g) for g in prob.groups]
        hds = np.array([float(o.get("mortality.hazard", self.model.mortality.hazard)) for o in overs])
        overs = [{**o, "mortality.hazard": 0.0} for o in overs]
        key = ("tte", tuple(_values_key(o) for o in overs), endpoint, prob.grid.tobytes())
        if key not in cache:
            got = self._batched(overs, endpoint, prob.grid)
            if got is None:
                return self._tte_groups(x, prob, endpoint, cache)
            cols, vals = got
            cache[key] = vals[:, :, [cols.index(c) for c in prob.causes]]
        return prob.grid, cache[key], hds

    def covariate_predictions(self, model: Model, prob: Problem):
        """:func:`covariate_prediction` of ``prob`` for ``model`` with this objective's batch predictor."""
        return covariate_prediction(model, prob, self.batch_predictor)

    # ------------------------------------------------------------------ objective
    def rho(self, x, i: int) -> float | None:
        """The overdispersion rho of data set ``i`` at search vector ``x`` (natural scale); None for a
        data set without one or with rho fixed in the set-up (the likelihood holds it)."""
        j = self.rho_index.get(i)
        return None if j is None else float(self.params.params[j].from_search(x[j]))

    def problem_loglik(self, ev: Evaluation) -> list[float]:
        """Log-likelihood of each data set (in order) given the predictions of ``ev``."""
        return [dataset_loglik(prob, pred, self.rho(ev.x, i))
                for i, (prob, pred) in enumerate(zip(self.problems, ev.predictions))]

    def prior_logpdf(self, x) -> float:
        """Log density of the Gaussian priors (search scale) at ``x``; 0 without priors."""
        r = self.params.prior_residuals(x)
        sds = np.array([p.prior_sd for p in self.params if p.prior_sd is not None])
        return float(-0.5 * np.sum(r ** 2) - np.sum(np.log(sds * np.sqrt(2 * np.pi)))) if r.size else 0.0

    def loglik_parts(self, x) -> np.ndarray:
        """(D + 1,) the log-likelihood of each of the D data sets (in order) and, last, the log prior
        density at ``x``; all -inf where the model fails. Their sum is :meth:`loglik`."""
        ev = self.evaluate(x)
        if ev.failed:
            return np.full(len(self.problems) + 1, -np.inf)
        return np.array(self.problem_loglik(ev) + [self.prior_logpdf(x)], dtype=float)

    def loglik(self, x) -> float:
        """Total log-likelihood (data) plus the log prior density; -inf where the model fails."""
        parts = self.loglik_parts(x)
        return float(parts.sum()) if np.all(np.isfinite(parts)) else -np.inf

    def residuals(self, x) -> np.ndarray:
        """Residual vector r with -2 log L = sum r^2 + const (aggregate data only)."""
        ev = self.evaluate(x)
        self.nfev += 1
        if ev.failed:
            self.n_failed += 1
            return np.full(self.n_obs + len(self.params.prior_residuals(x)), PENALTY_RESIDUAL)
        r = np.concatenate(self.residual_blocks(ev))
        self._report(float(np.sum(r ** 2)))
        return r

    def residual_blocks(self, ev: Evaluation) -> list[np.ndarray]:
        """The residuals of each data set (in order) and, last, of the priors, at the predictions of
        ``ev`` (aggregate data only): concatenated, the vector of :meth:`residuals`."""
        parts = [prob.likelihood.residuals(pred, self.rho(ev.x, i)) if isinstance(prob.likelihood, BetaBinomial)
                 else prob.likelihood.residuals(pred)
                 for i, (prob, pred) in enumerate(zip(self.problems, ev.predictions))]
        return parts + [self.params.prior_residuals(ev.x)]

    def score_terms(self, x) -> np.ndarray:
        """What the scoring information differentiates, concatenated: per data set its residuals
        (aggregate data: -2 log L = sum r^2 + const) or its patients' log-likelihoods (individual
        data), then the priors' residuals; NaN everywhere where the model fails. Which entries are
        log-likelihoods: :meth:`loglik_terms`."""
        ev = self.evaluate(x)
        self.nfev += 1
        if ev.failed:
            self.n_failed += 1
            return np.full(self.loglik_terms().size, np.nan)
        parts = [prob.likelihood.row_loglik(*pred) if isinstance(prob.likelihood, CensoredTimeToEvent)
                 else (prob.likelihood.residuals(pred, self.rho(ev.x, i)) if isinstance(prob.likelihood, BetaBinomial)
                       else prob.likelihood.residuals(pred))
                 for i, (prob, pred) in enumerate(zip(self.problems, ev.predictions))]
        return np.concatenate(parts + [self.params.prior_residuals(ev.x)])

    def loglik_terms(self) -> np.ndarray:
        """Boolean mask over :meth:`score_terms`: True for an individual patient's log-likelihood,
        False for a residual."""
        n_prior = len(self.params.prior_residuals(self.params.start_vector()))
        return np.concatenate([np.full(p.n_obs, isinstance(p.likelihood, CensoredTimeToEvent)) for p in self.problems]
                              + [np.zeros(n_prior, dtype=bool)])

    def score_sizes(self) -> list[int]:
        """The length of each data set's block of :meth:`score_terms`, then the priors'."""
        return [p.n_obs for p in self.problems] + [len(self.params.prior_residuals(self.params.start_vector()))]

    def minus2ll(self, x) -> float:
        """-2 (log-likelihood + log prior): the scalar objective (any data)."""
        self.nfev += 1
        ll = self.loglik(x)
        if not np.isfinite(ll):
            self.n_failed += 1
            return FAILED_MINUS2LL
        self._report(-2 * ll)
        return -2 * ll

    def silence(self) -> None:
        """Stop progress reports from this copy of the objective (a worker process evaluating
        finite differences for the fitting process, which reports for it)."""
        self.callback = None

    def _report(self, value: float) -> None:
        self.best = min(self.best, value)
        if self.callback is not None:
            self.callback(self.nfev, self.best)
