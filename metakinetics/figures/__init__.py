"""Figures (matplotlib, Agg backend only): one function per figure returning a Figure, one
house style (style.py), and the generated figure set with caption files (figure_set.py)."""
from .style import FORMATS, OKABE_ITO, parse_formats, save

__all__ = ["FORMATS", "OKABE_ITO", "parse_formats", "render_figure_set", "save"]


def render_figure_set(*args, **kwargs):
    """See :func:`metakinetics.figures.figure_set.render_figure_set` (imported lazily)."""
    from .figure_set import render_figure_set as _render

    return _render(*args, **kwargs)
