"""Cross-validation of an individual-data fit on its own patients: discrimination and calibration of
each held-out patient's predicted risk of distant metastasis, beside a Cox model on the same
covariates fitted and scored in the same folds.

How it runs (``validate_patients``):

1. The patients of one ``[[data]]`` set of the fit (after its filters) are split into ``folds``
   folds (seeded: ``numpy.random.default_rng([seed, FOLD_STREAM])`` permutes them, fold = position
   mod folds).
2. For each fold the set-up is refitted with that data set restricted to the other folds
   (``DataSpec.patients``; the set-up's own options, started at its own start values or, with
   ``start="result"``, at the full fit's estimates), and every held-out patient's crude cumulative
   risk of distant metastasis (death competing, the fit's death hazard) at each horizon is
   predicted at the refit's estimate from the patient's own covariates, exactly as the likelihood
   sees them (metakinetics.inference.covariates).
3. In the same folds a cause-specific Cox model (lifelines ``CoxPHFitter``) is fitted for distant
   metastasis and one for death without metastasis, on the covariates the fit uses (a size range:
   one indicator per label; a measured diameter: its log; an exact node count: log(1 + count); a
   nodal class: one indicator per class), and its crude risk at each horizon is the sum over event
   times of S(t-) (1 - exp(-dLambda)) dLambda_1 / dLambda (S and dLambda of both cause-specific
   hazards: S(t-) dLambda_1 to first order, and below 1 however large a step).
4. On the pooled held-out predictions, per horizon tau and method: Harrell's C (lifelines
   ``concordance_index``; times and events truncated at tau, death counted as censoring), its
   bootstrap standard error (``BOOTSTRAP`` resamples of the patients, seeded, the model and Cox
   paired so their difference has one too), Uno's C (scikit-survival ``concordance_index_ipcw``,
   inverse probability of censoring weights from the same patients, truncated at tau), the
   cumulative/dynamic AUC at tau (``cumulative_dynamic_auc``), and calibration: patients in deciles
   of predicted risk, each decile's mean prediction against its Aalen-Johansen estimate at tau
   (death competing; metakinetics.cumulative_incidence), the calibration slope and intercept
   (least squares of observed on predicted over the deciles) and the ratio of the mean
   prediction to the Aalen-Johansen estimate of all patients.

lifelines and scikit-survival are the optional extra ``metakinetics[validation]``; without them
the call stops with a one-line InputError naming the extra.
"""
from __future__ import annotations

import csv
import io
import json
import math
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .. import __version__
from ..cumulative_incidence import aalen_johansen
from ..datasets import load_dataset
from ..errors import FitError, InputError
from .competing import crude_incidence
from .likelihood import CensoredTimeToEvent
from .objective import Objective
from .problem import PARTITION, DataSpec, FitSetup, Problem, load_setup, nodal_classes_of, nodal_counts_of
from .results import json_safe, result_start

#: the seed stream of the fold assignment and of the bootstrap (beside the set-up's seed)
FOLD_STREAM, BOOTSTRAP_STREAM = 7, 8
#: bootstrap resamples behind the standard errors of Harrell's C (SE of an SE of ~0.01 to ~5%)
BOOTSTRAP = 200
#: a calibration slope needs at least this many groups of distinct predictions (NaN below: a line
#: through two group means is no calibration)
MIN_GROUPS = 3
#: calibration groups (deciles of predicted risk)
DECILES = 10
#: the targets of the issue: model C not below Cox's by more than Cox's SE; slope within these limits
SLOPE_TARGET = (0.8, 1.2)
#: the published mechanistic anchor (Nicolo et al., JCO Clin Cancer Inform 2020): c-index and 95% CI
NICOLO_2020 = {"c_index": 0.65, "low": 0.60, "high": 0.71,
               "source": "Nicolo C et al., JCO Clin Cancer Inform 2020;4:259-274 (relapse, early breast cancer)"}
METHODS = ("model", "cox")


