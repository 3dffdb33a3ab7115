"""Closed forms of model.md section 6: each one differentiates back to its ODE, and the textbook
formulas come out of sympy. Symbolic checks are exact (simplify to 0) or, where sympy cannot
simplify, numeric at random points with tolerance 1e-9 relative (float64 evaluation of O(10) terms)."""
import numpy as np
import pytest
import sympy as sp

from metakinetics.symbolic import closed_forms as cf
from metakinetics.symbolic.derive import Structure, growth_rate, ode_rhs, symbols

LAWS = ("exponential", "gompertz", "logistic")


def _numeric_zero(expr, s, rng_seed=1):
    """expr evaluated at random positive parameters (scaled by a reference) is ~0."""
    rng = np.random.default_rng(rng_seed)
    free = sorted(expr.free_symbols, key=str)
    for _ in range(5):
        vals = {sym: float(rng.uniform(0.2, 2.0)) for sym in free}
        if s.K in vals:
            vals[s.K] = 1e6
        if s.kappa in vals:
            vals[s.kappa] = 50.0
        v = complex(expr.evalf(subs=vals))
        assert abs(v) < 1e-9, (expr, vals, v)


@pytest.mark.parametrize("law", LAWS)
def test_primary_size_solves_growth_ode(law):
    s = symbols(Structure(law, 1))
    x = cf.primary_size(Structure(law, 1)).expr
    resid = sp.diff(x, s.t) - growth_rate(law, x, s.rate, s.K)
    assert sp.simplify(sp.expand_log(resid, force=True)) == 0 or _numeric_zero(resid, s) is None
    assert sp.simplify(x.subs(s.t, 0) - s.x0) == 0


def test_gompertz_time_to_size_is_textbook():
    # textbook (e.g. Norton 1988): t = (1/alpha) ln( ln(K/x0) / ln(K/x) )
    st = Structure("gompertz", 1)
    s = symbols(st)
    textbook = sp.log(sp.log(s.K / s.x0) / sp.log(s.K / s.x)) / s.rate
    got = cf.diagnosis_time(st).expr
    assert sp.simplify(sp.expand_log(got - textbook, force=True)) == 0


def test_exponential_and_logistic_time_to_size():
    for law, textbook in (("exponential", lambda s: sp.log(s.x / s.x0) / s.rate),
                          ("logistic", lambda s: sp.log(s.x * (s.K - s.x0) / (s.x0 * (s.K - s.x))) / s.rate)):
        st = Structure(law, 1)
        s = symbols(st)
        diff = cf.diagnosis_time(st).expr - textbook(s)
        vals = {s.x: 5e5, s.x0: 3.0, s.K: 1e6, s.rate: 0.7}
        assert abs(float(diff.evalf(subs=vals))) < 1e-12


def test_colony_detection_times():
    tau = cf.colony_detection_time("exponential").expr
    s = symbols(Structure("exponential", 1))
    assert sp.simplify(tau - sp.log(s.x) / s.rate) == 0
    g = cf.colony_detection_time("gompertz").expr
    sg = symbols(Structure("gompertz", 1))
    vals = {sg.x: 1e8, sg.K: 1e11, sg.rate: 0.9}
    expected = np.log(np.log(1e11) / np.log(1e11 / 1e8)) / 0.9
    assert float(g.evalf(subs=vals)) == pytest.approx(expected, rel=1e-12)
    none = cf.colony_detection_time("birth_death")
    assert none.expr is None and "random" in none.reason


@pytest.mark.parametrize("law", ["exponential", "gompertz"])
def test_cumulative_shedding_differentiates_to_shedding(law):
    st = Structure(law, 1)
    s = symbols(st)
    S = cf.cumulative_shedding(st).expr
    x = cf.primary_size(st).expr
    resid = sp.diff(S, s.t) - s.mu * x ** s.gamma
    _numeric_zero(resid, s)
    assert abs(complex(S.subs(s.t, 0).evalf(subs={s.mu: 1, s.x0: 1, s.K: 1e6, s.gamma: 0.7, s.rate: 0.3}))) < 1e-12
    if law == "gompertz":
        assert S.has(sp.Ei)


def test_logistic_cumulative_shedding_has_reason():
    form = cf.cumulative_shedding(Structure("logistic", 1))
    assert form.expr is None and "hypergeometric" in form.reason


def test_chain_closed_form_satisfies_odes():
    st = Structure("exponential", 2)
    s = symbols(st)
    ch = cf.chain(st)
    x = cf.primary_size(st).expr
    C, D, A = ch["C"].expr, [d.expr for d in ch["D"]], [a.expr for a in ch["A"]]
    rhs = ode_rhs(st)
    sub = {s.x: x, s.C: C, **dict(zip(s.D, D)), **dict(zip(s.A, A))}
    for lhs, r in zip([C] + D + A, list(rhs)[1:]):
        assert sp.simplify(sp.diff(lhs, s.t) - r.xreplace(sub)) == 0
    for e in [C] + D + A:  # empty start
        assert sp.simplify(e.subs(s.t, 0)) == 0


def test_chain_absent_for_gompertz_with_reason():
    ch = cf.chain(Structure("gompertz", 1))
    assert ch["C"].expr is None and "no closed form" in ch["C"].reason


def test_free_decay_satisfies_odes():
    st = Structure("gompertz", 1)
    s = symbols(st)
    fd = cf.free_decay(st)
    rhs = ode_rhs(st, primary=False)
    sub = {s.C: fd["C"], s.D[0]: fd["D"][0], s.A[0]: fd["A"][0]}
    for lhs, r in zip([fd["C"], fd["D"][0], fd["A"][0]], list(rhs)[1:]):
        assert sp.simplify(sp.diff(lhs, s.t) - r.xreplace(sub)) == 0
    assert sp.simplify(fd["D"][0].subs(s.t, 0) - fd["D0"][0]) == 0
