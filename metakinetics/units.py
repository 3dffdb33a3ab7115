"""Units: the package works in years and cells; model files may say day or month.

Conversions are factors to years. Sizes: 1 cm^3 of tumour holds about 1e9 cells
(Del Monte, Cell Cycle 2009), so a sphere of diameter d cm holds 1e9 * pi/6 * d^3 cells.
"""
from __future__ import annotations

import math

import numpy as np

#: Length of one time unit in years.
YEARS_PER: dict[str, float] = {"year": 1.0, "month": 1.0 / 12.0, "day": 1.0 / 365.25}

#: Cells in one cubic centimetre of tumour.
CELLS_PER_CM3 = 1e9

#: Blood volume of an adult (mL) and the CellSearch draw (mL).
BLOOD_VOLUME_ML = 5000.0
CELLSEARCH_DRAW_ML = 7.5


def diameter_to_cells(diameter_cm):
    """Cells in a spherical tumour of the given diameter (cm)."""
    d = np.asarray(diameter_cm, dtype=float)
    out = CELLS_PER_CM3 * math.pi / 6.0 * d**3
    return float(out) if out.ndim == 0 else out


def cells_to_diameter(cells):
    """Diameter (cm) of a spherical tumour holding the given number of cells."""
    c = np.asarray(cells, dtype=float)
    out = np.cbrt(c * 6.0 / (math.pi * CELLS_PER_CM3))
    return float(out) if out.ndim == 0 else out
