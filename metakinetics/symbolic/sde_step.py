"""An SDE's Euler-Maruyama or Milstein step, derived with sympy and compiled to a tape of numpy
ufunc calls writing into preallocated buffers (no temporaries in the hot loop)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..errors import ModelError
from ..model.network import TIME
from .expression_sympy import to_sympy
from .sde_spec import SDESpec


def sde_symbolic(spec: SDESpec):
    """(states, drift, diffusion, d diffusion/d state) as sympy, parameters substituted."""
    import sympy as sp

    table = {s: sp.Symbol(s, positive=True) for s in spec.states}
    table[TIME] = sp.Symbol(TIME, nonnegative=True)
    for p, v in spec.parameters:
        table[p] = sp.Float(v, 17)
    states = [table[s] for s in spec.states]
    f = [sp.expand_log(to_sympy(e, dict(table)), force=True) for e in spec.drift]
    g = [to_sympy(e, dict(table)) for e in spec.diffusion]
    dg = [sp.diff(gi, xi) for gi, xi in zip(g, states)]
    return states, f, g, dg


@lru_cache(maxsize=64)
def compile_sde_step(spec: SDESpec, scheme: str):
    """An in-place step for every state: x <- x + f dt + g dW (+ 1/2 g g' (dW^2 - dt) for Milstein),
    compiled from sympy to a tape of numpy ufunc calls writing into preallocated buffers (no
    temporaries in the hot loop). ``make(n)`` -> step(X (S, n), t, dt, Z (S, n)) with Z standard
    normals (dW = sqrt(dt) Z)."""
    import sympy as sp

    if scheme not in ("euler", "milstein"):
        raise ModelError(f"unknown SDE scheme '{scheme}' (euler or milstein)")
    states, f, g, dg = sde_symbolic(spec)
    dt = sp.Symbol("_dt", positive=True)
    Z = [sp.Symbol(f"_Z{i}", real=True) for i in range(len(states))]
    dW = [sp.sqrt(dt) * z for z in Z]   # the step is fed standard normals; sqrt(dt) folds into constants
    t = sp.Symbol(TIME, nonnegative=True)
    new = []
    for i, x in enumerate(states):
        inc = f[i] * dt + g[i] * dW[i]
        if scheme == "milstein":
            inc += sp.Rational(1, 2) * g[i] * dg[i] * (dW[i] ** 2 - dt)
        # the new value, factored by x where the noise is multiplicative: x (1 + ...) needs
        # fewer passes over the arrays than x + x(...)
        new.append(sp.collect(sp.expand(x + inc), x))
    return _Tape(new, states, Z, t, dt)


class _Tape:
    """A straight-line program of numpy ufuncs with out= buffers computing the new state values."""

    def __init__(self, exprs, states, dW, t, dt):
        import sympy as sp

        repl, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("_c"), optimizations="basic")
        self.inputs = {**{s: ("X", i) for i, s in enumerate(states)}, **{w: ("W", i) for i, w in enumerate(dW)}}
        self.t, self.dt = t, dt
        self.program = []   # (ufunc, arg refs, out reg)
        self.nreg = 0
        self.regs: dict = {}
        for sym, e in repl:
            self.regs[sym] = self._emit(e)
        self.outputs = [self._emit(e) for e in reduced]

    def _new(self):
        self.nreg += 1
        return ("R", self.nreg - 1)

    def _emit(self, e):
        import sympy as sp

        if e in self.regs:
            return self.regs[e]
        if e in self.inputs:
            return self.inputs[e]
        if e == self.t:
            return ("T",)
        if e == self.dt:
            return ("DT",)
        if e.is_Number:
            return ("C", float(e))
        if e.free_symbols <= {self.t, self.dt}:
            return ("E", e)  # scalar in t and dt: evaluated once per step
        if isinstance(e, (sp.Add, sp.Mul)):
            uf = np.add if isinstance(e, sp.Add) else np.multiply
            scal = [a for a in e.args if a.free_symbols <= {self.t, self.dt}]
            rest = [a for a in e.args if a not in scal]
            acc = self._emit(rest[0])
            for a in rest[1:]:
                r = self._new()
                self.program.append((uf, (acc, self._emit(a)), r))
                acc = r
            if scal:
                r = self._new()
                self.program.append((uf, (acc, ("E", e.func(*scal))), r))
                acc = r
            return acc
        if isinstance(e, sp.Pow):
            base, ex = e.args
            r = self._new()
            if ex == 2:
                self.program.append((np.square, (self._emit(base),), r))
            elif ex == -1:
                self.program.append((np.reciprocal, (self._emit(base),), r))
            elif ex == sp.Rational(1, 2):
                self.program.append((np.sqrt, (self._emit(base),), r))
            else:
                self.program.append((np.power, (self._emit(base), self._emit(ex)), r))
            return r
        funcs = {sp.log: np.log, sp.exp: np.exp}
        if e.func in funcs:
            r = self._new()
            self.program.append((funcs[e.func], (self._emit(e.args[0]),), r))
            return r
        raise ModelError(f"SDE expression '{e}' uses an operation the step compiler does not support")

    def make(self, n: int):
        """A step function over n paths with its own buffers: step(X, t, dt, W) updates X in place."""
        import sympy as sp

        regs = np.empty((max(self.nreg, 1), n))
        scalars = {}
        program = list(self.program)
        outputs = list(self.outputs)
        direct = (len(outputs) == 1 and program and outputs[0] == program[-1][2])
        if direct:  # one state: the last instruction writes the new value straight into X
            uf, args, _ = program[-1]
            program[-1] = (uf, args, ("X", 0))
        t_sym, dt_sym = self.t, self.dt
        exprs = {ref[1] for ins in program for ref in ins[1] if ref[0] == "E"}
        exprs |= {o[1] for o in outputs if o[0] == "E"}
        fns = {e: sp.lambdify((t_sym, dt_sym), e, "math") for e in exprs}

        def step(X, t, dt, W):
            for e, fn in fns.items():
                scalars[e] = fn(t, dt)

            def val(ref):
                k = ref[0]
                if k == "R":
                    return regs[ref[1]]
                if k == "X":
                    return X[ref[1]]
                if k == "W":
                    return W[ref[1]]
                if k == "C":
                    return ref[1]
                if k == "T":
                    return t
                if k == "DT":
                    return dt
                return scalars[ref[1]]

            for uf, args, out in program:
                uf(*[val(a) for a in args], out=val(out))
            if not direct:
                new = [np.array(val(o), copy=True) for o in outputs]
                for i, v in enumerate(new):
                    X[i] = v
            return X

        return step
