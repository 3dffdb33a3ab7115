"""Built-in what-if scenarios: named, composable transformations Model -> Model.

A scenario acts on the model's parameter values (dotted keys of :meth:`Model.values`), so the
same rule transforms one model (:meth:`Scenario.apply`) or a whole batch of parameter draws at
once (:meth:`Scenario.transform`, values may be arrays of shape (P,)). Scenarios compose with
``+`` (left to right); :func:`parse_scenario` reads the command-line grammar documented in
docs/scenarios.md, e.g. ``surgery_delay=0.25``, ``adjuvant:kill_dormant=0.5``,
``organ_drug:bone=0.7``, ``ctc_therapy=2 + dormancy=0.5``.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..errors import InputError, did_you_mean
from ..model import Model
from ..units import diameter_to_cells

Values = dict[str, Any]  # dotted key -> float or ndarray (P,)

#: Duration suffixes accepted in scenario strings, in years.
_DURATION_UNITS = {"": 1.0, "y": 1.0, "yr": 1.0, "year": 1.0, "years": 1.0,
                   "mo": 1.0 / 12.0, "month": 1.0 / 12.0, "months": 1.0 / 12.0,
                   "w": 7.0 / 365.25, "wk": 7.0 / 365.25, "week": 7.0 / 365.25, "weeks": 7.0 / 365.25,
                   "d": 1.0 / 365.25, "day": 1.0 / 365.25, "days": 1.0 / 365.25}


def _fmt_duration(years: float) -> str:
    """Shortest exact-looking form of a duration: years, or whole weeks/months/days."""
    if f"{years:g}" and float(f"{years:g}") == years:
        return f"{years:g}"
    for suffix in ("w", "mo", "d"):
        n = years / _DURATION_UNITS[suffix]
        if abs(n - round(n)) < 1e-9 * max(1.0, abs(n)):
            return f"{round(n)}{suffix}"
    return repr(float(years))


def _organ_names(values: Mapping[str, Any]) -> tuple[str, ...]:
    """Organ names present in a values mapping, in key order."""
    seen: dict[str, None] = {}
    for key in values:
        if key.startswith("organs."):
            seen.setdefault(key.split(".")[1], None)
    return tuple(seen)


def _scaled(out: dict, values: Mapping[str, Any], key: str, fn) -> None:
    """Apply ``fn`` to ``key`` and to every intrinsic class's own value of it
    (``classes.<c>.<key>``): a class that overrides a value is changed by the scenario too."""
    for k in values:
        if k == key or (k.startswith("classes.") and k.split(".", 2)[-1] == key):
            out[k] = fn(values[k])


def _check_organ(name: str, organs: tuple[str, ...], scenario: str) -> None:
    if name not in organs:
        raise InputError(f"scenario '{scenario}': unknown organ '{name}' (the model has "
                         f"{', '.join(organs)})" + did_you_mean(name, organs))


@dataclass(frozen=True)
class Scenario:
    """Base class: a named rule on parameter values. Subclasses define ``transform`` and ``describe``."""

    key: ClassVar[str] = "scenario"

    def transform(self, values: Values) -> Values:
        """New values mapping (inputs are not modified); values may be floats or (P,) arrays."""
        raise NotImplementedError

    def describe(self) -> str:
        """One line saying what the scenario does, with units."""
        raise NotImplementedError

    @property
    def label(self) -> str:
        """Canonical string form (parseable by :func:`parse_scenario`)."""
        raise NotImplementedError

    def apply(self, model: Model) -> Model:
        """The transformed model (validated; a bad result raises a ModelError naming the key)."""
        before = model.values()
        after = self.transform(dict(before))
        changes = {k: float(v) for k, v in after.items() if k not in before or float(v) != before[k]}
        return model.with_values(changes) if changes else model

    def __add__(self, other: "Scenario") -> "Scenario":
        return compose(self, other)

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Baseline(Scenario):
    """The model as given (the reference every comparison is made against)."""

    key: ClassVar[str] = "baseline"

    def transform(self, values: Values) -> Values:
        return dict(values)

    def describe(self) -> str:
        return "the model as given"

    @property
    def label(self) -> str:
        return "baseline"


@dataclass(frozen=True)
class SurgeryDelay(Scenario):
    """Surgery ``years`` later than in the model (added to diagnosis.surgery_delay)."""

    key: ClassVar[str] = "surgery_delay"
    years: float

    def __post_init__(self):
        if not math.isfinite(self.years) or self.years < 0:
            raise InputError(f"scenario 'surgery_delay': the extra delay must be zero or positive "
                             f"years, found {self.years:g}")

    def transform(self, values: Values) -> Values:
        out = dict(values)
        out["diagnosis.surgery_delay"] = values.get("diagnosis.surgery_delay", 0.0) + self.years
        return out

    def describe(self) -> str:
        return (f"surgery delayed by a further {self.years:g} y ({self.years * 365.25 / 7:.3g} weeks) "
                f"after diagnosis")

    @property
    def label(self) -> str:
        return f"surgery_delay={_fmt_duration(self.years)}"


@dataclass(frozen=True)
class EarlierDiagnosis(Scenario):
    """Diagnosis at a primary diameter of ``diameter_cm`` (median, as screening would give)."""

    key: ClassVar[str] = "earlier_diagnosis"
    diameter_cm: float

    def __post_init__(self):
        if not math.isfinite(self.diameter_cm) or self.diameter_cm <= 0:
            raise InputError(f"scenario 'earlier_diagnosis': the diameter must be positive cm, "
                             f"found {self.diameter_cm:g}")

    def transform(self, values: Values) -> Values:
        out = dict(values)
        if "diagnosis.diameter_cm" in values or "diagnosis.size" not in values:
            out["diagnosis.diameter_cm"] = self.diameter_cm
        else:
            out["diagnosis.size"] = diameter_to_cells(self.diameter_cm)
        return out

    def describe(self) -> str:
        return f"diagnosis when the primary is {self.diameter_cm:g} cm across (median; screening)"

    @property
    def label(self) -> str:
        return f"earlier_diagnosis={self.diameter_cm:g}"


@dataclass(frozen=True)
class Adjuvant(Scenario):
    """Adjuvant therapy at surgery: kills each dormant cell with probability ``kill_dormant`` and
    each undetected colony with probability ``kill_colony`` (independently of any kill already
    in the model: survival probabilities multiply)."""

    key: ClassVar[str] = "adjuvant"
    kill_dormant: float = 0.0
    kill_colony: float = 0.0

    def __post_init__(self):
        for name in ("kill_dormant", "kill_colony"):
            v = getattr(self, name)
            if not (math.isfinite(v) and 0.0 <= v <= 1.0):
                raise InputError(f"scenario 'adjuvant': {name} must be a probability in [0, 1], found {v:g}")

    def transform(self, values: Values) -> Values:
        out = dict(values)
        for name in ("kill_dormant", "kill_colony"):
            old = values.get(f"treatment.{name}", 0.0)
            out[f"treatment.{name}"] = 1.0 - (1.0 - old) * (1.0 - getattr(self, name))
        return out

    def describe(self) -> str:
        return (f"adjuvant therapy at surgery killing {self.kill_dormant:.0%} of dormant cells and "
                f"{self.kill_colony:.0%} of undetected colonies")

    @property
    def label(self) -> str:
        return f"adjuvant:kill_dormant={self.kill_dormant:g},kill_colony={self.kill_colony:g}"


def _pairs(factors: Mapping[str, float] | tuple) -> tuple[tuple[str, float], ...]:
    items = factors.items() if isinstance(factors, Mapping) else factors
    return tuple((str(k), float(v)) for k, v in items)


@dataclass(frozen=True)
class OrganDrug(Scenario):
    """An organ-targeted drug (bisphosphonate-like on bone): multiplies the colonisation
    efficiency eps_k of each named organ by its factor (0 = no colonies founded there)."""

    key: ClassVar[str] = "organ_drug"
    factors: tuple[tuple[str, float], ...] = field(default=(("bone", 0.7),))

    def __post_init__(self):
        object.__setattr__(self, "factors", _pairs(self.factors))
        if not self.factors:
            raise InputError("scenario 'organ_drug': name at least one organ, e.g. organ_drug:bone=0.7")
        for organ, f in self.factors:
            if not (math.isfinite(f) and f >= 0):
                raise InputError(f"scenario 'organ_drug': factor for {organ} must be zero or "
                                 f"positive, found {f:g}")

    def transform(self, values: Values) -> Values:
        out = dict(values)
        organs = _organ_names(values)
        for organ, f in self.factors:
            _check_organ(organ, organs, self.key)
            _scaled(out, values, f"organs.{organ}.efficiency", lambda v, f=f: v * f)
        return out

    def describe(self) -> str:
        parts = ", ".join(f"{o} x{f:g}" for o, f in self.factors)
        return f"organ-targeted drug: colonisation efficiency {parts}"

    @property
    def label(self) -> str:
        return "organ_drug:" + ",".join(f"{o}={f:g}" for o, f in self.factors)


@dataclass(frozen=True)
class DormancyMaintenance(Scenario):
    """Keeps cells dormant longer: multiplies the wake rate omega_k by ``factor`` in the named
    organs (all organs when ``organs`` is empty)."""

    key: ClassVar[str] = "dormancy"
    factor: float = 0.5
    organs: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "organs", tuple(self.organs))
        if not (math.isfinite(self.factor) and self.factor >= 0):
            raise InputError(f"scenario 'dormancy': the wake-rate factor must be zero or positive, "
                             f"found {self.factor:g}")

    def transform(self, values: Values) -> Values:
        out = dict(values)
        present = _organ_names(values)
        for organ in self.organs:
            _check_organ(organ, present, self.key)
        for organ in self.organs or present:
            _scaled(out, values, f"organs.{organ}.wake", lambda v: v * self.factor)
        return out

    def describe(self) -> str:
        where = ", ".join(self.organs) if self.organs else "every organ"
        return f"dormancy maintenance: wake rate x{self.factor:g} in {where}"

    @property
    def label(self) -> str:
        if self.organs:
            return "dormancy:" + ",".join(f"{o}={self.factor:g}" for o in self.organs)
        return f"dormancy={self.factor:g}"


def _class_names(values: Mapping[str, Any]) -> tuple[str, ...]:
    """Intrinsic class names present in a values mapping (``classes.<c>.prevalence``), in key order."""
    return tuple(k.split(".")[1] for k in values if k.startswith("classes.") and k.endswith(".prevalence"))


@dataclass(frozen=True)
class Endocrine(Scenario):
    """Endocrine therapy for ``years`` after surgery, during which dormant cells wake at ``wake`` x
    omega_k and die at an extra ``death`` (1/year) (docs/model.md, "Endocrine therapy"); it replaces
    any endocrine therapy in the model. ``classes``: (class, wake factor) pairs, the only intrinsic
    classes treated (e.g. the HR+ ones, each also at the extra ``death``), the others untreated;
    empty: every patient at ``wake``."""

    key: ClassVar[str] = "endocrine"
    wake: float = 0.5
    years: float = 5.0
    classes: tuple[tuple[str, float], ...] = ()
    death: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "classes", _pairs(self.classes))
        for name, f in (("wake", self.wake), *self.classes):
            if not (math.isfinite(f) and 0.0 <= f <= 1.0):
                raise InputError(f"scenario 'endocrine': the wake-rate factor ({name}) must be in [0, 1], found {f:g}")
        if not (math.isfinite(self.years) and self.years > 0):
            raise InputError(f"scenario 'endocrine': years of therapy must be positive, found {self.years:g}")
        if not (math.isfinite(self.death) and self.death >= 0):
            raise InputError(f"scenario 'endocrine': the extra dormant death rate must be zero or positive "
                             f"(1/year), found {self.death:g}")

    def transform(self, values: Values) -> Values:
        out = dict(values)
        present = _class_names(values)
        for name, _ in self.classes:
            if name not in present:
                raise InputError(f"scenario 'endocrine': unknown class '{name}' (the model has "
                                 f"{', '.join(present) or 'no intrinsic classes'})" + did_you_mean(name, present))
        _scaled(out, values, "treatment.endocrine_years", lambda v: self.years)
        out["treatment.endocrine_years"] = self.years
        for key, base, each in (("endocrine_wake", 1.0 if self.classes else self.wake, None),
                                ("endocrine_death", 0.0 if self.classes else self.death, self.death)):
            _scaled(out, values, f"treatment.{key}", lambda v, base=base: base)
            out[f"treatment.{key}"] = base
            for name, f in self.classes:
                out[f"classes.{name}.treatment.{key}"] = f if each is None else each
        return out

    def describe(self) -> str:
        who = ", ".join(f"{c} x{f:g}" for c, f in self.classes) if self.classes else f"x{self.wake:g}"
        dies = f" and dormant death +{self.death:g}/year" if self.death > 0 else ""
        return f"endocrine therapy for {self.years:g} years after surgery: dormant wake rate {who}{dies} meanwhile"

    @property
    def label(self) -> str:
        dies = f",death={self.death:g}" if self.death > 0 else ""
        if self.classes:
            return "endocrine:" + ",".join(f"{c}={f:g}" for c, f in self.classes) + f",years={self.years:g}" + dies
        return f"endocrine:wake={self.wake:g},years={self.years:g}" + dies


@dataclass(frozen=True)
class CTCTherapy(Scenario):
    """A CTC-targeting therapy killing cells in the blood: total clearance kappa x ``factor``
    (>= 1) while the arrest flux per organ, f_k kappa, is unchanged, so each arrest fraction
    becomes f_k / factor (the extra clearance is death in the blood, not arrest)."""

    key: ClassVar[str] = "ctc_therapy"
    factor: float = 2.0

    def __post_init__(self):
        if not (math.isfinite(self.factor) and self.factor >= 1.0):
            raise InputError(f"scenario 'ctc_therapy': the clearance factor must be >= 1 "
                             f"(a therapy adds clearance), found {self.factor:g}")

    def transform(self, values: Values) -> Values:
        out = dict(values)
        out["circulation.clearance"] = values["circulation.clearance"] * self.factor
        for organ in _organ_names(values):
            _scaled(out, values, f"organs.{organ}.arrest_fraction", lambda v: v / self.factor)
        return out

    def describe(self) -> str:
        return (f"CTC-targeting therapy: blood clearance x{self.factor:g}, "
                f"{1 - 1 / self.factor:.0%} of circulating cells killed before arrest")

    @property
    def label(self) -> str:
        return f"ctc_therapy={self.factor:g}"


def _class_value(key: str, values: Values) -> bool:
    """Whether ``key`` is an intrinsic class's own value of a base key the model has
    (``classes.<c>.<base key>``, e.g. classes.her2_enriched.organs.bone.kill_dormant), which the
    model's file need not list; the resolver checks it further (model.classes.class_key)."""
    parts = key.split(".")
    return (len(parts) >= 3 and parts[0] == "classes" and parts[1] in _class_names(values)
            and ".".join(parts[2:]) in values)


