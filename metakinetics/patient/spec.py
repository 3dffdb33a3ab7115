"""One patient's observed covariates, and what they set in a model (docs/predict.md).

A :class:`Patient` holds what the clinic knows at surgery: the primary's diameter at diagnosis,
the involved regional nodes (a count or a nodal class), the intrinsic subtype (a class name, a set
of classes, or a receptor status) and the adjuvant endocrine therapy. Each is optional: an
unobserved covariate leaves the population's distribution in place. :func:`covariate_values`
turns a patient into the model values that condition the population engine on her: a fixed
diameter (its spread set to 0), her nodal class (``nodes.min``/``nodes.max``), her class
prevalences (the prior restricted to her subtype, renormalised) and her treatment years.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import InputError, did_you_mean
from ..model import Model
from ..nodal_classes import OPEN, nodal_class

#: largest diameter at diagnosis accepted (cm): beyond any operable or inflammatory primary
MAX_DIAMETER_CM = 25.0
#: years of endocrine therapy meant by "endocrine" without a number (the standard adjuvant course)
ENDOCRINE_YEARS = 5.0
#: receptor-status names and the intrinsic classes (of the bundled models) each stands for
RECEPTOR_STATUS = {"hr+": ("luminal_a", "luminal_b"), "hr-": ("her2_enriched", "triple_negative"),
                   "her2+": ("luminal_b", "her2_enriched"), "her2-": ("luminal_a", "triple_negative"),
                   "tnbc": ("triple_negative",)}
#: the subtype names known to the bundled models (a name outside these and the model's own is refused)
KNOWN_SUBTYPES = ("luminal_a", "luminal_b", "her2_enriched", "triple_negative")
TREATMENTS = ("none", "endocrine")


@dataclass(frozen=True)
class Patient:
    """What is known of one patient at surgery (None: not observed).

    ``diameter_cm``: the primary's diameter at diagnosis (cm); ``nodes``: involved regional nodes,
    a count 0-60 or a nodal class name (N0, N1-3, N4-9, N10+, N+); ``subtype``: an intrinsic class
    of the model, several joined by '+' (the patient is one of them), or a receptor status (HR+,
    HR-, HER2+, HER2-, TNBC); ``treatment``: "none", "endocrine" (5 years) or "endocrine:YEARS";
    ``id``: a label for tables and figures.
    """

    diameter_cm: float | None = None
    nodes: int | str | None = None
    subtype: str | None = None
    treatment: str | None = None
    id: str = "patient"

    def __post_init__(self):
        d = self.diameter_cm
        if d is not None:
            if isinstance(d, bool) or not isinstance(d, (int, float)) or not math.isfinite(d):
                raise InputError(f"patient '{self.id}': diameter_cm must be a number of cm, found {d!r}")
            if not 0 < d <= MAX_DIAMETER_CM:
                raise InputError(f"patient '{self.id}': diameter_cm must be in (0, {MAX_DIAMETER_CM:g}] cm, "
                                 f"found {d:g}")
            object.__setattr__(self, "diameter_cm", float(d))
        n = self.nodes
        if n is not None:
            if isinstance(n, bool) or (isinstance(n, float) and n != int(n)):
                raise InputError(f"patient '{self.id}': nodes must be a whole count 0-{OPEN} or a nodal class, "
                                 f"found {n!r}")
            if isinstance(n, (int, float)):
                if not 0 <= n <= OPEN:
                    raise InputError(f"patient '{self.id}': nodes must be a count 0-{OPEN} (involved regional "
                                     f"nodes), found {n:g}")
                object.__setattr__(self, "nodes", int(n))
            else:
                try:
                    nodal_class(n)
                except InputError as exc:
                    raise InputError(f"patient '{self.id}': nodes: {exc}") from None
        if self.subtype is not None:
            if not isinstance(self.subtype, str) or not self.subtype.strip():
                raise InputError(f"patient '{self.id}': subtype must be a class name, found {self.subtype!r}")
        if self.treatment is not None:
            endocrine_years(self.treatment, self.id)

    def describe(self) -> str:
        """One line: the observed covariates.

        Returns
        -------
        str
            e.g. "2.1 cm, 2 nodes, luminal_b, endocrine 5 years"; "no covariates" when none is given.
        """
        parts = []
        if self.diameter_cm is not None:
            parts.append(f"{self.diameter_cm:g} cm")
        if self.nodes is not None:
            parts.append(f"{self.nodes} node{'s' if self.nodes != 1 else ''}" if isinstance(self.nodes, int)
                         else f"nodes {self.nodes}")
        if self.subtype is not None:
            parts.append(self.subtype)
        if self.treatment is not None:
            years = endocrine_years(self.treatment, self.id)
            parts.append(f"endocrine {years:g} years" if years else "no endocrine therapy")
        return ", ".join(parts) or "no covariates"


def endocrine_years(treatment: str, who: str = "patient") -> float:
    """Years of adjuvant endocrine therapy of a treatment text.

    Parameters
    ----------
    treatment : str
        "none", "endocrine" (5 years) or "endocrine:YEARS" (0 < YEARS <= 15).
    who : str
        The patient's label, for the error message.

    Returns
    -------
    float
        Years after surgery (0 for "none").
    """
    text = str(treatment).strip().lower()
    head, _, arg = text.partition(":")
    if head not in TREATMENTS or (head == "none" and arg):
        raise InputError(f"patient '{who}': unknown treatment '{treatment}' (none, endocrine, endocrine:YEARS)"
                         + did_you_mean(head, TREATMENTS))
    if head == "none":
        return 0.0
    if not arg:
        return ENDOCRINE_YEARS
    try:
        years = float(arg)
    except ValueError:
        years = math.nan
    if not (math.isfinite(years) and 0 < years <= 15):
        raise InputError(f"patient '{who}': endocrine years must be in (0, 15], found '{arg}'")
    return years


def subtype_classes(model: Model, subtype: str, who: str = "patient") -> tuple[str, ...]:
    """The model's classes a subtype text stands for (class names joined by '+', or a receptor status).

    Parameters
    ----------
    model : Model
        The model whose classes are named (a model without classes: checked against KNOWN_SUBTYPES).
    subtype : str
        e.g. "luminal_b", "luminal_a+luminal_b", "HR+".
    who : str
        The patient's label, for the error message.

    Returns
    -------
    tuple of str
        Class names (of the model, or of KNOWN_SUBTYPES when the model has none).
    """
    text = subtype.strip()
    names = model.class_names or KNOWN_SUBTYPES
    status = RECEPTOR_STATUS.get(text.lower().replace(" ", ""))
    parts = status if status is not None else tuple(p.strip() for p in text.split("+") if p.strip())
    for p in parts:
        if p not in names:
            raise InputError(f"patient '{who}': unknown subtype '{p}' (classes: {', '.join(names)}; receptor "
                             f"status: {', '.join(s.upper() for s in RECEPTOR_STATUS)})" + did_you_mean(p, names))
    return tuple(dict.fromkeys(parts))


def nodal_range(nodes: int | str) -> tuple[int, int]:
    """(lo, hi) involved-node counts of a patient's nodes (hi = OPEN: no upper bound).

    Parameters
    ----------
    nodes : int or str
        A count 0-60 or a nodal class name.

    Returns
    -------
    tuple of int
    """
    return (nodes, nodes) if isinstance(nodes, int) else nodal_class(nodes)


def set_with_class_copies(out: dict, values, key: str, value) -> None:
    """Set ``key`` and every intrinsic class's own value of it (a class value would override the base).

    Parameters
    ----------
    out : dict
        The values being built (changed in place).
    values : mapping
        The model's values (``Model.values()``), whose class copies of ``key`` are looked for.
    key : str
        A dotted base key, e.g. "diagnosis.diameter_cm".
    value : float or numpy.ndarray
        The value (model units).
    """
    out[key] = value
    for k in values:
        if k.startswith("classes.") and k.split(".", 2)[-1] == key:
            out[k] = value


def covariate_values(model: Model, patient: Patient) -> tuple[dict[str, float], dict[str, str]]:
    """The model values that condition the population on ``patient``, and the covariates not used.

    Parameters
    ----------
    model : Model
        The model (or a fit's model at its estimates).
    patient : Patient
        The observed covariates.

    Returns
    -------
    values : dict
        Dotted key -> value: ``diagnosis.diameter_cm`` and ``population.diameter_sd`` = 0 (the
        diameter is observed), ``nodes.min``/``nodes.max`` (her nodal count or class), class
        prevalences (the model's, restricted to her subtype and renormalised), and
        ``treatment.endocrine_years``.
    unused : dict
        Covariate -> why the model cannot use it (no classes, no nodal readout, no endocrine effect).
    """
    values = model.values()
    out: dict[str, float] = {}
    unused: dict[str, str] = {}
    if patient.diameter_cm is not None:
        set_with_class_copies(out, values, "diagnosis.diameter_cm", patient.diameter_cm)
        set_with_class_copies(out, values, "population.diameter_sd", 0.0)
    if patient.nodes is not None:
        lo, hi = nodal_range(patient.nodes)
        ratio = [v for k, v in values.items() if k == "nodes.ratio" or k.endswith(".nodes.ratio")]
        if not ratio or max(ratio) <= 0:
            unused["nodes"] = f"model '{model.name}' has no nodal readout (nodes.ratio = 0)"
        elif (lo, hi) != (0, OPEN):
            out["nodes.min"], out["nodes.max"] = float(lo), float(min(hi, OPEN))
    if patient.subtype is not None:
        chosen = subtype_classes(model, patient.subtype, patient.id)
        if not model.classes:
            unused["subtype"] = f"model '{model.name}' has no intrinsic classes"
        else:
            prior = {c: values[f"classes.{c}.prevalence"] for c in model.class_names}
            total = sum(prior[c] for c in chosen)
            if total <= 0:
                raise InputError(f"patient '{patient.id}': subtype '{patient.subtype}' has prevalence 0 in model "
                                 f"'{model.name}'")
            out.update({f"classes.{c}.prevalence": (prior[c] / total if c in chosen else 0.0)
                        for c in model.class_names})
    if patient.treatment is not None:
        years = endocrine_years(patient.treatment, patient.id)
        wake = [v for k, v in values.items() if k.endswith("treatment.endocrine_wake")]
        death = [v for k, v in values.items() if k.endswith("treatment.endocrine_death")]
        if years > 0 and all(w == 1.0 for w in wake) and all(x == 0.0 for x in death):
            unused["treatment"] = f"model '{model.name}' has no endocrine effect (endocrine_wake = 1, death = 0)"
        else:
            set_with_class_copies(out, values, "treatment.endocrine_years", years)
    return out, unused