def _survival_packages():
    try:
        import lifelines  # noqa: F401
        import sksurv.metrics  # noqa: F401
    except ImportError as exc:
        raise InputError(f"validate-patients needs the optional extra: pip install 'metakinetics[validation]' "
                         f"(lifelines and scikit-survival; missing: {exc.name})") from None


@dataclass(frozen=True)
class PatientValidation:
    """The outcome of :func:`validate_patients`: per patient its fold and held-out risks (``patients``),
    per refit its estimates, per method and horizon the metrics (``metrics[method][str(tau)]``)."""

    name: str
    data: str
    folds: int
    seed: int
    horizons: tuple[float, ...]
    start: str
    patients: list[dict]
    refits: list[dict]
    metrics: dict
    covariates: list[str]
    elapsed_s: float
    notes: list[str] = field(default_factory=list)

    def verdict(self, tau: float) -> dict:
        """The targets at horizon ``tau``: model C (Harrell and Uno) against Cox's less its SE; the
        model's calibration slope within SLOPE_TARGET.

        Parameters
        ----------
        tau : float
            Horizon (years), one of :attr:`horizons`.

        Returns
        -------
        dict
            ``c_index_met`` (bool), ``slope_met`` (bool) and the numbers behind them.
        """
        m, c = self.metrics["model"][_key(tau)], self.metrics["cox"][_key(tau)]
        slope = m["calibration"]["slope"]
        return {"harrell_model": m["harrell"], "harrell_cox": c["harrell"], "harrell_cox_se": c["harrell_se"],
                "difference": m["harrell"] - c["harrell"], "difference_se": m["harrell_minus_cox_se"],
                "c_index_met": bool(m["harrell"] >= c["harrell"] - c["harrell_se"]),
                "uno_model": m["uno"], "uno_cox": c["uno"],
                "slope": slope, "slope_met": bool(SLOPE_TARGET[0] <= slope <= SLOPE_TARGET[1]),
                "calibration_groups": len(m["calibration"]["predicted"])}

    def to_json(self) -> str:
        """The report as JSON text: metrics, verdicts, refits (the per-patient rows are :meth:`to_csv`'s).

        Returns
        -------
        str
        """
        out = {"name": self.name, "data": self.data, "folds": self.folds, "seed": self.seed,
               "horizons": list(self.horizons), "start": self.start, "covariates": self.covariates,
               "metrics": self.metrics, "verdict": {_key(t): self.verdict(t) for t in self.horizons},
               "targets": {"c_index": "model Harrell C not below Cox's by more than Cox's bootstrap SE",
                           "calibration_slope": list(SLOPE_TARGET)},
               "anchor": NICOLO_2020, "refits": self.refits, "notes": self.notes, "elapsed_s": self.elapsed_s,
               "package_version": __version__, "patients": len(self.patients),
               "patient_rows": "validate_patients.csv (each patient's fold and held-out risks)"}
        return json.dumps(json_safe(out), indent=1, allow_nan=False) + "\n"

    def to_csv(self) -> str:
        """One row per held-out patient: id, file row, fold, time, event and each method's risk at
        each horizon.

        Returns
        -------
        str
        """
        buf = io.StringIO()
        cols = ["id", "row", "fold", "time", "event"] + [f"{m}_risk_{_key(t)}y" for m in METHODS for t in self.horizons]
        w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for p in self.patients:
            w.writerow({k: p[k] for k in cols})
        return buf.getvalue()


def _key(tau: float) -> str:
    return f"{tau:g}"


