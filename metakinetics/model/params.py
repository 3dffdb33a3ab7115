"""One resolver and one validator: a model plus dotted-key overrides -> P checked parameter sets.

``resolve(model, params)`` is the only place where a model's values and per-patient overrides
become arrays: every consumer (dynamics, incidence, population, the cohort simulator, fits,
scenarios) goes through it. ``params`` maps dotted keys of :meth:`Model.values` (plus
``diagnosis.size`` in cells or ``diagnosis.diameter_cm`` for any model) to numbers or 1-D arrays
broadcasting to one length P; values are in model units (years, cells), like
:meth:`Model.with_values`. :func:`validate` holds the rules: the file schema's ranges for every
value plus the cross-field rules; the model-file loader applies the same rules.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from functools import lru_cache

import numpy as np

from ..errors import InputError, did_you_mean
from ..units import diameter_to_cells
from .classes import PREFERENCE, PREVALENCE, PREVALENCE_TOLERANCE, class_key
from .file import field_info
from .growth import BIRTH_DEATH, COLONY_LAWS, GrowthLaw, growth_law
from ..nodal_classes import OPEN, selects
from .spec import Model

SIZE_KEYS = ("diagnosis.size", "diagnosis.diameter_cm")


class InvalidValue(InputError):
    """A parameter value breaks a rule: ``key`` (dotted), ``reason``, first parameter set ``index``."""

    def __init__(self, key: str, reason: str, index: int = 0):
        self.key, self.reason, self.index = key, reason, index
        super().__init__(f"{key}: {reason}")


@dataclass(frozen=True)
class PatientParams:
    """P parameter sets in years and cells: (P,) arrays, organ arrays (P, K) in model organ order.

    ``K`` and ``colony_K`` are inf where a law has no capacity; ``birth`` is 0 for deterministic
    colonies; ``colony_rate`` is the net colony growth rate lambda_k (rate, or birth - death).
    """

    law: GrowthLaw
    organs: tuple[str, ...]
    colony_laws: tuple[str, ...]
    x0: np.ndarray
    rate: np.ndarray
    K: np.ndarray
    size: np.ndarray           # primary size at diagnosis (cells)
    delay: np.ndarray          # diagnosis -> surgery (years)
    mu: np.ndarray
    gamma: np.ndarray
    kappa: np.ndarray
    f: np.ndarray              # arrest fraction (P, K)
    wake: np.ndarray           # omega_k (1/year)
    dormant_death: np.ndarray  # delta_k (1/year)
    eps: np.ndarray            # founding probability per woken cell
    detection: np.ndarray      # colony size at detection (cells)
    colony_rate: np.ndarray    # lambda_k (1/year)
    birth: np.ndarray          # b_k (birth_death colonies; 0 otherwise)
    colony_K: np.ndarray
    kill_dormant: np.ndarray
    kill_colony: np.ndarray
    hazard: np.ndarray         # background death hazard from diagnosis (1/year)
    after_relapse: np.ndarray  # extra death hazard after the first detected distant metastasis (1/year)
    secondary_shedding: np.ndarray | None = None   # mu'_k (P, K): colony shedding coefficient
    secondary_gamma: np.ndarray | None = None      # gamma' (P,): colony shedding exponent
    staging: np.ndarray | None = None              # (P, K) staging size at diagnosis / detection size
    workup: np.ndarray | None = None               # (P, K) work-up size at the first relapse / detection size
    organ_kill: np.ndarray | None = None           # (P, K) organ-specific adjuvant kill of dormant cells
    nodes_ratio: np.ndarray | None = None          # involved regional nodes per cell shed (P,); None: 0
    nodes_coupling: np.ndarray | None = None       # exponent b of mu in the nodal spread (P,)
    nodes_dispersion: np.ndarray | None = None     # variance of the gamma frailty on the nodal mean (P,)
    nodes_min: np.ndarray | None = None            # nodal class of the patients described (P,), counts
    nodes_max: np.ndarray | None = None            # (>= nodal_classes.OPEN: no upper bound)
    endocrine_wake: np.ndarray | None = None       # factor on omega_k during endocrine therapy (P,); None: 1
    endocrine_years: np.ndarray | None = None      # its duration from surgery (years, P,); None: 0
    endocrine_death: np.ndarray | None = None      # extra dormant death rate meanwhile (1/year, P,); None: 0

    @property
    def secondary(self) -> bool:
        """Whether any colony sheds (metastasis-to-metastasis seeding is on for some set)."""
        return self.secondary_shedding is not None and bool(np.any(self.secondary_shedding > 0))

    @property
    def kill_by_organ(self) -> np.ndarray:
        """(P, K) probability that a dormant cell in organ k is killed at surgery: the adjuvant kill
        (``treatment.kill_dormant``) and the organ's own (``organs.<k>.kill_dormant``), independent."""
        if self.organ_kill is None or not np.any(self.organ_kill > 0):
            return np.broadcast_to(self.kill_dormant[:, None], self.f.shape)
        return 1.0 - (1.0 - self.kill_dormant[:, None]) * (1.0 - self.organ_kill)

    @property
    def organ_killed(self) -> bool:
        """Whether some organ has its own adjuvant kill."""
        return self.organ_kill is not None and bool(np.any(self.organ_kill > 0))

    @property
    def staged(self) -> bool:
        """Whether the staging at diagnosis finds colonies at another size than later detection."""
        return self.staging is not None and bool(np.any(self.staging != 1.0))

    @property
    def worked_up(self) -> bool:
        """Whether the work-up at a first relapse finds other organs' colonies below detection size."""
        return self.workup is not None and bool(np.any(self.workup != 1.0))

    def at_size(self, factor: np.ndarray) -> "PatientParams":
        """These parameter sets with ``factor`` x the detection size as the detection size (P, K):
        the staging at diagnosis (``staging``) and the work-up at a first relapse (``workup``) find
        the colonies these sets detect (docs/model.md, "Staging at diagnosis").

        Parameters
        ----------
        factor : numpy.ndarray
            (P, K) multipliers of the detection size (at most 1).

        Returns
        -------
        PatientParams
        """
        return replace(self, detection=self.detection * factor)

    def at_staging(self) -> "PatientParams":
        """These parameter sets with the staging size as the detection size (:meth:`at_size`).

        Returns
        -------
        PatientParams
        """
        return replace(self.at_size(self.staging), staging=np.ones_like(self.staging))

    def lead(self, factor: np.ndarray) -> np.ndarray:
        """(P, K) years by which a colony reaches ``factor`` x the detection size before the detection
        size (0 where the factor is 1): ln(1 / factor) / lambda for exponential and birth-death growth
        (the same path either way), the difference of the deterministic delays otherwise.

        Parameters
        ----------
        factor : numpy.ndarray
            (P, K) multipliers of the detection size (at most 1).

        Returns
        -------
        numpy.ndarray
            Shape (P, K), years.
        """
        if np.all(factor == 1.0):
            return np.zeros(self.f.shape)
        det = self.detection_delay() - self.at_size(factor).detection_delay()
        return np.where(np.isfinite(det), det, -np.log(factor) / self.colony_rate)

    def staging_lead(self) -> np.ndarray:
        """(P, K) years by which a colony reaches the staging size before the detection size.

        Returns
        -------
        numpy.ndarray
            Shape (P, K), years (:meth:`lead` of ``staging``).
        """
        return self.lead(self.staging) if self.staged else np.zeros(self.f.shape)

    @property
    def endocrine(self) -> np.ndarray:
        """(P,) bool: sets whose dormant cells wake slower or die faster for a while after surgery
        (endocrine therapy with a factor below 1 or an extra death rate, for a positive duration)."""
        if self.endocrine_wake is None:
            return np.zeros(self.n, dtype=bool)
        return ((self.endocrine_wake < 1.0) | (self.endocrine_death > 0.0)) & (self.endocrine_years > 0.0)

    def therapy_rates(self) -> tuple[np.ndarray, np.ndarray]:
        """Wake and dormant death rates during endocrine therapy.

        Returns
        -------
        (wake, death) : tuple of numpy.ndarray
            Each (P, K), 1/year: e omega_k and delta_k + endocrine_death; omega_k and delta_k for
            sets without therapy.
        """
        if not self.endocrine.any():
            return self.wake, self.dormant_death
        on = self.endocrine[:, None]
        return (np.where(on, self.endocrine_wake[:, None] * self.wake, self.wake),
                np.where(on, self.dormant_death + self.endocrine_death[:, None], self.dormant_death))

    @property
    def nodal_selection(self) -> bool:
        """Whether some set describes one nodal class only (not every patient)."""
        return self.nodes_min is not None and bool(np.any(selects(self.nodes_min, self.nodes_max)))

    @property
    def n(self) -> int:
        """Number of parameter sets P."""
        return self.x0.shape[0]

    @property
    def exit_rate(self) -> np.ndarray:
        """omega_k + delta_k (1/year), the rate of leaving dormancy (P, K)."""
        return self.wake + self.dormant_death

    @property
    def survival(self) -> np.ndarray:
        """Probability that a founded colony escapes extinction (P, K): lambda/b, 1 if deterministic."""
        bd = self.birth > 0
        return np.where(bd, self.colony_rate / np.where(bd, self.birth, 1.0), 1.0)

    @property
    def birth_death(self) -> np.ndarray:
        """(K,) bool: organs whose colonies grow by a birth-death process."""
        return np.array([law == BIRTH_DEATH.name for law in self.colony_laws])

    def detection_delay(self) -> np.ndarray:
        """Deterministic founding-to-detection time tau_k (years) from one cell.

        Returns
        -------
        numpy.ndarray
            Shape (P, K); nan for organs whose colonies grow by birth and death (their delay is
            random, see :class:`~metakinetics.model.growth.BirthDeath`).
        """
        out = np.full(self.f.shape, np.nan)
        for k, name in enumerate(self.colony_laws):
            law = COLONY_LAWS[name]
            if isinstance(law, GrowthLaw):
                out[:, k] = law.time_to(self.detection[:, k], 1.0, self.colony_rate[:, k], self.colony_K[:, k])
        return out

    def diagnosis_time(self) -> np.ndarray:
        """t_dx (years since x = x0): when the primary reaches its diagnosis size.

        Returns
        -------
        numpy.ndarray
            Shape (P,).
        """
        return self.law.time_to(self.size, self.x0, self.rate, self.K)

    def surgery_time(self) -> np.ndarray:
        """t_s = t_dx + delay (years since x = x0): when the primary is removed.

        Returns
        -------
        numpy.ndarray
            Shape (P,).
        """
        return self.diagnosis_time() + self.delay

    def log_size(self, t: np.ndarray) -> np.ndarray:
        """ln x(t) of the primary (log cells), before any surgery.

        Parameters
        ----------
        t : numpy.ndarray
            Years since x = x0, leading axis P (one row per parameter set).

        Returns
        -------
        numpy.ndarray
            Same shape as ``t``.
        """
        b = _trailing(t)
        return self.law.log_size(t, b(self.x0), b(self.rate), b(self.K))

    def log_shedding(self, t: np.ndarray) -> np.ndarray:
        """ln s(t), s = mu x^gamma (cells/year) before surgery.

        Parameters
        ----------
        t : numpy.ndarray
            Years since x = x0, leading axis P.

        Returns
        -------
        numpy.ndarray
            Same shape as ``t``.
        """
        b = _trailing(t)
        return np.log(b(self.mu)) + b(self.gamma) * self.log_size(t)

    def shedding_growth(self, t: np.ndarray) -> np.ndarray:
        """d ln s/dt = gamma d ln x/dt (1/year), how fast shedding grows.

        Parameters
        ----------
        t : numpy.ndarray
            Years since x = x0, leading axis P.

        Returns
        -------
        numpy.ndarray
            Same shape as ``t``.
        """
        b = _trailing(t)
        return b(self.gamma) * self.law.specific_rate(t, b(self.x0), b(self.rate), b(self.K)) * np.ones_like(t)

    def repeat(self, n: int) -> "PatientParams":
        """``n`` copies of this single parameter set as read-only views (no copying: the cohort
        simulator's batches of patients who share the model's values).

        Parameters
        ----------
        n : int
            Number of copies.

        Returns
        -------
        PatientParams
        """
        return replace(self, **{f.name: np.broadcast_to(getattr(self, f.name)[:1], (n,) + getattr(self, f.name).shape[1:])
                                for f in fields(self) if isinstance(getattr(self, f.name), np.ndarray)})

    def take(self, index) -> "PatientParams":
        """The parameter sets at ``index``.

        Parameters
        ----------
        index : slice, int array or bool mask
            Selects along the parameter-set axis P of every array.

        Returns
        -------
        PatientParams
        """
        return replace(self, **{f.name: getattr(self, f.name)[index] for f in fields(self)
                                if isinstance(getattr(self, f.name), np.ndarray)})

    def with_arrays(self, **arrays) -> "PatientParams":
        """A copy with some arrays replaced (same shapes), validated again.

        Parameters
        ----------
        **arrays
            Field name -> new array (converted to float).

        Returns
        -------
        PatientParams

        Raises
        ------
        InvalidValue
            When a new value breaks a rule (see :func:`validate`).
        """
        out = replace(self, **{k: np.asarray(v, dtype=float) for k, v in arrays.items()})
        validate(out)
        return out


