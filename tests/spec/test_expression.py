"""The expression grammar: what it accepts, how it binds, and every construct it refuses (with its column)."""

from __future__ import annotations

import math

import pytest

import lrspec
from lrspec.expr import MAX_DEPTH, MAX_LENGTH, ExpressionError, parse
from lrspec.expr.tree import Binary, Call, Compare, Num, Param, Unary, Var, Where

REFUSED = [
    # (source, column, message fragment)
    ("os", 1, "unknown name 'os'; allowed names: x, gamma, pi, e"),
    ("__import__('os')", 1, "unknown function '__import__'"),
    ("x.real", 2, "attribute access is not allowed"),
    ("gamma.__class__", 6, "attribute access is not allowed"),
    ("x[0]", 2, "subscripts and lists are not allowed"),
    ("[x]", 1, "subscripts and lists are not allowed"),
    ("'a'", 1, "strings are not allowed"),
    ('"a"', 1, "strings are not allowed"),
    ("lambda: 1", 1, "'lambda' is not allowed: write the function's body as an expression of the step"),
    ("x and 1", 3, "'and' is not allowed"),
    ("x or 1", 3, "'or' is not allowed"),
    ("not x", 1, "'not' is not allowed"),
    ("1 < x < 2", 7, "chained comparisons are not allowed"),
    ("x < 1", 1, "must give a number, not a comparison"),
    ("(x < 1) + 1", 1, "a comparison can only be the condition"),
    ("x += 1", 3, "assignment is not allowed"),
    ("x << 1", 3, "bitwise operator '<<' is not allowed"),
    ("where(x, 1, 2)", 7, "the first argument of where() must be a comparison"),
    ("where(x < 1, x < 2, 2)", 14, "a comparison can only be the condition"),
    ("1 if x else 2", 6, "the condition of 'a if c else b' must be a comparison"),
    ("1 if x < 2", 11, "expected 'else'"),
    ("x = 1", 3, "assignment is not allowed"),
    ("x;1", 2, "only one expression is allowed"),
    ("x @ x", 3, "the matrix operator '@' is not allowed"),
    ("x & 1", 3, "bitwise operator '&' is not allowed"),
    ("x | 1", 3, "bitwise operator '|' is not allowed"),
    ("x ^ 1", 3, "bitwise operator '^' is not allowed"),
    ("~x", 1, "bitwise operator '~' is not allowed"),
    ("x +", 4, "the expression ends too early"),
    ("(x", 3, "expected ')'"),
    ("x)", 2, "unexpected ')' after a complete expression"),
    ("sin(x", 6, "expected ',' or ')'"),
    ("x y", 3, "unexpected 'y' after a complete expression"),
    ("x ** ** 2", 6, "unexpected '**'"),
    ("max(x)", 1, "max() takes 2 to 8 arguments, got 1"),
    ("sin(x, x)", 1, "sin() takes 1 argument, got 2"),
    ("where(x < 1, 2)", 1, "where() takes 3 arguments, got 2"),
    ("min(" + ", ".join(["x"] * 9) + ")", 1, "min() takes 2 to 8 arguments, got 9"),
    ("exp", 1, "exp is a function; call it as exp(...)"),
    ("1e400", 1, "too large for binary64"),
    ("", 1, "the expression is empty"),
    ("   ", 1, "the expression is empty"),
    ("x\n+1", 2, "an expression is one line"),
    ("x # comment", 3, "unexpected character '#'"),
    ("x if x < 1 else", 16, "the expression ends too early"),
    ("None", 1, "the keyword 'None' is not allowed"),
    ("True", 1, "the keyword 'True' is not allowed"),
    ("x.__class__.__bases__", 2, "attribute access is not allowed"),
    ("open('f')", 1, "unknown function 'open'"),
    ("eval('1')", 1, "unknown function 'eval'"),
    ("t", 1, "unknown name 't'"),
    ("1_000", 2, "unexpected '_000' after a complete expression"),
    ("0x10", 2, "unexpected 'x10' after a complete expression"),
]


@pytest.mark.parametrize("src,column,fragment", REFUSED, ids=[r[0][:30] or "empty" for r in REFUSED])
def test_refused(src, column, fragment):
    with pytest.raises(ExpressionError) as info:
        parse(src, "x", {"gamma": 0.5}, "scale_fn")
    err = info.value
    assert fragment in err.message
    assert err.column == column
    assert str(err).startswith(f"scale_fn:1:{column}: ")


