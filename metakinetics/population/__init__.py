"""Population incidence over log-normal random effects, with the M0 and landmark reweighting."""
from .batch import IncidenceBatch, incidence_batch
from .core import check_times, closed_form_available, ctc_positivity, incidence, mean_ctc
from .result import IncidenceResult

__all__ = ["IncidenceBatch", "IncidenceResult", "check_times", "closed_form_available", "ctc_positivity", "incidence", "incidence_batch",
           "mean_ctc"]
