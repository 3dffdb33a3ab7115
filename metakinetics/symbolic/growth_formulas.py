"""The primary growth laws written out for networks and SDEs: one entry per law, in one place.

Texts are restricted-grammar expressions (cells, years, rates per year); the sympy forms of the
same laws are in ``derive.growth_rate`` and ``closed_forms``.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ModelError
from ..model.spec import Model


@dataclass(frozen=True)
class GrowthFormulas:
    """One primary growth law: ``size`` x(t) in x0, r, K, t; ``drift`` g(x) in x, r, K (the SDE
    drift); ``birth`` the birth propensity of a primary species P (guarded at P < 1 for Gompertz);
    ``time_to_size(x0, xd, r, K)`` the years from x0 to xd cells."""

    size: str
    drift: str
    birth: str
    time_to_size: Callable[[float, float, float, float | None], float]


PRIMARY_GROWTH: dict[str, GrowthFormulas] = {
    "exponential": GrowthFormulas(
        size="x0*exp(r*t)", drift="r*x", birth="r*P",
        time_to_size=lambda x0, xd, r, K: math.log(xd / x0) / r),
    "gompertz": GrowthFormulas(
        size="K*exp(log(x0/K)*exp(-r*t))", drift="r*x*log(K/x)", birth="r*P*log(K/max(P, 1))",
        time_to_size=lambda x0, xd, r, K: -math.log(math.log(xd / K) / math.log(x0 / K)) / r),
    "logistic": GrowthFormulas(
        size="K/(1 + (K/x0 - 1)*exp(-r*t))", drift="r*x*(1 - x/K)", birth="r*P*(1 - P/K)",
        time_to_size=lambda x0, xd, r, K: math.log((K / x0 - 1) / (K / xd - 1)) / r),
}


def growth_formulas(growth: str) -> GrowthFormulas:
    """The formulas of a primary growth law (ModelError for an unknown law)."""
    if growth not in PRIMARY_GROWTH:
        raise ModelError(f"unknown primary growth law '{growth}'")
    return PRIMARY_GROWTH[growth]


def primary_size_text(growth: str) -> str:
    """Closed-form primary size x(t) for a growth law, as restricted-grammar text in x0, r, K, t."""
    return growth_formulas(growth).size


def diagnosis_time(model: Model) -> float:
    """Years from x0 to the diagnosis size, closed form per growth law."""
    p = model.primary
    return growth_formulas(p.growth).time_to_size(p.x0, model.diagnosis.size, p.rate, p.K)
