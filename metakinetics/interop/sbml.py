"""SBML in (the DSMTS subset) and out, through python-libsbml (imported lazily: extra ``sbml``).

In: compartments, species (amounts; boundary and constant species are never changed by
reactions; species without ``hasOnlySubstanceUnits`` mean amount/size in formulas), global and
local parameters, kinetic laws (mass action or general), assignment rules (inlined into kinetic
laws, and kept as outputs) and events (``time >= T`` or a species condition, with
assignments). The MathML tree is translated node by node into the restricted expression grammar:
nothing is evaluated. Out: a network (or a model, via its network) as SBML Level 3 Version 1,
forcings as assignment rules in ``time``, fixed-time events as ``time >= T``.

Refused rather than dropped: reversible reactions (a kinetic law may be a negative net rate; give
the two directions as two reactions), event priorities, delays, ``initialValue="false"`` on a
state trigger that already holds at the start (it would fire at t = 0), compartments of size 0 or
not finite, stoichiometries above MAX_STOICHIOMETRY, MathML nested deeper than MAX_DEPTH, and ids
that would overwrite an output column (``time``, ``path``). Without delays, ``persistent`` and
``useValuesFromTriggerTime`` do not change what happens (assignments run at the trigger time), so
any value of them is read correctly.
"""
from __future__ import annotations

import math
from pathlib import Path

from ..errors import MetakineticsError, ModelError, ModelFileError
from ..model.expressions import MAX_DEPTH, Expression, fold, parse_expression
from ..model.spec import Model
from ..model.network import (MAX_STOICHIOMETRY, RESERVED_NAMES as RESERVED_IDS, TIME, Event, Network,
                             Reaction, Species, Trigger, check_network)
from ..symbolic.model_network import network_from_model



def _libsbml():
    try:
        import libsbml
    except ImportError:  # pragma: no cover - depends on the environment
        raise MetakineticsError("SBML support needs python-libsbml: pip install 'metakinetics[sbml]'") from None
    return libsbml


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
def read_sbml(source: str | Path) -> Network:
    """An SBML file (path) or SBML text -> :class:`Network`. ModelFileError names the element."""
    lib = _libsbml()
    text = str(source)
    is_text = text.lstrip().startswith("<")
    where = "<sbml>" if is_text else text
    if not is_text and not Path(text).is_file():
        raise ModelFileError(text, None, "no such SBML file")
    doc = lib.readSBMLFromString(text) if is_text else lib.readSBMLFromFile(text)
    errors = [doc.getError(i) for i in range(doc.getNumErrors())]
    fatal = [e for e in errors if e.getSeverity() >= lib.LIBSBML_SEV_ERROR]
    if fatal:
        e = fatal[0]
        raise ModelFileError(where, None, f"invalid SBML (line {e.getLine()}): {e.getShortMessage()}")
    model = doc.getModel()
    if model is None:
        raise ModelFileError(where, None, "the SBML document has no model")
    return _convert(lib, model, where)


