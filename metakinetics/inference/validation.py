"""Leave-one-data-set-out validation of a fit set-up: refit without each ``[[data]]`` set in turn and
predict its rows, with 95% prediction bands, from the fit to the others alone.

What it answers: does the model, fitted to the other cohorts, predict a cohort it has not seen,
within the uncertainty it claims? A row outside its band is a result to explain (a structural gap
of the model, a cohort unlike the others), not to hide.

How each left-out data set D is handled:

1. The full set-up is fitted once (the reference: every data set).
2. Identifiability without D: the Fisher information of the reduced set-up (every data set but
   D) at the full fit's estimate, on the search scale. A parameter the remaining data cannot
   move (its diagonal below ``NO_EFFECT`` of the largest) or a direction of the information whose
   eigenvalue is below ``RANK_TOL`` times the largest (e.g. shedding mu x every organ efficiency,
   which only the CTC row separates) is not identified without D: the parameter with the largest
   weight in that direction (the first in set-up order on a tie within 1%) is fixed at the full
   fit's estimate for this refit, repeated until the rest is identified. The report names them.
   The information is computed once, split by data set (``intervals.information_parts``); the
   reduced set-up's is the sum of the other parts (the log-likelihood is a sum over data sets).
3. The reduced set-up is refitted with the set-up's own options and seed (Wald covariance: the
   band needs the covariance only, whatever interval method the set-up asks for; without bands,
   ``intervals = 'none'``: the point estimate only). The refit starts at the full fit's estimates
   moved by up to ``NEWTON_STEPS`` Newton steps on the information of step 2 (a fresh gradient per
   step), not at the set-up's start values: the optimum is the same (tested against fits of the
   reduced set-ups), the optimiser's walk to it much shorter. Without bands the refit has no
   Newton check of its own, so the same steps follow the optimiser; the message says how many
   were taken and the log-likelihood they still promise, and where that stays above
   ``NEWTON_GAIN`` the reduced set-up is also fitted from its start values (the lower -2 log L
   is kept).
4. Every row of D is predicted at the refit's estimate (``predicted``), with D's own ``set`` and
   group values, exactly as the fit's objective would predict it.
5. The 95% prediction band of a row is the central 95% of the mixture, over ``draws`` parameter
   sets drawn (seeded) from the refit's covariance (FitResult.draw_values: multivariate normal on
   the search scale, log for log parameters), of the row's sampling distribution given the
   predicted proportion p_j of draw j:

   - binomial rows: Binomial(n, p_j) / n at the row's denominator n (rounded to a whole patient);
     beta-binomial rows: BetaBinomial(n, p_j, rho) / n with the full fit's rho of that data set;
   - least-squares rows: Normal(p_j, sigma), sigma the row's stated standard error (or the set-up's
     ``sigma``).

   The mixture's 2.5% and 97.5% quantiles are found exactly (bisection on the mixture CDF), so the
   only Monte Carlo error is that of the parameter draws. A row is ``inside`` when its observed
   proportion lies in [low, high]. ``position`` is the mixture CDF at the observed value (mid-P for
   binomial rows): below 0.025 the row lies under its band, above 0.975 over it. The
   parameter-only band (``param_low``, ``param_high``: 2.5-97.5 percentiles of p_j) tells whether
   a miss comes from the parameters or from sampling noise.
6. The held-out log-likelihood (``heldout_loglik``) is the log-likelihood of D's rows at the
   predictions of step 4, by the fit's own rule for a data set (``objective.dataset_loglik`` with
   D's likelihood; beta-binomial rows with the rho of step 5); each row's own term is its
   ``loglik`` (they add up to it). The cross-validated log-likelihood of the set-up
   (``Validation.cv_loglik``) is their sum over the data sets with one: higher is better, and two
   set-ups compare only over the same data sets (``cv_datasets`` lists them).

Data sets of individual patients (time-to-event) have no per-row proportion: they stay in every
refit and are reported as not validated (no held-out log-likelihood). A refit that fails or does not
converge is reported; a failed one has no held-out log-likelihood, a non-converged one has one (at its
last point), as its rows are counted.
"""
from __future__ import annotations

import csv
import io
import json
import math
import time as _time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import numpy as np
from scipy.stats import betabinom, binom, norm

from .. import __version__
from ..errors import FitError, MetakineticsError
from ..seeds import check_seed
from .bands import DrawPredictor
from .fixed import fixed_model
from .intervals import NO_EFFECT, Information, gradient, information, information_parts, newton_step
from .likelihood import OVERDISPERSION, BetaBinomial, Binomial, CensoredTimeToEvent
from .objective import CtcPredictor, Objective, Predictor, dataset_loglik
from .parallel import Differences
from .problem import FitSetup, Problem, build_problem, load_setup
from .results import FitResult, json_safe, result_start