def _trailing(t):
    nd = np.ndim(t)
    return lambda a: a.reshape(a.shape + (1,) * (nd - a.ndim)) if nd > a.ndim else a


# ---- the rules ------------------------------------------------------------------------------

def check_value(key: str, value) -> None:
    """Schema range of one dotted key: rates positive, probabilities in [0, 1], durations and other
    non-negative quantities >= 0, every value finite.

    Parameters
    ----------
    key : str
        Dotted model key, e.g. ``organs.bone.wake``; its range comes from the model-file schema
        (keys without a rule only need to be finite).
    value : float or array_like
        One value or one per parameter set.

    Raises
    ------
    InvalidValue
        Naming the key, the reason and the first offending parameter set.
    """
    a = np.asarray(value, dtype=float)
    if a.size == 1:            # one parameter set (a model's own values): no array reductions
        lo = hi = float(a.reshape(-1)[0])
    else:
        lo, hi = (float(a.min()), float(a.max())) if a.size else (0.0, 0.0)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise InvalidValue(key, "must be a finite number", _first(~np.isfinite(a)))
    check = _check_of(key)
    if (check is None or (check == "positive" and lo > 0) or (check == "nonneg" and lo >= 0)
            or (check == "prob" and lo >= 0 and hi <= 1) or check not in ("positive", "nonneg", "prob")):
        return
    bad = {"positive": a <= 0, "nonneg": a < 0, "prob": (a < 0) | (a > 1)}[check]
    if np.any(bad):
        need = {"positive": "must be positive", "nonneg": "must be zero or positive",
                "prob": "must be a probability in [0, 1]"}[check]
        raise InvalidValue(key, f"{need}, found {float(a[bad].ravel()[0]) if a.ndim else float(a):g}",
                           _first(bad))