def _convert(lib, model, where: str) -> Network:
    comp = {}
    for c in model.getListOfCompartments():
        comp[c.getId()] = c.getSize() if c.isSetSize() else 1.0
        if not (math.isfinite(comp[c.getId()]) and comp[c.getId()] > 0):
            raise ModelFileError(where, f"compartment {c.getId()}",
                                 f"size must be a positive finite number, found {comp[c.getId()]!r}")
    for element in [*model.getListOfSpecies(), *model.getListOfParameters(), *model.getListOfCompartments()]:
        if element.getId() in RESERVED_IDS:
            raise ModelFileError(where, f"{element.getElementName()} {element.getId()}",
                                 f"the id '{element.getId()}' is reserved (an output column); rename it")
    species, spec_meta = [], {}
    for s in model.getListOfSpecies():
        sid = s.getId()
        size = comp.get(s.getCompartment(), 1.0)
        if s.isSetInitialAmount():
            amount = s.getInitialAmount()
        elif s.isSetInitialConcentration():
            amount = s.getInitialConcentration() * size
        else:
            amount = 0.0
        if not (math.isfinite(amount) and float(amount).is_integer() and amount >= 0):
            raise ModelFileError(where, f"species {sid}", f"initial amount {amount!r} is not a whole number >= 0")
        species.append(Species(sid, float(amount), bool(s.getBoundaryCondition() or s.getConstant())))
        spec_meta[sid] = (size, s.getHasOnlySubstanceUnits())
    params = {p.getId(): p.getValue() if p.isSetValue() else 0.0 for p in model.getListOfParameters()}
    for cid, size in comp.items():
        params.setdefault(cid, size)
    rules: dict[str, tuple] = {}
    for r in model.getListOfRules():
        if not r.isAssignment():
            raise ModelFileError(where, f"rule for {r.getVariable()}", "only assignment rules are supported")
        rules[r.getVariable()] = _tree(lib, r.getMath(), where, f"rule {r.getVariable()}")
    if model.getNumInitialAssignments():
        raise ModelFileError(where, "initialAssignment", "initial assignments are not supported")
    if model.getNumFunctionDefinitions():
        raise ModelFileError(where, "functionDefinition", "function definitions are not supported")

    def substitute(tree, local: dict):
        def name(n):
            if n in local:
                return ("num", float(local[n]))
            if n in rules:
                return substitute(rules[n], local)
            if n in spec_meta and not spec_meta[n][1] and spec_meta[n][0] != 1.0:
                return ("div", ("name", n), ("num", float(spec_meta[n][0])))  # concentration
            return ("name", n)
        return fold(tree, lambda v: ("num", v), name, lambda a: ("neg", a),
                    lambda k, a, b: (k, a, b), lambda f, args: ("call", f, tuple(args)))

    rule_targets = set(rules)
    species = [s for s in species if s.name not in rule_targets]
    snames = {s.name for s in species}
    pnames = {p for p in params if p not in rule_targets}
    allowed = snames | pnames | {TIME}
    reactions = []
    for rx in model.getListOfReactions():
        rid = rx.getId()
        if rx.getReversible():
            raise ModelFileError(where, f"reaction {rid}", "reversible reactions are not supported (the kinetic "
                                 "law may be a negative net rate): give the forward and backward reactions "
                                 "separately, with reversible=\"false\"")
        kl = rx.getKineticLaw()
        if kl is None or kl.getMath() is None:
            raise ModelFileError(where, f"reaction {rid}", "has no kinetic law")
        local = {lp.getId(): lp.getValue() for lp in kl.getListOfParameters()}
        if hasattr(kl, "getListOfLocalParameters"):
            local.update({lp.getId(): lp.getValue() for lp in kl.getListOfLocalParameters()})
        tree = substitute(_tree(lib, kl.getMath(), where, f"reaction {rid} kineticLaw"), local)
        expr = _expression(tree, allowed, where, f"reaction {rid} kineticLaw")
        reac = tuple((sr.getSpecies(), _stoich(sr, where, rid)) for sr in rx.getListOfReactants())
        prod = tuple((sr.getSpecies(), _stoich(sr, where, rid)) for sr in rx.getListOfProducts())
        reactions.append(Reaction(rid, reac, prod, expr))
    events = []
    for ev in model.getListOfEvents():
        eid = ev.getId() or f"event{len(events) + 1}"
        if ev.isSetDelay():
            raise ModelFileError(where, f"event {eid}", "delayed events are not supported")
        if ev.isSetPriority():
            raise ModelFileError(where, f"event {eid}", "event priorities are not supported (simultaneous "
                                 "events run in file order)")
        trig = _tree(lib, ev.getTrigger().getMath(), where, f"event {eid} trigger")
        if trig[0] not in ("geq", "gt", "leq", "lt"):
            raise ModelFileError(where, f"event {eid} trigger", "only a single comparison is supported")
        op = {"geq": ">=", "gt": ">", "leq": "<=", "lt": "<"}[trig[0]]
        lhs = _expression(substitute(trig[1], {}), allowed, where, f"event {eid} trigger")
        rhs = _expression(substitute(trig[2], {}), allowed, where, f"event {eid} trigger")
        time, trigger = None, None
        if lhs.tree == ("name", TIME) and op in (">=", ">") and not rhs.names:
            time = float(rhs.evaluate({}))
        elif TIME in lhs.names | rhs.names:
            raise ModelFileError(where, f"event {eid} trigger", "time triggers must read 'time >= number'")
        else:
            trigger = Trigger(lhs, op, rhs)
            initial = ev.getTrigger().isSetInitialValue() and not ev.getTrigger().getInitialValue()
            if initial and _holds_at_start(trigger, species, params):
                raise ModelFileError(where, f"event {eid} trigger", "initialValue=\"false\" with a condition "
                                     "that holds at the start would fire at t = 0, which is not supported")
        sets = []
        for ea in ev.getListOfEventAssignments():
            var = ea.getVariable()
            if var not in snames | pnames:
                raise ModelFileError(where, f"event {eid} assignment {var}", "not a species or parameter")
            sets.append((var, _expression(substitute(_tree(lib, ea.getMath(), where, f"event {eid}"), {}),
                                          snames | pnames, where, f"event {eid} assignment {var}")))
        events.append(Event(eid, time, trigger, tuple(sets)))
    # rules in parameters and time only are forcings (deterministic functions of t, e.g. the
    # primary's size written by write_sbml); rules in species are derived outputs
    out_rules, forcings = [], []
    for k, v in rules.items():
        e = _expression(substitute(v, {}), allowed, where, f"rule {k}")
        (forcings if not (e.names & snames) else out_rules).append((k, e))
        if TIME in e.names and e.names & snames:
            raise ModelFileError(where, f"rule {k}", "rules in both time and species are not supported")
    name = model.getId() or model.getName() or "sbml"
    net = Network(name, tuple(species), tuple((p, float(v)) for p, v in params.items() if p in pnames),
                  tuple(reactions), tuple(forcings), tuple(events), tuple(out_rules), model.getName() or "",
                  source=where)
    try:
        return check_network(net, where)
    except ModelError as exc:
        if isinstance(exc, ModelFileError):
            raise
        raise ModelFileError(where, None, str(exc)) from None


