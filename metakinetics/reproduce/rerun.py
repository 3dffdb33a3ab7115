"""Re-run a fit set-up with the public inference API, into a temporary folder, and compare."""
from __future__ import annotations

import contextlib
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import FitError, InputError
from ..inference import fit, load_setup, resolve_setup_path, write_result
from .compare import Difference, Tolerance, compare_checksums, compare_results


@dataclass(frozen=True)
class Reproduction:
    """The outcome of a re-run: what was compared and every difference beyond the tolerance."""

    setup_path: Path
    result_path: Path
    recorded: dict
    rerun: dict
    tolerance: Tolerance
    differences: tuple[Difference, ...]
    checked: int
    data_matched: tuple[str, ...]
    elapsed_s: float

    @property
    def agrees(self) -> bool:
        """Whether the re-run reproduced every number within tolerance."""
        return not self.differences


def read_recorded(path: str | Path) -> dict:
    """The recorded result.json as a dict (read by key; FitError when unreadable or not a fit result)."""
    path = Path(path)
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FitError(f"{path}: cannot read the recorded fit result: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise FitError(f"{path}: not a fit result (invalid JSON: {exc.msg}, line {exc.lineno})") from None
    if not isinstance(d, dict) or not isinstance(d.get("estimates"), list):
        raise FitError(f"{path}: not a fit result (no 'estimates' list)")
    return d


def rerun(setup: str | Path | None, *, result: str | Path | None = None, tolerance: Tolerance = Tolerance(),
          out_dir: str | Path | None = None) -> Reproduction:
    """Fit ``setup`` (a fit folder, fit.toml or bundled name) again and compare with ``result``
    (default: the set-up's own result.json). The re-run's result.json goes to ``out_dir``, which
    may not be the set-up's folder, or to a temporary folder that is removed afterwards."""
    setup_path = resolve_setup_path(setup)
    result_path = Path(result) if result is not None else setup_path.parent / "result.json"
    recorded = read_recorded(result_path)
    if out_dir is not None and Path(out_dir).resolve() == setup_path.parent.resolve():
        raise InputError(f"--out-dir {out_dir}: that is the set-up's folder; reproduce never writes over "
                         "the recorded result")
    t0 = time.perf_counter()
    fresh = fit(load_setup(setup_path))
    with tempfile.TemporaryDirectory(prefix="metakinetics-reproduce-") if out_dir is None \
            else contextlib.nullcontext(out_dir) as folder:
        again = read_recorded(write_result(fresh, Path(folder) / "result.json"))
    diffs, checked = compare_results(recorded, again, tolerance)
    _, matched = compare_checksums(recorded, again)
    return Reproduction(setup_path=setup_path, result_path=result_path, recorded=recorded, rerun=again,
                        tolerance=tolerance, differences=tuple(diffs), checked=checked,
                        data_matched=tuple(matched), elapsed_s=time.perf_counter() - t0)