def validate_patients(setup: FitSetup | str | Path, data: str | None = None, *, folds: int = 5,
                      seed: int | None = None, horizons=(5.0, 10.0), start: str = "setup",
                      progress: Callable[[int, int], None] | None = None) -> PatientValidation:
    """Cross-validate an individual-data fit on its patients against a Cox model (module docstring).

    Parameters
    ----------
    setup : FitSetup, str or pathlib.Path
        The fit set-up (a fit folder or fit.toml).
    data : str, optional
        Which of its data sets (label or name); another individual data set (bundled name or
        path) is validated in its place with the same entry's covariates. Default: the set-up's
        one individual data set.
    folds : int
        Number of folds (>= 2).
    seed : int, optional
        Seed of the folds and bootstrap (default: the set-up's).
    horizons : sequence of float
        Years after diagnosis at which risks are predicted and scored.
    start : str
        "setup": each refit starts at the set-up's start values; "result": at the full fit's
        estimates (result.json beside the set-up; faster, the estimates saw every patient).
    progress : callable, optional
        ``progress(done, total)`` after each fold.

    Returns
    -------
    PatientValidation

    Raises
    ------
    InputError
        Without the validation extra, with bad options, or for a data set without the covariates.
    """
    _survival_packages()
    t0 = _time.perf_counter()
    if not isinstance(setup, FitSetup):
        setup = load_setup(setup)
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise InputError(f"--folds must be a whole number of at least 2, found {folds!r}")
    if start not in ("setup", "result"):
        raise InputError(f"--start must be 'setup' or 'result', found {start!r}")
    horizons = tuple(float(h) for h in horizons)
    if not horizons or any(not (math.isfinite(h) and h > 0) for h in horizons):
        raise InputError(f"horizons must be positive numbers of years, found {horizons!r}")
    if seed is None:
        seed = setup.seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"--seed must be a whole number >= 0, found {seed!r}")
    i, spec = _data_entry(setup, data)
    setup = replace(setup, data=tuple(spec if j == i else s for j, s in enumerate(setup.data)))
    full = Objective(replace(setup, data=(spec,)))
    prob = full.problems[0]
    if horizons[-1] > prob.grid[-1]:
        raise InputError(f"horizon {horizons[-1]:g} y is beyond the last patient time ({prob.grid[-1]:g} y)")
    rows = np.asarray(prob.data.rows, dtype=int)
    N = rows.size
    if N < 5 * folds:
        raise InputError(f"data set '{prob.label}': {N} patients are too few for {folds} folds")
    order = np.random.default_rng([seed, FOLD_STREAM]).permutation(N)
    fold = np.empty(N, dtype=int)
    fold[order] = np.arange(N) % folds
    x_full = result_start(setup.path, full.params) if start == "result" else None
    X, names = cox_design(prob)
    risk = {m: np.full((N, len(horizons)), np.nan) for m in METHODS}
    refits = []
    from .fit import fit

    for k in range(folds):
        train, test = rows[fold != k], rows[fold == k]
        sub = replace(setup, data=tuple(replace(s, patients=tuple(train.tolist())) if j == i else s
                                        for j, s in enumerate(setup.data)))
        res = fit(sub, curves=False, start_points=None if x_full is None else x_full[None, :], starts=1)
        values = {e.name: e.value for e in res.estimates}
        refits.append({"fold": k, "train": int(train.size), "test": int(test.size), "status": res.status,
                       "loglik": res.loglik, "nfev": res.nfev, "estimates": values})
        held = Objective(replace(sub, data=(replace(spec, patients=tuple(test.tolist())),)))
        x = np.array([p.to_search(values[p.label]) for p in held.params])
        sel = fold == k
        risk["model"][sel] = patient_risk(held, held.problems[0], x, horizons)
        risk["cox"][sel] = cox_risk(X[~sel], prob, ~sel, X[sel], horizons, names)
        if progress is not None:
            progress(k + 1, folds)
    lik: CensoredTimeToEvent = prob.likelihood
    time, code = lik.time, _event_codes(lik)
    rng = np.random.default_rng([seed, BOOTSTRAP_STREAM])
    boot = rng.integers(0, N, size=(BOOTSTRAP, N))
    metrics = {m: {} for m in METHODS}
    for j, tau in enumerate(horizons):
        scores = {m: score(time, code, risk[m][:, j], tau, boot) for m in METHODS}
        diff = scores["model"].pop("_boot") - scores["cox"].pop("_boot")
        scores["model"]["harrell_minus_cox_se"] = float(np.nanstd(diff, ddof=1))
        for m in METHODS:
            metrics[m][_key(tau)] = scores[m]
    patients = [{"id": str(prob.data.id[p]), "row": int(rows[p]), "fold": int(fold[p]), "time": float(time[p]),
                 "event": str(prob.data.event[p]),
                 **{f"{m}_risk_{_key(t)}y": float(risk[m][p, j]) for m in METHODS for j, t in enumerate(horizons)}}
                for p in range(N)]
    notes = ["death without metastasis is a competing risk: it counts as censoring in the C indices and AUC "
             "(cause-specific discrimination) and competes in the Aalen-Johansen calibration",
             f"Cox covariates: {', '.join(names)}"]
    return PatientValidation(name=setup.name, data=prob.label, folds=folds, seed=seed, horizons=horizons,
                             start=start, patients=patients, refits=refits, metrics=metrics, covariates=names,
                             elapsed_s=_time.perf_counter() - t0, notes=notes)


