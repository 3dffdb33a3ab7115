"""``metakinetics incidence``: organ-specific incidence of an endpoint over time (or diameter)."""
from __future__ import annotations

from ..endpoints import ENDPOINTS, endpoint_from_name
from .common import add_format_argument, check_out, add_model_arguments, emit, format_columns, model_from_args, parse_times


def register(subparsers) -> None:
    p = subparsers.add_parser("incidence", help="incidence of an endpoint by organ over time",
                              description="Population (default) or typical-patient incidence of an endpoint: "
                                          "one row per time (years after diagnosis; diameters in cm for by_size).")
    add_model_arguments(p)
    p.add_argument("--endpoint", default="any", help=f"one of {', '.join(ENDPOINTS)} (default any)")
    p.add_argument("--times", default="0:20:1", help="start:stop:step or a comma list (default 0:20:1)")
    p.add_argument("--method", default="auto", choices=["auto", "closed-form", "numeric", "monte-carlo"])
    p.add_argument("--patients", type=int, default=None,
                   help="virtual patients (monte-carlo; or Monte Carlo over the random effects)")
    p.add_argument("--seed", type=int, default=None, help="random seed")
    p.add_argument("--nodes", type=int, default=None, help="Gauss-Hermite nodes per random effect")
    p.add_argument("--individual", action="store_true", help="the typical patient (no random effects)")
    p.add_argument("--landmark", type=float, default=None, help="among patients free of distant metastasis at L years")
    p.add_argument("--horizon", type=float, default=None, help="by_size: years after diagnosis (0: at diagnosis)")
    p.add_argument("--out", default=None, help="write to this file (atomically) instead of stdout")
    add_format_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..population import incidence

    check_out(args.out)
    model = model_from_args(args)
    ep = endpoint_from_name(args.endpoint, landmark=args.landmark, horizon=args.horizon)
    times = parse_times(args.times)
    res = incidence(model, ep, times, individual=args.individual, method=args.method, nodes=args.nodes,
                    patients=args.patients, seed=args.seed)
    first = "diameter_cm" if ep.name == "by_size" else "time"
    cols = {first: res.times}
    for j, c in enumerate(res.columns):
        cols[c] = res.values[:, j]
    if res.se is not None and args.format != "csv":
        for j, c in enumerate(res.columns):
            cols[f"{c}_se"] = res.se[:, j]
    meta = {"model": res.model, "endpoint": res.to_dict()["endpoint"], "method": res.method,
            "individual": bool(args.individual)}
    emit(format_columns(cols, args.format, meta=meta), args.out)
    return 0
