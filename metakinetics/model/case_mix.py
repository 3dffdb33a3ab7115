"""Case mix: who a cohort's patients are, as a small TOML file (docs/model.md, "Case mix").

A case mix names a cohort and describes it on top of a model: model values that describe its
patients (``[set]``: diameter at diagnosis and its spread, treatment, staging, ...), the shares of
the model's intrinsic classes (``[classes]``: subtype mix) and the shares of nodal classes among its
patients (``[nodes]``: N0, N1-3, N4-9, N10+). Every prediction made for it names it. Shares must
sum to 1 (within SHARE_TOLERANCE: published shares are rounded, and the file states them as
published; the classes' shares are then renormalised) and name classes the model has. A data set's
metadata TOML may hold one (``[case_mix]``: the cohort of its rows); a user's own is a file::

    [case_mix]
    name = "my_clinic"
    description = "who they are"
    source = "where the numbers come from"
    [set]
    "diagnosis.diameter_cm" = 1.8
    [classes]
    luminal_a = 0.5
    ...
    [nodes]
    N0 = 0.6
    "N1-3" = 0.25
    ...
"""
from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ModelFileError, nearest
from ..nodal_classes import CLASSES, OPEN, nodal_class
from .text import decode_text

#: largest distance of a share table's sum from 1 (shares published to whole percent sum to 0.99-1.01)
SHARE_TOLERANCE = 0.02
_TOP = {"case_mix", "set", "classes", "nodes"}
_HEAD = {"name", "description", "source"}


@dataclass(frozen=True)
class CaseMix:
    """A cohort on top of a model: its name, model values, class shares and nodal class shares
    (each a tuple of (name, value) pairs in file order; shares sum to 1)."""

    name: str
    description: str = ""
    source: str = ""
    values: tuple[tuple[str, float], ...] = ()
    classes: tuple[tuple[str, float], ...] = ()
    nodes: tuple[tuple[str, float], ...] = ()
    path: str | None = field(default=None, compare=False)

    def overrides(self, model) -> dict[str, float]:
        """The model values of this cohort for ``model`` (its ``set`` and each class's prevalence),
        checked against the model: unknown keys and classes are refused, naming the file.

        Parameters
        ----------
        model : Model
            The model the cohort is described on.

        Returns
        -------
        dict
            Dotted key -> value (model units), class shares renormalised to sum to 1.
        """
        known = model.values()
        where = self.path or f"case mix '{self.name}'"
        out = {}
        for k, v in self.values:
            if k not in known and k not in ("diagnosis.size", "diagnosis.diameter_cm"):
                raise ModelFileError(where, f"set.{k}", f"not a numeric parameter of model '{model.name}'",
                                     suggestion=nearest(k, list(known)))
            out[k] = v
        if self.classes:
            names = model.class_names
            for c, _ in self.classes:
                if c not in names:
                    raise ModelFileError(where, f"classes.{c}", f"model '{model.name}' has no class '{c}' "
                                         f"(its classes: {', '.join(names) or 'none'})", suggestion=nearest(c, names))
            total = sum(v for _, v in self.classes)
            given = dict(self.classes)
            out.update({f"classes.{c}.prevalence": given.get(c, 0.0) / total for c in names})
        return out

    def nodal_classes(self) -> tuple[tuple[str, int, int, float], ...]:
        """The nodal classes that hold patients of this cohort, as count ranges and shares (a class
        of share 0 is left out: it holds no patient, and its counts may need a nodal spread the
        model lacks, e.g. N+ in a node-negative cohort).

        Returns
        -------
        tuple
            ((name, lo, hi, share), ...), shares renormalised to sum to 1; () without a nodal mix.
        """
        total = sum(v for _, v in self.nodes)
        return tuple((c, *nodal_class(c), v / total) for c, v in self.nodes if v > 0)

    def describe(self) -> str:
        """One line naming the cohort.

        Returns
        -------
        str
            Its name, then its description.
        """
        return f"{self.name}: {self.description}" if self.description else self.name