@lru_cache(maxsize=None)
def _check_of(key: str) -> str | None:
    """The schema's range check of a numeric dotted key ('positive', 'nonneg', 'prob', ...)."""
    info = field_info(key)
    return None if info is None or info.kind != "float" else info.check


def _first(mask) -> int:
    m = np.atleast_1d(mask)
    return int(np.argmax(m.any(axis=tuple(range(1, m.ndim))) if m.ndim > 1 else m))


def validate(p: PatientParams) -> None:
    """Every rule for every parameter set: schema ranges, then cross-field rules.

    Parameters
    ----------
    p : PatientParams
        The parameter sets to check.

    Raises
    ------
    InvalidValue
        At the first broken rule, naming the key, the reason and the parameter set.
    """
    scalar = {"primary.x0": p.x0, "primary.rate": p.rate, "diagnosis.size": p.size,
              "diagnosis.surgery_delay": p.delay, "shedding.mu": p.mu, "shedding.gamma": p.gamma,
              "circulation.clearance": p.kappa, "treatment.kill_dormant": p.kill_dormant,
              "treatment.kill_colony": p.kill_colony, "mortality.hazard": p.hazard,
              "mortality.after_relapse": p.after_relapse}
    if p.endocrine_wake is not None:
        scalar |= {"treatment.endocrine_wake": p.endocrine_wake, "treatment.endocrine_years": p.endocrine_years,
                   "treatment.endocrine_death": p.endocrine_death}
    if p.nodes_min is not None:
        scalar |= {"nodes.ratio": p.nodes_ratio, "nodes.coupling": p.nodes_coupling,
                   "nodes.dispersion": p.nodes_dispersion, "nodes.min": p.nodes_min,
                   "nodes.max": p.nodes_max}
    if p.law.needs_K:
        scalar["primary.K"] = p.K
    for key, a in scalar.items():
        check_value(key, a)
    for k, name in enumerate(p.organs):
        for fld, a in (("arrest_fraction", p.f), ("wake", p.wake), ("dormant_death", p.dormant_death),
                       ("efficiency", p.eps), ("detection", p.detection)):
            check_value(f"organs.{name}.{fld}", a[:, k])
        if p.secondary_shedding is not None:
            check_value(f"organs.{name}.secondary_shedding", p.secondary_shedding[:, k])
        for fld in ("staging", "workup"):
            if getattr(p, fld) is not None:
                check_value(f"organs.{name}.{fld}", getattr(p, fld)[:, k])
        if p.organ_kill is not None:
            check_value(f"organs.{name}.kill_dormant", p.organ_kill[:, k])
        if p.colony_laws[k] == BIRTH_DEATH.name:
            check_value(f"organs.{name}.birth", p.birth[:, k])
        else:
            check_value(f"organs.{name}.rate", p.colony_rate[:, k])
    if p.secondary_gamma is not None:
        check_value("shedding.secondary_gamma", p.secondary_gamma)
    _cross_field(p)


