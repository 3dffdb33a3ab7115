"""Read and validate data files (docs/data_format.md): every problem is a DataError naming the
file, the row (line number, header = 1) and the column."""
from __future__ import annotations

import csv
import hashlib
import io
import math
import tomllib
from pathlib import Path

import numpy as np

from ..errors import DataError, InputError, did_you_mean
from ..nodal_classes import class_name, nodal_class
from .data import AggregateData, DatasetInfo, IndividualData
from ..endpoints import Lag
from .schema import (AGGREGATE_NUMERIC, AGGREGATE_REQUIRED, COUNT_ENDPOINTS, CUMULATIVE, DATASET_KINDS, DATASET_USES,
                     DISTANT_ONLY, ENDPOINT_NAMES, EVENT_CODES, INDIVIDUAL_REQUIRED, LIKELIHOODS, ROW_OPTIONS,
                     STANDARD_ORGANS)


def read_metadata(toml_path: str | Path, *, csv_path: str | None = None, text: str | None = None) -> dict:
    """The ``[dataset]`` table of a metadata TOML (DataError naming the file when malformed)."""
    toml_path = str(toml_path)
    try:
        raw = tomllib.loads(text if text is not None else Path(toml_path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataError(toml_path, f"cannot read metadata: {exc}") from None
    meta = raw.get("dataset")
    if not isinstance(meta, dict):
        raise DataError(toml_path, "missing [dataset] table")
    kind = meta.get("kind", "aggregate")
    if kind not in DATASET_KINDS:
        raise DataError(toml_path, f"dataset.kind must be one of {', '.join(DATASET_KINDS)}, found '{kind}'")
    lik = meta.get("likelihood")
    if lik is not None and lik not in LIKELIHOODS:
        raise DataError(toml_path, f"dataset.likelihood must be one of {', '.join(LIKELIHOODS)}, found '{lik}'")
    use = meta.get("use")
    if use is not None and use not in DATASET_USES:
        raise DataError(toml_path, f"dataset.use must be one of {', '.join(DATASET_USES)}, found '{use}'")
    organs = meta.get("organs", [])
    if not isinstance(organs, list) or not all(isinstance(o, str) for o in organs):
        raise DataError(toml_path, "dataset.organs must be a list of organ names")
    return meta


def parse_csv_text(text: str, path: str) -> tuple[list[str], list[dict[str, str]], list[int]]:
    """Header, rows (dicts of stripped strings) and their line numbers; '#' lines are comments."""
    lines = [(i + 1, ln) for i, ln in enumerate(text.splitlines()) if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise DataError(path, "empty file (expected a header row)")
    reader = csv.reader(io.StringIO("\n".join(ln for _, ln in lines)))
    try:
        table = list(reader)
    except csv.Error as exc:
        raise DataError(path, f"not a valid CSV file: {exc}") from None
    header = [h.strip() for h in table[0]]
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise DataError(path, "duplicate column", column=dup, row=lines[0][0])
    rows, numbers = [], []
    for (lineno, _), cells in zip(lines[1:], table[1:]):
        if len(cells) != len(header):
            raise DataError(path, f"expected {len(header)} cells, found {len(cells)}", row=lineno)
        rows.append({h: c.strip() for h, c in zip(header, cells)})
        numbers.append(lineno)
    if not rows:
        raise DataError(path, "no data rows")
    return header, rows, numbers


def rounding_tolerance(text: str) -> float:
    """How far a proportion written as ``text`` may be from events/denominator: half a unit in its
    last written decimal (0.36: 0.005), at least 0.0005 (values are quoted to about 3 digits)."""
    text = str(text).strip().lower()
    mantissa, _, exp = text.partition("e")
    decimals = len(mantissa.partition(".")[2])
    try:
        decimals -= int(exp) if exp else 0
    except ValueError:
        pass
    return max(0.5 * 10.0 ** -decimals, 0.0005) + 1e-12


def _number(cell: str, path: str, column: str, row: int, *, required: bool) -> float:
    if cell == "":
        if required:
            raise DataError(path, "missing value", column=column, row=row)
        return math.nan
    try:
        x = float(cell)
    except ValueError:
        raise DataError(path, f"expected a number, found '{cell}'", column=column, row=row) from None
    if not math.isfinite(x):
        raise DataError(path, f"expected a finite number, found '{cell}'", column=column, row=row)
    return x


def _check_name(word: str, allowed, path: str, column: str, row: int, what: str) -> None:
    if word not in allowed:
        raise DataError(path, f"unknown {what} '{word}' (expected one of {', '.join(allowed)})"
                        + did_you_mean(word, allowed), column=column, row=row)


def build_aggregate(info: DatasetInfo, header, rows, numbers, organs) -> AggregateData:
    """Validate aggregate rows (see docs/data_format.md) and return them as arrays."""
    path = info.path
    for col in AGGREGATE_REQUIRED:
        if col not in header:
            raise DataError(path, f"missing column (required: {', '.join(AGGREGATE_REQUIRED)})", column=col)
    n = len(rows)
    num = {c: np.full(n, np.nan) for c in ("time", "value") + AGGREGATE_NUMERIC}
    text = {c: np.empty(n, dtype=object) for c in ("group", "class_", "nodes", "organ", "endpoint", "status", "note")}
    for i, (r, row) in enumerate(zip(rows, numbers)):
        for c in ("time", "value"):
            num[c][i] = _number(r[c], path, c, row, required=True)
        for c in AGGREGATE_NUMERIC:
            if c in r:
                num[c][i] = _number(r[c], path, c, row, required=False)
        text["group"][i] = r.get("group", "") or "all"
        for c in text.keys() - {"group"}:          # organ and endpoint are required columns: always there
            text[c][i] = r.get("class" if c == "class_" else c, "")
        _check_name(r["organ"], organs, path, "organ", row, "organ")
        _check_name(r["endpoint"], ENDPOINT_NAMES, path, "endpoint", row, "endpoint")
        if text["nodes"][i]:
            try:
                text["nodes"][i] = class_name(*nodal_class(text["nodes"][i]))   # one spelling per class
            except InputError as exc:
                raise DataError(path, str(exc), column="nodes", row=row) from None
        _check_row(r, {c: num[c][i] for c in num}, path, row)
    known = set(AGGREGATE_REQUIRED) | set(num) | set(text) | {"class"}
    extra = {c: np.array([r[c] for r in rows], dtype=object) for c in header if c not in known}
    data = AggregateData(info=info, rows=np.asarray(numbers), extra=extra,
                         **{c: num[c] for c in num}, **{c: text[c].astype(str) for c in text})
    _check_series(data)
    return data


def _check_row(r: dict, x: dict, path: str, row: int) -> None:
    """One aggregate row's values against its endpoint (``x``: the row's numbers, NaN = blank): value
    range (a proportion, or a mean organ count >= 1 for organs_per_relapse), counts, limits, landmark,
    diameter, the organ the endpoint goes with, and the endpoint options (window, horizon, within:
    positive years, each only on its own endpoint)."""
    def bad(column: str, reason: str) -> DataError:
        return DataError(path, reason, column=column, row=row)

    ep = r["endpoint"]
    t, v = x["time"], x["value"]
    if t < 0:
        raise bad("time", f"time must be zero or positive, found {t:g}")
    if ep in COUNT_ENDPOINTS:
        if not v >= 1.0:
            raise bad("value", f"{ep} is a mean number of organs per relapsed patient (>= 1), found {v:g}")
        if math.isfinite(x["events"]):
            raise bad("events", f"{ep} is a mean count, not a proportion of patients: events do not apply "
                                "(give the relapsed patients as denominator, and se or limits)")
    elif not 0.0 <= v <= 1.0:
        raise bad("value", f"value must be a proportion in [0, 1], found {v:g}")
    d, e = x["denominator"], x["events"]
    if math.isfinite(d) and d <= 0:
        raise bad("denominator", f"denominator must be positive, found {d:g}")
    if math.isfinite(e) and (e < 0 or (math.isfinite(d) and e > d)):
        raise bad("events", f"events must lie in [0, denominator], found {e:g}")
    if math.isfinite(e) and math.isfinite(d):
        tol = rounding_tolerance(r["value"])
        if abs(e / d - v) > tol:
            raise bad("events", f"events/denominator = {e:g}/{d:g} = {e / d:.4g} contradicts value {v:g} "
                                f"(allowed: rounding, |difference| <= {tol:g})")
    lo, up = x["lower"], x["upper"]
    if math.isfinite(lo) != math.isfinite(up):
        raise bad("upper" if math.isfinite(lo) else "lower", "give both confidence limits or neither")
    if math.isfinite(lo) and not lo <= v <= up:
        raise bad("lower", f"value {v:g} is outside its limits [{lo:g}, {up:g}]")
    se = x["se"]
    if math.isfinite(se) and se < 0:
        raise bad("se", f"se must be zero or positive, found {se:g}")
    for opt, users in ROW_OPTIONS.items():
        o = x[opt]
        if not math.isfinite(o):
            continue
        if ep not in users:
            raise bad(opt, f"{opt} applies to {' and '.join(users)} rows only, not endpoint '{ep}'")
        if o <= 0:
            raise bad(opt, f"{opt} must be a positive number of years, found {o:g}")
    lm = x["landmark"]
    if ep == "lag":  # time is a lag after the first metastasis, in [0, within]; a landmark precedes the horizon
        within = x["within"] if math.isfinite(x["within"]) else Lag.within
        horizon = x["horizon"] if math.isfinite(x["horizon"]) else Lag.horizon
        if t > within:
            raise bad("time", f"a lag row's time is the lag after the first distant metastasis, at most "
                              f"within = {within:g} years; found {t:g}")
        if math.isfinite(lm) and not 0 <= lm < horizon:
            raise bad("landmark", f"landmark must lie in [0, horizon), found {lm:g} with horizon {horizon:g}")
    elif math.isfinite(lm) and not 0 <= lm < t:
        raise bad("landmark", f"landmark must lie in [0, time), found {lm:g} with time {t:g}")
    if ep in ("organs_per_relapse", "multi_organ") and t == 0:
        raise bad("time", f"{ep} is undefined at time 0 (no distant metastasis can have been detected "
                          "after diagnosis yet): give a time > 0")
    dia = x["diameter_cm"]
    if ep == "by_size" and not (math.isfinite(dia) and dia > 0):
        raise bad("diameter_cm", "endpoint by_size needs a positive diameter_cm")
    if math.isfinite(dia) and dia <= 0:
        raise bad("diameter_cm", f"diameter_cm must be positive, found {dia:g}")
    if r["organ"] == "distant" and ep not in DISTANT_ONLY and ep != "at_diagnosis":
        raise bad("organ", f"organ 'distant' goes with endpoint {', '.join(DISTANT_ONLY)} or at_diagnosis, "
                           f"not '{ep}'")
    if ep in DISTANT_ONLY and ep != "by_size" and r["organ"] != "distant":
        raise bad("organ", f"endpoint {ep} needs organ 'distant', found '{r['organ']}'")
    if (ep == "nodal_share") != (r["organ"] == "nodes"):
        raise bad("organ", "organ 'nodes' goes with endpoint nodal_share and nodal_share with organ 'nodes', "
                           f"found organ '{r['organ']}' with endpoint '{ep}'")
    if ep == "nodal_share":
        if not r.get("nodes", ""):
            raise bad("nodes", "a nodal_share row needs the nodal class whose share it gives (N0, N1-3, ...)")
        if t != 0:
            raise bad("time", f"nodal_share is the share at surgery and has no time axis: give time 0, found {t:g}")
    if ep == "lag" and r["organ"] == "blood":
        raise bad("organ", "a lag row names the organ reached after the first distant metastasis, not 'blood'")


def _check_series(data: AggregateData) -> None:
    """Within one series (group, class, nodal class, organ, endpoint, landmark, diameter, window, horizon, within)
    times are unique and the cumulative endpoints do not decrease in time (lag: in the lag)."""
    keys = list(zip(data.group, data.class_ + "|" + data.nodes, data.organ, data.endpoint,
                    *(np.nan_to_num(getattr(data, c), nan=-1.0)
                      for c in ("landmark", "diameter_cm", "window", "horizon", "within"))))
    series: dict[tuple, list[int]] = {}
    for i, k in enumerate(keys):
        series.setdefault(k, []).append(i)
    for (group, cls, organ, endpoint, *_), idx in series.items():
        cls, nod = cls.split("|")
        group = group + (f"' class '{cls}" if cls else "") + (f"' nodes '{nod}" if nod else "")
        idx = sorted(idx, key=lambda j: data.time[j])
        for a, b in zip(idx, idx[1:]):
            if data.time[a] == data.time[b]:
                raise DataError(data.info.path, f"duplicate time {data.time[b]:g} in series "
                                f"(group '{group}', organ '{organ}', endpoint '{endpoint}')",
                                column="time", row=int(data.rows[b]))
            if endpoint in CUMULATIVE and data.value[b] < data.value[a]:
                what = ("the lag distribution decreases as the lag grows" if endpoint == "lag"
                        else f"cumulative {endpoint} incidence decreases in time")
                raise DataError(data.info.path, f"{what} "
                                f"({data.value[a]:g} at {data.time[a]:g} y, then {data.value[b]:g} at "
                                f"{data.time[b]:g} y; group '{group}', organ '{organ}')",
                                column="value", row=int(data.rows[b]))


def build_individual(info: DatasetInfo, header, rows, numbers, organs) -> IndividualData:
    """Validate individual rows: unique id, time >= 0, event an organ or distant/censored/death."""
    path = info.path
    for col in INDIVIDUAL_REQUIRED:
        if col not in header:
            raise DataError(path, f"missing column (required: {', '.join(INDIVIDUAL_REQUIRED)})", column=col)
    events = tuple(o for o in organs if o not in ("distant", "blood")) + EVENT_CODES
    n = len(rows)
    time = np.empty(n)
    seen: dict[str, int] = {}
    for i, (r, row) in enumerate(zip(rows, numbers)):
        if r["id"] == "":
            raise DataError(path, "missing patient id", column="id", row=row)
        if r["id"] in seen:
            raise DataError(path, f"duplicate patient id '{r['id']}' (first on row {seen[r['id']]})", column="id", row=row)
        seen[r["id"]] = row
        time[i] = _number(r["time"], path, "time", row, required=True)
        if time[i] < 0:
            raise DataError(path, f"time must be zero or positive, found {time[i]:g}", column="time", row=row)
        _check_name(r["event"], events, path, "event", row, "event")
    cov = {c: np.array([r[c] for r in rows]) for c in header if c not in INDIVIDUAL_REQUIRED}
    return IndividualData(info=info, id=np.array([r["id"] for r in rows]), time=time,
                          event=np.array([r["event"] for r in rows]), rows=np.asarray(numbers), covariates=cov)


def load_files(csv_text: bytes, csv_path: str, meta: dict | None, *, organs=None):
    """Validated data from CSV bytes and its metadata dict (None: inferred from the columns)."""
    try:
        text = csv_text.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(csv_path, "not UTF-8 text") from None
    header, rows, numbers = parse_csv_text(text, csv_path)
    meta = dict(meta or {})
    kind = meta.get("kind") or ("individual" if {"id", "event"} <= set(header) else "aggregate")
    declared = tuple(meta.get("organs", ()))
    allowed = tuple(dict.fromkeys(STANDARD_ORGANS + declared + tuple(organs or ())))
    info = DatasetInfo(
        name=meta.get("name") or Path(csv_path).stem, kind=kind, path=csv_path,
        sha256=hashlib.sha256(csv_text).hexdigest(),
        **{k: str(meta[k]) for k in ("title", "citation", "cohort", "endpoint", "time_origin", "time_unit",
                                     "status", "licence", "notes", "ascertainment", "treatment", "url", "use",
                                     "use_reason") if k in meta},
        likelihood=meta.get("likelihood"), organs=declared)
    if info.time_unit not in ("year", "years"):
        raise DataError(csv_path, f"time_unit must be 'year' (convert times to years), found '{info.time_unit}'")
    build = build_individual if kind == "individual" else build_aggregate
    return build(info, header, rows, numbers, allowed)
