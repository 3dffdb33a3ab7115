"""The data-file vocabulary (docs/data_format.md): columns, organ and endpoint names, event codes.

Aggregate rows are proportions at a time after diagnosis; individual rows are one patient each.
"""
from __future__ import annotations

#: Organ names every data file may use without declaring them ("distant" = any organ,
#: "blood" = circulating tumour cells). A file's metadata may add more (``organs = [...]``).
STANDARD_ORGANS = ("bone", "lung", "liver", "brain", "distant", "blood")

#: Endpoint names of aggregate rows (docs/model.md, "What the clinic sees") plus ``ctc_positive``
#: (share of patients with >= 1 circulating tumour cell in the sampled blood volume).
ENDPOINT_NAMES = ("any", "first", "distant", "at_diagnosis", "site_share", "by_size", "ctc_positive")

#: Endpoints whose values are cumulative in time (must not decrease within a series).
CUMULATIVE = ("any", "first", "distant")

AGGREGATE_REQUIRED = ("time", "organ", "endpoint", "value")
AGGREGATE_OPTIONAL = ("group", "class", "denominator", "events", "lower", "upper", "se", "landmark",
                      "diameter_cm", "status", "note")
#: Numeric optional columns (blank cells mean "not given").
AGGREGATE_NUMERIC = ("denominator", "events", "lower", "upper", "se", "landmark", "diameter_cm")

INDIVIDUAL_REQUIRED = ("id", "time", "event")
#: Event codes of individual rows besides organ names: organ unknown, censored, death without metastasis.
EVENT_CODES = ("distant", "censored", "death")

DATASET_KINDS = ("aggregate", "individual")
LIKELIHOODS = ("binomial", "least_squares", "time_to_event")
