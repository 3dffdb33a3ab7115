"""Reaction networks: the data view (species, reactions, propensities) and what sympy derives from it.

A :class:`Network` is plain data (frozen dataclasses, propensities as restricted expressions that
are parsed, never executed). It lives here, below ``stochastic`` and ``interop``, because both
build and read it. From a network sympy derives the stoichiometry matrix, the propensities, the
mass-action ODE, the chemical Langevin SDE (drift, diffusion) and the linear-noise (first two
moments) equations; :func:`compile_rows` and :func:`compile_ode` turn them into numpy code once
(common-subexpression elimination, cached per network). Units: whatever the network uses
(the model-derived network: years and cells).
"""
from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError, ModelFileError, nearest
from ..model.expressions import Expression, fold, parse_expression
from ..model.spec import Model

TIME = "t"
_OPS = (">=", "<=", ">", "<")


# --------------------------------------------------------------------------------------------
# the data view
# --------------------------------------------------------------------------------------------
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
        return tuple(s.name for s in self.species)

    @property
    def reaction_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.reactions)

    @property
    def parameter_values(self) -> dict[str, float]:
        return dict(self.parameters)

    @property
    def initial(self) -> np.ndarray:
        """Initial amounts, shape (S,)."""
        return np.array([s.initial for s in self.species], dtype=float)

    @property
    def boundary(self) -> frozenset[str]:
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
        names = []
        for e in self.events:
            for target, _ in e.assignments:
                if target in pars and target not in names:
                    names.append(target)
        return tuple(names)

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
        return Network(self.name, self.species, tuple(pars.items()), self.reactions, self.forcings,
                       self.events, self.rules, self.description, self.source)

    def with_initial(self, values: Mapping[str, float]) -> "Network":
        """A copy with some initial amounts replaced."""
        names = self.species_names
        for k in values:
            if k not in names:
                raise ModelError(f"network '{self.name}': unknown species '{k}'")
        sp_ = tuple(Species(s.name, float(values.get(s.name, s.initial)), s.boundary) for s in self.species)
        return Network(self.name, sp_, self.parameters, self.reactions, self.forcings, self.events,
                       self.rules, self.description, self.source)


def parse_trigger(text: str, allowed: set[str], *, where: str) -> tuple[float | None, Trigger | None]:
    """``"t >= 25"`` -> (25.0, None) (a time event); ``"P2 > 30"`` -> (None, Trigger)."""
    for op in _OPS:
        if op in text:
            lhs, rhs = text.split(op, 1)
            break
    else:
        from ..errors import ExpressionError

        raise ExpressionError(f"{where}: trigger '{text}' needs a comparison (> >= < <=)")
    lhs_e = parse_expression(lhs.strip(), allowed | {TIME}, where=where)
    rhs_e = parse_expression(rhs.strip(), allowed | {TIME}, where=where)
    if lhs_e.names == {TIME} and lhs_e.tree == ("name", TIME) and op in (">=", ">") and not rhs_e.names:
        return float(rhs_e.evaluate({})), None
    if TIME in lhs_e.names | rhs_e.names:
        from ..errors import ExpressionError

        raise ExpressionError(f"{where}: a time trigger must read 't >= number' (found '{text}')")
    return None, Trigger(lhs_e, op, rhs_e)


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
            seen.add(n)
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
    return net


# --------------------------------------------------------------------------------------------
# TOML network files
# --------------------------------------------------------------------------------------------
_TOP_KEYS = ("network", "parameters", "species", "forcings", "reactions", "events", "rules")


def load_network(name_or_path: str | Path) -> Network:
    """A network file by path, or a bundled network (``models/networks/<name>.toml``) by name."""
    text = str(name_or_path)
    if text.endswith(".toml") or "/" in text or Path(text).is_file():
        p = Path(text)
        try:
            data = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise ModelFileError(text, None, f"cannot read network file: {exc.strerror}") from None
        return network_from_toml(data, path=text)
    from importlib import resources

    res = resources.files("metakinetics._models") / "networks" / f"{text}.toml"
    if not res.is_file():
        names = list_networks()
        raise ModelFileError(text, None, f"no bundled network of that name (bundled: {', '.join(names)})",
                             suggestion=nearest(text, names))
    return network_from_toml(res.read_text(encoding="utf-8"), path=f"models/networks/{text}.toml")


