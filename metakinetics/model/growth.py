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
        """ln x(t) (log cells), t in years since x = x0."""
        raise NotImplementedError

    def time_to(self, x, x0, rate, K=math.inf, xp=np):
        """Years from x0 to size x (x between x0 and K)."""
        raise NotImplementedError

    def drift(self, x, rate, K=math.inf, xp=np):
        """g(x) = dx/dt (cells/year)."""
        raise NotImplementedError

    def specific_rate(self, t, x0, rate, K=math.inf, xp=np):
        """d ln x / dt at time t (1/year)."""
        raise NotImplementedError

    def drift_text(self, x: str = "x") -> str:
        """g(x) as restricted-grammar text with the state called ``x``."""
        return self.drift_template.format(x=x)

    def birth_text(self, x: str = "P") -> str:
        """Birth propensity of a primary species called ``x``, restricted-grammar text."""
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
    """The deterministic growth law called ``name`` (ModelError otherwise)."""
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
        """Probability that a colony escapes extinction, (b - d)/b."""
        return (birth - death) / birth

    @staticmethod
    def delay_at(gumbel, birth, death, detection):
        """Detection ages (years) at standard-Gumbel scores ``gumbel`` (broadcasting)."""
        lam = birth - death
        return np.maximum((np.log(lam * detection / birth) + gumbel) / lam, 0.0)

    @staticmethod
    def sample_delay(rng: np.random.Generator, birth, death, detection):
        """Detection ages (years) of surviving colonies, one per element of the broadcast arrays."""
        lam = birth - death
        W = rng.exponential(birth / lam)
        return np.maximum(np.log(detection / W) / lam, 0.0)


BIRTH_DEATH = BirthDeath()
COLONY_LAWS: dict[str, GrowthLaw | BirthDeath] = {"exponential": EXPONENTIAL, "gompertz": GOMPERTZ,
                                                  "birth_death": BIRTH_DEATH}
