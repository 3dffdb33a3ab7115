"""Prediction: one or more patients' organ risks per scenario, with bands and the between-patient spread."""
from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .spec import Patient

#: what each endpoint of a prediction is (the rows of its table)
MEANINGS = {"any": "cumulative incidence of a metastasis in the organ (competing organs not removed)",
            "first": "probability that the organ is among the first sites of distant metastasis",
            "distant": "probability of any distant metastasis",
            "dmfs": "distant-metastasis-free survival (1 - distant; death from other causes not counted)"}
#: the table's columns, in order
COLUMNS = ("patient", "scenario", "endpoint", "organ", "time", "value", "lower", "upper", "spread_sd",
           "spread_p10", "spread_p50", "spread_p90")


@dataclass(frozen=True)
class Prediction:
    """Organ risks of ``patients`` (years after diagnosis ``times``) under the baseline and each
    scenario.

    ``values[e]`` (P, S, T, K) for e in any, first (K organs) and distant (K = 1); ``bands[e]`` (lower,
    upper) percentiles of the fit's parameter draws at ``level`` (None without draws);
    ``spread[e]`` (P, S, T, K, 5) for any and distant: the posterior mean, SD, 10th, 50th and 90th
    percentile of the own risk of patients with her covariates (None when not asked); ``unused``:
    per patient, covariates the model cannot use and why; ``notes``: per scenario, whether it
    re-observes the patient (it changes the course before surgery)."""

    patients: tuple[Patient, ...]
    source: str
    model: str
    scenarios: tuple[str, ...]
    descriptions: tuple[str, ...]
    notes: tuple[str, ...]
    times: np.ndarray
    organs: tuple[str, ...]
    values: dict
    bands: dict | None
    spread: dict | None
    unused: tuple[dict, ...]
    level: float | None
    draws: int
    method: str
    nodes: object = None
    diameter_grid: int | None = None

    def __len__(self) -> int:
        return len(self.patients)

    def _rows(self):
        """(patient, scenario, endpoint, organ, time, value, lower, upper, sd, p10, p50, p90) tuples."""
        for i, p in enumerate(self.patients):
            for s, label in enumerate(self.scenarios):
                for e in ("any", "first", "distant", "dmfs"):
                    src = "distant" if e == "dmfs" else e
                    cols = self.organs if src != "distant" else ("distant",)
                    v = self.values[src][i, s]
                    lo = hi = None
                    if self.bands is not None:
                        lo, hi = self.bands[src][0][i, s], self.bands[src][1][i, s]
                    sp = None if self.spread is None or src not in self.spread else self.spread[src][i, s]
                    for j, organ in enumerate(cols):
                        for k, t in enumerate(self.times):
                            val = v[k, j]
                            lower = None if lo is None else lo[k, j]
                            upper = None if hi is None else hi[k, j]
                            stats = [None] * 4 if sp is None else [sp[k, j, 1], sp[k, j, 2], sp[k, j, 3], sp[k, j, 4]]
                            if e == "dmfs":
                                val = 1.0 - val
                                lower, upper = (None if upper is None else 1.0 - upper,
                                                None if lower is None else 1.0 - lower)
                                if sp is not None:
                                    stats = [stats[0], 1.0 - stats[3], 1.0 - stats[2], 1.0 - stats[1]]
                            yield (p.id, label, e, "any distant" if e in ("distant", "dmfs") else organ, float(t),
                                   val, lower, upper, *stats)

    def columns(self) -> dict[str, list]:
        """The tidy table as columns (one row per patient, scenario, endpoint, organ and time).

        Returns
        -------
        dict
            Column name -> list (None where a band or spread is not computed).
        """
        rows = list(self._rows())
        return {c: [None if r[j] is None else (float(r[j]) if j >= 4 else r[j]) for r in rows]
                for j, c in enumerate(COLUMNS)}

    def to_frame(self):
        """pandas DataFrame of the tidy table (needs pandas).

        Returns
        -------
        pandas.DataFrame
            Columns ``COLUMNS``; NaN where a band or spread is not computed.
        """
        try:
            import pandas as pd
        except ImportError:
            raise InputError("to_frame needs pandas (pip install pandas)") from None
        cols = self.columns()
        return pd.DataFrame({k: [math.nan if x is None else x for x in v] if k not in COLUMNS[:4] else v
                             for k, v in cols.items()})

    def meta(self) -> dict:
        """What the prediction is for and how it was made.

        Returns
        -------
        dict
            source, model, patients (id, covariates, unused), scenarios (label, description, note),
            level, draws, method, nodes, diameter_grid, and what each endpoint means.
        """
        return {"source": self.source, "model": self.model,
                "patients": [{"id": p.id, "covariates": p.describe(), "diameter_cm": p.diameter_cm,
                              "nodes": p.nodes, "subtype": p.subtype, "treatment": p.treatment,
                              "not_used": dict(u)} for p, u in zip(self.patients, self.unused)],
                "scenarios": [{"label": s, "description": d, "note": n}
                              for s, d, n in zip(self.scenarios, self.descriptions, self.notes)],
                "times": [float(t) for t in self.times], "organs": list(self.organs),
                "level": self.level, "draws": self.draws, "method": self.method,
                "nodes": self.nodes, "diameter_grid": self.diameter_grid,
                "bands": "percentiles of the fit's parameter draws" if self.bands is not None else
                "none (no draws, or a model without parameter uncertainty)",
                "spread": "posterior of the own risk of patients with these covariates: SD and 10/50/90th "
                          "percentiles (any and distant)" if self.spread is not None else "not computed",
                "endpoints": dict(MEANINGS)}

    def to_json(self) -> str:
        """Metadata and the tidy table as JSON text (null where not computed).

        Returns
        -------
        str
        """
        def clean(x):
            return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x

        out = self.meta()
        out["table"] = {k: [clean(x) for x in v] for k, v in self.columns().items()}
        return json.dumps(out, indent=1) + "\n"

    def to_csv(self) -> str:
        """The tidy table as CSV text (empty cells where not computed).

        Returns
        -------
        str
        """
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(COLUMNS)
        for r in self._rows():
            w.writerow(["" if x is None else (repr(float(x)) if j >= 4 else x) for j, x in enumerate(r)])
        return buf.getvalue()

    def patient(self, i: int) -> "Prediction":
        """Patient ``i`` alone.

        Parameters
        ----------
        i : int
            Index among ``patients``.

        Returns
        -------
        Prediction
        """
        def cut(d):
            if d is None:
                return None
            return {k: (tuple(a[i:i + 1] for a in v) if isinstance(v, tuple) else v[i:i + 1]) for k, v in d.items()}

        from dataclasses import replace

        return replace(self, patients=self.patients[i:i + 1], values=cut(self.values), bands=cut(self.bands),
                       spread=cut(self.spread), unused=self.unused[i:i + 1])

    def value(self, endpoint: str, organ: str = "distant", scenario: int | str = 0, patient: int = 0) -> np.ndarray:
        """Values over time of one endpoint, organ and scenario for one patient.

        Parameters
        ----------
        endpoint : str
            any, first or distant.
        organ : str
            An organ (any, first) or "distant".
        scenario : int or str
            Index or label (0: the baseline).
        patient : int
            Index among ``patients``.

        Returns
        -------
        numpy.ndarray
            (T,) probabilities.
        """
        if endpoint not in self.values:
            raise InputError(f"endpoint '{endpoint}': one of {', '.join(self.values)}")
        s = self.scenarios.index(scenario) if isinstance(scenario, str) else int(scenario)
        cols = ("distant",) if endpoint == "distant" else self.organs
        if organ not in cols:
            raise InputError(f"organ '{organ}': one of {', '.join(cols)}")
        return self.values[endpoint][patient, s, :, cols.index(organ)]
