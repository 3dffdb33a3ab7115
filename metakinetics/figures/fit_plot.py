"""Data versus fit: one panel per data set of a fit result (reads the result, never refits), with
pointwise confidence bands of the fitted curves from parameter draws of the fit's uncertainty."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_COLOURS = {"bone": "#1b9e77", "lung": "#d95f02", "liver": "#7570b3", "brain": "#e7298a",
            "distant": "#333333"}


def _colour(name: str, i: int) -> str:
    import matplotlib.pyplot as plt

    return _COLOURS.get(name, plt.rcParams["axes.prop_cycle"].by_key()["color"][i % 10])


def plot_fit(result, *, ncols: int = 2, figsize_per_panel=(4.6, 3.4), band: bool = True, draws: int = 200,
             seed: int | None = 0, level: float = 0.95, setup=None, directory=None,
             bands: "FitBands | None" = None):
    """A matplotlib Figure: observed points (with 95% limits or binomial intervals) and the
    fitted curves of each data set; individual data: model vs Aalen-Johansen by group.

    With ``band`` (default) the fitted curves carry shaded pointwise ``level`` bands and the fitted
    bars error bars, from ``draws`` parameter sets drawn (``seed``) from the fit's uncertainty
    (:func:`fit_bands`; pass ``bands`` to reuse ones already computed; ``setup``/``directory``
    locate the fit set-up when the result's own path does not)."""
    import matplotlib.pyplot as plt

    from ..inference import FitResult

    fr = result if isinstance(result, FitResult) else FitResult.from_dict(result)
    res = fr.to_dict()
    if bands is None and band:
        bands = fit_bands(fr, draws=draws, seed=seed, level=level, setup=setup, directory=directory)
    sets = res["datasets"]
    n = len(sets)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(figsize_per_panel[0] * ncols, figsize_per_panel[1] * nrows),
                             squeeze=False)
    for i, (ax, d) in enumerate(zip(axes.flat, sets)):
        b = bands.datasets[i] if bands is not None and bands.datasets else None
        if d["likelihood"] == "time_to_event":
            _tte_panel(ax, d, b)
        else:
            _aggregate_panel(ax, d, b, bands.level if bands is not None else level)
        ax.set_title(f"{d['label']}: max |data - fit| {d['max_abs_diff_pp']:.1f} pp", fontsize=9)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    title = f"fit '{res['name']}': {res['status']}, log L = {res['loglik']:.1f}"
    if bands is not None and bands.datasets:
        title += f"; shaded: {100 * bands.level:g}% band, {bands.draws - bands.failed} draws ({bands.method})"
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _interval(r):
    lo, up = r.get("lower"), r.get("upper")
    if lo is not None and up is not None:
        return lo, up
    n = r.get("denominator")
    if n:
        p = r["observed"]
        s = 1.96 * math.sqrt(max(p * (1 - p), 1e-12) / n)
        return max(p - s, 0.0), p + s
    return None


def _offset(x) -> float:
    """A small shift so a fitted point does not hide the observed one at the same x."""
    span = (max(x) - min(x)) if len(x) > 1 else 1.0
    return 0.03 * (span or 1.0)


