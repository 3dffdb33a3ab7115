"""``metakinetics validate FIT``: leave one data set out at a time, refit on the others, predict the
left-out rows with 95% prediction bands, and write validate.json, validate.csv and validate.png
(atomically, together) into ``FIT/validate`` or ``--out``; prints each row and the share inside its
band against the 80% target. The method: :mod:`metakinetics.inference.validation`, docs/fitting.md."""
from __future__ import annotations

import io
import math
import sys
from pathlib import Path

from ..errors import InputError
from ..inference import load_setup, resolve_setup_path
from ..inference import validate
from ..inference.validation import TARGET
from ..io_atomic import check_writable_dir, directory_lock, write_files_atomic


def register(subparsers) -> None:
    """Add the ``validate`` subcommand (leave-one-data-set-out validation of a fit set-up) to
    ``subparsers``, the argparse subparsers.
    """
    p = subparsers.add_parser(
        "validate", help="leave one data set out at a time, refit, and predict it with 95%% bands",
        description="For each [[data]] set of a fit set-up in turn: refit without it (same options and seed; "
                    "parameters the other data cannot identify are fixed at the full fit's estimate and named), "
                    "predict its rows at the refit's estimate with a 95% prediction band (parameter draws from "
                    "the refit's covariance mixed with each row's binomial or stated normal sampling error), and "
                    "report which rows fall inside and each left-out data set's log-likelihood at the refit "
                    "(summed: the cross-validated log-likelihood). Writes validate.json, validate.csv and "
                    "validate.png. "
                    f"Target: at least {100 * TARGET:g}% of rows inside. Exit status 0; 2: bad input.")
    p.add_argument("setup", nargs="?", default=None, metavar="FIT",
                   help="fit folder or fit.toml (default: fits/breast); a bare name means a bundled set-up")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="folder for validate.json/.csv/.png (default: FIT/validate)")
    p.add_argument("--draws", type=int, default=200,
                   help="parameter draws from each refit's covariance behind the bands (default 200, at least 20)")
    p.add_argument("--seed", type=int, default=None, help="seed of the draws (default: the set-up's seed)")
    p.add_argument("--no-bands", action="store_true",
                   help="the cross-validated log-likelihood only: refits at their point estimates, no bands "
                        "(about half the time)")
    p.add_argument("--start", choices=("setup", "result"), default="setup",
                   help="the full fit starts at the set-up's start values, or at the estimates in the fit's "
                        "result.json (it then only confirms them: faster)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``metakinetics validate`` with the parsed ``args``: refit without each data set, write the
    report files; the exit status (0).

    Parameters
    ----------
    args : argparse.Namespace
        ``setup``, ``out``, ``draws``, ``seed``, ``no_progress``.

    Returns
    -------
    int
        0 (bad input raises a MetakineticsError: one line, exit status 2).
    """
    if args.draws < 20:
        raise InputError(f"--draws must be at least 20 (a 95% band from fewer draws is noise), found {args.draws}")
    setup_path = resolve_setup_path(args.setup)
    setup = load_setup(setup_path)
    if len(setup.data) < 2:
        raise InputError(f"{setup_path}: data: validate leaves one [[data]] set out at a time and refits on the "
                         f"others; this set-up has {len(setup.data)} (nothing would be left to fit)")
    from .fit import fit_output_dir

    out = Path(args.out) if args.out else fit_output_dir(setup_path, None) / "validate"
    check_writable_dir(out, what="--out" if args.out else "validate directory")
    with directory_lock(out, what="validate directory"):
        return _run_locked(args, setup, out)


def _run_locked(args, setup, out: Path) -> int:
    bar = None
    if not args.no_progress:
        from tqdm import tqdm

        bar = tqdm(total=len(setup.data), desc=f"validate {setup.name}: refits", unit=" data set", file=sys.stderr,
                   leave=False, disable=None)

    def progress(done: int, total: int, label: str) -> None:
        if bar is not None:
            bar.set_postfix_str(f"left out {label}", refresh=False)
            bar.update(done - bar.n)

    try:
        v = validate(setup, draws=args.draws, seed=args.seed, progress=progress, bands=not args.no_bands,
                     start=args.start)
    finally:
        if bar is not None:
            bar.close()
    from ..figures.validate_plot import plot_validation

    fig = plot_validation(v)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Creator": "metakinetics"})
    paths = [out / "validate.png", out / "validate.csv", out / "validate.json"]
    write_files_atomic([(paths[0], buf.getvalue()), (paths[1], v.to_csv().encode("utf-8")),
                        (paths[2], v.to_json().encode("utf-8"))])        # json last: never newer than its figure
    sys.stdout.write(summary(v, paths))
    return 0


def _f(x: float) -> str:
    return "-" if x is None or not math.isfinite(x) else f"{x:.4f}"


def summary(v, paths=()) -> str:
    """The printed report: per left-out data set its refit, rows (observed, predicted, band,
    inside) and held-out log-likelihood, then the share of rows inside their band against the
    target and the cross-validated log-likelihood.

    Parameters
    ----------
    v : Validation
        The validation.
    paths : sequence of pathlib.Path
        The files written (listed at the end).

    Returns
    -------
    str
    """
    lines = [f"validate {v.name}: leave one data set out, {v.draws} parameter draws (seed {v.seed}), "
             f"{100 * v.level:g}% prediction bands; {v.elapsed_s:.0f} s" if v.bands else
             f"validate {v.name}: leave one data set out, refits at their point estimates (no bands); "
             f"{v.elapsed_s:.0f} s", f"  band: {v.band_rule}"]
    if v.at_bound:
        lines.append("  at a bound in the fit to every data set, fixed there in every refit: "
                     + ", ".join(f"{k} = {x:.4g}" for k, x in v.at_bound.items()))
    w = max([len(r["label"]) for r in v.rows] + [5])
    for d in v.datasets:
        lines.append("")
        head = f"  without {d.label}: {d.status}"
        if d.fixed:
            head += ("; not identified without it, fixed at the full fit's estimate: "
                     + ", ".join(f"{k} = {x:.4g}" for k, x in d.fixed.items()))
        lines.append(head)
        if d.reason:
            lines.append(f"    ({d.reason})")
        if math.isfinite(d.heldout_loglik):
            lines.append(f"    held-out log-likelihood {d.heldout_loglik:.4f} (its rows at the refit's predictions)")
        if d.rows:
            lines.append(f"    {'row'.ljust(w)}  {'observed':>8}  {'predicted':>9}  {'95% low':>8}  "
                         f"{'95% high':>8}  inside")
        for r in d.rows:
            lines.append(f"    {r['label'].ljust(w)}  {_f(r['observed']):>8}  {_f(r['predicted']):>9}  "
                         f"{_f(r['low']):>8}  {_f(r['high']):>8}  "
                         f"{'-' if r['inside'] is None else 'yes' if r['inside'] else 'NO'}")
    n = len(v.rows)
    share = v.share_inside
    lines.append("")
    if v.bands:
        lines.append(f"  inside their band: {v.n_inside} of {n} left-out rows"
                     + (f" ({100 * share:.0f}%; target {100 * v.target:g}%: "
                        f"{'met' if share >= v.target else 'NOT met'})" if n else ""))
    if v.bands and n and any(not r["independent"] for r in v.rows):
        si = v.share_independent
        lines.append("  (rows of data sets whose refit fixed parameters at the full fit's estimate are not an "
                     "independent test; without them: " + ("none left" if not math.isfinite(si) else f"{100 * si:.0f}%")
                     + ")")
    cv = v.cv_datasets
    lines.append(f"  cross-validated log-likelihood: {v.cv_loglik:.4f} over {len(cv)} of {len(v.datasets)} data sets "
                 f"({', '.join(cv)}; the sum of their held-out log-likelihoods, higher is better)" if cv else
                 f"  cross-validated log-likelihood: none (no left-out data set was predicted)")
    if paths:
        lines.append(f"  wrote {', '.join(map(str, paths))}")
    return "\n".join(lines) + "\n"
