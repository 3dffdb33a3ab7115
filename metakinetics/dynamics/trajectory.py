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

    @property
    def columns(self) -> tuple[str, ...]:
        """Names of the value columns: x, C, D_<organ>..., founded_<organ>..."""
        return ("x", "C", *(f"D_{o}" for o in self.organs), *(f"founded_{o}" for o in self.organs))

    @property
    def values(self) -> np.ndarray:
        """(P, T, columns): x, C, D_k, founded_k of every parameter set."""
        return np.concatenate([self.x[..., None], self.C[..., None], self.D, self.founded], axis=2)

    def table(self, index: int = 0) -> dict[str, np.ndarray]:
        """Parameter set ``index`` as named columns: time, then :attr:`columns`."""
        return {"time": self.times, **dict(zip(self.columns, np.moveaxis(self.values[index], 1, 0)))}

    def to_frame(self):
        """pandas DataFrame: set, time and one column per compartment (needs pandas)."""
        from ..results import frame

        return frame(self.times, self.columns, self.values)
