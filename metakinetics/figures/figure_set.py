"""The generated figure set of a fit (or a model): every figure saved with its caption file.

``render_figure_set(source, out_dir)`` draws, for a fit directory, a fit result or a model:
fit (data vs fitted curves, fits only), incidence (by endpoint per organ), trajectories
(compartments before and after surgery), fan (stochastic fan chart), organotropism, corner
(parameter uncertainty, fits only), scenarios (comparison, bands from the fit's draws), lag
(time from the first metastasis to brain, with and without death after relapse) and seeding (the
same lag with and without metastasis-to-metastasis seeding, exact simulation); for a model with
intrinsic classes also classes (incidence per class and pooled).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import InputError
from ..scenarios import compare, fit_result_of, resolve_source
from ..scenarios.transforms import parse_scenario
from .style import save

#: Scenarios of the comparison figure: one of each built-in kind. The bone factor 0.619 gives
#: the EBCTCG postmenopausal bone-recurrence rate ratio 0.72 in the default fit (docs/scenarios.md).
DEFAULT_SCENARIOS = ("surgery_delay=0.25", "earlier_diagnosis=1.0", "adjuvant:kill_dormant=0.5",
                     "organ_drug:bone=0.619", "dormancy=0.5", "ctc_therapy=2")

FIGURES = ("fit", "incidence", "trajectories", "fan", "organotropism", "corner", "scenarios", "lag", "seeding")
#: Illustrative colony shedding mu' (cells^(1 - gamma')/year, gamma' = 2/3) of the seeding figure for a model
#: without it (not fitted: docs/model.md, "Metastasis-to-metastasis seeding"); patients simulated per variant
SEEDING_ILLUSTRATION, SEEDING_PATIENTS = 1e4, 20_000
#: Figures drawn only for a model with intrinsic classes (after FIGURES; skipped for others).
CLASS_FIGURES = ("classes",)


@dataclass(frozen=True)
class RenderedFigure:
    """One figure written: its name, the files (images then caption) and the caption text."""

    name: str
    paths: tuple[Path, ...]
    caption: str
    labels: tuple[str, ...] = ()  # x and y labels of the visible axes (for checks)


def _caption(what: str, source: str, extra: str = "") -> str:
    text = f"{what}\nMade by metakinetics {__version__} from {source}."
    return text + (f"\n{extra}" if extra else "")


def render_figure_set(source: Any, out_dir: str | Path, formats: Sequence[str] = ("png",), *,
                      group: str | None = None, only: Sequence[str] | None = None, seed: int = 0,
                      draws: int = 20, paths: int = 400, sigma: float = 0.4,
                      scenarios: Sequence[str] = DEFAULT_SCENARIOS, workers: int | None = None,
                      progress: Callable[[str], None] | None = None) -> list[RenderedFigure]:
    """Draw and save the figure set of ``source`` into ``out_dir``; returns what was written.
    ``only`` restricts to some of FIGURES; fit-only figures are skipped for a bare model. For a fit
    with group-specific parameters every figure but 'fit' (which shows all groups) is of one
    ``group``'s model and parameters, and needs it (FitError listing the groups otherwise)."""
    wanted = tuple(only) if only else FIGURES + CLASS_FIGURES
    bad = [w for w in wanted if w not in FIGURES + CLASS_FIGURES]
    if bad:
        raise InputError(f"unknown figure '{bad[0]}' (figures: {', '.join(FIGURES + CLASS_FIGURES)})")
    result, result_path = fit_result_of(source)
    if result is None:
        skipped = [w for w in wanted if w in ("fit", "corner")]
        wanted = tuple(w for w in wanted if w not in ("fit", "corner"))
        if not wanted:   # say why nothing is drawn (it was a traceback)
            raise InputError(f"only: {', '.join(skipped)} {'needs' if len(skipped) == 1 else 'need'} a fit "
                             f"(a fit directory or its result.json) and {getattr(source, 'name', source)} is a model: nothing to draw "
                             f"(a model's figures: {', '.join(f for f in FIGURES if f not in ('fit', 'corner'))})")
    if set(wanted) - {"fit"}:
        model, fit, desc = resolve_source(source, group=group)
        if not model.classes and any(w in CLASS_FIGURES for w in wanted):
            if only:
                raise InputError(f"only: {', '.join(CLASS_FIGURES)} needs a model with intrinsic classes "
                                 f"and {model.name} has none")
            wanted = tuple(w for w in wanted if w not in CLASS_FIGURES)
    else:  # the data-vs-fit figure alone shows every group: no group needed
        desc = f"fit {result.name}" + (f" ({result_path})" if result_path else "")
    out: list[RenderedFigure] = []

    def emit(name: str, fig, caption: str) -> None:
        written = save(fig, out_dir, name, formats, caption)
        labels = tuple(dict.fromkeys(lab for ax in fig.axes if ax.get_visible()
                                     for lab in (ax.get_xlabel(), ax.get_ylabel()) if lab))
        out.append(RenderedFigure(name, tuple(written), caption, labels))
        if progress:
            progress(name)

    for name in wanted:
        if name == "fit":
            from ..inference import fit_bands
            from .fit_plot import plot_fit

            bands = fit_bands(result, seed=seed, directory=Path(result_path).parent if result_path else None)
            emit(name, plot_fit(result, bands=bands), _caption(
                "Data versus fitted curves: each data set of the fit (points with 95% intervals) and the "
                "fitted model's prediction.", desc, bands.caption()))
        elif name == "incidence":
            from .incidence import incidence_figure

            emit(name, incidence_figure(model), _caption(
                "Population incidence among M0 patients by endpoint for each organ: 'any' (the organ is "
                "involved) and 'first' (the organ is among the first sites, competing risks), and any "
                "distant metastasis; Gauss-Hermite expectation over the random effects.", desc))
        elif name == "trajectories":
            from .trajectories import trajectory_figure

            patient, note = one_patient(model)
            emit(name, trajectory_figure(patient), _caption(
                "Expected compartments of the typical patient (dynamics.solve): primary tumour, circulating "
                "cells, dormant cells and colonies founded per organ, against years since diagnosis; solid "
                "with surgery (dotted line), dashed without." + note, desc))
        elif name == "fan":
            from .fan import fan_chart

            patient, note = one_patient(model)
            emit(name, fan_chart(patient, paths=paths, sigma=sigma, seed=seed), _caption(
                f"Fan chart of {paths} stochastic trajectories of the primary tumour under noisy growth "
                f"dx = g(x) dt + {sigma:g} x dW (Euler-Maruyama, seed {seed}): median, 50% and 90% bands, "
                f"the deterministic curve, and the share of paths diagnosed by each time." + note, desc))
        elif name == "organotropism":
            from .organotropism import organotropism_figure

            patient, note = one_patient(model)
            emit(name, organotropism_figure(patient), _caption(
                "Organotropism: each organ's share of founded colonies in the model (arrest fraction x "
                "efficiency x probability a dormant cell wakes rather than dies) beside its share of "
                "blood flow (Organ.blood_flow), and their ratio (1 = hemodynamics alone explains it)." + note,
                desc))
        elif name == "corner":
            from .corner import corner_figure

            method = "covariance" if fit.covariance is not None else "profile"
            emit(name, corner_figure(fit, seed=seed, method=method), _caption(
                f"Parameter uncertainty of the fit: 2000 draws from its {method} (search scale: log10 for "
                f"parameters fitted in logs), estimates in red, seed {seed}.", desc))
        elif name == "scenarios":
            from .scenarios import scenario_caption, scenario_figure

            comp = compare(fit if fit is not None else model, [parse_scenario(s) for s in scenarios], "any",
                           [float(u) for u in range(0, 21)], draws=draws if fit is not None else 0, seed=seed,
                           workers=workers)
            emit(name, scenario_figure(comp), _caption(scenario_caption(comp), desc))
        elif name == "lag":
            emit(name, *_lag(model, desc))
        elif name == "seeding":
            from .secondary import brain_lag_figure

            own = max((model.organ(o).secondary_shedding for o in model.organ_names), default=0.0)
            fig, text = brain_lag_figure(model, own or SEEDING_ILLUSTRATION, patients=SEEDING_PATIENTS, seed=seed)
            tau = model.organ("brain").detection_delay if "brain" in model.organ_names else None
            if tau:
                text += (f" With seeding the lags gather below the brain colony's detection delay ({tau:.2f} years "
                         "from founding): a daughter founded soon after the first colony still needs that long to "
                         "be found.")
            if not own:
                text += (f" The model has no colony shedding: the rate {SEEDING_ILLUSTRATION:g} is an illustration, "
                         "not a fitted value.")
            emit(name, fig, _caption(text, desc))
        elif name == "classes":
            from .classes import class_incidence_figure
            emit(name, class_incidence_figure(model), _caption(
                "Incidence by intrinsic class: per organ, 'any' involvement among M0 patients of each class "
                "(thin lines; prevalence in the legend) and of the whole cohort (thick black: the exact "
                "mixture sum_c pi_c E_c[w a] / sum_c pi_c E_c[w b], M0 weighting within each class), and any "
                "distant metastasis; Gauss-Hermite expectation over the random effects.", desc))
    return out


