"""``metakinetics`` entry point: argparse with one module per subcommand.

User errors (:class:`MetakineticsError`) become one line on stderr and exit status 2; no traceback.
SIGTERM is turned into the same path as Ctrl-C (SIGINT): temporary files are removed, nothing
half-written is left, and the exit status is 128 + the signal number (130, 143).
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
import threading

from .. import __version__
from ..errors import MetakineticsError
from .common import check_common_arguments

#: Subcommand modules in ``metakinetics.cli``, in help order. Each defines ``register(subparsers)``.
COMMANDS = ["models", "show", "equations", "solve", "incidence", "cohort", "simulate",
            "datasets", "fit", "reproduce", "validate", "validate-patients", "select", "report", "scenario",
            "predict", "figures"]


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
            module = importlib.import_module(f"{__package__}.{name.replace('-', '_')}")
        except ModuleNotFoundError as exc:  # a subcommand not built yet
            if exc.name == f"{__package__}.{name.replace('-', '_')}":
                continue
            raise
        module.register(sub)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so it unwinds (and cleans up) like Ctrl-C."""


#: the signals delivered during this run, in order: a library may turn the exception a handler
#: raises into one of its own (numpy reports any error inside a structured-array comparison as a
#: TypeError), so the exit path looks here, not only at the exception's type
_received: list[int] = []


def _raise_terminated(signum, frame):
    _received.append(signum)
    raise Terminated()


def _raise_interrupted(signum, frame):
    _received.append(signum)
    raise KeyboardInterrupt()


def _unraisable(previous):
    """A hook for exceptions Python cannot raise (a weakref callback or ``__del__`` running when the
    signal arrived): the signal's own exception is not printed as a traceback but delivered again
    10 ms later from a timer thread (raised at once it would land in this hook), so that it
    unwinds the program; anything else goes to ``previous``."""
    def hook(args):
        if _received and isinstance(args.exc_value, KeyboardInterrupt):
            again = threading.Timer(0.01, os.kill, (os.getpid(), _received[-1]))
            again.daemon = True
            again.start()
            return
        previous(args)
    return hook


@contextlib.contextmanager
def _sigterm_as_interrupt():
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received.clear()
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _unraisable(previous_hook)
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    previous_int = signal.getsignal(signal.SIGINT)
    if previous_int is signal.default_int_handler:
        signal.signal(signal.SIGINT, _raise_interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        sys.unraisablehook = previous_hook


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
        if _received:                  # an error made of the signal's exception by the code it hit
            return _signalled(command)
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
    except Exception:
        if not _received:
            raise
        return _signalled(command)    # a library turned the signal's exception into another
    if _received:                      # a library swallowed it: the run was still asked to stop
        return _signalled(command)
    return int(result or 0)


def _signalled(command: str) -> int:
    """The message and exit status of the last signal received (the clean-up already ran)."""
    if _received[-1] == signal.SIGTERM:
        print(f"{command}: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    print(f"{command}: interrupted", file=sys.stderr)
    return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