def _holds_at_start(trigger: Trigger, species, params) -> bool:
    env = {**{p: float(v) for p, v in params.items()}, **{s.name: s.initial for s in species}}
    try:
        return bool(trigger.evaluate(env))
    except (KeyError, ArithmeticError, ValueError):
        return False


def _stoich(sr, where, rid) -> int:
    if sr.isSetStoichiometryMath() if hasattr(sr, "isSetStoichiometryMath") else False:
        raise ModelFileError(where, f"reaction {rid}", "stoichiometry math is not supported")
    k = sr.getStoichiometry() if sr.isSetStoichiometry() else 1.0
    if not math.isfinite(k) or not float(k).is_integer() or k < 0:
        raise ModelFileError(where, f"reaction {rid} species {sr.getSpecies()}",
                             f"stoichiometry {k!r} is not a whole number")
    if k > MAX_STOICHIOMETRY:
        raise ModelFileError(where, f"reaction {rid} species {sr.getSpecies()}",
                             f"stoichiometry {k:g} is above {MAX_STOICHIOMETRY:,}")
    return int(k)


def _expression(tree, allowed, where, what) -> Expression:
    text = _text(tree)
    try:
        return parse_expression(text, allowed, where=what)
    except ModelError as exc:
        raise ModelFileError(where, what, str(exc).split(": ", 1)[-1]) from None


