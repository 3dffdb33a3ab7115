"""``metakinetics`` entry point: argparse with one module per subcommand.

User errors (:class:`MetakineticsError`) become one line on stderr and exit status 2; no traceback.
SIGTERM is turned into the same path as Ctrl-C (SIGINT): temporary files are removed, nothing
half-written is left, and the exit status is 128 + the signal number (130, 143).
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
import threading

from .. import __version__
from ..errors import MetakineticsError
from .common import check_common_arguments

#: Subcommand modules in ``metakinetics.cli``, in help order. Each defines ``register(subparsers)``.
COMMANDS = ["models", "show", "equations", "solve", "incidence", "cohort", "simulate",
            "datasets", "fit", "reproduce", "validate", "select", "report", "scenario", "figures"]


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


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so it unwinds (and cleans up) like Ctrl-C."""


def _raise_terminated(signum, frame):
    raise Terminated()


@contextlib.contextmanager
def _sigterm_as_interrupt():
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) and return its exit status.

    Errors of the package are one line on stderr and status 2; SIGTERM and Ctrl-C end with
    128 + SIGTERM and 130 after cleaning up; a closed output pipe is not an error.
    """
    with _sigterm_as_interrupt():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    command = "metakinetics"
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        parser = build_parser(argv[0] if argv and argv[0] in COMMANDS else None)
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 0
        command = f"metakinetics {args.command}"
        check_common_arguments(args)
        result = args.func(args)
    except MetakineticsError as exc:
        print(f"{command}: error: {exc}", file=sys.stderr)
        return 2
    except Terminated:
        print(f"{command}: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
