"""What a stochastic simulation returns: every trajectory on the time grid, or their mean and SD."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Ensemble:
    """Simulated trajectories sampled on ``times``.

    ``paths``: (n_paths, T, V) values of the ``names`` (species, then assignment-rule outputs);
    None when only the summary was kept. ``mean``/``sd``: (T, V) across paths (sd with ddof=1).
    ``events``: total reaction events fired (SSA) or steps taken (approximate methods).
    """

    times: np.ndarray
    names: tuple[str, ...]
    mean: np.ndarray
    sd: np.ndarray
    n_paths: int
    method: str
    seed: int | None = None
    paths: np.ndarray | None = field(default=None, repr=False)
    events: int = 0
    info: dict = field(default_factory=dict)

    @property
    def columns(self) -> tuple[str, ...]:
        """Names of the outputs (species, then assignment-rule outputs)."""
        return self.names

    @property
    def values(self) -> np.ndarray:
        """Every path (n_paths, T, outputs) when kept, else the mean across paths (T, outputs)."""
        return self.paths if self.paths is not None else self.mean

    def to_frame(self):
        """pandas DataFrame: path, time and one column per output (the mean and SD columns when
        only the summary was kept) (needs pandas)."""
        from ..results import frame

        if self.paths is None:
            return frame(self.times, self.names, self.mean, extra={"sd": self.sd})
        return frame(self.times, self.names, self.paths, set_name="path")

    def column(self, name: str) -> np.ndarray:
        """All paths of one output, shape (n_paths, T) (needs the paths)."""
        if self.paths is None:
            from ..errors import InputError

            raise InputError("this ensemble kept only the mean and SD (simulate with keep_paths=True)")
        return self.paths[:, :, self.index(name)]

    def index(self, name: str) -> int:
        """Position of the output ``name`` in ``names`` (InputError with a did-you-mean otherwise)."""
        if name not in self.names:
            from ..errors import InputError, did_you_mean

            raise InputError(f"no output '{name}' (outputs: {', '.join(self.names)})" + did_you_mean(name, self.names))
        return self.names.index(name)

    def summary_columns(self) -> dict[str, np.ndarray]:
        """``time`` then ``<name>_mean`` and ``<name>_sd`` for every output."""
        cols = {"time": self.times}
        for i, n in enumerate(self.names):
            cols[f"{n}_mean"] = self.mean[:, i]
            cols[f"{n}_sd"] = self.sd[:, i]
        return cols


def summarise(paths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and SD (ddof=1; 0 for a single path) over the first axis of (n, T, V)."""
    mean = paths.mean(axis=0)
    return mean, paths.std(axis=0, ddof=1) if paths.shape[0] > 1 else np.zeros_like(mean)
