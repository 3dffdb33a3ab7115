"""The data-file vocabulary (docs/data_format.md): columns, organ and endpoint names, event codes.

Aggregate rows are proportions at a time after diagnosis (``lag`` rows: at a lag after the first
distant metastasis; ``organs_per_relapse`` rows: a mean count of organs, not a proportion);
individual rows are one patient each.
"""
from __future__ import annotations

#: Organ names every data file may use without declaring them ("distant" = any organ,
#: "blood" = circulating tumour cells, "nodes" = regional lymph nodes at surgery, for nodal_share
#: rows). A file's metadata may add more (``organs = [...]``).
STANDARD_ORGANS = ("bone", "lung", "liver", "brain", "distant", "blood", "nodes")

#: Endpoint names of aggregate rows (docs/model.md, "What the clinic sees") plus ``ctc_positive``
#: (share of patients with >= 1 circulating tumour cell in the sampled blood volume) and the
#: clinician endpoints of metakinetics.endpoints: ``organs_per_relapse`` (mean organs per relapsed
#: patient), ``multi_organ`` (share multi-organ at first relapse) and ``lag`` (time from the first
#: distant metastasis to the row's organ, as a CDF over lags in years).
#: ``nodal_share``: share of M0 patients in the row's nodal class (the ``nodes`` column) at surgery.
ENDPOINT_NAMES = ("any", "first", "distant", "at_diagnosis", "site_share", "by_size", "ctc_positive",
                  "organs_per_relapse", "multi_organ", "lag", "nodal_share")

#: Endpoints whose values are cumulative in time (must not decrease within a series); ``lag`` is a
#: distribution function of the lag, so it too may not decrease as the lag grows.
CUMULATIVE = ("any", "first", "distant", "lag")

#: What clinicians read off a cohort after the first relapse (issue 10 item 4): fitted like the
#: others, but their curves are keyed by their options, and lag curves run over lags, not years.
CLINICIAN_ENDPOINTS = ("organs_per_relapse", "multi_organ", "lag")

#: Endpoints whose value is a count, not a proportion (mean organs per relapsed patient, >= 1).
COUNT_ENDPOINTS = ("organs_per_relapse",)

#: Endpoints about all organs at once: their rows have organ ``distant``.
DISTANT_ONLY = ("distant", "by_size", "organs_per_relapse", "multi_organ")

#: Per-row endpoint options (column -> the endpoints that take it; years, positive; blank = the
#: endpoint's default: window 0.25, horizon 10, within 10 -- metakinetics.endpoints).
ROW_OPTIONS = {"window": ("multi_organ",), "horizon": ("lag",), "within": ("lag",)}

AGGREGATE_REQUIRED = ("time", "organ", "endpoint", "value")
#: Numeric optional columns (blank cells mean "not given").
AGGREGATE_NUMERIC = ("denominator", "events", "lower", "upper", "se", "landmark", "diameter_cm", "window",
                     "horizon", "within")

INDIVIDUAL_REQUIRED = ("id", "time", "event")
#: Event codes of individual rows besides organ names: organ unknown, censored, death without metastasis.
EVENT_CODES = ("distant", "censored", "death")

DATASET_KINDS = ("aggregate", "individual")
#: What a data set's rows are for (metadata ``use``): fitted data, or only a comparison (rows that
#: bound the model's endpoint rather than measure it, e.g. 1 - breast-cancer-free interval).
DATASET_USES = ("fit", "compare")
LIKELIHOODS = ("binomial", "least_squares", "time_to_event")
