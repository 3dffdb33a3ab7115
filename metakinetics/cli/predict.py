"""``metakinetics predict [FIT_OR_MODEL] --diameter 2.1 --nodes 2 --subtype luminal_b --treatment endocrine``:
one patient's (or a CSV of patients') organ risks by 5, 10 and 20 years, with what-ifs.

Prints (or writes with ``--out DIR``) the table of :class:`metakinetics.patient.Prediction`; with
``--out DIR`` also one page per patient (``<id>.png`` and its caption), all written atomically
together. A tqdm bar on stderr for a CSV of patients.
"""
from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..io_atomic import check_writable_dir, write_files_atomic
from .common import add_format_argument, emit, format_columns

#: the time grid the figures are drawn on (years), besides the asked times
FIGURE_STEP = 0.5
#: at most this many patients get a figure page (a CSV of thousands: give --no-figures)
MAX_FIGURES = 200
#: a CSV with more distinct diameters than this is evaluated on a diameter grid unless --diameter-grid says
AUTO_GRID_ABOVE = 64
AUTO_GRID = 16


def register(sub) -> None:
    """Add the ``predict`` subcommand (one patient's organ risks with what-ifs) to ``sub``, the argparse
    subparsers.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the main parser.
    """
    p = sub.add_parser(
        "predict", help="one patient's organ-specific risks (and what-ifs) from her covariates",
        description="The risk of a metastasis in each organ, first sites and distant-metastasis-free survival "
                    "for a patient with given covariates (diameter at diagnosis, involved nodes, subtype, "
                    "endocrine therapy), conditioned on what was observed (docs/predict.md); bands from the fit's "
                    "parameter draws, and the spread between patients who look alike stated separately.")
    p.add_argument("source", nargs="?", default=None, metavar="FIT_OR_MODEL",
                   help="fit directory (result.json: bands possible) or model (no bands); default fits/breast")
    p.add_argument("--group", default=None, metavar="NAME",
                   help="group of a fit with group-specific parameters (required for such a fit)")
    p.add_argument("--diameter", type=float, default=None, metavar="CM", help="diameter at diagnosis (cm)")
    p.add_argument("--nodes", default=None, metavar="N|CLASS",
                   help="involved regional nodes: a count 0-60 or a class (N0, N1-3, N4-9, N10+, N+)")
    p.add_argument("--subtype", default=None, metavar="NAME",
                   help="intrinsic class (luminal_a, luminal_b, her2_enriched, triple_negative; several joined by "
                        "'+') or receptor status (HR+, HR-, HER2+, HER2-, TNBC)")
    p.add_argument("--treatment", default=None, metavar="T", help="none, endocrine (5 years) or endocrine:YEARS")
    p.add_argument("--id", default="patient", help="the patient's label (default 'patient')")
    p.add_argument("--patients", default=None, metavar="FILE.csv",
                   help="a CSV of patients, one row each (columns diameter_cm, nodes, subtype, treatment[, id])")
    p.add_argument("--scenario", "-s", dest="scenarios", action="append", default=[], metavar="SCENARIO",
                   help="a what-if on top of her values, e.g. adjuvant:kill_dormant=0.5 (repeatable)")
    p.add_argument("--times", nargs="+", default=["5", "10", "20"], metavar="YEARS",
                   help="years after diagnosis (default 5 10 20)")
    p.add_argument("--draws", type=int, default=None, metavar="N",
                   help="parameter draws from the fit for the bands (default 40 for a fit, 0 for a model)")
    p.add_argument("--level", type=float, default=0.95, help="central band probability (default 0.95)")
    p.add_argument("--seed", type=int, default=1, help="seed of the draws (default 1)")
    p.add_argument("--nodes-quadrature", dest="quadrature", type=int, default=None, metavar="N",
                   help="Gauss-Hermite nodes per random effect (default: the fit's)")
    p.add_argument("--diameter-grid", type=int, default=None, metavar="N",
                   help=f"evaluate N log-spaced diameters and interpolate (default: exact, or {AUTO_GRID} when a CSV "
                        f"has more than {AUTO_GRID_ABOVE} distinct diameters)")
    p.add_argument("--no-spread", action="store_true", help="leave out the spread between look-alike patients")
    p.add_argument("--workers", type=int, default=None, metavar="N", help="local worker processes")
    add_format_argument(p)
    p.add_argument("--out", "-o", default=None, metavar="DIR",
                   help="write prediction.<format> and one figure page per patient here (atomically)")
    p.add_argument("--no-figures", action="store_true", help="with --out: no figure pages")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _times(items) -> np.ndarray:
    parts = [x for item in items for x in str(item).split(",") if x.strip()]
    try:
        return np.array([float(x) for x in parts])
    except ValueError:
        raise InputError(f"--times: expected years after diagnosis, found '{' '.join(items)}'") from None


def _progress(disable: bool):
    from tqdm import tqdm

    bar = {"obj": None}

    def update(done: int, total: int) -> None:
        if bar["obj"] is None:
            bar["obj"] = tqdm(total=total, unit="chunk", desc="predict", disable=disable, leave=False,
                              file=sys.stderr)
        bar["obj"].update(done - bar["obj"].n)
        if done >= total:
            bar["obj"].close()

    return update


