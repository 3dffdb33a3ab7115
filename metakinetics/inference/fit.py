"""Run a fit set-up: lmfit minimisation (optionally from several starts), intervals,
identifiability, goodness of fit per data set, and a :class:`FitResult` that says whether it
converged."""
from __future__ import annotations

import contextlib
import dataclasses

import math
import time as _time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import lmfit
import numpy as np
from scipy.stats import chi2

from .. import __version__
from ..errors import FitError, InputError, MetakineticsError
from .intervals import (Evaluate, Information, correlations, gradient, identifiability, information, newton_step,
                        profile, wald)
from .competing import crude_incidence
from .likelihood import BetaBinomial, Binomial, CensoredTimeToEvent
from .parallel import Differences
from .objective import FAILED_MINUS2LL, CtcPredictor, Objective, Predictor
from ..datasets.schema import CLINICIAN_ENDPOINTS
from ..endpoints import Lag, Landmark
from .problem import (INTERVALS, CtcPositive, FitSetup, Problem, ctc_draw_volume, endpoint_options, load_setup,
                      row_options)
from .results import Estimate, FitResult

DEFAULT_FIT = "breast"


def default_setup_path() -> Path:
    """The default fit set-up (``fits/breast/fit.toml``): from the checkout when run there, else the
    installed copy.

    Returns
    -------
    pathlib.Path
    """
    here = Path(__file__).resolve().parents[2] / "fits" / DEFAULT_FIT / "fit.toml"
    if here.is_file():
        return here
    return Path(str(resources.files("metakinetics._fits") / DEFAULT_FIT / "fit.toml"))


def resolve_setup_path(name_or_path: str | Path | None) -> Path:
    """The fit.toml a name or path means: a fit folder, a fit.toml path, or a bare name (``breast``)
    for a bundled fit.

    Parameters
    ----------
    name_or_path : str, pathlib.Path or None
        None means the default set-up (:func:`default_setup_path`).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FitError
        When there is no set-up there.
    """
    if name_or_path is None:
        return default_setup_path()
    p = Path(name_or_path)
    if p.is_dir():
        return p / "fit.toml"
    if p.exists():
        return p
    if "/" not in str(name_or_path) and not str(name_or_path).endswith(".toml"):
        res = resources.files("metakinetics._fits") / str(name_or_path) / "fit.toml"
        if res.is_file():
            return Path(str(res))
    raise FitError(f"{name_or_path}: no fit set-up there (expected a folder holding fit.toml)")


