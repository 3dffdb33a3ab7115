"""Solution-method objects (frozen): how a number is computed. The ``api`` verbs accept one in
place of a method name; results record the name."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Method:
    name = "method"


@dataclass(frozen=True)
class ClosedForm(Method):
    """Formulas derived symbolically (exact up to floating point)."""

    name = "closed-form"


@dataclass(frozen=True)
class Numeric(Method):
    """Quadrature / ODE integration with the stated tolerances."""

    name = "numeric"
    rtol: float = 1e-10
    atol: float = 1e-14


@dataclass(frozen=True)
class MonteCarlo(Method):
    """Exact event-level simulation of ``patients`` virtual patients with a seed."""

    name = "monte-carlo"
    patients: int = 100_000
    seed: int | None = None


@dataclass(frozen=True)
class SSA(Method):
    """Gillespie direct method (exact)."""

    name = "ssa"


@dataclass(frozen=True)
class TauLeap(Method):
    """Tau-leaping with fixed leap ``tau`` (years) and a negative-population guard."""

    name = "tau"
    tau: float = 1e-3


@dataclass(frozen=True)
class EulerMaruyama(Method):
    name = "euler-maruyama"
    dt: float = 1e-3


@dataclass(frozen=True)
class Milstein(Method):
    name = "milstein"
    dt: float = 1e-3