def _data_entry(setup: FitSetup, data: str | None) -> tuple[int, DataSpec]:
    """The [[data]] entry to validate (its index and spec): by label or name, or another individual
    data set put in the place of the set-up's individual entry."""
    indiv = [j for j, s in enumerate(setup.data) if _kind(s.name) == "individual"]
    if not indiv:
        raise InputError(f"fit '{setup.name}': validate-patients needs a data set of individual patients; "
                         "this set-up has none")
    if data is None:
        if len(indiv) > 1:
            raise InputError(f"fit '{setup.name}': several individual data sets; name one (DATA)")
        i = indiv[0]
    else:
        hits = [j for j, s in enumerate(setup.data) if data in (s.label, s.name, Path(s.name).stem)]
        if hits:
            i = hits[0]
        else:
            if _kind(data) != "individual":
                raise InputError(f"data set '{data}': validate-patients needs individual patients (kind = "
                                 "individual)")
            i = indiv[0]
            return i, replace(setup.data[i], name=data, label=Path(data).stem)
    spec = setup.data[i]
    if _kind(spec.name) != "individual":
        raise InputError(f"data set '{data}': validate-patients needs individual patients, not aggregate rows")
    if not (spec.diameter or spec.nodal or spec.group_by):
        raise InputError(f"data set '{spec.label}' ({setup.path or setup.name}, {spec.key}): no per-patient "
                         "covariate (diameter, nodal or group_by), so every patient gets the same prediction")
    return i, spec


def _kind(name: str) -> str:
    return load_dataset(name).kind


def _event_codes(lik: CensoredTimeToEvent) -> np.ndarray:
    """1 distant metastasis (any organ), 2 death without metastasis, 0 censored."""
    c = lik.cause
    return np.where((c >= 0) | (c == lik.ANY), 1, np.where(c == lik.DEATH, 2, 0))


def patient_risk(obj: Objective, prob: Problem, x: np.ndarray, horizons) -> np.ndarray:
    """Each patient's crude risk of distant metastasis (death competing) at ``horizons`` (N, H), at
    search vector ``x``: the objective's own prediction of the data set (per-patient covariates or
    the patient's group), put through the fit's death hazard.

    Parameters
    ----------
    obj : Objective
        The objective holding ``prob``.
    prob : Problem
        A time-to-event problem of ``obj``.
    x : numpy.ndarray
        Search vector (the fit's scale).
    horizons : sequence of float
        Years.

    Returns
    -------
    numpy.ndarray
        (N, H) probabilities.
    """
    ev = obj.evaluate(np.asarray(x, dtype=float))
    if ev.failed:
        raise FitError(f"data set '{prob.label}': the model cannot be evaluated at the refit's estimate: {ev.failed}")
    pred = ev.predictions[obj.problems.index(prob)]
    grid, cif, hd = pred[:3]
    lik = prob.likelihood
    if len(pred) > 3:                                   # per-patient covariates: weights (N, G)
        net = np.tensordot(pred[3], cif.sum(axis=2), 1)                        # (N, U)
        h = np.full(lik.time.size, float(hd[0]))
    else:
        net = cif.sum(axis=2)[lik.group]
        h = np.asarray(hd, dtype=float)[lik.group]
    crude = crude_incidence(grid, net, h)
    return np.stack([np.array([np.interp(t, grid, c) for c in crude]) for t in horizons], axis=1)


