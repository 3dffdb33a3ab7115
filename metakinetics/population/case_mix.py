"""A case mix given as an object, a case-mix file or a data set that states one: one resolver.

``resolve_case_mix`` is the one place where the ``case_mix`` argument of ``incidence`` (library and
CLI) becomes a :class:`~metakinetics.model.case_mix.CaseMix`: a CaseMix as is; a TOML file whose
top table is ``[case_mix]``; or a data set (bundled name or path) whose metadata holds a
``[case_mix]`` table (its cohort, from its source).
"""
from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np

from ..datasets import metadata_text
from ..endpoints import Distant, Endpoint, Landmark, MultiOrgan, OrgansPerRelapse, SiteShare
from ..errors import ModelFileError
from ..model.case_mix import CaseMix, load_case_mix, read_case_mix

#: endpoints whose value is a share of the patients with a distant metastasis by u: a nodal mix
#: combines their numerators (value x distant) and denominators (distant), not the values
OVER_DISTANT = (SiteShare, OrgansPerRelapse, MultiOrgan)


def denominator(endpoint: Endpoint) -> Endpoint | None:
    """The endpoint whose value is ``endpoint``'s denominator under a nodal mix (distant by u, with
    the same landmark) for the shares of relapsed patients; None for the others (denominator 1)."""
    inner = endpoint.inner if isinstance(endpoint, Landmark) else endpoint
    if not isinstance(inner, OVER_DISTANT):
        return None
    return Landmark(inner=Distant(), at=endpoint.at) if isinstance(endpoint, Landmark) else Distant()


def combine_nodal(pi: np.ndarray, values: np.ndarray, dens: np.ndarray | None = None) -> np.ndarray:
    """The cohort's value from its nodal classes' values (class axis first, any trailing shape):
    sum_c pi_c P_c, or sum_c pi_c P_c D_c / sum_c pi_c D_c with denominators ``dens`` (docs/model.md,
    "Case mix"; every endpoint conditions on M0 patients, pi_c the cohort's shares)."""
    w = np.asarray(pi, dtype=float).reshape((-1,) + (1,) * (values.ndim - 1))
    if dens is None:
        return (w * values).sum(axis=0)
    den = (w * dens).sum(axis=0)
    return np.where(den > 0, (w * values * dens).sum(axis=0) / np.where(den > 0, den, 1.0), 0.0)


def resolve_case_mix(case_mix) -> CaseMix | None:
    """The CaseMix of ``case_mix`` (None: None).

    Parameters
    ----------
    case_mix : CaseMix, str or pathlib.Path, optional
        A CaseMix; a case-mix TOML file; or a data set (bundled name, or a CSV/TOML path) whose
        metadata states its cohort's case mix.

    Returns
    -------
    CaseMix or None

    Raises
    ------
    ModelFileError
        For a file that is not a case mix or a data set that states none (naming it).
    """
    if case_mix is None or isinstance(case_mix, CaseMix):
        return case_mix
    text = str(case_mix)
    p = Path(text)
    if (p.suffix in (".toml", ".csv") or "/" in text) and not p.is_file():
        raise ModelFileError(text, None, "no such case-mix file or data set")
    if p.suffix == ".toml" and p.is_file():
        raw = p.read_text(encoding="utf-8")
        try:
            top = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as exc:
            raise ModelFileError(text, None, f"not valid TOML: {exc}") from None
        if "dataset" not in top:
            return load_case_mix(p)
    where, meta = metadata_text(text)
    raw = tomllib.loads(meta) if meta else {}
    if "case_mix" not in raw:
        raise ModelFileError(where, "case_mix", "this data set states no case mix (add a [case_mix] table, or give "
                             "a case-mix file)")
    return read_case_mix({"case_mix": raw["case_mix"]}, where)
