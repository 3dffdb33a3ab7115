"""Model files: TOML -> :class:`Model`, with one clear error per problem; dump and overrides.

Loading parses data only (tomllib); nothing in a file is executed. Errors name the file, the
dotted key and the reason, and suggest the nearest valid key for a typo. Values in a file are in
its ``[model] time_unit`` (year, month or day) and are converted to years on load.
"""
from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ModelFileError, nearest
from ..units import YEARS_PER, diameter_to_cells
from .toml_text import toml_string
from .text import decode_text
from .classes import PREFERENCE, PREVALENCE, classes_to_dict, read_classes
from .spec import (COLONY_LAW_KEYS, COLONY_LAWS, PRIMARY_LAWS, Circulation, Diagnosis, Model, Mortality, Nodes, Organ,
                   Population, Primary, Shedding, Treatment)


@dataclass(frozen=True)
class Field:
    """One key of the schema: its kind, constraint, unit (for display) and time dimension."""

    kind: str            # "str" | "float"
    check: str = "any"   # "positive" | "nonneg" | "prob" | "any" | "choice"
    unit: str = ""
    time_power: int = 0  # +1: a duration (scaled to years); -1: a rate (per year)
    required: bool = False
    choices: tuple[str, ...] = ()
    doc: str = ""


SCHEMA: dict[str, dict[str, Field]] = {
    "model": {
        "name": Field("str", required=True, doc="model name"),
        "description": Field("str", doc="one-line description"),
        "time_unit": Field("str", "choice", choices=tuple(YEARS_PER), doc="unit of times and rates in this file"),
    },
    "primary": {
        "growth": Field("str", "choice", required=True, choices=PRIMARY_LAWS, doc="primary growth law"),
        "x0": Field("float", "positive", "cells", required=True, doc="primary size at t = 0"),
        "rate": Field("float", "positive", "1/time", -1, doc="growth rate (exponential, logistic) or alpha (gompertz)"),
        "alpha": Field("float", "positive", "1/time", -1, doc="Gompertz rate (alias of rate)"),
        "K": Field("float", "positive", "cells", doc="carrying capacity"),
    },
    "diagnosis": {
        "diameter_cm": Field("float", "positive", "cm", doc="primary diameter at diagnosis"),
        "size": Field("float", "positive", "cells", doc="primary size at diagnosis"),
        "surgery_delay": Field("float", "nonneg", "time", +1, doc="time from diagnosis to surgery"),
    },
    "shedding": {
        "mu": Field("float", "positive", "cells^(1-gamma)/time", -1, required=True, doc="shedding coefficient"),
        "gamma": Field("float", "positive", "", doc="shedding exponent (intensity mu x^gamma)"),
        "secondary_gamma": Field("float", "positive", "", doc="colony shedding exponent gamma' (mu'_k y^gamma')"),
    },
    "circulation": {
        "clearance": Field("float", "positive", "1/time", -1, required=True, doc="kappa, rate of leaving the blood"),
    },
    "population": {
        "mu_sd": Field("float", "nonneg", "log units", doc="SD of log shedding mu"),
        "rate_sd": Field("float", "nonneg", "log units", doc="SD of log primary growth rate"),
        "alpha_sd": Field("float", "nonneg", "log units", doc="alias of rate_sd"),
        "diameter_sd": Field("float", "nonneg", "log units", doc="SD of log diagnosis diameter"),
    },
    "treatment": {
        "kill_dormant": Field("float", "prob", doc="adjuvant kill probability per dormant cell at surgery"),
        "kill_colony": Field("float", "prob", doc="adjuvant kill probability per undetected colony at surgery"),
        "endocrine_wake": Field("float", "nonneg", doc="factor on every dormant wake rate omega_k during endocrine "
                                "therapy (0..1; 1: no effect, 0: no waking)"),
        "endocrine_years": Field("float", "nonneg", "time", +1, doc="duration of endocrine therapy from surgery"),
        "endocrine_death": Field("float", "nonneg", "1/time", -1, doc="extra death rate of dormant cells during "
                                 "endocrine therapy (0: none)"),
    },
    "mortality": {
        "hazard": Field("float", "nonneg", "1/time", -1, doc="background death hazard (competing risk)"),
        "after_relapse": Field("float", "nonneg", "1/time", -1,
                               doc="extra death hazard after the first detected distant metastasis"),
    },
    "nodes": {
        "ratio": Field("float", "nonneg", "nodes/cell", doc="involved regional nodes per cell shed into the blood "
                       "before surgery (0: no nodal spread)"),
        "coupling": Field("float", "nonneg", "", doc="exponent b: nodal spread follows the patient's mu^b (1: in "
                          "proportion to the blood shedding; 0: independent of it)"),
        "dispersion": Field("float", "nonneg", "", doc="variance of a gamma frailty on the nodal mean (0: the "
                            "count is Poisson; > 0: negative binomial)"),
        "min": Field("float", "nonneg", "nodes", doc="fewest involved nodes of the patients described"),
        "max": Field("float", "nonneg", "nodes", doc="most involved nodes of the patients described (60 or more: "
                     "no upper bound)"),
    },
}

