"""PNG bytes for the report: LaTeX through matplotlib's mathtext, figures through Agg."""
from __future__ import annotations

import io


def latex_png(latex: str, *, dpi: int = 140) -> bytes | None:
    """The equation rendered by mathtext (no TeX installation needed), or None when mathtext cannot
    parse it (the report then shows the LaTeX source)."""
    from matplotlib import mathtext

    buf = io.BytesIO()
    try:
        mathtext.math_to_image(f"${latex}$", buf, dpi=dpi, format="png")
    except ValueError:
        return None
    return buf.getvalue()


def figure_png(fig, *, dpi: int = 100) -> bytes:
    """A matplotlib Figure as PNG bytes (figures here are never registered with pyplot)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