#: A direction of the reduced set-up's information with an eigenvalue below RANK_TOL x the largest is
#: taken as not identified without the left-out data set (1e-8: a change of 1e4 search units along
#: it moves -2 log L by less than one unit when the best-determined direction has information 1).
RANK_TOL = 1e-8

#: Newton steps on the information without the left-out data set (already computed: the parts)
#: with a fresh gradient of the reduced -log L at each step (2n evaluations): up to NEWTON_STEPS
#: from the full fit's estimates before a refit's optimiser runs (it then has little to do) and,
#: without bands, up to NEWTON_STEPS after it (its own stopping rule can leave tenths of a
#: log-likelihood unit along a flat direction, and a held-out data set's log-likelihood can move by
#: hundreds along it: measured on fits/breast_joint/ladder/1_one_class). A step that does not lower
#: -2 log L is halved, twice at most.
NEWTON_STEPS = 10
#: log-likelihood units: steps stop once one promises at most this (fit.POLISH_GAIN)
NEWTON_GAIN = 0.01

#: Share of left-out rows inside their 95% band the issue asks for.
TARGET = 0.80

#: The fixed wording of the band, stored in validate.json.
BAND_RULE = ("central {level:g}% of the mixture over {draws} parameter draws (seeded, from the refit's covariance "
             "on the search scale) of the row's sampling distribution at the draw's predicted proportion: "
             "Binomial(n, p)/n at the row's denominator n for binomial rows, Normal(p, sigma) with the row's "
             "standard error for least-squares rows; quantiles found exactly by bisection on the mixture CDF")


@dataclass(frozen=True)
class LeftOut:
    """One left-out data set: how its refit went and its rows' predictions.

    ``status`` is 'validated', 'not converged' (the refit stopped without converging: rows predicted
    at its last point and counted), 'not validated' (individual data, or every parameter
    unidentified without it) or 'refit failed' (no rows); ``reason`` says why when not validated. ``fixed`` maps the
    parameters fixed at the full fit's estimate for this refit (unidentified without the data set)
    to that value; ``estimates`` the refit's estimates (natural scale, model units) by parameter;
    ``rows`` one dict per data row (see :func:`validate`); ``heldout_loglik`` the data set's
    log-likelihood at the refit's predictions (the fit's own likelihood; NaN without rows)."""

    label: str
    name: str
    likelihood: str
    status: str
    reason: str = ""
    fixed: dict[str, float] = field(default_factory=dict)
    refit_status: str = ""
    refit_message: str = ""
    estimates: dict[str, float] = field(default_factory=dict)
    failed_draws: int = 0
    elapsed_s: float = 0.0
    rows: tuple[dict, ...] = ()
    heldout_loglik: float = math.nan


