"""A restricted grammar for rate expressions: parsed, checked, never executed.

Grammar: numbers, names, + - * / ** (``^`` is read as a power), unary minus, parentheses and the
functions exp, log, sqrt, pow, min, max. Anything else (attributes, subscripts, calls of other
names, keywords, strings, comparisons, lambdas) is an :class:`ExpressionError`. Sizes are bounded
so that nothing downstream (sympy) can hang: at most MAX_LENGTH characters, MAX_DEPTH levels,
numeric exponents of at most MAX_EXPONENT in size, and every part made of numbers only must fold
to a finite float (no 9**9**9, no exp(1000), no division by zero). The result is an
immutable tree of tuples that numpy can evaluate and sympy can rebuild (``symbolic`` does that).
"""
from __future__ import annotations

import ast
import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..errors import ExpressionError, nearest

FUNCTIONS: dict[str, int] = {"exp": 1, "log": 1, "sqrt": 1, "pow": 2, "min": 2, "max": 2}
_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
MAX_LENGTH = 2000
MAX_DEPTH = 60
#: Largest ``|exponent|`` written as a number (``x**3``, ``pow(x, 0.5)``): rate laws use small powers;
#: a literal such as ``2**99999999999999`` would make sympy build an exact integer of 3e13 digits.
MAX_EXPONENT = 100

Tree = tuple  # ("num", v) | ("name", n) | ("neg", t) | (op, a, b) | ("call", f, (args...))


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, its tree and the free names it uses."""

    text: str
    tree: Tree = field(repr=False)
    names: frozenset[str]

    def evaluate(self, env: Mapping[str, object]):
        """Value of the expression with numpy arrays or floats bound to its names."""
        return _evaluate(self.tree, env)


def parse_expression(text: str, allowed_names: set[str] | frozenset[str] | None = None,
                     *, where: str = "expression") -> Expression:
    """Parse ``text`` under the restricted grammar; names must be in ``allowed_names`` if given."""
    if not isinstance(text, str):
        raise ExpressionError(f"{where}: expected an expression string, found {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"{where}: expression longer than {MAX_LENGTH} characters")
    source = text.replace("^", "**")
    try:
        node = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"{where}: cannot parse '{text}': {exc.msg}") from None
    names: set[str] = set()
    tree = _convert(node.body, names, where, text, 0)
    if allowed_names is not None:
        unknown = sorted(names - set(allowed_names))
        if unknown:
            hint = nearest(unknown[0], allowed_names)
            raise ExpressionError(
                f"{where}: unknown name '{unknown[0]}' in '{text}' "
                + (f"(did you mean '{hint}'?) " if hint else "")
                + f"(allowed: {', '.join(sorted(allowed_names))})")
    return Expression(text=text, tree=tree, names=frozenset(names))


def _convert(node: ast.AST, names: set[str], where: str, text: str, depth: int) -> Tree:
    if depth > MAX_DEPTH:
        raise ExpressionError(f"{where}: expression nested too deeply")
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExpressionError(f"{where}: only numbers are allowed as constants in '{text}'")
        try:
            value = float(node.value)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise ExpressionError(f"{where}: the number {_short(node.value)} in '{_short(text)}' is too large")
        return ("num", value)
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise ExpressionError(f"{where}: name '{node.id}' is not allowed in '{text}'")
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{where}: function '{node.id}' used without arguments in '{text}'")
        names.add(node.id)
        return ("name", node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _convert(node.operand, names, where, text, depth + 1)
        return ("neg", inner) if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        tree = (_BINOPS[type(node.op)], _convert(node.left, names, where, text, depth + 1),
                _convert(node.right, names, where, text, depth + 1))
        check_bounds(tree, where=where, text=text)
        return tree
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise ExpressionError(
                f"{where}: only the functions {', '.join(FUNCTIONS)} may be called in '{text}'")
        if node.keywords or len(node.args) != FUNCTIONS[node.func.id]:
            raise ExpressionError(
                f"{where}: {node.func.id}() takes {FUNCTIONS[node.func.id]} positional "
                f"argument(s) in '{text}'")
        args = tuple(_convert(a, names, where, text, depth + 1) for a in node.args)
        tree = ("call", node.func.id, args)
        check_bounds(tree, where=where, text=text)
        return tree
    raise ExpressionError(
        f"{where}: '{text}' uses {type(node).__name__}, which is not allowed "
        "(only numbers, names, + - * / ** and exp/log/sqrt/pow/min/max)")


_MATH_BINARY = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
                "pow": math.pow}
_MATH_FUNCS = {"exp": math.exp, "log": math.log, "sqrt": math.sqrt, "pow": math.pow, "min": min, "max": max}


def _short(x, n: int = 60) -> str:
    s = str(x)
    return s if len(s) <= n else s[:n] + "..."


def constant(tree: Tree) -> float | None:
    """The value of a tree made of numbers only (None when it uses a name); raises ArithmeticError
    or ValueError when it overflows, divides by zero or leaves a function's domain."""
    kind = tree[0]
    if kind == "num":
        return tree[1]
    if kind == "name":
        return None
    if kind == "neg":
        v = constant(tree[1])
        return None if v is None else -v
    args = [constant(a) for a in (tree[2] if kind == "call" else tree[1:])]
    if any(a is None for a in args):
        return None
    v = _MATH_FUNCS[tree[1]](*args) if kind == "call" else _MATH_BINARY[kind](*args)
    if not math.isfinite(v):
        raise OverflowError("not a finite number")
    return float(v)