def list_networks() -> list[str]:
    """Names of the bundled network files."""
    from importlib import resources

    d = resources.files("metakinetics._models") / "networks"
    try:
        return sorted(p.name[:-5] for p in d.iterdir() if p.name.endswith(".toml"))
    except (FileNotFoundError, NotADirectoryError):
        return []


def is_network_toml(text: str) -> bool:
    """True when TOML text describes a network (has a [network] table and [[reactions]])."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return "network" in data and "reactions" in data


def network_from_toml(text: str, *, path: str | None = None) -> Network:
    """Parse a network file (data only; expressions go through the restricted grammar)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))   # as the model loader: the line for editors
        raise ModelFileError(path, None, f"not valid TOML: {exc}",
                             line=int(line.group(1)) if line else None) from None
    for k in data:
        if k not in _TOP_KEYS:
            raise ModelFileError(path, k, "unknown section", suggestion=nearest(k, _TOP_KEYS))
    head = _table(data, "network", path, required=True)
    name = head.get("name")
    if not isinstance(name, str) or not name:
        raise ModelFileError(path, "network.name", "required: a non-empty string")
    desc = head.get("description", "")
    species = tuple(Species(k, _number(v, f"species.{k}", path), False)
                    for k, v in _table(data, "species", path, required=True).items())
    parameters = tuple((k, _number(v, f"parameters.{k}", path))
                       for k, v in _table(data, "parameters", path).items())
    snames = {s.name for s in species}
    pnames = {p for p, _ in parameters}
    forcings = []
    for k, v in _table(data, "forcings", path).items():
        forcings.append((k, _expr(v, pnames | {TIME}, f"forcings.{k}", path)))
    fnames = {f for f, _ in forcings}
    allowed = snames | pnames | fnames | {TIME}
    raw = data.get("reactions", [])
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise ModelFileError(path, "reactions", "expected [[reactions]] tables")
    reactions = []
    for j, r in enumerate(raw):
        where = f"reactions[{j}]"
        for k in r:
            if k not in ("name", "reactants", "products", "propensity"):
                raise ModelFileError(path, f"{where}.{k}", "unknown key",
                                     suggestion=nearest(k, ("name", "reactants", "products", "propensity")))
        rname = r.get("name", f"r{j + 1}")
        if "propensity" not in r:
            raise ModelFileError(path, f"{where}.propensity", "required (events per unit time)")
        reactions.append(Reaction(str(rname), _stoich(r.get("reactants", {}), f"{where}.reactants", path),
                                  _stoich(r.get("products", {}), f"{where}.products", path),
                                  _expr(r["propensity"], allowed, f"{where}.propensity", path)))
    events = []
    raw_ev = data.get("events", [])
    if not isinstance(raw_ev, list):
        raise ModelFileError(path, "events", "expected [[events]] tables")
    for j, e in enumerate(raw_ev):
        where = f"events[{j}]"
        for k in e:
            if k not in ("name", "time", "trigger", "set", "survive"):
                raise ModelFileError(path, f"{where}.{k}", "unknown key",
                                     suggestion=nearest(k, ("name", "time", "trigger", "set", "survive")))
        time, trig = None, None
        if "time" in e:
            time = _number(e["time"], f"{where}.time", path)
            if time < 0:
                raise ModelFileError(path, f"{where}.time", "must be >= 0")
        elif "trigger" in e:
            try:
                time, trig = parse_trigger(str(e["trigger"]), snames | pnames, where=f"{where}.trigger")
            except ModelError as exc:
                raise ModelFileError(path, f"{where}.trigger", str(exc)) from None
        else:
            raise ModelFileError(path, where, "an event needs 'time' or 'trigger'")
        sets = []
        for k, v in _table(e, "set", path, prefix=where).items():
            if k not in snames | pnames:
                raise ModelFileError(path, f"{where}.set.{k}", "not a species or parameter",
                                     suggestion=nearest(k, snames | pnames))
            if k in pnames and trig is not None:
                raise ModelFileError(path, f"{where}.set.{k}", "state-triggered events may set species only")
            sets.append((k, _expr(v, snames | pnames, f"{where}.set.{k}", path)))
        survive = []
        for k, v in _table(e, "survive", path, prefix=where).items():
            if k not in snames:
                raise ModelFileError(path, f"{where}.survive.{k}", "not a species", suggestion=nearest(k, snames))
            survive.append((k, _expr(v, pnames, f"{where}.survive.{k}", path)))
        events.append(Event(str(e.get("name", f"event{j + 1}")), time, trig, tuple(sets), tuple(survive)))
    rules = tuple((k, _expr(v, snames | pnames, f"rules.{k}", path))
                  for k, v in _table(data, "rules", path).items())
    net = Network(name, species, parameters, tuple(reactions), tuple(forcings), tuple(events), rules,
                  str(desc), source=path)
    return check_network(net, path)