@dataclass(frozen=True)
class Validation:
    """Leave-one-data-set-out validation of a fit set-up (see the module docstring for the method).

    ``datasets`` holds one :class:`LeftOut` per ``[[data]]`` set, in set-up order; ``full_estimates``
    the estimates of the fit to every data set."""

    name: str
    setup_path: str | None
    seed: int
    draws: int
    level: float
    package_version: str
    elapsed_s: float
    full_estimates: dict[str, float]
    datasets: tuple[LeftOut, ...]
    target: float = TARGET
    bands: bool = True        # False: the cross-validated log-likelihood only (no bands, nothing inside)
    start: str = "setup"      # where the full fit started: the set-up's values or result.json's estimates
    #: parameters at a bound of their range in the full fit: fixed there in every refit (the
    #: information, finite differences across the bound, is not defined there)
    at_bound: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> list[dict]:
        """Every predicted left-out row, data set by data set."""
        return [r for d in self.datasets for r in d.rows]

    @property
    def n_inside(self) -> int:
        """Rows whose observed value lies inside their band."""
        return sum(r["inside"] is True for r in self.rows)

    @property
    def share_inside(self) -> float:
        """Share of predicted rows inside their band (NaN with no rows or no bands)."""
        n = len(self.rows)
        return self.n_inside / n if n and self.bands else math.nan

    @property
    def cv_datasets(self) -> tuple[str, ...]:
        """Labels of the data sets with a held-out log-likelihood (the ones :attr:`cv_loglik` sums)."""
        return tuple(d.label for d in self.datasets if math.isfinite(d.heldout_loglik))

    @property
    def cv_loglik(self) -> float:
        """Cross-validated log-likelihood: the sum of the held-out log-likelihoods of
        :attr:`cv_datasets` (NaN when there is none). Higher is better; comparable only between
        validations over the same data sets."""
        lls = [d.heldout_loglik for d in self.datasets if math.isfinite(d.heldout_loglik)]
        return float(sum(lls)) if lls else math.nan

    @property
    def share_independent(self) -> float:
        """Share inside among the rows of data sets whose refit fixed no parameter at the full fit's
        estimate (that estimate saw the left-out data, so those rows are not an independent test)."""
        rows = [r for r in self.rows if r["independent"]]
        return sum(r["inside"] is True for r in rows) / len(rows) if rows and self.bands else math.nan

    @property
    def band_rule(self) -> str:
        """How each row's band is formed, in words."""
        if not self.bands:
            return "none: the cross-validated log-likelihood only (refits at their point estimates, no bands)"
        rule = BAND_RULE.format(level=100 * self.level, draws=self.draws)
        if any("overdispersion" in r for r in self.rows):
            rule += ("; beta-binomial rows: BetaBinomial(n, p, rho)/n with the full fit's rho of that data set "
                     "(overdispersion)")
        return rule

    def to_dict(self) -> dict:
        """A JSON-safe dict (NaN and inf as None): validate.json."""
        d = asdict(self)
        d.update({"band": self.band_rule, "n_rows": len(self.rows), "n_inside": self.n_inside,
                  "share_inside": self.share_inside,
                  "share_inside_independent": self.share_independent,
                  "meets_target": bool(self.share_inside >= self.target) if self.bands else None,
                  "cv_loglik": self.cv_loglik, "cv_datasets": list(self.cv_datasets),
                  "n_cv_datasets": len(self.cv_datasets)})
        return json_safe(d)

    def to_json(self) -> str:
        """The JSON text of validate.json (indented, no NaN)."""
        return json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n"

    def to_csv(self) -> str:
        """One line per left-out row (validate.csv): the columns of :data:`CSV_COLUMNS`."""
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for r in self.rows:
            w.writerow({k: _csv_cell(r.get(k)) for k in CSV_COLUMNS})
        return buf.getvalue()


#: Columns of validate.csv.
CSV_COLUMNS = ("dataset", "row", "label", "group", "organ", "endpoint", "time", "landmark", "observed", "predicted",
               "param_low", "param_high", "low", "high", "inside", "position", "n", "sigma", "independent", "loglik")


