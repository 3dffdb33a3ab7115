"""Fit results: a frozen record with a schema version, written atomically as JSON.

A :class:`FitResult` is complete: besides the estimates and the fit report it carries each free
parameter's model keys (a tie such as ``organs.*.wake`` expanded), the covariance on the search
scale, the set-up's fixed values and the quadrature nodes, so the fitted model (for any group of a
grouped fit), parameter draws and predictions come from the result alone, without the set-up.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FitError, InputError
from ..io_atomic import write_text_atomic
from .likelihood import OVERDISPERSION

#: 2: estimates carry their target keys; results carry the covariance, fixed values and nodes;
#: ``model`` became ``model_name`` (``model(group)`` is the fitted model).
SCHEMA_VERSION = 2


@dataclass(frozen=True)
class Estimate:
    """One fitted parameter (natural scale): estimate, standard error (delta method for log
    parameters), 95% limits (``interval_method``), bounds, whether it sits at a bound, and the
    model keys it sets (``targets``: one for a plain key, every match for a pattern such as
    ``organs.*.wake``). ``group`` is None for a parameter shared by every data group."""

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
    targets: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """The dotted model keys this parameter sets (none for a data set's overdispersion)."""
        if self.key.startswith(OVERDISPERSION):
            return ()
        return self.targets or (self.key,)


@dataclass(frozen=True)
class FitResult:
    """Everything a fit produced; figures and scenarios read this, never refit.

    ``covariance`` is on the search scale (ln for parameters fitted in logs), in the order of
    ``estimates``; ``fixed`` holds the set-up's fixed model values in model units (years, per
    year); ``nodes`` the Gauss-Hermite nodes the fit used.
    """

    name: str
    status: str                     # "converged" | "not_converged"
    message: str
    model_name: str                 # the model the fit started from: a bundled name or a file path
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
    fixed: dict[str, float] = field(default_factory=dict)
    covariance: tuple[tuple[float, ...], ...] = ()
    nodes: int | dict[str, int] | None = None
    goodness_of_fit: dict[str, Any] = field(default_factory=dict)   # all aggregate data sets together
    schema_version: int = SCHEMA_VERSION

    @property
    def converged(self) -> bool:
        """Whether the fit converged (``status == 'converged'``)."""
        return self.status == "converged"

    def estimate(self, label: str) -> Estimate:
        """The estimate of the parameter named (or with dotted key) ``label`` (FitError when absent)."""
        for e in self.estimates:
            if e.name == label or e.key == label:
                return e
        raise FitError(f"no fitted parameter '{label}' (have: {', '.join(e.name for e in self.estimates)})")

    # ------------------------------------------------------------------ groups and parameters
    @property
    def groups(self) -> tuple[str, ...]:
        """Data groups with group-specific parameters of their own (in order of appearance)."""
        return tuple(dict.fromkeys(e.group for e in self.estimates if e.group is not None))

    def check_group(self, group: str | None) -> str | None:
        """``group`` if it names one of :attr:`groups` (or is None for a fit without groups);
        FitError listing the groups otherwise."""
        if group is None and not self.groups:
            return None
        if group is not None and group in self.groups:
            return group
        have = ", ".join(self.groups)
        if group is None:
            raise FitError(f"fit '{self.name}' has group-specific parameters: choose a group ({have})")
        if not self.groups:
            raise FitError(f"fit '{self.name}' has no group-specific parameters (no group '{group}')")
        raise FitError(f"fit '{self.name}': no group '{group}' (groups: {have})")

    def indices(self, group: str | None = None) -> tuple[int, ...]:
        """Positions in ``estimates`` of the parameters acting in ``group``: the shared ones, then
        that group's copies (any other group, or None, gets the shared ones only)."""
        shared = [i for i, e in enumerate(self.estimates) if e.group is None]
        own = [i for i, e in enumerate(self.estimates) if e.group is not None and e.group == group]
        return tuple(shared + own)

    def parameters(self, values, group: str | None = None, which: Sequence[int] | None = None) -> dict[str, Any]:
        """Dotted model key -> value for ``group`` from parameter values (natural scale).

        Parameters
        ----------
        values
            Shape (..., len(which)): e.g. the (n, p) draws of :meth:`draw_values`, or estimates.
        group
            Shared parameters apply first, then ``group``'s copies (the objective's rule).
        which
            Positions in ``estimates`` of the columns of ``values`` (default: all).

        Returns
        -------
        dict
            Each tied parameter fills all of its target keys; arrays keep the leading shape.
        """
        which = tuple(range(len(self.estimates))) if which is None else tuple(which)
        v = np.asarray(values, dtype=float)
        col = {i: j for j, i in enumerate(which)}
        out: dict[str, Any] = {}
        for i in self.indices(group):
            if i in col:
                x = v[..., col[i]]
                out.update(dict.fromkeys(self.estimates[i].keys, x if x.ndim else float(x)))
        return out

    def values(self, group: str | None = None) -> dict[str, float]:
        """Fitted values (natural scale) by dotted model key for ``group`` (checked)."""
        return self.parameters([e.value for e in self.estimates], self.check_group(group))

    def base_model(self):
        """The fit's model with its fixed values (``fixed``, years), before the estimates."""
        from .fixed import fixed_model

        return fixed_model(self.model_name, self.fixed)

    def model(self, group: str | None = None):
        """The fitted model: fixed values, then the estimates (shared, then ``group``'s copies).
        A fit with group-specific parameters needs ``group`` (FitError listing the groups)."""
        return self.base_model().with_values(self.values(group))

    def covariance_matrix(self) -> np.ndarray | None:
        """Covariance on the search scale (p x p, order of ``estimates``), None when not finite."""
        p = len(self.estimates)
        cov = np.asarray(self.covariance, dtype=float)
        if cov.shape != (p, p) or not np.all(np.isfinite(cov)):
            return None
        return cov

    def intervals(self) -> dict[str, tuple[float, float]] | None:
        """95% limits (natural scale) by parameter name, None unless every one is finite."""
        out = {e.name: (e.lower, e.upper) for e in self.estimates
               if np.isfinite(e.lower) and np.isfinite(e.upper)}
        return out if len(out) == len(self.estimates) else None

    def draw_values(self, n: int, seed=None, *, method: str = "covariance",
                    which: Sequence[int] | None = None) -> np.ndarray:
        """``n`` seeded draws (n, len(which)), natural scale, of the parameters at ``which``
        (positions in ``estimates``; default all) from the fit's covariance on the search scale
        (its marginal for a subset) or, with ``method='profile'``, its 95% intervals; draws
        outside a parameter's bounds are redrawn."""
        from .draws import draw_natural

        which = tuple(range(len(self.estimates))) if which is None else tuple(which)
        est = [self.estimates[i] for i in which]
        cov = self.covariance_matrix()
        ivs = {e.name: (e.lower, e.upper) for e in est if np.isfinite(e.lower) and np.isfinite(e.upper)}
        return draw_natural([e.value for e in est], [e.log for e in est], n, seed=seed, method=method,
                            covariance=None if cov is None else cov[np.ix_(which, which)],
                            intervals=ivs, keys=[e.name for e in est], lower=[e.min for e in est],
                            upper=[e.max for e in est], name=self.name)

    def draw(self, n: int, seed=None, *, group: str | None = None, method: str = "covariance") -> dict[str, np.ndarray]:
        """``n`` parameter draws for ``group`` as dotted model key -> (n,) arrays (the ``params``
        a scenario or ``population.incidence_batch`` takes), group parameters included.

        Parameters
        ----------
        n
            Number of parameter sets.
        seed
            int, None or SeedSequence: same seed, same numbers.
        group
            Required for a fit with group-specific parameters (one of :attr:`groups`).
        method
            'covariance' (multivariate normal on the search scale, mapped back) or 'profile'.

        Returns
        -------
        dict
            Dotted key -> (n,) natural-scale values; a tie fills each of its target keys.
        """
        g = self.check_group(group)
        which = self.indices(g)
        return self.parameters(self.draw_values(n, seed, method=method, which=which), g, which)

    def predict(self, endpoint, times, *, group: str | None = None, **options):
        """Population incidence of the fitted model for ``group`` (``population.incidence``;
        ``endpoint`` a name or Endpoint, ``times`` years after diagnosis; ``nodes`` defaults to the
        fit's own). Returns an IncidenceResult."""
        from ..population import incidence

        options.setdefault("nodes", self.nodes)
        return incidence(self.model(group), endpoint, times, **options)

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict:
        """The result as a JSON-safe dict (NaN and inf as None, tuples as lists); an empty
        ``goodness_of_fit`` is left out, so results written before it existed round-trip byte for byte."""
        d = asdict(self)
        if not d["goodness_of_fit"]:
            del d["goodness_of_fit"]
        return json_safe(d)

    def to_json(self) -> str:
        """The result as the JSON text of result.json (indented, no NaN)."""
        return json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n"

    @classmethod
    def from_dict(cls, d: dict) -> "FitResult":
        """A FitResult from ``to_dict()`` output (FitError for another schema version); None read back as NaN."""
        if d.get("schema_version") != SCHEMA_VERSION:
            raise FitError(f"fit result schema version {d.get('schema_version')} is not {SCHEMA_VERSION} "
                           f"(re-run the fit: metakinetics fit SETUP)")
        d = dict(d)
        d["estimates"] = tuple(Estimate(**{k: (tuple(v) if k == "targets" else
                                               math.nan if v is None and k != "group" else v)
                                           for k, v in e.items()}) for e in d["estimates"])
        for k in ("datasets", "identifiability", "starts", "organs", "comparisons"):
            d[k] = tuple(d.get(k, ()))
        d["covariance"] = tuple(tuple(math.nan if x is None else x for x in row) for row in d.get("covariance", ()))
        return cls(**d)


def json_safe(obj):
    """``obj`` made JSON-safe (the one rule of every report the package writes): NaN and inf become
    None (null), tuples lists, numpy arrays and scalars plain lists and numbers.

    Parameters
    ----------
    obj : object
        Nested dicts, lists, tuples, numpy values and plain values.

    Returns
    -------
    object
    """
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if hasattr(obj, "tolist"):
        return json_safe(obj.tolist())
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    return obj


def write_result(result: FitResult, path: str | Path) -> Path:
    """Write ``result`` as JSON atomically (an interrupted run leaves the old file or none).

    Parameters
    ----------
    result : FitResult
        The result to store.
    path : str or pathlib.Path
        The file (``result.json`` by convention).

    Returns
    -------
    pathlib.Path
        The path written.
    """
    return write_text_atomic(path, result.to_json())


def read_result(path: str | Path) -> FitResult:
    """A FitResult from a ``result.json``.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.

    Returns
    -------
    FitResult

    Raises
    ------
    FitError
        When unreadable, not a fit result, or malformed.
    """
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


def result_start(setup_path: str | Path | None, params) -> np.ndarray:
    """The committed fit's estimates (result.json beside the set-up's fit.toml) as a start vector on
    the search scale of ``params`` (an Objective's parameters): the ``--start result`` of
    ``validate`` and ``validate-patients``.

    Parameters
    ----------
    setup_path : str or pathlib.Path
        The set-up's fit.toml.
    params : Parameters
        The free parameters, in order (their labels key the estimates).

    Returns
    -------
    numpy.ndarray
        The search vector.

    Raises
    ------
    InputError
        When result.json is missing, unreadable or lacks one of the parameters.
    """
    path = Path(setup_path or ".").parent / "result.json"
    try:
        est = {e["name"]: e["value"] for e in json.loads(path.read_text())["estimates"]}
        return np.array([p.to_search(est[p.label]) for p in params])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"--start result: cannot read the full fit's estimates from {path} ({exc!r})") from None