def _table(prediction) -> str:
    head = [f"# for: {prediction.source}"]
    for p, unused in zip(prediction.patients, prediction.unused):
        head.append(f"# {p.id}: {p.describe()}")
        head += [f"#   not used: {c} ({why})" for c, why in unused.items()]
    for s, d, n in zip(prediction.scenarios, prediction.descriptions, prediction.notes):
        head.append(f"# {s}: {d}" + (f" (note: {n})" if n else ""))
    head.append("# bands: " + (f"{prediction.level:.0%} over {prediction.draws} parameter draws"
                               if prediction.bands is not None else "none (no draws, or a model)")
                + "; spread_*: look-alike patients' own risk (SD, 10/50/90th percentile)")
    cols = {k: [float("nan") if x is None else x for x in v] for k, v in prediction.columns().items()}
    return "\n".join(head) + "\n" + format_columns(cols, "table")


def _slug(text: str, used: set) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "patient"
    name, i = base, 1
    while name in used:
        i += 1
        name = f"{base}_{i}"
    used.add(name)
    return name


def run(args) -> int:
    """Run ``metakinetics predict`` with the parsed ``args``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options (see ``register``).

    Returns
    -------
    int
        0 (bad input raises a MetakineticsError: one line, exit status 2).
    """
    from ..inference import default_setup_path
    from ..patient import Patient, predict, read_patients
    from ..scenarios import looks_like_fit

    given = {k: getattr(args, k) for k in ("diameter", "nodes", "subtype", "treatment")}
    if args.patients is not None:
        if any(v is not None for v in given.values()):
            raise InputError("give covariates as options or --patients FILE.csv, not both")
        patients = read_patients(args.patients)
    else:
        nodes = given["nodes"]
        if nodes is not None and nodes.strip().lstrip("-").isdigit():
            nodes = int(nodes)
        patients = (Patient(diameter_cm=given["diameter"], nodes=nodes, subtype=given["subtype"],
                            treatment=given["treatment"], id=args.id),)
    source = args.source if args.source is not None else str(default_setup_path().parent)
    draws = args.draws if args.draws is not None else (40 if looks_like_fit(source) else 0)
    if draws < 0:
        raise InputError(f"--draws must be zero or positive, found {draws}")
    times = _times(args.times)
    figures = args.out is not None and not args.no_figures
    if figures and len(patients) > MAX_FIGURES:
        raise InputError(f"--out: {len(patients)} patients would make {len(patients)} figure pages (at most "
                         f"{MAX_FIGURES}); give --no-figures for the table alone")
    if args.out is not None:
        check_writable_dir(Path(args.out), what="--out")
    grid = args.diameter_grid
    if grid is None and args.patients is not None:
        distinct = {p.diameter_cm for p in patients if p.diameter_cm is not None}
        grid = AUTO_GRID if len(distinct) > AUTO_GRID_ABOVE else None
    grid_t = times
    if figures:             # a fine grid to draw on, the asked times among it
        grid_t = np.union1d(times, np.arange(0.0, max(20.0, float(np.max(times))) + 1e-9, FIGURE_STEP))
    quiet = args.no_progress or len(patients) == 1
    result = predict(source, patients, scenarios=args.scenarios, times=grid_t, draws=draws, seed=args.seed,
                     level=args.level, nodes=args.quadrature, spread=not args.no_spread, diameter_grid=grid,
                     group=args.group,
                     workers=args.workers, progress=_progress(quiet))
    table = result if grid_t is times else _at(result, times)
    text = table.to_json() if args.format == "json" else table.to_csv() if args.format == "csv" else _table(table)
    if args.out is None:
        emit(text)
        return 0
    out = Path(args.out)
    items = [(out / f"prediction.{'txt' if args.format == 'table' else args.format}", text.encode())]
    if figures:
        from ..figures.patient import patient_caption, patient_figure
        from ..figures.style import styled

        used: set = set()
        for i, p in enumerate(result.patients):
            name = _slug(p.id, used)
            fig = patient_figure(result, i)
            buf = io.BytesIO()
            with styled():
                fig.savefig(buf, format="png", metadata={"Creator": "metakinetics"})
            items.append((out / f"{name}.png", buf.getvalue()))
            items.append((out / f"{name}.txt", (patient_caption(result, i) + "\n").encode()))
    write_files_atomic(items)
    print(f"wrote {len(items)} files to {out}", file=sys.stderr)
    return 0


def _at(prediction, times: np.ndarray):
    """The prediction at ``times`` (a subset of its own times)."""
    from dataclasses import replace

    idx = np.searchsorted(prediction.times, times)

    def cut(d, axis=2):
        if d is None:
            return None
        return {k: (tuple(np.take(a, idx, axis=axis) for a in v) if isinstance(v, tuple)
                    else np.take(v, idx, axis=axis)) for k, v in d.items()}

    return replace(prediction, times=prediction.times[idx], values=cut(prediction.values), bands=cut(prediction.bands),
                   spread=cut(prediction.spread))
