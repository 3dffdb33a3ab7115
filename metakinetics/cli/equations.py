"""``metakinetics equations MODEL [--latex]``: the derived ODEs, SDE and closed forms (or why none)."""
from __future__ import annotations

from ..symbolic.latex import equations
from .common import add_model_arguments, emit, model_from_args


def register(sub) -> None:
    """Add the ``equations`` subcommand (print the derived ODEs, SDE and closed forms (or why none exists),
    as text or LaTeX) to ``sub``, the argparse subparsers.
    """
    p = sub.add_parser("equations", help="print the model's ODEs, SDE and closed forms (sympy)",
                       description="Print the compartment ODEs, the chemical-Langevin SDE of the "
                                   "circulation and every closed form of the model (x(t), t_dx, "
                                   "tau_k, cumulative shedding, C, D_k, A_k, quasi-steady C), or "
                                   "why a closed form does not exist. Time in years, sizes in cells.")
    add_model_arguments(p)
    p.add_argument("--latex", action="store_true", help="print LaTeX instead of plain text")
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``metakinetics equations`` with the parsed ``args``: print the derived ODEs, SDE and closed
    forms (or why none exists), as text or LaTeX; the exit status.
    """
    model = model_from_args(args)
    lines = [f"# {model.name}: organs {', '.join(model.organ_names)} (years, cells)"]
    group = None
    for eq in equations(model):
        if eq.group != group:
            group = eq.group
            lines.append(f"\n## {group}")
        if eq.latex is None:
            lines.append(f"{eq.name}: no closed form: {eq.reason}")
        else:
            lines.append(eq.latex if args.latex else eq.text)
    emit("\n".join(lines) + "\n")
    return 0
