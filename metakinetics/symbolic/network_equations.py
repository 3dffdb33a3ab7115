"""What sympy derives from a reaction network: stoichiometry, propensities, the mass-action ODE,
the chemical Langevin drift and diffusion, and the linear-noise (first two moments) equations.

Units: whatever the network uses (a model's network: years and cells).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model.network import TIME, Network
from .expression_sympy import to_sympy


@dataclass(frozen=True)
class Symbolic:
    """sympy view of a network: symbols, stoichiometry N (S x R), propensities a (R), time t."""

    t: Any
    species: tuple
    parameters: dict
    N: Any
    propensities: tuple

    @property
    def drift(self):
        """Mass-action ODE right-hand side and CLE drift: N a (S x 1)."""
        import sympy as sp

        return self.N * sp.Matrix(self.propensities)

    @property
    def diffusion(self):
        """CLE diffusion matrix N diag(sqrt(a)) (S x R): dX = N a dt + N diag(sqrt a) dW."""
        import sympy as sp

        return self.N * sp.diag(*[sp.sqrt(a) for a in self.propensities])

    def moments(self):
        """Linear-noise / first-two-moment equations: (dm/dt, dSigma/dt) as sympy matrices in the
        mean m (species symbols) and a symmetric covariance Sigma (symbols Sigma_i_j):
        dm/dt = N a(m), dSigma/dt = J Sigma + Sigma J^T + N diag(a(m)) N^T, J = d(N a)/dm."""
        import sympy as sp

        S = len(self.species)
        sig = sp.Matrix(S, S, lambda i, j: sp.Symbol(f"Sigma_{min(i, j)}_{max(i, j)}", real=True))
        drift = self.drift
        J = drift.jacobian(sp.Matrix(self.species))
        dsig = J * sig + sig * J.T + self.N * sp.diag(*self.propensities) * self.N.T
        return drift, dsig.applyfunc(sp.expand), sig


def symbolic(net: Network, *, substitute: bool = False) -> Symbolic:
    """The network in sympy. With ``substitute`` parameters are replaced by their values (forcings
    are always substituted as functions of t)."""
    import sympy as sp

    t = sp.Symbol(TIME, real=True, nonnegative=True)
    spec = {s.name: sp.Symbol(s.name, real=True, nonnegative=True) for s in net.species}
    pars = {p: sp.Symbol(p, real=True) for p, _ in net.parameters}
    table = {**spec, **pars, TIME: t}
    table.update({name: to_sympy(e, table) for name, e in net.forcings})
    props = [to_sympy(r.propensity, table) for r in net.reactions]
    if substitute:
        vals = {pars[p]: v for p, v in net.parameters if p not in net.dynamic_parameters}
        props = [a.subs(vals) for a in props]
    N = sp.Matrix(net.stoichiometry.T.tolist())
    return Symbolic(t, tuple(spec.values()), pars, N, tuple(props))