ORGAN_SCHEMA: dict[str, Field] = {
    "arrest_fraction": Field("float", "prob", required=True, doc="f_k, share of cleared cells arresting here"),
    "wake": Field("float", "nonneg", "1/time", -1, required=True, doc="omega_k, dormant wake-up rate"),
    "dormant_death": Field("float", "nonneg", "1/time", -1, required=True, doc="delta_k, dormant death rate"),
    "efficiency": Field("float", "prob", required=True, doc="eps_k, colony founding probability per woken cell"),
    "growth": Field("str", "choice", required=True, choices=COLONY_LAWS, doc="colony growth law"),
    "rate": Field("float", "positive", "1/time", -1, doc="colony growth rate (exponential) or alpha (gompertz)"),
    "alpha": Field("float", "positive", "1/time", -1, doc="Gompertz colony rate (alias of rate)"),
    "K": Field("float", "positive", "cells", doc="colony carrying capacity (gompertz)"),
    "birth": Field("float", "positive", "1/time", -1, doc="colony cell birth rate (birth_death)"),
    "death": Field("float", "nonneg", "1/time", -1, doc="colony cell death rate (birth_death)"),
    "detection": Field("float", "positive", "cells", required=True, doc="colony size at detection"),
    "blood_flow": Field("float", "prob", doc="share of cardiac output (reference only, for organotropism charts)"),
    "staging": Field("float", "positive", "", doc="size at which the staging at diagnosis finds a colony, relative "
                     "to detection (1: as later; < 1: screened, e.g. brain MRI for every patient)"),
    "kill_dormant": Field("float", "prob", doc="adjuvant kill probability per dormant cell here at surgery, on top "
                          "of treatment.kill_dormant (an organ-targeted drug; 0: none)"),
    "workup": Field("float", "positive", "", doc="size at which the work-up at a first relapse elsewhere finds a "
                    "colony here, relative to detection (1: none beyond routine care; < 1: imaged then)"),
    "secondary_shedding": Field("float", "nonneg", "cells^(1-gamma')/time", -1,
                                doc="mu'_k, shedding of a colony here (metastasis-to-metastasis seeding; 0: none)"),
}

SECTIONS = tuple(SCHEMA) + ("organs", "classes")
REQUIRED_SECTIONS = ("model", "primary", "diagnosis", "shedding", "circulation", "organs")
_ORGAN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


#: Organ names that would overwrite an output column (time, path) or be read as a data label
#: (distant: any organ; blood: circulating cells; nodes: regional lymph nodes).
RESERVED_ORGAN_NAMES = ("time", "path", "distant", "blood", "nodes")


def field_info(dotted: str) -> Field | None:
    """Schema entry of a dotted key (``organs.<name>.<key>`` included), or None."""
    parts = dotted.split(".")
    if len(parts) >= 3 and parts[0] == "classes":         # a class's value: the base key's rule
        rest = parts[2:]
        if rest == [PREVALENCE]:
            return Field("float", "prob", doc="share of the cohort in this class")
        if len(rest) == 3 and rest[0] == "organs" and rest[2] == PREFERENCE:
            return Field("float", "any", doc="beta_kc, log multiplier of the organ's efficiency for this class")
        return field_info(".".join(rest))
    if len(parts) == 3 and parts[0] == "organs":
        return ORGAN_SCHEMA.get(parts[2])
    if len(parts) == 2:
        return SCHEMA.get(parts[0], {}).get(parts[1])
    return None


