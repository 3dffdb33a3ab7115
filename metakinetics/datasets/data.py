"""Loaded data sets as frozen values: aggregate proportions and individual patient rows."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np


@dataclass(frozen=True)
class DatasetInfo:
    """Metadata of one data set (the TOML beside the CSV): citation, cohort, endpoint, status."""

    name: str
    kind: str                      # "aggregate" | "individual"
    path: str                      # the CSV file
    sha256: str                    # checksum of the CSV bytes
    title: str = ""
    citation: str = ""
    cohort: str = ""
    endpoint: str = ""
    time_origin: str = "diagnosis"
    time_unit: str = "year"
    status: str = ""
    likelihood: str | None = None  # suggested likelihood
    licence: str = ""
    notes: str = ""
    #: how metastases were looked for (staging at diagnosis, follow-up): what a fit should set
    #: (organs.<k>.staging; docs/model.md, "Staging at diagnosis")
    ascertainment: str = ""
    #: what the cohort's patients received (adjuvant therapy), from the source: what a fit should set
    #: (its case mix's treatment values)
    treatment: str = ""
    organs: tuple[str, ...] = ()   # extra organ names declared by the file
    #: where the source was read (a web address)
    url: str = ""
    #: what the rows are for: "" or "fit" (fitted data), or "compare": the rows are not the model's
    #: endpoint itself (e.g. 1 - breast-cancer-free interval, an upper bound of distant recurrence),
    #: so a fit should name them in ``compare = [...]``, not fit them; ``use_reason`` says why
    use: str = ""
    use_reason: str = ""

    def to_dict(self) -> dict:
        """The metadata as a JSON-ready dict (tuples as lists)."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class AggregateData:
    """Aggregate rows: a proportion ``value`` of patients at ``time`` years (arrays of shape (N,)).

    ``organs_per_relapse`` rows hold a mean count of organs (>= 1) instead of a proportion;
    ``lag`` rows hold a proportion at ``time`` = a lag in years after the first distant metastasis.
    ``window`` (multi_organ), ``horizon`` and ``within`` (lag) are the rows' endpoint options in
    years (NaN: the endpoint's default).

    Blank numeric cells are NaN. ``rows`` holds each row's line number in the file (header = 1),
    so later checks (e.g. a missing denominator) can name the row. ``class_`` holds each row's
    intrinsic class (the ``class`` column; "" for rows about the whole population), ``nodes`` its
    nodal class (N0, N1-3, N4-9, N10+, N+ or a count; "" for every nodal status).
    """

    info: DatasetInfo
    group: np.ndarray
    class_: np.ndarray
    nodes: np.ndarray
    organ: np.ndarray
    endpoint: np.ndarray
    time: np.ndarray
    value: np.ndarray
    denominator: np.ndarray
    events: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    se: np.ndarray
    landmark: np.ndarray
    diameter_cm: np.ndarray
    window: np.ndarray
    horizon: np.ndarray
    within: np.ndarray
    status: np.ndarray
    note: np.ndarray
    rows: np.ndarray
    extra: Mapping[str, np.ndarray] = field(default_factory=dict, compare=False)

    kind = "aggregate"

    def __len__(self) -> int:
        return int(self.value.size)

    @property
    def name(self) -> str:
        """The data set's name (from its metadata)."""
        return self.info.name

    def select(self, mask) -> "AggregateData":
        """The rows where ``mask`` is true (a boolean array of shape (N,))."""
        mask = np.asarray(mask, dtype=bool)
        arrays = {k: getattr(self, k)[mask] for k in _AGG_ARRAYS}
        return replace(self, **arrays, extra={k: v[mask] for k, v in self.extra.items()})

    def groups(self) -> list[str]:
        """Group labels in first-appearance order."""
        return list(dict.fromkeys(self.group.tolist()))

    def sigma(self) -> np.ndarray:
        """Standard error per row: ``se``, else (upper - lower) / (2 x 1.96) from 95% limits, else NaN."""
        from_ci = (self.upper - self.lower) / (2 * 1.959964)
        return np.where(np.isfinite(self.se), self.se, from_ci)

    def event_counts(self) -> np.ndarray:
        """Events per row: the ``events`` column, else value x denominator (NaN without denominator)."""
        return np.where(np.isfinite(self.events), self.events, self.value * self.denominator)


_AGG_ARRAYS = ("group", "class_", "nodes", "organ", "endpoint", "time", "value", "denominator", "events", "lower",
               "upper", "se", "landmark", "diameter_cm", "window", "horizon", "within", "status", "note", "rows")


@dataclass(frozen=True)
class IndividualData:
    """Individual patient rows: ``time`` (years) to ``event`` (an organ name, ``distant`` when the
    organ is unknown, ``death`` without metastasis, or ``censored``), with covariates as strings."""

    info: DatasetInfo
    id: np.ndarray
    time: np.ndarray
    event: np.ndarray
    rows: np.ndarray
    covariates: Mapping[str, np.ndarray] = field(default_factory=dict, compare=False)

    kind = "individual"

    def __len__(self) -> int:
        return int(self.time.size)

    @property
    def name(self) -> str:
        """The data set's name (from its metadata)."""
        return self.info.name

    def select(self, mask) -> "IndividualData":
        """The patients where ``mask`` (bool, one per row) is true, every column filtered alike."""
        mask = np.asarray(mask, dtype=bool)
        return replace(self, id=self.id[mask], time=self.time[mask], event=self.event[mask],
                       rows=self.rows[mask], covariates={k: v[mask] for k, v in self.covariates.items()})

    def covariate(self, name: str) -> np.ndarray:
        """One covariate column as strings (KeyError-free: DataError naming the column)."""
        if name not in self.covariates:
            from ..errors import DataError

            raise DataError(self.info.path, f"no covariate column '{name}' (have: "
                            f"{', '.join(self.covariates) or 'none'})", column=name)
        return self.covariates[name]
