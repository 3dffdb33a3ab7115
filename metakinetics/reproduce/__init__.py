"""Does a committed fit result still come out of the code and data that claim it?

:func:`rerun` fits a set-up again (into a temporary folder, never over the committed result) and
:func:`compare_results` lists every data checksum, estimate, 95% limit, log-likelihood and AIC that
differs from the recorded ``result.json`` beyond :class:`Tolerance`.
"""
from __future__ import annotations

from .compare import Difference, Tolerance, compare_results
from .rerun import Reproduction, read_recorded, rerun

__all__ = ["Difference", "Reproduction", "Tolerance", "compare_results", "read_recorded", "rerun"]
