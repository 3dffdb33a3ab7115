"""``metakinetics cohort``: simulate virtual patients event by event and write the cohort table."""
from __future__ import annotations

import sys

import numpy as np

from ..errors import InputError
from .common import add_generations_argument, add_model_arguments, check_out, emit, format_columns, model_from_args


def register(subparsers) -> None:
    """Add the ``cohort`` subcommand (simulate virtual patients event by event and write the cohort table)
    to ``subparsers``, the argparse subparsers.
    """
    p = subparsers.add_parser("cohort", help="simulate a virtual cohort (exact event-level Monte Carlo)",
                              description="One row per virtual patient: parameters, diagnosis time, M0 status, "
                                          "first detection per organ (years after diagnosis; inf: never), death, "
                                          "censoring time, and per organ the observed time and status "
                                          "(detected / death / censored).")
    add_model_arguments(p, nodal=True)
    p.add_argument("--patients", type=int, required=True, help="number of virtual patients")
    p.add_argument("--seed", type=int, default=None, help="random seed (same seed, same cohort)")
    p.add_argument("--individual", action="store_true", help="every patient has the typical parameters")
    p.add_argument("--follow-up", type=float, default=None, metavar="YEARS",
                   help="end of follow-up, years after diagnosis (after the last entry with --accrual)")
    p.add_argument("--accrual", type=float, default=None, metavar="YEARS",
                   help="staggered entry: uniform accrual over YEARS, so censoring ~ U(F, F + YEARS)")
    p.add_argument("--loss-rate", type=float, default=None, metavar="PER_YEAR",
                   help="loss to follow-up at this rate per year (exponential)")
    add_generations_argument(p, default=None)
    p.add_argument("--horizon", type=float, default=None, metavar="YEARS",
                   help="with seeding: colonies followed until this many years after diagnosis (detections "
                        "exact up to it; default: no limit)")
    p.add_argument("--case-mix", default=None, metavar="FILE|DATASET",
                   help="the cohort's values and class shares (a case-mix file or a data set that states one); "
                        "a nodal mix is not simulated (the nodes column holds every patient's count)")
    p.add_argument("--out", required=True, help="CSV file to write (atomically; - for stdout)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``metakinetics cohort`` with the parsed ``args``: simulate virtual patients event by event and
    write the cohort table; the exit status.
    """
    from ..stochastic.cohort import FollowUp, simulate_cohort

    check_out(args.out)
    model = model_from_args(args)
    cohort_name = ""
    if args.case_mix is not None:
        from ..population.case_mix import resolve_case_mix

        mix = resolve_case_mix(args.case_mix)
        if mix.nodes:
            raise InputError(f"--case-mix {args.case_mix}: a nodal mix weights the nodal classes' predictions; a "
                             "simulated cohort holds every patient's nodal count (column nodes): weight or select "
                             "them, or use a case mix without [nodes] here")
        over = mix.overrides(model)
        model = model.with_values(over) if over else model
        cohort_name = f"; cohort {mix.describe()}"
    fu = None
    if args.follow_up is not None or args.accrual is not None or args.loss_rate is not None:
        fu = FollowUp(follow_up=float("inf") if args.follow_up is None else args.follow_up,
                      accrual=args.accrual or 0.0, loss_rate=args.loss_rate or 0.0)
    bar = None
    if args.patients is not None and args.patients >= 200_000:
        from tqdm import tqdm
        bar = tqdm(total=args.patients, unit="patient", file=sys.stderr, desc="cohort", delay=2.0)
    try:
        coh = simulate_cohort(model, args.patients, seed=args.seed, individual=args.individual,
                              follow_up=fu, progress=bar.update if bar else None, generations=args.generations,
                              horizon=args.horizon)
    finally:
        if bar:
            bar.close()
    emit(format_columns(coh.columns(), "csv"), args.out)
    n0 = int(coh.m0.sum())
    cens = "" if fu is None else f", median censoring {float(np.median(coh.censor)):.3g} y"
    note = "" if args.horizon is None else f"; colonies followed to {args.horizon:g} y after diagnosis: later " \
                                           f"detections incomplete"
    nodal = "" if coh.selected is None else f"; {int(coh.selected.sum())} in the nodal class (in_nodal_class)"
    print(f"wrote {coh.n} patients ({n0} M0{cens}{nodal}{note}){cohort_name} to {args.out}", file=sys.stderr)
    return 0
