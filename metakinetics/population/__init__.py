"""Population incidence over log-normal random effects, with the M0 and landmark reweighting."""
from .core import check_times, closed_form_available, ctc_positivity, incidence, mean_ctc
from .result import IncidenceResult

__all__ = ["IncidenceResult", "check_times", "closed_form_available", "ctc_positivity", "incidence", "mean_ctc"]