def fit(setup: FitSetup | str | Path, *, predictor: Predictor | None = None,
        progress: Callable[[int, float], None] | None = None, starts: int | None = None,
        start_points: np.ndarray | None = None, intervals: str | None = None,
        curves: bool = True, ctc_predictor: CtcPredictor | None = None) -> FitResult:
    """Fit a set-up and return its result (``status`` says whether it converged).

    Maximum likelihood over the set-up's free parameters (multi-start, the set-up's optimiser),
    then intervals, identifiability flags, per-data-set reports and the fitted curves.

    Parameters
    ----------
    setup : FitSetup, str or pathlib.Path
        A parsed set-up, a fit folder or a ``fit.toml`` path.
    predictor : callable, optional
        Replaces the population incidence, ``predictor(model, endpoint, times) -> (columns,
        values)`` (e.g. for tests).
    progress : callable, optional
        ``progress(nfev, best)`` is called on every objective evaluation.
    starts : int, optional
        Overrides the set-up's number of starts.
    start_points : numpy.ndarray, optional
        Start vectors on the search scale (log for log parameters), instead of jittered starts.
    intervals : str, optional
        Overrides the set-up's interval method ("wald", "profile", "conf_interval", or "none": the point
        estimate only, without the information matrix or the Newton check).
    curves : bool
        Include the fitted curves of each data set in the result.
    ctc_predictor : callable, optional
        Replaces the population CTC positivity of ``ctc_positive`` rows, ``ctc_predictor(model,
        draw_ml, at) -> probability``.

    Returns
    -------
    FitResult

    Raises
    ------
    FitError
        When the model cannot be evaluated at the fitted values.
    """
    if not isinstance(setup, (FitSetup, str, Path)):
        raise InputError(f"fit: expected a FitSetup, a fit folder or a fit.toml path, found {type(setup).__name__}")
    if not isinstance(setup, FitSetup):
        setup = load_setup(setup)
    t0 = _time.perf_counter()
    obj = Objective(setup, predictor, ctc_predictor=ctc_predictor)
    obj.callback = progress
    method = _check_intervals(intervals or setup.intervals, obj)   # before the optimisation, not after
    rng = np.random.default_rng(setup.seed)
    x0 = obj.params.start_vector()
    n_starts = starts or setup.starts
    if start_points is None:
        pts = [x0]
        if n_starts > 1:
            lo, hi = obj.params.bounds()
            jitter = setup.start_spread * (2 * rng.random((n_starts - 1, x0.size)) - 1)
            pts += list(np.clip(x0 + jitter, lo, hi))
    else:
        pts = [np.asarray(p, dtype=float) for p in start_points]
    optimiser = setup.optimiser
    if not obj.has_residuals and optimiser in ("least_squares", "leastsq"):
        optimiser = "lbfgsb"  # time-to-event data give no residual vector: minimise -2 log L directly
    with Differences(obj.residuals if optimiser in ("least_squares", "leastsq") else obj.minus2ll,
                     *obj.params.bounds(), setup.workers, initializer=obj.silence) as diffs:
        runs = [_minimise(obj, p, optimiser, setup.max_nfev, diffs if setup.workers > 1 else None, setup.tolerance)
                for p in pts]
        best = min(runs, key=lambda r: r["objective"])
        status, message = _status(obj, best, runs)
        with _information_pool(obj, optimiser, diffs, setup.workers) as evaluate:
            best, info, message = _information_and_check(obj, best, status, message, method, evaluate)
    x_hat = best["x"]
    est, cov, corr, info_kind, issues = _uncertainty(obj, x_hat, method, info)
    idle = [i["parameters"][0] for i in issues if i["issue"] == "no effect"]
    if idle:
        message += f"; but {', '.join(idle)} cannot act on these data (see identifiability)"
    ev = obj.evaluate(x_hat)
    if ev.failed:
        raise FitError(f"the model cannot be evaluated at the fitted values: {ev.failed}")
    lls = obj.problem_loglik(ev)
    loglik = float(sum(lls))
    k = len(obj.params)
    n = obj.n_obs
    gof_draws: dict[int, np.ndarray] = {}
    datasets = tuple(_dataset_report(obj, prob, pred, ll, x_hat, curves, gof_draws, i)
                     for i, (prob, pred, ll) in enumerate(zip(obj.problems, ev.predictions, lls)))
    fitted = {}
    groups = sorted({p.group for p in obj.params if p.group is not None})
    for g in [None] + groups:
        m = obj.model.with_values(obj.params.overrides(x_hat, g))
        fitted["shared" if g is None else g] = {k: m.get(k) for p in obj.params for k in p.keys}
    base_model = obj.model.with_values(obj.params.overrides(x_hat, None))
    return FitResult(
        name=setup.name, status=status, message=message,
        model_name=str(setup.model if isinstance(setup.model, str) else setup.model.name),
        optimiser=optimiser, interval_method=_interval_label(method), information=info_kind,
        estimates=tuple(est), correlations={"names": obj.params.labels, "matrix": corr.tolist()},
        loglik=loglik, n_obs=n, n_par=k, aic=2 * k - 2 * loglik, bic=k * math.log(max(n, 1)) - 2 * loglik,
        datasets=datasets, identifiability=tuple(issues),
        starts=tuple({"start": obj.params.natural(r["x0"]).tolist(), "estimate": obj.params.natural(r["x"]).tolist(),
                      "minus2_loglik": r["objective"], "success": r["success"], "message": r["message"]}
                     for r in runs),
        seed=setup.seed, package_version=__version__, elapsed_s=_time.perf_counter() - t0, nfev=obj.nfev,
        fitted_values=fitted, organs=tuple(organ_summary(base_model)), setup_path=_portable(setup.path),
        fixed=dict(setup.model_set), covariance=tuple(map(tuple, cov.tolist())),
        nodes=dict(setup.nodes) if isinstance(setup.nodes, dict) else setup.nodes,
        comparisons=tuple(compare(base_model, name, predictor=obj.predictor, nodes=setup.nodes,
                                  ctc_predictor=obj.ctc_predictor)
                          for name in setup.compare),
        goodness_of_fit=_overall_gof(datasets, gof_draws, setup.seed))


#: Replicate data sets of the parametric bootstrap behind a beta-binomial goodness of fit: the
#: Monte Carlo standard error of a p-value near 0.05 is sqrt(0.05 x 0.95 / 2000) ~ 0.005.
GOF_BOOTSTRAP = 2000
GOF_BOOTSTRAP_NOTE = ("parametric bootstrap: replicate data drawn from the fitted beta-binomial (seeded), the "
                      "deviance of each at the fitted values and rho, without refitting; the observed deviance was "
                      "minimised over the parameters and the replicates' were not, so the p-value is conservative "
                      "(too large) by about the number of free parameters in deviance units")