def load_model_file(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Model:
    """Read, convert and validate a model file; ``overrides`` are dotted keys in model units (years,
    whatever the file's ``time_unit``), applied after conversion as by :meth:`Model.with_values`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ModelFileError(str(path), None, "no such model file") from None
    except OSError as exc:
        raise ModelFileError(str(path), None, f"cannot read: {exc}") from None
    return load_model_text(decode_text(raw, str(path), "model file"), path=str(path), overrides=overrides)


def load_model_text(text: str, *, path: str | None = None,
                    overrides: Mapping[str, Any] | None = None) -> Model:
    """Parse TOML text into a validated model (see :func:`load_model_file`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"line (\d+)", msg)
        raise ModelFileError(path, None, f"invalid TOML: {msg}",
                             line=int(m.group(1)) if m else None) from None
    model = model_from_dict(data, path=path)
    return model.with_values(dict(overrides)) if overrides else model


def parse_override(item: str, *, path: str | None = None) -> tuple[str, Any]:
    """Split ``key.path=value`` (CLI ``--set``); the value is read as a TOML literal or a string."""
    if "=" not in item:
        raise ModelFileError(path, item, "override must look like key.path=value")
    key, raw = item.split("=", 1)
    key, raw = key.strip(), raw.strip()
    if not key:
        raise ModelFileError(path, item, "override has an empty key")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def apply_overrides(data: Mapping[str, Any], overrides: Mapping[str, Any], *,
                    path: str | None = None) -> dict[str, Any]:
    """A deep copy of ``data`` with each dotted key set (keys are checked against the schema)."""
    out = _deepcopy(data)
    if all(k in overrides for k in _SIZE_ALTERNATIVES):
        raise ModelFileError(path, "diagnosis.size", "give diameter_cm or size, not both")
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        if parts[0] not in SECTIONS:
            raise ModelFileError(path, dotted, "unknown section in override",
                                 suggestion=nearest(parts[0], SECTIONS))
        if parts[0] == "organs":
            if len(parts) != 3:
                raise ModelFileError(path, dotted, "organ overrides look like organs.<name>.<key>")
            organs = out.get("organs", {})
            if parts[1] not in organs:
                raise ModelFileError(path, dotted, f"no organ '{parts[1]}' in the model",
                                     suggestion=nearest(parts[1], organs))
        elif parts[0] == "classes":
            classes = out.get("classes", {})
            if len(parts) < 3 or parts[1] not in classes:
                raise ModelFileError(path, dotted, f"no class '{parts[1] if len(parts) > 1 else ''}' in the "
                                     "model (class overrides look like classes.<name>.<key>)",
                                     suggestion=nearest(parts[1], classes) if len(parts) > 1 else None)
        elif len(parts) != 2:
            raise ModelFileError(path, dotted, "overrides look like section.key")
        node = out
        for p in parts[:-1]:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ModelFileError(path, dotted, "cannot set a key inside a value")
        node[parts[-1]] = value
        if dotted in _SIZE_ALTERNATIVES:          # a size given one way replaces the other way
            node.pop(_SIZE_ALTERNATIVES[dotted], None)
    return out


_SIZE_ALTERNATIVES = {"diagnosis.diameter_cm": "size", "diagnosis.size": "diameter_cm"}


def _deepcopy(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deepcopy(v) if isinstance(v, Mapping) else v for k, v in d.items()}


class _Reader:
    """Validates one section against its schema, converting times to years."""

    def __init__(self, path: str | None, years_per_unit: float):
        self.path = path
        self.f = years_per_unit

    def section(self, data: Mapping[str, Any], name: str, schema: Mapping[str, Field],
                prefix: str) -> dict[str, Any]:
        raw = {} if data.get(name) is None else data[name]
        if not isinstance(raw, Mapping):
            raise ModelFileError(self.path, prefix, f"expected a table [{prefix}], found {type(raw).__name__}")
        for key in raw:
            if key not in schema:
                raise ModelFileError(self.path, f"{prefix}.{key}", "unknown key",
                                     suggestion=nearest(key, schema))
        out: dict[str, Any] = {}
        for key, fld in schema.items():
            where = f"{prefix}.{key}"
            if key not in raw:
                if fld.required:
                    raise ModelFileError(self.path, where, "missing required key")
                continue
            out[key] = self.value(raw[key], fld, where)
        return out

    def value(self, val: Any, fld: Field, where: str) -> Any:
        if fld.kind == "str":
            if not isinstance(val, str):
                raise ModelFileError(self.path, where, f"expected a string, found {_typename(val)}")
            if fld.check == "choice" and val not in fld.choices:
                raise ModelFileError(self.path, where,
                                     f"unknown value '{val}' (expected one of {', '.join(fld.choices)})",
                                     suggestion=nearest(val, fld.choices))
            return val
        if isinstance(val, bool) or not isinstance(val, (int, float)):
            raise ModelFileError(self.path, where, f"expected a number, found {_typename(val)}")
        x = float(val)
        if not math.isfinite(x):
            raise ModelFileError(self.path, where, f"expected a finite number, found {val}")
        if fld.check == "positive" and x <= 0:
            kind = "rate" if fld.time_power < 0 else "value"
            raise ModelFileError(self.path, where, f"{kind} must be positive, found {val}")
        if fld.check == "nonneg" and x < 0:
            raise ModelFileError(self.path, where, f"must be zero or positive, found {val}")
        if fld.check == "prob" and not 0.0 <= x <= 1.0:
            raise ModelFileError(self.path, where, f"probability must be in [0, 1], found {val}")
        if fld.time_power == 1:
            x *= self.f
        elif fld.time_power == -1:
            x /= self.f
        if not math.isfinite(x) or (x == 0 and float(val) != 0):
            raise ModelFileError(self.path, where, f"{val} in the file's time unit is {x:g} after converting "
                                 "to years: not a representable number")
        return x


def _typename(val: Any) -> str:
    return {str: "a string", bool: "a boolean", int: "an integer", float: "a number",
            dict: "a table", list: "an array"}.get(type(val), type(val).__name__)


def model_from_dict(data: Mapping[str, Any], *, path: str | None = None, validate: bool = True) -> Model:
    """Validate a TOML-shaped dict and build the :class:`Model` (all values in years). ``validate``
    False skips the value rules (:func:`metakinetics.model.params.validate_model`), for callers whose
    every use resolves the model (:func:`metakinetics.model.params.resolve` applies the same rules)."""
    if not isinstance(data, Mapping):
        raise ModelFileError(path, None, "a model file must be a TOML table")
    if "network" in data and "network" not in SECTIONS:   # say what the file is, not "unknown section"
        what = "a reaction network" + ("" if data.get("reactions") else " without reactions (add [[reactions]])")
        raise ModelFileError(path, "network", f"this file is {what}, not a model: networks are simulated "
                             "(metakinetics simulate FILE), not solved as models")
    for key in data:
        if key not in SECTIONS:
            raise ModelFileError(path, key, "unknown section", suggestion=nearest(key, SECTIONS))
    for key in REQUIRED_SECTIONS:
        if key not in data:
            raise ModelFileError(path, key, "missing required section")

    unit_raw = data.get("model", {}).get("time_unit", "year") if isinstance(data.get("model"), Mapping) else "year"
    pre = _Reader(path, 1.0)
    unit = pre.value(unit_raw, SCHEMA["model"]["time_unit"], "model.time_unit")
    rd = _Reader(path, YEARS_PER[unit])

    sec = {name: rd.section(data, name, schema, name) for name, schema in SCHEMA.items()}
    meta, shed, popu, circ = sec["model"], sec["shedding"], sec["population"], sec["circulation"]
    primary = _primary(sec["primary"], path)
    diagnosis = _diagnosis(sec["diagnosis"], primary, path)
    if "rate_sd" in popu and "alpha_sd" in popu:
        raise ModelFileError(path, "population.alpha_sd", "give rate_sd or alpha_sd, not both")
    population = Population(mu_sd=popu.get("mu_sd", 0.0),
                            rate_sd=popu.get("rate_sd", popu.get("alpha_sd", 0.0)),
                            diameter_sd=popu.get("diameter_sd", 0.0))

    organs_raw = data["organs"]
    if not isinstance(organs_raw, Mapping) or not organs_raw:
        raise ModelFileError(path, "organs", "expected at least one [organs.NAME] table")
    organs = []
    for name, table in organs_raw.items():
        if not _ORGAN_NAME.match(name):
            raise ModelFileError(path, f"organs.{name}", "organ names are letters, digits and _, starting with a letter")
        if name in RESERVED_ORGAN_NAMES:
            raise ModelFileError(path, f"organs.{name}", f"'{name}' is reserved (an output column or data "
                                 f"label: {', '.join(RESERVED_ORGAN_NAMES)}); rename the organ")
        if not isinstance(table, Mapping):
            raise ModelFileError(path, f"organs.{name}", f"expected a table, found {_typename(table)}")
        vals = rd.section(organs_raw, name, ORGAN_SCHEMA, f"organs.{name}")
        organs.append(_organ(name, vals, path))
    model = Model(name=meta["name"], description=meta.get("description", ""), primary=primary,
                 diagnosis=diagnosis, shedding=Shedding(mu=shed["mu"], gamma=shed.get("gamma", 1.0),
                                                  secondary_gamma=shed.get("secondary_gamma", 1.0)),
                 circulation=Circulation(clearance=circ["clearance"]), organs=tuple(organs), population=population,
                 treatment=Treatment(**sec["treatment"]), mortality=Mortality(**sec["mortality"]),
                 nodes=Nodes(**sec["nodes"]), classes=read_classes(data["classes"], {**SCHEMA, "organs": ORGAN_SCHEMA}, tuple(organs),
                                      rd.value, path) if "classes" in data else (),
                 source=path)
    if not validate:
        return model
    from .params import InvalidValue, validate_model   # the one set of rules, shared with overrides

    try:
        validate_model(model)
    except InvalidValue as exc:
        raise ModelFileError(path, exc.key, exc.reason) from None
    return model


def _primary(p: dict[str, Any], path: str | None) -> Primary:
    if "rate" in p and "alpha" in p:
        raise ModelFileError(path, "primary.alpha", "give rate or alpha, not both")
    rate = p.get("rate", p.get("alpha"))
    if rate is None:
        raise ModelFileError(path, "primary.rate", "missing required key (rate, or alpha for gompertz)")
    K = p.get("K")
    if p["growth"] in ("gompertz", "logistic") and K is None:
        raise ModelFileError(path, "primary.K", f"missing required key for {p['growth']} growth")
    return Primary(growth=p["growth"], x0=p["x0"], rate=rate, K=K)


def _diagnosis(d: dict[str, Any], primary: Primary, path: str | None) -> Diagnosis:
    if "diameter_cm" in d and "size" in d:
        raise ModelFileError(path, "diagnosis.size", "give diameter_cm or size, not both")
    if "diameter_cm" not in d and "size" not in d:
        raise ModelFileError(path, "diagnosis.diameter_cm", "missing required key (diameter_cm, or size in cells)")
    key = "diagnosis.size" if "size" in d else "diagnosis.diameter_cm"
    if "diameter_cm" in d and d["diameter_cm"] > 1e4:
        raise ModelFileError(path, key, f"diameter {d['diameter_cm']:g} cm is not a tumour size (at most 1e4 cm)")
    size = d["size"] if "size" in d else diameter_to_cells(d["diameter_cm"])
    return Diagnosis(size=size, surgery_delay=d.get("surgery_delay", 0.0), diameter_cm=d.get("diameter_cm"))


def _organ(name: str, v: dict[str, Any], path: str | None) -> Organ:
    where = f"organs.{name}"
    law = v["growth"]
    if "rate" in v and "alpha" in v:
        raise ModelFileError(path, f"{where}.alpha", "give rate or alpha, not both")
    rate = v.get("rate", v.get("alpha"))
    needs = COLONY_LAW_KEYS[law]
    have = {"rate": rate, "K": v.get("K"), "birth": v.get("birth"), "death": v.get("death")}
    for key in needs:
        if have[key] is None:
            raise ModelFileError(path, f"{where}.{key}", f"missing required key for {law} colony growth")
    for key in ("rate", "K", "birth", "death"):
        if key not in needs and have[key] is not None:
            raise ModelFileError(path, f"{where}.{key}", f"not used by {law} colony growth (uses {', '.join(needs)})")
    return Organ(name=name, arrest_fraction=v["arrest_fraction"], wake=v["wake"],
                 dormant_death=v["dormant_death"], efficiency=v["efficiency"], growth=law,
                 detection=v["detection"], rate=rate, K=have["K"], birth=have["birth"],
                 death=have["death"], blood_flow=v.get("blood_flow"),
                 secondary_shedding=v.get("secondary_shedding", 0.0), staging=v.get("staging", 1.0),
                 workup=v.get("workup", 1.0), kill_dormant=v.get("kill_dormant", 0.0))


def model_to_dict(model: Model) -> dict[str, Any]:
    """TOML-shaped dict of a model, in years; ``model_from_dict`` of it gives the model back."""
    p = model.primary
    prim: dict[str, Any] = {"growth": p.growth, "x0": p.x0, "rate": p.rate, **({"K": p.K} if p.K is not None else {})}
    d = model.diagnosis
    diag = {"surgery_delay": d.surgery_delay,
            **({"diameter_cm": d.diameter_cm} if d.diameter_cm is not None else {"size": d.size})}
    organs = {o.name: {"arrest_fraction": o.arrest_fraction, "wake": o.wake, "dormant_death": o.dormant_death,
                       "efficiency": o.efficiency, "growth": o.growth,
                       **{k: getattr(o, k) for k in ("rate", "K", "birth", "death") if getattr(o, k) is not None},
                       "detection": o.detection, **({"blood_flow": o.blood_flow} if o.blood_flow is not None else {}),
                       "secondary_shedding": o.secondary_shedding, "staging": o.staging, "workup": o.workup,
                       "kill_dormant": o.kill_dormant}
              for o in model.organs}
    pop = model.population
    return {
        "model": {"name": model.name, "description": model.description, "time_unit": "year"},
        "primary": prim,
        "diagnosis": diag,
        "shedding": {"mu": model.shedding.mu, "gamma": model.shedding.gamma,
                     "secondary_gamma": model.shedding.secondary_gamma},
        "circulation": {"clearance": model.circulation.clearance},
        "organs": organs,
        "population": {"mu_sd": pop.mu_sd, "rate_sd": pop.rate_sd, "diameter_sd": pop.diameter_sd},
        "treatment": {"kill_dormant": model.treatment.kill_dormant,
                      "kill_colony": model.treatment.kill_colony,
                      "endocrine_wake": model.treatment.endocrine_wake,
                      "endocrine_years": model.treatment.endocrine_years,
                      "endocrine_death": model.treatment.endocrine_death},
        "mortality": {"hazard": model.mortality.hazard, "after_relapse": model.mortality.after_relapse},
        "nodes": {"ratio": model.nodes.ratio, "coupling": model.nodes.coupling,
                  "dispersion": model.nodes.dispersion, "min": model.nodes.min,
                  "max": model.nodes.max},
        **({"classes": classes_to_dict(model.classes)} if model.classes else {}),
    }


def dump_toml(model: Model) -> str:
    """The model as TOML text (years), readable by :func:`load_model_text`."""
    lines: list[str] = []

    def nested(prefix: str, table: dict) -> None:
        lines.append(f"\n[{prefix}]")
        lines.extend(f"{k} = {toml_string(v) if isinstance(v, str) else repr(float(v))}" for k, v in table.items()
                     if not isinstance(v, dict))
        for k, v in table.items():
            if isinstance(v, dict):
                nested(f"{prefix}.{k}", v)

    for section, table in model_to_dict(model).items():
        if section in ("classes", "organs"):     # one [section.NAME] table each
            for name, sub in table.items():
                nested(f"{section}.{name}", sub)
        else:
            nested(section, table)
    return "\n".join(lines).lstrip() + "\n"
