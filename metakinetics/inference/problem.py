"""Fit set-ups (fits/NAME/fit.toml) and problems: model + data set + endpoints, checked once.

A :class:`FitSetup` says which model, which data sets (each with its own model settings and
likelihood), and which parameters are free. A :class:`Problem` pairs one data set with the
prediction calls it needs (one call per group and endpoint), so the objective's inner loop trusts
its inputs (the PINTS pairing).
"""
from __future__ import annotations

import dataclasses
import fnmatch
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..datasets import AggregateData, IndividualData, load_dataset
from ..datasets.schema import COUNT_ENDPOINTS, ROW_OPTIONS
from ..endpoints import ENDPOINTS, BySize, Distant, Endpoint, First, Landmark, endpoint_from_name
from ..errors import DataError, FitError, MetakineticsError, ModelFileError, did_you_mean, nearest
from ..model import Model
from ..model.case_mix import CaseMix
from ..model.classes import settable_values
from ..model.spec import COLONY_LAW_KEYS, COLONY_LAWS
from ..population.case_mix import combine_nodal, denominator, resolve_case_mix
from ..nodal_classes import OPEN, nodal_class
from ..model.text import decode_text
from ..population.effects import DIMENSIONS
from .coverage import events_outside_model, rows_outside_model
from .covariates import GRID_RATIO, RANGE_NODES, PatientCovariates, diameter_grid, point_weights, range_nodes
from .fixed import fixed_model
from .likelihood import OVERDISPERSION, BetaBinomial, Binomial, CensoredTimeToEvent, LeastSquares
from .parameters import FreeParameter, check_overlaps
from .setup_types import boolean, choice, number, string, table, unknown, value_list

LIKELIHOODS = ("binomial", "beta_binomial", "least_squares", "time_to_event")
INTERVALS = ("wald", "profile", "conf_interval", "none")
INFORMATION = ("auto", "scoring")
OPTIMISERS = ("least_squares", "leastsq", "lbfgsb", "nelder", "powell")


@dataclass(frozen=True)
class DataSpec:
    """One data set in a fit: its name/path, likelihood, model settings, row filters."""

    name: str
    likelihood: str | None = None
    sigma: float | None = None
    set: Mapping[str, Any] = field(default_factory=dict)
    groups: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    select: Mapping[str, tuple] = field(default_factory=dict)
    where: Mapping[str, tuple] = field(default_factory=dict)
    group_by: str | None = None
    nodal: str | None = None          # individual data: the column of each patient's positive-node count
    nodal_count: str = "class"        # "class": the patient's nodal class (N0, N1-3, ...); "exact": the count
    diameter: str | None = None       # individual data: the column of each patient's diameter (cm) or size range
    #: a diameter column of labels: each label's diameter range (cm), lo, hi (interval-censored diameters)
    diameter_ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    #: keep only these patients (their row numbers in the file): cross-validation folds; not a fit.toml key
    patients: tuple[int, ...] | None = None
    case_mix: str | None = None       # the rows' cohort: "own" (the data set's [case_mix]) or a case-mix file
    label: str | None = None
    horizon: float | None = None
    relabel: Mapping[str, str] = field(default_factory=dict)
    key: str = "data"  # where it sits in fit.toml, e.g. "data[2]" (for messages)
    overdispersion: float | None = None  # a fixed beta-binomial rho; None: free (or not beta-binomial)


@dataclass(frozen=True)
class FitSetup:
    """A parsed fit set-up. ``parameters`` are expanded (one entry per group-specific copy)."""

    name: str
    model: str | Model
    data: tuple[DataSpec, ...]
    parameters: tuple[FreeParameter, ...]
    model_set: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    path: str | None = None
    seed: int = 0
    optimiser: str = "least_squares"
    intervals: str = "wald"
    starts: int = 1
    start_spread: float = 1.0
    max_nfev: int | None = None
    tolerance: float | None = None   # L-BFGS-B: stop when an iteration gains less -2 log L than this
    workers: int = 1                 # processes for the finite differences (inference.parallel)
    #: the information behind intervals and the Newton check: "auto" (Gauss-Newton J^T J where every
    #: data set has residuals, else the finite-difference Hessian) or "scoring" (J^T J of the residuals
    #: plus the outer product of per-patient scores of individual data: 2n + 1 evaluations, not ~2n^2)
    information: str = "auto"
    nodes: int | Mapping[str, int] | None = None
    grid_step: float = 0.1
    compare: tuple[str, ...] = ()


_TOP = {"fit", "model", "data", "parameters"}
_FIT = {"name", "description", "seed", "optimiser", "intervals", "starts", "start_spread", "max_nfev",
        "tolerance", "nodes", "grid_step", "compare", "workers", "information"}
_MODEL = {"name", "set"}
_DATA = {"name", "likelihood", "sigma", "set", "groups", "select", "where", "group_by", "nodal", "case_mix", "label",
         "horizon", "diameter", "nodal_count",
         "relabel", "overdispersion"}
_OVERDISPERSION = {"value", "min", "max", "log"}
#: The default free overdispersion rho of a beta-binomial data set: start 0.01 (a between-cohort SD of
#: the risk of about 10% of sqrt(p (1 - p))), searched on the log scale between 1e-6 (the binomial,
#: to within the binomial's own noise for cohorts below ~1e5 patients) and 0.5 (patients in a row
#: more alike than independent: beyond any cohort-level spread the data could support).
RHO_DEFAULT = {"value": 0.01, "min": 1e-6, "max": 0.5, "log": True}
_PARAM = {"value", "min", "max", "log", "prior", "groups"}
_PRIOR = {"mean", "median", "sd"}


def load_setup(path: str | Path) -> FitSetup:
    """Parse ``fit.toml`` (a file or a folder holding one).

    Parameters
    ----------
    path : str or pathlib.Path
        The file, or a fit folder holding ``fit.toml``.

    Returns
    -------
    FitSetup

    Raises
    ------
    ModelFileError
        When unreadable or invalid; the message names the file, key and reason.
    """
    p = Path(path)
    if p.is_dir():
        p = p / "fit.toml"
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ModelFileError(str(p), None, f"cannot read fit set-up: {exc.strerror or exc}") from None
    return parse_setup(decode_text(raw, str(p), "fit set-up"), path=str(p))