def test_too_deep_and_too_long():
    deep = "(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(ExpressionError, match="nests deeper than 32"):
        parse(deep, "x")
    parse("(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1), "x")
    with pytest.raises(ExpressionError, match="nests deeper than 32"):
        parse("-" * 40 + "x", "x")
    with pytest.raises(ExpressionError, match="longer than 1000"):
        parse("x" + " + x" * 300, "x")
    assert len("1" + " " * (MAX_LENGTH - 1)) == MAX_LENGTH
    parse("1" + " " * (MAX_LENGTH - 1), "x")
    with pytest.raises(ExpressionError, match="more than 256 parts"):
        parse("+".join(["x"] * 200), "x")


def test_precedence_and_associativity_follow_python():
    assert parse("-2 ** 2", "x") == Unary("-", Binary("**", Num(2.0), Num(2.0)))
    assert parse("2 ** -x", "x") == Binary("**", Num(2.0), Unary("-", Var("x")))
    assert parse("2 ** 3 ** 2", "x") == Binary("**", Num(2.0), Binary("**", Num(3.0), Num(2.0)))
    assert parse("8 / 4 / 2", "x") == Binary("/", Binary("/", Num(8.0), Num(4.0)), Num(2.0))
    assert parse("1 - 2 * x", "x") == Binary("-", Num(1.0), Binary("*", Num(2.0), Var("x")))
    assert parse("+x", "x") == Var("x")
    assert parse("gamma ** x", "x", {"gamma": 0.8}) == Binary("**", Param("gamma", 0.8), Var("x"))
    assert parse("1 if x < 2 else 3", "x") == Where(Compare("<", Var("x"), Num(2.0)), Num(1.0), Num(3.0))
    assert parse("max(1, x, 3)", "x") == Call("max", (Num(1.0), Var("x"), Num(3.0)))
    assert parse(".5e1", "x") == Num(5.0)
    assert parse("1.", "x") == Num(1.0)


def _expr(expr: str, params: dict | None = None) -> lrspec.Spec:
    return lrspec.load({"lrspec": 1, "schedule": {"type": "expression", "expr": expr, "params": params or {}}})


# (expression in t, the same computed here by hand for t = 0..6)
SEMANTICS = [
    ("-2 ** 2 + t", lambda t: -4.0 + t),
    ("2 ** 3 ** 0.5", lambda t: 2.0 ** (3.0 ** 0.5)),
    ("t // 4", lambda t: math.floor(t / 4)),
    ("-t // 4", lambda t: math.floor(-t / 4)),
    ("t % 4 - t % -4", lambda t: (t - 4 * math.floor(t / 4)) - (t - (-4) * math.floor(t / -4))),
    ("7.5 % t", lambda t: math.nan if t == 0 else 7.5 - t * math.floor(7.5 / t)),
    ("1 / t", lambda t: math.inf if t == 0 else 1 / t),
    ("log(t)", lambda t: -math.inf if t == 0 else math.log(t)),
    ("sqrt(t - 3)", lambda t: math.nan if t < 3 else math.sqrt(t - 3)),
    ("(t - 3) ** 0.5", lambda t: math.nan if t < 3 else (t - 3) ** 0.5),
    ("0 ** (t - 1)", lambda t: math.inf if t == 0 else (1.0 if t == 1 else 0.0)),
    ("where(t < 3, t, -t) + (1 if t >= 5 else 0)", lambda t: (t if t < 3 else -t) + (1 if t >= 5 else 0)),
    ("min(t, 3, 2 * t - 4) + max(abs(t - 5), 1)", lambda t: min(t, 3, 2 * t - 4) + max(abs(t - 5), 1)),
    ("floor(t / 3) + ceil(t / 4) + exp(0) + log2(8) + log10(100)",
     lambda t: math.floor(t / 3) + math.ceil(t / 4) + 1 + 3 + 2),
    ("sin(pi * t / 2) * cos(t) + tan(t / 10) + tanh(t - 3) + e",
     lambda t: math.sin(math.pi * t / 2) * math.cos(t) + math.tan(t / 10) + math.tanh(t - 3) + math.e),
    ("base * decay ** (t / 2)", lambda t: 0.1 * 0.5 ** (t / 2)),
    ("t == 2", None),
]


@pytest.mark.parametrize("expr,hand", [s for s in SEMANTICS if s[1] is not None], ids=[s[0] for s in SEMANTICS
                                                                                       if s[1] is not None])
def test_semantics_in_the_kernel(expr, hand):
    spec = _expr(expr, {"base": 0.1, "decay": 0.5})
    got = spec.evaluate(range(7))
    for t in range(7):
        want = hand(t)
        if math.isnan(want):
            assert math.isnan(got[t]), (t, got[t])
        else:
            assert got[t] == pytest.approx(want, rel=1e-14, abs=1e-15), t


def test_min_and_max_propagate_nan():
    got = _expr("min(sqrt(t - 1), 5) + max(2, sqrt(t - 1))").evaluate([0, 2])
    assert math.isnan(got[0])
    assert got[1] == 1.0 + 2.0


def test_a_comparison_is_not_a_rate():
    with pytest.raises(lrspec.LrspecError, match="not a comparison"):
        _expr("t == 2")
