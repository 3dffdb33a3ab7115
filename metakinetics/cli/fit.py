"""``metakinetics fit [SETUP]``: run a fit set-up (default fits/breast), write result.json and a
data-vs-fit figure atomically, and report estimates, fit quality and identifiability.

Nothing lost: the output directory is checked for writability before computing and locked
(``.fit.lock``, fcntl) for the whole run, so a second fit into it is refused at once; fit.png and
result.json are staged first and renamed together (figure first) with SIGINT/SIGTERM held, and the
figure carries the SHA-256 of the result.json it belongs to (PNG text key
``metakinetics-result-sha256``)."""
from __future__ import annotations

import hashlib
import io
import math
import sys
from importlib import resources
from pathlib import Path

from ..errors import InputError
from ..inference import fit, load_setup, resolve_setup_path
from ..io_atomic import check_writable_dir, directory_lock, write_files_atomic

#: PNG text key in fit.png holding the SHA-256 of the result.json written with it.
RESULT_KEY = "metakinetics-result-sha256"

#: Exit status of a fit that did not converge (the result is still written, marked so).
NOT_CONVERGED = 3


def register(subparsers) -> None:
    """Add the ``fit`` subcommand (run a fit set-up and write result.json and fit.png) to ``subparsers``,
    the argparse subparsers.
    """
    p = subparsers.add_parser(
        "fit", help="fit a model to published incidence data (default: fits/breast)",
        description="Run a fit set-up (a folder holding fit.toml; default: the bundled fits/breast) and "
                    "write result.json and fit.png beside it (or into --out-dir).")
    p.add_argument("setup", nargs="?", default=None, metavar="SETUP",
                   help="fit folder or fit.toml (default: fits/breast); a bare name means a bundled set-up")
    p.add_argument("--out-dir", default=None, help="folder for result.json and fit.png (default: the set-up folder)")
    p.add_argument("--starts", type=int, default=None, help="number of starting points (overrides fit.toml)")
    p.add_argument("--intervals", choices=["wald", "profile", "conf_interval", "none"], default=None,
                   help="interval method (overrides fit.toml)")
    p.add_argument("--no-figure", action="store_true", help="do not draw fit.png")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no report (errors still print)")
    p.set_defaults(func=run)


def fit_output_dir(setup_path: Path, explicit: str | None) -> Path:
    """Where a fit of ``setup_path`` writes (``explicit`` if given): the set-up's folder, or
    ./fit_results/<name> for a set-up installed with the package (never into site-packages)."""
    if explicit:
        return Path(explicit)
    folder = setup_path.parent
    try:
        installed = Path(str(resources.files("metakinetics._fits"))).resolve()
    except (ModuleNotFoundError, TypeError):  # pragma: no cover
        installed = None
    # the bundled set-ups live in a source checkout (an editable install: fits/ beside pyproject.toml)
    # at any depth (fits/breast_joint/ladder/...), or in site-packages
    in_checkout = installed is not None and (installed.parent / "pyproject.toml").is_file()
    if installed is not None and installed in folder.resolve().parents and not in_checkout:
        return Path.cwd() / "fit_results" / folder.name  # never write into site-packages
    return folder


def run(args) -> int:
    """Run ``metakinetics fit`` with the parsed ``args``: run a fit set-up and write result.json and
    fit.png; the exit status.

    Returns 0, or ``NOT_CONVERGED`` (3) when the fit did not converge (its result is still
    written, marked so).
    """
    if args.starts is not None and args.starts < 1:
        raise InputError(f"--starts must be at least 1, found {args.starts}")
    setup_path = resolve_setup_path(args.setup)
    setup = load_setup(setup_path)
    out = fit_output_dir(setup_path, args.out_dir)
    check_writable_dir(out, what="--out-dir" if args.out_dir else "fit directory")
    with directory_lock(out, what="fit directory"):
        return _run_locked(args, setup, out)


