"""HTML primitives for the report: escaping, tables, embedded images, sections, the page.

No scripts, no external style sheets, fonts or images: a page built here fetches nothing.
"""
from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from html import escape

STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .8em 0; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.flag { color: #a40; font-weight: bold; }
.eq { overflow-x: auto; margin: .3em 0 .8em 0; }
.eq img, figure img { max-width: 100%; height: auto; }
code, .mono { font-family: monospace; font-size: .9em; word-break: break-all; }
figcaption { font-size: .9em; color: #555; }
"""


def esc(text) -> str:
    """HTML-escaped text (quotes too); None becomes the empty string."""
    return escape("" if text is None else str(text), quote=True)


def png_data_uri(png: bytes) -> str:
    """A ``data:image/png;base64,...`` URI of PNG bytes (ValueError when not a PNG), so the report
    needs no other file.
    """
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not a PNG image")
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def img(png: bytes, alt: str) -> str:
    """An ``<img>`` element embedding ``png`` with the alternative text ``alt``."""
    return f'<img src="{png_data_uri(png)}" alt="{esc(alt)}">'


def table(headers: Sequence[str] | None, rows: Iterable[Sequence], numeric: Sequence[int] = ()) -> str:
    """A table (no header row when ``headers`` is None); cells are escaped text, except those given
    as ``Markup`` (already HTML)."""
    head = "<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in headers) + "</tr></thead>" if headers else ""
    body = []
    for row in rows:
        cells = []
        for j, cell in enumerate(row):
            cls = ' class="num"' if j in numeric else ""
            cells.append(f"<td{cls}>{cell if isinstance(cell, Markup) else esc(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table>{head}<tbody>{''.join(body)}</tbody></table>"


class Markup(str):
    """A string that is already HTML (not escaped again by :func:`table`)."""


def section(ident: str, title: str, body: str) -> str:
    """A ``<section>`` with id ``ident`` and heading ``title`` around the HTML ``body``."""
    return f'<section id="{esc(ident)}">\n<h2>{esc(title)}</h2>\n{body}\n</section>'


def page(title: str, parts: Sequence[str]) -> str:
    """The whole HTML document: title, the inline style sheet and the ``parts`` in order."""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{esc(title)}</h1>\n"
            + "\n".join(parts) + "\n</body>\n</html>\n")
