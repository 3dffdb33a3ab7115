"""How the model meets data: fit set-ups, likelihoods, free parameters, intervals, results.

``fit(path)`` runs a ``fits/NAME/fit.toml`` set-up and returns a :class:`FitResult`;
``write_result`` stores it atomically as JSON.
"""
from __future__ import annotations

from .fit import default_setup_path, fit, organ_summary, resolve_setup_path
from .likelihood import Binomial, CensoredTimeToEvent, LeastSquares, joint_loglik
from .objective import Objective, population_ctc_predictor, population_predictor
from .parameters import FreeParameter, ParameterSet
from .problem import CtcPositive, DataSpec, FitSetup, Problem, build_problem, ctc_draw_volume, load_setup, parse_setup
from .results import Estimate, FitResult, read_result, write_result

__all__ = ["Binomial", "CensoredTimeToEvent", "CtcPositive", "DataSpec", "Estimate", "FitResult", "FitSetup",
           "FreeParameter", "LeastSquares", "Objective", "ParameterSet", "Problem", "build_problem",
           "ctc_draw_volume", "default_setup_path", "fit", "joint_loglik", "load_setup", "organ_summary", "parse_setup",
           "population_ctc_predictor", "population_predictor", "read_result", "resolve_setup_path", "write_result"]