def validate(setup: FitSetup | str | Path, *, draws: int = 200, seed: int | None = None, level: float = 0.95,
             progress: Callable[[int, int, str], None] | None = None, predictor: Predictor | None = None,
             ctc_predictor: CtcPredictor | None = None, full: FitResult | None = None,
             bands: bool = True, start: str = "setup") -> Validation:
    """Leave each data set of a fit set-up out in turn, refit, and predict its rows with bands.

    Parameters
    ----------
    setup : FitSetup, str or pathlib.Path
        The set-up (or a fit folder / fit.toml); it needs at least two ``[[data]]`` sets.
    draws : int
        Parameter draws from each refit's covariance behind the bands (at least 20).
    seed : int, optional
        Seed of the parameter draws (default: the set-up's seed); left-out set i draws with
        ``SeedSequence([seed, i])``. Same seed, same numbers.
    level : float
        Central probability of the prediction bands (0.95).
    progress : callable, optional
        ``progress(done, total, label)`` after each left-out data set.
    predictor, ctc_predictor : callable, optional
        Passed to every :func:`~metakinetics.inference.fit` (tests); the left-out predictions always
        use the population model (``population.incidence_batch``, as the fit's bands).
    full : FitResult, optional
        The fit to every data set, when already at hand (else it is fitted here).
    bands : bool
        False: the cross-validated log-likelihood only. Refits stop at the point estimate
        (``intervals = 'none'``: no information; the Newton steps of NEWTON_STEPS finish them) and
        rows get no band (``low``, ``high``, ``inside`` null); about half the time of a
        validation with bands.
    start : str
        Where the full fit starts (when ``full`` is not given): 'setup' (the set-up's start
        values) or 'result' (the estimates in result.json beside the set-up's fit.toml, which the
        full fit then only confirms: on a set-up whose fit took an hour, minutes).

    Returns
    -------
    Validation
        Per left-out data set: the parameters fixed, the refit, and per row ``dataset``, ``row``
        (data-file line), ``label``, ``group``, ``organ``, ``endpoint``, ``time`` (years),
        ``landmark``, ``observed`` and ``predicted`` (proportions), ``param_low``/``param_high``
        (parameter-only band), ``low``/``high`` (the prediction band), ``inside``, ``position``
        (mixture CDF at the observed value), ``n`` (binomial denominator) or ``sigma``,
        ``independent`` (False when the refit fixed parameters at the full fit's estimate) and
        ``loglik`` (the row's log-likelihood at ``predicted``); per data set ``heldout_loglik``
        (the sum of its rows'), and in all ``cv_loglik`` (the sum over the data sets that have
        one, ``cv_datasets``; time-to-event data sets and failed refits have none).

    Raises
    ------
    FitError
        When the set-up has fewer than two data sets, or the full fit fails.
    """
    from .fit import fit

    if not isinstance(setup, FitSetup):
        setup = load_setup(setup)
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 20:
        raise FitError(f"validate: draws must be a whole number >= 20 (a 95% band from fewer is noise), "
                       f"found {draws!r}")
    if not 0 < level < 1:
        raise FitError(f"validate: level must be in (0, 1), found {level!r}")
    check_seed(seed)
    seed = setup.seed if seed is None else int(seed)
    where = setup.path or setup.name
    if len(setup.data) < 2:
        raise FitError(f"{where}: data: validate leaves one [[data]] set out at a time and refits on the others; "
                       f"this set-up has {len(setup.data)} (nothing would be left to fit)")
    t0 = _time.perf_counter()
    if start not in ("setup", "result"):
        raise FitError(f"validate: start must be 'setup' or 'result', found {start!r}")
    if full is None:
        points = None
        if start == "result":       # the committed estimates: the full fit only confirms them
            points = [result_start(setup.path, Objective(setup, predictor, ctc_predictor=ctc_predictor).params)]
        full = fit(setup, predictor=predictor, ctc_predictor=ctc_predictor, intervals="wald", curves=False,
                   start_points=points)
    full_values = {e.name: e.value for e in full.estimates}
    at_bound = {e.name: e.value for e in full.estimates if e.at_bound}
    if at_bound:                # fixed at the bound in every refit: no information across it
        setup = _fix(setup, at_bound)[0]
        if not setup.parameters:
            raise FitError(f"{where}: every free parameter is at a bound in the fit to every data set "
                           f"({', '.join(at_bound)}): nothing is left to refit")
    parts = _information_parts(setup, full_values, predictor=predictor, ctc_predictor=ctc_predictor)
    out = []
    for i, spec in enumerate(setup.data):
        t1 = _time.perf_counter()
        left = _leave_out(setup, i, full_values, parts, draws=draws, seed=[seed, i], level=level,
                          predictor=predictor, ctc_predictor=ctc_predictor, bands=bands)
        out.append(replace(left, elapsed_s=_time.perf_counter() - t1))
        if progress is not None:
            progress(i + 1, len(setup.data), left.label)
    return Validation(name=setup.name, setup_path=full.setup_path, seed=seed, draws=draws if bands else 0,
                      level=level, bands=bands, start=start, at_bound=at_bound,
                      package_version=__version__, elapsed_s=_time.perf_counter() - t0, full_estimates=full_values,
                      datasets=tuple(out))


def _information_parts(setup: FitSetup, values: dict[str, float], *, predictor, ctc_predictor) -> dict:
    """The full set-up's information at ``values`` split by data set (intervals.information_parts),
    on the set-up's worker pool: {"labels": parameter labels, "parts": (D + 1, n, n)}."""
    obj = Objective(setup, predictor, ctc_predictor=ctc_predictor)
    x = np.array([p.to_search(values[p.label]) for p in obj.params])
    if setup.workers > 1:
        target = obj.residuals if obj.has_residuals else obj.score_terms if obj.scoring else obj.loglik_parts
        with Differences(target, *obj.params.bounds(), setup.workers, initializer=obj.silence) as diffs:
            return {"labels": obj.params.labels, "parts": information_parts(obj, x, diffs.values)}
    return {"labels": obj.params.labels, "parts": information_parts(obj, x)}


