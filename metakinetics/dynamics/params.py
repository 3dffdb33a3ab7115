"""Per-patient parameters: the contract's ``params`` mapping resolved into checked arrays.

Keys are dotted keys of ``Model.values()`` (plus ``diagnosis.size`` in cells for any model);
values broadcast to shape (P,); missing keys take the model's value.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..model.batch import broadcast
from ..model.spec import Model
from ..symbolic.derive import Structure


@dataclass(frozen=True)
class Params:
    """Arrays of one batch of P parameter sets (years, cells); organ arrays are (P, K)."""

    structure: Structure
    x0: np.ndarray
    rate: np.ndarray
    K: np.ndarray          # carrying capacity (1.0 placeholder for exponential growth: unused)
    x_dx: np.ndarray
    delay: np.ndarray
    mu: np.ndarray
    gamma: np.ndarray
    kappa: np.ndarray
    f: np.ndarray
    omega: np.ndarray
    delta: np.ndarray
    eps: np.ndarray
    kill_dormant: np.ndarray

    @property
    def P(self) -> int:
        return self.x0.shape[0]

    @property
    def lam(self) -> np.ndarray:
        """Total dormant exit rate omega_k + delta_k (1/year), (P, K)."""
        return self.omega + self.delta

    def row(self, i: int) -> tuple[float, ...]:
        """Parameter set i as the flat tuple the compiled symbolic functions take."""
        return (self.x0[i], self.rate[i], self.K[i], self.mu[i], self.gamma[i], self.kappa[i],
                *self.f[i], *self.omega[i], *self.delta[i], *self.eps[i])

    def columns(self) -> tuple[np.ndarray, ...]:
        """All parameter sets as columns (each (P,)) in compiled-function order."""
        return (self.x0, self.rate, self.K, self.mu, self.gamma, self.kappa,
                *self.f.T, *self.omega.T, *self.delta.T, *self.eps.T)


_ORGAN_FIELDS = {"arrest_fraction": "f", "wake": "omega", "dormant_death": "delta", "efficiency": "eps"}


def resolve(model: Model, params: Mapping[str, object] | None = None) -> Params:
    """Check ``params`` against the model and broadcast everything to (P,) / (P, K) arrays."""
    b = broadcast(model, params)
    P, get, x_dx = b.P, b.get, b.size()

    organ = {short: b.organ(fld) for fld, short in _ORGAN_FIELDS.items()}

    law = model.primary.growth
    K = get("primary.K", 1.0) if law != "exponential" else np.ones(P)
    p = Params(structure=Structure.of(model), x0=get("primary.x0"), rate=get("primary.rate"), K=K,
               x_dx=x_dx, delay=get("diagnosis.surgery_delay"), mu=get("shedding.mu"),
               gamma=get("shedding.gamma"), kappa=get("circulation.clearance"), f=organ["f"],
               omega=organ["omega"], delta=organ["delta"], eps=organ["eps"],
               kill_dormant=get("treatment.kill_dormant"))
    _check(p, law)
    return p


def _check(p: Params, law: str) -> None:
    def bad(name, mask, what):
        if np.any(mask):
            i = int(np.argmax(mask))
            raise InputError(f"params: {name} {what} (parameter set {i})")

    for name, arr in (("primary.x0", p.x0), ("primary.rate", p.rate), ("shedding.mu", p.mu),
                      ("shedding.gamma", p.gamma), ("circulation.clearance", p.kappa),
                      ("diagnosis.size", p.x_dx)):
        bad(name, ~(arr > 0), "must be positive")
    bad("diagnosis.surgery_delay", p.delay < 0, "must be zero or positive")
    bad("treatment.kill_dormant", (p.kill_dormant < 0) | (p.kill_dormant > 1), "must be in [0, 1]")
    bad("organs.*.wake", ~(p.omega > 0), "must be positive")
    bad("organs.*.dormant_death", ~(p.delta >= 0), "must be zero or positive")  # 0: fits fix it there
    for name, arr in (("arrest_fraction", p.f), ("efficiency", p.eps)):
        bad(f"organs.*.{name}", (arr < 0) | (arr > 1), "must be in [0, 1]")
    bad("organs.*.arrest_fraction", p.f.sum(axis=1) > 1 + 1e-12, "sum above 1")
    bad("diagnosis.size", p.x_dx <= p.x0, "must exceed primary.x0")
    if law != "exponential":
        bad("primary.K", ~(p.K > p.x0), "must exceed primary.x0")
        bad("diagnosis.size", p.x_dx >= p.K, "must be below the carrying capacity primary.K")