def _table(data, key, path, *, required=False, prefix=None) -> dict:
    where = f"{prefix}.{key}" if prefix else key
    if key not in data:
        if required:
            raise ModelFileError(path, where, "required section is missing")
        return {}
    v = data[key]
    if not isinstance(v, dict):
        raise ModelFileError(path, where, f"expected a table, found {type(v).__name__}")
    return v


def _number(v, where, path) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ModelFileError(path, where, f"expected a number, found {type(v).__name__} {v!r}")
    return float(v)


def _expr(v, allowed, where, path) -> Expression:
    if isinstance(v, bool):
        raise ModelFileError(path, where, "expected an expression or a number, found a boolean")
    if isinstance(v, (int, float)):
        v = repr(float(v))
    try:
        return parse_expression(str(v), allowed, where=where)
    except ModelError as exc:
        raise ModelFileError(path, where, str(exc).split(": ", 1)[-1]) from None


def _stoich(v, where, path) -> tuple[tuple[str, int], ...]:
    if not isinstance(v, dict):
        raise ModelFileError(path, where, "expected a table species = count")
    out = []
    for s, k in v.items():
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            raise ModelFileError(path, f"{where}.{s}", f"stoichiometry must be a whole number >= 0, found {k!r}")
        out.append((s, int(k)))
    return tuple(out)


def network_to_toml(net: Network) -> str:
    """A network file (inverse of :func:`network_from_toml`)."""
    q = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'  # noqa: E731
    lines = ["[network]", f"name = {q(net.name)}"]
    if net.description:
        lines.append(f"description = {q(net.description)}")
    lines += ["", "[parameters]"] + [f"{k} = {v!r}" for k, v in net.parameters]
    lines += ["", "[species]"] + [f"{s.name} = {s.initial!r}" for s in net.species]
    if net.forcings:
        lines += ["", "[forcings]"] + [f"{k} = {q(e.text)}" for k, e in net.forcings]
    if net.rules:
        lines += ["", "[rules]"] + [f"{k} = {q(e.text)}" for k, e in net.rules]
    tab = lambda items: "{ " + ", ".join(f"{k} = {v}" for k, v in items) + " }"  # noqa: E731
    for r in net.reactions:
        lines += ["", "[[reactions]]", f"name = {q(r.name)}", f"reactants = {tab(r.reactants)}",
                  f"products = {tab(r.products)}", f"propensity = {q(r.propensity.text)}"]
    for e in net.events:
        lines += ["", "[[events]]", f"name = {q(e.name)}"]
        if e.time is not None:
            lines.append(f"time = {e.time!r}")
        else:
            lines.append(f"trigger = {q(e.trigger.lhs.text + ' ' + e.trigger.op + ' ' + e.trigger.rhs.text)}")
        if e.assignments:
            lines.append("set = " + tab((k, q(v.text)) for k, v in e.assignments))
        if e.survive:
            lines.append("survive = " + tab((k, q(v.text)) for k, v in e.survive))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# the metastasis model as a network
# --------------------------------------------------------------------------------------------
def primary_size_text(growth: str) -> str:
    """Closed-form primary size x(t) for a growth law, as restricted-grammar text in x0, r, K, t."""
    if growth == "exponential":
        return "x0*exp(r*t)"
    if growth == "gompertz":
        return "K*exp(log(x0/K)*exp(-r*t))"
    if growth == "logistic":
        return "K/(1 + (K/x0 - 1)*exp(-r*t))"
    raise ModelError(f"no closed-form primary size for growth law '{growth}'")