def colony_laws(raw_set: Mapping[str, Any], model: Model, where: str) -> tuple[dict, dict]:
    """The colony growth laws a ``[model] set`` table switches (``organs.<k>.growth`` = a law name,
    ``organs.*.growth`` for every organ), each with the values its new law needs (``K`` for
    gompertz, ``birth`` and ``death`` for birth_death, from the same table), and the rest of the
    table. Refused by name: an unknown law, a pattern that matches no organ, a needed value missing."""
    laws: dict = {}
    rest = {}
    for k, v in raw_set.items():
        parts = k.split(".")
        if not (len(parts) == 3 and parts[0] == "organs" and parts[2] == "growth"):
            rest[k] = v
            continue
        if not isinstance(v, str) or v not in COLONY_LAWS:
            raise ModelFileError(where, f"model.set.{k}", f"expected a colony growth law ({', '.join(COLONY_LAWS)}), "
                                 f"found {v!r}")
        organs = fnmatch.filter(model.organ_names, parts[1])
        if not organs:
            raise ModelFileError(where, f"model.set.{k}", "matches no organ of the model",
                                 suggestion=nearest(parts[1], model.organ_names))
        for o in organs:
            if f"organs.{o}.growth" in laws:
                raise ModelFileError(where, f"model.set.{k}", f"sets organs.{o}.growth, which another key of this "
                                     "table sets too; set it once")
            laws[f"organs.{o}.growth"] = v
            for f in COLONY_LAW_KEYS[v]:
                given = [val for pk, val in raw_set.items() if fnmatch.fnmatchcase(f"organs.{o}.{f}", pk)]
                if given:
                    laws[f"organs.{o}.{f}"] = number(given[-1], where, f"model.set.organs.{o}.{f}")
                elif f not in COLONY_LAW_KEYS[model.organ(o).growth]:      # kept where both laws have it
                    raise ModelFileError(where, f"model.set.{k}", f"organ '{o}' switches to {v} growth, which needs "
                                         f"organs.{o}.{f}: set it in the same table")
    return laws, rest


def parse_setup(text: str, *, path: str | None = None) -> FitSetup:
    """A :class:`FitSetup` from the TOML text of a fit set-up.

    Parameters
    ----------
    text : str
        The TOML text.
    path : str, optional
        Where it came from: relative model and data paths resolve beside it, and messages name it.

    Returns
    -------
    FitSetup

    Raises
    ------
    ModelFileError
        For invalid TOML, unknown or mistyped keys and values, naming the key.
    """
    where = path or "<fit.toml>"
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ModelFileError(where, None, f"not valid TOML: {exc}") from None
    unknown(raw, _TOP, where, "")
    base = Path(path).parent if path else Path(".")
    fit = table(raw.get("fit"), where, "fit")
    unknown(fit, _FIT, where, "fit.")
    mdl = table(raw.get("model"), where, "model")
    if "name" not in mdl:
        raise ModelFileError(where, "model.name", "missing: the bundled model name or a path to a model file")
    unknown(mdl, _MODEL, where, "model.")
    model_name = string(mdl["name"], where, "model.name")
    if model_name.endswith(".toml") or "/" in model_name:
        model_name = str((base / model_name).resolve()) if not Path(model_name).is_absolute() else model_name
    try:
        model = fixed_model(model_name)
    except MetakineticsError as exc:
        raise ModelFileError(where, "model", f"cannot load the model: {exc}") from None
    # the model's values and every class's own value of a base key (the file need not list it)
    known_keys = settable_values(model)

    def check_keys(d, key: str):
        """The table ``d`` of dotted keys -> numbers, ``organs.*``-style patterns expanded to every
        key they match (as free parameters' patterns); a key set twice (by a pattern and by name, or
        by two patterns) is refused, since one of the two would silently lose."""
        d = table(d, where, key)
        out: dict = {}
        for k, v in d.items():
            number(v, where, f"{key}.{k}")
            if "*" in k:
                targets = sorted(fnmatch.filter(known_keys, k))
                if not targets:
                    raise ModelFileError(where, f"{key}.{k}", "the pattern matches no numeric parameter of the model")
            elif k not in known_keys:
                raise ModelFileError(where, f"{key}.{k}", "not a numeric parameter of the model",
                                     suggestion=nearest(k, known_keys))
            else:
                targets = [k]
            for t in targets:
                if t in out:
                    raise ModelFileError(where, f"{key}.{k}", f"sets '{t}', which another key of this table sets "
                                         "too; set it once")
                out[t] = v
        return out

    raw_set = table(mdl.get("set", {}), where, "model.set")
    laws, raw_set = colony_laws(raw_set, model, where)
    if laws:                                  # switched first: the new law's keys (K, ...) are then known
        try:
            model = fixed_model(model, laws)
        except MetakineticsError as exc:
            raise ModelFileError(where, "model.set", f"cannot switch the colony growth: {exc}") from None
        known_keys = settable_values(model)
    # patterns expand over the model's own keys; a named key may be one only the set values make
    # known (diagnosis.diameter_cm in place of diagnosis.size), so it is checked after they apply
    model_set = check_keys({k: v for k, v in raw_set.items() if "*" in k}, "model.set")
    for k, v in raw_set.items():
        if "*" not in k:
            number(v, where, f"model.set.{k}")
            if k in model_set:
                raise ModelFileError(where, f"model.set.{k}", f"sets '{k}', which another key of this table "
                                     "sets too; set it once")
            model_set[k] = v
    model_set = {**laws, **model_set}
    if model_set:
        try:
            model = fixed_model(model, model_set)  # fixed values in years, whatever the file's time_unit
        except MetakineticsError as exc:
            raise ModelFileError(where, "model", f"cannot load the model: {exc}") from None
        known_keys = settable_values(model)     # the keys of the model as fixed (check_keys reads this)
        check_keys({k: v for k, v in raw_set.items() if "*" not in k}, "model.set")
    data_raw = raw.get("data")
    if data_raw is not None and not isinstance(data_raw, list):
        raise ModelFileError(where, "data", "expected [[data]] tables (an array of tables)")
    if not data_raw:
        raise ModelFileError(where, "data", "missing: at least one [[data]] table")
    specs = [_data_spec(d, f"data[{i}]", where, base, check_keys) for i, d in enumerate(data_raw)]
    _check_data_options(specs, where, model)
    params_raw = table(raw.get("parameters"), where, "parameters")
    if not params_raw:
        raise ModelFileError(where, "parameters", "missing: at least one free parameter table")
    params: list[FreeParameter] = []
    all_groups = _declared_groups(specs)
    for k, t in params_raw.items():
        params.extend(_free_parameters(k, t, where, known_keys, specs, all_groups))
    for i, d in enumerate(data_raw):
        rho = _overdispersion(d.get("overdispersion"), specs[i], where)
        if isinstance(rho, FreeParameter):
            params.append(rho)
        elif rho is not None:
            specs[i] = dataclasses.replace(specs[i], overdispersion=rho)
    check_overlaps(params, where)
    intervals = choice(string(fit.get("intervals", "wald"), where, "fit.intervals"), INTERVALS, where,
                       "fit.intervals")
    optimiser = choice(string(fit.get("optimiser", "least_squares"), where, "fit.optimiser"), OPTIMISERS, where,
                       "fit.optimiser")
    return FitSetup(
        name=string(fit.get("name", Path(path).parent.name if path else "fit"), where, "fit.name"), model=model_name,
        model_set=model_set, data=tuple(specs), parameters=tuple(params),
        description=string(fit.get("description", ""), where, "fit.description"), path=path,
        seed=number(fit.get("seed", 0), where, "fit.seed", integer=True, nonnegative=True),
        optimiser=optimiser, intervals=intervals,
        starts=number(fit.get("starts", 1), where, "fit.starts", positive=True, integer=True),
        start_spread=number(fit.get("start_spread", 1.0), where, "fit.start_spread", positive=True),
        max_nfev=number(fit["max_nfev"], where, "fit.max_nfev", positive=True, integer=True) if "max_nfev" in fit else None,
        tolerance=number(fit["tolerance"], where, "fit.tolerance", positive=True) if "tolerance" in fit else None,
        nodes=_nodes(fit.get("nodes"), where),
        grid_step=number(fit.get("grid_step", 0.1), where, "fit.grid_step", positive=True),
        workers=number(fit.get("workers", 1), where, "fit.workers", positive=True, integer=True),
        information=choice(string(fit.get("information", "auto"), where, "fit.information"), INFORMATION, where,
                           "fit.information"),
        compare=value_list(fit.get("compare", []), where, "fit.compare") if fit.get("compare") else ())


