"""Sphinx configuration of the metakinetics documentation.

Build (warnings are errors; ``tests/test_docs.py`` runs exactly this in CI)::

    sphinx-build -W --keep-going -b html docs docs/_build/html

The user guide is the Markdown pages of ``docs/`` (myst-parser), the API reference is generated
from the package by autosummary (recursive, so new public names appear without editing anything),
and the gallery (``docs/examples/plot_*.py``) is executed by sphinx-gallery on every build.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE / "_ext"))

from metakinetics import __version__  # noqa: E402  (the one place the version is written)

project = "metakinetics"
author = "the metakinetics developers"
copyright = "2026, the metakinetics developers"
version = release = __version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "figures/*.txt", "examples/*.csv", "**/GALLERY_HEADER.rst", "sg_execution_times.rst"]



def _write_incidence_page() -> None:
    """The page of the subpackage metakinetics.incidence, which autosummary cannot reach by name
    (the root verb ``metakinetics.incidence`` shadows it): generated from its submodules."""
    import importlib
    import pkgutil

    package = importlib.import_module("metakinetics.incidence")
    subs = sorted(m.name for m in pkgutil.iter_modules(package.__path__, "metakinetics.incidence.")
                  if not m.name.rsplit(".", 1)[1].startswith("_"))
    text = ("metakinetics.incidence (subpackage)\n===================================\n\n"
            ".. automodule:: metakinetics.incidence\n   :members:\n   :no-index:\n\n"
            ".. rubric:: Modules\n\n.. autosummary::\n   :toctree: api\n   :recursive:\n\n"
            + "".join(f"   {m.rsplit('.', 1)[1]}\n" for m in subs))
    page = HERE / "api_incidence.rst"
    if not page.is_file() or page.read_text() != text:
        page.write_text(text)


_write_incidence_page()

# -- Markdown pages ---------------------------------------------------------------------------
myst_heading_anchors = 3

# -- API reference: generated, never hand-listed -------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "none"          # signatures stay as written; numpydoc renders the docstrings
autodoc_member_order = "bysource"
# numpydoc: no autosummary tables of class members (autodoc documents them) and no cross-reference
# guessing of the type text of existing (pre-numpydoc) docstrings.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# Suppressed warnings:
#  - ref.python: a re-exported name resolves to more than one target ("more than one target found
#    for cross-reference"); the package template documents a package's re-exports with :no-index:,
#    so each object has one indexed description, but short names can still match two modules.
suppress_warnings = ["ref.python"]

def _skip_foreign(app, what, name, obj, skip, options):
    """Names a module imports from other packages (numpy, scipy, ...) are theirs to document."""
    module = getattr(obj, "__module__", None)
    if isinstance(module, str) and not module.startswith("metakinetics") and what == "module":
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign)

# -- Gallery: executed on every build ----------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "plot_gallery": "True",
    "matplotlib_animations": False,
    # metakinetics.figures builds Figures without pyplot: docs/_ext/gallery_scraper.py shows them
    "image_scrapers": ("gallery_scraper.unregistered_figures", "matplotlib"),
    "reset_modules": ("matplotlib",),
    "show_memory": False,
    "write_computation_times": False,
    "capture_repr": (),
}

# -- HTML: the default theme, nothing fetched ------------------------------------------------------
html_theme = "alabaster"
html_title = f"metakinetics {__version__}"
html_static_path: list[str] = []
html_show_sourcelink = False

os.environ.setdefault("MPLBACKEND", "Agg")
