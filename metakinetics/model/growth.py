"""Growth laws, written once: primary tumour and colony growth in closed form.

Each law gives ln x(t), the time to reach a size, the drift g(x) = dx/dt and the specific growth
rate d ln x/dt, for numpy arrays or, with ``xp=sympy``, for sympy symbols (this module never
imports sympy: the caller passes the module). Years and cells. A deterministic colony is a law
started from one cell (``x0 = 1``); linear birth-death colonies are :class:`BirthDeath`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ModelError


def _log1p(xp, z):
    return xp.log1p(z) if hasattr(xp, "log1p") else xp.log(1 + z)


@dataclass(frozen=True)
class GrowthLaw:
    """A deterministic growth law x' = g(x) from x0 cells at t = 0 (rate in 1/year, K in cells)."""

    name: str
    needs_K: bool
    #: g(x) as restricted-grammar text in the variable ``{x}`` and parameters r, K
    drift_template: str
    #: x(t) as restricted-grammar text in x0, r, K, t
    size_text: str
    #: the birth propensity of a primary species ``{x}`` (whole cells; Gompertz guarded below 1 cell)
    birth_template: str

    def log_size(self, t, x0, rate, K=math.inf, xp=np):
        """ln x(t) (log cells), t in years since x = x0.

        Parameters
        ----------
        t : float or array_like
            Years since the size was ``x0``.
        x0 : float or array_like
            Size at t = 0 (cells).
        rate : float or array_like
            Growth rate r (1/year).
        K : float or array_like
            Carrying capacity (cells); ignored by the exponential law.
        xp : module
            ``numpy`` (the default) for arrays, or ``sympy`` for symbolic expressions.

        Returns
        -------
        array or sympy expression
            ln x(t), broadcast over the arguments.
        """
        raise NotImplementedError

    def time_to(self, x, x0, rate, K=math.inf, xp=np):
        """Years from x0 to size x (x between x0 and K).

        Parameters
        ----------
        x : float or array_like
            The size reached (cells).
        x0 : float or array_like
            The starting size (cells).
        rate : float or array_like
            Growth rate r (1/year).
        K : float or array_like
            Carrying capacity (cells); ignored by the exponential law.
        xp : module
            ``numpy`` (the default) for arrays, or ``sympy`` for symbolic expressions.

        Returns
        -------
        array or sympy expression
            The time in years.
        """
        raise NotImplementedError

    def drift(self, x, rate, K=math.inf, xp=np):
        """g(x) = dx/dt (cells/year).

        Parameters
        ----------
        x : float or array_like
            Size (cells).
        rate : float or array_like
            Growth rate r (1/year).
        K : float or array_like
            Carrying capacity (cells); ignored by the exponential law.
        xp : module
            ``numpy`` (the default) for arrays, or ``sympy`` for symbolic expressions.

        Returns
        -------
        array or sympy expression
            The growth speed in cells/year.
        """
        raise NotImplementedError

    def specific_rate(self, t, x0, rate, K=math.inf, xp=np):
        """d ln x / dt at time t (1/year), the specific growth rate along the law's trajectory.

        Parameters
        ----------
        t : float or array_like
            Years since the size was ``x0``.
        x0 : float or array_like
            Size at t = 0 (cells).
        rate : float or array_like
            Growth rate r (1/year).
        K : float or array_like
            Carrying capacity (cells); ignored by the exponential law.
        xp : module
            ``numpy`` (the default) for arrays, or ``sympy`` for symbolic expressions.

        Returns
        -------
        array or sympy expression
            The specific rate in 1/year.
        """
        raise NotImplementedError

    def drift_text(self, x: str = "x") -> str:
        """g(x) as restricted-grammar text (parameters r, K) with the state called ``x``.

        Parameters
        ----------
        x : str
            The name the state has in the text.

        Returns
        -------
        str
        """
        return self.drift_template.format(x=x)

    def birth_text(self, x: str = "P") -> str:
        """Birth propensity of a primary species called ``x``, restricted-grammar text.

        Whole cells: the Gompertz propensity is guarded below one cell.

        Parameters
        ----------
        x : str
            The name of the primary species.

        Returns
        -------
        str
        """
        return self.birth_template.format(x=x)


class _Exponential(GrowthLaw):
    def log_size(self, t, x0, rate, K=math.inf, xp=np):
        return xp.log(x0) + rate * t

    def time_to(self, x, x0, rate, K=math.inf, xp=np):
        return xp.log(x / x0) / rate

    def drift(self, x, rate, K=math.inf, xp=np):
        return rate * x

    def specific_rate(self, t, x0, rate, K=math.inf, xp=np):
        return rate + 0 * t


