"""The model's mathematics as sympy expressions: states, ODE right-hand side, Jacobian, SDE.

Everything here depends only on the model's *structure* (primary growth law and number of
organs), never on numbers, so derived expressions are cached and shared by every parameter set.
State vector (docs/model.md, "One patient"): y = (x, C, D_1..D_K, A_1..A_K), A_k = colonies founded
in organ k so far. Units: years, cells.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from ..model.growth import growth_law

from ..model.spec import PRIMARY_LAWS, Model
from ..errors import ModelError


@dataclass(frozen=True)
class Structure:
    """What the derived equations depend on: the primary growth law and the number of organs."""

    growth: str
    n_organs: int

    def __post_init__(self):
        if self.growth not in PRIMARY_LAWS:
            raise ModelError(f"unknown primary growth law '{self.growth}' (expected one of "
                             f"{', '.join(PRIMARY_LAWS)})")
        if self.n_organs < 1:
            raise ModelError("a model needs at least one organ")

    @classmethod
    def of(cls, model: Model) -> "Structure":
        """The structure of ``model``: its primary growth law and number of organs."""
        return cls(model.primary.growth, len(model.organs))


@dataclass(frozen=True)
class Symbols:
    """sympy symbols of one structure: time, states and parameters (all positive reals)."""

    t: sp.Symbol
    x: sp.Symbol
    C: sp.Symbol
    D: tuple[sp.Symbol, ...]
    A: tuple[sp.Symbol, ...]
    x0: sp.Symbol
    rate: sp.Symbol
    K: sp.Symbol
    mu: sp.Symbol
    gamma: sp.Symbol
    kappa: sp.Symbol
    f: tuple[sp.Symbol, ...]
    omega: tuple[sp.Symbol, ...]
    delta: tuple[sp.Symbol, ...]
    eps: tuple[sp.Symbol, ...]

    @property
    def states(self) -> tuple[sp.Symbol, ...]:
        """State vector (x, C, D_1..D_K, A_1..A_K)."""
        return (self.x, self.C) + self.D + self.A

    @property
    def params(self) -> tuple[sp.Symbol, ...]:
        """Parameter vector of the compiled functions, in :data:`PARAM_ORDER` order."""
        return (self.x0, self.rate, self.K, self.mu, self.gamma, self.kappa) + self.f + self.omega \
            + self.delta + self.eps


@lru_cache(maxsize=None)
def symbols(structure: Structure) -> Symbols:
    """The symbols of a structure (organs numbered 1..K)."""
    pos = dict(positive=True, real=True)
    n = structure.n_organs

    def vec(name):
        return tuple(sp.Symbol(f"{name}_{k + 1}", **pos) for k in range(n))

    return Symbols(
        t=sp.Symbol("t", nonnegative=True, real=True), x=sp.Symbol("x", **pos),
        C=sp.Symbol("C", nonnegative=True, real=True), D=vec("D"), A=vec("A"),
        x0=sp.Symbol("x_0", **pos), rate=sp.Symbol("r", **pos), K=sp.Symbol("K", **pos),
        mu=sp.Symbol("mu", **pos), gamma=sp.Symbol("gamma", **pos), kappa=sp.Symbol("kappa", **pos),
        f=vec("f"), omega=vec("omega"), delta=vec("delta"), eps=vec("epsilon"))


def growth_rate(law: str, x, rate, K):
    """Primary growth law g(x) (cells/year) as a sympy expression, from the law's one definition
    (:mod:`metakinetics.model.growth`): exponential r x, Gompertz r x ln(K/x), logistic r x (1 - x/K)."""
    return growth_law(law).drift(x, rate, K, xp=sp)


def shedding(structure: Structure, x=None):
    """Shedding intensity s = mu x^gamma (cells/year)."""
    s = symbols(structure)
    return s.mu * (s.x if x is None else x) ** s.gamma


@lru_cache(maxsize=None)
def reactions(structure: Structure) -> tuple[tuple[str, dict, sp.Expr], ...]:
    """First-order events of the mean-field compartments: (name, state changes, propensity).

    Shedding (C+1), arrest in k (C-1, D_k+1), loss in blood (C-1), founding in k (D_k-1, A_k+1),
    abortive wake-up in k and dormant death in k (D_k-1). Primary growth is deterministic here.
    """
    s = symbols(structure)
    out = [("shed", {s.C: 1}, shedding(structure))]
    out += [(f"arrest_{k + 1}", {s.C: -1, s.D[k]: 1}, s.kappa * s.f[k] * s.C) for k in range(structure.n_organs)]
    out.append(("loss", {s.C: -1}, s.kappa * (1 - sum(s.f)) * s.C))
    for k in range(structure.n_organs):
        out.append((f"found_{k + 1}", {s.D[k]: -1, s.A[k]: 1}, s.eps[k] * s.omega[k] * s.D[k]))
        out.append((f"abort_{k + 1}", {s.D[k]: -1}, (1 - s.eps[k]) * s.omega[k] * s.D[k]))
        out.append((f"die_{k + 1}", {s.D[k]: -1}, s.delta[k] * s.D[k]))
    return tuple(out)


@lru_cache(maxsize=None)
def ode_rhs(structure: Structure, primary: bool = True) -> sp.Matrix:
    """dy/dt for y = (x, C, D, A); with ``primary=False`` the primary is removed (x = 0, no shedding)."""
    s = symbols(structure)
    rhs = [growth_rate(structure.growth, s.x, s.rate, s.K) if primary else sp.Integer(0)]
    rhs.append((shedding(structure) if primary else 0) - s.kappa * s.C)
    rhs += [s.kappa * s.f[k] * s.C - (s.omega[k] + s.delta[k]) * s.D[k] for k in range(structure.n_organs)]
    rhs += [s.eps[k] * s.omega[k] * s.D[k] for k in range(structure.n_organs)]
    return sp.Matrix(rhs)


@lru_cache(maxsize=None)
def jacobian(structure: Structure, primary: bool = True) -> sp.Matrix:
    """d(rhs)/dy, analytic (used by the stiff ODE solvers)."""
    return ode_rhs(structure, primary).jacobian(sp.Matrix(symbols(structure).states))


@lru_cache(maxsize=None)
def sde(structure: Structure) -> tuple[sp.Matrix, sp.Matrix]:
    """Chemical-Langevin SDE dy = drift dt + G dW: drift = S a, G = S diag(sqrt(a)), one noise per event.

    E.g. the circulation row gives dC = (s - kappa C) dt + sqrt(s + kappa C) dW in distribution.
    The primary x is deterministic (its row of G is zero).
    """
    s = symbols(structure)
    states = s.states
    reacts = reactions(structure)
    S = sp.zeros(len(states), len(reacts))
    for j, (_, change, _) in enumerate(reacts):
        for var, v in change.items():
            S[states.index(var), j] = v
    a = sp.Matrix([r[2] for r in reacts])
    drift = S * a
    drift[0] = growth_rate(structure.growth, s.x, s.rate, s.K)
    G = S * sp.diag(*[sp.sqrt(ai) for ai in a])
    return drift, G

