"""``metakinetics incidence``: organ-specific incidence of an endpoint over time (or diameter)."""
from __future__ import annotations

import numpy as np

from ..endpoints import ENDPOINTS
from ..errors import InputError
from .common import (add_format_argument, add_generations_argument, add_model_arguments, check_out, default_times, emit,
                     format_columns, model_from_args, parse_times)


def register(subparsers) -> None:
    """Add the ``incidence`` subcommand (print organ-specific incidence of an endpoint over time (or
    diameter)) to ``subparsers``, the argparse subparsers.
    """
    p = subparsers.add_parser("incidence", help="incidence of an endpoint by organ over time",
                              description="Population (default) or typical-patient incidence of an endpoint: "
                                          "one row per time (years after diagnosis; diameters in cm for by_size).")
    add_model_arguments(p, nodal=True)
    p.add_argument("--endpoint", default="any", help=f"one of {', '.join(ENDPOINTS)} (default any)")
    p.add_argument("--times", default=None,
                   help="start:stop:step or a comma list (default 0:20:1; site_share 1:20:1; at_diagnosis 0 "
                        "(its only time); by_size: diameters in cm, 0.5:5:0.5)")
    p.add_argument("--method", default="auto", choices=["auto", "closed-form", "numeric", "monte-carlo"])
    p.add_argument("--patients", type=int, default=None,
                   help="virtual patients (monte-carlo; or Monte Carlo over the random effects)")
    p.add_argument("--seed", type=int, default=None, help="random seed")
    p.add_argument("--nodes", type=int, default=None, help="Gauss-Hermite nodes per random effect")
    p.add_argument("--individual", action="store_true", help="the typical patient (no random effects)")
    p.add_argument("--landmark", type=float, default=None, help="among patients free of distant metastasis at L years")
    p.add_argument("--horizon", type=float, default=None,
                   help="by_size only: years after diagnosis. 0 (default): any organ at diagnosis, all patients; "
                        "> 0: distant metastasis by then among patients free of metastasis at diagnosis")
    p.add_argument("--window", type=float, default=None,
                   help="multi_organ only: years after the first distant metastasis within which a second organ "
                        "counts (default 0.25, 3 months)")
    p.add_argument("--within", type=float, default=None,
                   help="lag only: organ k detected within this many years of the first metastasis (default 10); "
                        "--horizon: the first metastasis by then (default 10); --times are lags in years")
    p.add_argument("--risk", type=float, default=None,
                   help="by_size only: print the diameter (cm) at which the risk reaches this probability")
    p.add_argument("--by-class", action="store_true",
                   help="a model with intrinsic classes: one block of rows per class and one pooled "
                        "(the mixture), with a 'class' column")
    add_generations_argument(p)
    p.add_argument("--case-mix", default=None, metavar="FILE|DATASET",
                   help="the cohort the prediction is for: a case-mix TOML file, or a data set that states its "
                        "cohort (e.g. rotterdam); the output names it")
    p.add_argument("--out", default=None, help="write to this file (atomically) instead of stdout")
    add_format_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``metakinetics incidence`` with the parsed ``args``: print organ-specific incidence of an
    endpoint over time (or diameter); the exit status.
    """
    from ..api import incidence, size_for_risk

    check_out(args.out)
    model = model_from_args(args)
    if args.risk is not None:
        if args.endpoint != "by_size":
            raise InputError("--risk asks for the diameter at which the by_size risk is reached: "
                             "use it with --endpoint by_size")
        d = size_for_risk(model, args.risk, horizon=args.horizon or 0.0, individual=args.individual,
                          nodes=args.nodes)
        emit(format_columns({"risk": [args.risk], "horizon": [args.horizon or 0.0], "diameter_cm": [d]},
                            args.format, meta={"model": model.name}), args.out)
        return 0
    times = parse_times(default_times(args))
    res = incidence(model, args.endpoint, times, landmark=args.landmark, horizon=args.horizon,
                    individual=args.individual, method=args.method, nodes=args.nodes, patients=args.patients,
                    seed=args.seed, window=args.window, within=args.within, by_class=args.by_class,
                    generations=args.generations, case_mix=args.case_mix)
    first = {"by_size": "diameter_cm", "lag": "lag"}.get(args.endpoint, "time")
    parts = [("pooled", res)] + (list(res.by_class.items()) if res.by_class else [])
    cols = {first: np.concatenate([r.times for _, r in parts])}
    if res.by_class:
        cols["class"] = np.concatenate([np.full(r.times.size, name, dtype=object) for name, r in parts])
    cols.update({c: np.concatenate([r.values[:, j] for _, r in parts]) for j, c in enumerate(res.columns)})
    if res.se is not None and args.format != "csv":
        cols.update({f"{c}_se": np.concatenate([r.se[:, j] for _, r in parts]) for j, c in enumerate(res.columns)})
    meta = {"model": res.model, "cohort": res.info.get("cohort", ""), "endpoint": res.to_dict()["endpoint"],
            "method": res.method, "individual": bool(args.individual)}
    if "generations" in res.info:        # colonies seed colonies: how many generations were followed
        meta["generations"] = res.info["generations"]
    text = format_columns(cols, args.format, meta=meta)
    if args.format == "table":           # every prediction names the cohort it is for
        text = f"# cohort: {meta['cohort']}\n" + text
    emit(text, args.out)
    return 0