@dataclass(frozen=True)
class SetValues(Scenario):
    """Sets dotted-key parameters to given values (the general escape hatch)."""

    key: ClassVar[str] = "set"
    items: tuple[tuple[str, float], ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "items", _pairs(self.items))
        if not self.items:
            raise InputError("scenario 'set': give at least one key, e.g. set:organs.bone.wake=0.05")

    def transform(self, values: Values) -> Values:
        out = dict(values)
        for key, v in self.items:
            if key not in values and not _class_value(key, values):
                raise InputError(f"scenario 'set': unknown parameter '{key}'" + did_you_mean(key, values))
            out[key] = v
        return out

    def describe(self) -> str:
        return "set " + ", ".join(f"{k} = {v:g}" for k, v in self.items)

    @property
    def label(self) -> str:
        return "set:" + ",".join(f"{k}={v:g}" for k, v in self.items)


@dataclass(frozen=True)
class Composite(Scenario):
    """Several scenarios applied left to right."""

    key: ClassVar[str] = "composite"
    parts: tuple[Scenario, ...] = ()

    def transform(self, values: Values) -> Values:
        for part in self.parts:
            values = part.transform(values)
        return dict(values)

    def describe(self) -> str:
        return "; then ".join(p.describe() for p in self.parts)

    @property
    def label(self) -> str:
        return " + ".join(p.label for p in self.parts)