def _aggregate_panel(ax, d, b=None, level=0.95):
    rows = d.get("rows", [])
    by_size = any(r["endpoint"] == "by_size" for r in rows)
    if _is_category(d):
        _category_panel(ax, rows, b)
        return
    bands = {c["key"]: c for c in b["curves"]} if b else {}
    uncurved = _uncurved(d)
    series = {}
    for r in rows:
        key = (r["group"], r["organ"])
        series.setdefault(key, []).append(r)
    multi = len({g for g, _ in series}) > 1
    for i, ((group, organ), rs) in enumerate(series.items()):
        c = _colour(organ if not multi else f"{group}:{organ}", i)
        x = [r["diameter_cm"] if by_size else r["time"] for r in rs]
        y = [r["observed"] for r in rs]
        label = organ if group == "all" else f"{group}: {organ}"
        ax.plot(x, y, "o", color=c, label=label, ms=4)
        for xi, r in zip(x, rs):
            iv = _interval(r)
            if iv:
                ax.plot([xi, xi], iv, "-", color=c, lw=1)
        if (group, organ) in uncurved:  # no curve: the fitted value itself, with its band as a bar
            idx = [rows.index(r) for r in rs]
            yp = [r["predicted"] for r in rs]
            yerr = None
            if b is not None and "lo" in b:
                lo, hi = np.array(b["lo"])[idx], np.array(b["hi"])[idx]
                yerr = np.vstack([np.clip(yp - lo, 0, None), np.clip(hi - yp, 0, None)])
            ax.errorbar(np.asarray(x, dtype=float) + _offset(x), yp, yerr=yerr, fmt="x", color=c, ms=5, lw=1.5,
                        capsize=3, label="fit" + (f" ({100 * level:g}% band)" if yerr is not None else ""))
        for cv in d.get("curves", []):
            if cv["group"] == group and organ in cv["y"]:
                ax.plot(cv["x"], cv["y"][organ], "-", color=c, lw=1.2)
                bc = bands.get(_curve_key(cv))
                if bc is not None and organ in bc["lo"]:
                    ax.fill_between(bc["x"], bc["lo"][organ], bc["hi"][organ], color=c, alpha=0.2, lw=0)
    ax.set_xlabel("primary diameter (cm)" if by_size else "years after diagnosis")
    ax.set_ylabel("proportion of patients")
    ax.legend(fontsize=6, frameon=False)


def _category_panel(ax, rows, b=None):
    labels = [f"{r['group'][:10]} {r['organ']}" if r["group"] != "all" else r["organ"] for r in rows]
    x = np.arange(len(rows))
    ax.bar(x - 0.2, [r["observed"] for r in rows], 0.4, label="data", color="#999999")
    pred = np.array([r["predicted"] for r in rows])
    yerr = None
    if b is not None:  # asymmetric error bars: the band's ends around the fitted value
        yerr = np.vstack([np.clip(pred - np.array(b["lo"]), 0, None), np.clip(np.array(b["hi"]) - pred, 0, None)])
    ax.bar(x + 0.2, pred, 0.4, label="fit", color="#1f78b4", yerr=yerr, error_kw={"lw": 0.8, "capsize": 1.5})
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=6)
    ax.set_ylabel("proportion")
    ax.legend(fontsize=7, frameon=False)


def _tte_panel(ax, d, b=None):
    for i, g in enumerate(d.get("groups", [])):
        c = _colour(g["group"], i)
        ax.step(g["years"], g["aalen_johansen"], where="post", color=c, lw=1, label=f"{g['group']} (AJ)")
        ax.plot(g["curve"]["x"], g["curve"]["y"], "--", color=c, lw=1.2)
        if b is not None:
            bg = b["groups"][i]
            ax.fill_between(bg["x"], bg["lo"], bg["hi"], color=c, alpha=0.2, lw=0)
    ax.set_xlabel("years after surgery")
    ax.set_ylabel("cumulative incidence (death competing)")
    ax.legend(fontsize=6, frameon=False, title="solid: data, dashed: fit", title_fontsize=6)


# ---------------------------------------------------------------------------------------- bands
@dataclass(frozen=True)
class FitBands:
    """Pointwise ``level`` bands of a fit's predictions over ``draws`` parameter sets drawn from the
    fit's uncertainty (``method``: 'covariance' = multivariate normal on the search scale, or
    'profile' = the 95% intervals). ``datasets[i]`` belongs to ``result.datasets[i]``: ``{"kind":
    "curves", "curves": [{"key", "x", "lo": {organ: [...]}, "hi": {...}}]}``, ``{"kind": "rows",
    "lo": [...], "hi": [...]}`` (category panels) or ``{"kind": "tte", "groups": [{"group", "x",
    "lo", "hi"}]}``; ``failed`` counts draws the model could not evaluate (left out)."""

    draws: int
    seed: int | None
    method: str
    level: float
    failed: int
    datasets: tuple[dict, ...]
    note: str = ""

    def caption(self) -> str:
        """One sentence for a caption file: what the shaded bands are."""
        if self.note:
            return f"No confidence band: {self.note}."
        src = ("the fit's covariance (multivariate normal on the search scale, log for parameters fitted "
               "in logs)" if self.method == "covariance" else "the fit's 95% intervals (independent split normals)")
        lost = f"; {self.failed} draws the model could not evaluate are left out" if self.failed else ""
        return (f"Shaded bands (and error bars on the fitted bars): pointwise {100 * self.level:g}% ranges of the "
                f"fitted model's predictions over {self.draws} parameter sets drawn from {src}, seed "
                f"{self.seed}{lost}.")