def _data_spec(d, key: str, where: str, base: Path, check_keys) -> DataSpec:
    """One [[data]] table, every key of its own type."""
    d = table(d, where, key)
    unknown(d, _DATA, where, key + ".")
    if "name" not in d:
        raise ModelFileError(where, key + ".name", "missing: a bundled data set name or a CSV path")
    name = string(d["name"], where, key + ".name")
    if name.endswith((".csv", ".toml")) or "/" in name:
        name = str((base / name).resolve()) if not Path(name).is_absolute() else name
    lik = d.get("likelihood")
    if lik is not None:
        choice(lik, LIKELIHOODS, where, key + ".likelihood")
    groups = {}
    for g, gt in table(d.get("groups"), where, key + ".groups").items():
        gt = table(gt, where, f"{key}.groups.{g}", what="a table with 'set'")
        unknown(gt, {"set"}, where, f"{key}.groups.{g}.")
        groups[str(g)] = check_keys(gt.get("set", {}), f"{key}.groups.{g}.set")
    return DataSpec(
        name=name, likelihood=lik,
        sigma=number(d["sigma"], where, key + ".sigma", positive=True) if "sigma" in d else None,
        set=check_keys(d.get("set", {}), key + ".set"), groups=groups,
        select={k: value_list(v, where, f"{key}.select.{k}")
                for k, v in table(d.get("select"), where, key + ".select").items()},
        where={k: value_list(v, where, f"{key}.where.{k}")
               for k, v in table(d.get("where"), where, key + ".where").items()},
        group_by=string(d["group_by"], where, key + ".group_by") if "group_by" in d else None,
        nodal=string(d["nodal"], where, key + ".nodal") if "nodal" in d else None,
        nodal_count=choice(string(d.get("nodal_count", "class"), where, key + ".nodal_count"), NODAL_COUNTS, where,
                           key + ".nodal_count"),
        **_diameter(d.get("diameter"), where, key),
        case_mix=_case_mix_key(d.get("case_mix"), where, key, base),
        label=string(d.get("label", Path(name).stem), where, key + ".label"),
        horizon=number(d["horizon"], where, key + ".horizon", positive=True) if "horizon" in d else None,
        relabel={str(a): string(b, where, f"{key}.relabel.{a}")
                 for a, b in table(d.get("relabel"), where, key + ".relabel").items()},
        key=key)


#: how a patient's positive-node count enters an individual likelihood (DataSpec.nodal_count)
NODAL_COUNTS = ("class", "exact")


def _diameter(val, where: str, key: str) -> dict:
    """``diameter`` of a [[data]] table: a column name (measured diameters, cm), or a table
    ``{column = "size_class", ranges = {"<=20mm" = [0.3, 2.0], ...}}`` (each label's range, cm)."""
    if val is None:
        return {}
    if isinstance(val, str):
        return {"diameter": string(val, where, key + ".diameter")}
    t = table(val, where, key + ".diameter", what="a column name or a table with column and ranges")
    unknown(t, {"column", "ranges"}, where, key + ".diameter.")
    if "column" not in t or "ranges" not in t:
        raise ModelFileError(where, key + ".diameter", "a table needs column (the size labels) and ranges "
                             "(each label's [lo, hi] in cm)")
    ranges = {}
    for lab, r in table(t["ranges"], where, key + ".diameter.ranges").items():
        k = f"{key}.diameter.ranges.{lab}"
        if not isinstance(r, list) or len(r) != 2:
            raise ModelFileError(where, k, f"expected [lo, hi] in cm, found {r!r}")
        lo, hi = number(r[0], where, k, positive=True), number(r[1], where, k, positive=True)
        if not lo < hi:
            raise ModelFileError(where, k, f"lo ({lo:g} cm) must be below hi ({hi:g} cm)")
        ranges[str(lab)] = (lo, hi)
    if not ranges:
        raise ModelFileError(where, key + ".diameter.ranges", "empty: give each size label's [lo, hi] in cm")
    return {"diameter": string(t["column"], where, key + ".diameter.column"), "diameter_ranges": ranges}


def _case_mix_key(val, where: str, key: str, base: Path) -> str | None:
    """``case_mix`` of a [[data]] table: "own" (the data set's stated case mix), a case-mix file
    (relative to the fit set-up) or a data set that states one."""
    if val is None:
        return None
    text = string(val, where, key + ".case_mix")
    if text != "own" and (text.endswith(".toml") or "/" in text) and not Path(text).is_absolute():
        text = str((base / text).resolve())
    return text


def _check_data_options(specs, where: str, model: Model) -> None:
    """Refuse options the data set's kind would ignore: ``where``/``group_by``/``horizon`` on
    aggregate rows (they filter patients), ``select`` on individual rows, ``sigma`` with the
    binomial likelihood (its spread comes from the counts); and aggregate rows (after ``select``)
    on organs the model lacks, before any computing (metakinetics.inference.coverage)."""
    for spec in specs:
        try:
            data = load_dataset(spec.name)
        except MetakineticsError:
            continue  # reported when the problem is built
        if data.kind == "aggregate":
            for opt, used in (("where", spec.where), ("group_by", spec.group_by), ("nodal", spec.nodal),
                              ("horizon", spec.horizon), ("diameter", spec.diameter)):
                if used:
                    raise ModelFileError(where, f"{spec.key}.{opt}", f"applies to individual (patient) data; "
                                         f"'{spec.label}' holds aggregate rows (filter them with select)")
        elif spec.select:
            raise ModelFileError(where, f"{spec.key}.select", f"applies to aggregate data; '{spec.label}' holds "
                                 "individual patients (filter them with where)")
        lik = spec.likelihood or data.info.likelihood or ("time_to_event" if data.kind == "individual"
                                                         else "least_squares")
        if data.kind == "aggregate":
            try:
                rows = _filter(load_dataset(spec.name, organs=model.organ_names), spec)
            except MetakineticsError:
                continue                            # reported when the problem is built
            outside = rows_outside_model(rows, model.organ_names, model.name)
            if outside:
                raise ModelFileError(where, spec.key + (".select" if spec.select else ""),
                                     f"row {outside[0].row} of {rows.info.path}: "
                                     f"{outside_message(rows, outside, spec)}")
        if lik == "beta_binomial" and data.kind == "aggregate":
            try:
                rows = _filter(data, spec)          # the rows the fit uses
            except MetakineticsError:
                continue                            # reported when the problem is built
            missing = ~np.isfinite(np.asarray(rows.denominator, dtype=float))
            if missing.any():
                raise ModelFileError(where, f"{spec.key}.likelihood", f"beta_binomial needs a denominator on every "
                                     f"row; '{spec.label}' row {int(rows.rows[int(np.argmax(missing))])} has none "
                                     "(use least_squares with se or sigma)")
        if spec.sigma is not None and lik != "least_squares":
            raise ModelFileError(where, f"{spec.key}.sigma", f"only the least_squares likelihood takes a sigma; "
                                 f"'{spec.label}' is fit with {lik}")