def _rule(mask, key: str, reason) -> None:
    if np.any(mask):
        i = _first(mask)
        raise InvalidValue(key, reason(i), i)


def _cross_field(p: PatientParams) -> None:
    _rule(p.gamma > 2, "shedding.gamma", lambda i: f"exponent must be in (0, 2], found {p.gamma[i]:g}")
    if p.law.needs_K:
        _rule(p.K <= p.x0, "primary.K", lambda i: f"carrying capacity {p.K[i]:g} must exceed x0 = {p.x0[i]:g}")
    _rule(p.size <= p.x0, "diagnosis.size",
          lambda i: f"diagnosis size {p.size[i]:.4g} cells must exceed x0 = {p.x0[i]:.4g}")
    _rule(p.size >= p.K, "diagnosis.size",
          lambda i: f"diagnosis size {p.size[i]:.4g} cells is not below the carrying capacity "
                    f"K = {p.K[i]:.4g}: the primary never reaches it")
    if p.organ_killed and p.secondary:
        _rule(p.organ_kill.any(axis=1) & p.secondary_shedding.any(axis=1), "organs.*.kill_dormant",
              lambda i: "an organ's own adjuvant kill is not defined with metastasis-to-metastasis seeding yet (the "
                        "daughters' kernel takes one kill); use treatment.kill_dormant or set secondary_shedding to 0")
    if p.secondary:                       # colonies shed: the exact cluster formulas need these
        sheds = p.secondary_shedding.any(axis=0)
        for k, name in enumerate(p.organs):
            if p.colony_laws[k] == BIRTH_DEATH.name and (sheds[k] or p.secondary_shedding.any()):
                _rule(p.secondary_shedding.any(axis=1), f"organs.{name}.growth",
                      lambda i: "metastasis-to-metastasis seeding (secondary_shedding > 0) is not defined for "
                                "birth-death colonies: with a random mother size the first-generation "
                                "no-detection probability is not exp(-E[daughters]); use exponential or gompertz")
        _rule((p.kill_colony > 0) & p.secondary_shedding.any(axis=1), "treatment.kill_colony",
              lambda i: f"killing undetected colonies ({p.kill_colony[i]:g}) is not defined with metastasis-to-"
                        "metastasis seeding (a killed colony's daughters); set it to 0 or secondary_shedding to 0")
    if p.endocrine_wake is not None:
        _endocrine_rules(p)
    if p.nodes_min is not None:
        lo, hi = p.nodes_min, p.nodes_max
        for key, a in (("nodes.min", lo), ("nodes.max", hi)):
            _rule(a != np.floor(a), key, lambda i, a=a: f"a number of nodes must be a whole number, found {a[i]:g}")
        _rule(lo > hi, "nodes.min", lambda i: f"{lo[i]:g} is above nodes.max = {hi[i]:g} (no patient in the class)")
        _rule((lo > 0) & (p.nodes_ratio == 0), "nodes.min",
              lambda i: f"{lo[i]:g} selects node-positive patients, but nodes.ratio is 0 (the model has no nodal "
                        "spread, so every patient is N0): set nodes.ratio")
    for fld, what, when in (("staging", "staging at diagnosis", "at diagnosis"),
                            ("workup", "the work-up at a first relapse", "at a first relapse")):
        factor = getattr(p, fld)
        if factor is None or np.all(factor == 1.0):
            continue
        on = (factor != 1.0).any(axis=1)
        _rule(on & (p.secondary_shedding.any(axis=1) if p.secondary_shedding is not None else False),
              f"organs.*.{fld}", lambda i, what=what, fld=fld: f"{what} at another size than detection is not "
                                 f"defined with metastasis-to-metastasis seeding yet; set {fld} to 1 or "
                                 "secondary_shedding to 0")
        _rule(on & (p.kill_colony > 0), "treatment.kill_colony",
              lambda i, what=what, fld=fld: f"killing undetected colonies ({p.kill_colony[i]:g}) is not defined with "
                                            f"{what} at another size than detection yet; set it to 0 or {fld} to 1")
        for k, name in enumerate(p.organs):
            _rule(factor[:, k] > 1, f"organs.{name}.{fld}",
                  lambda i, when=when: f"{factor[i, k]:g} is above 1: imaging {when} finds what routine detection "
                                       "finds, or more (screened); a colony found only when larger (symptomatic) "
                                       "is described by detection itself")
            size = p.detection[:, k] * factor[:, k]
            _rule(size <= 1, f"organs.{name}.{fld}",
                  lambda i, fld=fld: f"{fld} x detection = {size[i]:g} cells: a colony must exceed 1 cell to be found")
            if p.colony_laws[k] == "gompertz":
                _rule(size >= p.colony_K[:, k], f"organs.{name}.{fld}",
                      lambda i, fld=fld: f"{fld} x detection = {size[i]:g} cells is not below colony K = "
                                         f"{p.colony_K[i, k]:g}")
    total = p.f.sum(axis=1)
    _rule(total > 1 + 1e-12, "organs.*.arrest_fraction",
          lambda i: f"arrest fractions sum to {total[i]:.6g}, above 1 (they are shares of cleared cells)")
    for k, name in enumerate(p.organs):
        where = f"organs.{name}"
        _rule(p.detection[:, k] <= 1, f"{where}.detection",
              lambda i: f"detection size must exceed 1 cell, found {p.detection[i, k]:g}")
        if p.colony_laws[k] == BIRTH_DEATH.name:
            death = p.birth[:, k] - p.colony_rate[:, k]
            _rule(p.colony_rate[:, k] <= 0, f"{where}.birth",
                  lambda i: f"birth {p.birth[i, k]:g} must exceed death {death[i]:g} for colonies to grow")
        if p.colony_laws[k] == "gompertz":
            _rule(p.detection[:, k] >= p.colony_K[:, k], f"{where}.detection",
                  lambda i: f"detection size {p.detection[i, k]:g} is not below colony K = {p.colony_K[i, k]:g}")