def _leave_out(setup: FitSetup, i: int, full_values: dict[str, float], parts: dict, *, draws: int, seed,
               level: float, predictor, ctc_predictor, bands: bool = True) -> LeftOut:
    """Refit without data set ``i`` and predict its rows."""
    from .fit import fit

    spec = setup.data[i]
    model = fixed_model(setup.model, setup.model_set)
    prob = build_problem(spec, model, grid_step=setup.grid_step)
    base = {"label": prob.label, "name": spec.name, "likelihood": prob.likelihood.kind}
    if isinstance(prob.likelihood, CensoredTimeToEvent):
        return LeftOut(**base, status="not validated",
                       reason="individual time-to-event data have no per-row proportion to predict; "
                              "kept in every refit")
    # a beta-binomial data set's own overdispersion leaves with it; its rows are predicted with the full
    # fit's rho (or the set-up's fixed one): the only estimate of their spread there is
    own_rho = OVERDISPERSION + prob.label
    rho = full_values.get(own_rho, spec.overdispersion) if isinstance(prob.likelihood, BetaBinomial) else None
    reduced = replace(setup, data=setup.data[:i] + setup.data[i + 1:], compare=(),
                      parameters=tuple(p for p in setup.parameters if p.key != own_rho))
    keep = [j for j, lab in enumerate(parts["labels"]) if lab != own_rho]
    without = np.delete(parts["parts"], i, axis=0).sum(axis=0)[np.ix_(keep, keep)]
    fixed_labels = unidentified_from(without, [parts["labels"][j] for j in keep])
    fixed = {lab: full_values[lab] for lab in fixed_labels}
    reduced, group_fixed = _fix(reduced, fixed)
    if not reduced.parameters:
        return LeftOut(**base, status="not validated", fixed=fixed,
                       reason="no free parameter is identified by the other data sets")
    try:
        newton = _Newton(reduced, parts["labels"], np.delete(parts["parts"], i, axis=0).sum(axis=0),
                         predictor=predictor, ctc_predictor=ctc_predictor)
        start, _, _, _ = newton.steps([full_values[lab] for lab in newton.labels])
        refit = fit(reduced, predictor=predictor, ctc_predictor=ctc_predictor, start_points=[start],
                    intervals="wald" if bands else "none", curves=False)
        values, message = [e.value for e in refit.estimates], refit.message
        if not bands:         # no Newton check in the refit (no information): these steps are it
            refit, values, message = _polished(newton, refit, reduced, predictor, ctc_predictor)
    except MetakineticsError as exc:
        return LeftOut(**base, status="refit failed", fixed=fixed, reason=str(exc))
    estimates = dict(zip((e.name for e in refit.estimates), values))
    info = {"fixed": fixed, "refit_status": refit.status, "refit_message": message, "estimates": estimates}
    model = fixed_model(reduced.model, reduced.model_set)
    point = np.array([values])
    try:
        predicted = _RowPredictor(refit, model, point, reduced.nodes, group_fixed).rows_of(prob)[0]
        if not bands:
            return _point_only(base, prob, predicted, rho, refit, fixed, info)
        if refit.covariance_matrix() is None:
            raise FitError("the refit has no finite covariance matrix")
        samples = _RowPredictor(refit, model, refit.draw_values(draws, seed), reduced.nodes,
                                group_fixed).rows_of(prob)
    except MetakineticsError as exc:
        return LeftOut(**base, status="refit failed", reason=f"cannot predict the left-out rows: {exc}", **info)
    ok = np.all(np.isfinite(samples), axis=1)
    if ok.sum() < 20:
        return LeftOut(**base, status="refit failed", reason=f"only {int(ok.sum())} of {draws} parameter draws "
                       "could be evaluated", **info)
    heldout, row_ll = heldout_loglik(prob, predicted, rho)
    rows = tuple({**r, "independent": not fixed, "loglik": ll}
                 for r, ll in zip(_rows(prob, predicted, samples[ok], level, rho), row_ll))
    status = "validated" if refit.converged else "not converged"
    reason = "" if refit.converged else (f"the refit did not converge ({refit.message}); its rows are predicted at "
                                         "the last point reached and counted")
    return LeftOut(**base, status=status, reason=reason, failed_draws=int((~ok).sum()), rows=rows,
                   heldout_loglik=heldout, **info)


class _Newton:
    """Newton steps on the reduced set-up's -log L with a fixed information matrix (the sum of the
    other data sets' parts at the full fit's estimates) and fresh gradients (see NEWTON_STEPS)."""

    def __init__(self, reduced: FitSetup, labels: list[str], without: np.ndarray, *, predictor, ctc_predictor):
        self.obj = Objective(reduced, predictor, ctc_predictor=ctc_predictor)
        self.labels = self.obj.params.labels
        at = [labels.index(lab) for lab in self.labels]
        self.matrix = without[np.ix_(at, at)]

    def steps(self, values) -> tuple[np.ndarray, float, int, float | None]:
        """From natural-scale ``values`` (in parameter order): the search-scale point reached, -2 log L
        there, the steps taken and the gain the last step still promised (None: matrix not positive
        definite)."""
        obj = self.obj
        lo, hi = obj.params.bounds()
        x = np.clip([p.to_search(v) for p, v in zip(obj.params, values)], lo, hi)
        f = obj.minus2ll(x)
        taken, gain = 0, None
        for k in range(NEWTON_STEPS + 1):       # the last pass only measures the gain left
            info = Information(matrix=self.matrix, cov=np.zeros_like(self.matrix), singular=False,
                               kind="information without the left-out data set", gradient=gradient(obj, x))
            step = newton_step(info, x, lo, hi)
            gain = None if step is None else step.gain
            if step is None or step.gain <= NEWTON_GAIN or k == NEWTON_STEPS:
                break
            for frac in (1.0, 0.5, 0.25):
                trial = x + frac * (step.x - x)
                f_trial = obj.minus2ll(trial)
                if f_trial < f:
                    break
            else:
                break
            x, f, taken = trial, f_trial, taken + 1
        return x, f, taken, gain