def diagnosis_time(model: Model) -> float:
    """Years from x0 to the diagnosis size, closed form per growth law."""
    p, xd = model.primary, model.diagnosis.size
    if p.growth == "exponential":
        return math.log(xd / p.x0) / p.rate
    if p.growth == "gompertz":
        return -math.log(math.log(xd / p.K) / math.log(p.x0 / p.K)) / p.rate
    if p.growth == "logistic":
        return math.log((p.K / p.x0 - 1) / (p.K / xd - 1)) / p.rate
    raise ModelError(f"unknown primary growth law '{p.growth}'")


def network_from_model(model: Model, *, primary: str = "forcing", colonies: bool = True,
                       surgery: bool = True) -> Network:
    """The metastasis model as a reaction network (design/model.md section 2).

    primary="forcing": x(t) is the deterministic closed form, shedding ∅ -> C has the
    time-dependent propensity on*mu*x(t)^gamma (``on`` drops to 0 at surgery);
    primary="species": the primary is a species P whose births follow the growth law
    (exponential r P, logistic r P (1 - P/K), Gompertz r P ln(K/P)) and sheds mu P^gamma.
    Per organ k: arrest C -> D_k (kappa f_k C), dormant loss D_k -> ∅
    ((delta_k + omega_k (1 - eps_k)) D_k), founding D_k -> F_k (+ N_k) (eps_k omega_k D_k);
    F_k counts founded colonies; for birth_death organs with ``colonies`` N_k pools colony cells
    with births b_k N_k and deaths d_k N_k. Surgery at t_dx + delay stops shedding (and removes
    P) and keeps each dormant cell with probability 1 - kill_dormant.
    """
    m = model
    pars: dict[str, float] = {"mu": m.shedding.mu, "gamma": m.shedding.gamma, "kappa": m.circulation.clearance}
    species: list[Species] = []
    forcings: list[tuple[str, Expression]] = []
    reactions: list[Reaction] = []
    g = m.primary.growth
    pars.update({"x0": m.primary.x0, "r": m.primary.rate})
    if m.primary.K is not None:
        pars["K"] = m.primary.K
    pe = lambda text: parse_expression(text, where=f"network of model '{m.name}'")  # noqa: E731
    if primary == "forcing":
        pars["on"] = 1.0
        forcings.append(("x", pe(primary_size_text(g))))
        reactions.append(Reaction("shedding", (), (("C", 1),), pe("on*mu*x^gamma")))
    elif primary == "species":
        if float(m.primary.x0) != round(m.primary.x0):
            raise ModelError("primary='species' needs a whole-number x0")
        species.append(Species("P", float(m.primary.x0)))
        birth = {"exponential": "r*P", "logistic": "r*P*(1 - P/K)", "gompertz": "r*P*log(K/max(P, 1))"}[g]
        reactions.append(Reaction("primary_birth", (("P", 1),), (("P", 2),), pe(birth)))
        reactions.append(Reaction("shedding", (), (("C", 1),), pe("mu*P^gamma")))
    else:
        raise ModelError(f"primary must be 'forcing' or 'species', found '{primary}'")
    species.append(Species("C", 0.0))
    lost = 1.0 - sum(o.arrest_fraction for o in m.organs)
    pars["f_lost"] = max(lost, 0.0)
    reactions.append(Reaction("blood_loss", (("C", 1),), (), pe("kappa*f_lost*C")))
    for o in m.organs:
        k = o.name
        pars.update({f"f_{k}": o.arrest_fraction, f"omega_{k}": o.wake, f"delta_{k}": o.dormant_death,
                     f"eps_{k}": o.efficiency})
        species += [Species(f"D_{k}", 0.0), Species(f"F_{k}", 0.0)]
        reactions.append(Reaction(f"arrest_{k}", (("C", 1),), ((f"D_{k}", 1),), pe(f"kappa*f_{k}*C")))
        reactions.append(Reaction(f"dormant_loss_{k}", ((f"D_{k}", 1),), (),
                                  pe(f"(delta_{k} + omega_{k}*(1 - eps_{k}))*D_{k}")))
        found = ((f"F_{k}", 1),)
        if o.growth == "birth_death" and colonies:
            species.append(Species(f"N_{k}", 0.0))
            found = found + ((f"N_{k}", 1),)
            pars.update({f"b_{k}": o.birth, f"d_{k}": o.death})
            reactions.append(Reaction(f"colony_birth_{k}", ((f"N_{k}", 1),), ((f"N_{k}", 2),), pe(f"b_{k}*N_{k}")))
            reactions.append(Reaction(f"colony_death_{k}", ((f"N_{k}", 1),), (), pe(f"d_{k}*N_{k}")))
        reactions.append(Reaction(f"founding_{k}", ((f"D_{k}", 1),), found, pe(f"eps_{k}*omega_{k}*D_{k}")))
    events = []
    if surgery:
        ts = diagnosis_time(m) + m.diagnosis.surgery_delay
        sets = (("on", pe("0")),) if primary == "forcing" else (("P", pe("0")),)
        kill = m.treatment.kill_dormant
        survive = tuple((f"D_{o.name}", pe(repr(1.0 - kill))) for o in m.organs) if kill > 0 else ()
        events.append(Event("surgery", ts, None, sets, survive))
    net = Network(f"{m.name}_network", tuple(species), tuple(pars.items()), tuple(reactions),
                  tuple(forcings), tuple(events), (), f"reaction network of model '{m.name}'", m.source)
    return check_network(net)


