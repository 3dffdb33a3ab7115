"""One look for every figure: Okabe-Ito colour-blind-safe palette, fixed organ colours, sizes,
and atomic saving of a figure with its caption file. Figures are plain ``matplotlib.figure.Figure``
objects, never registered with pyplot: nothing here sets the backend or any global state a user set."""
from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from ..errors import InputError
from ..io_atomic import write_bytes_atomic, write_text_atomic

#: Okabe & Ito (2008) palette, safe for the common colour-vision deficiencies.
OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7"}
CYCLE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

#: Fixed colours for the usual organs (others take the cycle in order).
ORGAN_COLOURS = {"bone": "#0072B2", "lung": "#D55E00", "liver": "#009E73", "brain": "#CC79A7",
                 "distant": "#000000"}
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]

RC = {
    "figure.dpi": 100, "savefig.dpi": 150, "font.size": 9, "axes.titlesize": 10,
    "axes.labelsize": 9, "legend.fontsize": 8, "xtick.labelsize": 8, "ytick.labelsize": 8,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
    "lines.linewidth": 1.6, "axes.prop_cycle": matplotlib.cycler(color=CYCLE),
    "savefig.bbox": "tight", "svg.hashsalt": "metakinetics", "pdf.fonttype": 42,
}

FORMATS = ("png", "pdf", "svg")


def label_bottom_row(flat, n: int, ncols: int, xlabel: str) -> None:
    """On a grid of panels ``flat`` (row-major, ``ncols`` wide) of which the first ``n`` are used:
    hide the unused ones and give the lowest used panel of each column the x label and tick labels."""
    for ax in flat[n:]:
        ax.set_visible(False)
    for j in range(ncols):
        col = [i for i in range(n) if i % ncols == j]
        if col:
            flat[col[-1]].set_xlabel(xlabel)
            flat[col[-1]].xaxis.set_tick_params(labelbottom=True)


def organ_colour(name: str, index: int = 0) -> str:
    """Colour of an organ (fixed for bone/lung/liver/brain/distant, else the palette cycle)."""
    return ORGAN_COLOURS.get(name, CYCLE[index % len(CYCLE)])


def colour(i: int) -> str:
    """The ``i``-th colour of the colour-blind-safe cycle ``CYCLE`` (repeating)."""
    return CYCLE[i % len(CYCLE)]


@contextlib.contextmanager
def styled() -> Iterator[None]:
    """rcParams of the house style for the figures made inside the block."""
    with matplotlib.rc_context(RC):
        yield


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float = 6.5, height: float = 3.0,
               sharex: bool = False, sharey: bool = False, squeeze: bool = False):
    """A Figure (not registered with pyplot's state machine) and its axes grid."""
    with styled():
        fig = Figure(figsize=(width, height), layout="constrained")
        axes = fig.subplots(nrows, ncols, sharex=sharex, sharey=sharey, squeeze=squeeze)
    return fig, axes


def parse_formats(text: str | Sequence[str], *, what: str = "--format") -> tuple[str, ...]:
    """'png,pdf' or a list -> checked tuple of formats."""
    items = [t.strip().lower() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    bad = [t for t in items if t not in FORMATS]
    if bad or not items:
        raise InputError(f"{what}: unknown figure format '{bad[0] if bad else text}' (expected a comma "
                         f"list of {', '.join(FORMATS)})")
    return tuple(dict.fromkeys(items))


def save(fig: Figure, out_dir: str | Path, name: str, formats: Sequence[str], caption: str) -> list[Path]:
    """Write ``name.<fmt>`` for each format and ``name.txt`` (the caption) atomically."""
    out = Path(out_dir)
    paths = []
    with styled():
        for fmt in formats:
            buf = io.BytesIO()
            dates = {"pdf": {"CreationDate": None}, "svg": {"Date": None}}.get(fmt, {})   # no dates: reproducible
            metadata = {"Creator": "metakinetics", **dates} if fmt in ("png", "svg", "pdf") else None
            fig.savefig(buf, format=fmt, metadata=metadata)
            paths.append(write_bytes_atomic(out / f"{name}.{fmt}", buf.getvalue()))
    paths.append(write_text_atomic(out / f"{name}.txt", caption.rstrip() + "\n"))
    return paths
