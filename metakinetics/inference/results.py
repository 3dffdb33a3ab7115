"""Fit results: a frozen record with a schema version, written atomically as JSON."""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import FitError
from ..io_atomic import write_text_atomic

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Estimate:
    """One fitted parameter (natural scale): estimate, standard error (delta method for log
    parameters), 95% limits (``interval_method``), bounds, and whether it sits at a bound."""

    name: str
    key: str
    group: str | None
    value: float
    se: float
    lower: float
    upper: float
    initial: float
    min: float
    max: float
    log: bool
    at_bound: bool
    se_search: float


@dataclass(frozen=True)
class FitResult:
    """Everything a fit produced; figures and scenarios read this, never refit."""

    name: str
    status: str                     # "converged" | "not_converged"
    message: str
    model: str
    optimiser: str
    interval_method: str
    information: str
    estimates: tuple[Estimate, ...]
    correlations: dict[str, Any]
    loglik: float
    n_obs: int
    n_par: int
    aic: float
    bic: float
    datasets: tuple[dict, ...]
    identifiability: tuple[dict, ...]
    starts: tuple[dict, ...]
    seed: int
    package_version: str
    elapsed_s: float
    nfev: int
    fitted_values: dict[str, dict[str, float]] = field(default_factory=dict)
    organs: tuple[dict, ...] = ()
    comparisons: tuple[dict, ...] = ()
    setup_path: str | None = None
    schema_version: int = SCHEMA_VERSION

    @property
    def converged(self) -> bool:
        return self.status == "converged"

    def estimate(self, label: str) -> Estimate:
        for e in self.estimates:
            if e.name == label or e.key == label:
                return e
        raise FitError(f"no fitted parameter '{label}' (have: {', '.join(e.name for e in self.estimates)})")

    def to_dict(self) -> dict:
        return _clean(asdict(self))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n"

    @classmethod
    def from_dict(cls, d: dict) -> "FitResult":
        if d.get("schema_version") != SCHEMA_VERSION:
            raise FitError(f"fit result schema version {d.get('schema_version')} is not {SCHEMA_VERSION}")
        d = dict(d)
        d["estimates"] = tuple(Estimate(**{k: (math.nan if v is None and k not in ("group",) else v)
                                           for k, v in e.items()}) for e in d["estimates"])
        for k in ("datasets", "identifiability", "starts", "organs", "comparisons"):
            d[k] = tuple(d.get(k, ()))
        return cls(**d)


def _clean(obj):
    """JSON-safe: NaN/inf become None, tuples lists, numpy scalars floats."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "tolist"):
        return _clean(obj.tolist())
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    return obj


def write_result(result: FitResult, path: str | Path) -> Path:
    """Write ``result`` as JSON atomically (an interrupted run leaves the old file or none)."""
    return write_text_atomic(path, result.to_json())


def read_result(path: str | Path) -> FitResult:
    """A FitResult from a result.json (FitError when unreadable or of another schema)."""
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FitError(f"{path}: cannot read fit result: {exc}") from None
    if not isinstance(d, dict) or not isinstance(d.get("estimates"), list):
        raise FitError(f"{path}: not a fit result (expected a JSON object with 'estimates'); "
                       "write one with 'metakinetics fit'")
    try:
        return FitResult.from_dict(d)
    except (TypeError, KeyError, AttributeError) as exc:
        raise FitError(f"{path}: malformed fit result: {exc}") from None
