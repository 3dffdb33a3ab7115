"""``metakinetics`` entry point: argparse with one module per subcommand.

User errors (:class:`MetakineticsError`) become one line on stderr and exit status 2; no traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__
from ..errors import MetakineticsError

#: Subcommand modules in ``metakinetics.cli``, in help order. Each defines ``register(subparsers)``.
COMMANDS = ["models", "show", "equations", "solve", "incidence", "cohort", "simulate",
            "datasets", "fit", "reproduce", "report", "scenario", "figures"]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand, or with ``only`` that one: a command imports its own
    module alone (e.g. ``fit`` does not load sympy for ``equations``), which saves 0.3-0.7 s of
    start-up on the 2-core machine."""
    parser = argparse.ArgumentParser(
        prog="metakinetics",
        description="Kinetics of cancer metastasis: organ-specific incidence, solved exactly, "
                    "simulated, fit to published data.")
    parser.add_argument("--version", action="version", version=f"metakinetics {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else [only]:
        try:
            module = importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:  # a subcommand not built yet
            if exc.name == f"{__package__}.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv[0] if argv and argv[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        result = args.func(args)
    except MetakineticsError as exc:
        print(f"metakinetics {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"metakinetics {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
