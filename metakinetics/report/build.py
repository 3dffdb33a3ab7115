"""Assemble the report of a fit from its result.json (read by key), its set-up, the model's derived
equations (metakinetics.symbolic) and the fit figure (metakinetics.figures)."""
from __future__ import annotations

import dataclasses
import importlib.metadata
import math
import platform
from pathlib import Path

from .. import __version__
from ..figures.fit_plot import fit_bands, plot_fit
from ..inference import FitResult, load_setup, resolve_setup_path
from ..model import load_model
from ..reproduce import read_recorded
from ..symbolic.latex import equations
from .html import Markup, esc, img, page, section, table
from .images import figure_png, latex_png

#: Section ids of the report, in order (the structure test checks each one).
SECTIONS = ("summary", "equations", "parameters", "datasets", "provenance")

#: Packages whose versions the report records.
PACKAGES = ("metakinetics", "numpy", "scipy", "sympy", "lmfit", "matplotlib")


def _num(v, fmt: str = ".4g") -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return "n/a"
    return format(v, fmt)


def build_report(setup: str | Path | None, *, result: str | Path | None = None, draws: int = 200,
                 seed: int = 0) -> str:
    """The HTML text of the report of fit ``setup`` (folder, fit.toml or bundled name) with its
    ``result`` (default: result.json beside fit.toml). ``draws`` parameter sets (``seed``) give the
    figures' 95% bands; 0 draws none."""
    setup_path = resolve_setup_path(setup)
    result_path = Path(result) if result is not None else setup_path.parent / "result.json"
    rec = read_recorded(result_path)
    fit_setup = load_setup(setup_path)
    model = load_model(fit_setup.model, overrides=dict(fit_setup.model_set) or None)
    name = rec.get("name", fit_setup.name)
    parts = [_summary(rec, setup_path, result_path), _equations(model), _parameters(rec),
             _datasets(rec, fit_setup, draws, seed), _provenance(rec, setup_path)]
    return page(f"metakinetics fit report: {name}", parts)


def _summary(rec: dict, setup_path: Path, result_path: Path) -> str:
    facts = [("fit", rec.get("name")), ("status", rec.get("status")), ("message", rec.get("message")),
             ("model", rec.get("model")), ("set-up", setup_path), ("result", result_path),
             ("log-likelihood", _num(rec.get("loglik"), ".6g")), ("AIC", _num(rec.get("aic"), ".6g")),
             ("BIC", _num(rec.get("bic"), ".6g")), ("observations", rec.get("n_obs")),
             ("free parameters", rec.get("n_par")), ("optimiser", rec.get("optimiser")),
             ("intervals", rec.get("interval_method")), ("information", rec.get("information")),
             ("evaluations", rec.get("nfev")), ("seed", rec.get("seed")),
             ("goodness of fit (all aggregate data sets)", _overall_gof(rec.get("goodness_of_fit")))]
    return section("summary", "Fit", table(None, [(k, v) for k, v in facts if v is not None]))


def _overall_gof(g) -> str | None:
    """The summed deviance / chi-square of the aggregate data sets with its p-value and, with
    beta-binomial data sets, the binomial deviance beside it; None for a result without one."""
    if not isinstance(g, dict) or "value" not in g:
        return None
    out = f"{_num(g.get('value'), '.2f')} on {g.get('df')} rows (p = {_num(g.get('p_value'), '.3g')}"
    out += ", parametric bootstrap)" if "bootstrap_draws" in g else ", chi-square)"
    if "binomial_value" in g:
        out += (f"; binomial likelihood throughout: {_num(g.get('binomial_value'), '.2f')} "
                f"(p = {_num(g.get('binomial_p_value'), '.3g')})")
    return out


def _equations(model) -> str:
    body, group = [], None
    for eq in equations(model):
        if eq.group != group:
            group = eq.group
            body.append(f"<h3>{esc(group)}</h3>")
        if eq.latex is None:
            body.append(f"<p>{esc(eq.name)}: no closed form: {esc(eq.reason)}</p>")
            continue
        png = latex_png(eq.latex)
        shown = img(png, eq.text or eq.latex) if png else f"<code>{esc(eq.latex)}</code>"
        body.append(f'<div class="eq">{shown}</div>')
    intro = (f"<p>Model <b>{esc(model.name)}</b>, organs {esc(', '.join(model.organ_names))}; time in years, "
             "sizes in cells. Derived by sympy (<code>metakinetics equations</code>), typeset by matplotlib "
             "mathtext.</p>")
    return section("equations", "Model equations", intro + "\n".join(body))


def _flags(rec: dict) -> dict[str, list[str]]:
    """Per parameter name: the identifiability issues that name it."""
    out: dict[str, list[str]] = {}
    for issue in rec.get("identifiability") or ():
        names = [str(p) for p in issue.get("parameters", ())]
        for p in names:
            others = [o for o in names if o != p]
            with_others = f" with {', '.join(others)}" if others else ""
            out.setdefault(p, []).append(str(issue.get("issue", "issue")) + with_others)
    return out


