"""Population incidence over log-normal random effects, with the M0 and landmark reweighting."""
from .checks import check_times, closed_form_available
from .ctc import ctc_positivity, mean_ctc
from .incidence import IncidenceBatch, incidence, incidence_batch
from .result import IncidenceResult

__all__ = ["IncidenceBatch", "IncidenceResult", "check_times", "closed_form_available", "ctc_positivity",
           "incidence", "incidence_batch", "mean_ctc"]
