"""The result of a deterministic solve: expected compartment contents over time (frozen)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Trajectory:
    """Expected state of P parameter sets at T times (years since the primary was x0 cells).

    x, C: (P, T) cells; D: (P, T, K) dormant cells; founded: (P, T, K) expected colonies founded
    by t (integral of eps omega D); founding_rate: (P, T, K) colonies/year. Values at the surgery
    time t_s are taken just after surgery (x = 0, dormant pools already reduced by kill_dormant).
    """

    times: np.ndarray
    organs: tuple[str, ...]
    x: np.ndarray
    C: np.ndarray
    D: np.ndarray
    founded: np.ndarray
    founding_rate: np.ndarray
    t_dx: np.ndarray
    t_s: np.ndarray
    method: str

    def columns(self, index: int = 0) -> dict[str, np.ndarray]:
        """Parameter set ``index`` as named columns: time, x, C, D_<organ>..., founded_<organ>..."""
        cols = {"time": self.times, "x": self.x[index], "C": self.C[index]}
        for k, name in enumerate(self.organs):
            cols[f"D_{name}"] = self.D[index, :, k]
        for k, name in enumerate(self.organs):
            cols[f"founded_{name}"] = self.founded[index, :, k]
        return cols