def _parameters(rec: dict) -> str:
    flags = _flags(rec)
    rows = []
    for e in rec.get("estimates") or ():
        name = str(e.get("name"))
        f = (["at bound"] if e.get("at_bound") else []) + [x for x in flags.get(name, []) if x != "at bound"]
        rows.append((name, e.get("group") or "", _num(e.get("value")), _num(e.get("se")), _num(e.get("lower")),
                     _num(e.get("upper")), f"[{_num(e.get('min'), 'g')}, {_num(e.get('max'), 'g')}]",
                     "log" if e.get("log") else "linear",
                     Markup(f'<span class="flag">{esc("; ".join(f))}</span>') if f else "none"))
    body = table(("parameter", "group", "estimate", "SE", "95% lower", "95% upper", "bounds", "scale",
                  "identifiability"), rows, numeric=(2, 3, 4, 5))
    body += f"<p>95% limits: {esc(rec.get('interval_method', 'n/a'))}.</p>"
    issues = rec.get("identifiability") or ()
    if issues:
        body += "<h3>Identifiability warnings</h3><ul>" + "".join(
            f"<li>{esc(', '.join(map(str, i.get('parameters', ()))))}: {esc(i.get('issue'))}: {esc(i.get('detail'))}</li>"
            for i in issues) + "</ul>"
    else:
        body += "<p>No identifiability warnings.</p>"
    return section("parameters", "Parameters", body)


def _figures(rec: dict, fit_setup, draws: int, seed: int) -> tuple[list[bytes | None], str]:
    """One fit figure per data set (the fit figure of metakinetics.figures, one panel each)."""
    result = FitResult.from_dict(rec)
    bands = fit_bands(result, draws=draws, seed=seed, setup=fit_setup) if draws > 0 else None
    out = []
    for i, d in enumerate(result.datasets):
        one = dataclasses.replace(result, datasets=(d,))
        b = dataclasses.replace(bands, datasets=(bands.datasets[i],) if bands.datasets else ()) \
            if bands is not None else None
        out.append(figure_png(plot_fit(one, band=b is not None, bands=b, ncols=1)))
    caption = bands.caption() if bands is not None else "No confidence band (0 draws)."
    return out, caption


def _datasets(rec: dict, fit_setup, draws: int, seed: int) -> str:
    sets = [d for d in rec.get("datasets") or () if isinstance(d, dict)]
    pngs, caption = _figures(rec, fit_setup, draws, seed)
    body = []
    for d, png in zip(sets, pngs):
        label = str(d.get("label", d.get("name", "?")))
        stat = ""
        if "value" in d and "df" in d:
            stat = f"{d.get('statistic')} {_num(d.get('value'), '.2f')} on {d.get('df')} rows (p = {_num(d.get('p_value'), '.3g')})"
            if "binomial_deviance" in d:
                stat += (f"; p from a parametric bootstrap ({d.get('bootstrap_draws')} replicates at the fitted "
                         f"values, not refitted: conservative); binomial deviance of the same fit "
                         f"{_num(d.get('binomial_deviance'), '.2f')} (p = {_num(d.get('binomial_p_value'), '.3g')})")
        elif "statistic" in d:
            stat = str(d.get("statistic"))
        facts = [("data set", d.get("name")), ("citation", d.get("citation")), ("file", d.get("path")),
                 ("sha256", Markup(f'<span class="mono">{esc(d.get("sha256"))}</span>')),
                 ("likelihood", d.get("likelihood")), ("rows", d.get("n_rows")),
                 ("log-likelihood", _num(d.get("loglik"), ".6g")), ("goodness of fit", stat),
                 ("largest |data - fit|", f"{_num(d.get('max_abs_diff_pp'), '.2f')} percentage points")]
        part = [f'<h3 id="data-{esc(label)}">{esc(label)}</h3>', table(None, [f for f in facts if f[1] not in (None, "")])]
        if png is not None:
            part.append(f"<figure>{img(png, f'data versus fit: {label}')}<figcaption>Data (points, 95% "
                        f"intervals) and the fitted model for {esc(label)}. {esc(caption)}</figcaption></figure>")
        if d.get("rows"):
            part.append(table(("group", "organ", "endpoint", "options", "time (y; lag rows: the lag)", "landmark",
                               "observed", "fitted", "denominator"),
                              [(r.get("group"), r.get("organ"), r.get("endpoint"), _row_options(r),
                                _num(r.get("time"), "g"), _num(r.get("landmark"), "g"), _num(r.get("observed")),
                                _num(r.get("predicted")), _num(r.get("denominator"), "g")) for r in d["rows"]],
                              numeric=(4, 5, 6, 7, 8)))
        if d.get("groups"):
            part.append(table(("group", "patients", "events", "deaths", "death hazard (/y)"),
                              [(g.get("group"), g.get("patients"), g.get("events"), g.get("deaths"),
                                _num(g.get("death_hazard"))) for g in d["groups"]], numeric=(1, 2, 3, 4)))
        body.append("\n".join(part))
    return section("datasets", "Data sets and fit", "\n".join(body))


def _row_options(r: dict) -> str:
    """A data row's intrinsic and nodal class and endpoint options (window, horizon, within; years), or ''."""
    parts = [f"class {r['class']}"] if r.get("class") else []
    parts += [f"nodes {r['nodes']}"] if r.get("nodes") else []
    parts += [f"{k} {r[k]:g} y" for k in ("window", "horizon", "within") if isinstance(r.get(k), (int, float))]
    return "; ".join(parts)


def _version(package: str) -> str:
    if package == "metakinetics":
        return __version__
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _provenance(rec: dict, setup_path: Path) -> str:
    data = table(("data set", "citation", "sha256"),
                 [(d.get("label"), d.get("citation"), Markup(f'<span class="mono">{esc(d.get("sha256"))}</span>'))
                  for d in rec.get("datasets") or () if isinstance(d, dict)])
    versions = table(("", "version"), [("metakinetics that made the fit result", rec.get("package_version", "n/a"))]
                     + [(f"{p} (this report)", _version(p)) for p in PACKAGES]
                     + [("Python (this report)", platform.python_version())])
    return section("provenance", "Data, citations and versions",
                   f"<p>Fit set-up: <code>{esc(setup_path)}</code>. Check that the result still comes out of "
                   f"code and data: <code>metakinetics reproduce {esc(setup_path.parent)}</code>.</p>"
                   + data + versions)
