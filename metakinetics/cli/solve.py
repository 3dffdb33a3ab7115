"""``metakinetics solve MODEL --times ...``: expected x, C, D_k and founded colonies over time."""
from __future__ import annotations

from ..dynamics import METHODS, solve
from .common import add_format_argument, check_out, add_model_arguments, emit, format_columns, model_from_args, parse_times


def register(sub) -> None:
    """Add the ``solve`` subcommand (print the expected compartments of the typical patient over time) to
    ``sub``, the argparse subparsers.
    """
    p = sub.add_parser(
        "solve", help="solve the mean-field model for the typical patient",
        description="Expected primary size x, circulating cells C, dormant cells D_<organ> and "
                    "colonies founded so far founded_<organ> for the model's typical patient. "
                    "Times are absolute: years since the primary was x0 cells (onset), not since "
                    "diagnosis; surgery at diagnosis + surgery_delay removes the primary.")
    add_model_arguments(p)
    p.add_argument("--times", default="0:20:0.5", metavar="TIMES",
                   help="years since onset: start:stop:step or a comma list (default 0:20:0.5)")
    add_format_argument(p)
    p.add_argument("--method", choices=METHODS, default="auto",
                   help="auto (closed form if available, else semi-analytic), closed-form, "
                        "semi-analytic or ode (default auto)")
    p.add_argument("--no-surgery", action="store_true", help="natural history: never remove the primary")
    p.add_argument("--out", default=None, metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``metakinetics solve`` with the parsed ``args``: print the expected compartments of the typical
    patient over time; the exit status.
    """
    check_out(args.out)
    model = model_from_args(args)
    times = parse_times(args.times)
    traj = solve(model, times, method=args.method, surgery=not args.no_surgery)
    meta = {"model": model.name, "method": traj.method, "time_unit": "year since onset",
            "t_dx": float(traj.t_dx[0]), "t_s": float(traj.t_s[0])}
    text = format_columns(traj.table(0), args.format, meta=meta)
    if args.format == "table":
        text = (f"# {model.name}: method {traj.method}; diagnosis at t = {traj.t_dx[0]:.4g} y, "
                f"surgery at t = {traj.t_s[0]:.4g} y (years since onset)\n") + text
    emit(text, args.out)
    return 0