def _overall_gof(datasets, draws: dict[int, np.ndarray], seed: int) -> dict:
    """Goodness of fit of all aggregate data sets together: the sum of their statistics against its
    distribution. Without beta-binomial data sets: chi-square with the summed rows as df. With them:
    the sum of each beta-binomial data set's bootstrap deviances plus a chi-square(df) draw for each
    other aggregate data set (independent data sets), seeded."""
    agg = [(i, d) for i, d in enumerate(datasets) if "value" in d]
    if not agg:
        return {}
    total = float(sum(d["value"] for _, d in agg))
    df = int(sum(d["df"] for _, d in agg))
    out = {"statistic": "sum of the data sets' deviances / chi-squares", "value": total, "df": df,
           "data_sets": [d["label"] for _, d in agg]}
    if not draws:
        return {**out, "p_value": float(chi2.sf(total, df)), "method": "chi-square"}
    rng = np.random.default_rng([seed, 1])
    sim = np.zeros(GOF_BOOTSTRAP)
    for i, d in agg:
        sim += draws[i] if i in draws else rng.chisquare(d["df"], GOF_BOOTSTRAP)
    binom_total = float(sum(d.get("binomial_deviance", d["value"]) for _, d in agg))
    return {**out, "p_value": float((1 + np.sum(sim >= total)) / (1 + sim.size)), "method": GOF_BOOTSTRAP_NOTE
            + "; other data sets by chi-square draws", "bootstrap_draws": GOF_BOOTSTRAP,
            "binomial_value": binom_total, "binomial_p_value": float(chi2.sf(binom_total, df))}


