"""Per-patient covariates of individual-data fits: a diameter at diagnosis and a positive-node count.

A patient's prediction is the model's cumulative incidence conditional on an exact diameter
(``population.diameter_sd`` 0) and on a nodal count (``nodes.min`` = ``nodes.max``). The patients
are not evaluated one by one: the model is evaluated once for a set of diameters ``diameters``
(J) times nodal ranges ``nodal`` (C), G = J x C parameter sets of one batched engine call, and
each patient's cumulative incidence is a weighted sum over those sets (weights (N, G)):

- a measured diameter: linear interpolation in log diameter between the two grid diameters around
  it (a log-spaced grid, neighbours at most :data:`GRID_RATIO` apart; the interpolation error is
  checked against direct evaluation by tests/inference/test_covariates.py);
- a diameter known only to lie in a range (a size class): the diameter is interval-censored and the
  patient's likelihood is the integral over the range, ``int L(t | d, n) p(d | range, n) dd``, with
  ``p(d | range, n)`` proportional to the cohort's log-normal diameter density times the model's
  probability of the patient's nodal count at that diameter (``nodal_share``: P(N = n | M0, d);
  not also P(M0 | d): the cohort's log-normal describes its operable, M0 patients already).
  Since the likelihood is linear in the cumulative incidence, the integral is the likelihood of the
  weighted sum of the incidences: Gauss-Legendre in log diameter, :data:`RANGE_NODES` per range.

The weights of a measured diameter do not depend on the parameters; those of a range do (through
the nodal share), and :meth:`PatientCovariates.weights` takes the shares of every set.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Largest ratio of neighbouring grid diameters for measured diameters (log-spaced grid). Linear
#: interpolation in log diameter between neighbours 1.05 apart stays within 5e-4 (absolute) of the
#: directly evaluated cumulative incidence of fits/rotterdam_continuous' model to 20 years (tested;
#: 1.1 gave 9e-4, 2 gave 2.2e-2: the error falls as the square of the log ratio).
GRID_RATIO = 1.05
#: Gauss-Legendre nodes (in log diameter) per diameter range of an interval-censored diameter:
#: 8 nodes agree with 48 to < 1e-5 over the Rotterdam size classes 0.3-2, 2-5 and 5-12 cm (tested).
RANGE_NODES = 8


@dataclass(frozen=True)
class PatientCovariates:
    """The parameter sets behind per-patient predictions and each patient's weights over them.

    ``diameters`` (J,) cm; ``nodal`` (C, 2) the nodal ranges lo, hi (an exact count: lo = hi; no
    nodal covariate: one range 0..60); ``base`` (N, J) each patient's weights over the diameters
    (rows sum to 1); ``nodal_index`` (N,) each patient's nodal range; ``interval`` (N,) whether the
    patient's diameter is a range (its weights are then multiplied by the nodal share and
    renormalised). Set g = j * C + c is diameter j with nodal range c.
    """

    diameters: np.ndarray
    nodal: np.ndarray
    base: np.ndarray
    nodal_index: np.ndarray
    interval: np.ndarray

    @property
    def n_sets(self) -> int:
        """Number of parameter sets G = J x C."""
        return self.diameters.size * self.nodal.shape[0]

    @property
    def needs_share(self) -> bool:
        """Whether the weights depend on the model's nodal share (a range-censored diameter and a
        nodal covariate that selects)."""
        return bool(self.interval.any()) and self.nodal.shape[0] > 1

    def sets(self) -> dict[str, np.ndarray]:
        """The G parameter sets as dotted-key overrides (arrays of G) for an engine batch call.

        Returns
        -------
        dict
            ``diagnosis.diameter_cm`` (cm), ``population.diameter_sd`` (0: the diameter is exact),
            ``nodes.min`` and ``nodes.max`` (counts).
        """
        J, C = self.diameters.size, self.nodal.shape[0]
        out = {"diagnosis.diameter_cm": np.repeat(self.diameters, C), "population.diameter_sd": np.zeros(J * C)}
        out["nodes.min"] = np.tile(self.nodal[:, 0], J).astype(float)
        out["nodes.max"] = np.tile(self.nodal[:, 1], J).astype(float)
        return out

    def weights(self, share: np.ndarray | None = None) -> np.ndarray:
        """Each patient's weights over the G sets (N, G), rows summing to 1.

        Parameters
        ----------
        share : numpy.ndarray, optional
            (G,) the model's P(nodal range | M0, diameter) of every set (the ``nodal_share``
            endpoint); needed when :attr:`needs_share`.

        Returns
        -------
        numpy.ndarray
            (N, G) weights.
        """
        N, J = self.base.shape
        C = self.nodal.shape[0]
        w = self.base.copy()
        if self.needs_share:
            if share is None:
                raise ValueError("the weights of range-censored diameters need the nodal share of every set")
            s = np.asarray(share, dtype=float).reshape(J, C)[:, self.nodal_index].T       # (N, J)
            tilted = w * s
            tot = tilted.sum(axis=1, keepdims=True)
            ok = self.interval[:, None] & (tot > 0)
            w = np.where(ok, tilted / np.where(tot > 0, tot, 1.0), w)
        out = np.zeros((N, J, C))
        out[np.arange(N), :, self.nodal_index] = w
        return out.reshape(N, J * C)


def diameter_grid(lo: float, hi: float, ratio: float = GRID_RATIO) -> np.ndarray:
    """A log-spaced grid of diameters from ``lo`` to ``hi`` (cm), neighbours at most ``ratio`` apart.

    Parameters
    ----------
    lo, hi : float
        Smallest and largest diameter (cm), 0 < lo <= hi.
    ratio : float
        Largest ratio of neighbouring diameters (> 1).

    Returns
    -------
    numpy.ndarray
        The diameters (cm), at least two.
    """
    n = max(2, int(math.ceil(math.log(hi / lo) / math.log(ratio) - 1e-9)) + 1)
    return np.geomspace(lo, hi, n)


def point_weights(diameter: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Linear-interpolation weights in log diameter of each ``diameter`` (N,) over ``grid`` (J,), (N, J).

    Parameters
    ----------
    diameter : numpy.ndarray
        Patients' diameters (cm), within the grid's range.
    grid : numpy.ndarray
        Increasing diameters (cm).

    Returns
    -------
    numpy.ndarray
        (N, J) weights, two non-zero per row, summing to 1.
    """
    x, g = np.log(np.asarray(diameter, dtype=float)), np.log(grid)
    j = np.clip(np.searchsorted(g, x, side="right") - 1, 0, g.size - 2)
    f = np.clip((x - g[j]) / (g[j + 1] - g[j]), 0.0, 1.0)
    w = np.zeros((x.size, g.size))
    rows = np.arange(x.size)
    w[rows, j] = 1.0 - f
    w[rows, j + 1] += f
    return w


def range_nodes(lo: float, hi: float, median: float, sd: float, n: int = RANGE_NODES) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature of a diameter in ``lo``..``hi`` cm under a log-normal density (``median`` cm, ``sd``
    of log diameter): Gauss-Legendre nodes in log diameter and their weights, summing to 1.

    Parameters
    ----------
    lo, hi : float
        The range (cm), 0 < lo < hi.
    median, sd : float
        The cohort's log-normal diameter distribution (sd = 0: uniform in log diameter).
    n : int
        Nodes.

    Returns
    -------
    diameters : numpy.ndarray
        (n,) cm.
    weights : numpy.ndarray
        (n,) the density within the range at the nodes times the rule's weights, normalised.
    """
    x, w = np.polynomial.legendre.leggauss(n)
    a, b = math.log(lo), math.log(hi)
    z = 0.5 * (b - a) * x + 0.5 * (a + b)
    dens = np.exp(-0.5 * ((z - math.log(median)) / sd) ** 2) if sd > 0 else np.ones(n)
    ww = w * dens
    return np.exp(z), ww / ww.sum()
