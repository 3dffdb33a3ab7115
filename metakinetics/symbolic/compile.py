"""sympy expressions -> vectorised numpy callables (lambdify with cse), compiled once per structure.

Caches are keyed by :class:`~metakinetics.symbolic.derive.Structure` (growth law, organ count),
so every model and parameter set with the same structure shares one compiled function.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from . import closed_forms as cf
from .derive import Structure, jacobian, ode_rhs, symbols


def _lambdify(args, expr):
    return sp.lambdify(args, expr, modules="numpy", cse=True)


@lru_cache(maxsize=None)
def ode_functions(structure: Structure, primary: bool = True):
    """(rhs, jac): ``rhs(t, y, *params) -> list`` and ``jac(t, y, *params) -> nested list``, y = states."""
    s = symbols(structure)
    args = [s.t, list(s.states), *s.params]
    return _lambdify(args, list(ode_rhs(structure, primary))), _lambdify(args, jacobian(structure, primary).tolist())


@lru_cache(maxsize=None)
def chain(structure: Structure):
    """Closed-form ``(C, D_1..D_K, A_1..A_K)(t, *params)`` (cells, t in years) from an empty start.

    Exists for an exponential primary only; None for the other growth laws (no closed form).
    """
    forms = cf.chain(structure)
    if not forms["C"].available:
        return None
    s = symbols(structure)
    exprs = [forms["C"].expr] + [d.expr for d in forms["D"]] + [a.expr for a in forms["A"]]
    return _lambdify([s.t, *s.params], exprs)


@lru_cache(maxsize=None)
def free_decay(structure: Structure):
    """``(C, D_1..D_K, A_1..A_K)(t, C0, D0_1.., A0_1.., *params)`` after surgery (no shedding).

    The compartments (cells) ``t`` years after the primary is removed, from their values then.
    """
    fd = cf.free_decay(structure)
    s = symbols(structure)
    exprs = [fd["C"]] + list(fd["D"]) + list(fd["A"])
    return _lambdify([s.t, fd["C0"], *fd["D0"], *fd["A0"], *s.params], exprs)