def _endocrine_rules(p: PatientParams) -> None:
    """Endocrine therapy: a factor in [0, 1] and no seeding from colonies (whose daughters' dormancy
    the generation formulas take at a constant wake rate). The factor and the extra death say what the
    therapy does when given; ``endocrine_years`` says how long a cohort received it (0: not given), so a
    model may carry the effects and a cohort (case mix) the years."""
    e = p.endocrine_wake
    _rule(e > 1, "treatment.endocrine_wake",
          lambda i: f"is a factor on the wake rates in [0, 1] (1: no effect), found {e[i]:g}")
    if p.secondary_shedding is not None:
        _rule(p.endocrine & p.secondary_shedding.any(axis=1), "treatment.endocrine_wake",
              lambda i: "endocrine therapy is not modelled with metastasis-to-metastasis seeding (daughter cells' "
                        "dormancy); set it to 1 or secondary_shedding to 0 (adjuvant kill_dormant is supported)")


# ---- the resolver ---------------------------------------------------------------------------

def broadcast(model: Model, params: Mapping[str, object] | None) -> tuple[int, dict[str, np.ndarray]]:
    """Check override keys and values and broadcast them to P parameter sets.

    Parameters
    ----------
    model : Model
        The model whose keys are valid (``diagnosis.size`` and ``diagnosis.diameter_cm`` too).
    params : mapping, optional
        Dotted key -> a number or a 1-D array (one value per parameter set).

    Returns
    -------
    P : int
        Number of parameter sets (the broadcast length, at least 1).
    given : dict of str to numpy.ndarray
        The checked values, each broadcasting to (P,).

    Raises
    ------
    InputError
        For an unknown key (with a did-you-mean), a non-numeric or out-of-range value, a 2-D
        array, both size keys, or lengths that do not broadcast.
    """
    values = model.values()
    given: dict[str, np.ndarray] = {}
    if params is not None and not isinstance(params, Mapping):
        raise InputError(f"params: expected a mapping of dotted keys to values, found {type(params).__name__}")
    for key, val in (params or {}).items():
        if key not in values and key not in SIZE_KEYS and class_key(model, key) is None:
            raise InputError(f"params: unknown parameter '{key}' for model '{model.name}'"
                             + did_you_mean(key, list(values) + list(SIZE_KEYS)))
        try:
            arr = np.asarray(val, dtype=float)
        except (TypeError, ValueError):
            raise InputError(f"params: '{key}' must be numbers, found {val!r}") from None
        if arr.ndim > 1:
            raise InputError(f"params: '{key}' must be a number or a 1-D array of parameter sets, "
                             f"found shape {arr.shape}")
        try:
            check_value(key, arr)
        except InvalidValue as exc:
            raise InputError(f"params: {exc.key} {exc.reason}" + (f" (parameter set {exc.index})" if arr.ndim else "")) \
                from None
        given[key] = arr
    if all(k in given for k in SIZE_KEYS):
        raise InputError("params: give diagnosis.size or diagnosis.diameter_cm, not both")
    try:
        P = int(np.broadcast_shapes((1,), *(a.shape for a in given.values()))[0])
    except ValueError:
        shapes = ", ".join(f"{k} {a.shape}" for k, a in given.items())
        raise InputError(f"params: arrays do not broadcast to one length P ({shapes})") from None
    return P, given


