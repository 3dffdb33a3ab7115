"""``metakinetics validate-patients FIT [DATA]``: k-fold cross-validation of an individual-data fit on its
patients (Harrell's and Uno's C, time-dependent AUC and calibration by decile at 5 and 10 years),
beside a Cox model on the same covariates; writes validate_patients.json, .csv and .png atomically
into the fit's folder or ``--out``. The method: :mod:`metakinetics.inference.patient_validation`."""
from __future__ import annotations

import io
import math
import sys
from pathlib import Path

from ..errors import InputError
from ..inference import load_setup, resolve_setup_path
from ..io_atomic import check_writable_dir, directory_lock, write_files_atomic


def register(subparsers) -> None:
    """Add the ``validate-patients`` subcommand to ``subparsers``, the argparse subparsers.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The main parser's subcommands.
    """
    p = subparsers.add_parser(
        "validate-patients", help="k-fold cross-validation of an individual-data fit against a Cox model",
        description="Split the patients of an individual data set of a fit into folds (seeded), refit on all folds "
                    "but one and predict each held-out patient's risk of distant metastasis (death competing) from "
                    "her covariates; the same for a Cox model on the same covariates (lifelines). Reports Harrell's "
                    "and Uno's C, the time-dependent AUC and calibration by decile against Aalen-Johansen at each "
                    "horizon. Needs the extra metakinetics[validation]. Exit status 0; 2: bad input.")
    p.add_argument("setup", metavar="FIT", help="fit folder or fit.toml (a bare name means a bundled set-up)")
    p.add_argument("data", nargs="?", default=None, metavar="DATA",
                   help="the fit's data set (label or name), or another individual data set with the same columns "
                        "(default: the fit's one individual data set)")
    p.add_argument("--folds", type=int, default=5, help="number of folds (default 5)")
    p.add_argument("--seed", type=int, default=None, help="seed of the folds and bootstrap (default: the set-up's)")
    p.add_argument("--horizons", default="5,10", help="years at which risks are scored, comma-separated (default 5,10)")
    p.add_argument("--start", choices=("setup", "result"), default="setup",
                   help="refits start at the set-up's start values, or at the full fit's estimates (result.json: "
                        "faster)")
    p.add_argument("--out", default=None, metavar="DIR", help="folder for the report (default: the fit's folder)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no printed summary")
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``metakinetics validate-patients`` with the parsed ``args``; the exit status (0).

    Parameters
    ----------
    args : argparse.Namespace
        ``setup``, ``data``, ``folds``, ``seed``, ``horizons``, ``start``, ``out``, ``quiet``.

    Returns
    -------
    int
        0 (bad input raises a MetakineticsError: one line, exit status 2).
    """
    try:
        horizons = tuple(float(h) for h in args.horizons.split(",") if h.strip())
    except ValueError:
        raise InputError(f"--horizons must be numbers of years separated by commas, found '{args.horizons}'") \
            from None
    setup_path = resolve_setup_path(args.setup)
    setup = load_setup(setup_path)
    from .fit import fit_output_dir

    out = Path(args.out) if args.out else fit_output_dir(setup_path, None)
    check_writable_dir(out, what="--out" if args.out else "fit directory")
    from ..inference.patient_validation import validate_patients

    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=args.folds, desc=f"validate-patients {setup.name}: refits", unit=" fold", file=sys.stderr,
                   leave=False, disable=None)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.update(done - bar.n)

    with directory_lock(out, what="validate-patients directory"):
        try:
            v = validate_patients(setup, args.data, folds=args.folds, seed=args.seed, horizons=horizons,
                                  start=args.start, progress=progress)
        finally:
            if bar is not None:
                bar.close()
        from ..figures.patient_validation_plot import plot_patient_validation

        buf = io.BytesIO()
        plot_patient_validation(v).savefig(buf, format="png", dpi=110, metadata={"Creator": "metakinetics"})
        paths = [out / "validate_patients.png", out / "validate_patients.csv", out / "validate_patients.json"]
        write_files_atomic([(paths[0], buf.getvalue()), (paths[1], v.to_csv().encode("utf-8")),
                            (paths[2], v.to_json().encode("utf-8"))])
    if not args.quiet:
        sys.stdout.write(summary(v, paths))
    return 0


def summary(v, paths=()) -> str:
    """The printed report: per horizon and method the C indices, AUC and calibration, and the targets.

    Parameters
    ----------
    v : PatientValidation
        The validation.
    paths : sequence of pathlib.Path
        The files written.

    Returns
    -------
    str
    """
    lines = [f"validate-patients {v.name}: {v.folds}-fold cross-validation on {len(v.patients)} patients of "
             f"'{v.data}' (seed {v.seed}, refits from the {v.start} start); {v.elapsed_s:.0f} s",
             f"  Cox covariates: {', '.join(v.covariates)}"]
    for tau in v.horizons:
        k = f"{tau:g}"
        lines.append(f"  at {k} years:")
        for m in ("model", "cox"):
            d = v.metrics[m][k]
            c = d["calibration"]
            lines.append(f"    {m:5s}  Harrell C {d['harrell']:.3f} (SE {d['harrell_se']:.3f})  Uno C {d['uno']:.3f}  "
                         f"AUC {d['auc']:.3f}  calibration slope {c['slope']:.2f}, mean predicted "
                         f"{100 * c['mean_predicted']:.1f}% vs observed {100 * c['observed_all']:.1f}%")
        t = v.verdict(tau)
        lines.append(f"    targets: C not below Cox's by more than its SE: {'met' if t['c_index_met'] else 'NOT met'} "
                     f"(difference {t['difference']:+.3f}, paired SE {t['difference_se']:.3f}); slope in 0.8-1.2: "
                     f"{_slope_verdict(t)}")
    if paths:
        lines.append(f"  wrote {', '.join(map(str, paths))}")
    return "\n".join(lines) + "\n"


def _slope_verdict(t: dict) -> str:
    """'met', 'NOT met', or why the slope is not defined (too few groups of distinct predictions)."""
    if math.isnan(t["slope"]):
        return f"not defined (the predictions form {t['calibration_groups']} groups of equal values)"
    return "met" if t["slope_met"] else "NOT met"
