"""IncidenceResult: one endpoint's values over time (or diameter), per organ or 'distant'."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..endpoints import BySize, Endpoint, Lag, Landmark
from ..errors import InputError, did_you_mean


@dataclass(frozen=True)
class IncidenceResult:
    """values[i, j]: probability at times[i] (years after diagnosis; diameters in cm for by_size)
    for columns[j] (organ names, or ('distant',)). se: Monte Carlo standard errors or None.
    by_class: for a model with classes asked ``by_class=True``, each class's own result (the
    values above are the pooled mixture)."""

    endpoint: Endpoint
    times: np.ndarray
    columns: tuple[str, ...]
    values: np.ndarray
    se: np.ndarray | None
    method: str
    model: str
    info: dict = field(default_factory=dict, compare=False)
    by_class: dict | None = field(default=None, compare=False)

    def column(self, name: str) -> np.ndarray:
        """Values (T,) of one column (an organ name or 'distant')."""
        if name not in self.columns:
            raise InputError(f"unknown organ '{name}' (columns: {', '.join(self.columns)})"
                             + did_you_mean(name, self.columns))
        return self.values[:, self.columns.index(name)]

    def to_frame(self):
        """pandas DataFrame: time (diameter_cm for by_size, lag for lag), one column per organ (or distant), and
        ``<column>_se`` for Monte Carlo (needs pandas)."""
        from ..results import frame

        return frame(self.times, self.columns, self.values, extra={"se": self.se} if self.se is not None else None,
                     time_name="diameter_cm" if isinstance(self.endpoint, BySize)
                     else "lag" if isinstance(self.endpoint, Lag) else "time")

    def to_dict(self) -> dict:
        """The result as a JSON-ready dict: the endpoint (with landmark and horizon), times, columns,
        values, se, method, model.
        """
        ep = self.endpoint
        desc = {"name": ep.name}
        inner = ep
        if isinstance(ep, Landmark):
            desc.update(inner=ep.inner.name, at=ep.at)
            inner = ep.inner
        for opt in ("horizon", "window", "within"):          # the endpoint's options (by_size, multi_organ, lag)
            if opt in getattr(inner, "__dataclass_fields__", {}):
                desc[opt] = getattr(inner, opt)
        return {"endpoint": desc, "times": self.times.tolist(), "columns": list(self.columns),
                "values": self.values.tolist(),
                "se": None if self.se is None else self.se.tolist(),
                "method": self.method, "model": self.model, **({"info": self.info} if self.info else {}),
                **({"by_class": {c: r.to_dict() for c, r in self.by_class.items()}} if self.by_class else {})}