def one_patient(model):
    """(model, caption note) for the figures of one typical patient: for a model with intrinsic
    classes its most prevalent class (Model.of_class), said in the caption.

    Parameters
    ----------
    model : Model

    Returns
    -------
    model : Model
    note : str
        Caption text ('' when the model is drawn as it is).
    """
    if not model.classes:
        return model, ""
    top = max(model.classes, key=lambda c: c.prevalence).name
    return model.of_class(top), f" Class {top}, the most prevalent of the model's intrinsic classes."


def _lag(model, desc: str):
    """The lag figure of ``model``: its brain lag without death after relapse and with it (the
    model's own rate, or ln 2 / 1.6 years, Kennecke 2010's luminal B median survival after relapse)."""
    import math

    from .lag import MEDIAN_SURVIVAL_AFTER_RELAPSE, lag_figure

    organ = "brain" if "brain" in model.organ_names else model.organ_names[-1]
    nu = model.mortality.after_relapse or math.log(2.0) / MEDIAN_SURVIVAL_AFTER_RELAPSE
    curves = {"no death after relapse": model.with_values({"mortality.after_relapse": 0.0}),
              f"death after relapse {nu:.2f}/y (median survival {math.log(2.0) / nu:.1f} y)":
                  model.with_values({"mortality.after_relapse": nu})}
    fig = lag_figure(curves, organ, points=17)
    return fig, _caption(
        f"Time from the first distant metastasis (in another organ, by 10 years after diagnosis) to {organ}, "
        f"among patients whose {organ} is detected alive within 10 years of it: the cumulative distribution "
        "(population quadrature, exact given each patient; docs/model.md 'Death after relapse'), without and "
        "with death after relapse, a death hazard after the first metastasis (Kennecke 2010: median "
        "survival after relapse 0.5-2.2 years by subtype). Dying earlier removes the late brain metastases, so the lag shortens; "
        "dots mark the medians.", desc)


__all__ = ["CLASS_FIGURES", "DEFAULT_SCENARIOS", "FIGURES", "RenderedFigure", "render_figure_set"]
