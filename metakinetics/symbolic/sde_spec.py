"""Diagonal-noise Ito SDEs dX_i = f_i(X, t) dt + g_i(X, t) dW_i as data, and the model's noisy
primary growth as one of them."""
from __future__ import annotations

from dataclasses import dataclass

from ..model.expressions import Expression, parse_expression
from ..model.network import TIME
from ..model.spec import Model
from ..model.growth import growth_law
from ..model.params import one_patient


@dataclass(frozen=True)
class SDESpec:
    """A diagonal-noise Ito SDE given as restricted expressions of the states, parameters and t."""

    name: str
    states: tuple[str, ...]
    initial: tuple[float, ...]
    parameters: tuple[tuple[str, float], ...]
    drift: tuple[Expression, ...]
    diffusion: tuple[Expression, ...]


def sde_from_model(model: Model, sigma: float) -> SDESpec:
    """Noisy primary growth dx = g(x) dt + sigma x dW from the model's growth law (environmental
    noise; docs/stochastic.md, ``simulate_sde``). Units: cells, years, sigma in 1/sqrt(year)."""
    one_patient(model, "the SDE", seeding=False)
    drift = growth_law(model.primary.growth).drift_text("x")
    K = [("K", model.primary.K)] if model.primary.K is not None else []
    pars = [("r", model.primary.rate), ("sigma", float(sigma))] + K
    names = {p for p, _ in pars} | {"x", TIME}
    return SDESpec(f"{model.name}_primary_sde", ("x",), (model.primary.x0,), tuple(pars),
                   (parse_expression(drift, names),), (parse_expression("sigma*x", names),))
