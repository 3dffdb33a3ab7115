"""Compare a recorded fit result with a re-run, both as the dicts of their ``result.json``.

The records are read by key and defensively: fields that one version of the result format has and
another lacks are skipped (only estimates, 95% limits where present, log-likelihoods, AIC and data
checksums are compared), so newer result files with more fields still compare.

Tolerance (:class:`Tolerance`): the fit's optimiser (scipy ``least_squares`` through lmfit) stops
when the relative decrease of -2 log L falls below ``ftol = 1e-10``. At -2 log L of order 1e3 that
leaves -2 log L undetermined by about 1e-7 and, because -2 log L rises by 1 at one standard
error, each estimate by about sqrt(1e-7) = 3e-4 of its standard error: about 1e-4 of the value for
standard errors up to 0.3 on the log scale. A run on another machine (another BLAS, other
rounding) may stop anywhere in that region, and different starting points do (the fit tests allow
1e-4 between starts). Hence relative 1e-4 for estimates and limits (Wald limits move with the
estimate and its standard error) and absolute 1e-6 for log-likelihoods (10x the stopping
precision of -2 log L); AIC = 2k - 2 log L gets twice that. Only the total log-likelihood is
compared: it is stationary at the optimum, its parts per data set are not. Profile and ``conf_interval`` limits
are found by root searches of similar precision; use a looser ``rtol`` if they prove noisier.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

RTOL = 1e-4
ATOL_LOGLIK = 1e-6


@dataclass(frozen=True)
class Tolerance:
    """When two numbers agree: estimates and limits relatively, log-likelihoods absolutely."""

    rtol: float = RTOL
    atol_loglik: float = ATOL_LOGLIK

    def describe(self) -> str:
        """The tolerances in words, for the reproduce report."""
        return (f"estimates and 95% limits within relative {self.rtol:g}; log-likelihoods within "
                f"{self.atol_loglik:g}, AIC within {2 * self.atol_loglik:g} (absolute)")


@dataclass(frozen=True)
class Difference:
    """One quantity that does not agree: what, recorded and re-run values, and why it fails."""

    what: str
    recorded: object
    rerun: object
    reason: str

    def describe(self) -> str:
        """One line: what differs, the recorded and re-run values and why it counts."""
        return f"{self.what}: recorded {_fmt(self.recorded)}, re-run {_fmt(self.rerun)} ({self.reason})"


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.10g}"
    return "absent" if v is None else str(v)


def _number(v) -> float | None:
    """A finite float, or None for null/NaN (how result.json stores 'not available')."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def _check(what: str, a, b, *, rtol: float = 0.0, atol: float = 0.0) -> Difference | None:
    x, y = _number(a), _number(b)
    if x is None and y is None:
        return None
    if x is None or y is None:
        return Difference(what, a, b, "present in only one")
    err = abs(x - y)
    if err <= atol or err <= rtol * max(abs(x), abs(y)):
        return None
    if rtol:
        rel = err / max(abs(x), abs(y))
        return Difference(what, x, y, f"relative difference {rel:.2g} > {rtol:g}")
    return Difference(what, x, y, f"difference {err:.2g} > {atol:g}")


def _by(items, key: str) -> dict:
    return {str(item[key]): item for item in items or () if isinstance(item, dict) and key in item}


def compare_checksums(recorded: dict, rerun: dict) -> tuple[list[Difference], list[str]]:
    """Data checksums (sha256 of each data file) by data-set label: differences and matches."""
    rec, new = _by(recorded.get("datasets"), "label"), _by(rerun.get("datasets"), "label")
    diffs, same = [], []
    for label in dict.fromkeys([*rec, *new]):
        a, b = rec.get(label, {}).get("sha256"), new.get(label, {}).get("sha256")
        if a is None and label in rec and label in new:
            continue  # an old record without checksums: nothing to check against
        if a != b:
            reason = "data file changed" if a and b else "data set in only one"
            diffs.append(Difference(f"data {label} sha256", a, b, reason))
        else:
            same.append(label)
    return diffs, same


def compare_results(recorded: dict, rerun: dict, tolerance: Tolerance = Tolerance()) -> tuple[list[Difference], int]:
    """Every difference beyond ``tolerance`` between two result dicts, and how many values were compared.

    Compared: data checksums; each estimate's value and (where the record has them) its 95%
    limits, matched by name; the log-likelihood; AIC. Not the per-data-set log-likelihoods: only
    their sum is stationary at the optimum, so the parts trade off against each other at first order
    in the estimates' own tolerance (1e-4 of the estimates moves them by ~1e-3), while their sum
    moves at second order.
    """
    diffs, same = compare_checksums(recorded, rerun)
    n = len(diffs) + len(same)
    rec_est, new_est = _by(recorded.get("estimates"), "name"), _by(rerun.get("estimates"), "name")
    for name in dict.fromkeys([*rec_est, *new_est]):
        if name not in rec_est or name not in new_est:
            diffs.append(Difference(f"estimate {name}", "present" if name in rec_est else None,
                                    "present" if name in new_est else None, "parameter in only one"))
            n += 1
            continue
        for field in ("value", "lower", "upper"):
            if field not in rec_est[name]:
                continue
            n += 1
            d = _check(f"estimate {name} {field}", rec_est[name][field], new_est[name].get(field), rtol=tolerance.rtol)
            if d:
                diffs.append(d)
    for field, atol in (("loglik", tolerance.atol_loglik), ("aic", 2 * tolerance.atol_loglik)):
        if field in recorded:
            n += 1
            d = _check(field, recorded[field], rerun.get(field), atol=atol)
            if d:
                diffs.append(d)
    return diffs, n
