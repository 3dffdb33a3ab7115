"""Per-patient parameter arrays: a model's values with optional per-patient overrides.

``params`` maps dotted keys of :meth:`Model.values` (e.g. ``"shedding.mu"``) to arrays that
broadcast to shape (P,); keys not given take the model's value. ``diagnosis.size`` (cells) and
``diagnosis.diameter_cm`` (cm) are interchangeable. Organ arrays have shape (P, K).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..model import Model
from ..model.batch import broadcast


@dataclass(frozen=True)
class Patients:
    """Parameters of P patients, years and cells; organ arrays (P, K) in model organ order."""

    law: str                 # primary growth law
    x0: np.ndarray
    rate: np.ndarray
    K: np.ndarray            # primary carrying capacity (inf for exponential)
    size: np.ndarray         # primary size at diagnosis (cells)
    delay: np.ndarray        # diagnosis -> surgery (years)
    mu: np.ndarray
    gamma: np.ndarray
    kappa: np.ndarray
    organs: tuple[str, ...]
    colony_law: tuple[str, ...]
    f: np.ndarray            # arrest fraction (P, K)
    wake: np.ndarray
    dormant_death: np.ndarray
    eps: np.ndarray
    detection: np.ndarray
    lam: np.ndarray          # net colony growth rate
    birth: np.ndarray        # birth rate (birth_death colonies; = lam otherwise)
    colony_K: np.ndarray     # gompertz colonies' K (inf otherwise)
    kill_dormant: np.ndarray
    kill_colony: np.ndarray
    hazard: np.ndarray

    @property
    def n(self) -> int:
        return self.x0.shape[0]

    @property
    def beta(self) -> np.ndarray:
        """Total exit rate of a dormant cell, omega + delta (P, K)."""
        return self.wake + self.dormant_death

    @property
    def survival(self) -> np.ndarray:
        """Probability that a founded colony escapes extinction (P, K)."""
        return np.where(self.birth > 0, self.lam / np.where(self.birth > 0, self.birth, 1.0), 1.0)

    def detection_delay(self) -> np.ndarray:
        """Deterministic founding-to-detection time tau_k (P, K); nan for birth_death organs."""
        out = np.full(self.f.shape, np.nan)
        for k, law in enumerate(self.colony_law):
            if law == "exponential":
                out[:, k] = np.log(self.detection[:, k]) / self.lam[:, k]
            elif law == "gompertz":
                Kc = self.colony_K[:, k]
                out[:, k] = np.log(np.log(Kc) / np.log(Kc / self.detection[:, k])) / self.lam[:, k]
        return out


def resolve(model: Model, params: Mapping[str, object] | None = None) -> Patients:
    """Patient parameter arrays from ``model`` and per-patient overrides ``params``."""
    b = broadcast(model, params)
    P, get = b.P, b.get

    prim = model.primary
    size = b.size()
    K = get("primary.K", np.inf) if prim.growth != "exponential" else np.full(P, np.inf)
    org = model.organs

    organ_arr = b.organ

    laws = tuple(o.growth for o in org)
    rate = organ_arr("rate", np.nan)
    birth = organ_arr("birth", np.nan)
    death = organ_arr("death", np.nan)
    bd = np.array([law == "birth_death" for law in laws])
    lam = np.where(bd, birth - death, rate)
    birth = np.where(bd, birth, 0.0)
    pos = {"primary.rate": get("primary.rate"), "shedding.mu": get("shedding.mu"),
           "circulation.clearance": get("circulation.clearance"), "primary.x0": get("primary.x0")}
    for key, a in pos.items():
        if np.any(a <= 0):
            raise InputError(f"parameter '{key}' must be positive, found {a[a <= 0][0]:g}")
    if np.any(lam <= 0):
        raise InputError("colony net growth rate must be positive (birth > death)")
    if np.any(size <= pos["primary.x0"]) or np.any(size >= K):
        raise InputError("diagnosis size must lie between primary.x0 and primary.K")
    return Patients(
        law=prim.growth, x0=pos["primary.x0"], rate=pos["primary.rate"], K=K, size=size,
        delay=get("diagnosis.surgery_delay", 0.0), mu=pos["shedding.mu"], gamma=get("shedding.gamma", 1.0),
        kappa=pos["circulation.clearance"], organs=model.organ_names, colony_law=laws,
        f=organ_arr("arrest_fraction"), wake=organ_arr("wake"), dormant_death=organ_arr("dormant_death"),
        eps=organ_arr("efficiency"), detection=organ_arr("detection"), lam=lam, birth=birth,
        colony_K=organ_arr("K", np.inf), kill_dormant=get("treatment.kill_dormant", 0.0),
        kill_colony=get("treatment.kill_colony", 0.0), hazard=get("mortality.hazard", 0.0))