def _tree(lib, node, where, what, depth: int = 0):
    """libsbml ASTNode -> expression tree (same tuples as model.expressions, plus comparisons)."""
    if node is None:
        raise ModelFileError(where, what, "missing math")
    if depth > MAX_DEPTH:
        raise ModelFileError(where, what, f"MathML nested deeper than {MAX_DEPTH} levels")
    t = node.getType()
    kids = [_tree(lib, node.getChild(i), where, what, depth + 1) for i in range(node.getNumChildren())]
    if t == lib.AST_NAME_TIME:
        return ("name", TIME)
    if t == lib.AST_NAME:
        return ("name", node.getName())
    if t == lib.AST_INTEGER:
        return ("num", float(node.getInteger()))
    if t in (lib.AST_REAL, lib.AST_REAL_E, lib.AST_RATIONAL):
        return ("num", float(node.getReal()))
    if t == lib.AST_CONSTANT_E:
        return ("num", math.e)
    if t == lib.AST_CONSTANT_PI:
        return ("num", math.pi)
    binops = {lib.AST_PLUS: "add", lib.AST_TIMES: "mul"}
    if t in binops:
        if not kids:
            return ("num", 0.0 if t == lib.AST_PLUS else 1.0)
        acc = kids[0]
        for k in kids[1:]:
            acc = (binops[t], acc, k)
        return acc
    if t == lib.AST_MINUS:
        return ("neg", kids[0]) if len(kids) == 1 else ("sub", kids[0], kids[1])
    if t == lib.AST_DIVIDE:
        return ("div", kids[0], kids[1])
    if t in (lib.AST_POWER, lib.AST_FUNCTION_POWER):
        return ("pow", kids[0], kids[1])
    funcs = {lib.AST_FUNCTION_EXP: "exp", lib.AST_FUNCTION_LN: "log"}
    if t in funcs:
        return ("call", funcs[t], (kids[0],))
    if t == lib.AST_FUNCTION_ROOT:
        if len(kids) == 1:
            return ("call", "sqrt", (kids[0],))
        if kids[0] == ("num", 2.0):
            return ("call", "sqrt", (kids[1],))
        return ("pow", kids[1], ("div", ("num", 1.0), kids[0]))
    if t == lib.AST_FUNCTION_PIECEWISE and len(kids) == 3 and kids[1][0] in ("geq", "leq") \
            and kids[1][1] == kids[0] and kids[1][2] == kids[2]:
        # piecewise(a, a >= b, b) is max(a, b) (how write_sbml says max); other piecewise: unsupported
        return ("call", "max" if kids[1][0] == "geq" else "min", (kids[0], kids[2]))
    rel = {lib.AST_RELATIONAL_GEQ: "geq", lib.AST_RELATIONAL_GT: "gt", lib.AST_RELATIONAL_LEQ: "leq",
           lib.AST_RELATIONAL_LT: "lt"}
    if t in rel:
        return (rel[t], kids[0], kids[1])
    raise ModelFileError(where, what, f"unsupported MathML element '{node.getName() or lib.formulaToL3String(node)}'")


_PREC = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}


def _text(tree, parent: int = 0) -> str:
    """Expression tree -> restricted-grammar text (fully parenthesised where needed)."""
    k = tree[0]
    if k == "num":
        v = tree[1]
        s = repr(float(v)) if not float(v).is_integer() or abs(v) >= 1e15 else str(int(v))
        return f"({s})" if v < 0 else s
    if k == "name":
        return tree[1]
    if k == "call":
        return f"{tree[1]}(" + ", ".join(_text(a) for a in tree[2]) + ")"
    if k == "neg":
        return f"(-{_text(tree[1], 3)})"
    if k in _PREC:
        p = _PREC[k]
        op = {"add": " + ", "sub": " - ", "mul": "*", "div": "/", "pow": "^"}[k]
        s = _text(tree[1], p) + op + _text(tree[2], p + 1)
        return f"({s})" if p < parent or k == "pow" else s
    raise AssertionError(k)


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------
def write_sbml(source: Network | Model) -> str:
    """SBML Level 3 Version 1 text of a network (or of a model's network)."""
    lib = _libsbml()
    net = network_from_model(source) if isinstance(source, Model) else source
    doc = lib.SBMLDocument(3, 1)
    m = doc.createModel()
    m.setId(_sid(net.name))
    if net.description:
        m.setName(net.description)
    _new(m.createCompartment, Id="cell", Size=1.0, Constant=True, SpatialDimensions=3)
    for s in net.species:
        _new(m.createSpecies, Id=s.name, Compartment="cell", InitialAmount=s.initial, HasOnlySubstanceUnits=True,
             BoundaryCondition=s.boundary, Constant=False)
    dyn = set(net.dynamic_parameters)
    for p, v in net.parameters:
        _new(m.createParameter, Id=p, Value=v, Constant=p not in dyn)
    for f, e in net.forcings:
        _assigned_parameter(lib, m, f, e)
    for r in net.reactions:
        rx = _new(m.createReaction, Id=_sid(r.name), Reversible=False, Fast=False)
        for s, k in r.reactants:
            _new(rx.createReactant, Species=s, Stoichiometry=k, Constant=True)
        for s, k in r.products:
            _new(rx.createProduct, Species=s, Stoichiometry=k, Constant=True)
        _new(rx.createKineticLaw, Math=_ast(lib, r.propensity.tree))
    for e in net.events:
        if e.survive:
            raise ModelError(f"event '{e.name}': binomial survival (a kill fraction) has no SBML core "
                             "equivalent; write the model without it")
        ev = _new(m.createEvent, Id=_sid(e.name), UseValuesFromTriggerTime=True)
        if e.time is not None:
            math_ = _ast(lib, ("geq", ("name", TIME), ("num", e.time)))
        else:
            op = {">=": "geq", ">": "gt", "<=": "leq", "<": "lt"}[e.trigger.op]
            math_ = _ast(lib, (op, e.trigger.lhs.tree, e.trigger.rhs.tree))
        _new(ev.createTrigger, InitialValue=False, Persistent=True, Math=math_)
        for var, expr in e.assignments:
            _new(ev.createEventAssignment, Variable=var, Math=_ast(lib, expr.tree))
    for name, e in net.rules:
        _assigned_parameter(lib, m, name, e)
    return lib.writeSBMLToString(doc)


