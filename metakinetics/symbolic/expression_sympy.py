"""Restricted expressions (``model.expressions``) rebuilt as sympy expressions."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..model.expressions import Expression, fold


def to_sympy(expr: Expression | Sequence, symbols: Mapping[str, Any] | None = None):
    """A restricted expression (or its tree) as a sympy expression; names -> given symbols."""
    import sympy as sp

    symbols = dict(symbols or {})
    tree = expr.tree if isinstance(expr, Expression) else expr

    def num(v):
        return sp.Integer(int(v)) if float(v).is_integer() and abs(v) < 1e15 else sp.Float(v, 17)

    def name(n):
        return symbols[n] if n in symbols else symbols.setdefault(n, sp.Symbol(n, real=True))

    ops = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
           "div": lambda a, b: a / b, "pow": lambda a, b: a ** b}
    funcs = {"exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "pow": lambda a, b: a ** b,
             "min": sp.Min, "max": sp.Max}
    return fold(tree, num, name, lambda a: -a, lambda k, a, b: ops[k](a, b),
                lambda f, args: funcs[f](*args))