# --------------------------------------------------------------------------------------------
# sympy derivations
# --------------------------------------------------------------------------------------------
def to_sympy(expr: Expression | Sequence, symbols: Mapping[str, Any] | None = None):
    """A restricted expression (or its tree) as a sympy expression; names -> given symbols."""
    import sympy as sp

    symbols = dict(symbols or {})
    tree = expr.tree if isinstance(expr, Expression) else expr

    def num(v):
        return sp.Integer(int(v)) if float(v).is_integer() and abs(v) < 1e15 else sp.Float(v, 17)

    def name(n):
        if n not in symbols:
            symbols[n] = sp.Symbol(n, real=True)
        return symbols[n]

    ops = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
           "div": lambda a, b: a / b, "pow": lambda a, b: a ** b}
    funcs = {"exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "pow": lambda a, b: a ** b,
             "min": sp.Min, "max": sp.Max}
    return fold(tree, num, name, lambda a: -a, lambda k, a, b: ops[k](a, b),
                lambda f, args: funcs[f](*args))


@dataclass(frozen=True)
class Symbolic:
    """sympy view of a network: symbols, stoichiometry N (S x R), propensities a (R), time t."""

    t: Any
    species: tuple
    parameters: dict
    N: Any
    propensities: tuple

    @property
    def drift(self):
        """Mass-action ODE right-hand side and CLE drift: N a (S x 1)."""
        import sympy as sp

        return self.N * sp.Matrix(self.propensities)

    @property
    def diffusion(self):
        """CLE diffusion matrix N diag(sqrt(a)) (S x R): dX = N a dt + N diag(sqrt a) dW."""
        import sympy as sp

        return self.N * sp.diag(*[sp.sqrt(a) for a in self.propensities])

    def moments(self):
        """Linear-noise / first-two-moment equations: (dm/dt, dSigma/dt) as sympy matrices in the
        mean m (species symbols) and a symmetric covariance Sigma (symbols Sigma_i_j):
        dm/dt = N a(m), dSigma/dt = J Sigma + Sigma J^T + N diag(a(m)) N^T, J = d(N a)/dm."""
        import sympy as sp

        S = len(self.species)
        sig = sp.Matrix(S, S, lambda i, j: sp.Symbol(f"Sigma_{min(i, j)}_{max(i, j)}", real=True))
        drift = self.drift
        J = drift.jacobian(sp.Matrix(self.species))
        dsig = J * sig + sig * J.T + self.N * sp.diag(*self.propensities) * self.N.T
        return drift, dsig.applyfunc(sp.expand), sig