def save_sbml(source: Network | Model, path: str | Path) -> None:
    """Write SBML to ``path`` atomically."""
    from ..io_atomic import write_text_atomic

    write_text_atomic(str(path), write_sbml(source))


def _new(create, *args, **values):
    """An SBML element (or MathML node) from ``create(*args)``, with ``set<Name>(value)`` called for each
    keyword, in order."""
    element = create(*args)
    for name, value in values.items():
        getattr(element, f"set{name}")(value)
    return element


def _sid(name: str) -> str:
    import re

    s = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return s if re.match(r"[A-Za-z_]", s) else "_" + s


def _ast(lib, tree):
    """Expression tree -> libsbml ASTNode (t -> the csymbol time)."""
    k = tree[0]
    if k == "num":
        return _new(lib.ASTNode, lib.AST_REAL, Value=float(tree[1]))
    if k == "name" and tree[1] == TIME:
        return _new(lib.ASTNode, lib.AST_NAME_TIME, Name="time", DefinitionURL="http://www.sbml.org/sbml/symbols/time")
    if k == "name":
        return _new(lib.ASTNode, lib.AST_NAME, Name=tree[1])
    types = {"add": lib.AST_PLUS, "sub": lib.AST_MINUS, "mul": lib.AST_TIMES, "div": lib.AST_DIVIDE,
             "pow": lib.AST_FUNCTION_POWER, "neg": lib.AST_MINUS, "geq": lib.AST_RELATIONAL_GEQ,
             "gt": lib.AST_RELATIONAL_GT, "leq": lib.AST_RELATIONAL_LEQ, "lt": lib.AST_RELATIONAL_LT}
    if k in types:
        return _node(lib, types[k], tree[1:])
    if k == "call":
        f, args = tree[1], tree[2]
        if f in ("min", "max"):
            # SBML core has no min/max outside piecewise: max(a, b) = piecewise(a, a >= b, b)
            a, b = args
            return _node(lib, lib.AST_FUNCTION_PIECEWISE, (a, ("geq" if f == "max" else "leq", a, b), b))
        t = {"exp": lib.AST_FUNCTION_EXP, "log": lib.AST_FUNCTION_LN, "sqrt": lib.AST_FUNCTION_ROOT,
             "pow": lib.AST_FUNCTION_POWER}[f]
        return _node(lib, t, args)
    raise AssertionError(k)


def _node(lib, kind, children):
    node = lib.ASTNode(kind)
    for child in children:
        node.addChild(_ast(lib, child))
    return node


def _assigned_parameter(lib, m, name: str, expr) -> None:
    """A non-constant SBML parameter whose value is given by an assignment rule (forcings, rules)."""
    _new(m.createParameter, Id=name, Constant=False)
    _new(m.createAssignmentRule, Variable=name, Math=_ast(lib, expr.tree))