def resolve(model: Model, params: Mapping[str, object] | None = None, classes=None) -> PatientParams:
    """The model's values with ``params`` overrides, as P validated parameter sets.

    Parameters
    ----------
    model : Model
        The model (years and cells).
    params : mapping, optional
        Dotted key -> a number or a 1-D array of values, one per parameter set.
    classes : array of int, optional
        (P,) index into ``model.classes`` of each parameter set: its class's values
        (``classes.<c>.<key>`` in ``params``, else the class's own, else the base model's) and
        efficiencies eps_k exp(beta_kc). None: the base model's values (no class).

    Returns
    -------
    PatientParams

    Raises
    ------
    InputError
        Naming the key, the reason and the parameter set when a value breaks a rule.
    """
    P, given = broadcast(model, params)
    cls = None
    if classes is not None:
        cls = np.asarray(classes, dtype=np.intp)
        if model.classes and cls.ndim == 1 and P == 1 and cls.size > 1:
            P = cls.size
        if cls.shape != (P,) or not model.classes or cls.min(initial=0) < 0 or cls.max(initial=0) >= len(model.classes):
            raise InputError(f"classes: expected {P} indices into the model's classes "
                             f"({', '.join(model.class_names) or 'none'})")
    p = _assemble(model, P, given, cls)
    try:
        validate(p)
    except InvalidValue as exc:
        key = exc.key if cls is None else f"classes.{model.class_names[cls[exc.index]]}.{exc.key}"
        raise InputError(f"params: {key} {exc.reason}" + (f" (parameter set {exc.index})" if P > 1 else "")) \
            from None
    return p