def _overdispersion(val, spec: DataSpec, where: str):
    """The overdispersion of a beta-binomial data set: a FreeParameter ``overdispersion.<label>``
    (absent: :data:`RHO_DEFAULT`; a table: value, min, max, log), or a fixed number in (0, 1); None
    for another likelihood (where the key is refused)."""
    key = f"{spec.key}.overdispersion"
    if spec.likelihood != "beta_binomial":
        if val is not None:
            raise ModelFileError(where, key, f"only the beta_binomial likelihood has an overdispersion; "
                                 f"'{spec.label}' is fit with {spec.likelihood or 'its default likelihood'}")
        return None
    if val is not None and not isinstance(val, dict):
        rho = number(val, where, key)
        if not 0.0 < rho < 1.0:
            raise ModelFileError(where, key, f"the intra-cohort correlation rho must be in (0, 1), found {rho!r}")
        return rho
    t = {**RHO_DEFAULT, **table(val, where, key, what="a number in (0, 1) or a table with value, min, max, log")}
    unknown(t, _OVERDISPERSION, where, key + ".")
    lo, hi = number(t["min"], where, key + ".min"), number(t["max"], where, key + ".max")
    value = number(t["value"], where, key + ".value")
    log = boolean(t["log"], where, key + ".log")
    for name, v in (("min", lo), ("max", hi), ("value", value)):
        if not 0.0 < v < 1.0:
            raise ModelFileError(where, f"{key}.{name}", f"the intra-cohort correlation rho must be in (0, 1), "
                                 f"found {v!r}")
    if not lo < hi:
        raise ModelFileError(where, key, f"min ({lo:g}) must be below max ({hi:g})")
    if not lo <= value <= hi:
        raise ModelFileError(where, key + ".value", f"start {value:g} outside [{lo:g}, {hi:g}]")
    return FreeParameter(OVERDISPERSION + str(spec.label), value, lo, hi, log)


def _free_parameters(k: str, t, where: str, known_keys, specs, all_groups) -> list[FreeParameter]:
    """The copies of one [parameters."KEY"] table (one, or one per group)."""
    key = f"parameters.{k}"
    if "*" in k:
        targets = tuple(sorted(fnmatch.filter(known_keys, k)))
        if not targets:
            raise ModelFileError(where, key, "the pattern matches no numeric parameter of the model")
    elif k not in known_keys:
        raise ModelFileError(where, key, "not a numeric parameter of the model", suggestion=nearest(k, known_keys))
    else:
        targets = (k,)
    t = table(t, where, key, what="a table with value, min, max")
    unknown(t, _PARAM, where, key + ".")
    value = number(t.get("value", known_keys[targets[0]]), where, key + ".value")
    log = boolean(t.get("log", False), where, key + ".log")
    lo = number(t["min"], where, key + ".min") if "min" in t else (value / 1e3 if log else -math.inf)
    hi = number(t["max"], where, key + ".max") if "max" in t else (value * 1e3 if log else math.inf)
    if not lo < hi:
        raise ModelFileError(where, key, f"min ({lo:g}) must be below max ({hi:g})")
    if not lo <= value <= hi:
        raise ModelFileError(where, key + ".value", f"start {value:g} outside [{lo:g}, {hi:g}]")
    if log and lo <= 0:
        raise ModelFileError(where, key + ".min", f"a log-scale parameter needs min > 0, found {lo:g}")
    pm = ps = None
    if "prior" in t:
        pr = table(t["prior"], where, key + ".prior", what="{median = ..., sd = ...}")
        unknown(pr, _PRIOR, where, key + ".prior.")
        if "sd" not in pr:
            raise ModelFileError(where, key + ".prior.sd", "missing: the prior's sd (on the search scale)")
        pm = number(pr.get("median", pr.get("mean", value)), where, key + ".prior.median", positive=log)
        ps = number(pr["sd"], where, key + ".prior.sd", positive=True)
    for spec in specs:
        for tk in targets:
            if tk in spec.set or any(tk in g for g in spec.groups.values()):
                raise ModelFileError(where, key, f"is free, so data set '{spec.label}' cannot also set {tk}")
    groups = t.get("groups")
    if groups is None:
        return [FreeParameter(k, value, lo, hi, log, pm, ps, None, targets)]
    glist = all_groups if groups == "all" else value_list(groups, where, key + ".groups")
    if not glist:
        raise ModelFileError(where, key + ".groups", "no groups found in the data sets")
    return [FreeParameter(k, value, lo, hi, log, pm, ps, g, targets) for g in glist]


def _nodes(val, where):
    """Quadrature nodes: an int for every random effect, or a table {mu = 48, rate = 12, diameter = 12}."""
    if val is None:
        return None
    if isinstance(val, dict):
        unknown(val, set(DIMENSIONS), where, "fit.nodes.")
        return {str(k): number(v, where, f"fit.nodes.{k}", positive=True, integer=True) for k, v in val.items()}
    return number(val, where, "fit.nodes", positive=True, integer=True)


def _declared_groups(specs) -> tuple[str, ...]:
    """Every group label of the data sets in a set-up (after their row filters)."""
    out: dict[str, None] = {}
    for spec in specs:
        try:
            data = load_dataset(spec.name)
        except MetakineticsError:
            continue  # reported when the problem is built
        data = _filter(data, spec)
        if isinstance(data, AggregateData):
            out.update(dict.fromkeys(data.groups()))
        elif spec.group_by:
            out.update(dict.fromkeys(data.covariate(spec.group_by).tolist()))
    return tuple(g for g in out if g != "all")


def _filter(data, spec: DataSpec):
    mask = np.ones(len(data), dtype=bool)
    if isinstance(data, AggregateData):
        for col, allowed in spec.select.items():
            own = ("group", "organ", "endpoint", "status", "nodes")
            if col not in own and col not in data.extra:
                raise DataError(data.info.path, "cannot select on this column", column=col)
            vals = getattr(data, col) if col in own else data.extra[col]
            mask &= np.isin(vals.astype(str), list(allowed))
    else:
        for col, allowed in spec.where.items():
            mask &= np.isin(data.covariate(col).astype(str), list(allowed))
        if spec.patients is not None:
            mask &= np.isin(data.rows, np.asarray(spec.patients, dtype=int))
    if not mask.any():
        raise DataError(data.info.path, f"no rows left after the filters of data set '{spec.label}'")
    data = data.select(mask)
    if spec.relabel:  # e.g. TNBC -> "triple negative": share group-specific parameters across data sets
        from dataclasses import replace

        if isinstance(data, AggregateData):
            data = replace(data, group=np.array([spec.relabel.get(g, g) for g in data.group.tolist()]))
        elif spec.group_by:
            cov = dict(data.covariates)
            cov[spec.group_by] = np.array([spec.relabel.get(g, g) for g in cov[spec.group_by].tolist()])
            data = replace(data, covariates=cov)
    return data