def symbolic(net: Network, *, substitute: bool = False) -> Symbolic:
    """The network in sympy. With ``substitute`` parameters are replaced by their values (forcings
    are always substituted as functions of t)."""
    import sympy as sp

    t = sp.Symbol(TIME, real=True, nonnegative=True)
    spec = {s.name: sp.Symbol(s.name, real=True, nonnegative=True) for s in net.species}
    pars = {p: sp.Symbol(p, real=True) for p, _ in net.parameters}
    table = {**spec, **pars, TIME: t}
    forc = {}
    for name, e in net.forcings:
        forc[name] = to_sympy(e, table)
    table.update(forc)
    props = [to_sympy(r.propensity, table) for r in net.reactions]
    if substitute:
        vals = {pars[p]: v for p, v in net.parameters if p not in net.dynamic_parameters}
        props = [a.subs(vals) for a in props]
    N = sp.Matrix(net.stoichiometry.T.tolist())
    return Symbolic(t, tuple(spec.values()), pars, N, tuple(props))


# --------------------------------------------------------------------------------------------
# compilation: expressions -> numpy code, once per network
# --------------------------------------------------------------------------------------------
def _source(exprs, inputs, name) -> tuple[str, dict]:
    """Python source of f(X, t, out) writing expression j into out[j], X rows = inputs."""
    import sympy as sp
    from sympy.printing.numpy import NumPyPrinter

    printer = NumPyPrinter({"fully_qualified_modules": True, "allow_unknown_functions": False})
    # rename inputs and t to reserved names so no species can shadow the arguments or numpy
    ren = {s: sp.Symbol(f"_in{i}", real=True) for i, s in enumerate(inputs)}
    ren.update({s: sp.Symbol("_t", real=True) for e in exprs for s in e.free_symbols if s.name == TIME})
    exprs = [sp.sympify(e).xreplace(ren) for e in exprs]
    repl, reduced = sp.cse(list(exprs), symbols=sp.numbered_symbols("_c"), optimizations="basic")
    lines = [f"def {name}(_X, _t, _out):"]
    for i, s in enumerate(inputs):
        lines.append(f"    _in{i} = _X[{i}]")
    for sym, e in repl:
        lines.append(f"    {printer.doprint(sym)} = {printer.doprint(e)}")
    for j, e in enumerate(reduced):
        lines.append(f"    _out[{j}] = {printer.doprint(e)}")
    lines.append("    return _out")
    import functools

    return "\n".join(lines) + "\n", {"numpy": np, "functools": functools}


def _compile(src: str, ns: dict, name: str):
    code = compile(src, f"<metakinetics generated {name}>", "exec")
    scope = dict(ns)
    exec(code, scope)  # generated from sympy trees of checked expressions, never from file text
    return scope[name]


@lru_cache(maxsize=64)
def compile_propensities(net: Network):
    """Compiled propensities f(X, t, out): X rows = species then dynamic parameters (shape
    (S + Pdyn, n)), t scalar or (n,), out (R, n). Parameters other than dynamic ones are inlined."""
    import sympy as sp

    sym = symbolic(net, substitute=True)
    inputs = list(sym.species) + [sym.parameters[p] for p in net.dynamic_parameters]
    src, ns = _source(sym.propensities, inputs, "propensities")
    return _compile(src, ns, "propensities")


def compile_rows(exprs: Sequence[Expression], net: Network, *, name: str = "rows"):
    """Compile extra expressions (rules, triggers' sides) of a network like its propensities."""
    import sympy as sp

    sym = symbolic(net, substitute=True)
    table = {str(s): s for s in sym.species}
    table.update({p: sym.parameters[p] for p in net.dynamic_parameters})
    table[TIME] = sym.t
    vals = net.parameter_values
    for p, v in vals.items():
        table.setdefault(p, sp.Float(v, 17))
    exprs_s = [to_sympy(e, dict(table)) for e in exprs]
    inputs = list(sym.species) + [sym.parameters[p] for p in net.dynamic_parameters]
    src, ns = _source(exprs_s, inputs, name)
    return _compile(src, ns, name)


