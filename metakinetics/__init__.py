"""metakinetics: kinetics of cancer metastasis, from primary tumour to organ-specific incidence.

Public API (see README.md): load a model, solve it, compute incidence, simulate it, fit it.
"""
from __future__ import annotations

from .errors import (DataError, ExpressionError, FitError, InputError, MetakineticsError,
                     ModelError, ModelFileError, SolverError)
from .model import Model, list_models, load_model

__version__ = "0.1.0"

__all__ = ["DataError", "ExpressionError", "FitError", "InputError", "MetakineticsError", "Model",
           "ModelError", "ModelFileError", "SolverError", "__version__", "list_models",
           "load_model"]