def cox_design(prob: Problem) -> tuple[np.ndarray, list[str]]:
    """The Cox model's covariate matrix (N, P) from the covariates the fit uses, and their names:
    a size range: an indicator per label but the first; a measured diameter: log diameter (cm);
    an exact node count: log(1 + count); a nodal class: an indicator per class but N0; a group_by
    column: an indicator per group but the first.

    Parameters
    ----------
    prob : Problem
        A time-to-event problem.

    Returns
    -------
    X : numpy.ndarray
        (N, P) covariates.
    names : list of str
    """
    spec, data = prob.spec, prob.data
    cols, names = [], []

    def indicators(labels, prefix, levels=None):
        levels = levels or list(dict.fromkeys(labels.tolist()))
        for lev in levels[1:]:
            if np.any(labels == lev):
                cols.append((labels == lev).astype(float))
                names.append(f"{prefix}={lev}")
    if spec.diameter and spec.diameter_ranges:
        indicators(data.covariate(spec.diameter).astype(str), spec.diameter, list(spec.diameter_ranges))
    elif spec.diameter:
        cols.append(np.log(data.covariate(spec.diameter).astype(float)))
        names.append(f"log {spec.diameter}")
    elif spec.group_by:
        indicators(data.covariate(spec.group_by).astype(str), spec.group_by)
    if spec.nodal and spec.nodal_count == "exact":
        cols.append(np.log1p(nodal_counts_of(data, spec.nodal)))
        names.append(f"log(1 + {spec.nodal})")
    elif spec.nodal:
        indicators(np.array(nodal_classes_of(data, spec.nodal)), spec.nodal, list(PARTITION))
    return np.stack(cols, axis=1), names


def cox_risk(X_train, prob: Problem, train: np.ndarray, X_test, horizons, names) -> np.ndarray:
    """Crude risk of distant metastasis (death competing) at ``horizons`` (M, H) of the test patients
    from two cause-specific Cox models (lifelines CoxPHFitter, Breslow baselines) fitted on the
    training patients (``train``: a mask over ``prob``'s patients).

    Parameters
    ----------
    X_train, X_test : numpy.ndarray
        Covariates (:func:`cox_design`) of the training and test patients.
    prob : Problem
        The time-to-event problem (times and events).
    train : numpy.ndarray
        Boolean mask of the training patients.
    horizons : sequence of float
        Years.
    names : list of str
        Covariate names.

    Returns
    -------
    numpy.ndarray
        (M, H) probabilities.
    """
    import pandas as pd
    from lifelines import CoxPHFitter

    lik = prob.likelihood
    code = _event_codes(lik)[train]
    t = lik.time[train]
    fitted = []
    for cause in (1, 2):
        df = pd.DataFrame(X_train, columns=names)
        df["T"], df["E"] = t, (code == cause).astype(int)
        cph = CoxPHFitter(penalizer=1e-4).fit(df, duration_col="T", event_col="E")
        base = cph.baseline_cumulative_hazard_
        fitted.append((base.index.to_numpy(float), base.to_numpy(float)[:, 0],
                       cph.predict_partial_hazard(pd.DataFrame(X_test, columns=names)).to_numpy(float)))
    times = np.unique(np.concatenate([fitted[0][0], fitted[1][0]]))

    def at(f, u):                     # a Breslow step function at u (right-continuous, 0 before its first step)
        idx = np.searchsorted(f[0], u, side="right") - 1
        return np.where(idx >= 0, f[1][np.maximum(idx, 0)], 0.0)
    L1, L2 = at(fitted[0], times), at(fitted[1], times)                    # (J,)
    r1, r2 = fitted[0][2], fitted[1][2]                                    # (M,)
    before1 = np.concatenate([[0.0], L1[:-1]])
    before2 = np.concatenate([[0.0], L2[:-1]])
    S_before = np.exp(-np.outer(r1, before1) - np.outer(r2, before2))     # (M, J)
    h1, h2 = np.outer(r1, L1 - before1), np.outer(r2, L2 - before2)        # each step's hazard increments
    h = h1 + h2
    # the step's probability of leaving, 1 - exp(-h), shared between the causes as h1 : h2 (so the
    # risk stays below 1 however large a step; S(t-) dLambda_1 to first order)
    share = np.divide(h1, h, out=np.zeros_like(h), where=h > 0)
    cif = np.cumsum(S_before * share * -np.expm1(-h), axis=1)
    idx = np.searchsorted(times, np.asarray(horizons, dtype=float), side="right") - 1
    return np.where(idx >= 0, cif[:, np.maximum(idx, 0)], 0.0)


