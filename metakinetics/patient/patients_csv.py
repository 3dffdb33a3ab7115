"""A CSV of patients, one row each: the covariates of :class:`~metakinetics.patient.spec.Patient`.

Columns (a header row; order free): ``diameter_cm``, ``nodes``, ``subtype``, ``treatment`` (all four
required, an empty cell meaning "not observed") and an optional ``id``. Rows are numbered as lines
of the file (the header is row 1); every error names the file, the row and the column.
"""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from ..errors import DataError, MetakineticsError, did_you_mean
from .spec import Patient

#: the columns a patients CSV must have (empty cells: not observed)
REQUIRED = ("diameter_cm", "nodes", "subtype", "treatment")
#: the optional label column
OPTIONAL = ("id",)


def _cell(path: str, row: int, column: str, text: str):
    """A cell's value for the Patient field ``column`` (None when empty)."""
    text = text.strip()
    if not text:
        return None
    if column == "diameter_cm":
        try:
            return float(text)
        except ValueError:
            raise DataError(path, f"expected a diameter in cm, found '{text}'", row=row, column=column) from None
    if column == "nodes":
        return int(text) if text.lstrip("-").isdigit() else text
    return text


def read_patients(path: str | os.PathLike) -> tuple[Patient, ...]:
    """The patients of a CSV file (one row each).

    Parameters
    ----------
    path : str or os.PathLike
        The file: a header row with diameter_cm, nodes, subtype, treatment (and optionally id).

    Returns
    -------
    tuple of Patient
        In file order; ``id`` from the column, else "row N".

    Raises
    ------
    DataError
        Naming the file, the row and the column: a missing or unknown column, a bad cell, an
        impossible covariate (negative size, nodes > 60, an unknown treatment).
    """
    where = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise DataError(where, f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(where, "not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text))
    lines = [(i, r) for i, r in enumerate(reader, start=1) if r and any(c.strip() for c in r)
             and not r[0].lstrip().startswith("#")]
    if not lines:
        raise DataError(where, "no header row (expected columns: " + ", ".join(REQUIRED + OPTIONAL) + ")")
    head_row, header = lines[0]
    header = [h.strip() for h in header]
    for h in header:
        if h not in REQUIRED + OPTIONAL:
            raise DataError(where, "unknown column (expected: " + ", ".join(REQUIRED + OPTIONAL) + ")"
                            + did_you_mean(h, REQUIRED + OPTIONAL), row=head_row, column=h)
        if header.count(h) > 1:
            raise DataError(where, "duplicate column", row=head_row, column=h)
    for c in REQUIRED:
        if c not in header:
            raise DataError(where, "missing column (an empty cell means not observed, but the column must be "
                            "there)", row=head_row, column=c)
    if len(lines) == 1:
        raise DataError(where, "no patients (only the header row)", row=head_row)
    out = []
    for row, cells in lines[1:]:
        if len(cells) != len(header):
            raise DataError(where, f"expected {len(header)} cells, found {len(cells)}", row=row)
        fields = {h: _cell(where, row, h, c) for h, c in zip(header, cells)}
        label = fields.pop("id", None) or f"row {row}"
        for column in REQUIRED:          # each covariate checked on its own, so the error names its column
            try:
                Patient(**{column: fields[column]}, id=label)
            except MetakineticsError as exc:
                reason = str(exc).split(": ", 1)[-1]
                raise DataError(where, reason, row=row, column=column) from None
        out.append(Patient(**fields, id=label))
    return tuple(out)
