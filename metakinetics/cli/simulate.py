"""``metakinetics simulate MODEL_OR_SBML``: stochastic trajectories (SSA, tau-leaping, CLE, SDE).

MODEL_OR_SBML is a bundled model or network name, a model TOML, a network TOML or an SBML .xml
file. Output: every path (columns path, time, species...) or with --summary the mean and SD
(columns time, <species>_mean, <species>_sd). A tqdm progress bar goes to stderr for long runs.
"""
from __future__ import annotations

import sys

from ..api import load_source, simulate
from ..errors import InputError
from ..model import Model, parse_override
from .common import add_class_argument, add_format_argument, check_out, emit, format_columns, parse_times


def register(sub) -> None:
    """Add the ``simulate`` subcommand (simulate stochastic trajectories (SSA, tau-leaping, CLE, SDE)) to
    ``sub``, the argparse subparsers.
    """
    p = sub.add_parser("simulate", help="stochastic simulation: exact SSA, tau-leaping, CLE or noisy-growth SDE")
    p.add_argument("model", metavar="MODEL_OR_SBML",
                   help="bundled model or network name, model TOML, network TOML, or SBML .xml")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a model value (dotted key) or a network parameter (repeatable)")
    add_class_argument(p)
    p.add_argument("--method", choices=("ssa", "tau", "cle", "sde"), default="ssa",
                   help="ssa: exact Gillespie; tau: tau-leaping; cle: chemical Langevin; "
                        "sde: noisy primary growth dx = g(x)dt + sigma x dW (default ssa)")
    p.add_argument("--paths", type=int, default=1000, help="number of trajectories (default 1000)")
    p.add_argument("--seed", type=int, default=None, help="random seed (same seed, same numbers)")
    p.add_argument("--times", default="0:50:1", help="output times start:stop:step or a list (default 0:50:1)")
    p.add_argument("--step", type=float, default=None,
                   help="leap (tau) or time step (cle, sde; default span/1000, cle at most 0.5 / the "
                        "fastest decay rate, sde 1e-3)")
    p.add_argument("--sigma", type=float, default=None, help="noise level for --method sde (1/sqrt(year))")
    p.add_argument("--scheme", choices=("euler", "milstein"), default="euler", help="SDE scheme (default euler)")
    p.add_argument("--summary", action="store_true", help="mean and SD per time instead of every path")
    p.add_argument("--out", default=None, help="write to this file (atomically) instead of stdout")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    add_format_argument(p, choices=("csv", "json"), default="csv")
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``metakinetics simulate`` with the parsed ``args``: simulate stochastic trajectories (SSA, tau-
    leaping, CLE, SDE); the exit status.
    """
    check_out(args.out)
    times = parse_times(args.times)
    if args.paths < 1:
        raise InputError(f"--paths must be at least 1, found {args.paths}")
    source = load_source(args.model, dict(parse_override(s) for s in args.sets), method=args.method)
    if args.klass:
        if not isinstance(source, Model):
            raise InputError(f"--class {args.klass}: {args.model} is a reaction network, not a model with classes")
        source = source.of_class(args.klass)
    bar = None
    progress = None
    if not args.no_progress:
        from tqdm import tqdm

        bar = tqdm(total=100, file=sys.stderr, desc=f"simulate ({args.method})", unit="%",
                   mininterval=0.5, delay=2.0, leave=False, disable=None)

        def progress(frac: float) -> None:
            new = int(round(100 * min(max(frac, 0.0), 1.0)))
            if new > bar.n:
                bar.update(new - bar.n)
    try:
        ens = simulate(source, times, paths=args.paths, seed=args.seed, method=args.method, step=args.step,
                       sigma=args.sigma, scheme=args.scheme, keep_paths=not args.summary,
                       progress=progress)
    finally:
        if bar is not None:
            bar.close()
    meta = {"source": args.model, "method": ens.method, "paths": ens.n_paths, "seed": args.seed,
            "outputs": list(ens.names)}
    if args.summary:
        cols = ens.summary_columns()
    else:
        import numpy as np

        n, T = ens.paths.shape[:2]
        cols = {"path": np.repeat(np.arange(n), T), "time": np.tile(ens.times, n)}
        cols.update({name: ens.paths[:, :, i].reshape(-1) for i, name in enumerate(ens.names)})
    emit(format_columns(cols, args.format, meta=meta), args.out)
    return 0
