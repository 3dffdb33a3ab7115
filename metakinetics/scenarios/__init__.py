"""What-if scenarios: transformations Model -> Model, compared on population incidence with
parameter uncertainty from a fit, swept over parameter draws on any concurrent.futures.Executor
(a local process pool or a Dask cluster) with results identical to a serial run."""
from .compare import Comparison, SweepResult, SweepSpec, compare, rate_ratio, resolve_source, sweep, tabulate
from .periods import EBCTCG_PERIODS, PeriodRateRatios, period_rate_ratios
from .fits import as_fit_summary, fit_result_of, looks_like_fit, read_fit
from .sweep import chunk_ranges, default_workers, make_executor, run_chunks, task_seeds
from .transforms import (EXAMPLES, Adjuvant, Baseline, CTCTherapy, Composite, DormancyMaintenance,
                         EarlierDiagnosis, Endocrine, OrganDrug, Scenario, SetValues, SurgeryDelay, as_scenario,
                         compose, parse_scenario)
from .uncertainty import FitSummary, ParameterDraws, draw_parameters, percentile_bands, summary_from_model

__all__ = ["EBCTCG_PERIODS", "PeriodRateRatios", "period_rate_ratios", "EXAMPLES", "Adjuvant", "Baseline", "CTCTherapy", "Comparison", "Composite",
           "DormancyMaintenance", "EarlierDiagnosis", "Endocrine", "FitSummary", "OrganDrug", "ParameterDraws",
           "Scenario", "SetValues", "SurgeryDelay", "SweepResult", "SweepSpec", "as_fit_summary",
           "as_scenario", "chunk_ranges", "compare", "compose", "default_workers", "draw_parameters",
           "fit_result_of", "looks_like_fit", "make_executor", "read_fit", "parse_scenario", "percentile_bands", "rate_ratio",
           "resolve_source", "run_chunks", "sweep", "tabulate", "summary_from_model", "task_seeds"]
