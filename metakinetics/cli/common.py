"""Argument helpers shared by the subcommands: times, --set overrides, output formats."""
from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import sys
from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import InputError, OutputError
from ..io_atomic import check_writable, write_text_atomic
from ..model import Model, load_model, parse_override


def parse_times(text: str) -> np.ndarray:
    """``start:stop:step`` (stop included when on the grid) or a comma list ``1,2,5`` (years)."""
    text = text.strip()
    try:
        if ":" in text:
            parts = [float(p) for p in text.split(":")]
            if len(parts) != 3:
                raise ValueError
            start, stop, step = parts
            if not all(math.isfinite(v) for v in parts):
                raise InputError(f"--times: start, stop and step must be finite numbers, found '{text}'")
            if step <= 0:
                raise InputError(f"--times: step must be positive, found {step:g}")
            if stop < start:
                raise InputError(f"--times: stop {stop:g} is before start {start:g}")
            n = int(math.floor((stop - start) / step + 1e-9)) + 1
            if n > 1_000_000:
                raise InputError(f"--times: {n} time points is too many (at most 1,000,000)")
            times = start + step * np.arange(n)
        else:
            times = np.array([float(p) for p in text.split(",") if p.strip()])
    except ValueError:
        raise InputError(f"--times: cannot read '{text}' (use start:stop:step or a comma list)") from None
    return check_times(times, what="--times")


def check_times(times, *, what: str = "times") -> np.ndarray:
    """Times as a 1-D float array: finite, non-negative, strictly increasing, not empty."""
    t = np.atleast_1d(np.asarray(times, dtype=float))
    if t.ndim != 1 or t.size == 0:
        raise InputError(f"{what}: expected at least one time")
    if not np.all(np.isfinite(t)):
        raise InputError(f"{what}: times must be finite numbers")
    if np.any(t < 0):
        raise InputError(f"{what}: times must be zero or positive, found {t[t < 0][0]:g}")
    if np.any(np.diff(t) <= 0):
        i = int(np.argmax(np.diff(t) <= 0))
        raise InputError(f"{what}: times must be strictly increasing ({t[i]:g} then {t[i + 1]:g})")
    return t


def add_fit_arguments(parser) -> None:
    """FIT positional (a fit folder, fit.toml or bundled name; default fits/breast) and ``--result``."""
    parser.add_argument("setup", nargs="?", default=None, metavar="FIT",
                        help="fit folder or fit.toml (default: fits/breast); a bare name means a bundled set-up")
    parser.add_argument("--result", default=None, metavar="PATH",
                        help="the recorded fit result (default: result.json beside fit.toml)")
def check_common_arguments(args) -> None:
    """Checks of options shared by several commands, before any work: ``--seed`` a whole number
    >= 0, ``--landmark`` / ``--horizon`` finite, ``--workers`` >= 1 and at most the CPUs this
    process may use (more only adds processes that wait)."""
    seed = getattr(args, "seed", None)
    if seed is not None and seed < 0:
        raise InputError(f"--seed must be zero or positive, found {seed}")
    for name in ("landmark", "horizon"):
        value = getattr(args, name, None)
        if value is not None and not math.isfinite(value):
            raise InputError(f"--{name} must be a finite number of years, found {value}")
    workers = getattr(args, "workers", None)
    if workers is not None:
        if workers < 1:
            raise InputError(f"--workers must be at least 1, found {workers}")
        from ..scenarios import default_workers

        args.workers = min(workers, default_workers())


def add_model_arguments(parser, nodal: bool = False) -> None:
    """MODEL positional and repeated ``--set key=value`` (and, for the population commands,
    ``nodal``, ``--nodal-class``)."""
    parser.add_argument("model", metavar="MODEL", help="bundled model name (see 'metakinetics models') or a path to a TOML file")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                        help="override a value by dotted key, e.g. organs.bone.efficiency=3e-6 (repeatable)")
    add_class_argument(parser)
    if nodal:
        add_nodal_argument(parser)


def add_nodal_argument(parser) -> None:
    """``--nodal-class CLASS``: the patients of one nodal class (nodes.min and nodes.max)."""
    parser.add_argument("--nodal-class", dest="nodal_class", default=None, metavar="CLASS",
                        help="describe the patients of one nodal class: N0, N1-3, N4-9, N10+, N+ or a count "
                             "(sets nodes.min and nodes.max; the model needs nodes.ratio > 0 for node-positive "
                             "classes)")


def nodal_overrides(args) -> dict[str, float]:
    """nodes.min and nodes.max of ``--nodal-class`` ({} without it)."""
    text = getattr(args, "nodal_class", None)
    if text is None:
        return {}
    from ..nodal_classes import nodal_class

    lo, hi = nodal_class(text)
    return {"nodes.min": float(lo), "nodes.max": float(hi)}