# --------------------------------------------------------------------------- problems


#: CellSearch's standard draw (mL): the volume of a ctc_positive row that states none.
CELLSEARCH_DRAW_ML = 7.5


@dataclass(frozen=True)
class CtcPositive(Endpoint):
    """P(>= 1 CTC in a ``draw_ml`` mL draw) at ``at`` years after diagnosis, M0 patients
    (metakinetics.population.ctc_positivity); the fitted form of ``ctc_positive`` rows."""

    name = "ctc_positive"
    per_organ = False
    draw_ml: float = CELLSEARCH_DRAW_ML
    at: float = 0.0


def outside_message(data: AggregateData, outside, spec: DataSpec) -> str:
    """Why a fit refuses data rows on organs its model lacks (``outside``: the SkippedRows of
    metakinetics.inference.coverage, file order) and the remedy: the ``select`` that keeps the
    rows it holds."""
    lost = {s.organ for s in outside}
    inside = ", ".join(f'"{o}"' for o in dict.fromkeys(data.organ.tolist()) if o not in lost)
    remedy = (f"add select = {{ organ = [{inside}] }} to {spec.key} ('{spec.label}') to fit only the rows "
              "the model holds") if inside else "no row of it is about an organ of the model"
    n = len(outside) - 1
    more = f" (and {n} more row{'s' if n > 1 else ''})" if n else ""
    return f"{outside[0].reason}{more}: {remedy}"


def _row_error(data, i: int, column: str, reason: str) -> DataError:
    return DataError(data.info.path, reason, column=column, row=int(data.rows[i]))


def ctc_draw_volume(data: AggregateData, i: int) -> tuple[float, str]:
    """Blood volume (mL) of ctc_positive row ``i`` and how it was found.

    ``blood_volume_ml``; the midpoint of ``blood_volume_ml`` .. ``blood_volume_ml_upper`` (or of a
    range written "23-30") when a range is given; else CellSearch's standard 7.5 mL.

    Parameters
    ----------
    data : AggregateData
        The data set.
    i : int
        The row (index into ``data``).

    Returns
    -------
    volume : float
        mL of blood drawn.
    note : str
        How the volume was found (for the fit report).

    Raises
    ------
    DataError
        For a volume that is not a positive number of mL, naming the row.
    """

    def num(col):
        if col not in data.extra:
            return None
        raw = str(data.extra[col][i]).strip()
        if raw in ("", "nan", "None"):
            return None
        try:
            vals = [float(raw)]
        except ValueError:
            try:                 # a range "23-30" (mL)
                if col != "blood_volume_ml" or raw.count("-") != 1:
                    raise ValueError(raw)
                vals = [float(x) for x in raw.split("-")]
            except ValueError:
                raise _row_error(data, i, col, f"blood volume must be a number of mL (or a range a-b), found {raw!r}") \
                    from None
        if not all(math.isfinite(v) and v > 0 for v in vals):
            raise _row_error(data, i, col, f"blood volume must be positive, found {raw!r}")
        return vals
    lo = num("blood_volume_ml")
    hi = num("blood_volume_ml_upper")
    if lo is None:
        if hi is not None:
            raise _row_error(data, i, "blood_volume_ml", "blood_volume_ml_upper without blood_volume_ml")
        return CELLSEARCH_DRAW_ML, f"no volume given: CellSearch standard {CELLSEARCH_DRAW_ML:g} mL"
    a, b = lo[0], (lo[-1] if len(lo) > 1 else (hi[0] if hi is not None else lo[0]))
    if b < a:
        raise _row_error(data, i, "blood_volume_ml", f"blood volume range {a:g}-{b:g} mL is decreasing")
    if b == a:
        return a, f"{a:g} mL"
    return (a + b) / 2, f"midpoint of {a:g}-{b:g} mL"


@dataclass(frozen=True)
class Series:
    """One prediction call: ``endpoint`` for ``group`` (and intrinsic class ``klass``) at ``times``
    (years; diameters in cm for by_size), and where each of its data rows sits in the result
    (time index, column name)."""

    group: str
    endpoint: Endpoint
    times: np.ndarray
    rows: np.ndarray
    t_index: np.ndarray
    columns: tuple[str, ...]
    klass: str = ""          # intrinsic class of the rows ("" = the whole population)
    nodes: str = ""          # nodal class of the rows (model.nodes; "" = every nodal status)

    @property
    def subset(self) -> "Subset":
        """The patients the rows are about: intrinsic class and nodal class."""
        return Subset(self.klass, self.nodes)


@dataclass(frozen=True)
class Subset:
    """The patients some data rows are about: an intrinsic class and a nodal class ("": all)."""

    klass: str = ""
    nodes: str = ""


@dataclass(frozen=True)
class Problem:
    """A data set paired with its likelihood and prediction calls."""

    spec: DataSpec
    data: AggregateData | IndividualData
    likelihood: Binomial | BetaBinomial | LeastSquares | CensoredTimeToEvent
    series: tuple[Series, ...] = ()
    groups: tuple[str, ...] = ()
    causes: tuple[str, ...] = ()
    grid: np.ndarray | None = None
    notes: Mapping[int, str] = field(default_factory=dict)  # per data row: e.g. how a CTC draw volume was read
    class_names: tuple[str, ...] = ()                       # the model's intrinsic classes
    #: individual data split by nodal class: group label -> (the set-up's group, the nodal class)
    splits: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: the rows' cohort (DataSpec.case_mix): its model values and its nodal shares
    mix: CaseMix | None = None
    mix_values: Mapping[str, float] = field(default_factory=dict)
    #: individual data with per-patient covariates (DataSpec.diameter): the parameter sets and weights
    covariates: PatientCovariates | None = None

    def nodal_mix(self, s: "Series") -> tuple[tuple["Subset", float], ...]:
        """The nodal classes (as subsets) and shares that make up series ``s``'s patients: the
        cohort's nodal mix for rows without a nodal class of their own; () otherwise."""
        if self.mix is None or not self.mix.nodes or s.nodes:
            return ()
        return tuple((Subset(s.klass, name), float(pi)) for name, _, _, pi in self.mix.nodal_classes())

    def mixed(self, s: "Series", one):
        """``one(subset, endpoint)`` (columns, values) for series ``s``, over the cohort's nodal mix
        when it has one (population.case_mix.combine_nodal: the same combination as
        ``incidence(..., case_mix=)``); values may carry leading axes (draws)."""
        parts = self.nodal_mix(s)
        if not parts:
            return one(s.subset, s.endpoint)
        res = [one(sub, s.endpoint) for sub, _ in parts]
        pi = np.array([p for _, p in parts])
        dist = denominator(s.endpoint)
        dens = None if dist is None else np.stack([np.asarray(one(sub, dist)[1], dtype=float) for sub, _ in parts])
        return res[0][0], combine_nodal(pi, np.stack([np.asarray(r[1], dtype=float) for r in res]), dens)

    def base_group(self, group: str | None) -> str | None:
        """The set-up's group of a group label (a label split by nodal class names its group)."""
        return self.splits[group][0] if group in self.splits else group

    @property
    def label(self) -> str:
        """The data set's label (the set-up's ``label``, else the data set's name)."""
        return self.spec.label or self.data.name

    @property
    def n_obs(self) -> int:
        """Number of observations (rows or patients)."""
        return len(self.data)

    def group_overrides(self, group: str | None, subset: "Subset | str" = "") -> dict[str, Any]:
        """Model keys this data set fixes for ``group``: its ``set`` table, then the group's own
        values; for rows about one intrinsic class (``subset``: a Subset, or a class name), that
        class's prevalence 1 and every other class's 0 (the mixture is then that class's own
        incidence, exactly); for rows about one nodal class, nodes.min and nodes.max."""
        sub = subset if isinstance(subset, Subset) else Subset(subset)
        out = dict(self.mix_values)           # the cohort first: the set-up's own values override it
        if group in self.splits and not sub.nodes:
            sub = Subset(sub.klass, self.splits[group][1])
        group = self.base_group(group)
        out.update(self.spec.set)
        if group is not None:
            out.update(self.spec.groups.get(group, {}))
        if sub.klass:
            out.update({f"classes.{c}.prevalence": float(c == sub.klass) for c in self.class_names})
        if sub.nodes:
            lo, hi = nodal_class(sub.nodes)
            out.update({"nodes.min": float(lo), "nodes.max": float(hi)})
        return out


