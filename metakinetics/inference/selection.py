"""Model selection over fits of the same data: AIC, BIC and the cross-validated log-likelihood of each
fit, as rows and as a Markdown table (``metakinetics select``).

From each fit's recorded result (``result.json``: log-likelihood, free parameters k, observations n)
and, optionally, its leave-one-data-set-out validation (``validate.json``):

- ``AIC = 2 k - 2 log L`` and ``BIC = k ln(n) - 2 log L``, as the fit computed them, and their
  differences from the lowest in the table (``delta_aic``, ``delta_bic``: 0 for the best);
- ``CV log L``: the sum, over the left-out data sets that have one, of each data set's
  log-likelihood at the refit without it (``Validation.cv_loglik``), with the data sets it covers.
  Higher is better.

Nothing is refitted. AIC and BIC compare likelihoods of the same data only, so fits whose data
differ are refused (:func:`check_same_data`): the data sets are matched by label (or, renamed, by
content) and compared by the data file's SHA-256, the rows used (data-file line, organ, endpoint,
time, landmark, observed value, denominator) and the number of rows or patients; a data set fitted
as counts (binomial, beta-binomial) in one fit and as a proportion with a standard error (least
squares) in another is refused too (a probability against a density). A validation must belong to its
fit (same name and estimates).
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import FitError
from .results import FitResult, read_result

#: Likelihoods whose values are probabilities of the same counts (comparable with each other).
COUNTS = ("binomial", "beta_binomial")

#: A validation belongs to a fit when its full-fit estimates equal the fit's within this relative
#: tolerance: 10x the reproduce tolerance of a re-run (reproduce.compare.RTOL, 1e-4), as validate
#: refits the full set-up itself.
ESTIMATE_RTOL = 1e-3

#: The Markdown table's columns.
COLUMNS = ("fit", "k", "n", "log L", "AIC", "ΔAIC", "BIC", "ΔBIC", "CV log L", "CV data sets")


@dataclass(frozen=True)
class SelectionRow:
    """One fit in the model-selection table.

    ``k`` free parameters (overdispersions included), ``n`` observations (aggregate rows, patients
    of individual data), ``loglik`` the maximised log-likelihood, ``aic``/``bic`` and their
    differences from the lowest in the table; ``cv_loglik`` the cross-validated log-likelihood
    (NaN without a validation), ``cv_datasets`` the left-out data sets it sums and ``heldout`` their
    held-out log-likelihoods by label, ``n_datasets`` the fit's data sets."""

    name: str
    k: int
    n: int
    loglik: float
    aic: float
    bic: float
    delta_aic: float
    delta_bic: float
    converged: bool
    n_datasets: int
    cv_loglik: float = math.nan
    cv_datasets: tuple[str, ...] | None = None
    heldout: dict[str, float] | None = None

    def to_dict(self) -> dict:
        """The row as a JSON-safe dict (NaN as None).

        Returns
        -------
        dict
        """
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["cv_datasets"] = None if self.cv_datasets is None else list(self.cv_datasets)
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


def load_fit(item: FitResult | dict | str | Path) -> FitResult:
    """A fit result from a FitResult, its ``to_dict()`` or a result.json path.

    Parameters
    ----------
    item : FitResult, dict, str or pathlib.Path
        The fit.

    Returns
    -------
    FitResult

    Raises
    ------
    FitError
        When a file is unreadable or not a fit result.
    """
    if isinstance(item, FitResult):
        return item
    if isinstance(item, dict):
        return FitResult.from_dict(item)
    return read_result(item)


def load_validation(item, *, fit: str = "") -> dict:
    """A validation as the dict of its validate.json, from a Validation, that dict or a path.

    Parameters
    ----------
    item : Validation, dict, str or pathlib.Path
        The validation.
    fit : str
        The fit it belongs to, named in errors.

    Returns
    -------
    dict
        With ``datasets``, ``full_estimates``, ``cv_loglik`` and ``cv_datasets``.

    Raises
    ------
    FitError
        When the file is missing, unreadable or written before the held-out log-likelihood existed.
    """
    who = f"fit '{fit}': " if fit else ""
    if hasattr(item, "to_dict"):
        d = item.to_dict()
    elif isinstance(item, dict):
        d = item
    else:
        path = Path(item)
        if not path.is_file():
            raise FitError(f"{who}no validation at {path} (write one with: metakinetics validate FIT)")
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FitError(f"{who}{path}: cannot read the validation: {exc}") from None
        if not isinstance(d, dict) or not isinstance(d.get("datasets"), list):
            raise FitError(f"{who}{path}: not a validation (expected the validate.json of metakinetics validate)")
        item = path
    if "cv_loglik" not in d:
        where = f"{item} has" if isinstance(item, Path) else "the validation has"
        again = f"metakinetics validate {item.parent.parent}" if isinstance(item, Path) else "metakinetics validate"
        raise FitError(f"{who}{where} no cross-validated log-likelihood (written before it existed): re-run {again}")
    return d


