"""The one check of a seed argument, for every verb that draws random numbers (leaf module)."""
from __future__ import annotations

import numpy as np

from .errors import InputError


def check_seed(seed) -> None:
    """A seed is None, a numpy Generator or a whole number >= 0 (not 1.5, not -1, not True):
    numpy's own refusal of these is a TypeError / ValueError traceback."""
    if seed is None or isinstance(seed, np.random.Generator):
        return
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed: expected a whole number >= 0 or a numpy Generator, found {seed!r}")
