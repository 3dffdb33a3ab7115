"""The daughter kernel of metastasis-to-metastasis seeding, derived with sympy.

A colony founded at age 0 grows as y(a) = e^{lambda a} and sheds A y^gamma' = A e^{g a} cells/year
(g = gamma' lambda). A shed cell leaves the blood after Exp(kappa), arrests in organ j w.p. f_j,
leaves dormancy after Exp(beta_j) and founds a colony w.p. eps_j omega_j / beta_j. Psi(a) is the
expected number of daughter colonies founded in organ j by the mother's age a: the triple
convolution of the source with the two exponential delays, integrated (sums of exponentials).
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp


@lru_cache(maxsize=None)
def daughter_kernel() -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    """Psi(a), expected daughters founded by mother age a (years), and its symbols.

    Returns
    -------
    expr : sympy.Expr
        Psi(a) = c int_0^a int_0^x int_0^r A e^{g q} kappa e^{-kappa (r - q)} beta e^{-beta (x - r)} dq dr dx,
        c = f eps omega / beta (dimensionless), for beta != kappa (the removable singularity is
        avoided numerically as in model.chain).
    symbols : tuple of sympy.Symbol
        (a, A, g, kappa, beta, c).
    """
    a, A, g, kap, beta, c = sp.symbols("a A g kappa beta c", positive=True)
    q, r, x = sp.symbols("q r x", positive=True)
    blood = sp.integrate(A * sp.exp(g * q) * kap * sp.exp(-kap * (r - q)), (q, 0, r), conds="none")
    woken = sp.integrate(sp.expand(blood * beta * sp.exp(-beta * (x - r))), (r, 0, x), conds="none")
    psi = sp.integrate(sp.expand(c * woken), (x, 0, a), conds="none")
    return psi, (a, A, g, kap, beta, c)


def growth_coefficient() -> sp.Expr:
    """Coefficient of c A e^{g a} in Psi(a): kappa beta / (g (g + beta) (g + kappa)), the
    transfer of the growing source through the two exponential delays.

    Returns
    -------
    sympy.Expr
    """
    expr, (a, A, g, kap, beta, c) = daughter_kernel()
    return sp.factor(sp.limit(expr * sp.exp(-g * a) / (c * A), a, sp.oo))
