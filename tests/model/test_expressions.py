"""The restricted expression grammar: arithmetic and exp/log/sqrt/pow only, never executed."""
import math
from pathlib import Path

import numpy as np
import pytest

from metakinetics import ExpressionError
from metakinetics.model.expressions import fold, parse_expression


def test_arithmetic_and_functions_evaluate():
    e = parse_expression("mu * x^gamma + exp(-k*t) / sqrt(4) - pow(2, 3) + log(1)", {"mu", "x", "gamma", "k", "t"})
    env = {"mu": 2.0, "x": 9.0, "gamma": 0.5, "k": 1.0, "t": 0.0}
    assert e.evaluate(env) == pytest.approx(2 * 3 + 1 / 2 - 8)
    assert e.names == {"mu", "x", "gamma", "k", "t"}


def test_vectorised_evaluation():
    e = parse_expression("b*N*(1 - N/K)")
    N = np.array([1.0, 50.0, 100.0])
    np.testing.assert_allclose(e.evaluate({"b": 2.0, "N": N, "K": 100.0}), 2 * N * (1 - N / 100))


@pytest.mark.parametrize("text", [
    "__import__('os').system('touch /tmp/metakinetics_pwned')",
    "os.system('x')",
    "x[0]",
    "(lambda: 1)()",
    "'a' * 3",
    "x if y else z",
    "x < y",
    "open('f')",
    "exp(x, y)",
    "exp(x=1)",
    "__builtins__",
    "[1, 2]",
    "True + 1",
])
def test_rejected_and_never_run(text):
    marker = Path("/tmp/metakinetics_pwned")
    marker.unlink(missing_ok=True)
    with pytest.raises(ExpressionError):
        parse_expression(text)
    assert not marker.exists()


def test_unknown_name_is_named():
    with pytest.raises(ExpressionError, match="unknown name 'z'"):
        parse_expression("x + z", {"x"})


def test_misspelt_name_suggests():
    with pytest.raises(ExpressionError, match="did you mean 'mu'"):
        parse_expression("muu*X", {"mu", "X"})


def test_syntax_error_is_an_expression_error():
    with pytest.raises(ExpressionError, match="cannot parse"):
        parse_expression("x +* 2")


def test_fold_rebuilds_tree():
    e = parse_expression("-a + exp(b) * 2")
    text = fold(e.tree, num=repr, name=str, neg=lambda a: f"(-{a})",
                binop=lambda op, a, b: f"{op}({a},{b})", call=lambda f, args: f"{f}[{','.join(args)}]")
    assert text == "add((-a),mul(exp[b],2.0))"
    assert e.evaluate({"a": 1.0, "b": 0.0}) == pytest.approx(1.0)
    assert math.isfinite(e.evaluate({"a": 1.0, "b": 1.0}))
