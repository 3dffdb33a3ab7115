"""The lag from the first detected metastasis to brain, with and without metastasis-to-metastasis
seeding, from the exact event-level cohort simulator."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from ..errors import InputError
from ..model import Model
from ..stochastic.cohort import simulate_cohort
from .style import new_figure


@dataclass(frozen=True)
class BrainLag:
    """Lags (years) from the first detected distant metastasis to brain among relapsed patients with
    brain involvement by the horizon, and summaries, for one model variant."""

    label: str
    lags: np.ndarray
    relapsed: int                 # patients with a detected distant metastasis by the horizon
    brain_share: float            # share of them with brain by the horizon
    multi_3m: float               # share of them with a second organ within 3 months of the first

    @property
    def median(self) -> float:
        """Median lag (years), nan without brain cases."""
        return float(np.median(self.lags)) if self.lags.size else float("nan")


def brain_lags(model: Model, label: str, *, patients: int, seed: int, horizon: float,
               organ: str = "brain") -> BrainLag:
    """Simulate ``patients`` of ``model`` (seeded) and collect the lags to ``organ``.

    Parameters
    ----------
    model : Model
    label : str
        Legend text.
    patients, seed : int
        Cohort size and seed.
    horizon : float
        Years after diagnosis followed.
    organ : str
        The organ whose lag is measured.

    Returns
    -------
    BrainLag
    """
    if organ not in model.organ_names:
        raise InputError(f"model '{model.name}' has no organ '{organ}' ({', '.join(model.organ_names)})")
    coh = simulate_cohort(model, patients, seed=seed, horizon=horizon)
    d = np.where(coh.detect <= horizon, coh.detect, np.inf)
    d = np.where(coh.m0[:, None], d, np.inf)                     # patients free of metastasis at diagnosis
    first = d.min(axis=1)
    rel = np.isfinite(first)
    k = model.organ_names.index(organ)
    brain = rel & np.isfinite(d[:, k])
    second = np.sort(d, axis=1)[:, 1] if d.shape[1] > 1 else np.full(d.shape[0], np.inf)
    n = int(rel.sum())
    soon = np.zeros(rel.shape, dtype=bool)
    soon[rel] = second[rel] - first[rel] <= 0.25
    return BrainLag(label, d[brain, k] - first[brain], n, float(brain.sum() / max(n, 1)),
                    float(soon.sum() / max(n, 1)))


def brain_lag_figure(model: Model, secondary_shedding: float, *, secondary_gamma: float = 2 / 3,
                     patients: int = 100_000, seed: int = 1, horizon: float = 20.0) -> tuple[Figure, str]:
    """Distribution of the lag from first metastasis to brain without and with every organ's
    colonies shedding ``secondary_shedding`` y^``secondary_gamma`` cells/year, and its caption.

    Parameters
    ----------
    model : Model
        The model without seeding (its own secondary_shedding values are replaced).
    secondary_shedding : float
        mu' for every organ (cells^(1 - gamma') / year).
    secondary_gamma : float
        gamma'.
    patients, seed : int
        Cohort size and seed (the same seed for both variants).
    horizon : float
        Years after diagnosis followed.

    Returns
    -------
    (matplotlib.figure.Figure, str)
    """
    off = model.with_values({f"organs.{o}.secondary_shedding": 0.0 for o in model.organ_names})
    on = model.with_values({**{f"organs.{o}.secondary_shedding": float(secondary_shedding)
                               for o in model.organ_names}, "shedding.secondary_gamma": float(secondary_gamma)})
    res = [brain_lags(off, "no colony shedding", patients=patients, seed=seed, horizon=horizon),
           brain_lags(on, f"colonies shed {secondary_shedding:g} y^{secondary_gamma:.2g}/yr", patients=patients,
                      seed=seed, horizon=horizon)]
    fig, ax = new_figure(1, 1)
    ax = np.ravel(ax)[0] if isinstance(ax, np.ndarray) else ax
    bins = np.linspace(0.0, horizon, 41)
    for r, colour in zip(res, ("#7f7f7f", "#d62728")):
        ax.hist(r.lags, bins=bins, density=True, histtype="step", linewidth=1.6, color=colour,
                label=f"{r.label}: median {r.median:.2f} y, brain in {100 * r.brain_share:.0f}% of relapses")
    ax.set_xlabel("years from first detected metastasis to brain")
    ax.set_ylabel("density (relapsed patients with brain)")
    ax.legend(fontsize=7, frameon=False)
    caption = (f"Lag from the first detected distant metastasis to a detected brain metastasis in model "
               f"'{model.name}' ({patients:,} simulated patients free of metastasis at diagnosis, seed {seed}, "
               f"followed {horizon:g} years), without metastasis-to-metastasis seeding and with every colony "
               f"shedding {secondary_shedding:g} y^{secondary_gamma:.3g} cells/year. Median lag "
               f"{res[0].median:.2f} vs {res[1].median:.2f} years; brain among relapsed "
               f"{100 * res[0].brain_share:.1f}% vs {100 * res[1].brain_share:.1f}%; a second organ within "
               f"3 months of the first {100 * res[0].multi_3m:.1f}% vs {100 * res[1].multi_3m:.1f}%. "
               "Exact event-level simulation (colonies followed as sources).")
    return fig, caption