def one_patient(model: Model, what: str, *, seeding: bool = True, params: Mapping | None = None) -> None:
    """Refuse, naming ``what``, a model that is not one patient's: one with intrinsic classes (a
    patient has one: ``model.of_class(name)``) and, with ``seeding``, one whose colonies shed
    (metastasis-to-metastasis seeding is in incidence, the cohort simulator and solve's ODE only).

    Parameters
    ----------
    model : Model
    what : str
        The path that refuses, for the message (e.g. "solve").
    seeding : bool
        Whether colony seeding is refused too.
    params : mapping, optional
        Dotted-key overrides applied on top of the model.

    Raises
    ------
    InputError
    """
    if model.classes:
        first = model.class_names[0]
        raise InputError(f"{what}: model '{model.name}' has intrinsic classes ({', '.join(model.class_names)}) "
                         f"and {what} follows one patient: choose a class, model.of_class('{first}') "
                         f"(CLI: --class {first})")
    values = {**model.values(), **dict(params or {})}
    lo, hi = values.get("nodes.min", 0.0), values.get("nodes.max", float(OPEN))
    if np.any(selects(lo, hi)):
        raise InputError(f"{what}: nodes.min..nodes.max ({np.min(lo):g}..{np.max(hi):g}) selects the patients of a "
                         f"nodal class, a population; {what} follows one patient (use incidence or the cohort "
                         "simulator)")
    shed = [k for k, v in values.items() if k.endswith(".secondary_shedding") and np.any(np.asarray(v) > 0)]
    if seeding and shed:
        raise InputError(f"{what}: {shed[0]} > 0 (metastasis-to-metastasis seeding) is not in {what}; "
                         f"incidence, the cohort simulator (simulate_cohort, metakinetics cohort) and, with "
                         f"exponential colonies, solve's mean dynamics (method 'ode') follow it")


def prevalences(model: Model, params: Mapping[str, object] | None = None) -> np.ndarray:
    """Class prevalences pi_c per parameter set, checked to sum to 1 (within 1e-9).

    Parameters
    ----------
    model : Model
        A model with classes.
    params : mapping, optional
        Overrides as for :func:`resolve` (``classes.<c>.prevalence`` among them).

    Returns
    -------
    numpy.ndarray
        (P, C) in the order of ``model.classes``.

    Raises
    ------
    InputError
        When the model has no classes or a set's prevalences do not sum to 1.
    """
    if not model.classes:
        raise InputError(f"model '{model.name}' has no classes")
    P, given = broadcast(model, params)
    pi = np.stack([value_array(model, P, given, PREVALENCE, np.full(P, c))
                   for c in range(len(model.classes))], axis=1)
    try:
        check_prevalences(pi)
    except InvalidValue as exc:
        raise InputError(f"params: {exc.key} {exc.reason}" + (f" (parameter set {exc.index})" if P > 1 else "")) \
            from None
    return pi


def check_prevalences(pi: np.ndarray) -> None:
    """Prevalences (P, C) must sum to 1 within 1e-9 in every set (InvalidValue otherwise).

    Parameters
    ----------
    pi : numpy.ndarray
        (P, C) class prevalences, each already in [0, 1].

    Raises
    ------
    InvalidValue
        Key ``classes.*.prevalence``, naming the sum found.
    """
    total = pi.sum(axis=1)
    _rule(np.abs(total - 1.0) > PREVALENCE_TOLERANCE, "classes.*.prevalence",
          lambda i: f"class prevalences sum to {total[i]:.12g}, not 1 (within {PREVALENCE_TOLERANCE:g}; "
                    "renormalise published shares)")


