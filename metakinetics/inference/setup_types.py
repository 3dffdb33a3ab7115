"""Strict types for fit.toml values: every check names the file, the key and the reason.

TOML is typed, so a value of the wrong type is refused, never coerced: ``log = "false"`` is a
string, not a boolean (``bool("false")`` is True), and ``fit = 5`` is not a table.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..errors import ModelFileError, nearest


def unknown(table: Mapping, allowed, path: str, prefix: str) -> None:
    """Refuse keys outside ``allowed``, suggesting the nearest valid one."""
    for k in table:
        if k not in allowed:
            raise ModelFileError(path, f"{prefix}{k}", f"unknown key (expected one of {', '.join(sorted(allowed))})",
                                 suggestion=nearest(str(k), allowed))


def table(val: Any, path: str, key: str, *, what: str = "a table") -> dict:
    """``val`` when it is a TOML table (None: an empty one)."""
    if val is None:
        return {}
    if not isinstance(val, dict):
        raise ModelFileError(path, key, f"expected {what}, found {_kind(val)} {val!r}")
    return val


def boolean(val: Any, path: str, key: str) -> bool:
    """``val`` if it is a TOML boolean, else ModelFileError naming ``path`` and ``key`` (no "false" strings)."""
    if not isinstance(val, bool):
        raise ModelFileError(path, key, f"expected true or false, found {_kind(val)} {val!r}")
    return val


def string(val: Any, path: str, key: str) -> str:
    """``val`` if it is a string, else ModelFileError naming ``path`` and ``key``."""
    if not isinstance(val, str):
        raise ModelFileError(path, key, f"expected a string, found {_kind(val)} {val!r}")
    return val


def number(val, path, key, *, positive=False, integer=False, nonnegative=False):
    """``val`` as a float (an int with ``integer``) if it is a finite number meeting the flags
    (``positive``, ``nonnegative``, ``integer``), else ModelFileError naming ``path`` and ``key``.
    """
    if isinstance(val, bool) or not isinstance(val, (int, float)) or not math.isfinite(val):
        raise ModelFileError(path, key, f"expected a number, found {val!r}")
    if integer and int(val) != val:
        raise ModelFileError(path, key, f"expected an integer, found {val!r}")
    if positive and val <= 0:
        raise ModelFileError(path, key, f"must be positive, found {val!r}")
    if nonnegative and val < 0:
        raise ModelFileError(path, key, f"must be zero or positive, found {val!r}")
    return int(val) if integer else float(val)


def choice(val: Any, choices, path: str, key: str) -> Any:
    """``val`` if it is one of ``choices``, else ModelFileError suggesting the nearest one."""
    if val not in choices:
        raise ModelFileError(path, key, f"expected one of {', '.join(choices)}, found {val!r}",
                             suggestion=nearest(str(val), choices))
    return val


def value_list(val, path, key) -> tuple:
    """A value or a list of values (strings or numbers), as strings."""
    vals = val if isinstance(val, list) else [val]
    if not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in vals):
        raise ModelFileError(path, key, "expected a value or a list of values")
    return tuple(str(v) for v in vals)


def _kind(val) -> str:
    return {bool: "boolean", str: "string", int: "integer", float: "number", list: "array",
            dict: "table"}.get(type(val), type(val).__name__)
