"""A sphinx-gallery image scraper for the figures of ``metakinetics.figures``.

Those functions return matplotlib Figures that are not registered with pyplot, so the matplotlib
scraper does not see them. This one, run before it, shows every such Figure an example holds in a
variable, once; pyplot figures it only remembers (the matplotlib scraper shows and closes them).
"""
from __future__ import annotations

_SEEN: dict[str, set[int]] = {}


def unregistered_figures(block, block_vars, gallery_conf, **kwargs) -> str:
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst

    seen = _SEEN.setdefault(str(block_vars["src_file"]), set())
    paths = []
    for value in list(block_vars["example_globals"].values()):
        if not isinstance(value, Figure) or id(value) in seen:
            continue
        seen.add(id(value))
        if value.canvas.manager is None:  # not a pyplot figure
            path = next(block_vars["image_path_iterator"])
            value.savefig(path, dpi=100)
            paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])