def check_same_data(fits: Sequence[FitResult]) -> None:
    """Refuse fits whose data differ (AIC and BIC compare likelihoods of the same data only).

    Parameters
    ----------
    fits : sequence of FitResult
        The fits; each is compared with the first.

    Returns
    -------
    None

    Raises
    ------
    FitError
        One line naming the two fits and the first data set that differs, and how.
    """
    if not fits:
        return
    ref = fits[0]
    for other in fits[1:]:
        reason = _data_difference(ref, other)
        if reason:
            raise FitError(f"fits '{ref.name}' and '{other.name}' are not fitted to the same data, so their "
                           f"AIC, BIC and log-likelihoods do not compare: {reason}")


def _same(v):
    """NaN (a FitResult in memory) and None (read from result.json) both mean 'none'."""
    return None if isinstance(v, float) and math.isnan(v) else v


def _fingerprint(ds: dict) -> tuple:
    rows = tuple(tuple(_same(r.get(k)) for k in ("row", "organ", "endpoint", "time", "landmark", "observed",
                                                  "denominator"))
                 for r in ds.get("rows") or ())
    return ds.get("sha256"), ds.get("n_rows"), rows


def _family(ds: dict) -> str:
    kind = str(ds.get("likelihood"))
    return "counts" if kind in COUNTS else kind


def _data_difference(a: FitResult, b: FitResult) -> str:
    """Why the data of ``a`` and ``b`` differ, or ""."""
    da, db = {str(d["label"]): d for d in a.datasets}, {str(d["label"]): d for d in b.datasets}
    pairs, only_a = [], []
    for label, d in da.items():
        if label in db:
            pairs.append((label, d, db.pop(label)))
        else:
            only_a.append((label, d))
    for label, d in only_a:      # renamed in b: the same content under another label
        match = next((lb for lb, e in db.items() if _fingerprint(e) == _fingerprint(d)), None)
        if match is None:
            return f"data set '{label}' ({d.get('path', '?')}) is in '{a.name}' only"
        pairs.append((label, d, db.pop(match)))
    if db:
        label, d = next(iter(db.items()))
        return f"data set '{label}' ({d.get('path', '?')}) is in '{b.name}' only"
    for label, x, y in pairs:
        if x.get("sha256") != y.get("sha256"):
            return (f"data set '{label}': the data files differ (sha256 {str(x.get('sha256'))[:12]} in '{a.name}', "
                    f"{str(y.get('sha256'))[:12]} in '{b.name}')")
        if _fingerprint(x) != _fingerprint(y):
            return f"data set '{label}': {_rows_difference(x, y, a.name, b.name)}"
        if _family(x) != _family(y):
            return (f"data set '{label}' is fitted as {x.get('likelihood')} in '{a.name}' and as "
                    f"{y.get('likelihood')} in '{b.name}' (a probability of counts against a density of a proportion)")
    return ""


def _rows_difference(x: dict, y: dict, a: str, b: str) -> str:
    rx = [r.get("row") for r in x.get("rows") or ()]
    ry = [r.get("row") for r in y.get("rows") or ()]
    if set(rx) == set(ry) and x.get("n_rows") != y.get("n_rows"):     # individual data: patients
        return f"{x.get('n_rows')} rows or patients in '{a}', {y.get('n_rows')} in '{b}'"
    if set(rx) != set(ry):
        extra = ", ".join(map(str, sorted((v for v in set(rx) ^ set(ry) if v is not None), key=float)[:5]))
        return (f"different rows of the data file ({len(rx)} rows in '{a}', {len(ry)} in '{b}'; "
                f"data-file lines in one only: {extra})")
    return "the same data-file lines are read differently (organ, endpoint, time, observed value or denominator)"


def _check_validation(fit: FitResult, v: dict) -> None:
    if v.get("name") not in (None, fit.name):
        raise FitError(f"fit '{fit.name}': its validation is of fit '{v.get('name')}'")
    est = {e.name: e.value for e in fit.estimates}
    full = v.get("full_estimates") or {}
    if set(full) != set(est):
        raise FitError(f"fit '{fit.name}': its validation's full fit has other parameters "
                       f"({', '.join(sorted(set(full) ^ set(est)))}): re-run metakinetics validate")
    for name, value in est.items():
        w = full[name]
        if w is None or abs(w - value) > ESTIMATE_RTOL * max(abs(value), abs(w)):
            raise FitError(f"fit '{fit.name}': its validation was made from another fit ({name} = {w} there, "
                           f"{value:.6g} in the result): re-run metakinetics validate")