def _run_locked(args, setup, out: Path) -> int:
    bar = None
    if not args.quiet:
        from tqdm import tqdm

        # delay: the bar appears only for fits longer than a couple of seconds
        bar = tqdm(desc=f"fit {setup.name}", unit=" eval", file=sys.stderr, delay=2.0, leave=False,
                   disable=None)  # None: shown on a terminal only, not in logs

    def progress(nfev: int, best: float) -> None:
        if bar is not None:
            bar.update(nfev - bar.n)
            bar.set_postfix_str(f"-2logL {best:.2f}", refresh=False)

    try:
        result = fit(setup, progress=progress, starts=args.starts, intervals=args.intervals)
    finally:
        if bar is not None:
            bar.close()
    path = out / "result.json"
    text = result.to_json().encode("utf-8")
    files = []
    fig_path = None
    if not args.no_figure:
        fig_path = out / "fit.png"
        files.append((fig_path, figure_png(result, setup, result_sha256=hashlib.sha256(text).hexdigest())))
    files.append((path, text))  # last: a result.json is never newer than its figure
    write_files_atomic(files)
    if not args.quiet:
        sys.stdout.write(report(result, path, fig_path))
    if not result.converged:
        print(f"metakinetics fit: warning: the fit did NOT converge: {result.message} "
              f"(result marked status=not_converged in {path})", file=sys.stderr)
        return NOT_CONVERGED
    return 0


def figure_png(result, setup=None, *, result_sha256: str | None = None) -> bytes:
    """fit.png of a result: the fitted curves against the data with the 95% band of the fit, as PNG
    bytes; ``result_sha256`` (the SHA-256 of the result.json written with it) is stored under the
    PNG text key ``RESULT_KEY``, so a figure tells which result it belongs to.
    """
    from ..figures.fit_plot import plot_fit

    fig = plot_fit(result, setup=setup)  # with the 95% band of 200 seeded draws from the fit's covariance
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110,
                metadata={RESULT_KEY: result_sha256} if result_sha256 else None)
    return buf.getvalue()


def _fmt(x) -> str:
    """A number to 4 significant digits; '-' where it is not defined (a limit the information
    cannot give), never 'nan'."""
    return "-" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.4g}"


def report(result, path, fig_path) -> str:
    """Human-readable summary of a fit result."""
    lines = [f"fit {result.name}: {result.status} ({result.message})",
             f"  model {result.model_name}; {result.n_par} free parameters, {result.n_obs} observations; "
             f"log L = {result.loglik:.3f}, AIC = {result.aic:.2f}, BIC = {result.bic:.2f}; "
             f"{result.nfev} evaluations in {result.elapsed_s:.1f} s",
             f"  intervals: {result.interval_method}", ""]
    w = max(len(e.name) for e in result.estimates)
    limits = not result.interval_method.startswith("none")     # intervals = "none": the estimates alone
    lines.append(f"  {'parameter'.ljust(w)}  {'estimate':>11}"
                 + (f"  {'95% lower':>11}  {'95% upper':>11}" if limits else ""))
    for e in result.estimates:
        flag = "  (at bound)" if e.at_bound else ""
        bounds = f"  {_fmt(e.lower):>11}  {_fmt(e.upper):>11}" if limits else ""
        lines.append(f"  {e.name.ljust(w)}  {_fmt(e.value):>11}{bounds}{flag}")
    lines += ["", "  goodness of fit per data set:"]
    for d in result.datasets:
        extra = f"{d['statistic']} {d['value']:.2f} on {d['df']} rows (p = {d['p_value']:.3g}); " \
            if "value" in d else ""
        if "binomial_deviance" in d:
            extra += f"binomial deviance {d['binomial_deviance']:.2f} (p = {d['binomial_p_value']:.3g}); "
        counts = f"; organs per relapse within {d['max_abs_diff_organs']:.2f}" if "max_abs_diff_organs" in d else ""
        lines.append(f"    {d['label']}: {extra}largest |data - model| = {d['max_abs_diff_pp']:.2f} pp"
                     f" ({'within' if d['within_3pp'] else 'NOT within'} 3 pp){counts}")
    g = result.goodness_of_fit
    if g:
        beside = (f"; binomial {g['binomial_value']:.2f} (p = {g['binomial_p_value']:.3g})"
                  if "binomial_value" in g else "")
        lines.append(f"    all aggregate data sets: {g['value']:.2f} on {g['df']} rows (p = {g['p_value']:.3g}, "
                     f"{'bootstrap' if 'bootstrap_draws' in g else 'chi-square'}){beside}")
    if result.comparisons:
        lines += ["", "  predicted, not fitted (result.json comparisons):"]
        for c in result.comparisons:
            lines.append(f"    {c['name']}: {len(c['rows'])} rows predicted")
            lines += [f"      skipped row {s['row']}: {s['reason']}" for s in c.get("skipped", ())]
    if result.identifiability:
        lines += ["", "  identifiability warnings:"]
        lines += [f"    {', '.join(i['parameters'])}: {i['issue']}: {i['detail']}" for i in result.identifiability]
    lines += ["", f"  wrote {path}" + (f" and {fig_path}" if fig_path else "")]
    return "\n".join(lines) + "\n"
