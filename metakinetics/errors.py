"""One error hierarchy for the whole package, with one message format.

Every error a user can cause is a :class:`MetakineticsError`; the CLI turns it into one line on
stderr and exit status 2. Messages say where (file, key or column, row), what was found and
what was expected.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable


class MetakineticsError(Exception):
    """Base class of every error metakinetics raises on purpose."""


class ModelError(MetakineticsError):
    """A model is invalid (bad value, inconsistent parameters)."""


class ModelFileError(ModelError):
    """A model (or fit set-up) file is malformed: names the file, the key path and the reason."""

    def __init__(self, path: str | None, key: str | None, reason: str,
                 *, line: int | None = None, suggestion: str | None = None):
        self.path = path
        self.key = key
        self.reason = reason
        self.line = line
        self.suggestion = suggestion
        where = str(path) if path else "<model>"
        if line is not None:
            where += f":{line}"
        msg = f"{where}: {key}: {reason}" if key else f"{where}: {reason}"
        if suggestion:
            msg += f" (did you mean '{suggestion}'?)"
        super().__init__(msg)


class ExpressionError(ModelError):
    """A rate expression is outside the restricted grammar (it is never executed)."""


class DataError(MetakineticsError):
    """A data set is malformed: names the file, the column and the row."""

    def __init__(self, path: str | None, reason: str, *, column: str | None = None,
                 row: int | None = None):
        self.path = path
        self.column = column
        self.row = row
        self.reason = reason
        parts = [str(path) if path else "<data>"]
        if row is not None:
            parts.append(f"row {row}")
        if column is not None:
            parts.append(f"column '{column}'")
        super().__init__(": ".join(parts) + f": {reason}")


class InputError(MetakineticsError):
    """A bad argument to a public function or command (times, endpoint, organ, counts)."""


class OutputError(InputError):
    """An output file or folder cannot be written (names the file and the reason)."""


class FitError(MetakineticsError):
    """A fit cannot be set up or did not converge."""


class SolverError(MetakineticsError):
    """A numerical solver failed (step size too small, non-finite values)."""


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """The closest valid name to a misspelt one, or None when nothing is close."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return match[0] if match else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` naming the closest valid name to ``word``, or "" when nothing is close."""
    hint = nearest(word, choices)
    return f"; did you mean '{hint}'?" if hint else ""
