"""``metakinetics models``: list the bundled models."""
from __future__ import annotations

from ..model import list_models, load_model


def register(sub) -> None:
    """Add the ``models`` subcommand (list the bundled models) to ``sub``, the argparse subparsers."""
    p = sub.add_parser("models", help="list the bundled models")
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``metakinetics models`` with the parsed ``args``: list the bundled models; the exit status."""
    for name in list_models():
        print(f"{name:24s} {load_model(name).description}")
    return 0