def compose(*scenarios: Scenario) -> Scenario:
    """One scenario applying ``scenarios`` left to right.

    Nested composites are flattened and baselines dropped, so ``a + baseline`` is ``a``.

    Parameters
    ----------
    *scenarios : Scenario
        The scenarios, in order.

    Returns
    -------
    Scenario
        A Baseline when nothing is left, the one scenario, or a Composite.
    """
    parts: list[Scenario] = []
    for s in scenarios:
        if not isinstance(s, Scenario):
            raise InputError(f"compose: expected Scenario objects, found {type(s).__name__}")
        parts.extend(s.parts if isinstance(s, Composite) else (s,))
    parts = [p for p in parts if not isinstance(p, Baseline)]
    if not parts:
        return Baseline()
    return parts[0] if len(parts) == 1 else Composite(tuple(parts))


# ---------------------------------------------------------------- parsing the CLI grammar

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_DURATION = re.compile(rf"^\s*({_NUMBER})\s*([a-z]*)\s*$")


def _number(text: str, where: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise InputError(f"scenario '{where}': expected a number, found '{text}'") from None
    if not math.isfinite(x):
        raise InputError(f"scenario '{where}': expected a finite number, found '{text}'")
    return x


def _duration(text: str, where: str) -> float:
    m = _DURATION.match(text.lower())
    if not m or m.group(2) not in _DURATION_UNITS:
        raise InputError(f"scenario '{where}': expected a duration such as 0.25, 3mo, 12w or 60d "
                         f"(years by default), found '{text}'")
    return float(m.group(1)) * _DURATION_UNITS[m.group(2)]


def _build(name: str, value: str | None, kwargs: dict[str, str], text: str) -> Scenario:
    def only(allowed: tuple[str, ...]) -> None:
        bad = [k for k in kwargs if k not in allowed]
        if bad:
            raise InputError(f"scenario '{text}': unknown argument '{bad[0]}' for {name} (expected "
                             f"{', '.join(allowed)})" + did_you_mean(bad[0], allowed))

    def need_value() -> str:
        if value is None:
            raise InputError(f"scenario '{text}': {name} needs a value, e.g. {EXAMPLES[name]}")
        return value

    if name == "baseline":
        if value is not None or kwargs:
            raise InputError(f"scenario '{text}': baseline takes no arguments")
        return Baseline()
    one_value = {"surgery_delay": (SurgeryDelay, "years", _duration),          # NAME=VALUE or NAME:KEY=VALUE
                 "earlier_diagnosis": (EarlierDiagnosis, "diameter_cm", _number),
                 "ctc_therapy": (CTCTherapy, "factor", _number)}
    if name in one_value:
        cls, key, read = one_value[name]
        if kwargs:
            only((key,))
        return cls(read(kwargs[key] if kwargs else need_value(), text))
    if name == "adjuvant":
        if value is not None:  # adjuvant=0.5: kill dormant cells only
            return Adjuvant(kill_dormant=_number(value, text))
        only(("kill_dormant", "kill_colony"))
        if not kwargs:
            raise InputError(f"scenario '{text}': adjuvant needs kill_dormant and/or kill_colony, "
                             f"e.g. {EXAMPLES['adjuvant']}")
        return Adjuvant(**{k: _number(v, text) for k, v in kwargs.items()})
    if name == "organ_drug":
        if value is not None:
            raise InputError(f"scenario '{text}': name the organ, e.g. organ_drug:bone={value}")
        if not kwargs:
            raise InputError(f"scenario '{text}': organ_drug needs organ=factor, e.g. {EXAMPLES['organ_drug']}")
        return OrganDrug(tuple((k, _number(v, text)) for k, v in kwargs.items()))
    if name == "dormancy":
        if value is not None:
            return DormancyMaintenance(_number(value, text))
        if not kwargs:
            raise InputError(f"scenario '{text}': dormancy needs a factor, e.g. {EXAMPLES['dormancy']}")
        factors = {_number(v, text) for v in kwargs.values()}
        if len(factors) > 1:  # one factor per scenario; compose several for different organs
            return compose(*(DormancyMaintenance(_number(v, text), (k,)) for k, v in kwargs.items()))
        return DormancyMaintenance(factors.pop(), tuple(kwargs))
    if name == "endocrine":
        if value is not None:  # endocrine=0.5: every patient, 5 years
            return Endocrine(_number(value, text))
        years = _duration(kwargs.pop("years"), text) if "years" in kwargs else 5.0
        death = _number(kwargs.pop("death"), text) if "death" in kwargs else 0.0
        if "wake" in kwargs:
            only(("wake",))
            return Endocrine(_number(kwargs["wake"], text), years, death=death)
        if not kwargs and death > 0:
            return Endocrine(1.0, years, death=death)
        if not kwargs:
            raise InputError(f"scenario '{text}': endocrine needs a factor, e.g. {EXAMPLES['endocrine']}")
        return Endocrine(1.0, years, tuple((k, _number(v, text)) for k, v in kwargs.items()), death)
    if name == "set":
        if value is not None or not kwargs:
            raise InputError(f"scenario '{text}': set needs key=value pairs, e.g. {EXAMPLES['set']}")
        return SetValues(tuple((k, _number(v, text)) for k, v in kwargs.items()))
    raise AssertionError(name)  # pragma: no cover


#: One example per scenario name (used in help and error messages).
EXAMPLES = {
    "baseline": "baseline",
    "surgery_delay": "surgery_delay=0.25 (years; also 12w, 3mo, 60d)",
    "earlier_diagnosis": "earlier_diagnosis=1.0 (cm)",
    "adjuvant": "adjuvant:kill_dormant=0.5,kill_colony=0.2",
    "organ_drug": "organ_drug:bone=0.7",
    "dormancy": "dormancy=0.5 or dormancy:bone=0.5",
    "ctc_therapy": "ctc_therapy=2",
    "endocrine": "endocrine=0.5, endocrine:wake=0.13,years=5,death=0.17 or endocrine:luminal_a=0.5,luminal_b=0.5 "
                 "(classes)",
    "set": "set:organs.bone.wake=0.05",
}

_PART = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:(=)(.*)|(:)(.*))?$", re.S)


