"""What the clinic sees: per-patient expected detectable colonies M_k(t) and endpoint terms.

Pure numpy; vectorised over patients (leading axis), times and organs (last axis). Parameters
come resolved from :func:`metakinetics.model.params.resolve`.
"""
from .colonies import colony_counts, delay_nodes, diagnosis_counts
from ..model.chain import circulating, founded
from .terms import clinical_grid, terms as endpoint_terms

__all__ = ["circulating", "clinical_grid", "colony_counts", "delay_nodes", "diagnosis_counts", "endpoint_terms", "founded"]