def _endpoint(name: str, landmark: float, time: float, options: Mapping[str, float] | None = None) -> Endpoint:
    """The endpoint of a series: by_size with its horizon ``time``; multi_organ and lag with the
    rows' options (window, horizon, within in years; absent = the endpoint's default); a landmark
    version from ``landmark`` years (NaN: none)."""
    if name == "by_size":
        ep: Endpoint = BySize(horizon=float(time))
    else:
        ep = endpoint_from_name(name, **dict(options or {}))
    if math.isfinite(landmark):
        ep = Landmark(inner=ep, at=float(landmark))
    return ep


def row_options(data: AggregateData, i: int) -> tuple[tuple[str, float], ...]:
    """The endpoint options of row ``i`` (window of multi_organ, horizon and within of lag; years), as
    sorted (name, value) pairs, blank cells as the endpoint's defaults (so a blank window and 0.25
    make one series); () for endpoints without options."""
    ep = str(data.endpoint[i])
    out = []
    for opt in sorted(ROW_OPTIONS):
        if ep in ROW_OPTIONS[opt]:
            v = float(getattr(data, opt)[i])
            out.append((opt, v if math.isfinite(v) else float(getattr(ENDPOINTS[ep], opt))))
    return tuple(out)


def endpoint_options(endpoint: Endpoint) -> dict[str, float]:
    """The row options of a series' endpoint (window of multi_organ; horizon and within of lag; years),
    looking through a landmark; {} for the other endpoints. Stored with fitted curves so a curve is
    matched to its band and its rows."""
    inner = endpoint.inner if isinstance(endpoint, Landmark) else endpoint
    return {opt: float(getattr(inner, opt)) for opt in sorted(ROW_OPTIONS) if inner.name in ROW_OPTIONS[opt]}


def build_problem(spec: DataSpec, model: Model, *, grid_step: float = 0.1, fitted: bool = True) -> Problem:
    """Load, filter and check one data set against the model; plan its prediction calls.

    Parameters
    ----------
    spec : DataSpec
        The data set's entry of the fit set-up (name, likelihood, filters, groups).
    model : Model
        The model the data are fitted with (its organs name the data's columns).
    grid_step : float
        Time-grid step (years) of the cumulative incidence behind individual (time-to-event) data.
    fitted : bool
        True (default) when the rows are to be fitted: a data set whose metadata says
        ``use = "compare"`` (e.g. an upper bound of distant recurrence) is then refused.

    Returns
    -------
    Problem
        The data, their likelihood and the prediction series they need.

    Raises
    ------
    FitError, DataError
        For a likelihood that does not suit the rows, organs the model lacks, unknown groups or
        missing standard errors / denominators (naming the file, column and row).
    """
    data = _filter(load_dataset(spec.name, organs=model.organ_names), spec)
    if fitted and data.info.use == "compare":
        reason = data.info.use_reason or "its metadata says use = compare; name it in [fit] compare = [...]"
        raise FitError(f"data set '{spec.label or spec.name}': {spec.key}.name: '{spec.name}' is for comparison, "
                       f"not fitting ({reason})")
    mix = resolve_case_mix(spec.name if spec.case_mix == "own" else spec.case_mix)
    mix_values = mix.overrides(model) if mix is not None else {}
    lik_name = spec.likelihood or data.info.likelihood or ("time_to_event" if data.kind == "individual" else
                                                           "least_squares")
    if data.kind == "individual":
        if lik_name != "time_to_event":
            raise FitError(f"data set '{spec.label}': individual rows need likelihood 'time_to_event', not '{lik_name}'")
        if mix is not None and mix.nodes:
            raise FitError(f"data set '{spec.label}': a nodal mix weights predictions of aggregate rows; individual "
                           "patients are split by their own nodal class (nodal = \"nodes\")")
        return dataclasses.replace(_individual_problem(spec, data, model, grid_step, mix_values), mix=mix,
                                   mix_values=mix_values)
    if lik_name == "time_to_event":
        raise FitError(f"data set '{spec.label}': likelihood 'time_to_event' needs individual rows")
    for i in range(len(data)):
        if data.endpoint[i] == "ctc_positive":
            if data.organ[i] != "blood":
                raise _row_error(data, i, "organ", f"ctc_positive rows have organ 'blood', found '{data.organ[i]}'")
            if data.time[i] < 0:
                raise _row_error(data, i, "time", "a CTC draw before diagnosis (time < 0) is outside the model")
    outside = rows_outside_model(data, model.organ_names, model.name)
    if outside:   # a fit takes no row silently: a typo is an error, other sites are left out by select
        raise _row_error(data, outside[0].index, "organ", outside_message(data, outside, spec))
    _check_classes(data, model)
    unknown_groups = set(spec.groups) - set(data.groups())
    if unknown_groups:
        g = sorted(unknown_groups)[0]
        raise FitError(f"data set '{spec.label}': groups.{g}: no rows with that group "
                       f"(groups: {', '.join(data.groups())})")
    if lik_name in ("binomial", "beta_binomial"):
        counts = np.isin(data.endpoint, COUNT_ENDPOINTS)
        if counts.any():
            i = int(np.argmax(counts))
            raise _row_error(data, i, "endpoint", f"{data.endpoint[i]} is a mean count of organs, not a proportion: "
                             f"the {lik_name} likelihood does not apply (use likelihood = 'least_squares' with se, "
                             "limits or a sigma)")
        missing = ~np.isfinite(data.denominator)
        if missing.any():
            i = int(np.argmax(missing))
            raise _row_error(data, i, "denominator", f"the {lik_name} likelihood needs a denominator (or use "
                             "likelihood = 'least_squares' with sigma)")
        lik: Binomial | BetaBinomial | LeastSquares = (
            Binomial(events=data.event_counts(), n=data.denominator) if lik_name == "binomial" else
            BetaBinomial(events=data.event_counts(), n=data.denominator, fixed=spec.overdispersion))
    else:
        sigma = data.sigma()
        if spec.sigma is not None:
            sigma = np.where(np.isfinite(sigma), sigma, spec.sigma)
        missing = ~np.isfinite(sigma) | (sigma <= 0)
        if missing.any():
            i = int(np.argmax(missing))
            raise _row_error(data, i, "se", "least squares needs a standard error: give se or lower/upper in the file, "
                             "or sigma in the fit set-up")
        lik = LeastSquares(values=data.value, sigma=sigma)
    series = []
    ctc: dict[tuple, list[int]] = {}
    notes: dict[int, str] = {}
    for i in range(len(data)):
        if data.endpoint[i] == "ctc_positive":
            vol, notes[i] = ctc_draw_volume(data, i)
            ctc.setdefault((data.group[i], data.class_[i], data.nodes[i], vol, float(data.time[i])), []).append(i)
    for (group, klass, nodes, vol, at), idx in ctc.items():
        # One prediction per (group, volume, time): P(>= 1 CTC in vol mL) at ``at`` years after diagnosis
        # (0: at diagnosis, before surgery), M0 patients (metakinetics.population.ctc_positivity).
        idx = np.asarray(idx)
        series.append(Series(group=group, endpoint=CtcPositive(draw_ml=vol, at=at), times=np.zeros(1),
                             rows=idx, t_index=np.zeros(idx.size, dtype=int), columns=("blood",) * idx.size,
                             klass=klass, nodes=nodes))
    keys: dict[tuple, list[int]] = {}
    for i in range(len(data)):
        ep = data.endpoint[i]
        if ep == "ctc_positive":
            continue
        hz = data.time[i] if ep == "by_size" else math.nan
        keys.setdefault((data.group[i], data.class_[i], data.nodes[i], ep,
                         float(np.nan_to_num(data.landmark[i], nan=-1)), float(np.nan_to_num(hz, nan=-1)),
                         row_options(data, i)), []).append(i)
    for (group, klass, nodes, ep, lm, hz, opts), idx in keys.items():
        idx = np.asarray(idx)
        x = data.diameter_cm[idx] if ep == "by_size" else data.time[idx]   # lag: lags after the first metastasis
        times = np.unique(x)
        endpoint = _endpoint(ep, lm if lm >= 0 else math.nan, hz if hz >= 0 else 0.0, dict(opts))
        series.append(Series(group=group, endpoint=endpoint, times=times, rows=idx,
                             t_index=np.searchsorted(times, x), columns=tuple(data.organ[idx]), klass=klass,
                             nodes=nodes))
    return Problem(spec=spec, data=data, likelihood=lik, series=tuple(series),
                   groups=tuple(data.groups()), notes=notes, class_names=model.class_names, mix=mix,
                   mix_values=mix_values)