def _polished(newton: _Newton, refit: FitResult, reduced: FitSetup, predictor, ctc_predictor):
    """A refit without bands finished by Newton steps (:class:`_Newton`); where they cannot bring
    the promised gain under NEWTON_GAIN (the information at the full fit's estimates is a poor model
    there), the reduced set-up is also fitted from its own start values, and the lower -2 log L
    kept. Returns (the refit, its natural-scale values, its message)."""
    from .fit import fit

    def finish(result: FitResult):
        x, f, taken, left = newton.steps([e.value for e in result.estimates])
        note = (f"{taken} Newton step{'s' * (taken != 1)} on the information without this data set, "
                + ("which is not positive definite" if left is None else f"{left:.2g} log-likelihood units left"))
        return result, x, f, left, note

    best = finish(refit)
    if best[3] is None or best[3] > NEWTON_GAIN:
        other = finish(fit(reduced, predictor=predictor, ctc_predictor=ctc_predictor, intervals="none", curves=False))
        if other[2] < best[2]:
            best = (*other[:4], other[4] + f"; refitted from the set-up's start values: -2 log L {best[2] - other[2]:.3g} "
                    "lower than from the Newton start")
        else:
            best = (*best[:4], best[4] + "; a refit from the set-up's start values did no better")
    result, x, _, _, note = best
    values = [float(p.from_search(v)) for p, v in zip(newton.obj.params, x)]
    return result, values, result.message.rstrip(".") + "; " + note


def _point_only(base: dict, prob: Problem, predicted: np.ndarray, rho, refit: FitResult, fixed: dict,
                info: dict) -> LeftOut:
    """A left-out data set's rows at the refit's estimate without bands (validate(bands=False))."""
    heldout, row_ll = heldout_loglik(prob, predicted, rho)
    nan = math.nan
    rows = tuple({**r, "param_low": nan, "param_high": nan, "low": nan, "high": nan, "inside": None,
                  "position": nan, "independent": not fixed, "loglik": ll}
                 for r, ll in zip(_rows(prob, predicted, predicted[None, :], 0.95, rho), row_ll))
    status = "validated" if refit.converged else "not converged"
    reason = "" if refit.converged else (f"the refit did not converge ({refit.message}); its rows are predicted at "
                                         "the last point reached and counted")
    return LeftOut(**base, status=status, reason=reason, rows=rows, heldout_loglik=heldout, **info)


def heldout_loglik(prob: Problem, predicted: np.ndarray, rho: float | None = None) -> tuple[float, list[float]]:
    """The log-likelihood of a (left-out) data set's rows at predicted proportions, and each row's term.

    Both come from the fit's own rule (:func:`~metakinetics.inference.objective.dataset_loglik` with
    ``prob.likelihood``): the data set at once, and each row as a data set of one row (the rows are
    independent, so the terms add up to the whole).

    Parameters
    ----------
    prob : Problem
        An aggregate data set (binomial, beta-binomial or least-squares rows).
    predicted : numpy.ndarray
        Predicted proportion of each row, in row order.
    rho : float, optional
        Overdispersion of a beta-binomial data set (None: the value fixed in its likelihood).

    Returns
    -------
    tuple of (float, list of float)
        The data set's log-likelihood and the per-row terms.

    Raises
    ------
    FitError
        For a time-to-event data set (no row predictions).
    """
    if isinstance(prob.likelihood, CensoredTimeToEvent):
        raise FitError(f"data set '{prob.label}': individual time-to-event data have no row predictions "
                       "(no held-out log-likelihood)")
    lik = prob.likelihood
    predicted = np.asarray(predicted, dtype=float)
    total = dataset_loglik(prob, predicted, rho)

    def row(j: int) -> Problem:
        one = {f.name: getattr(lik, f.name)[j:j + 1] for f in fields(lik)
               if isinstance(getattr(lik, f.name), np.ndarray)}
        return replace(prob, likelihood=replace(lik, **one))

    return total, [dataset_loglik(row(j), predicted[j:j + 1], rho) for j in range(prob.n_obs)]


