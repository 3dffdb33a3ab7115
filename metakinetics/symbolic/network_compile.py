"""A network's propensities and mass-action ODE compiled once to numpy code
(sympy common-subexpression elimination; cached per network).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..model.network import TIME, Network
from .network_equations import symbolic


def _source(exprs, inputs, name) -> tuple[str, dict]:
    """Python source of f(X, t, out) writing expression j into out[j], X rows = inputs."""
    import sympy as sp
    from sympy.printing.numpy import NumPyPrinter

    printer = NumPyPrinter({"fully_qualified_modules": True, "allow_unknown_functions": False})
    # rename inputs and t to reserved names so no species can shadow the arguments or numpy
    ren = {s: sp.Symbol(f"_in{i}", real=True) for i, s in enumerate(inputs)}
    ren.update({s: sp.Symbol("_t", real=True) for e in exprs for s in e.free_symbols if s.name == TIME})
    exprs = [sp.sympify(e).xreplace(ren) for e in exprs]
    repl, reduced = sp.cse(list(exprs), symbols=sp.numbered_symbols("_c"), optimizations="basic")
    lines = [f"def {name}(_X, _t, _out):", *(f"    _in{i} = _X[{i}]" for i in range(len(inputs))),
             *(f"    {printer.doprint(sym)} = {printer.doprint(e)}" for sym, e in repl),
             *(f"    _out[{j}] = {printer.doprint(e)}" for j, e in enumerate(reduced)), "    return _out"]
    import functools

    return "\n".join(lines) + "\n", {"numpy": np, "functools": functools}


def _compile(src: str, ns: dict, name: str):
    code = compile(src, f"<metakinetics generated {name}>", "exec")
    scope = dict(ns)
    exec(code, scope)  # generated from sympy trees of checked expressions, never from file text
    return scope[name]


@lru_cache(maxsize=64)
def compile_propensities(net: Network):
    """Compiled propensities f(X, t, out): X rows = species then dynamic parameters (shape
    (S + Pdyn, n)), t scalar or (n,), out (R, n). Parameters other than dynamic ones are inlined."""
    sym = symbolic(net, substitute=True)
    inputs = list(sym.species) + [sym.parameters[p] for p in net.dynamic_parameters]
    src, ns = _source(sym.propensities, inputs, "propensities")
    return _compile(src, ns, "propensities")


@lru_cache(maxsize=64)
def compile_ode(net: Network):
    """Mass-action ODE right-hand side f(t, y) -> dy/dt (S,), for scipy's solve_ivp (vectorised y
    of shape (S,) or (S, m) allowed)."""
    prop = compile_propensities(net)
    N = net.stoichiometry.T.astype(float)  # (S, R)
    R = len(net.reactions)
    dyn = np.array([net.parameter_values[p] for p in net.dynamic_parameters], dtype=float)

    def rhs(t, y):
        y = np.asarray(y, dtype=float)
        cols = y.reshape(len(net.species), -1)
        X = np.vstack([cols, np.repeat(dyn[:, None], cols.shape[1], axis=1)]) if dyn.size else cols
        out = np.empty((R, cols.shape[1]))
        prop(X, t, out)
        return (N @ out).reshape(y.shape)

    return rhs
