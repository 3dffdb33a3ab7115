"""``metakinetics figures FIT_DIR_OR_MODEL [--out DIR] [--format png,pdf,svg]``: the figure set."""
from __future__ import annotations

import sys

from ..errors import InputError
from ..figures.figure_set import DEFAULT_SCENARIOS, FIGURES, render_figure_set
from ..figures.style import parse_formats
from ..io_atomic import check_writable_dir


def register(sub) -> None:
    """Add the ``figures`` subcommand (draw the figure set of a fit or a model into a folder) to ``sub``,
    the argparse subparsers.
    """
    p = sub.add_parser("figures", help="draw the figure set of a fit or a model (with caption files)",
                       description="Figures: " + ", ".join(FIGURES) + " (fit and corner need a fit). "
                                   "Each NAME.<format> gets a caption NAME.txt beside it.")
    p.add_argument("source", metavar="FIT_DIR_OR_MODEL",
                   help="fit directory (holding result.json), bundled model name or model TOML file")
    p.add_argument("--group", default=None, metavar="NAME",
                   help="group of a fit with group-specific parameters (e.g. a subtype of fits/subtypes): "
                        "the model and parameters of every figure but 'fit'; required for such a fit")
    p.add_argument("--out", "-o", default="figures", metavar="DIR", help="output directory (default ./figures)")
    p.add_argument("--format", default="png", help="comma list of png, pdf, svg (default png)")
    p.add_argument("--only", default=None, help="comma list of figures to draw (default all)")
    p.add_argument("--seed", type=int, default=0, help="seed of the fan chart and the parameter draws")
    p.add_argument("--draws", type=int, default=20, help="parameter draws for the scenario bands (fits)")
    p.add_argument("--paths", type=int, default=400, help="stochastic paths in the fan chart")
    p.add_argument("--scenario", dest="scenarios", action="append", default=None, metavar="SCENARIO",
                   help="scenarios of the comparison figure (repeatable; default: one of each kind)")
    p.add_argument("--workers", type=int, default=None, help="worker processes for the scenario sweep")
    p.add_argument("--quiet", "-q", action="store_true", help="do not list the files written")
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``metakinetics figures`` with the parsed ``args``: draw the figure set of a fit or a model into
    a folder; the exit status.
    """
    formats = parse_formats(args.format)
    only = [s.strip() for s in args.only.split(",") if s.strip()] if args.only else None
    if args.draws < 0 or args.paths < 1:
        raise InputError("--draws must be >= 0 and --paths >= 1")
    check_writable_dir(args.out, what="--out")
    done = render_figure_set(args.source, args.out, formats, group=args.group, only=only, seed=args.seed, draws=args.draws,
                             paths=args.paths, scenarios=args.scenarios or DEFAULT_SCENARIOS,
                             workers=args.workers,
                             progress=None if args.quiet else lambda n: print(f"drew {n}", file=sys.stderr))
    if not args.quiet:
        for fig in done:
            for path in fig.paths:
                print(path)
    return 0