def unidentified(setup: FitSetup, values: dict[str, float], *, predictor: Predictor | None = None,
                 ctc_predictor: CtcPredictor | None = None) -> list[str]:
    """Free parameters of ``setup`` its data cannot determine at ``values``, to fix.

    Parameters
    ----------
    setup : FitSetup
        The (reduced) set-up.
    values : dict
        Parameter label -> natural-scale value (the full fit's estimates) where the information is
        taken.
    predictor, ctc_predictor : callable, optional
        As for :class:`~metakinetics.inference.Objective`.

    Returns
    -------
    list of str
        Labels, in the order they were chosen: first every parameter without effect (information
        diagonal below NO_EFFECT of the largest), then, while the information of the rest has an
        eigenvalue below RANK_TOL x the largest, the parameter with the largest weight in that
        eigenvector (the first in set-up order within 1% of it).
    """
    obj = Objective(setup, predictor, ctc_predictor=ctc_predictor)
    x = np.array([p.to_search(values[p.label]) for p in obj.params])
    try:
        return unidentified_from(information(obj, x).matrix, obj.params.labels)
    except FitError as exc:
        raise FitError(f"{setup.path or setup.name}: {exc}") from None


def unidentified_from(info: np.ndarray, labels: list[str]) -> list[str]:
    """The labels :func:`unidentified` fixes, from the information matrix ``info`` (search scale,
    rows in the order of ``labels``).

    Parameters
    ----------
    info : numpy.ndarray
        (n, n) information of the reduced set-up at the full fit's estimate.
    labels : list of str
        Parameter labels, in the order of ``info``.

    Returns
    -------
    list of str
        As :func:`unidentified`.

    Raises
    ------
    FitError
        When the information is not finite.
    """
    if not np.all(np.isfinite(info)):
        raise FitError("the information without the left-out data set is not finite at the full fit's estimate")
    d = np.abs(np.diag(info))
    keep = [j for j in range(len(labels)) if d[j] > NO_EFFECT * max(d.max(), 1.0)]
    out = [labels[j] for j in range(len(labels)) if j not in keep]
    while keep:
        w, v = np.linalg.eigh(info[np.ix_(keep, keep)])
        if w[0] > RANK_TOL * max(w[-1], 1e-300):
            break
        weight = np.abs(v[:, 0])
        pick = next(k for k in range(len(keep)) if weight[k] >= 0.99 * weight.max())
        out.append(labels[keep.pop(pick)])
    return out


def _fix(setup: FitSetup, fixed: dict[str, float]) -> tuple[FitSetup, dict[str, dict[str, float]]]:
    """``setup`` with the parameters labelled in ``fixed`` fixed at those values: a shared one in the
    model's ``set`` (every tied key), a group-specific one in the ``groups`` tables of the data sets
    that have that group; also returns group -> {key: value} for the left-out rows' predictions."""
    if not fixed:
        return setup, {}
    model_set = dict(setup.model_set)
    group_fixed: dict[str, dict[str, float]] = {}
    for p in setup.parameters:
        if p.label in fixed:
            if p.group is None:
                model_set.update(dict.fromkeys(p.keys, fixed[p.label]))
            else:
                group_fixed.setdefault(p.group, {}).update(dict.fromkeys(p.keys, fixed[p.label]))
    data = []
    model = fixed_model(setup.model, model_set)
    for spec in setup.data:
        prob = build_problem(spec, model, grid_step=setup.grid_step) if group_fixed else None
        have = {prob.base_group(g) for g in prob.groups} if prob is not None else set()
        groups = {g: dict(v) for g, v in spec.groups.items()}
        for g, kv in group_fixed.items():
            if g in have:
                groups[g] = {**kv, **groups.get(g, {})}
        rho = fixed.get(OVERDISPERSION + str(spec.label))      # a beta-binomial rho fixed: the data set holds it
        data.append(replace(spec, groups=groups, **({} if rho is None else {"overdispersion": rho})))
    return (replace(setup, model_set=model_set, data=tuple(data),
                    parameters=tuple(p for p in setup.parameters if p.label not in fixed)), group_fixed)


class _RowPredictor(DrawPredictor):
    """The fit bands' predictor with group-specific values fixed outside the refit added."""

    def __init__(self, result, model, rows, nodes, group_fixed):
        super().__init__(result, model, rows, nodes)
        self.group_fixed = group_fixed

    def params(self, group: str) -> dict[str, np.ndarray]:
        """Dotted key -> (n,) values of every draw for ``group``, with the values fixed outside the refit."""
        out = {k: np.full(self.n, v) for k, v in self.group_fixed.get(group, {}).items()}
        out.update(super().params(group))
        return out


