"""What the clinic sees: per-patient expected detectable colonies M_k(t) and endpoint terms.

Pure numpy; vectorised over patients (leading axis), times and organs (last axis).
"""
from .colonies import colony_counts, delay_nodes
from .forcing import founded, surgery_time
from .growth import diagnosis_time
from .params import Patients, resolve
from .terms import clinical_grid, terms as endpoint_terms

__all__ = ["Patients", "clinical_grid", "colony_counts", "delay_nodes", "diagnosis_time", "founded",
           "endpoint_terms", "resolve", "surgery_time"]