class _Gompertz(GrowthLaw):
    def log_size(self, t, x0, rate, K=math.inf, xp=np):
        return xp.log(K) + xp.log(x0 / K) * xp.exp(-rate * t)

    def time_to(self, x, x0, rate, K=math.inf, xp=np):
        return xp.log(xp.log(x0 / K) / xp.log(x / K)) / rate

    def drift(self, x, rate, K=math.inf, xp=np):
        return rate * x * xp.log(K / x)

    def specific_rate(self, t, x0, rate, K=math.inf, xp=np):
        return -rate * xp.log(x0 / K) * xp.exp(-rate * t)


class _Logistic(GrowthLaw):
    def log_size(self, t, x0, rate, K=math.inf, xp=np):
        return xp.log(K) - _log1p(xp, (K / x0 - 1) * xp.exp(-rate * t))

    def time_to(self, x, x0, rate, K=math.inf, xp=np):
        return xp.log((K / x0 - 1) / (K / x - 1)) / rate

    def drift(self, x, rate, K=math.inf, xp=np):
        return rate * x * (1 - x / K)

    def specific_rate(self, t, x0, rate, K=math.inf, xp=np):
        # r (1 - x/K) = r / (1 + e^{rt} / (K/x0 - 1))
        return rate / (1 + xp.exp(rate * t) / (K / x0 - 1))


EXPONENTIAL = _Exponential("exponential", False, "r*{x}", "x0*exp(r*t)", "r*{x}")
GOMPERTZ = _Gompertz("gompertz", True, "r*{x}*log(K/{x})", "K*exp(log(x0/K)*exp(-r*t))", "r*{x}*log(K/max({x}, 1))")
LOGISTIC = _Logistic("logistic", True, "r*{x}*(1 - {x}/K)", "K/(1 + (K/x0 - 1)*exp(-r*t))", "r*{x}*(1 - {x}/K)")

LAWS: dict[str, GrowthLaw] = {law.name: law for law in (EXPONENTIAL, GOMPERTZ, LOGISTIC)}


def growth_law(name: str) -> GrowthLaw:
    """The deterministic growth law called ``name``.

    Parameters
    ----------
    name : str
        "exponential", "gompertz" or "logistic".

    Returns
    -------
    GrowthLaw

    Raises
    ------
    ModelError
        For any other name, listing the known ones.
    """
    try:
        return LAWS[name]
    except KeyError:
        raise ModelError(f"unknown primary growth law '{name}' (expected one of {', '.join(LAWS)})") from None


@dataclass(frozen=True)
class BirthDeath:
    """Linear birth-death colony from one cell (birth b, death d per year; lambda = b - d > 0).

    It survives with probability lambda/b; given survival N(t) e^{-lambda t} -> W ~ Exp(mean
    b/lambda), so the age at which it reaches x_det is ln(x_det / W)/lambda (clipped at 0), i.e.
    (ln(lambda x_det / b) + G)/lambda with G standard Gumbel.
    """

    name: str = "birth_death"

    @staticmethod
    def survival(birth, death):
        """Probability that a colony escapes extinction, (b - d)/b.

        Parameters
        ----------
        birth, death : float or array_like
            Birth and death rates b > d (1/year).

        Returns
        -------
        float or numpy.ndarray
        """
        return (birth - death) / birth

    @staticmethod
    def delay_at(gumbel, birth, death, detection):
        """Detection ages (years) at standard-Gumbel scores ``gumbel`` (broadcasting).

        The quantile form of the detection age of a surviving colony,
        ``max((ln(lambda x_det / b) + G) / lambda, 0)`` with lambda = b - d, used by the quadrature.

        Parameters
        ----------
        gumbel : array_like
            Standard-Gumbel scores G.
        birth, death : array_like
            Birth and death rates (1/year), b > d.
        detection : array_like
            Colony size at detection x_det (cells).

        Returns
        -------
        numpy.ndarray
            Years from founding to detection, clipped at 0.
        """
        lam = birth - death
        return np.maximum((np.log(lam * detection / birth) + gumbel) / lam, 0.0)

    @staticmethod
    def sample_delay(rng: np.random.Generator, birth, death, detection):
        """Detection ages (years) of surviving colonies, one per element of the broadcast arrays.

        Draws ``W ~ Exp(mean b/lambda)`` and returns ``max(ln(x_det / W) / lambda, 0)``.

        Parameters
        ----------
        rng : numpy.random.Generator
            The random generator.
        birth, death : array_like
            Birth and death rates (1/year), b > d.
        detection : array_like
            Colony size at detection x_det (cells).

        Returns
        -------
        numpy.ndarray
            Years from founding to detection, clipped at 0.
        """
        lam = birth - death
        W = rng.exponential(birth / lam)
        return np.maximum(np.log(detection / W) / lam, 0.0)


BIRTH_DEATH = BirthDeath()
COLONY_LAWS: dict[str, GrowthLaw | BirthDeath] = {"exponential": EXPONENTIAL, "gompertz": GOMPERTZ,
                                                  "birth_death": BIRTH_DEATH}
