"""What a model is: frozen dataclasses, in years and cells, with no numerics attached.

A :class:`Model` is immutable; what-if variants are new models (:meth:`Model.with_values`).
Names follow docs/model.md ("One patient"): primary x(t), shedding mu x^gamma, clearance kappa, per organ k
the arrest fraction f_k, wake rate omega_k, dormant death delta_k, colonisation efficiency eps_k,
colony growth and detection size.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..units import cells_to_diameter

PRIMARY_LAWS = ("exponential", "gompertz", "logistic")
COLONY_LAWS = ("exponential", "gompertz", "birth_death")
#: the values each colony growth law needs (``organs.<k>.<key>``)
COLONY_LAW_KEYS = {"exponential": ("rate",), "gompertz": ("rate", "K"), "birth_death": ("birth", "death")}


@dataclass(frozen=True)
class Primary:
    """Primary tumour growth from ``x0`` cells at t = 0.

    exponential: x' = rate x; gompertz: x' = rate x ln(K/x) (rate is alpha);
    logistic: x' = rate x (1 - x/K). ``rate`` in 1/year, sizes in cells.
    """

    growth: str
    x0: float
    rate: float
    K: float | None = None


@dataclass(frozen=True)
class Diagnosis:
    """Diagnosis when the primary reaches ``size`` cells; surgery ``surgery_delay`` years later."""

    size: float
    surgery_delay: float = 0.0
    diameter_cm: float | None = None

    @property
    def diameter(self) -> float:
        """Diameter (cm) of a spherical primary of the diagnosis size."""
        return self.diameter_cm if self.diameter_cm is not None else cells_to_diameter(self.size)


@dataclass(frozen=True)
class Shedding:
    """Cells enter the blood as a Poisson process of intensity mu * x^gamma (cells/year)."""

    mu: float
    gamma: float = 1.0
    #: exponent gamma' of colony shedding mu'_k y^gamma' (metastasis-to-metastasis seeding)
    secondary_gamma: float = 1.0


@dataclass(frozen=True)
class Circulation:
    """A circulating cell leaves the blood at rate ``clearance`` (kappa, 1/year)."""

    clearance: float


@dataclass(frozen=True)
class Organ:
    """One organ site k: arrest, dormancy, colonisation and colony growth to detection.

    ``arrest_fraction`` f_k: share of cleared cells that arrest here; ``wake`` omega_k and
    ``dormant_death`` delta_k (1/year); ``efficiency`` eps_k: probability that a woken cell founds
    a colony. Colony growth: exponential (``rate``), gompertz (``rate`` = alpha, ``K``) or
    birth_death (``birth``, ``death``); detected at ``detection`` cells.
    """

    name: str
    arrest_fraction: float
    wake: float
    dormant_death: float
    efficiency: float
    growth: str
    detection: float
    rate: float | None = None
    K: float | None = None
    birth: float | None = None
    death: float | None = None
    blood_flow: float | None = None
    #: mu'_k: a colony of y cells here sheds mu'_k y^gamma' cells/year (0: colonies do not shed)
    secondary_shedding: float = 0.0
    #: the staging at diagnosis finds a colony from ``staging`` x ``detection`` cells (1: as later;
    #: < 1: screened, e.g. brain MRI for every patient; at most 1: ``detection`` is the routine size)
    staging: float = 1.0
    #: adjuvant kill of dormant cells here at surgery, on top of ``treatment.kill_dormant`` (a drug
    #: that reaches this organ only, e.g. a bone-targeted agent; 0: none)
    kill_dormant: float = 0.0
    #: the work-up at a first distant relapse (in another organ) finds a colony here from ``workup``
    #: x ``detection`` cells (1: no work-up beyond routine care; < 1: imaged then)
    workup: float = 1.0

    @property
    def survival(self) -> float:
        """Probability that a founded colony escapes extinction (lambda/b; 1 for deterministic growth)."""
        if self.growth == "birth_death":
            return (self.birth - self.death) / self.birth
        return 1.0

    @property
    def detection_delay(self) -> float | None:
        """Deterministic time (years) from one cell to ``detection`` cells; None for birth_death."""
        if self.growth == "exponential":
            return math.log(self.detection) / self.rate
        if self.growth == "gompertz":
            return math.log(math.log(self.K) / math.log(self.K / self.detection)) / self.rate
        return None


@dataclass(frozen=True)
class Population:
    """Between-patient spread: SDs of the logs of mu, primary rate and diagnosis diameter."""

    mu_sd: float = 0.0
    rate_sd: float = 0.0
    diameter_sd: float = 0.0


@dataclass(frozen=True)
class Treatment:
    """Adjuvant therapy at surgery: kill probability per dormant cell and per undetected colony;
    endocrine therapy from surgery for ``endocrine_years`` (years), during which every dormant
    cell wakes at ``endocrine_wake`` x omega_k (a factor in [0, 1]; 1: no effect) and dies at
    delta_k + ``endocrine_death`` (1/year; 0: dormant death unchanged) (docs/model.md, "Endocrine
    therapy")."""

    kill_dormant: float = 0.0
    kill_colony: float = 0.0
    endocrine_wake: float = 1.0
    endocrine_years: float = 0.0
    endocrine_death: float = 0.0


@dataclass(frozen=True)
class Mortality:
    """Background death hazard (1/year) from diagnosis, a competing risk that censors metastasis,
    and ``after_relapse`` (1/year), the extra death hazard after the first detected distant
    metastasis (0: relapsed patients die at the background rate only)."""

    hazard: float = 0.0
    after_relapse: float = 0.0


@dataclass(frozen=True)
class Nodes:
    """Regional lymph-node involvement (docs/model.md, "Nodes"): the involved-node count is Poisson
    with mean ``ratio`` x mu_ref^(1 - coupling) x mu^coupling x int_0^{t_s} x^gamma dt (lymphatic
    spread follows the blood shedding up to surgery, when the nodes are examined). ``ratio``:
    involved nodes per cell shed into the blood (0: no nodal spread); ``coupling``: how the
    patient's shedding mu carries over to the lymphatics (1: in proportion; 0: not at all).
    ``dispersion``: variance of a gamma frailty (mean 1) on each patient's nodal mean, the nodal
    spread's own between-patient variation (0: none, the count is Poisson; d > 0: negative binomial).
    ``min``..``max``: the nodal class of the patients described (counts; max >= 60: no upper bound;
    0..60: every patient, weight 1)."""

    ratio: float = 0.0
    coupling: float = 1.0
    dispersion: float = 0.0
    min: float = 0.0
    max: float = 60.0


@dataclass(frozen=True)
class IntrinsicClass:
    """One intrinsic class of tumours (e.g. a breast-cancer subtype): its share of the cohort and the
    values in which it differs from the base model.

    ``values`` are (dotted base key, value) pairs in years and cells (e.g. ``("organs.brain.wake",
    0.02)``), plus ``organs.<k>.preference`` beta_kc, the log multiplier of organ k's colonisation
    efficiency for this class (eps_kc = eps_k exp(beta_kc); 0 when absent). docs/model.md, "Classes".
    """

    name: str
    prevalence: float
    values: tuple[tuple[str, float], ...] = ()

    def value(self, key: str) -> float | None:
        """This class's own value of a dotted base key, or None (the base model's value applies)."""
        return self._by_key.get(key)

    @cached_property
    def _by_key(self) -> dict[str, float]:
        """The class's values by key, built once per (immutable) class (the hot path of every fit)."""
        return dict(self.values)


@dataclass(frozen=True)
class Model:
    """A whole metastasis model: primary -> circulation -> organ sites, for one typical patient."""

    name: str
    primary: Primary
    diagnosis: Diagnosis
    shedding: Shedding
    circulation: Circulation
    organs: tuple[Organ, ...]
    description: str = ""
    population: Population = field(default_factory=Population)
    treatment: Treatment = field(default_factory=Treatment)
    mortality: Mortality = field(default_factory=Mortality)
    nodes: Nodes = field(default_factory=Nodes)
    classes: tuple[IntrinsicClass, ...] = ()
    source: str | None = field(default=None, compare=False)

    @property
    def organ_names(self) -> tuple[str, ...]:
        """Organ names in file order (the order of every organ axis)."""
        return tuple(o.name for o in self.organs)

    def organ(self, name: str) -> Organ:
        """The organ called ``name`` (InputError naming the valid ones otherwise)."""
        for o in self.organs:
            if o.name == name:
                return o
        from ..errors import InputError, did_you_mean

        raise InputError(f"unknown organ '{name}' (model '{self.name}' has "
                         f"{', '.join(self.organ_names)})" + did_you_mean(name, self.organ_names))

    @property
    def class_names(self) -> tuple[str, ...]:
        """Names of the intrinsic classes in file order (empty: one homogeneous population)."""
        return tuple(c.name for c in self.classes)

    def to_dict(self) -> dict[str, Any]:
        """The model as a TOML-shaped dict in years (inverse of ``model.file.model_from_dict``)."""
        from .file import model_to_dict

        return model_to_dict(self)

    def values(self) -> dict[str, float]:
        """Every numeric parameter under its dotted key, e.g. ``organs.bone.efficiency`` (a copy)."""
        return dict(self._flat)

    @cached_property
    def _flat(self) -> dict[str, float]:
        """The dotted-key values, computed once per (immutable) model."""
        out: dict[str, float] = {}

        def walk(prefix: str, node: Any) -> None:
            for key, val in node.items():
                dotted = f"{prefix}.{key}" if prefix else key
                if isinstance(val, dict):
                    walk(dotted, val)
                elif isinstance(val, (int, float)) and not isinstance(val, bool):
                    out[dotted] = float(val)

        walk("", self.to_dict())
        for c in self.classes:           # every class has a preference for every organ (default 0)
            for o in self.organs:
                out.setdefault(f"classes.{c.name}.organs.{o.name}.preference", 0.0)
        return out

    def value_or(self, dotted: str, default: float) -> float:
        """Value of one numeric parameter by dotted key, or ``default`` when the model has none
        (no copy of the values: the parameter resolution calls it for every key)."""
        return self._flat.get(dotted, default)

    def get(self, dotted: str) -> float:
        """Value of one numeric parameter by dotted key."""
        vals = self._flat
        if dotted not in vals:
            from ..errors import InputError, did_you_mean

            raise InputError(f"unknown parameter '{dotted}'" + did_you_mean(dotted, vals))
        return vals[dotted]

    def of_class(self, name: str) -> "Model":
        """One intrinsic class as a model of its own: the class's values over the base model's,
        efficiencies eps_k exp(beta_kc), no classes (what ``resolve(model, classes=...)`` gives
        that class; the dynamics, networks and SDEs follow one patient, so they take this).

        Parameters
        ----------
        name : str
            One of ``class_names``.

        Returns
        -------
        Model
            Named ``<model>.<class>``.
        """
        import math
        from dataclasses import replace

        from ..errors import InputError, did_you_mean

        spec = next((c for c in self.classes if c.name == name), None)
        if spec is None:
            raise InputError(f"class '{name}': model '{self.name}' has "
                             + (f"classes {', '.join(self.class_names)}" + did_you_mean(name, self.class_names)
                                if self.classes else "no classes"))
        values = {k: v for k, v in spec.values if not k.endswith(".preference")}
        for k, beta in spec.values:
            if k.endswith(".preference") and beta != 0.0:
                eps = k.replace(".preference", ".efficiency")
                values[eps] = values.get(eps, self.get(eps)) * math.exp(beta)
        return replace(replace(self, classes=()).with_values(values), name=f"{self.name}.{name}")

    def with_values(self, overrides: dict[str, Any] | None = None, *, validate: bool = True, **kw: Any) -> "Model":
        """A new model with dotted-key overrides applied and validated, e.g.
        ``m.with_values({"organs.bone.efficiency": 3e-6})``. ``validate=False`` checks the keys and
        types but defers the value rules to resolution (every prediction resolves its model, with the
        same rules): the fit objective builds dozens of models per evaluation, and validating each
        twice was a quarter of its time."""
        from .file import apply_overrides, model_from_dict

        changes = dict(overrides or {})
        changes.update(kw)
        data = apply_overrides(self.to_dict(), changes, path=self.source)
        return model_from_dict(data, path=self.source, validate=validate)