def _is_category(d: dict) -> bool:
    rows = d.get("rows", [])
    return bool(rows) and all(r["endpoint"] in ("at_diagnosis", "site_share", "ctc_positive") for r in rows)


def _uncurved(d: dict) -> set:
    """(group, organ) series of an aggregate data set that have no fitted curve (e.g. a single
    CTC-positivity row): the panel shows their fitted values as points."""
    have = {(c["group"], o) for c in d.get("curves", []) for o in c["y"]}
    return {(r["group"], r["organ"]) for r in d.get("rows", [])} - have


def _curve_key(c: dict) -> tuple:
    return (c["group"], c["endpoint"], c.get("landmark"))


def find_setup(result, *, setup=None, directory=None):
    """The fit set-up (FitSetup) a result was made from: ``setup`` (a FitSetup or a path), else
    ``directory``/fit.toml, the result's ``setup_path``, or the bundled set-up of that name."""
    from ..errors import FitError
    from ..inference import FitSetup, load_setup, resolve_setup_path

    if isinstance(setup, FitSetup):
        return setup
    if setup is not None:
        return load_setup(resolve_setup_path(setup))
    candidates = []
    if directory is not None:
        candidates.append(Path(directory) / "fit.toml")
    if result.setup_path:
        candidates.append(Path(result.setup_path))
    for p in candidates:
        if p.is_file():
            return load_setup(p)
    try:
        return load_setup(resolve_setup_path(result.name))
    except FitError:
        pass
    raise FitError(f"fit '{result.name}': cannot find its set-up (fit.toml; looked at "
                   f"{', '.join(map(str, candidates)) or 'no path'} and the bundled fits) to draw the confidence "
                   f"band; pass setup= or directory=, or band=False")


def _full_summary(result, obj):
    """FitSummary over every free parameter of the fit (group copies included), in the objective's
    order, so that draws map one-to-one onto the objective's search vector."""
    from ..errors import FitError
    from ..scenarios.uncertainty import FitSummary

    labels = obj.params.labels
    names = list(result.correlations.get("names", [])) if result.correlations else []
    if names != labels:
        raise FitError(f"fit '{result.name}': the set-up's free parameters ({', '.join(labels)}) are not those of "
                       f"the result ({', '.join(names)}): was the set-up changed after the fit?")
    est = [result.estimate(lab) for lab in labels]
    se = np.array([e.se_search for e in est], dtype=float)
    R = np.asarray(result.correlations["matrix"], dtype=float)
    cov = R * np.outer(se, se) if np.all(np.isfinite(se)) and np.all(np.isfinite(R)) else None
    intervals = {e.name: (e.lower, e.upper) for e in est if np.isfinite(e.lower) and np.isfinite(e.upper)}
    return FitSummary(model=obj.model, keys=tuple(labels), estimate=np.array([e.value for e in est]),
                      log=tuple(p.log for p in obj.params), covariance=cov,
                      lower_bound=np.array([p.min for p in obj.params]),
                      upper_bound=np.array([p.max for p in obj.params]),
                      intervals=intervals if len(intervals) == len(labels) else None, name=result.name,
                      targets=tuple(p.keys for p in obj.params))