def score(time: np.ndarray, code: np.ndarray, risk: np.ndarray, tau: float, boot: np.ndarray) -> dict:
    """Discrimination and calibration of predicted risks at ``tau`` (module docstring, step 4).

    Parameters
    ----------
    time, code : numpy.ndarray
        Years and event codes (1 distant, 2 death, 0 censored) of the patients.
    risk : numpy.ndarray
        Predicted risk at ``tau`` of each patient.
    tau : float
        Horizon (years).
    boot : numpy.ndarray
        (B, N) bootstrap resamples (patient indices) behind the SE of Harrell's C.

    Returns
    -------
    dict
        harrell, harrell_se, uno, auc, calibration (deciles, slope, intercept, ratio), and
        ``_boot`` the bootstrap C values (for a paired difference).
    """
    from lifelines.utils import concordance_index
    from sksurv.metrics import concordance_index_ipcw, cumulative_dynamic_auc
    from sksurv.util import Surv

    ev = (code == 1) & (time <= tau)
    tt = np.minimum(time, tau)
    harrell = float(concordance_index(tt, -risk, ev))
    bs = np.array([concordance_index(tt[b], -risk[b], ev[b]) for b in boot])
    y = Surv.from_arrays(event=code == 1, time=time)
    uno = float(concordance_index_ipcw(y, y, risk, tau=tau)[0])
    auc = float(cumulative_dynamic_auc(y, y, risk, times=[tau])[0][0])
    return {"harrell": harrell, "harrell_se": float(np.std(bs, ddof=1)), "uno": uno, "auc": auc,
            "calibration": calibration(time, code, risk, tau), "_boot": bs}


def calibration(time: np.ndarray, code: np.ndarray, risk: np.ndarray, tau: float, groups: int = DECILES) -> dict:
    """Predicted against observed risk at ``tau`` by groups of predicted risk: each group's mean
    prediction and Aalen-Johansen estimate (death competing) with its standard error, the slope
    and intercept of observed on predicted (least squares over the groups), and the ratio of the
    mean prediction to the Aalen-Johansen estimate of all patients.

    Parameters
    ----------
    time, code : numpy.ndarray
        Years and event codes (1 distant, 2 death, 0 censored).
    risk : numpy.ndarray
        Predicted risks at ``tau``.
    tau : float
        Horizon (years).
    groups : int
        Number of groups (deciles: 10).

    Returns
    -------
    dict
        Fewer groups than ``groups`` where predictions tie (a group holds all patients predicted
        alike); ``slope`` and ``intercept`` NaN with fewer than MIN_GROUPS groups.
    """
    rank = np.searchsorted(np.sort(risk), risk, side="left")   # equal predictions share the lowest rank
    g = rank * groups // risk.size          # so a group never splits patients predicted alike
    pred, obs, se, n = [], [], [], []
    for k in np.unique(g):
        s = g == k
        aj, e = aalen_johansen(time[s], code[s], at=[tau], se=True)
        pred.append(float(risk[s].mean()))
        obs.append(float(aj[0]))
        se.append(float(e[0]))
        n.append(int(s.sum()))
    defined = len(pred) >= MIN_GROUPS and np.ptp(pred) > 0
    slope, intercept = np.polyfit(pred, obs, 1) if defined else (math.nan, math.nan)
    overall = float(aalen_johansen(time, code, at=[tau])[0])
    return {"predicted": pred, "observed": obs, "observed_se": se, "patients": n, "slope": float(slope),
            "intercept": float(intercept), "mean_predicted": float(risk.mean()), "observed_all": overall,
            "ratio": float(risk.mean() / overall) if overall > 0 else math.nan}