@lru_cache(maxsize=64)
def compile_ode(net: Network):
    """Mass-action ODE right-hand side f(t, y) -> dy/dt (S,), for scipy's solve_ivp (vectorised y
    of shape (S,) or (S, m) allowed)."""
    prop = compile_propensities(net)
    N = net.stoichiometry.T.astype(float)  # (S, R)
    R = len(net.reactions)
    dyn = np.array([net.parameter_values[p] for p in net.dynamic_parameters], dtype=float)

    def rhs(t, y):
        y = np.asarray(y, dtype=float)
        cols = y.reshape(len(net.species), -1)
        X = np.vstack([cols, np.repeat(dyn[:, None], cols.shape[1], axis=1)]) if dyn.size else cols
        out = np.empty((R, cols.shape[1]))
        prop(X, t, out)
        return (N @ out).reshape(y.shape)

    return rhs


@lru_cache(maxsize=64)
def compile_cle(net: Network):
    """Compiled chemical Langevin terms: returns (propensities, N (S, R)); the CLE is
    dX = N a dt + N diag(sqrt(a)) dW with R independent Wiener increments."""
    return compile_propensities(net), net.stoichiometry.T.astype(float)


# --------------------------------------------------------------------------------------------
# scalar/diagonal SDEs: dX_i = f_i(X, t) dt + g_i(X, t) dW_i  (Ito)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SDESpec:
    """A diagonal-noise Ito SDE given as restricted expressions of the states, parameters and t."""

    name: str
    states: tuple[str, ...]
    initial: tuple[float, ...]
    parameters: tuple[tuple[str, float], ...]
    drift: tuple[Expression, ...]
    diffusion: tuple[Expression, ...]


def sde_from_model(model: Model, sigma: float) -> SDESpec:
    """Noisy primary growth dx = g(x) dt + sigma x dW from the model's growth law (design/model.md
    section 3: environmental noise). Units: cells, years, sigma in 1/sqrt(year)."""
    g = model.primary.growth
    drift = {"exponential": "r*x", "gompertz": "r*x*log(K/x)", "logistic": "r*x*(1 - x/K)"}[g]
    pars = [("r", model.primary.rate), ("sigma", float(sigma))]
    if model.primary.K is not None:
        pars.append(("K", model.primary.K))
    names = {p for p, _ in pars} | {"x", TIME}
    return SDESpec(f"{model.name}_primary_sde", ("x",), (model.primary.x0,), tuple(pars),
                   (parse_expression(drift, names),), (parse_expression("sigma*x", names),))


def sde_symbolic(spec: SDESpec):
    """(states, drift, diffusion, d diffusion/d state) as sympy, parameters substituted."""
    import sympy as sp

    table = {s: sp.Symbol(s, positive=True) for s in spec.states}
    table[TIME] = sp.Symbol(TIME, nonnegative=True)
    for p, v in spec.parameters:
        table[p] = sp.Float(v, 17)
    states = [table[s] for s in spec.states]
    f = [sp.expand_log(to_sympy(e, dict(table)), force=True) for e in spec.drift]
    g = [to_sympy(e, dict(table)) for e in spec.diffusion]
    dg = [sp.diff(gi, xi) for gi, xi in zip(g, states)]
    return states, f, g, dg


@lru_cache(maxsize=64)
def compile_sde_step(spec: SDESpec, scheme: str):
    """An in-place step for every state: x <- x + f dt + g dW (+ 1/2 g g' (dW^2 - dt) for Milstein),
    compiled from sympy to a tape of numpy ufunc calls writing into preallocated buffers (no
    temporaries in the hot loop). ``make(n)`` -> step(X (S, n), t, dt, Z (S, n)) with Z standard
    normals (dW = sqrt(dt) Z)."""
    import sympy as sp

    if scheme not in ("euler", "milstein"):
        raise ModelError(f"unknown SDE scheme '{scheme}' (euler or milstein)")
    states, f, g, dg = sde_symbolic(spec)
    dt = sp.Symbol("_dt", positive=True)
    Z = [sp.Symbol(f"_Z{i}", real=True) for i in range(len(states))]
    dW = [sp.sqrt(dt) * z for z in Z]   # the step is fed standard normals; sqrt(dt) folds into constants
    t = sp.Symbol(TIME, nonnegative=True)
    new = []
    for i, x in enumerate(states):
        inc = f[i] * dt + g[i] * dW[i]
        if scheme == "milstein":
            inc += sp.Rational(1, 2) * g[i] * dg[i] * (dW[i] ** 2 - dt)
        # the new value, factored by x where the noise is multiplicative: x (1 + ...) needs
        # fewer passes over the arrays than x + x(...)
        new.append(sp.collect(sp.expand(x + inc), x))
    return _Tape(new, states, Z, t, dt)


