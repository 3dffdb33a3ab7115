"""Nodal classes: named ranges of involved regional lymph nodes (the vocabulary of data rows,
model values and the CLI).

The pathological nodal categories of breast cancer (AJCC pN): N0 (no involved node), N1-3, N4-9,
N10+, and N+ (any involved node). A class is a count range lo..hi; hi >= OPEN means no upper bound.
P(class | patient) is metakinetics.incidence.nodes.log_class_probability.
"""
from __future__ import annotations

import numpy as np

from .errors import InputError, did_you_mean

#: a class reaching this many nodes has no upper bound (more are never examined in one axilla)
OPEN = 60
#: the defined nodal classes (count ranges, hi = OPEN: no upper bound); aliases below
CLASSES = {"all": (0, OPEN), "N0": (0, 0), "N1-3": (1, 3), "N4-9": (4, 9), "N10+": (10, OPEN), "N+": (1, OPEN)}
_ALIASES = {"": "all", "0": "N0", "pN0": "N0", "1-3": "N1-3", "pN1": "N1-3", "4-9": "N4-9", "pN2": "N4-9",
            "10+": "N10+", ">=10": "N10+", "pN3": "N10+", "1+": "N+", ">=1": "N+", "N1+": "N+"}


def nodal_class(text) -> tuple[int, int]:
    """(lo, hi) of a nodal class name (N0, N1-3, N4-9, N10+, N+, all; pN0-pN3, 0, 1-3, 4-9, 10+,
    >=10, 1+ as aliases) or of an exact count 0..60 written as a whole number.

    Raises
    ------
    InputError
        For anything else, naming the defined classes.
    """
    raw = str(text).strip()
    name = _ALIASES.get(raw, raw)
    if name in CLASSES:
        return CLASSES[name]
    if raw.isdigit() and int(raw) <= OPEN:
        return int(raw), int(raw)
    raise InputError(f"nodal class '{raw}' is not defined (classes: {', '.join(CLASSES)}, or a count 0-{OPEN})"
                     + did_you_mean(raw, list(CLASSES)))


def class_name(lo: float, hi: float) -> str:
    """The name of the class lo..hi (the defined name, else 'lo-hi' or 'lo+')."""
    for name, (a, b) in CLASSES.items():
        if a == lo and (b == hi or (b >= OPEN and hi >= OPEN)):
            return name
    return f"{lo:g}+" if hi >= OPEN else (f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}")


def selects(lo, hi) -> np.ndarray:
    """Whether the class lo..hi (arrays) leaves some patients out (not 0..open)."""
    return (np.asarray(lo) > 0) | (np.asarray(hi) < OPEN)
