"""``metakinetics show MODEL``: every parameter with its unit (years), or the model as JSON."""
from __future__ import annotations

import json

from ..model.file import field_info
from .common import add_model_arguments, model_from_args


def register(sub) -> None:
    """Add the ``show`` subcommand (print every parameter of a model with its unit, or the model as JSON)
    to ``sub``, the argparse subparsers.
    """
    p = sub.add_parser("show", help="show a model's parameters with units")
    add_model_arguments(p)
    p.add_argument("--json", action="store_true", help="print the model as JSON (years)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``metakinetics show`` with the parsed ``args``: print every parameter of a model with its unit,
    or the model as JSON; the exit status.
    """
    model = model_from_args(args)
    if args.json:
        print(json.dumps(model.to_dict(), indent=2))
        return 0
    print(f"{model.name}: {model.description}")
    if model.source:
        print(f"source: {model.source}")
    print(f"organs: {', '.join(model.organ_names)}")
    rows = []
    for key, value in model.values().items():
        info = field_info(key)
        unit = info.unit.replace("time", "year") if info else ""
        doc = info.doc if info else ""
        rows.append((key, f"{value:.6g}", unit, doc))
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        print(f"  {r[0]:<{width[0]}}  {r[1]:>{width[1]}}  {r[2]:<{width[2]}}  {r[3]}")
    return 0
