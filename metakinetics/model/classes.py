"""Intrinsic classes in model files: ``[classes.<name>]`` tables -> :class:`IntrinsicClass`.

A class has a ``prevalence`` (its share of the cohort) and overrides any numeric value of the base
model by the same keys, e.g. ``[classes.tnbc.primary] alpha = 0.4`` or
``[classes.tnbc.organs.brain] wake = 0.1``, plus ``organs.<k>.preference`` beta_kc (log multiplier
of the organ's colonisation efficiency: eps_kc = eps_k exp(beta_kc)). Laws (strings) are shared by
every class. Values are converted from the file's time unit like the base model's.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import ModelFileError, nearest
from .spec import COLONY_LAW_KEYS, IntrinsicClass, Organ

#: the class-only keys: prevalence (share of the cohort) and per-organ preference (log multiplier)
PREVALENCE = "prevalence"
PREFERENCE = "preference"
#: largest distance of the sum of the prevalences from 1 (rounding of published shares is the user's job)
PREVALENCE_TOLERANCE = 1e-9
_ALIASES = {"primary.alpha": "primary.rate", "population.alpha_sd": "population.rate_sd"}
_ORGAN_ALIASES = {"alpha": "rate"}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_SIZE_KEYS = ("diagnosis.size", "diagnosis.diameter_cm")


def organ_keys(organ: Organ) -> tuple[str, ...]:
    """Numeric keys of ``organ`` that a class may set (its growth law's own, plus the shared ones)."""
    law = COLONY_LAW_KEYS[organ.growth]
    return ("arrest_fraction", "wake", "dormant_death", "efficiency", "detection", "kill_dormant") + law + (PREFERENCE,)


def read_classes(raw: Any, schema: Mapping[str, Mapping[str, Any]], organs: tuple[Organ, ...], value,
                 path: str | None) -> tuple[IntrinsicClass, ...]:
    """Parse the ``[classes]`` table of a model file.

    Parameters
    ----------
    raw : mapping
        ``classes`` of the TOML data: class name -> table.
    schema : mapping
        The model file's section schema (``model.file.SCHEMA``) and ``"organs"``: the organ schema.
    organs : tuple of Organ
        The base model's organs (a class may only set values of these).
    value : callable
        ``value(val, field, where)``: the file reader's check and time-unit conversion of one value.
    path : str or None
        The file, for errors.

    Returns
    -------
    tuple of IntrinsicClass
        In file order.

    Raises
    ------
    ModelFileError
        Naming the file, the dotted key and the reason (unknown key, organ or section, a missing
        prevalence, a value out of range).
    """
    if not isinstance(raw, Mapping) or not raw:
        raise ModelFileError(path, "classes", "expected at least one [classes.NAME] table")
    by_name = {o.name: o for o in organs}
    out = []
    for name, table in raw.items():
        where = f"classes.{name}"
        if not _NAME.match(name):
            raise ModelFileError(path, where, "class names are letters, digits and _, starting with a letter")
        if not isinstance(table, Mapping):
            raise ModelFileError(path, where, "expected a table [classes.NAME] with a prevalence")
        if PREVALENCE not in table:
            raise ModelFileError(path, f"{where}.{PREVALENCE}", "missing required key (the class's share of "
                                 "the cohort)")
        allowed = (PREVALENCE,) + tuple(s for s in schema if s not in ("model", "organs")) + ("organs",)
        vals: list[tuple[str, float]] = []
        for section, sub in table.items():
            if section not in allowed:
                raise ModelFileError(path, f"{where}.{section}", "unknown key in a class (a class sets "
                                     "prevalence and values of the sections " + ", ".join(allowed[1:]) + ")",
                                     suggestion=nearest(section, allowed))
            if section == PREVALENCE:
                continue
            if not isinstance(sub, Mapping):
                raise ModelFileError(path, f"{where}.{section}", f"expected a table [{where}.{section}]")
            if section == "organs":
                for organ, otable in sub.items():
                    vals += _organ_values(where, organ, otable, by_name, schema["organs"], value, path)
                continue
            for key, val in sub.items():
                fld = schema[section].get(key)
                dotted = f"{section}.{key}"
                if fld is None:
                    raise ModelFileError(path, f"{where}.{dotted}", "unknown key in a class",
                                         suggestion=nearest(key, schema[section]))
                if fld.kind != "float":
                    raise ModelFileError(path, f"{where}.{dotted}", "laws and names are shared by every "
                                         "class; a class sets numbers only")
                vals.append((_ALIASES.get(dotted, dotted), value(val, fld, f"{where}.{dotted}")))
        keys = [k for k, _ in vals]
        if len(set(keys)) < len(keys):
            dup = next(k for k in keys if keys.count(k) > 1)
            raise ModelFileError(path, f"{where}.{dup}", "given twice (an alias and its key)")
        if all(k in keys for k in _SIZE_KEYS):
            raise ModelFileError(path, f"{where}.diagnosis.size", "give diameter_cm or size, not both")
        from .file import Field

        prev = value(table[PREVALENCE], Field("float", "prob"), f"{where}.{PREVALENCE}")
        out.append(IntrinsicClass(name=name, prevalence=prev, values=tuple(vals)))
    return tuple(out)


def _organ_values(where, organ, table, organs, schema, value, path) -> list[tuple[str, float]]:
    at = f"{where}.organs.{organ}"
    if organ not in organs:
        raise ModelFileError(path, at, f"unknown organ (the model has {', '.join(organs)})",
                             suggestion=nearest(organ, organs))
    if not isinstance(table, Mapping):
        raise ModelFileError(path, at, f"expected a table [{at}]")
    ok = organ_keys(organs[organ])
    out = []
    for key, val in table.items():
        name = _ORGAN_ALIASES.get(key, key)
        if name not in ok:
            raise ModelFileError(path, f"{at}.{key}", f"unknown key in a class (an organ of a class sets "
                                 f"{', '.join(ok)})", suggestion=nearest(key, ok))
        from .file import Field

        fld = Field("float", "any") if name == PREFERENCE else schema[name]
        out.append((f"organs.{organ}.{name}", value(val, fld, f"{at}.{key}")))
    return out


def classes_to_dict(classes: tuple[IntrinsicClass, ...]) -> dict[str, Any]:
    """The classes as the nested TOML-shaped table ``read_classes`` reads (years)."""
    out: dict[str, Any] = {}
    for c in classes:
        t: dict[str, Any] = {PREVALENCE: c.prevalence}
        for key, v in c.values:
            node = t
            parts = key.split(".")
            for p in parts[:-1]:
                node = node.setdefault(p, {})
            node[parts[-1]] = v
        out[c.name] = t
    return out


def class_key(model, key: str) -> tuple[str, str] | None:
    """(class name, base key) of a class's dotted key (``classes.<c>.<base key>``), or None when
    ``key`` is not one: the class must exist, and the base key be a numeric value of the model, a
    size key, ``prevalence`` or ``organs.<k>.preference``."""
    parts = key.split(".")
    if len(parts) < 3 or parts[0] != "classes" or parts[1] not in model.class_names:
        return None
    base = ".".join(parts[2:])
    base = _ALIASES.get(base, base)
    if base == PREVALENCE or base in _SIZE_KEYS:
        return parts[1], base
    if len(parts) == 5 and parts[2] == "organs" and parts[3] in model.organ_names:
        return (parts[1], base) if parts[4] in organ_keys(model.organ(parts[3])) else None
    return (parts[1], base) if base in model.values() and not base.startswith("classes.") else None


def class_defaults(model) -> dict[str, float]:
    """Every value an intrinsic class may set, ``classes.<c>.<base key>``, with the value that class
    has now: its own where its table gives one, else the base model's (a preference: 0). What a
    fit may free or a data set may set for a class the model file does not spell out."""
    base = {k: v for k, v in model.values().items() if not k.startswith("classes.")}
    out: dict[str, float] = {}
    for spec in model.classes:
        own = dict(spec.values)
        pre = f"classes.{spec.name}."
        out[pre + PREVALENCE] = float(spec.prevalence)
        for key, v in base.items():
            parts = key.split(".")
            if parts[0] == "organs":
                if len(parts) != 3 or parts[2] not in organ_keys(model.organ(parts[1])):
                    continue
            out[pre + key] = float(own.get(key, v))
        for organ in model.organs:
            key = f"organs.{organ.name}.{PREFERENCE}"
            out[pre + key] = float(own.get(key, 0.0))
    return out


def settable_values(model) -> dict[str, float]:
    """Every value a fit may free or a data set may set, dotted key -> current value: the model's
    own values and each class's value of every base key (:func:`class_defaults`)."""
    return {**class_defaults(model), **model.values()}
