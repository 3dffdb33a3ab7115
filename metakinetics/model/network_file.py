"""Network files: TOML text <-> :class:`Network`, and the bundled networks in ``models/networks``.

Reading parses data only (tomllib); expressions go through the restricted grammar. Errors are
``ModelFileError`` naming the file and the dotted key.
"""
from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

from ..errors import ExpressionError, ModelError, ModelFileError, nearest
from .expressions import Expression, parse_expression
from .toml_text import toml_string
from .network import TIME, Event, Network, Reaction, Species, Trigger, check_network

_OPS = (">=", "<=", ">", "<")


def parse_trigger(text: str, allowed: set[str], *, where: str) -> tuple[float | None, Trigger | None]:
    """``"t >= 25"`` -> (25.0, None) (a time event); ``"P2 > 30"`` -> (None, Trigger)."""
    for op in _OPS:
        if op in text:
            lhs, rhs = text.split(op, 1)
            break
    else:
        raise ExpressionError(f"{where}: trigger '{text}' needs a comparison (> >= < <=)")
    lhs_e = parse_expression(lhs.strip(), allowed | {TIME}, where=where)
    rhs_e = parse_expression(rhs.strip(), allowed | {TIME}, where=where)
    if lhs_e.names == {TIME} and lhs_e.tree == ("name", TIME) and op in (">=", ">") and not rhs_e.names:
        return float(rhs_e.evaluate({})), None
    if TIME in lhs_e.names | rhs_e.names:
        raise ExpressionError(f"{where}: a time trigger must read 't >= number' (found '{text}')")
    return None, Trigger(lhs_e, op, rhs_e)


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
    """True when TOML text describes a network: it has a [network] table (with or without
    reactions, so that one without them is told so by the network loader, not read as a model)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return isinstance(data.get("network"), dict)


def network_from_toml(text: str, *, path: str | None = None) -> Network:
    """Parse a network file (data only; expressions go through the restricted grammar)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))   # as the model loader: the line for editors
        raise ModelFileError(path, None, f"not valid TOML: {exc}",
                             line=int(line.group(1)) if line else None) from None
    _known(data, _TOP_KEYS, path, "", "unknown section")
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
    forcings = [(k, _expr(v, pnames | {TIME}, f"forcings.{k}", path))
                for k, v in _table(data, "forcings", path).items()]
    fnames = {f for f, _ in forcings}
    allowed = snames | pnames | fnames | {TIME}
    raw = data.get("reactions", [])
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise ModelFileError(path, "reactions", "expected [[reactions]] tables")
    reactions = []
    for j, r in enumerate(raw):
        where = f"reactions[{j}]"
        _known(r, ("name", "reactants", "products", "propensity"), path, f"{where}.")
        rname = r.get("name", f"r{j + 1}")
        if "propensity" not in r:
            raise ModelFileError(path, f"{where}.propensity", "required (events per unit time)")
        reactions.append(Reaction(str(rname), _stoich(r.get("reactants", {}), f"{where}.reactants", path),
                                  _stoich(r.get("products", {}), f"{where}.products", path),
                                  _expr(r["propensity"], allowed, f"{where}.propensity", path)))
    events = []
    raw_ev = data.get("events", [])
    if not isinstance(raw_ev, list) or not all(isinstance(e, dict) for e in raw_ev):
        raise ModelFileError(path, "events", "expected [[events]] tables")
    for j, e in enumerate(raw_ev):
        where = f"events[{j}]"
        _known(e, ("name", "time", "trigger", "set", "survive"), path, f"{where}.")
        time, trig = None, None
        if "time" in e:
            time = _number(e["time"], f"{where}.time", path)
            if not (math.isfinite(time) and time >= 0):   # nan would never fire, silently
                raise ModelFileError(path, f"{where}.time", f"must be a finite number >= 0, found {time!r}")
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


def _known(table, allowed, path, prefix: str, what: str = "unknown key") -> None:
    for k in table:
        if k not in allowed:
            raise ModelFileError(path, f"{prefix}{k}", what, suggestion=nearest(k, allowed))


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
    q = toml_string
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