def parse_scenario(text: str) -> Scenario:
    """A scenario from its string form.

    Grammar: ``scenario := part ('+' part)*``; ``part := NAME | NAME '=' VALUE |
    NAME ':' KEY '=' VALUE (',' KEY '=' VALUE)*``. Names: baseline, surgery_delay, earlier_diagnosis,
    adjuvant, organ_drug, dormancy, ctc_therapy, endocrine, set.

    Parameters
    ----------
    text : str
        E.g. ``surgery_delay=0.25`` or ``adjuvant:kill_dormant=0.5+earlier_diagnosis=1.5``.

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        Naming the bad piece.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("scenario: empty scenario string (e.g. surgery_delay=0.25)")
    parts = []
    for piece in text.split("+"):
        m = _PART.match(piece)
        if not m or not piece.strip():
            raise InputError(f"scenario '{text}': cannot read '{piece.strip()}' (expected NAME, "
                             f"NAME=VALUE or NAME:KEY=VALUE,...)")
        name = m.group(1)
        if name not in EXAMPLES:
            raise InputError(f"scenario '{text}': unknown scenario '{name}' (expected one of "
                             f"{', '.join(EXAMPLES)})" + did_you_mean(name, EXAMPLES))
        value = m.group(3).strip() if m.group(2) else None
        kwargs: dict[str, str] = {}
        if m.group(4):
            for item in m.group(5).split(","):
                if "=" not in item or not item.split("=", 1)[0].strip():
                    raise InputError(f"scenario '{text}': expected KEY=VALUE after '{name}:', found '{item.strip()}'")
                k, v = (s.strip() for s in item.split("=", 1))
                if k in kwargs:
                    raise InputError(f"scenario '{text}': '{k}' given twice")
                kwargs[k] = v
        if value is not None and not value:
            raise InputError(f"scenario '{text}': missing value after '{name}='")
        parts.append(_build(name, value, kwargs, text.strip()))
    return compose(*parts)


def as_scenario(item: Scenario | str) -> Scenario:
    """A Scenario object from itself or its string form.

    Parameters
    ----------
    item : Scenario or str
        See :func:`parse_scenario` for the string form.

    Returns
    -------
    Scenario
    """
    if isinstance(item, Scenario):
        return item
    if isinstance(item, str):
        return parse_scenario(item)
    raise InputError(f"scenario: expected a Scenario or a string, found {type(item).__name__}")


def transform_batch(scenario: Scenario, model: Model, draws: Mapping[str, np.ndarray] | None) -> Values:
    """The model's values with ``draws`` (dotted key -> (P,) array) substituted, then transformed."""
    values: Values = dict(model.values())
    for k, v in (draws or {}).items():
        if k not in values:
            raise InputError(f"unknown parameter '{k}'" + did_you_mean(k, values))
        values[k] = np.asarray(v, dtype=float)
    return scenario.transform(values)
