"""A fit as one self-contained HTML file: equations, parameters with intervals and identifiability
flags, each data set's fit with its figure, data citations and checksums, and the versions used.

Everything is embedded (PNG images as base64 data URIs, one inline style sheet, no scripts), so
the file opens offline and fetches nothing. ``metakinetics report FIT --out report.html`` writes it.
"""
from __future__ import annotations

from .build import SECTIONS, build_report

__all__ = ["SECTIONS", "build_report"]
