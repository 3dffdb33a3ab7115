"""How the model meets data: fit set-ups, likelihoods, free parameters, intervals, results.

``fit(path)`` runs a ``fits/NAME/fit.toml`` set-up and returns a :class:`FitResult` (the fitted
model for any group, parameter draws, predictions); ``write_result`` stores it atomically as JSON;
``fit_bands`` gives the confidence bands of its fitted curves over parameter draws; ``validate``
leaves one data set out at a time, refits and predicts it with 95% prediction bands.
"""
from __future__ import annotations

from .bands import FitBands, find_setup, fit_bands
from .draws import draw_natural, percentile_bands
from .fit import default_setup_path, fit, organ_summary, resolve_setup_path
from .fixed import fixed_model
from .likelihood import BetaBinomial, Binomial, CensoredTimeToEvent, LeastSquares
from .objective import Objective, population_ctc_predictor, population_predictor
from .parameters import FreeParameter, ParameterSet
from .problem import CtcPositive, DataSpec, FitSetup, Problem, build_problem, ctc_draw_volume, load_setup, parse_setup
from .results import Estimate, FitResult, read_result, write_result
from .validation import LeftOut, Validation, validate

__all__ = ["BetaBinomial", "Binomial", "CensoredTimeToEvent", "CtcPositive", "DataSpec", "Estimate", "FitBands",
           "FitResult", "FitSetup",
           "FreeParameter", "LeastSquares", "LeftOut", "Objective", "ParameterSet", "Problem", "build_problem",
           "ctc_draw_volume", "default_setup_path", "draw_natural", "find_setup", "fit", "fit_bands", "fixed_model",
           "load_setup", "organ_summary", "parse_setup", "percentile_bands",
           "population_ctc_predictor", "population_predictor", "read_result", "resolve_setup_path", "Validation",
           "validate", "write_result"]
