"""The derived equations as text and LaTeX, organ-named (D_bone, f_lung, ...), for people to read.

Every entry is (group, name, text, latex) or, where no closed form exists, the reason instead.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..model.spec import Model
from . import closed_forms as cf
from .derive import Structure, ode_rhs, sde, symbols


@dataclass(frozen=True)
class Equation:
    """One displayed equation: ``text``/``latex`` are None when ``reason`` says why none exists."""

    group: str
    name: str
    text: str | None
    latex: str | None
    reason: str = ""


#: Greek parameters of the model, by the base name of their symbols, as LaTeX.
GREEK = {"omega": r"\omega", "delta": r"\delta", "epsilon": r"\epsilon", "lambda": r"\lambda",
         "kappa": r"\kappa", "mu": r"\mu", "gamma": r"\gamma", "tau": r"\tau"}


def organ_tex(name: str) -> str:
    """An organ (or any) name as an upright LaTeX subscript text, ``bone`` -> ``\\mathrm{bone}``;
    underscores are escaped so ``lymph_node`` stays one subscript."""
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def sub_tex(base: str, *subscripts: str) -> str:
    """LaTeX of a symbol with organ subscripts: ``sub_tex("delta", "bone")`` ->
    ``\\delta_{\\mathrm{bone}}``, Greek base names as Greek letters."""
    return GREEK.get(base, base) + "_{" + ",".join(organ_tex(s) for s in subscripts) + "}"


def _renamer(model: Model) -> tuple[dict, dict]:
    """Organ-numbered symbols (D_1, omega_1 ...) -> organ-named ones (D_bone, omega_bone ...), and
    the LaTeX of each organ-named symbol (D_{\\mathrm{bone}}, \\omega_{\\mathrm{bone}} ...).

    The names stay plain text (what ``equations`` prints without ``--latex``); the LaTeX goes to
    ``sympy.latex`` as ``symbol_names``, because sympy only turns a whole symbol name such as
    ``omega_bone`` into ``\\omega_{bone}`` and leaves ``omega_{bone}`` (or an organ name with an
    underscore) as text.
    """
    st = Structure.of(model)
    s = symbols(st)
    out, tex = {}, {}
    for k, name in enumerate(model.organ_names):
        for base, vec in (("D", s.D), ("A", s.A), ("f", s.f), ("omega", s.omega), ("delta", s.delta),
                          ("epsilon", s.eps)):
            named = sp.Symbol(f"{base}_{name}", positive=True)
            out[vec[k]] = named
            tex[named] = sub_tex(base, name)
    return out, tex


def _eq(group, name, lhs_latex, lhs_text, expr, ren, op=("=", "="), tex=None):
    e = expr.xreplace(ren)
    text = f"{lhs_text} {op[0]} {sp.sstr(e)}".replace("{", "").replace("}", "")
    return Equation(group, name, text, f"{lhs_latex} {op[1]} {sp.latex(e, symbol_names=tex or {})}")


def equations(model: Model) -> list[Equation]:
    """ODEs, circulation SDE, and every closed form of docs/model.md (or why there is none)."""
    st = Structure.of(model)
    s = symbols(st)
    ren, tex = _renamer(model)
    names = model.organ_names
    lhs = [("x", "x")] + [("C", "C")] + [(sub_tex("D", n), f"D_{n}") for n in names] + \
          [(sub_tex("A", n), f"A_{n}") for n in names]
    out = [_eq("ODE", f"d{txt}/dt", rf"\frac{{d{ltx}}}{{dt}}", f"d{txt}/dt", e, ren, tex=tex)
           for (ltx, txt), e in zip(lhs, ode_rhs(st))]
    drift, G = sde(st)
    var = sp.expand((G * G.T)[1, 1])
    out.append(Equation("SDE", "dC", f"dC = ({sp.sstr(sp.expand(drift[1]))}) dt + sqrt({sp.sstr(var)}) dW",
                        rf"dC = \left({sp.latex(sp.expand(drift[1]))}\right) dt + \sqrt{{{sp.latex(var)}}}\, dW"))

    def add(group, name, form, lhs_latex, lhs_text):
        out.append(_eq(group, name, lhs_latex, lhs_text, form.expr, ren, tex=tex) if form.available
                   else Equation(group, name, None, None, form.reason))

    add("closed form", "x(t)", cf.primary_size(st), "x(t)", "x(t)")
    out.append(_eq("closed form", "t_dx", r"t_{dx}", "t_dx",
                   cf.diagnosis_time(st).expr.xreplace({s.x: sp.Symbol("x_{dx}", positive=True)}), ren, tex=tex))
    for o in model.organs:
        form = cf.colony_detection_time(o.growth)
        if form.available:
            xdet = sp.Symbol(f"x_det,{o.name}", positive=True)
            lam = sp.Symbol(f"lambda_{o.name}", positive=True)
            Kc = sp.Symbol(f"K_{o.name}", positive=True)
            one = symbols(Structure("gompertz", 1))
            e = form.expr.xreplace({one.x: xdet, one.rate: lam, one.K: Kc})
            colony_tex = {xdet: r"x_{\mathrm{det}," + organ_tex(o.name) + "}", lam: sub_tex("lambda", o.name),
                          Kc: sub_tex("K", o.name)}
            out.append(_eq("closed form", f"tau_{o.name}", sub_tex("tau", o.name), f"tau_{o.name}", e, {},
                           tex=colony_tex))
        else:
            out.append(Equation("closed form", f"tau_{o.name}", None, None, form.reason))
    add("closed form", "S(t)", cf.cumulative_shedding(st), r"\int_0^t s\,du", "integral_0^t s du")
    ch = cf.chain(st)
    add("closed form", "C(t)", ch["C"], "C(t)", "C(t)")
    for n, d, a in zip(names, ch["D"], ch["A"]):
        add("closed form", f"D_{n}(t)", d, f"{sub_tex('D', n)}(t)", f"D_{n}(t)")
        add("closed form", f"A_{n}(t)", a, f"{sub_tex('A', n)}(t)", f"A_{n}(t)")
    qs = cf.quasi_steady(st)
    out.append(_eq("quasi-steady", "C_qs", r"C_{qs}", "C_qs", qs["C"].expr, ren, tex=tex))
    out.append(_eq("quasi-steady", "bound", r"\left|1 - \frac{\kappa C}{s}\right|", "|1 - kappa C/s|",
                   qs["bound"].expr, ren, op=("<=", r"\leq"), tex=tex))
    shedding = [o.name for o in model.organs if model.values().get(f"organs.{o.name}.secondary_shedding", 0.0) > 0]
    if shedding:        # metastasis-to-metastasis seeding: the mean of every generation (dynamics.ode)
        total = " + ".join(f"S_{n}" for n in shedding)
        out.append(Equation("ODE (colony seeding)", "dC/dt", f"dC/dt gains {total} (shedding of the colonies)",
                            r"\frac{dC}{dt} \mathrel{+}= " + " + ".join(sub_tex("S", n) for n in shedding)))
        for n in shedding:
            out.append(Equation(
                "ODE (colony seeding)", f"dS_{n}/dt",
                f"dS_{n}/dt = gamma' lambda_{n} S_{n} + mu'_{n} epsilon_{n} omega_{n} D_{n}",
                rf"\frac{{d{sub_tex('S', n)}}}{{dt}} = \gamma' {sub_tex('lambda', n)} {sub_tex('S', n)} + "
                rf"\mu'_{{{organ_tex(n)}}} {sub_tex('epsilon', n)} {sub_tex('omega', n)} {sub_tex('D', n)}"))
    return out
