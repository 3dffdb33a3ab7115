"""``metakinetics cohort``: simulate virtual patients event by event and write the cohort table."""
from __future__ import annotations

import sys

from .common import add_model_arguments, format_columns, model_from_args


def register(subparsers) -> None:
    p = subparsers.add_parser("cohort", help="simulate a virtual cohort (exact event-level Monte Carlo)",
                              description="One row per virtual patient: parameters, diagnosis time, M0 status, "
                                          "first detection per organ (years after diagnosis; inf: never), death.")
    add_model_arguments(p)
    p.add_argument("--patients", type=int, required=True, help="number of virtual patients")
    p.add_argument("--seed", type=int, default=None, help="random seed (same seed, same cohort)")
    p.add_argument("--individual", action="store_true", help="every patient has the typical parameters")
    p.add_argument("--out", required=True, help="CSV file to write (atomically)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..io_atomic import write_text_atomic
    from ..stochastic.cohort import simulate_cohort

    model = model_from_args(args)
    bar = None
    if args.patients is not None and args.patients >= 200_000:
        from tqdm import tqdm
        bar = tqdm(total=args.patients, unit="patient", file=sys.stderr, desc="cohort")
    try:
        coh = simulate_cohort(model, args.patients, seed=args.seed, individual=args.individual,
                              progress=bar.update if bar else None)
    finally:
        if bar:
            bar.close()
    write_text_atomic(args.out, format_columns(coh.columns(), "csv"))
    n0 = int(coh.m0.sum())
    print(f"wrote {coh.n} patients ({n0} M0) to {args.out}", file=sys.stderr)
    return 0
