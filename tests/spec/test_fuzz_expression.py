"""Expression fuzzing: random and mutated text never escapes lrspec's own error, never reaches Python's
eval/exec/compile and is refused or accepted quickly; every expression the grammar accepts computes the same
values in the kernel, in every target and in an independent numpy evaluator written here.

The example budget is fixed for CI; ``pytest --fuzz-long`` multiplies it (see tests/conftest.py).
"""

from __future__ import annotations

import ast
import builtins
import math
import os
import random
import time
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lrspec
from lrspec.expr import MAX_LENGTH, ExpressionError, parse
from lrspec.expr.dialects import DIALECTS
from lrspec.expr.render import render

PARAMS = {"a": 0.75, "b": -2.5}
#: The CI budget times this (``pytest --fuzz-long`` sets it; see tests/conftest.py); derandomized in CI only.
SCALE = max(1, int(os.environ.get("LRSPEC_FUZZ_SCALE", "1")))
FIXED = SCALE == 1
#: Seconds one parse may take. A parse takes well under 10 ms (the grammar is linear, depth and length bounded);
#: the bound leaves room for a garbage collection or a loaded machine, and still catches any hang.
PARSE_BOUND = 1.0


@contextmanager
def no_python_execution():
    """eval, exec and compile raise while the block runs: parsing must never need them."""
    saved = builtins.eval, builtins.exec, builtins.compile

    def refuse(*args, **kwargs):
        raise AssertionError("an expression reached Python's eval/exec/compile")

    builtins.eval = builtins.exec = builtins.compile = refuse
    try:
        yield
    finally:
        builtins.eval, builtins.exec, builtins.compile = saved


def _check_one(src: str, variable: str = "t") -> bool:
    """Parse ``src``: True if accepted, False if refused with ExpressionError; anything else fails the test."""
    start = time.perf_counter()
    try:
        with no_python_execution():
            tree = parse(src, variable, PARAMS, "expr")
    except ExpressionError as exc:
        assert 1 <= exc.column <= max(len(src), MAX_LENGTH) + 1, (src, exc.column)
        assert exc.message and "Traceback" not in exc.message
        accepted = False
    else:
        accepted = True
    assert time.perf_counter() - start < PARSE_BOUND, src
    if accepted:
        for name, dialect in DIALECTS.items():  # what a back end writes is one Python expression
            code = render(tree, dialect)
            assert isinstance(ast.parse(code, mode="eval"), ast.Expression), (name, src)
    return accepted


TOKENS = ["t", "x", "a", "b", "1", "2.5", "1e3", ".5", "7.", "pi", "e", "(", ")", ",", "+", "-", "*", "/", "//",
          "%", "**", "<", "<=", ">", ">=", "==", "!=", "if", "else", "exp", "log", "log10", "sqrt", "min", "max",
          "where", "floor", "abs", " ", "\t", "__import__", "os", "system", ".", "[", "]", "'", '"', "lambda", "and",
          "not", "=", ";", "\n", ":=", "<<", "@", "#", "\\", "é", "\uff54", "\x00", "1e999", "0x1", "1_0", "None"]


@settings(max_examples=600 * SCALE, deadline=None, derandomize=FIXED)
@given(st.text(max_size=120))
def test_arbitrary_text(src):
    _check_one(src)


@settings(max_examples=1500 * SCALE, deadline=None, derandomize=FIXED)
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join), st.sampled_from(["t", "x"]))
def test_token_soup(src, variable):
    _check_one(src, variable)


@settings(max_examples=40 * SCALE, deadline=None, derandomize=FIXED, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["(t", "-", "exp(", "t + ", "2 ** "]), min_size=1, max_size=4),
       st.integers(min_value=100, max_value=3000))
def test_long_and_deep_text_is_refused_quickly(parts, repeat):
    src = ("".join(parts) * repeat)[: MAX_LENGTH + 500]
    accepted = _check_one(src)
    assert not (accepted and len(src) > MAX_LENGTH)


