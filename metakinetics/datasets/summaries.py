"""Aalen-Johansen and Kaplan-Meier summaries of data-set rows. The estimators live in the leaf
module ``metakinetics.cumulative_incidence`` (the cohort simulator uses them too); this name
stays for ``inference.fit``, which imports them from here."""
from ..cumulative_incidence import aalen_johansen, kaplan_meier

__all__ = ["aalen_johansen", "kaplan_meier"]