def selection_table(fits: Sequence, validations: Sequence | None = None) -> list[SelectionRow]:
    """The model-selection rows of fits of the same data, in the order given.

    Parameters
    ----------
    fits : sequence of FitResult, dict, str or pathlib.Path
        Fit results (or result.json paths), e.g. the nested structures of one data set.
    validations : sequence, optional
        One per fit, in the same order: a Validation, the dict of a validate.json, a path, or None
        (no cross-validated log-likelihood for that fit).

    Returns
    -------
    list of SelectionRow
        Deltas are from the lowest AIC and BIC among the fits.

    Raises
    ------
    FitError
        With no fit; when the fits' data differ; when validations do not match the fits in number
        or a validation belongs to another fit, is missing or predates the held-out log-likelihood.
    """
    results = [load_fit(f) for f in fits]
    if not results:
        raise FitError("model selection needs at least one fit")
    if validations is not None and len(validations) != len(results):
        raise FitError(f"model selection: {len(validations)} validations for {len(results)} fits (one per fit, "
                       "None for none)")
    check_same_data(results)
    vals = [None if validations is None or v is None else load_validation(v, fit=r.name)
            for r, v in zip(results, validations or [None] * len(results))]
    for r, v in zip(results, vals):
        if v is not None:
            _check_validation(r, v)
    best_aic = min(r.aic for r in results)
    best_bic = min(r.bic for r in results)
    rows = []
    for r, v in zip(results, vals):
        cv = math.nan if v is None or v.get("cv_loglik") is None else float(v["cv_loglik"])
        held = None if v is None else {str(d["label"]): float(d["heldout_loglik"]) for d in v["datasets"]
                                       if d.get("heldout_loglik") is not None}
        rows.append(SelectionRow(name=r.name, k=r.n_par, n=r.n_obs, loglik=r.loglik, aic=r.aic, bic=r.bic,
                                 delta_aic=r.aic - best_aic, delta_bic=r.bic - best_bic, converged=r.converged,
                                 n_datasets=len(r.datasets), cv_loglik=cv,
                                 cv_datasets=None if v is None else tuple(v.get("cv_datasets") or ()),
                                 heldout=held))
    return rows


def _num(x: float, digits: int = 2) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def _common_cv(rows: Sequence[SelectionRow]) -> str:
    """The CV log-likelihoods summed over the data sets every validated row covers, as words."""
    have = [r for r in rows if r.cv_datasets is not None and r.heldout is not None]
    common = [lb for lb in have[0].cv_datasets if all(lb in r.cv_datasets and lb in r.heldout for r in have)] \
        if have else []
    if not common:
        return ""
    return (f"; summed over the data sets all cover ({', '.join(common)}): "
            + ", ".join(f"{r.name} {_num(sum(r.heldout[lb] for lb in common))}" for r in have))


def to_markdown(rows: Sequence[SelectionRow]) -> str:
    """The rows as a Markdown table, with a note on the columns below it.

    Parameters
    ----------
    rows : sequence of SelectionRow
        From :func:`selection_table`.

    Returns
    -------
    str
        The table (the CV columns only when some row has a validation), then notes: the formulas,
        fits that did not converge, CV log-likelihoods over different data sets.
    """
    cv = any(r.cv_datasets is not None for r in rows)
    cols = COLUMNS if cv else COLUMNS[:-2]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join([":---"] + ["---:"] * (len(cols) - 1)) + "|"]
    for r in rows:
        name = r.name + ("" if r.converged else " (not converged)")
        cells = [name, str(r.k), str(r.n), _num(r.loglik), _num(r.aic), _num(r.delta_aic), _num(r.bic),
                 _num(r.delta_bic)]
        if cv:
            cells += ["–", "–"] if r.cv_datasets is None else [
                _num(r.cv_loglik), f"{len(r.cv_datasets)} of {r.n_datasets}"]
        lines.append("| " + " | ".join(cells) + " |")
    notes = ["k: free parameters; n: observations (rows of aggregate data, patients of individual data); "
             "AIC = 2k - 2 log L, BIC = k ln(n) - 2 log L, Δ from the lowest (lower is better)."]
    if cv:
        notes.append("CV log L: the sum, over the data sets left out one at a time (metakinetics validate), of each "
                     "one's log-likelihood at the refit without it (higher is better); "
                     "CV data sets: how many of the fit's data sets it covers.")
        covered = {r.cv_datasets for r in rows if r.cv_datasets is not None}
        if len(covered) > 1:
            notes.append("The CV log-likelihoods cover different data sets ("
                         + "; ".join(f"{r.name}: {', '.join(r.cv_datasets) or 'none'}" for r in rows
                                     if r.cv_datasets is not None)
                         + "), so they do not compare with each other" + _common_cv(rows) + ".")
    bad = [r.name for r in rows if not r.converged]
    if bad:
        notes.append(f"Not converged: {', '.join(bad)} (its log L may not be its maximum).")
    return "\n".join(lines) + "\n\n" + "\n\n".join(notes) + "\n"