SEEDS = [
    "t", "0.1 * exp(-t / 1000)", "1 / 2 ** (x - 1)", "a * (t // 7 + t % 7) / (1 + t)", "where(t < 10, t / 10, 1)",
    "0.5 if t <= 100 else 0.1 * cos(pi * t / 200)", "max(min(t, 1, 2), -a, b)", "log10(1 + t) - log2(1 + t)",
    "-2 ** -t", "sqrt(abs(sin(t)))", "floor(t / 3) * ceil(t / 5)", "tanh(t - 3) + tan(t / 9)",
    "__import__('os').system('id')", "t.__class__", "(lambda: 1)()", "t[0]", "'x'", "eval('t')",
]


def _mutants(count: int, seed: int) -> list[str]:
    """Deterministic mutants of the seeds: characters and tokens inserted, deleted, swapped, duplicated."""
    rng = random.Random(seed)
    alphabet = "t x a b 0123456789.eE+-*/%<>=!(),_[]'\"#;:@&|^~\\\n\té"
    out = []
    for _ in range(count):
        src = rng.choice(SEEDS)
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(src) + 1)
            j = min(len(src), i + rng.randint(1, 6))
            kind = rng.randrange(9)
            if kind >= 6:  # mutations that often keep the text in the grammar
                ops = [k for k, c in enumerate(src) if c in "+-*/<>"]
                if kind == 6 and ops:
                    k = rng.choice(ops)
                    src = src[:k] + rng.choice("+-*/<>") + src[k + 1:]
                elif kind == 7:
                    src = f"{rng.choice(['exp', 'abs', 'floor', 'sqrt', ''])}({src})"
                else:
                    src = f"{src} {rng.choice(['+', '*', '-', '/', '**', '//', '%'])} {rng.choice(SEEDS[:12])}"
            elif kind == 0:
                src = src[:i] + rng.choice(alphabet) + src[i:]
            elif kind == 1:
                src = src[:i] + src[j:]
            elif kind == 2:
                src = src[:i] + rng.choice(TOKENS) + src[j:]
            elif kind == 3:
                src = src[:i] + src[i:j] * rng.randint(2, 50) + src[i:]
            elif kind == 4:
                src = src[:i] + rng.choice(SEEDS) + src[i:]
            else:
                src = src[j:] + src[:i]
        out.append(src)
    return out


def test_mutation_corpus():
    mutants = _mutants(4000 * SCALE, seed=7)
    verdicts = [_check_one(src, variable) for src in mutants for variable in ("t", "x")]
    # the corpus exercises both sides of the grammar, not only the refusals
    assert 0.02 < sum(verdicts) / len(verdicts) < 0.98


def test_documents_with_fuzzed_expressions_fail_only_with_lrspec_errors():
    # import every module validation uses lazily before eval/exec/compile are refused
    lrspec.load({"lrspec": 1, "schedule": {"type": "expression", "expr": "t", "params": PARAMS}})
    for src in _mutants(400 * SCALE, seed=11):
        for schedule in ({"type": "expression", "expr": src, "params": PARAMS},
                         {"type": "cyclical", "initial_lr": 0.001, "maximal_lr": 0.01, "step_size": 10,
                          "scale_fn": src, "params": PARAMS}):
            start = time.perf_counter()
            with no_python_execution():
                try:
                    lrspec.load({"lrspec": 1, "schedule": schedule})
                except lrspec.LrspecError as exc:
                    assert all(d.path.startswith("schedule") for d in exc.diagnostics)
            assert time.perf_counter() - start < 0.5


# ---- valid expressions, built with their own evaluator -------------------------------------------------------

# An expression is generated as a tree of tuples; _text writes it fully parenthesised and _value evaluates it
# with numpy's binary64 operations by the rules of spec/expression.md, independently of lrspec.
NUMBERS = [0.0, 0.5, 1.0, 2.0, 3.0, 0.1, 0.001, 10.0, 7.0]
SMOOTH_FUNCS = ["exp", "log", "log2", "log10", "sqrt", "sin", "cos", "tan", "tanh", "abs"]


def _exact():
    """Integer-valued, exactly computed sub-expressions: the only operands of floor, ceil, //, % and comparisons,
    so that a last-place difference of a library function can never flip a step."""
    leaf = st.one_of(st.just(("var",)), st.integers(0, 9).map(lambda n: ("num", float(n))))
    return st.recursive(leaf, lambda inner: st.tuples(st.sampled_from(["+", "-", "*"]), inner, inner)
                        .map(lambda x: ("bin", *x)), max_leaves=4)