def fit_bands(result, *, draws: int = 200, seed: int | None = 0, level: float = 0.95, setup=None,
              directory=None) -> FitBands:
    """Pointwise bands of every data set's fitted curves (and fitted values of category panels)
    over ``draws`` seeded parameter sets from the fit's uncertainty. Each draw is predicted by the
    fit's own objective (``inference.fit._curves`` for curves, ``Objective._row_predictions`` for
    rows, ``inference.fit._tte_report`` for individual data), the functions that made the result."""
    from ..errors import MetakineticsError
    from ..inference.fit import _curves, _tte_report
    from ..inference.likelihood import CensoredTimeToEvent
    from ..inference.objective import Objective
    from ..scenarios.uncertainty import draw_parameters, percentile_bands

    obj = Objective(find_setup(result, setup=setup, directory=directory))
    summary = _full_summary(result, obj)
    if summary.covariance is not None:
        method = "covariance"
    elif summary.intervals is not None:
        method = "profile"
    else:
        return FitBands(draws=0, seed=seed, method="none", level=level, failed=0, datasets=(),
                        note="the fit has neither a covariance matrix nor finite intervals")
    nat = draw_parameters(summary, draws, seed=seed, method=method).values
    logs = np.array(summary.log)
    xs = np.where(logs, np.log(np.where(logs, nat, 1.0)), nat)  # natural -> search scale
    stored = list(result.datasets)
    if len(stored) != len(obj.problems):
        raise MetakineticsError(f"fit '{result.name}': {len(stored)} data sets in the result but "
                                f"{len(obj.problems)} in the set-up")
    kinds = ["tte" if isinstance(p.likelihood, CensoredTimeToEvent) else "rows" if _is_category(d) else "curves"
             for p, d in zip(obj.problems, stored)]
    samples: list[list] = [[] for _ in stored]
    ok = np.ones(draws, dtype=bool)
    for i, x in enumerate(xs):
        per = []
        try:
            for prob, d, kind in zip(obj.problems, stored, kinds):
                if kind == "tte":
                    grid, cif, hd = obj._tte_predictions(x, prob, {})
                    per.append([np.asarray(g["curve"]["y"]) for g in _tte_report(prob, grid, cif, hd)["groups"]])
                elif kind == "rows":
                    per.append(obj._row_predictions(x, prob, {}))
                else:
                    got = {_curve_key(c): c for c in _curves(obj, prob, x)}
                    want = [_curve_key(c) for c in d.get("curves", [])]
                    if any(k not in got for k in want):
                        raise MetakineticsError("a curve could not be evaluated")
                    per.append(([{o: np.asarray(v) for o, v in got[k]["y"].items()} for k in want],
                                obj._row_predictions(x, prob, {}) if _uncurved(d) else None))
        except MetakineticsError:
            ok[i] = False
            continue
        for j, p in enumerate(per):
            samples[j].append(p)
    if not ok.any():
        return FitBands(draws=draws, seed=seed, method=method, level=level, failed=draws, datasets=(),
                        note=f"none of the {draws} parameter draws could be evaluated")
    out = []
    for d, kind, smp in zip(stored, kinds, samples):
        if kind == "rows":
            lo, _, hi = percentile_bands(np.array(smp), level)
            out.append({"kind": kind, "lo": lo.tolist(), "hi": hi.tolist()})
        elif kind == "tte":
            groups = []
            for g, grp in enumerate(d.get("groups", [])):
                lo, _, hi = percentile_bands(np.array([s[g] for s in smp]), level)
                groups.append({"group": grp["group"], "x": grp["curve"]["x"], "lo": lo.tolist(), "hi": hi.tolist()})
            out.append({"kind": kind, "groups": groups})
        else:
            curves = []
            for c, cv in enumerate(d.get("curves", [])):
                lo_c, hi_c = {}, {}
                for organ in cv["y"]:
                    lo, _, hi = percentile_bands(np.array([s[0][c][organ] for s in smp]), level)
                    lo_c[organ], hi_c[organ] = lo.tolist(), hi.tolist()
                curves.append({"key": _curve_key(cv), "x": cv["x"], "lo": lo_c, "hi": hi_c})
            entry = {"kind": kind, "curves": curves}
            if _uncurved(d):
                lo, _, hi = percentile_bands(np.array([s[1] for s in smp]), level)
                entry.update({"lo": lo.tolist(), "hi": hi.tolist()})
            out.append(entry)
    return FitBands(draws=draws, seed=seed, method=method, level=level, failed=int((~ok).sum()),
                    datasets=tuple(out))
