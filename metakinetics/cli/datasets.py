"""``metakinetics datasets``: list the bundled data sets, or show one with its citation."""
from __future__ import annotations

import textwrap

import numpy as np

from ..datasets import list_datasets, load_dataset
from .common import add_format_argument, emit, format_columns


def register(subparsers) -> None:
    """Add the ``datasets`` subcommand (list the bundled data sets, or show one with its citation) to
    ``subparsers``, the argparse subparsers.
    """
    p = subparsers.add_parser("datasets", help="list the bundled published data sets, or show one",
                              description="List the bundled data sets (no argument) or print one with "
                                          "its citation: 'metakinetics datasets show NAME'.")
    p.add_argument("action", nargs="?", choices=["list", "show"], default="list")
    p.add_argument("name", nargs="?", metavar="NAME", help="data set name or path to a CSV file (for show)")
    add_format_argument(p)
    p.add_argument("--out", default=None, help="write to this file (atomically) instead of stdout")
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``metakinetics datasets`` with the parsed ``args``: list the bundled data sets, or show one with
    its citation; the exit status.
    """
    if args.action == "show" or args.name:
        if not args.name:
            from ..errors import InputError

            raise InputError("datasets show: give a data set NAME (see 'metakinetics datasets')")
        emit(show_text(args.name, args.format), args.out)
        return 0
    names = list_datasets()
    infos = [load_dataset(n).info for n in names]
    cols = {"name": names, "kind": [i.kind for i in infos],
            "rows": [len(load_dataset(n)) for n in names],
            "status": [i.status for i in infos],
            "title": [i.title for i in infos]}
    emit(format_columns(cols, args.format), args.out)
    return 0


def show_text(name: str, fmt: str) -> str:
    """One data set as a table/CSV/JSON, preceded (table) by its citation and metadata."""
    data = load_dataset(name)
    info = data.info
    if data.kind == "individual":
        cols = {"id": data.id, "time": data.time, "event": data.event, **dict(data.covariates)}
    else:
        cols = {"group": data.group}
        cols.update({c: getattr(data, a) for c, a in (("class", "class_"), ("nodes", "nodes")) if any(getattr(data, a))})
        cols.update({"organ": data.organ, "endpoint": data.endpoint, "time": data.time, "value": data.value})
        cols.update({c: getattr(data, c) for c in ("denominator", "events", "lower", "upper", "se", "landmark",
                                                   "diameter_cm", "window", "horizon", "within")
                     if np.isfinite(getattr(data, c)).any()})
        cols["status"] = data.status
    if fmt == "json":
        return format_columns(cols, fmt, meta={"dataset": info.to_dict()})
    if fmt == "csv":
        return format_columns(cols, fmt)
    head = [f"{info.name}: {info.title}"]
    for label, val in (("citation", info.citation), ("cohort", info.cohort), ("endpoint", info.endpoint),
                       ("time origin", f"{info.time_origin} (times in {info.time_unit}s)"),
                       ("status", info.status), ("likelihood", info.likelihood or ""),
                       ("licence", info.licence), ("notes", info.notes), ("ascertainment", info.ascertainment),
                       ("treatment", info.treatment), ("url", info.url),
                       ("use", f"{info.use}: {info.use_reason}" if info.use_reason else info.use),
                       ("sha256", info.sha256)):
        if val:
            head.append(textwrap.fill(val, width=100, initial_indent=f"  {label}: ",
                                      subsequent_indent=" " * (len(label) + 4)))
    return "\n".join(head) + "\n\n" + format_columns(cols, "table")
