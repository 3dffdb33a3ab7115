"""Closed forms of docs/model.md ("Where closed forms exist"), derived with sympy (None with the
reason where none exists).

Primary size x(t), diagnosis time for a size, colony time to detection tau_k, cumulative shedding,
the linear chain C, D_k, A_k under exponential forcing (sums of exponentials) and the quasi-steady
circulation reduction C ~ s/kappa with its error bound. Years and cells throughout.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from .derive import Structure, growth_rate, symbols


@dataclass(frozen=True)
class ClosedForm:
    """A derived formula, or ``expr=None`` with ``reason`` saying why no closed form exists."""

    name: str
    expr: sp.Expr | None
    reason: str = ""

    @property
    def available(self) -> bool:
        """Whether a closed form exists (else ``reason`` says why not)."""
        return self.expr is not None


def _none(name: str, reason: str) -> ClosedForm:
    return ClosedForm(name, None, reason)


@lru_cache(maxsize=None)
def _time_to_size(law: str) -> sp.Expr:
    """t(x) = integral_{x0}^{x} d xi / g(xi): time for the primary to grow from x0 to x (years)."""
    s = symbols(Structure(law, 1))
    xi = sp.Symbol("xi", positive=True)
    t = sp.integrate(1 / growth_rate(law, xi, s.rate, s.K), (xi, s.x0, s.x), conds="none")
    if law == "logistic":  # sympy gives log(x - K) - log(x0 - K): combine into one real log
        return sp.log(sp.factor(sp.exp(sp.expand(t * s.rate)))) / s.rate
    return sp.expand_log(sp.simplify(t), force=True)


@lru_cache(maxsize=None)
def primary_size(structure: Structure) -> ClosedForm:
    """x(t) solving x' = g(x), x(0) = x0: the inverse of the time-to-size integral."""
    s = symbols(structure)
    t_of_x = _time_to_size(structure.growth).subs(symbols(Structure(structure.growth, 1)).K, s.K)
    sols = sp.solve(sp.Eq(t_of_x, s.t), s.x)
    if len(sols) != 1:  # pragma: no cover - every supported law inverts uniquely
        return _none("x(t)", f"sympy found {len(sols)} inverses of t(x) for {structure.growth}")
    return ClosedForm("x(t)", sp.simplify(sols[0]))


@lru_cache(maxsize=None)
def diagnosis_time(structure: Structure) -> ClosedForm:
    """t_dx: time (years) at which the primary reaches the size ``x`` (the symbol x is the diagnosis size)."""
    s1 = symbols(Structure(structure.growth, 1))
    s = symbols(structure)
    return ClosedForm("t_dx", _time_to_size(structure.growth).subs(s1.K, s.K))


def colony_detection_time(law: str) -> ClosedForm:
    """tau: years for a colony growing deterministically from 1 cell to ``x`` cells (x_det).

    Exponential (rate r) and Gompertz (rate r, capacity K); birth-death growth is random, so
    no fixed delay exists (its detection law is the survival-and-W law of docs/model.md, "One patient").
    """
    if law == "birth_death":
        return _none("tau", "birth-death colony growth is random: the size at age w is W exp(lambda w), "
                            "so detection has a distribution, not a fixed delay")
    s = symbols(Structure("gompertz" if law == "gompertz" else "exponential", 1))
    return ClosedForm("tau", sp.simplify(_time_to_size(law if law == "gompertz" else "exponential")
                                         .subs(s.x0, 1)))


@lru_cache(maxsize=None)
def cumulative_shedding(structure: Structure) -> ClosedForm:
    """integral_0^t mu x(u)^gamma du (cells): exponentials (exponential primary), Ei (Gompertz)."""
    s = symbols(structure)
    u = sp.Symbol("u", positive=True)
    if structure.growth == "exponential":
        integrand = s.mu * s.x0 ** s.gamma * sp.exp(s.gamma * s.rate * u)
    elif structure.growth == "gompertz":
        # x^gamma = K^gamma exp(c e^{-r u}), c = gamma ln(x0/K) < 0 (x0 < K)
        c = sp.Symbol("c", negative=True)
        val = sp.integrate(sp.exp(c * sp.exp(-s.rate * u)), (u, 0, s.t), conds="none")
        return ClosedForm("S(t)", s.mu * s.K ** s.gamma * val.subs(c, s.gamma * sp.log(s.x0 / s.K)))
    else:
        return _none("S(t)", "logistic primary: integral of (K/(1 + b e^{-rt}))^gamma is a "
                             "hypergeometric function for general gamma (no elementary closed form)")
    return ClosedForm("S(t)", sp.simplify(sp.integrate(integrand, (u, 0, s.t), conds="none")))


# ---- the linear chain under exponential forcing: sums of exponentials --------------------------