def _portable(path: str | None) -> str | None:
    """The set-up path relative to the working directory when below it (results stay portable)."""
    if path is None:
        return None
    p = Path(path).resolve()
    try:
        return str(p.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(Path(p.parent.name) / p.name)


def _minimise(obj: Objective, x0: np.ndarray, optimiser: str, max_nfev: int | None,
              diffs: Differences | None = None, tolerance: float | None = None) -> dict:
    params = obj.params.to_lmfit(x0)
    names = obj.params.names
    vec = lambda p: np.array([p[nm].value for nm in names])  # noqa: E731
    target = obj.residuals if optimiser in ("least_squares", "leastsq") else obj.minus2ll
    fcn = lambda p: target(vec(p))  # noqa: E731
    # x_scale='jac' makes the trust region scale-free; tolerances 1e-10 on a -2 log L of order
    # 1e1-1e4 stop far below the 0.1 units that matter for intervals.
    kws = {"x_scale": "jac", "ftol": 1e-10, "xtol": 1e-10, "gtol": 1e-10} if optimiser == "least_squares" else {}
    if tolerance is not None and optimiser == "lbfgsb":
        # scipy's ftol is relative to -2 log L: an absolute gain per iteration, scaled by the start's value
        # (lmfit's default evaluation limits restated: an options table replaces lmfit's own)
        limit = 2 * (max_nfev or 2000 * (x0.size + 1))
        kws["options"] = {"ftol": tolerance / max(abs(obj.minus2ll(x0)), 1.0), "maxiter": limit, "maxfun": limit}
    if diffs is not None and optimiser in ("least_squares", "lbfgsb"):
        # the same forward differences, their evaluations on the worker processes ([fit] workers)
        def derivative(p, *_, **__):
            before = diffs.evaluations
            out = diffs.jacobian(vec(p)) if optimiser == "least_squares" else diffs.gradient(vec(p))
            obj.nfev += diffs.evaluations - before
            return out
        kws["jac"] = derivative
    mini = lmfit.Minimizer(fcn, params, scale_covar=False, max_nfev=max_nfev, nan_policy="raise")
    try:
        res = mini.minimize(method=optimiser, **kws)
    except (ValueError, np.linalg.LinAlgError) as exc:
        return {"x0": x0, "x": x0, "objective": math.inf, "success": False, "message": f"optimiser failed: {exc}"}
    x = vec(res.params)
    objective = -2 * obj.loglik(x)
    return {"x0": x0, "x": x, "objective": objective if math.isfinite(objective) else math.inf,
            "success": bool(res.success), "message": str(res.message), "nfev": res.nfev}


def _status(obj: Objective, best: dict, runs: list) -> tuple[str, str]:
    if not math.isfinite(best["objective"]):
        return "not_converged", ("the model could not be evaluated near the optimum "
                                 f"({obj.n_failed} failed evaluations): {best['message']}")
    if not best["success"]:
        return "not_converged", f"the optimiser stopped without converging: {best['message']}"
    msg = f"converged: {best['message']}"
    ok = [r for r in runs if r["success"] and math.isfinite(r["objective"])]
    if len(runs) > 1:
        spread = max(r["objective"] for r in ok) - best["objective"] if ok else math.inf
        msg += f"; {len(ok)}/{len(runs)} starts converged, -2 log L within {spread:.3g} of the best"
    return "converged", msg


def _check_intervals(method, obj: Objective) -> str:
    """The interval method, refused up front where it cannot work (it used to fail in lmfit after
    the whole optimisation, with a traceback)."""
    if method not in INTERVALS:
        raise FitError(f"intervals: expected one of {', '.join(INTERVALS)}, found {method!r}")
    if method == "conf_interval" and len(obj.params) < 2:
        raise FitError("intervals = 'conf_interval' needs at least 2 free parameters (lmfit.conf_interval "
                       f"profiles one against the others; this fit has {len(obj.params)}): use 'profile', "
                       "the same likelihood-ratio limits")
    return method


def _interval_label(method: str) -> str:
    return {"wald": "wald: 95% limits x +- 1.96 SE on the search scale (log scale for log parameters), "
                    "SE from the observed information",
            "profile": "profile likelihood: -2 log L re-minimised over the other parameters rises by 3.84 "
                       "(chi-square 1 df, 95%)",
            "conf_interval": "profile likelihood via lmfit.conf_interval with a chi-square(1) likelihood-ratio "
                             "probability (95%)",
            "none": "none: the maximum-likelihood point only (no standard errors, limits or bands)"}[method]


#: Newton steps taken from the optimiser's end point, while a quadratic model of the log-likelihood
#: promises more than POLISH_GAIN units and the step delivers: L-BFGS-B with finite differences
#: crawls along flat, curved valleys (0.01 units an iteration on fits/breast_joint), which the
#: Hessian computed for the intervals crosses in one step.
POLISH_STEPS = 3
#: log-likelihood units: far below the 0.5 that moves a 95% interval's end noticeably
POLISH_GAIN = 0.01


@contextlib.contextmanager
def _information_pool(obj: Objective, optimiser: str, diffs: Differences, workers: int):
    """The information's points on a worker pool: the fit's own where it evaluates the same target
    (:func:`_pooled`), a pool of :meth:`Objective.score_terms` for the scoring information of
    individual data; None (serial) with one worker."""
    if workers <= 1:
        yield None
    elif obj.scoring and not obj.has_residuals:
        diffs.close()     # the optimiser's pool ends before the scoring pool forks: never two at once
        with Differences(obj.score_terms, *obj.params.bounds(), workers, initializer=obj.silence) as pool:
            yield pool.values
    else:
        yield _pooled(obj, optimiser, diffs)


def _information_and_check(obj: Objective, best: dict, status: str, message: str, method: str,
                           evaluate: Evaluate | None) -> tuple[dict, Information, str]:
    """The information at the optimiser's best point and, if it converged, the Newton check
    (:func:`_polish`); with ``method`` 'none' neither (said in the message)."""
    if method == "none":          # the point estimate only: no information, so no Newton check either
        n = best["x"].size
        info = Information(matrix=np.full((n, n), np.nan), cov=np.full((n, n), np.nan), singular=False,
                           kind="none (intervals = 'none': no information computed)")
        return best, info, message.rstrip(".") + "; no Newton check (intervals = 'none')"
    info = information(obj, best["x"], evaluate)
    if status == "converged":
        best, info, note = _polish(obj, best, info, evaluate)
        message = message.rstrip(".") + note
    return best, info, message


def _pooled(obj: Objective, optimiser: str, diffs: Differences) -> Evaluate | None:
    """The information's points on the fit's worker pool where the pool evaluates the same target:
    residual vectors for the least-squares optimisers, -2 log L (halved) for the scalar ones; None
    (serial) for residual data fitted by a scalar optimiser."""
    if obj.has_residuals:
        return diffs.values if optimiser in ("least_squares", "leastsq") else None
    return lambda points: [np.atleast_1d(v[0] / 2 if v[0] < FAILED_MINUS2LL else np.inf)
                           for v in diffs.values(points)]


def _polish(obj: Objective, best: dict, info: Information,
            evaluate: Evaluate | None = None) -> tuple[dict, Information, str]:
    """The optimiser's best run improved by Newton steps (at most POLISH_STEPS; the information of
    the start point with a fresh gradient at each step, 2n evaluations, then the information anew
    at the end point for the intervals), and a note with the gain a quadratic model still promises."""
    lo, hi = obj.params.bounds()
    steps = 0
    current = info
    for _ in range(POLISH_STEPS):
        step = newton_step(current, best["x"], lo, hi)
        if step is None or step.gain <= POLISH_GAIN:
            break
        f = obj.minus2ll(step.x)
        if not f < best["objective"]:
            break
        best = {**best, "x": step.x, "objective": f}
        steps += 1
        current = dataclasses.replace(info, gradient=gradient(obj, best["x"], evaluate))
    if steps:
        info = information(obj, best["x"], evaluate)
    step = newton_step(info, best["x"], lo, hi)
    taken = f" after {steps} Newton step{'s' if steps > 1 else ''}" if steps else ""
    if step is None:
        return best, info, f"; Newton check{taken}: the information is not positive definite"
    return best, info, f"; Newton check{taken}: {step.gain:.2g} log-likelihood units left"


def _uncertainty(obj: Objective, x_hat: np.ndarray, method: str, info: Information):
    se, lo, hi = wald(x_hat, info.cov)
    corr = correlations(info.cov)
    flat: dict[int, list[str]] = {}
    if method == "conf_interval":
        lo, hi, flat = _lmfit_conf_interval(obj, x_hat, se)
    elif method == "profile":
        for j in range(x_hat.size):
            lo[j], hi[j], flat_lo, flat_hi = profile(obj, x_hat, j, se[j])
            sides = [s for s, f in (("lower", flat_lo), ("upper", flat_hi)) if f]
            if sides:
                flat[j] = sides
    issues = [] if method == "none" else identifiability(obj.params.labels, corr, se, list(obj.params), info.singular,
                                                         flat if method != "wald" else None,
                                                         ineffective=info.ineffective)
    est = []
    for j, p in enumerate(obj.params):
        v = float(p.from_search(x_hat[j]))
        se_nat = v * se[j] if p.log else se[j]  # delta method
        b_lo, b_hi = p.search_bounds
        at_bound = bool(min(x_hat[j] - b_lo, b_hi - x_hat[j]) < 1e-6 * max(1.0, b_hi - b_lo))
        est.append(Estimate(name=p.label, key=p.key, group=p.group, value=v, se=float(se_nat),
                            lower=float(p.from_search(max(lo[j], b_lo))), upper=float(p.from_search(min(hi[j], b_hi))),
                            initial=p.value, min=p.min, max=p.max, log=p.log, at_bound=at_bound,
                            se_search=float(se[j]), targets=tuple(p.keys)))
        if at_bound:
            issues.append({"parameters": [p.label], "issue": "at bound",
                           "detail": f"estimate {v:.4g} is at its bound [{p.min:g}, {p.max:g}]"})
        shadow = sorted({c.name for c in obj.model.classes for k in p.keys if c.value(k) is not None})
        if shadow:
            issues.append({"parameters": [p.label], "issue": "overridden by classes",
                           "detail": f"classes {', '.join(shadow)} set their own value, so this parameter does "
                                     f"not act on them (free classes.<name>.{p.key} to fit theirs)"})
    return est, info.cov, corr, info.kind, issues


def _lmfit_conf_interval(obj: Objective, x_hat: np.ndarray, se: np.ndarray):
    """95% limits from lmfit.conf_interval, with the likelihood-ratio probability
    chi2.cdf(delta(-2 log L), 1) in place of lmfit's F-test (our chi-square is a deviance)."""
    if not obj.has_residuals:
        raise FitError("intervals = 'conf_interval' needs residual likelihoods (binomial, least squares); "
                       "use 'profile' for time-to-event data")
    names = obj.params.names
    fcn = lambda p: obj.residuals(np.array([p[nm].value for nm in names]))  # noqa: E731
    mini = lmfit.Minimizer(fcn, obj.params.to_lmfit(x_hat), scale_covar=False)
    res = mini.minimize(method="leastsq")
    for j, nm in enumerate(names):
        if res.params[nm].stderr is None or not np.isfinite(res.params[nm].stderr) or res.params[nm].stderr <= 0:
            res.params[nm].stderr = float(se[j]) if np.isfinite(se[j]) and se[j] > 0 else 0.1

    def prob(best, new):
        return float(chi2.cdf(max(new.chisqr - best.chisqr, 0.0), max(best.nvarys - new.nvarys, 1)))

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lmfit warns when a limit runs into a bound: reported as flat
        ci = lmfit.conf_interval(mini, res, sigmas=[0.95], prob_func=prob)
    lo_b, hi_b = obj.params.bounds()
    lo, hi = np.empty(len(names)), np.empty(len(names))
    flat: dict[int, list[str]] = {}
    for j, nm in enumerate(names):
        vals = [v for _, v in ci[nm]]
        lo[j], hi[j] = vals[0], vals[-1]
        sides = []
        if not np.isfinite(lo[j]) or lo[j] <= lo_b[j] + 1e-9:
            lo[j] = lo_b[j]
            sides.append("lower")
        if not np.isfinite(hi[j]) or hi[j] >= hi_b[j] - 1e-9:
            hi[j] = hi_b[j]
            sides.append("upper")
        if sides:
            flat[j] = sides
    return lo, hi, flat


def _dataset_report(obj: Objective, prob: Problem, pred, ll: float, x_hat, curves: bool,
                    gof_draws: dict | None = None, index: int = 0) -> dict:
    d = prob.data
    rep = {"label": prob.label, "name": d.info.name, "sha256": d.info.sha256, "path": d.info.path,
           "likelihood": prob.likelihood.kind, "n_rows": prob.n_obs, "loglik": ll,
           "citation": d.info.citation}
    if isinstance(prob.likelihood, CensoredTimeToEvent):
        return {**rep, **_tte_report(prob, *pred)}
    obs = prob.likelihood.observed
    share = d.endpoint != "organs_per_relapse"          # proportions; organ counts are not points
    diff = np.abs(pred - obs)
    if isinstance(prob.likelihood, BetaBinomial):
        rep.update(_beta_binomial_gof(prob.likelihood, pred, obj.rho(x_hat, index), obj.setup.seed, index,
                                      gof_draws))
    else:
        dev = prob.likelihood.deviance(pred)
        rep.update({"statistic": "deviance" if isinstance(prob.likelihood, Binomial) else "chi-square",
                    "value": dev, "df": prob.n_obs, "p_value": float(chi2.sf(dev, prob.n_obs))})
    rep.update({"max_abs_diff_pp": float(100 * np.max(diff[share], initial=0.0)),
                "within_3pp": bool(np.all(diff[share] <= 0.03))})
    if not share.all():
        rep["max_abs_diff_organs"] = float(np.max(diff[~share]))
    rows = []
    for i in range(prob.n_obs):
        rows.append({"row": int(d.rows[i]), "group": str(d.group[i]),
                     **({"class": str(d.class_[i])} if d.class_[i] else {}),
                     **({"nodes": str(d.nodes[i])} if d.nodes[i] else {}), "organ": str(d.organ[i]),
                     "endpoint": str(d.endpoint[i]), "time": float(d.time[i]),
                     "landmark": float(d.landmark[i]), "diameter_cm": float(d.diameter_cm[i]),
                     "observed": float(obs[i]), "predicted": float(pred[i]),
                     "lower": float(d.lower[i]), "upper": float(d.upper[i]),
                     "denominator": float(d.denominator[i]),
                     **{opt: v for opt, v in row_options(d, i)}})
        if i in prob.notes:  # ctc_positive: the blood volume the prediction used
            s_ = next(s_ for s_ in prob.series if i in s_.rows)
            rows[-1].update({"blood_volume_ml": s_.endpoint.draw_ml, "volume_note": prob.notes[i],
                             "note": "P(>= 1 CTC) at diagnosis (time 0, before surgery), M0 patients"})
    rep["rows"] = rows
    if curves:
        rep["curves"] = _curves(obj, prob, x_hat)
    return rep


def _beta_binomial_gof(lik: BetaBinomial, pred, rho: float | None, seed: int, index: int,
                       gof_draws: dict | None) -> dict:
    """Goodness of fit of a beta-binomial data set at its fitted rho: the deviance (each row's best
    proportion at that rho against the prediction) and its parametric-bootstrap p-value; beside them
    the binomial deviance of the same predictions (what the overdispersion absorbs)."""
    rho_hat = lik.fixed if rho is None else rho
    dev = lik.deviance(pred, rho_hat)
    rng = np.random.default_rng([seed, 2, index])
    sims = lik.deviance_rows(pred, rho_hat, events=lik.simulate(pred, rho_hat, GOF_BOOTSTRAP, rng)).sum(axis=1)
    if gof_draws is not None:
        gof_draws[index] = sims
    bdev = Binomial(events=lik.events, n=lik.n).deviance(pred)
    return {"statistic": f"deviance (beta-binomial, rho = {rho_hat:.3g})", "value": dev, "df": lik.n.size,
            "p_value": float((1 + np.sum(sims >= dev)) / (1 + sims.size)), "p_value_method": GOF_BOOTSTRAP_NOTE,
            "bootstrap_draws": GOF_BOOTSTRAP, "bootstrap_seed": [seed, 2, index],
            "bootstrap_deviance_median": float(np.median(sims)), "overdispersion": rho_hat,
            "overdispersion_fixed": rho is None, "binomial_deviance": bdev,
            "binomial_p_value": float(chi2.sf(bdev, lik.n.size))}


def _curves(obj: Objective, prob: Problem, x_hat) -> list:
    out = []
    cache: dict = {}
    for s in prob.series:
        if s.endpoint.name in ("at_diagnosis", "nodal_share") or isinstance(s.endpoint, CtcPositive):
            continue
        top = float(s.times.max())
        inner = s.endpoint.inner if isinstance(s.endpoint, Landmark) else s.endpoint
        if s.endpoint.name == "by_size":
            grid = np.linspace(max(0.1, float(s.times.min())), top, 60)
        elif isinstance(inner, Lag):  # lags after the first distant metastasis, up to the endpoint's reach
            # 16 points, not 40: each lag costs ~0.2 s per evaluation (and per band draw)
            grid = np.linspace(0.0, min(max(top, 1.0) * 1.15, inner.within), 16)
        elif s.endpoint.name == "landmark":
            at = s.endpoint.at
            grid = np.linspace(at + 0.25, max(top, at + 1.0), 40)
        else:
            grid = np.linspace(0.25, max(top, 1.0) * 1.15, 40)
        try:
            cols, vals = prob.mixed(s, lambda sub, ep: obj.predict(obj.model_at(x_hat, prob, s.group, cache, sub), ep,
                                                                   grid, cache))
        except MetakineticsError:
            continue
        keep = [c for c in dict.fromkeys(s.columns) if c in cols]
        opts = endpoint_options(s.endpoint)
        out.append({"group": s.group, **({"class": s.klass} if s.klass else {}),
                    **({"nodes": s.nodes} if s.nodes else {}), "endpoint": s.endpoint.name,
                    "landmark": getattr(s.endpoint, "at", None),
                    **({"inner": inner.name, "options": opts} if inner.name in CLINICIAN_ENDPOINTS else {}),
                    "x": grid.tolist(),
                    "y": {c: vals[:, cols.index(c)].tolist() for c in keep}})
    return out


def _tte_report(prob: Problem, grid, cif, hd, weights=None) -> dict:
    """Goodness of fit of individual data: model crude cumulative incidence (with death competing)
    against the Aalen-Johansen estimate from the same patients, per group (with per-patient
    covariates, ``weights`` (N, G): the mean of the group's patients' predictions)."""
    from ..datasets.summaries import aalen_johansen

    lik = prob.likelihood
    groups = []
    worst = 0.0
    check = np.arange(1.0, math.floor(grid[-1]) + 1.0)
    for g, label in enumerate(prob.groups):
        sel = lik.group == g
        t = lik.time[sel]
        ev = np.where(lik.cause[sel] >= 0, 1, np.where(lik.cause[sel] == lik.ANY, 1,
                                                       np.where(lik.cause[sel] == lik.DEATH, 2, 0)))
        aj = aalen_johansen(t, ev, at=check)
        net = cif[g].sum(axis=1) if weights is None else np.tensordot(weights[sel].mean(axis=0), cif, 1).sum(axis=1)
        crude = crude_incidence(grid, net, hd[g])
        pred = np.interp(check, grid, crude)
        at_risk = np.array([(t >= c).sum() for c in check])
        use = at_risk >= 20  # beyond that the estimate is too noisy to judge the fit
        diff = np.abs(pred - aj)[use]
        worst = max(worst, float(diff.max()) if diff.size else 0.0)
        groups.append({"group": label, "patients": int(sel.sum()),
                       "events": int((lik.cause[sel] >= 0).sum() + (lik.cause[sel] == lik.ANY).sum()),
                       "deaths": int((lik.cause[sel] == lik.DEATH).sum()), "death_hazard": float(hd[g]),
                       "years": check.tolist(), "aalen_johansen": aj.tolist(), "predicted": pred.tolist(),
                       "at_risk": at_risk.tolist(),
                       "curve": {"x": grid[::5].tolist(), "y": crude[::5].tolist()}})
    return {"statistic": "max |model - Aalen-Johansen| (pp) where >= 20 at risk",
            "max_abs_diff_pp": 100 * worst, "within_3pp": bool(worst <= 0.03), "groups": groups,
            "patients": int(lik.time.size)}


def organ_summary(model) -> list[dict]:
    """Per organ: blood-flow share against seeding and colonisation (the "soil"), dormancy length.

    Parameters
    ----------
    model : Model
        A (fitted) model.

    Returns
    -------
    list of dict
        One per organ: ``organ``, ``blood_flow``, ``arrest_fraction``, ``efficiency``,
        ``efficiency_x_arrest``, ``seeding_share``, ``colonisation_per_flow``,
        ``mean_dormancy_years`` (1 / (wake + dormant_death)), ``wake_probability`` and, when
        blood flows are known, ``soil_index`` (colonisation per flow relative to the median organ).
    """
    organs = model.organs
    total_f = sum(o.arrest_fraction for o in organs) or 1.0
    out = []
    for o in organs:
        rate = o.wake + o.dormant_death
        out.append({"organ": o.name, "blood_flow": o.blood_flow, "arrest_fraction": o.arrest_fraction,
                    "efficiency": o.efficiency, "efficiency_x_arrest": o.efficiency * o.arrest_fraction,
                    "seeding_share": o.arrest_fraction / total_f,
                    "colonisation_per_flow": (o.efficiency * o.arrest_fraction / o.blood_flow
                                              if o.blood_flow else None),
                    "mean_dormancy_years": 1.0 / rate if rate > 0 else None,
                    "wake_probability": o.wake / rate if rate > 0 else None})
    cpf = [x["colonisation_per_flow"] for x in out if x["colonisation_per_flow"]]
    if cpf:
        ref = float(np.median(cpf))
        for x in out:
            if x["colonisation_per_flow"]:
                x["soil_index"] = x["colonisation_per_flow"] / ref
    return out


def _compare_problem(spec, model) -> tuple[Problem, str]:
    """The problem of a compared data set with its own case mix when it states one the model can
    express, and the cohort it stands for, in words."""
    from ..population.case_mix import resolve_case_mix
    from .problem import build_problem

    try:
        own = resolve_case_mix(spec.name) is not None
    except MetakineticsError:
        own = False
    if own:
        try:
            return (build_problem(dataclasses.replace(spec, case_mix="own"), model, fitted=False),
                    "the data set's own case mix (its metadata's [case_mix])")
        except MetakineticsError as exc:
            return (build_problem(spec, model, fitted=False),
                    f"the model's own population mix (the data set's own case mix does not apply: {exc})")
    return build_problem(spec, model, fitted=False), "the model's own population mix (the data set states none)"


def compare(model, name: str, *, predictor: Predictor | None = None, nodes=None,
            ctc_predictor: CtcPredictor | None = None) -> dict:
    """Predictions of the fitted (shared) model for a data set that was not fitted: CTC positivity
    (share with >= 1 CTC in the sampled blood volume, at diagnosis; a volume range by its
    midpoint, as in the fitted term) or any aggregate data set."""
    from ..datasets import load_dataset
    from .coverage import rows_outside_model
    from .objective import population_predictor
    from .problem import DataSpec

    data = load_dataset(name, organs=model.organ_names)
    rows = []
    if data.kind == "aggregate" and np.all(data.endpoint == "ctc_positive"):
        from .objective import population_ctc_predictor

        ctc = ctc_predictor or population_ctc_predictor(nodes=nodes)
        for i in range(len(data)):
            vol, how = ctc_draw_volume(data, i)
            pred = ctc(model, vol, float(data.time[i]))
            rows.append({"group": str(data.group[i]), "blood_volume_ml": vol, "volume_note": how,
                         "observed": float(data.value[i]), "predicted": float(pred),
                         "note": "model at diagnosis, M0 patients"})
        return {"name": name, "citation": data.info.citation, "what": "ctc_positive", "rows": rows}
    # rows on organs the model lacks are skipped, each reported with its reason (inference.coverage)
    skipped = rows_outside_model(data, model.organ_names, model.name) if data.kind == "aggregate" else ()
    out = {"name": name, "citation": data.info.citation, "what": "aggregate", "rows": rows}
    if skipped:
        out["skipped"] = [s.as_dict() for s in skipped]
        lost = {s.organ for s in skipped}
        keep = tuple(o for o in dict.fromkeys(data.organ.tolist()) if o not in lost)
        if not keep:
            return out
        spec = DataSpec(name=name, likelihood="least_squares", sigma=1.0, select={"organ": keep})
    else:
        spec = DataSpec(name=name, likelihood="least_squares", sigma=1.0)
    # the rows' cohort: the data set's own case mix where its metadata states one and the model can
    # express it (issue 11: every prediction names the cohort it is for), else the model's own mix
    prob, out["cohort"] = _compare_problem(spec, model)
    obj_pred = predictor or population_predictor(nodes=nodes)
    for s_ in prob.series:
        def one(subset, endpoint, s_=s_):
            over = prob.group_overrides(None, subset)
            return obj_pred(model.with_values(over) if over else model, endpoint, s_.times)

        cols, vals = prob.mixed(s_, one)
        cols = list(cols)
        for r, ti, c in zip(s_.rows, s_.t_index, s_.columns):
            pred = float(vals[ti, cols.index(c)]) if c in cols else math.nan
            rows.append({"group": str(prob.data.group[r]), "organ": c, "endpoint": str(prob.data.endpoint[r]),
                         "time": float(prob.data.time[r]), "observed": float(prob.data.value[r]), "predicted": pred})
    return out