def check_bounds(tree: Tree, *, where: str = "expression", text: str = "") -> None:
    """Refuse a node whose numeric exponent exceeds MAX_EXPONENT, whose divisor is the number 0, or
    whose numbers-only part does not fold to a finite float (used for parsed text and SBML MathML)."""
    kind = tree[0]
    shown = _short(text) if text else "the expression"
    exponent = tree[2] if kind == "pow" else tree[2][1] if kind == "call" and tree[1] == "pow" else None
    if exponent is not None:
        e = _safe_constant(exponent, where, shown)
        if e is not None and abs(e) > MAX_EXPONENT:
            raise ExpressionError(f"{where}: exponent {e:g} in '{shown}' is too large "
                                  f"(numeric exponents are limited to {MAX_EXPONENT} in size)")
    if kind == "div" and _safe_constant(tree[2], where, shown) == 0:
        raise ExpressionError(f"{where}: '{shown}' divides by zero")
    _safe_constant(tree, where, shown)


def _safe_constant(tree: Tree, where: str, shown: str) -> float | None:
    try:
        return constant(tree)
    except ZeroDivisionError:
        raise ExpressionError(f"{where}: '{shown}' divides by zero") from None
    except (OverflowError, ValueError) as exc:
        raise ExpressionError(f"{where}: the numbers in '{shown}' do not give a finite value "
                              f"({exc})") from None


_NP_FUNCS = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "pow": np.power,
             "min": np.minimum, "max": np.maximum}
_NP_BINARY = {**_MATH_BINARY, "pow": np.power}


def _evaluate(tree: Tree, env: Mapping[str, object]):
    kind = tree[0]
    if kind == "num":
        return tree[1]
    if kind == "name":
        return env[tree[1]]
    if kind == "neg":
        return -_evaluate(tree[1], env)
    if kind == "call":
        return _NP_FUNCS[tree[1]](*(_evaluate(a, env) for a in tree[2]))
    return _NP_BINARY[kind](_evaluate(tree[1], env), _evaluate(tree[2], env))


def fold(tree: Tree, num, name, neg, binop, call):
    """Rebuild a tree with other constructors (used by ``symbolic`` to make sympy expressions)."""
    kind = tree[0]
    if kind == "num":
        return num(tree[1])
    if kind == "name":
        return name(tree[1])
    if kind == "neg":
        return neg(fold(tree[1], num, name, neg, binop, call))
    if kind == "call":
        return call(tree[1], [fold(a, num, name, neg, binop, call) for a in tree[2]])
    return binop(kind, fold(tree[1], num, name, neg, binop, call),
                 fold(tree[2], num, name, neg, binop, call))