def _smooth():
    exact = _exact()
    leaf = st.one_of(st.just(("var",)), st.sampled_from(NUMBERS).map(lambda v: ("num", v)),
                     st.sampled_from(["pi", "e"]).map(lambda c: ("const", c)),
                     st.sampled_from(sorted(PARAMS)).map(lambda p: ("param", p)))

    def extend(inner):
        return st.one_of(
            st.tuples(st.sampled_from(["+", "-", "*", "/"]), inner, inner).map(lambda x: ("bin", *x)),
            st.tuples(inner, st.sampled_from([0.5, 2.0, -1.0, 3.0])).map(lambda x: ("bin", "**", x[0], ("num", x[1]))),
            inner.map(lambda x: ("neg", x)),
            st.tuples(st.sampled_from(SMOOTH_FUNCS), inner).map(lambda x: ("call", x[0], x[1])),
            st.tuples(st.sampled_from(["min", "max"]), st.lists(inner, min_size=2, max_size=3))
            .map(lambda x: ("call", x[0], *x[1])),
            st.tuples(st.sampled_from(["floor", "ceil"]), exact).map(lambda x: ("call", x[0], x[1])),
            st.tuples(st.sampled_from(["//", "%"]), exact, st.integers(1, 9).map(lambda n: ("num", float(n))))
            .map(lambda x: ("bin", *x)),
            st.tuples(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), exact, exact, inner, inner,
                      st.booleans()).map(lambda x: ("where", x[0], x[1], x[2], x[3], x[4], x[5])),
        )

    return st.recursive(leaf, extend, max_leaves=8)


def _text(node, rng_space: str = " ") -> str:
    kind = node[0]
    if kind == "var":
        return "t"
    if kind == "num":
        return repr(node[1])
    if kind in ("const", "param"):
        return node[1]
    if kind == "neg":
        return f"(-{_text(node[1])})"
    if kind == "bin":
        return f"({_text(node[2])}{rng_space}{node[1]}{rng_space}{_text(node[3])})"
    if kind == "call":
        return f"{node[1]}(" + ", ".join(_text(a) for a in node[2:]) + ")"
    op, left, right, then, other, as_call = node[1:]
    cond = f"{_text(left)} {op} {_text(right)}"
    if as_call:
        return f"where({cond}, {_text(then)}, {_text(other)})"
    return f"({_text(then)} if {cond} else {_text(other)})"


_NP = {"exp": np.exp, "log": np.log, "log2": np.log2, "log10": np.log10, "sqrt": np.sqrt, "sin": np.sin,
       "cos": np.cos, "tan": np.tan, "tanh": np.tanh, "abs": np.abs, "floor": np.floor, "ceil": np.ceil}
_CMP = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
        "==": lambda a, b: a == b, "!=": lambda a, b: a != b}


def _value(node, t: float, seen: list[float]) -> np.float64:
    """The expression at t in binary64; ``seen`` collects |every finite intermediate| for the tolerance."""
    kind = node[0]
    if kind == "var":
        v = np.float64(t)
    elif kind == "num":
        v = np.float64(node[1])
    elif kind == "const":
        v = np.float64(math.pi if node[1] == "pi" else math.e)
    elif kind == "param":
        v = np.float64(PARAMS[node[1]])
    elif kind == "neg":
        v = -_value(node[1], t, seen)
    elif kind == "bin":
        a, b = _value(node[2], t, seen), _value(node[3], t, seen)
        op = node[1]
        if op == "+":
            v = a + b
        elif op == "-":
            v = a - b
        elif op == "*":
            v = a * b
        elif op == "/":
            v = a / b
        elif op == "//":
            v = np.floor(a / b)
        elif op == "%":
            v = a - b * np.floor(a / b)
        else:
            v = np.power(a, b)
    elif kind == "call":
        args = [_value(a, t, seen) for a in node[2:]]
        if node[1] in ("min", "max"):
            if any(np.isnan(a) for a in args):
                v = np.float64(np.nan)
            else:
                v = args[0]
                for a in args[1:]:
                    v = v if (v <= a if node[1] == "min" else v >= a) else a
        else:
            v = _NP[node[1]](args[0])
    else:
        op, left, right, then, other, _ = node[1:]
        chosen = then if _CMP[op](_value(left, t, seen), _value(right, t, seen)) else other
        _value(then if chosen is other else other, t, seen)  # both branches count for the tolerance
        v = _value(chosen, t, seen)
    if np.isfinite(v):
        seen.append(abs(float(v)))
    return np.float64(v)


