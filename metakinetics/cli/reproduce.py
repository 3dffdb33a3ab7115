"""``metakinetics reproduce FIT``: fit a set-up again (into a temporary folder) and check that the
committed result.json still comes out: data checksums, estimates, 95% limits, log-likelihoods, AIC.
Exit status 0 when everything agrees within the tolerance, 1 when anything differs."""
from __future__ import annotations

import math
import sys

from ..errors import InputError
from .common import add_fit_arguments
from ..reproduce import Tolerance, rerun
from ..reproduce.compare import ATOL_LOGLIK, RTOL

DIFFERS = 1


def register(subparsers) -> None:
    """Add the ``reproduce`` subcommand (fit a set-up again and compare with its stored result) to
    ``subparsers``, the argparse subparsers.
    """
    p = subparsers.add_parser(
        "reproduce", help="re-run a fit and check its committed result.json still comes out",
        description="Fit a set-up again (the committed result is never overwritten: the re-run goes to a "
                    "temporary folder), check the data checksums recorded in result.json, and report every "
                    "estimate, 95% limit, log-likelihood and AIC that differs beyond the tolerance. "
                    f"Tolerance: relative {RTOL:g} for estimates and limits, absolute {ATOL_LOGLIK:g} for "
                    "log-likelihoods (2x for AIC): what the optimiser's stopping tolerance (ftol 1e-10 on "
                    "-2 log L) leaves undetermined, see docs/reproduce.md. Exit status 0: all agree; 1: "
                    "something differs; 2: bad input.")
    add_fit_arguments(p)
    p.add_argument("--rtol", type=float, default=RTOL, help=f"relative tolerance of estimates and limits (default {RTOL:g})")
    p.add_argument("--atol", type=float, default=ATOL_LOGLIK,
                   help=f"absolute tolerance of log-likelihoods (default {ATOL_LOGLIK:g}; AIC gets twice it)")
    p.add_argument("--out-dir", default=None, metavar="DIR",
                   help="keep the re-run's result.json in DIR (default: a temporary folder, removed)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``metakinetics reproduce`` with the parsed ``args``: fit a set-up again and compare with its
    stored result; the exit status.

    Returns 0 when every number agrees within tolerance, ``DIFFERS`` (1) otherwise.
    """
    for name in ("rtol", "atol"):
        v = getattr(args, name)
        if not (math.isfinite(v) and v >= 0):
            raise InputError(f"--{name} must be a finite number >= 0, found {v:g}")
    rep = rerun(args.setup, result=args.result, tolerance=Tolerance(args.rtol, args.atol), out_dir=args.out_dir)
    rec, new = rep.recorded, rep.rerun
    lines = [f"reproduce {new.get('name', '?')}: re-ran {rep.setup_path} in {rep.elapsed_s:.1f} s "
             f"(metakinetics {new.get('package_version', '?')}; recorded with {rec.get('package_version', '?')})",
             f"  against {rep.result_path}",
             f"  tolerance: {rep.tolerance.describe()}"]
    if rec.get("status") != new.get("status"):
        lines.append(f"  note: status recorded {rec.get('status')!r}, re-run {new.get('status')!r}")
    if rep.data_matched:
        lines.append(f"  data checksums match: {', '.join(rep.data_matched)}")
    lines += [f"  DIFFERS {d.describe()}" for d in rep.differences]
    n_bad = len(rep.differences)
    verdict = ("reproduced" if rep.agrees else "NOT reproduced")
    lines.append(f"  {verdict}: {rep.checked - n_bad} of {rep.checked} compared values agree"
                 + (f", {n_bad} differ" if n_bad else ""))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0 if rep.agrees else DIFFERS