def read_case_mix(raw: Mapping, where: str) -> CaseMix:
    """A :class:`CaseMix` from parsed TOML (``[case_mix]`` with ``[set]``, ``[classes]``, ``[nodes]``
    beside it, or all four under one ``case_mix`` table as in a data set's metadata)."""
    if "case_mix" in raw and isinstance(raw["case_mix"], Mapping) and set(raw) <= _TOP:
        head = dict(raw["case_mix"])
        body = {k: raw[k] for k in ("set", "classes", "nodes") if k in raw}
        for k in ("set", "classes", "nodes"):          # the nested form: [case_mix.set] ...
            if k in head:
                body[k] = head.pop(k)
    else:
        raise ModelFileError(where, "case_mix", "expected a [case_mix] table (name, description, source) with "
                             "optional [set], [classes] and [nodes] tables")
    for k in raw:
        if k not in _TOP:
            raise ModelFileError(where, k, "unknown table", suggestion=nearest(k, sorted(_TOP)))
    for k in head:
        if k not in _HEAD:
            raise ModelFileError(where, f"case_mix.{k}", "unknown key", suggestion=nearest(k, sorted(_HEAD)))
    name = head.get("name")
    if not isinstance(name, str) or not name:
        raise ModelFileError(where, "case_mix.name", "missing: the cohort's name (every prediction names it)")
    for k in ("description", "source"):
        if not isinstance(head.get(k, ""), str):
            raise ModelFileError(where, f"case_mix.{k}", "must be text")

    def numbers(key: str, probability: bool) -> tuple[tuple[str, float], ...]:
        t = body.get(key, {})
        if not isinstance(t, Mapping):
            raise ModelFileError(where, key, "expected a table of names and numbers")
        out = []
        for k, v in t.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ModelFileError(where, f"{key}.{k}", f"must be a finite number, found {v!r}")
            if probability and not 0.0 <= v <= 1.0:
                raise ModelFileError(where, f"{key}.{k}", f"a share must be in [0, 1], found {v:g}")
            out.append((str(k), float(v)))
        if probability and out:
            total = sum(v for _, v in out)
            if abs(total - 1.0) > SHARE_TOLERANCE:
                raise ModelFileError(where, key, f"shares sum to {total:.6g}, not 1 (within {SHARE_TOLERANCE:g}: "
                                     "rounded published shares are accepted and renormalised)")
        return tuple(out)

    values, classes, nodes = numbers("set", False), numbers("classes", True), numbers("nodes", True)
    ranges = []
    for c, _ in nodes:
        try:
            lo, hi = nodal_class(c)
        except Exception as exc:     # InputError: the defined classes
            raise ModelFileError(where, f"nodes.{c}", str(exc)) from None
        if (lo, hi) == (0, OPEN):
            raise ModelFileError(where, f"nodes.{c}", "'all' is every patient: list the nodal classes that make up "
                                 "the cohort (N0, N1-3, N4-9, N10+)")
        for a, b, other in ranges:
            if lo <= b and a <= hi:
                raise ModelFileError(where, f"nodes.{c}", f"overlaps nodes.{other}: the nodal classes of a mix "
                                     "must not share patients")
        ranges.append((lo, hi, c))
    if nodes:
        covered = sorted(ranges)
        if covered[0][0] != 0 or covered[-1][1] < OPEN or any(b + 1 != a for (_, b, _), (a, _, _) in
                                                               zip(covered, covered[1:])):
            raise ModelFileError(where, "nodes", f"the nodal classes must cover every count from 0 up "
                                 f"({', '.join(c for c in CLASSES if c not in ('all', 'N+'))}, or N0 and N+)")
    return CaseMix(name=name, description=head.get("description", ""), source=head.get("source", ""),
                   values=values, classes=classes, nodes=nodes, path=where)


def load_case_mix(path: str | Path) -> CaseMix:
    """Read a case-mix TOML file.

    Parameters
    ----------
    path : str or pathlib.Path
        The file (``[case_mix]`` with optional ``[set]``, ``[classes]``, ``[nodes]``).

    Returns
    -------
    CaseMix

    Raises
    ------
    ModelFileError
        Naming the file, the key and the reason.
    """
    p = Path(path)
    try:
        text = decode_text(p.read_bytes(), str(p), "case mix")
    except OSError as exc:
        raise ModelFileError(str(p), None, f"cannot read the case mix: {exc.strerror or exc}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ModelFileError(str(p), None, f"not valid TOML: {exc}") from None
    return read_case_mix(raw, str(p))