def _check_classes(data: AggregateData, model: Model) -> None:
    """Every row's class (the ``class`` column) is one of the model's intrinsic classes."""
    for i, klass in enumerate(data.class_):
        if klass and klass not in model.class_names:
            known = ", ".join(model.class_names) or "none: declare [classes.NAME] tables"
            raise _row_error(data, i, "class", f"unknown class '{klass}' (model '{model.name}' has classes: {known})"
                             + did_you_mean(klass, model.class_names))


def _individual_problem(spec: DataSpec, data: IndividualData, model: Model, grid_step: float,
                        mix_values: Mapping[str, float]) -> Problem:
    outside = events_outside_model(data, model.organ_names, model.name)
    if outside:   # counted as censored otherwise: a metastasis the fit would never see
        n = len(outside) - 1
        raise DataError(data.info.path, f"{outside[0].reason}{f' (and {n} more)' if n else ''}: a fit would count "
                        "these metastases as censoring; recode them (as distant, say) or use a model with the organ",
                        column="event", row=outside[0].row)
    if spec.diameter and (spec.group_by or spec.groups):
        opt = "group_by" if spec.group_by else f"groups.{next(iter(spec.groups))}"
        raise FitError(f"data set '{spec.label}': {spec.key}.{opt}: with per-patient diameters (diameter = "
                       f"'{spec.diameter}') the patients are not grouped; leave {opt.split('.')[0]} out (model "
                       "values for every patient go in the entry's set)")
    covariates = patient_covariates(spec, data, model, mix_values) if spec.diameter else None
    if spec.diameter and spec.diameter_ranges:      # reported by size label
        labels = data.covariate(spec.diameter).astype(str)
        groups = tuple(dict.fromkeys(labels.tolist()))
    elif spec.group_by:
        labels = data.covariate(spec.group_by).astype(str)
        groups = tuple(dict.fromkeys(labels.tolist()))
    else:
        labels = np.full(len(data), "all")
        groups = ("all",)
    unknown_groups = set(spec.groups) - set(groups)
    if unknown_groups:
        g = sorted(unknown_groups)[0]
        raise FitError(f"data set '{spec.label}': groups.{g}: no patients in that group "
                       f"(groups: {', '.join(groups)})")
    splits: dict[str, tuple[str, str]] = {}
    if spec.nodal:                     # each group split by nodal class: N0, N1-3, N4-9, N10+
        classes = nodal_classes_of(data, spec.nodal)
        labels = np.array([f"{g} {c}" for g, c in zip(labels, classes)])
        present = set(labels.tolist())
        splits = {f"{g} {c}": (g, c) for g in groups for c in PARTITION if f"{g} {c}" in present}
        groups = tuple(splits)
    organ_events = sorted(set(data.event.tolist()) & set(model.organ_names))
    causes = model.organ_names if organ_events else ("distant",)
    cause = np.full(len(data), CensoredTimeToEvent.CENSORED)
    cause[data.event == "death"] = CensoredTimeToEvent.DEATH
    if organ_events:
        for k, o in enumerate(causes):
            cause[data.event == o] = k
        cause[data.event == "distant"] = CensoredTimeToEvent.ANY
    else:
        cause[data.event == "distant"] = 0
    lookup = {g: i for i, g in enumerate(groups)}
    gidx = np.fromiter((lookup[x] for x in labels), dtype=int, count=len(labels))
    tmax = float(data.time.max())
    if not tmax > 0:   # a grid of one point: scipy's spline failed with a traceback
        raise DataError(spec.name, "every time is 0 (years after diagnosis): no patient was followed, so "
                               "the rows say nothing about the time to metastasis", column="time")
    horizon = spec.horizon or tmax
    if horizon < tmax:
        raise FitError(f"data set '{spec.label}': horizon {horizon:g} y is before the last time {tmax:g} y")
    # Prediction grid from 0 to the horizon; a step of 0.1 y resolves hazards that change over years.
    n = int(math.ceil(horizon / grid_step)) + 1
    check_grid_budget(spec.label, n, grid_step, horizon,
                      (covariates.n_sets if covariates is not None else len(groups)) * len(causes))
    grid = np.linspace(0.0, (n - 1) * grid_step, n)
    return Problem(spec=spec, data=data, groups=groups, causes=tuple(causes), splits=splits,
                   likelihood=CensoredTimeToEvent(time=data.time, cause=cause, group=gidx), grid=grid,
                   covariates=covariates)