PHASE = 16
#: Local counters of the last phase, far out: exact subexpressions of t stay exact in every binary64 target.
FAR = [2**24 + 1, 2**31 - 1, 2**31 + 5, 10**12]


def _targets_binary64(spec, steps):
    """lr at ``steps`` from each generated module, all in binary64 (jax with x64, tf's lr_at)."""
    import jax
    import jax.numpy as jnp
    import tensorflow as tf

    from lrspec.codegen import generate
    from lrspec.conformance import import_generated

    out = {}
    for target in ("torch", "tf", "jax"):
        module = import_generated(generate(spec, target), f"fuzz_expr_{target}_{spec.digest()[:12]}")
        if target == "torch":
            out[target] = np.array([module.lr_at(int(t)) for t in steps])
        elif target == "tf":
            out[target] = module.lr_at(tf.constant(steps, tf.int64)).numpy()
        else:
            out[target] = np.asarray(jax.jit(module.schedule)(jnp.asarray(steps, jnp.int64)), dtype=np.float64)
    return out


@pytest.fixture
def jax_x64():
    import jax

    before = jax.config.read("jax_enable_x64")
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", before)


def _agree(got: np.ndarray, want: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Same NaNs and infinities; finite values within 1e-12 of the largest intermediate (libm last places)."""
    special = ~np.isfinite(want)
    same_special = np.where(np.isnan(want), np.isnan(got), got == want)
    with np.errstate(invalid="ignore"):
        close = np.isfinite(got) & (np.abs(got - want) <= 1e-12 * np.maximum(scale, 1e-300))
    return np.where(special, same_special, close)


@pytest.mark.usefixtures("jax_x64")
@settings(max_examples=2 * SCALE, deadline=None, derandomize=FIXED, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(st.lists(_smooth(), min_size=24, max_size=24))
def test_valid_expressions_agree_in_kernel_targets_and_by_hand(trees):
    # every expression is one phase of a sequence, so that one kernel compilation checks them all
    phases = [{"type": "expression", "expr": _text(tree), "params": PARAMS, "steps": PHASE} for tree in trees]
    del phases[-1]["steps"]
    spec = lrspec.load({"lrspec": 1, "name": "fuzz", "schedule": {"type": "sequence", "phases": phases}})
    last = (len(trees) - 1) * PHASE
    steps = np.array(list(range(len(trees) * PHASE)) + [last + far for far in FAR], dtype=np.int64)
    local = [(int(s) - min(int(s) // PHASE, len(trees) - 1) * PHASE) for s in steps]
    which = [min(int(s) // PHASE, len(trees) - 1) for s in steps]
    want = np.empty(len(steps))
    scale = np.empty(len(steps))
    with np.errstate(all="ignore"):
        for i, (k, t) in enumerate(zip(which, local, strict=True)):
            seen: list[float] = []
            want[i] = _value(trees[k], float(t), seen)
            scale[i] = max(seen, default=0.0)
    results = {"kernel": spec.evaluate(steps), **_targets_binary64(spec, steps)}
    for name, got in results.items():
        ok = _agree(got, want, scale)
        bad = np.flatnonzero(~ok)
        assert ok.all(), (f"{name} at step {steps[bad[0]]} (phase {which[bad[0]]}: {phases[which[bad[0]]]['expr']}): "
                          f"{got[bad[0]]!r}, by hand {want[bad[0]]!r}")


def test_the_most_nested_accepted_expression_renders_to_python():
    # 15 nested max() (the depth limit) inside a chain of 67 divisions (the node limit): about 170 nested
    # parentheses in the generated code, below Python's parser limit of 200
    src = "t"
    for _ in range(15):
        src = f"max({src}, t, t, t, t, t, t, t)"
    src += " / t" * 67
    assert _check_one(src)
    assert not _check_one(src + " / t")
    assert not _check_one(f"max({src.split(' / ')[0]}, t, t, t, t, t, t, t)")