class _Tape:
    """A straight-line program of numpy ufuncs with out= buffers computing the new state values."""

    def __init__(self, exprs, states, dW, t, dt):
        import sympy as sp

        repl, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("_c"), optimizations="basic")
        self.inputs = {**{s: ("X", i) for i, s in enumerate(states)}, **{w: ("W", i) for i, w in enumerate(dW)}}
        self.t, self.dt = t, dt
        self.program = []   # (ufunc, arg refs, out reg)
        self.nreg = 0
        self.regs: dict = {}
        for sym, e in repl:
            self.regs[sym] = self._emit(e)
        self.outputs = [self._emit(e) for e in reduced]

    def _new(self):
        self.nreg += 1
        return ("R", self.nreg - 1)

    def _emit(self, e):
        import sympy as sp

        if e in self.regs:
            return self.regs[e]
        if e in self.inputs:
            return self.inputs[e]
        if e == self.t:
            return ("T",)
        if e == self.dt:
            return ("DT",)
        if e.is_Number:
            return ("C", float(e))
        if e.free_symbols <= {self.t, self.dt}:
            return ("E", e)  # scalar in t and dt: evaluated once per step
        if isinstance(e, (sp.Add, sp.Mul)):
            uf = np.add if isinstance(e, sp.Add) else np.multiply
            scal = [a for a in e.args if a.free_symbols <= {self.t, self.dt}]
            rest = [a for a in e.args if a not in scal]
            acc = self._emit(rest[0])
            for a in rest[1:]:
                r = self._new()
                self.program.append((uf, (acc, self._emit(a)), r))
                acc = r
            if scal:
                r = self._new()
                self.program.append((uf, (acc, ("E", e.func(*scal))), r))
                acc = r
            return acc
        if isinstance(e, sp.Pow):
            base, ex = e.args
            r = self._new()
            if ex == 2:
                self.program.append((np.square, (self._emit(base),), r))
            elif ex == -1:
                self.program.append((np.reciprocal, (self._emit(base),), r))
            elif ex == sp.Rational(1, 2):
                self.program.append((np.sqrt, (self._emit(base),), r))
            else:
                self.program.append((np.power, (self._emit(base), self._emit(ex)), r))
            return r
        funcs = {sp.log: np.log, sp.exp: np.exp}
        if e.func in funcs:
            r = self._new()
            self.program.append((funcs[e.func], (self._emit(e.args[0]),), r))
            return r
        raise ModelError(f"SDE expression '{e}' uses an operation the step compiler does not support")

    def make(self, n: int):
        """A step function over n paths with its own buffers: step(X, t, dt, W) updates X in place."""
        import sympy as sp

        regs = np.empty((max(self.nreg, 1), n))
        scalars = {}
        program = list(self.program)
        outputs = list(self.outputs)
        direct = (len(outputs) == 1 and program and outputs[0] == program[-1][2])
        if direct:  # one state: the last instruction writes the new value straight into X
            uf, args, _ = program[-1]
            program[-1] = (uf, args, ("X", 0))
        t_sym, dt_sym = self.t, self.dt
        exprs = {ref[1] for ins in program for ref in ins[1] if ref[0] == "E"}
        exprs |= {o[1] for o in outputs if o[0] == "E"}
        fns = {e: sp.lambdify((t_sym, dt_sym), e, "math") for e in exprs}

        def step(X, t, dt, W):
            for e, fn in fns.items():
                scalars[e] = fn(t, dt)

            def val(ref):
                k = ref[0]
                if k == "R":
                    return regs[ref[1]]
                if k == "X":
                    return X[ref[1]]
                if k == "W":
                    return W[ref[1]]
                if k == "C":
                    return ref[1]
                if k == "T":
                    return t
                if k == "DT":
                    return dt
                return scalars[ref[1]]

            for uf, args, out in program:
                uf(*[val(a) for a in args], out=val(out))
            if not direct:
                new = [np.array(val(o), copy=True) for o in outputs]
                for i, v in enumerate(new):
                    X[i] = v
            return X

        return step