def add_class_argument(parser) -> None:
    """``--class NAME``: one intrinsic class of the model as a model of its own (Model.of_class)."""
    parser.add_argument("--class", dest="klass", default=None, metavar="NAME",
                        help="one intrinsic class of the model (a [classes.NAME] table) as a model of its own")


def _generations(text: str):
    """--generations: a whole number >= 1, or 'all' (None)."""
    if text.strip().lower() in ("all", "none"):
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1 or 'all', found {text!r}") from None


def add_generations_argument(parser, default: int | None = 2) -> None:
    """``--generations N|all``: colonies' generations followed with metastasis-to-metastasis seeding
    (``default``: 2 where formulas compute, None, every generation, for the cohort simulator)."""
    said = "2, the default: " if default == 2 else "2: "
    parser.add_argument("--generations", type=_generations, default=default, metavar="N|all",
                        help="with metastasis-to-metastasis seeding: generations of colonies followed, by the "
                             f"formulas and the simulator alike (1: colonies do not shed; {said}the primary's "
                             "colonies shed, their daughters do not; 'all'" + (", the default" if default is None
                                                                                else "") + ": every generation)")


def add_format_argument(parser, choices: Sequence[str] = ("table", "csv", "json"), default: str = "table") -> None:
    """Add ``--format`` (one of ``choices``, default ``default``) to ``parser``."""
    parser.add_argument("--format", choices=choices, default=default, help=f"output format (default {default})")


def model_from_args(args) -> Model:
    """Load MODEL with the --set overrides and --nodal-class applied (then --class: that class as a
    model of its own)."""
    over = dict(parse_override(s) for s in args.sets) | nodal_overrides(args)
    model = load_model(args.model, overrides=over or None)
    return model.of_class(args.klass) if getattr(args, "klass", None) else model


def format_columns(columns: Mapping[str, Sequence], fmt: str, *, meta: Mapping | None = None) -> str:
    """Equal-length columns as an aligned table, CSV (header row) or JSON (``meta`` + columns)."""
    names = list(columns)
    cols = [np.asarray(columns[n]) for n in names]
    nrow = len(cols[0]) if cols else 0
    if fmt == "json":
        payload = dict(meta or {})
        payload["columns"] = {n: [_jsonable(v) for v in c] for n, c in zip(names, cols)}
        return json.dumps(payload, indent=2) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(names)
        for i in range(nrow):
            w.writerow([_cell(c[i]) for c in cols])
        return buf.getvalue()
    cells = [[_cell(c[i], table=True) for c in cols] for i in range(nrow)]
    widths = [max([len(n)] + [len(r[j]) for r in cells]) for j, n in enumerate(names)]
    lines = ["  ".join(n.rjust(w) for n, w in zip(names, widths))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in cells]
    return "\n".join(lines) + "\n"


def _cell(v, table: bool = False) -> str:
    if isinstance(v, (str, np.str_)):
        return str(v)
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v)).lower()
    x = float(v)
    if table:                          # an undefined value (no band without draws, say) reads '-', not 'nan'
        return f"{x:.6g}" if math.isfinite(x) or math.isinf(x) else "-"
    return repr(x) if not x.is_integer() or abs(x) >= 1e16 else str(int(x)) if abs(x) < 1e15 else repr(x)


def _jsonable(v):
    if isinstance(v, (str, np.str_)):
        return str(v)
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    x = float(v)
    return x if math.isfinite(x) else None


def check_out(out: str | None, *, what: str = "--out") -> None:
    """Refuse an output file that cannot be written, before any computing (one-line error)."""
    if out is None or out == "-":
        if sys.stdout is None:
            raise OutputError(f"{what}: standard output is closed (give --out FILE)")
        return
    check_writable(out, what=what)


def _discard_stdout() -> None:
    """Point fd 1 at /dev/null so the interpreter's final flush cannot fail a second time."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def emit(text: str, out: str | None = None) -> None:
    """Write ``text`` to stdout, or atomically to the file ``out``."""
    if out is None or out == "-":
        if sys.stdout is None:
            raise OutputError("cannot write the output: standard output is closed (give --out FILE)")
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            _discard_stdout()
            raise OutputError(f"cannot write the output to standard output: {exc.strerror or exc} "
                              f"(give --out FILE)") from None
        return
    write_text_atomic(out, text)


#: default times per endpoint: site_share is undefined at 0, by_size runs over diameters (cm)
DEFAULT_TIMES = {"site_share": "1:20:1", "by_size": "0.5:5:0.5", "at_diagnosis": "0", "distant_at_diagnosis": "0",
                 "organs_per_relapse": "1:20:1", "multi_organ": "1:20:1", "lag": "0:10:0.5"}


def default_times(args) -> str:
    """The --times text, or the endpoint's default."""
    return args.times or DEFAULT_TIMES.get(args.endpoint, "0:20:1")