def _rows(prob: Problem, predicted: np.ndarray, samples: np.ndarray, level: float,
          rho: float | None = None) -> list[dict]:
    d = prob.data
    lik = prob.likelihood
    obs = lik.observed
    a = (1 - level) / 2
    p_lo, p_hi = np.percentile(samples, [100 * a, 100 * (1 - a)], axis=0)
    out = []
    for i in range(prob.n_obs):
        p = np.clip(samples[:, i], 0.0, 1.0)
        row = {"dataset": prob.label, "row": int(d.rows[i]), "label": row_label(d, i), "group": str(d.group[i]),
               "organ": str(d.organ[i]), "endpoint": str(d.endpoint[i]), "time": float(d.time[i]),
               "landmark": float(d.landmark[i]), "observed": float(obs[i]), "predicted": float(predicted[i]),
               "param_low": float(p_lo[i]), "param_high": float(p_hi[i])}
        if isinstance(lik, (Binomial, BetaBinomial)):
            n = max(1, int(round(float(lik.n[i]))))
            if isinstance(lik, BetaBinomial):   # Beta(a, b) risk around each draw's p, rho (intra-cohort correlation)
                q = np.clip(p, 1e-15, 1 - 1e-15)
                aa, bb = q * (1 - rho) / rho, (1 - q) * (1 - rho) / rho
                cdf = lambda k, aa=aa, bb=bb: betabinom.cdf(k, n, aa, bb)  # noqa: E731
            else:
                cdf = lambda k, p=p: binom.cdf(k, n, p)  # noqa: E731
            lo, hi = _binomial_band(cdf, n, a)
            k = float(obs[i]) * n
            pos = float(np.mean(0.5 * (cdf(math.floor(k)) + cdf(math.ceil(k) - 1))))
            row.update({"n": n, "sigma": math.nan, **({"overdispersion": rho} if rho is not None else {})})
        else:
            s = float(lik.sigma[i])
            lo, hi = _normal_band(samples[:, i], s, a)
            pos = float(np.mean(norm.cdf((obs[i] - samples[:, i]) / s)))
            row.update({"n": math.nan, "sigma": s})
        lo, hi = max(lo, 0.0), min(hi, 1.0)     # a proportion: the normal's tails beyond 0 and 1 are cut
        row.update({"low": lo, "high": hi, "inside": bool(lo <= obs[i] <= hi), "position": pos})
        out.append(row)
    return out


def row_label(d, i: int) -> str:
    """A short readable name of data row ``i``: group, organ, endpoint and time."""
    t = f"{float(d.time[i]):g} y"
    lm = float(d.landmark[i])
    if math.isfinite(lm):
        t += f" (from {lm:g} y)"
    grp = "" if str(d.group[i]) == "all" else f"{d.group[i]}: "
    return f"{grp}{d.organ[i]} {d.endpoint[i]} {t}"


def _binomial_band(cdf, n: int, a: float) -> tuple[float, float]:
    """(low, high) proportions: the a and 1-a quantiles of the mixture of counts out of ``n`` whose
    CDFs at k are ``cdf(k)`` (one per parameter draw: Binomial(n, p_j), or the beta-binomial), over n; an
    array of p_j means Binomial(n, p_j)."""
    if not callable(cdf):
        p = np.asarray(cdf, dtype=float)
        cdf = lambda k: binom.cdf(k, n, p)  # noqa: E731
    def quantile(q: float) -> int:      # smallest k with mean_j P(K <= k) >= q
        lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) // 2
            if np.mean(cdf(mid)) >= q:
                hi = mid
            else:
                lo = mid + 1
        return lo
    return quantile(a) / n, quantile(1 - a) / n


def _normal_band(p: np.ndarray, sigma: float, a: float) -> tuple[float, float]:
    """(low, high): the a and 1-a quantiles of the mixture of Normal(p_j, sigma), to 1e-9."""
    def quantile(q: float) -> float:
        lo, hi = float(p.min()) - 10 * sigma, float(p.max()) + 10 * sigma
        while hi - lo > 1e-9 * max(1.0, abs(hi)):
            mid = 0.5 * (lo + hi)
            if np.mean(norm.cdf((mid - p) / sigma)) >= q:
                hi = mid
            else:
                lo = mid
        return 0.5 * (lo + hi)
    return quantile(a), quantile(1 - a)


def _csv_cell(v):
    if isinstance(v, float):
        return "" if not math.isfinite(v) else f"{v:.6g}"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return v
