"""What the clinic sees: per-patient expected detectable colonies M_k(t) and endpoint terms.

Pure numpy; vectorised over patients (leading axis), times and organs (last axis). Parameters
come resolved from :func:`metakinetics.model.params.resolve`.
"""
from .colonies import colony_counts, delay_nodes
from ..model.chain import circulating, founded
from .terms import clinical_grid, terms as endpoint_terms

__all__ = ["circulating", "clinical_grid", "colony_counts", "delay_nodes", "endpoint_terms", "founded"]