def _convolve(terms, lam, t):
    """integral_0^t e^{-lam (t-u)} sum_i c_i e^{a_i u} du = sum_i c_i (e^{a_i t} - e^{-lam t})/(a_i + lam)."""
    out = []
    for c, a in terms:
        out.append((c / (a + lam), a))
        out.append((-c / (a + lam), -lam))
    return out


def _integrate(terms, t):
    """integral_0^t sum_i c_i e^{a_i u} du."""
    return sum(c / a * (sp.exp(a * t) - 1) for c, a in terms)


def _value(terms, t):
    return sum(c * sp.exp(a * t) for c, a in terms)


@lru_cache(maxsize=None)
def chain(structure: Structure) -> dict[str, ClosedForm | tuple[ClosedForm, ...]]:
    """C(t), D_k(t), A_k(t) from an empty start, forced by the primary's shedding mu x(t)^gamma.

    Exponential primary: s = mu x0^gamma e^{gamma r t}, and each stage convolves a sum of
    exponentials with e^{-rate t}, giving sums of exponentials. Otherwise None with the reason.
    """
    s = symbols(structure)
    K = structure.n_organs
    if structure.growth != "exponential":
        why = (f"{structure.growth} primary: the forcing mu x(t)^gamma is not a sum of exponentials, so "
               "the dormancy chain has no closed form (the semi-analytic or ODE solver is used)")
        return {"C": _none("C(t)", why), "D": tuple(_none(f"D_{k + 1}(t)", why) for k in range(K)),
                "A": tuple(_none(f"A_{k + 1}(t)", why) for k in range(K))}
    beta = s.gamma * s.rate
    forcing = [(s.mu * s.x0 ** s.gamma, beta)]
    c_terms = _convolve(forcing, s.kappa, s.t)
    D, A = [], []
    for k in range(K):
        lam = s.omega[k] + s.delta[k]
        d_terms = [(s.kappa * s.f[k] * c, a) for c, a in _convolve(c_terms, lam, s.t)]
        D.append(ClosedForm(f"D_{k + 1}(t)", _value(d_terms, s.t)))
        A.append(ClosedForm(f"A_{k + 1}(t)", s.eps[k] * s.omega[k] * _integrate(d_terms, s.t)))
    return {"C": ClosedForm("C(t)", _value(c_terms, s.t)), "D": tuple(D), "A": tuple(A)}


@lru_cache(maxsize=None)
def free_decay(structure: Structure) -> dict[str, object]:
    """The chain after surgery (no shedding) from a state (C0, D0_k, A0_k) at elapsed time t:
    C = C0 e^{-kappa t}; D_k, A_k sums of exponentials. Returns the symbols and expressions."""
    s = symbols(structure)
    C0 = sp.Symbol("C_s", nonnegative=True)
    D0 = tuple(sp.Symbol(f"D_s{k + 1}", nonnegative=True) for k in range(structure.n_organs))
    A0 = tuple(sp.Symbol(f"A_s{k + 1}", nonnegative=True) for k in range(structure.n_organs))
    c_terms = [(C0, -s.kappa)]
    D, A = [], []
    for k in range(structure.n_organs):
        lam = s.omega[k] + s.delta[k]
        d_terms = [(s.kappa * s.f[k] * c, a) for c, a in _convolve(c_terms, lam, s.t)] + [(D0[k], -lam)]
        D.append(_value(d_terms, s.t))
        A.append(A0[k] + s.eps[k] * s.omega[k] * _integrate(d_terms, s.t))
    return {"C0": C0, "D0": D0, "A0": A0, "C": _value(c_terms, s.t), "D": tuple(D), "A": tuple(A)}


# ---- quasi-steady circulation ------------------------------------------------------------------

@lru_cache(maxsize=None)
def quasi_steady(structure: Structure) -> dict[str, ClosedForm]:
    """C ~ s(t)/kappa, with the bound on its relative error before surgery.

    For a non-decreasing shedding s with d ln s/du <= rho on [0, t], s(t) e^{-rho(t-u)} <= s(u) <= s(t),
    so s(t)(1 - e^{-(kappa+rho)t})/(kappa+rho) <= C(t) <= s(t)(1 - e^{-kappa t})/kappa, hence
    0 <= 1 - kappa C/s <= rho/(kappa + rho) + kappa e^{-(kappa+rho) t}/(kappa + rho)  (<= rho/kappa + e^{-kappa t}).
    rho = gamma r (exponential, logistic), gamma r ln(K/x0) (Gompertz: the largest log-rate, at t = 0).
    """
    s = symbols(structure)
    rho = s.gamma * s.rate * sp.log(s.K / s.x0) if structure.growth == "gompertz" else s.gamma * s.rate
    bound = rho / (s.kappa + rho) + s.kappa * sp.exp(-(s.kappa + rho) * s.t) / (s.kappa + rho)
    return {"C": ClosedForm("C_qs(t)", s.mu * s.x ** s.gamma / s.kappa),
            "rho": ClosedForm("rho", rho),
            "bound": ClosedForm("bound", bound)}