def patient_covariates(spec: DataSpec, data: IndividualData, model: Model,
                       mix_values: Mapping[str, float]) -> PatientCovariates:
    """Each patient's diameter (measured, or a range) and nodal count or class as weights over a
    grid of parameter sets (metakinetics.inference.covariates); DataErrors name the row and column.

    Parameters
    ----------
    spec : DataSpec
        The data set's entry (``diameter``, ``diameter_ranges``, ``nodal``, ``nodal_count``).
    data : IndividualData
        The patients (after the entry's filters).
    model : Model
        The fit's model: with ``mix_values`` and the entry's ``set``, its log-normal diameter
        distribution weights the diameters within a range.
    mix_values : mapping
        The cohort's model values (DataSpec.case_mix).

    Returns
    -------
    PatientCovariates
    """
    col = spec.diameter
    raw = data.covariate(col).astype(str)
    N = len(data)
    if spec.diameter_ranges:
        bad = ~np.isin(raw, list(spec.diameter_ranges))
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError(data.info.path, f"size label '{raw[i]}' has no range in {spec.key}.diameter.ranges "
                            f"({', '.join(spec.diameter_ranges)})", column=col, row=int(data.rows[i]))
        vals = model.with_values({**mix_values, **spec.set}).values()
        median, sd = float(vals["diagnosis.diameter_cm"]), float(vals["population.diameter_sd"])
        labels = list(dict.fromkeys(raw.tolist()))
        nodes = [range_nodes(*spec.diameter_ranges[lab], median, sd) for lab in labels]
        diameters = np.concatenate([d for d, _ in nodes])
        base = np.zeros((N, diameters.size))
        for k, lab in enumerate(labels):
            base[np.ix_(raw == lab, np.arange(k * RANGE_NODES, (k + 1) * RANGE_NODES))] = nodes[k][1]
        interval = np.ones(N, dtype=bool)
    else:
        try:
            d = np.array([float(x) for x in raw])
        except ValueError:
            i = next(i for i, x in enumerate(raw) if not _is_float(x))
            raise DataError(data.info.path, f"a diameter must be a number of cm, found '{raw[i]}'", column=col,
                            row=int(data.rows[i])) from None
        bad = ~np.isfinite(d) | (d <= 0)
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError(data.info.path, f"a diameter must be a positive number of cm, found '{raw[i]}'",
                            column=col, row=int(data.rows[i]))
        lo, hi = float(d.min()), float(d.max())
        diameters = diameter_grid(lo, max(hi, lo * GRID_RATIO))
        base = point_weights(d, diameters)
        interval = np.zeros(N, dtype=bool)
    if spec.nodal:
        counts = nodal_counts_of(data, spec.nodal)
        if spec.nodal_count == "exact":
            pairs = np.stack([counts, counts], axis=1)
        else:
            pairs = np.array([nodal_class(next(c for c in PARTITION if nodal_class(c)[0] <= n <= nodal_class(c)[1]))
                              for n in counts.tolist()])
        nodal, index = np.unique(pairs, axis=0, return_inverse=True)
    else:
        nodal, index = np.array([[0, OPEN]]), np.zeros(N, dtype=int)
    return PatientCovariates(diameters=diameters, nodal=nodal, base=base, nodal_index=np.asarray(index).reshape(-1),
                             interval=interval)


def _is_float(x: str) -> bool:
    try:
        float(x)
    except ValueError:
        return False
    return True


#: the nodal classes individual patients are split into (a partition of the counts)
PARTITION = ("N0", "N1-3", "N4-9", "N10+")


def nodal_classes_of(data: IndividualData, column: str) -> list[str]:
    """Each patient's nodal class (one of PARTITION) from the count in ``column``; a DataError
    naming the row for a count that is not a whole number in 0..60."""
    return [next(c for c in PARTITION if nodal_class(c)[0] <= n <= nodal_class(c)[1])
            for n in nodal_counts_of(data, column).tolist()]


def nodal_counts_of(data: IndividualData, column: str) -> np.ndarray:
    """Each patient's positive-node count (int array) from ``column``; a DataError naming the row
    for a count that is not a whole number in 0..60.

    Parameters
    ----------
    data : IndividualData
        The patients.
    column : str
        The covariate column of the counts.

    Returns
    -------
    numpy.ndarray
        The counts.
    """
    if column not in data.covariates:
        raise DataError(data.info.path, f"no column '{column}' to read the positive-node counts from "
                        f"(covariates: {', '.join(data.covariates)})", column=column)
    out = []
    for i, raw in enumerate(data.covariate(column).tolist()):
        text = str(raw).strip()
        if not (text.isdigit() and int(text) <= OPEN):
            raise DataError(data.info.path, f"a number of positive nodes must be a whole number 0-{OPEN}, found "
                            f"'{text}'", column=column, row=int(data.rows[i]))
        out.append(int(text))
    return np.array(out, dtype=int)


#: Bytes per grid point and (group x cause) of an individual-data likelihood evaluation (the
#: population prediction on the grid and its monotone spline): measured ~530 on fits/rotterdam
#: (3 groups, 1 cause: 514 MB peak at 200,000 points, 210 MB at 10,000), rounded up.
GRID_BYTES_PER_POINT = 600
#: Memory one likelihood evaluation may ask for: a fit.toml grid_step = 1e-5 asked for ~50 GiB.
GRID_MEMORY_BUDGET = 2 * 1024**3


def check_grid_budget(label: str, n: int, grid_step: float, horizon: float, columns: int) -> None:
    """Refuse a prediction grid of ``n`` points (``columns`` = groups x causes) whose evaluation
    would need more than GRID_MEMORY_BUDGET bytes, before anything is allocated."""
    need = float(n) * max(columns, 1) * GRID_BYTES_PER_POINT
    if need > GRID_MEMORY_BUDGET:
        floor = horizon * max(columns, 1) * GRID_BYTES_PER_POINT / GRID_MEMORY_BUDGET
        raise FitError(f"fit.grid_step: {grid_step:g} y gives {n:,} grid points to {horizon:g} y for data set "
                       f"'{label}' ({columns} group x cause columns), which would need ~{need / 1024**3:,.3g} GiB; "
                       f"the budget is {GRID_MEMORY_BUDGET / 1024**3:g} GiB: use a grid_step of at least {floor:.2g} y")


def endpoint_for_causes(causes: tuple[str, ...]) -> Endpoint:
    """The endpoint whose columns are the time-to-event causes: First (by organ) or Distant."""
    return Distant() if causes == ("distant",) else First()
