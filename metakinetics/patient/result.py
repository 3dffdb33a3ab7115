"""Prediction: one or more patients' organ risks per scenario, with bands and the between-patient spread."""
from __future__ import annotations

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


def _quote(text: str) -> str:
    """A CSV cell: quoted when it holds a comma, a quote or a line break."""
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


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

    def _arrays(self) -> dict[str, np.ndarray]:
        """The tidy table as arrays (rows: patient, scenario, endpoint, organ, time; NaN where a band or
        the spread is not computed; DMFS = 1 - distant with its band and percentiles mirrored)."""
        P, S, T = len(self.patients), len(self.scenarios), self.times.size
        parts = []
        for e in ("any", "first", "distant", "dmfs"):
            src = "distant" if e == "dmfs" else e
            v = self.values[src]                                   # (P, S, T, K)
            K = v.shape[-1]
            nan = np.full(v.shape, np.nan)
            lo, hi = (self.bands[src] if self.bands is not None else (nan, nan))
            sp = self.spread[src] if self.spread is not None and src in self.spread else np.full(v.shape + (5,), np.nan)
            stats = [sp[..., 1], sp[..., 2], sp[..., 3], sp[..., 4]]
            if e == "dmfs":
                v, lo, hi = 1.0 - v, 1.0 - hi, 1.0 - lo
                stats = [stats[0], 1.0 - stats[3], 1.0 - stats[2], 1.0 - stats[1]]
            organs = ("any distant",) if src == "distant" else self.organs
            shape = (P, S, K, T)

            def lay(a):                                            # (P, S, T, K) -> (P, S, K, T)
                return np.swapaxes(np.asarray(a, dtype=float), 2, 3)
            parts.append({
                "patient": np.broadcast_to(np.array([p.id for p in self.patients], dtype=object)[:, None, None, None],
                                           shape),
                "scenario": np.broadcast_to(np.array(self.scenarios, dtype=object)[None, :, None, None], shape),
                "endpoint": np.full(shape, e, dtype=object),
                "organ": np.broadcast_to(np.array(organs, dtype=object)[None, None, :, None], shape),
                "time": np.broadcast_to(self.times[None, None, None, :], shape),
                "value": lay(v), "lower": lay(lo), "upper": lay(hi), "spread_sd": lay(stats[0]),
                "spread_p10": lay(stats[1]), "spread_p50": lay(stats[2]), "spread_p90": lay(stats[3])})
        # rows ordered patient, scenario, endpoint, organ, time: stack the endpoints on a new axis 2
        out = {}
        for c in COLUMNS:
            blocks = [b[c].reshape(P, S, -1) for b in parts]
            out[c] = np.concatenate(blocks, axis=2).reshape(-1)
        return out

    def columns(self) -> dict[str, list]:
        """The tidy table as columns (one row per patient, scenario, endpoint, organ and time).

        Returns
        -------
        dict
            Column name -> list (None where a band or spread is not computed).
        """
        arrays = self._arrays()
        return {c: [None if (j >= 5 and not math.isfinite(x)) else (float(x) if j >= 4 else x) for x in arrays[c]]
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
        return pd.DataFrame(self._arrays())

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
        """The tidy table as CSV text (12 significant digits; empty cells where not computed).

        Returns
        -------
        str
        """
        a = self._arrays()
        cells = []
        for j, c in enumerate(COLUMNS):
            x = a[c]
            if j < 4:
                quoted = {v: _quote(str(v)) for v in set(x.tolist())}
                cells.append(np.array([quoted[v] for v in x.tolist()], dtype=object))
            else:
                txt = np.char.mod("%.12g", x.astype(float)).astype(object)
                txt[~np.isfinite(x.astype(float))] = ""
                cells.append(txt)
        body = [",".join(r) for r in zip(*cells)]
        return ",".join(COLUMNS) + "\n" + "".join(line + "\n" for line in body)

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