def value_array(model: Model, P: int, given: Mapping[str, np.ndarray], key: str, classes=None,
                default: float = math.nan) -> np.ndarray:
    """(P,) values of one dotted base ``key``: the override in ``given``, else the model's value,
    else ``default``; rows with a class take the class's value where it has one.

    Parameters
    ----------
    model : Model
        The model.
    P : int
        Number of parameter sets.
    given : mapping
        Broadcast overrides (:func:`broadcast`), class keys ``classes.<c>.<key>`` among them.
    key : str
        A dotted base key, e.g. ``organs.brain.wake`` or ``population.mu_sd``.
    classes : array of int, optional
        (P,) class index of each set (None: no class).
    default : float
        The value when neither the model nor an override has one.

    Returns
    -------
    numpy.ndarray
        Shape (P,), float.
    """
    out = np.broadcast_to(given[key], (P,)).astype(float) if key in given \
        else np.full(P, float(model.value_or(key, default)))
    if classes is None:
        return out
    for c, spec in enumerate(model.classes):
        ck = f"classes.{spec.name}.{key}"
        v = given[ck] if ck in given else (spec.prevalence if key == PREVALENCE else spec.value(key))
        if v is not None:
            out = np.where(classes == c, np.broadcast_to(v, (P,)), out)
    return out


def validate_model(model: Model) -> None:
    """The rules applied to a model's own values (and each class's): what the file loader calls.

    Parameters
    ----------
    model : Model
        The model to check (one parameter set).

    Raises
    ------
    InvalidValue
        At the first broken rule.
    """
    validate(_assemble(model, 1, {}))
    if model.classes:
        C = len(model.classes)
        check_prevalences(np.array([[c.prevalence for c in model.classes]]))
        try:
            validate(_assemble(model, C, {}, np.arange(C)))
        except InvalidValue as exc:
            raise InvalidValue(f"classes.{model.class_names[exc.index]}.{exc.key}", exc.reason, exc.index) from None


def _assemble(model: Model, P: int, given: Mapping[str, np.ndarray], cls=None) -> PatientParams:
    def get(key: str, default: float = math.nan) -> np.ndarray:
        return value_array(model, P, given, key, cls, default)

    def organ(fld: str, default: float = math.nan) -> np.ndarray:  # noqa: D401 (P, K) per organ
        if not model.organs:
            return np.zeros((P, 0))
        return np.stack([get(f"organs.{o.name}.{fld}", default) for o in model.organs], axis=1)

    if "diagnosis.size" in given:
        size = get("diagnosis.size")
    elif "diagnosis.diameter_cm" in given:
        size = np.asarray(diameter_to_cells(get("diagnosis.diameter_cm")), dtype=float).reshape(P)
    else:
        size = np.full(P, model.diagnosis.size)
    if cls is not None:                       # a class's own size, given either way
        for c, spec in enumerate(model.classes):
            for key in SIZE_KEYS:
                ck = f"classes.{spec.name}.{key}"
                v = given[ck] if ck in given else spec.value(key)
                if v is not None:
                    v = np.broadcast_to(v, (P,)).astype(float)
                    size = np.where(cls == c, v if key == "diagnosis.size" else diameter_to_cells(v), size)
    law = growth_law(model.primary.growth)
    laws = tuple(o.growth for o in model.organs)
    bd = np.array([name == BIRTH_DEATH.name for name in laws], dtype=bool)
    birth = organ("birth")
    colony_rate = np.where(bd, birth - organ("death"), organ("rate"))
    return PatientParams(
        law=law, organs=model.organ_names, colony_laws=laws, x0=get("primary.x0"), rate=get("primary.rate"),
        K=get("primary.K", math.inf) if law.needs_K else np.full(P, math.inf), size=size,
        delay=get("diagnosis.surgery_delay", 0.0), mu=get("shedding.mu"), gamma=get("shedding.gamma", 1.0),
        kappa=get("circulation.clearance"), f=organ("arrest_fraction"), wake=organ("wake"),
        dormant_death=organ("dormant_death"), eps=organ("efficiency") * np.exp(organ(PREFERENCE, 0.0)), detection=organ("detection"),
        colony_rate=colony_rate, birth=np.where(bd, birth, 0.0), colony_K=organ("K", math.inf),
        kill_dormant=get("treatment.kill_dormant", 0.0), kill_colony=get("treatment.kill_colony", 0.0),
        hazard=get("mortality.hazard", 0.0), after_relapse=get("mortality.after_relapse", 0.0),
        secondary_shedding=organ("secondary_shedding", 0.0), secondary_gamma=get("shedding.secondary_gamma", 1.0),
        staging=organ("staging", 1.0), workup=organ("workup", 1.0), organ_kill=organ("kill_dormant", 0.0),
        nodes_ratio=get("nodes.ratio", 0.0), nodes_coupling=get("nodes.coupling", 1.0),
        nodes_dispersion=get("nodes.dispersion", 0.0),
        nodes_min=get("nodes.min", 0.0), nodes_max=get("nodes.max", float(OPEN)),
        endocrine_wake=get("treatment.endocrine_wake", 1.0), endocrine_years=get("treatment.endocrine_years", 0.0),
        endocrine_death=get("treatment.endocrine_death", 0.0))
