"""What the mathematics says (sympy only): derived equations, closed forms, LaTeX, compiled functions."""
from .derive import Structure, jacobian, ode_rhs, reactions, sde, symbols

__all__ = ["Structure", "jacobian", "ode_rhs", "reactions", "sde", "symbols"]
