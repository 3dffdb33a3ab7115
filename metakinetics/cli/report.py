"""``metakinetics report FIT --out report.html``: one self-contained HTML file of a fit (figures
embedded, nothing fetched to view it), written atomically."""
from __future__ import annotations


from ..errors import InputError
from .common import add_fit_arguments
from ..io_atomic import write_text_atomic
from ..report import build_report


def register(subparsers) -> None:
    """Add the ``report`` subcommand (write the self-contained HTML report of a fit) to ``subparsers``, the
    argparse subparsers.
    """
    p = subparsers.add_parser(
        "report", help="write a self-contained HTML report of a fit",
        description="Write one HTML file with the model's equations, the parameter table (95% limits, "
                    "identifiability flags), each data set's fit with its figure, the data sets' citations "
                    "and checksums, and the versions that produced it. Images are embedded; the file needs "
                    "no network to view.")
    add_fit_arguments(p)
    p.add_argument("--out", required=True, metavar="FILE", help="the HTML file to write (e.g. report.html)")
    p.add_argument("--draws", type=int, default=200,
                   help="parameter draws for the figures' 95%% bands (default 200; 0: no bands)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``metakinetics report`` with the parsed ``args``: write the self-contained HTML report of a fit;
    the exit status.
    """
    if args.draws < 0:
        raise InputError(f"--draws must be 0 or more, found {args.draws}")
    html = build_report(args.setup, result=args.result, draws=args.draws, seed=args.seed)
    path = write_text_atomic(args.out, html)
    print(f"wrote {path} ({len(html.encode('utf-8')) / 1024:.0f} kB)")
    return 0
