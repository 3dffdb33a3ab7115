"""``metakinetics select FIT [FIT ...] [--validate] [--out FILE.md]``: the model-selection table (AIC,
BIC, with ``--validate`` the cross-validated log-likelihood) of fits of the same data, from each fit's
committed result.json (and validate.json, in its validate folder); nothing is refitted. Prints the
Markdown table and, with ``--out``, writes it atomically. Fits of different data are refused (one line, exit status 2).
The method: :mod:`metakinetics.inference.selection`, docs/fitting.md."""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import InputError
from ..inference import resolve_setup_path
from ..inference.selection import selection_table, to_markdown
from ..io_atomic import check_writable, write_text_atomic


def register(subparsers) -> None:
    """Add the ``select`` subcommand (model-selection table of fits of the same data) to
    ``subparsers``, the argparse subparsers.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The subparsers of the ``metakinetics`` parser.

    Returns
    -------
    None
    """
    p = subparsers.add_parser(
        "select", help="model-selection table (AIC, BIC, cross-validated log-likelihood) of fits of the same data",
        description="Read each fit's recorded result.json (and, with --validate, the validate.json in its validate "
                    "folder) and print a Markdown table: free parameters k, observations n, log-likelihood, AIC = 2k "
                    "- 2 log L, BIC = k ln(n) - 2 log L and their differences from the lowest, and the "
                    "cross-validated log-likelihood (the left-out data sets' log-likelihoods at the refits without "
                    "them; higher is better). Nothing is refitted. Fits whose data differ are refused (AIC and BIC "
                    "compare likelihoods of the same data only). Exit status 0; 2: bad input.")
    p.add_argument("fits", nargs="+", metavar="FIT",
                   help="fit folder (holding result.json), fit.toml, result.json, or a bundled fit's name")
    p.add_argument("--validate", action="store_true",
                   help="add the cross-validated log-likelihood from the validate.json in each fit's validate folder "
                        "(written by metakinetics validate FIT; not run here)")
    p.add_argument("--out", default=None, metavar="FILE.md", help="also write the table to this Markdown file")
    p.set_defaults(func=run)


def locate(fit: str) -> tuple[Path, Path]:
    """The result.json and validate.json of a FIT argument.

    Parameters
    ----------
    fit : str
        A result.json, a folder holding one, a fit.toml or a bundled fit's name.

    Returns
    -------
    tuple of pathlib.Path
        (result.json, the validate.json in the validate folder beside it); the latter may not exist.

    Raises
    ------
    InputError
        When there is no result.json (run metakinetics fit first).
    """
    p = Path(fit)
    if p.suffix == ".json" and p.is_file():
        result = p
    elif p.is_dir() and (p / "result.json").is_file():
        result = p / "result.json"
    else:
        from .fit import fit_output_dir

        setup = resolve_setup_path(fit)
        result = fit_output_dir(setup, None) / "result.json"
        if not result.is_file():
            raise InputError(f"{fit}: no fit result at {result} (write one with: metakinetics fit {fit})")
    return result, result.parent / "validate" / "validate.json"


def run(args) -> int:
    """Run ``metakinetics select`` with the parsed ``args``: print the table, write it with ``--out``.

    Parameters
    ----------
    args : argparse.Namespace
        ``fits``, ``validate``, ``out``.

    Returns
    -------
    int
        0 (bad input raises a MetakineticsError: one line, exit status 2).
    """
    located = [locate(f) for f in args.fits]
    seen: dict[Path, str] = {}
    for f, (result, _) in zip(args.fits, located):
        key = result.resolve()
        if key in seen:
            raise InputError(f"{f}: the same fit result as {seen[key]} ({result}): name each fit once")
        seen[key] = f
    if args.out:
        check_writable(args.out, what="--out")
    validations = None
    if args.validate:
        missing = [(f, v) for f, (_, v) in zip(args.fits, located) if not v.is_file()]
        if missing:
            f, v = missing[0]
            raise InputError(f"--validate: fit {f} has no validation at {v} (write one with: metakinetics validate "
                             f"{f}, or leave out --validate)")
        validations = [v for _, v in located]
    text = to_markdown(selection_table([r for r, _ in located], validations))
    sys.stdout.write(text)
    if args.out and args.out != "-":          # '-': the printed table is all
        write_text_atomic(args.out, text)
        sys.stdout.write(f"\nwrote {args.out}\n")
    return 0
