"""Reaction networks as plain data: species, reactions, events and their checks.

A :class:`Network` is what ``stochastic`` simulates, ``interop`` reads and writes as SBML and
``symbolic`` derives equations from; propensities are restricted expressions (parsed, never
executed). Units: whatever the network uses (a model's network: years and cells).
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..errors import ModelError, ModelFileError, nearest
from .expressions import Expression

#: The name of time in network expressions (years for a model's network).
TIME = "t"

#: Names no species, parameter, forcing or rule may take: they are the output columns of a
#: simulation (``time``, ``path``), so such a name would silently overwrite one of them.
RESERVED_NAMES = ("time", "path")

#: Largest stoichiometry a reaction may have (molecules per event), as libSBML's bound. Larger
#: ones are typing errors, and 1e20 would overflow the int64 state (9.2e18) within one event.
MAX_STOICHIOMETRY = 1_000_000


@dataclass(frozen=True)
class Species:
    """A species with its initial amount (molecules/cells). ``boundary``: never changed by reactions."""

    name: str
    initial: float
    boundary: bool = False


@dataclass(frozen=True)
class Reaction:
    """One reaction channel: reactants -> products (integer stoichiometries) at ``propensity``
    (events per unit time, an expression of species, parameters, forcings and ``t``)."""

    name: str
    reactants: tuple[tuple[str, int], ...]
    products: tuple[tuple[str, int], ...]
    propensity: Expression

    def change(self, boundary: frozenset[str] = frozenset()) -> dict[str, int]:
        """Net change of every species this reaction touches (boundary species excluded)."""
        out: dict[str, int] = {}
        for s, k in self.reactants:
            out[s] = out.get(s, 0) - k
        for s, k in self.products:
            out[s] = out.get(s, 0) + k
        return {s: k for s, k in out.items() if k != 0 and s not in boundary}


@dataclass(frozen=True)
class Trigger:
    """A state condition ``lhs op rhs`` (op one of > >= < <=); an event fires when it becomes true."""

    lhs: Expression
    op: str
    rhs: Expression

    def evaluate(self, env: Mapping[str, Any]):
        """Whether the condition holds for the values in ``env`` (arrays broadcast: one answer per path)."""
        a, b = self.lhs.evaluate(env), self.rhs.evaluate(env)
        return {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}[self.op](a, b)


@dataclass(frozen=True)
class Event:
    """A discrete event: at a fixed ``time`` or when ``trigger`` becomes true. It sets species or
    parameters to expressions (values before the event) and keeps each cell of the ``survive``
    species independently with the given probability (binomial thinning: a kill, a dose)."""

    name: str
    time: float | None = None
    trigger: Trigger | None = None
    assignments: tuple[tuple[str, Expression], ...] = ()
    survive: tuple[tuple[str, Expression], ...] = ()


@dataclass(frozen=True)
class Network:
    """A reaction network: species (with initial amounts), parameters, reactions, time forcings
    (deterministic functions of ``t``), events and assignment rules (derived outputs)."""

    name: str
    species: tuple[Species, ...]
    parameters: tuple[tuple[str, float], ...]
    reactions: tuple[Reaction, ...]
    forcings: tuple[tuple[str, Expression], ...] = ()
    events: tuple[Event, ...] = ()
    rules: tuple[tuple[str, Expression], ...] = ()
    description: str = ""
    source: str | None = field(default=None, compare=False)

    @property
    def species_names(self) -> tuple[str, ...]:
        """Species names, in order."""
        return tuple(s.name for s in self.species)

    @property
    def parameter_values(self) -> dict[str, float]:
        """The parameters as a dict name -> value."""
        return dict(self.parameters)

    @property
    def initial(self) -> np.ndarray:
        """Initial amounts, shape (S,)."""
        return np.array([s.initial for s in self.species], dtype=float)

    @property
    def boundary(self) -> frozenset[str]:
        """Names of the boundary species (never changed by reactions)."""
        return frozenset(s.name for s in self.species if s.boundary)

    @property
    def stoichiometry(self) -> np.ndarray:
        """Net change matrix, shape (R, S): row j is what reaction j does to each species."""
        index = {s: i for i, s in enumerate(self.species_names)}
        out = np.zeros((len(self.reactions), len(self.species)), dtype=np.int64)
        for j, r in enumerate(self.reactions):
            for s, k in r.change(self.boundary).items():
                out[j, index[s]] = k
        return out

    @property
    def dynamic_parameters(self) -> tuple[str, ...]:
        """Parameters that events change (simulated as per-path values, not compiled constants)."""
        pars = set(self.parameter_values)
        return tuple(dict.fromkeys(target for e in self.events for target, _ in e.assignments if target in pars))

    @property
    def time_dependent(self) -> np.ndarray:
        """Boolean (R,): which propensities depend on time (through ``t`` or a forcing)."""
        timed = {TIME} | {n for n, _ in self.forcings}
        return np.array([bool(r.propensity.names & timed) for r in self.reactions], dtype=bool)

    def with_parameters(self, values: Mapping[str, float]) -> "Network":
        """A copy with some parameter values replaced (unknown names are a ModelError)."""
        pars = self.parameter_values
        for k in values:
            if k not in pars:
                hint = nearest(k, pars)
                raise ModelError(f"network '{self.name}': unknown parameter '{k}'"
                                 + (f" (did you mean '{hint}'?)" if hint else ""))
        pars.update({k: float(v) for k, v in values.items()})
        return replace(self, parameters=tuple(pars.items()))

    def with_initial(self, values: Mapping[str, float]) -> "Network":
        """A copy with some initial amounts replaced."""
        names = self.species_names
        for k in values:
            if k not in names:
                raise ModelError(f"network '{self.name}': unknown species '{k}'")
        return replace(self, species=tuple(Species(s.name, float(values.get(s.name, s.initial)), s.boundary)
                                           for s in self.species))

def check_network(net: Network, path: str | None = None) -> Network:
    """Validate names and references; returns the network (ModelFileError naming the key otherwise)."""
    seen: set[str] = set()
    for kind, names in (("species", net.species_names), ("parameters", [p for p, _ in net.parameters]),
                        ("forcings", [f for f, _ in net.forcings])):
        for n in names:
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", n):
                raise ModelFileError(path, f"{kind}.{n}", "names must start with a letter and use letters, digits, _")
            if n in seen or n == TIME:
                raise ModelFileError(path, f"{kind}.{n}", "name used twice (or the reserved name 't')")
            if n in RESERVED_NAMES:
                raise ModelFileError(path, f"{kind}.{n}", f"'{n}' is reserved (an output column: "
                                     f"{', '.join(RESERVED_NAMES)}); rename it")
            seen.add(n)
    for n, _ in net.rules:
        if n in RESERVED_NAMES or n == TIME:
            raise ModelFileError(path, f"rules.{n}", f"'{n}' is reserved (an output column or time); rename the rule")
        if n in seen:   # a rule's column would overwrite the species' (or shadow the parameter)
            kind = "species" if n in net.species_names else "parameter or forcing"
            raise ModelFileError(path, f"rules.{n}", f"a rule may not take the name of a {kind}; rename it")
    for s in net.species:
        if not (math.isfinite(s.initial) and s.initial >= 0 and float(s.initial).is_integer()):
            raise ModelFileError(path, f"species.{s.name}", f"initial amount must be a whole number >= 0, found {s.initial!r}")
    for p, v in net.parameters:
        if not math.isfinite(v):
            raise ModelFileError(path, f"parameters.{p}", f"must be a finite number, found {v!r}")
    species = set(net.species_names)
    if not net.reactions:
        raise ModelFileError(path, "reactions", "a network needs at least one reaction")
    rnames: set[str] = set()
    for j, r in enumerate(net.reactions):
        if r.name in rnames:
            raise ModelFileError(path, f"reactions[{j}].name", f"reaction name '{r.name}' used twice")
        rnames.add(r.name)
        for side, items in (("reactants", r.reactants), ("products", r.products)):
            for s, k in items:
                if s not in species:
                    raise ModelFileError(path, f"reactions[{j}].{side}.{s}", "unknown species",
                                         suggestion=nearest(s, species))
                if k < 0:
                    raise ModelFileError(path, f"reactions[{j}].{side}.{s}", "stoichiometry must be >= 0")
                if k > MAX_STOICHIOMETRY:
                    raise ModelFileError(path, f"reactions[{j}].{side}.{s}",
                                         f"stoichiometry {k:g} exceeds the bound {MAX_STOICHIOMETRY:,} "
                                         "(as SBML's); a typing error?")
    return net
