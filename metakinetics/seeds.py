"""The one check of a seed argument, for every verb that draws random numbers (leaf module)."""
from __future__ import annotations

import numpy as np

from .errors import InputError


def _whole(x) -> bool:
    return not isinstance(x, (bool, np.bool_)) and isinstance(x, (int, np.integer)) and x >= 0


def check_seed(seed) -> None:
    """A seed is None, a numpy Generator or SeedSequence, a whole number >= 0 or a non-empty
    sequence of them (numpy's entropy; e.g. [seed, replicate]); not 1.5, -1 or True, which numpy
    refuses with a TypeError / ValueError traceback or takes as 1."""
    if seed is None or isinstance(seed, (np.random.Generator, np.random.SeedSequence)) or _whole(seed):
        return
    if isinstance(seed, (list, tuple)) and seed and all(_whole(s) for s in seed):
        return
    raise InputError(f"seed: expected a whole number >= 0 or a numpy Generator, found {seed!r}")
