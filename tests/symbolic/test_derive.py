"""Derived ODE, Jacobian and chemical-Langevin SDE of the compartments."""
import io

import pytest
import sympy as sp

from metakinetics.errors import ModelError
from metakinetics.model import load_model
from metakinetics.symbolic import compile as comp
from metakinetics.symbolic.derive import Structure, jacobian, ode_rhs, sde, symbols
from metakinetics.symbolic.latex import equations


def test_state_vector_and_rhs():
    st = Structure("gompertz", 2)
    s = symbols(st)
    assert s.states == (s.x, s.C, s.D[0], s.D[1], s.A[0], s.A[1])
    rhs = ode_rhs(st)
    assert sp.simplify(rhs[1] - (s.mu * s.x ** s.gamma - s.kappa * s.C)) == 0
    assert sp.simplify(rhs[2] - (s.kappa * s.f[0] * s.C - (s.omega[0] + s.delta[0]) * s.D[0])) == 0
    assert sp.simplify(rhs[4] - s.eps[0] * s.omega[0] * s.D[0]) == 0
    assert ode_rhs(st, primary=False)[0] == 0 and not ode_rhs(st, primary=False)[1].has(s.mu)


def test_jacobian_is_derivative():
    st = Structure("logistic", 1)
    s = symbols(st)
    J = jacobian(st)
    assert sp.simplify(J[1, 1] + s.kappa) == 0
    assert sp.simplify(J[0, 0] - sp.diff(s.rate * s.x * (1 - s.x / s.K), s.x)) == 0


def test_sde_drift_is_ode_and_circulation_noise_is_chemical_langevin():
    st = Structure("exponential", 2)
    s = symbols(st)
    drift, G = sde(st)
    assert sp.simplify(drift - ode_rhs(st)) == sp.zeros(6, 1)
    cov = (G * G.T).applyfunc(sp.simplify)   # G G^T = S diag(a) S^T
    # dC = (s - kappa C) dt + sqrt(s + kappa C) dW
    assert sp.simplify(cov[1, 1] - (s.mu * s.x ** s.gamma + s.kappa * s.C)) == 0
    # arrest moves a cell C -> D_1: negative covariance kappa f_1 C
    assert sp.simplify(cov[1, 2] + s.kappa * s.f[0] * s.C) == 0
    assert all(G[0, j] == 0 for j in range(G.shape[1]))


def test_bad_structure():
    with pytest.raises(ModelError, match="unknown primary growth law"):
        Structure("cubic", 1)


def test_compiled_functions_are_cached_per_structure():
    st = Structure("gompertz", 4)
    assert comp.ode_functions(st) is comp.ode_functions(Structure("gompertz", 4))
    assert comp.free_decay(st) is comp.free_decay(Structure("gompertz", 4))
    assert comp.chain(st) is None and comp.chain(Structure("exponential", 1)) is not None


@pytest.mark.parametrize("name", ["breast", "exponential_one_organ", "breast_birth_death"])
def test_latex_renders_with_mathtext(name):
    mathtext = pytest.importorskip("matplotlib.mathtext")
    eqs = equations(load_model(name))
    assert any(e.group == "ODE" for e in eqs) and any(e.name == "bound" for e in eqs)
    for e in eqs:
        if e.latex is None:
            assert e.reason
            continue
        mathtext.math_to_image(f"${e.latex}$", io.BytesIO(), format="png")


@pytest.mark.parametrize("name", ["breast", "exponential_one_organ"])
def test_latex_greek_letters_with_organ_subscripts(name):
    """Issue 14 item 9: delta_{bone}, omega, lambda were printed as text, not Greek letters."""
    import re

    mathtext = pytest.importorskip("matplotlib.mathtext")
    model = load_model(name)
    latex = "\n".join(e.latex for e in equations(model) if e.latex)
    # every Greek name is a LaTeX command, never a bare word (as in "delta_{bone}" or "lambda_{bone}")
    assert not re.findall(r"(?<![\\a-zA-Z])(delta|omega|epsilon|lambda|kappa|gamma|mu|tau)(?![a-zA-Z])", latex)
    for organ in model.organ_names:
        sub = rf"_{{\mathrm{{{organ}}}}}"
        for greek in (r"\delta", r"\omega", r"\epsilon", r"\lambda", r"\tau"):
            assert greek + sub in latex, greek + sub
        assert rf"\frac{{dD{sub}}}{{dt}}" in latex
    # the text form keeps plain names
    text = "\n".join(e.text for e in equations(model) if e.text)
    assert f"delta_{model.organ_names[0]}" in text and "\\" not in text
    # and mathtext draws Greek glyphs for them: an image differs from the one of the Latin spelling
    import io
    pngs = []
    for source in (r"$\delta_{\mathrm{bone}}$", r"$delta_{\mathrm{bone}}$"):
        buf = io.BytesIO()
        mathtext.math_to_image(source, buf, format="png")
        pngs.append(buf.getvalue())
    assert pngs[0] != pngs[1]


def test_organ_names_with_underscores_stay_one_subscript():
    from metakinetics.symbolic.latex import sub_tex

    mathtext = pytest.importorskip("matplotlib.mathtext")
    tex = sub_tex("omega", "lymph_node")
    assert tex == r"\omega_{\mathrm{lymph\_node}}"
    mathtext.math_to_image(f"${tex}$", io.BytesIO(), format="png")
