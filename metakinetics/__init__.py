"""metakinetics: kinetics of cancer metastasis, from primary tumour to organ-specific incidence.

Public API (see README.md): load a model, solve it, compute incidence, simulate it, fit it.
"""
from __future__ import annotations

from .errors import (DataError, ExpressionError, FitError, InputError, MetakineticsError,
                     ModelError, ModelFileError, SolverError)
from ._version import __version__
from .model import Model, list_models, load_model
from .model.case_mix import CaseMix, load_case_mix

#: Verbs loaded on first use, so that ``import metakinetics`` stays light (no sympy/scipy/lmfit).
_LAZY = {
    "solve": ("metakinetics.api", "solve"),
    "simulate": ("metakinetics.api", "simulate"),
    "size_for_risk": ("metakinetics.api", "size_for_risk"),
    "load_dataset": ("metakinetics.datasets", "load_dataset"),
    "list_datasets": ("metakinetics.datasets", "list_datasets"),
    "fit": ("metakinetics.inference", "fit"),
    "compare": ("metakinetics.scenarios", "compare"),
    "parse_scenario": ("metakinetics.scenarios", "parse_scenario"),
    "predict": ("metakinetics.patient", "predict"),
    "Patient": ("metakinetics.patient", "Patient"),
    "read_patients": ("metakinetics.patient", "read_patients"),
}


# The verb ``incidence`` shares its name with the subpackage ``metakinetics.incidence``. Python
# binds a subpackage to its parent's attribute when it is first imported, which would replace
# the verb; importing the (light) subpackage here first means that never happens later. The
# subpackage stays importable as usual (``from metakinetics.incidence import ...``).
from . import incidence as _incidence_subpackage  # noqa: E402,F401


def incidence(model, endpoint="any", times=None, **options):
    """Incidence of ``endpoint`` at ``times`` (years after diagnosis); see :func:`metakinetics.api.incidence`."""
    from .api import incidence as verb

    return verb(model, endpoint, times, **options)


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'metakinetics' has no attribute '{name}'")

__all__ = ["CaseMix", "DataError", "ExpressionError", "FitError", "InputError", "MetakineticsError", "Model",
           "ModelError", "ModelFileError", "Patient", "SolverError", "__version__", "compare", "fit", "incidence",
           "list_datasets", "list_models", "load_case_mix", "load_dataset", "load_model", "parse_scenario", "predict",
           "read_patients", "simulate", "size_for_risk", "solve"]
