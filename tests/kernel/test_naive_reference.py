"""Pin the naive reference evaluator (tests/naive.py) to values computed by hand from the brief.

Every expected value is written out inline from the formula in the design brief, in the order the
brief states. Both sides run in CPython with the same libm, so the comparison is exact (nan == nan).
"""

import math
from statistics import NormalDist
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from naive import naive_lr, naive_u  # noqa: E402

pi, cos, tanh = math.pi, math.cos, math.tanh
inf, nan = math.inf, math.nan
T_MAX = 2**53


def lr(node, t):
    return naive_lr({"lrspec": 1, "schedule": node}, t)


def same(got, expected):
    assert isinstance(got, float)
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == expected, f"{got!r} != {expected!r}"


def cases(*rows):
    """rows of (id, node, t, expected) -> pytest params."""
    return [pytest.param(node, t, exp, id=name) for name, node, t, exp in rows]


# ------------------------------------------------------------------ node types
CONST = {"type": "constant", "lr": 0.003}
PWC = {"type": "piecewise_constant", "boundaries": [10, 20], "values": [1.0, 0.5, 0.25]}
PWL = {"type": "piecewise_linear", "points": [[5, 0.2], [15, 0.4], [35, 0.1]]}
EXP = {"type": "exponential", "initial_lr": 0.1, "decay_rate": 0.5, "decay_steps": 10}
EXP_STAIR = dict(EXP, staircase=True)
POLY = {"type": "polynomial", "initial_lr": 0.1, "end_lr": 0.01, "decay_steps": 100, "power": 2}
POLY_DEF = {"type": "polynomial", "initial_lr": 0.1, "decay_steps": 100}
POLY_CYC = {"type": "polynomial", "initial_lr": 1.0, "decay_steps": 10, "cycle": True}
COS_FINAL = {"type": "cosine", "initial_lr": 1.0, "final_lr": 0.1, "decay_steps": 20}
COS_DEF = {"type": "cosine", "initial_lr": 1.0, "decay_steps": 20}
COS_ALPHA = {"type": "cosine", "initial_lr": 0.5, "alpha": 0.2, "decay_steps": 20}
COS_EXPO = {"type": "cosine", "initial_lr": 1.0, "decay_steps": 20, "exponent": 2}
TANH = {"type": "tanh", "initial_lr": 0.1, "lr_min": 0.001, "decay_steps": 40}
TANH_LBUB = {"type": "tanh", "initial_lr": 0.1, "decay_steps": 40, "lb": -2, "ub": 2}


def c(tau, H):  # cosine factor, multiply first then divide
    return 0.5 * (1.0 + cos((pi * float(min(tau, H))) / float(H)))


@pytest.mark.parametrize("node,t,expected", cases(
    ("constant-0", CONST, 0, 0.003),
    ("constant-tmax", CONST, T_MAX, 0.003),
    ("pwc-before", PWC, 9, 1.0),
    ("pwc-at-boundary", PWC, 10, 0.5),
    ("pwc-before-2nd", PWC, 19, 0.5),
    ("pwc-at-2nd", PWC, 20, 0.25),
    ("pwc-tmax", PWC, T_MAX, 0.25),
    ("pwc-integral-float", dict(PWC, boundaries=[10.0, 2.0e1]), 20, 0.25),
    ("pwl-before-first", PWL, 0, 0.2),
    ("pwl-at-first", PWL, 5, 0.2),
    ("pwl-interior", PWL, 7, 0.2 + (0.4 - 0.2) * (2.0 / 10.0)),
    ("pwl-at-knot", PWL, 15, 0.4),
    ("pwl-second-seg", PWL, 22, 0.4 + (0.1 - 0.4) * (7.0 / 20.0)),
    ("pwl-last", PWL, 35, 0.1),
    ("pwl-after", PWL, 10**12, 0.1),
    ("pwl-single", {"type": "piecewise_linear", "points": [[3, 0.7]]}, 100, 0.7),
    ("exp-smooth", EXP, 5, 0.1 * 0.5 ** (5.0 / 10.0)),
    ("exp-h", EXP, 10, 0.1 * 0.5 ** 1.0),
    ("exp-no-clamp", EXP, 30, 0.1 * 0.5 ** 3.0),
    ("exp-huge", EXP, T_MAX, 0.1 * 0.0),  # 0.5 ** (2**53 / 10) underflows to 0
    ("exp-stair-19", EXP_STAIR, 19, 0.1 * 0.5 ** 1.0),
    ("exp-stair-20", EXP_STAIR, 20, 0.1 * 0.5 ** 2.0),
    ("exp-grows", dict(EXP, decay_rate=2.0), 10**6, inf),  # 2 ** 1e5 overflows
    ("poly-25", POLY, 25, (0.1 - 0.01) * (1.0 - 0.25) ** 2.0 + 0.01),
    ("poly-end", POLY, 100, 0.01),
    ("poly-after", POLY, 500, 0.01),
    ("poly-defaults", POLY_DEF, 40, (0.1 - 0.0) * (1.0 - 0.4) + 0.0),
    ("poly-cycle-0", POLY_CYC, 0, 1.0),  # D = 10 * max(1, 0)
    ("poly-cycle-10", POLY_CYC, 10, 0.0),  # D = 10, p = 1
    ("poly-cycle-11", POLY_CYC, 11, 1.0 * (1.0 - 11.0 / 20.0)),  # D = 10 * ceil(1.1) = 20
    ("poly-cycle-25", POLY_CYC, 25, 1.0 * (1.0 - 25.0 / 30.0)),
    ("cos-final-5", COS_FINAL, 5, 0.1 + (1.0 - 0.1) * c(5, 20)),
    ("cos-final-11", COS_FINAL, 11, 0.1 + (1.0 - 0.1) * c(11, 20)),  # pi*11/20 != pi*(11/20)
    ("cos-final-end", COS_FINAL, 20, 0.1),
    ("cos-final-after", COS_FINAL, 10**12, 0.1),
    ("cos-default-10", COS_DEF, 10, 0.0 + 1.0 * c(10, 20)),
    ("cos-default-end", COS_DEF, 20, 0.0),
    ("cos-alpha-7", COS_ALPHA, 7, 0.5 * ((1.0 - 0.2) * c(7, 20) + 0.2)),
    ("cos-alpha-end", COS_ALPHA, 100, 0.5 * 0.2),
    ("cos-exponent", COS_EXPO, 5, 0.0 + 1.0 * c(5, 20) ** 2.0),
    ("tanh-0", TANH, 0, 0.001 + 0.5 * (0.1 - 0.001) * (1.0 - tanh(-7.0 * 1.0 + 3.0 * 0.0))),
    ("tanh-10", TANH, 10, 0.001 + 0.5 * (0.1 - 0.001) * (1.0 - tanh(-7.0 * 0.75 + 3.0 * 0.25))),
    ("tanh-39", TANH, 39, 0.001 + 0.5 * (0.1 - 0.001)
     * (1.0 - tanh(-7.0 * (1.0 - 39 / 40) + 3.0 * (39 / 40)))),
    ("tanh-at-h", TANH, 40, 0.001),
    ("tanh-after", TANH, T_MAX, 0.001),
    ("tanh-lb-ub", TANH_LBUB, 20, 0.0 + 0.5 * 0.1 * (1.0 - tanh(0.0))),
))
def test_core_types(node, t, expected):
    same(lr(node, t), expected)


def clr(lo, hi, up, down, t, scale):
    C = up + down
    cycle, q = 1 + t // C, t % C
    h = float(q) / float(up) if q < up else float(C - q) / float(down)
    return lo + (hi - lo) * h * scale(cycle)


TRI = {"type": "cyclical", "initial_lr": 0.1, "maximal_lr": 0.5, "step_size": 4}
ASYM = dict(TRI, step_size=2, step_size_down=6)
TRI2 = dict(TRI, step_size=3, mode="triangular2")
EXPR = dict(TRI, step_size=3, mode="exp_range", gamma=0.9)
FN_CYC = dict(TRI, step_size=3, scale_fn="base ** (x - 1)", params={"base": 0.5})
FN_IT = dict(TRI, step_size=3, scale_fn="1 / (1 + x)", scale_mode="iterations")


@pytest.mark.parametrize("node,t,expected", cases(
    ("tri-0", TRI, 0, 0.1),
    ("tri-2", TRI, 2, 0.1 + (0.5 - 0.1) * 0.5 * 1.0),
    ("tri-peak", TRI, 4, 0.1 + (0.5 - 0.1) * 1.0 * 1.0),
    ("tri-down", TRI, 6, 0.1 + (0.5 - 0.1) * 0.5 * 1.0),
    ("tri-next", TRI, 8, 0.1),
    ("tri-huge", TRI, T_MAX - 1, clr(0.1, 0.5, 4, 4, T_MAX - 1, lambda k: 1.0)),
    ("asym-1", ASYM, 1, 0.1 + (0.5 - 0.1) * (1.0 / 2.0)),
    ("asym-peak", ASYM, 2, 0.1 + (0.5 - 0.1) * (6.0 / 6.0)),
    ("asym-5", ASYM, 5, 0.1 + (0.5 - 0.1) * (3.0 / 6.0)),
    ("asym-7", ASYM, 7, 0.1 + (0.5 - 0.1) * (1.0 / 6.0)),
    ("asym-8", ASYM, 8, 0.1),
    ("tri2-cycle3-peak", TRI2, 15, 0.1 + (0.5 - 0.1) * 1.0 * (1.0 / 2.0 ** 2)),
    ("tri2-cycle2-up", TRI2, 7, 0.1 + (0.5 - 0.1) * (1.0 / 3.0) * (1.0 / 2.0 ** 1)),
    ("tri2-huge", TRI2, 10**12, 0.1),  # 2 ** (cycle - 1) overflows to inf: scale 0
    ("exprange-4", EXPR, 4, 0.1 + (0.5 - 0.1) * (2.0 / 3.0) * 0.9 ** 4.0),
    ("exprange-huge", EXPR, 10**12 + 1, 0.1 + (0.5 - 0.1) * (1.0 / 3.0) * 0.0),
    ("fn-cycle", FN_CYC, 15, 0.1 + (0.5 - 0.1) * 1.0 * 0.5 ** (3.0 - 1.0)),
    ("fn-iter", FN_IT, 7, 0.1 + (0.5 - 0.1) * (1.0 / 3.0) * (1.0 / (1.0 + 7.0))),
))
def test_cyclical(node, t, expected):
    same(lr(node, t), expected)


def ex(expr, **params):
    node = {"type": "expression", "expr": expr}
    if params:
        node["params"] = params
    return node


@pytest.mark.parametrize("node,t,expected", cases(
    ("linear", ex("0.1 * t"), 3, 0.1 * 3.0),
    ("params", ex("lr0 * e ** (-k * t)", lr0=0.1, k=0.5), 3, 0.1 * math.e ** (-0.5 * 3.0)),
    ("constants", ex("pi + e"), 0, math.pi + math.e),
    ("neg-pow", ex("-2 ** 2"), 0, -4.0),
    ("pow-right-assoc", ex("2 ** 3 ** 2"), 0, 512.0),
    ("pow-neg-exp", ex("2 ** -1"), 0, 0.5),
    ("precedence", ex("1 + 2 * 3 - 4 / 8"), 0, 1.0 + 2.0 * 3.0 - 4.0 / 8.0),
    ("floordiv", ex("t // 4"), 7, 1.0),
    ("floordiv-neg", ex("-t // 4"), 7, -2.0),
    ("mod", ex("t % 4"), 7, 3.0),
    ("mod-neg-a", ex("-t % 4"), 7, -7.0 - 4.0 * math.floor(-7.0 / 4.0)),  # = 1
    ("mod-neg-b", ex("t % -4"), 7, 7.0 - (-4.0) * math.floor(7.0 / -4.0)),  # = -1
    ("mod-fraction", ex("t % 0.3"), 1, 1.0 - 0.3 * math.floor(1.0 / 0.3)),
    ("div-zero", ex("1 / t"), 0, inf),
    ("div-zero-neg", ex("-1 / t"), 0, -inf),
    ("div-neg-zero", ex("1 / (-t)"), 0, -inf),
    ("zero-over-zero", ex("t / t"), 0, nan),
    ("floordiv-zero", ex("1 // t"), 0, inf),
    ("mod-zero", ex("1 % t"), 0, nan),  # 1 - 0 * inf
    ("mod-inf", ex("1 % (1 / t)"), 0, nan),  # 1 - inf * floor(0)
    ("pow-nan", ex("(-t) ** 0.5"), 4, nan),
    ("pow-zero-neg", ex("t ** -1"), 0, inf),
    ("pow-overflow", ex("10 ** t"), 400, inf),
    ("pow-overflow-neg", ex("(-10) ** t"), 401, -inf),
    ("pow-underflow", ex("10 ** -t"), 400, 0.0),
    ("log-0", ex("log(t)"), 0, -inf),
    ("log-neg", ex("log(t - 1)"), 0, nan),
    ("log2", ex("log2(t)"), 8, 3.0),
    ("log10", ex("log10(t)"), 1000, 3.0),
    ("sqrt-neg", ex("sqrt(t - 1)"), 0, nan),
    ("exp-overflow", ex("exp(t)"), 1000, inf),
    ("trig", ex("sin(t) + cos(t) + tan(t) + tanh(t)"), 2,
     math.sin(2.0) + math.cos(2.0) + math.tan(2.0) + math.tanh(2.0)),
    ("sin-inf", ex("sin(1 / t)"), 0, nan),
    ("abs-floor-ceil", ex("abs(-t) + floor(t / 3) + 10 * ceil(t / 3)"), 7, 7.0 + 2.0 + 30.0),
    ("floor-inf", ex("floor(1 / t)"), 0, inf),
    ("min", ex("min(t, 3, 5)"), 4, 3.0),
    ("max8", ex("max(1, 2, 3, 4, 5, 6, 7, t)"), 9, 9.0),
    ("min-nan-last", ex("min(t, t / t)"), 0, nan),
    ("max-nan-first", ex("max(t / t, 1)"), 0, nan),
    ("where-true", ex("where(t < 5, 1, 2)"), 4, 1.0),
    ("where-false", ex("where(t < 5, 1, 2)"), 5, 2.0),
    ("where-nan-cmp", ex("where(t / t < 1, 1, 2)"), 0, 2.0),
    ("where-ne-nan", ex("where(t / t != t / t, 1, 2)"), 0, 1.0),
    ("ifelse", ex("t + 2 if t > 1 else 10"), 5, 7.0),
    ("ifelse-else", ex("t + 2 if t > 1 else 10"), 0, 10.0),
    ("ifelse-nested", ex("1 if t < 1 else 2 if t < 2 else 3"), 5, 3.0),
    ("ifelse-eq", ex("1 if t == 3 else 0"), 3, 1.0),
    ("big-t", ex("t"), T_MAX, 9007199254740992.0),
    ("big-t-1", ex("t - 1"), T_MAX - 1, 9007199254740990.0),
    ("literals", ex("1. + .5 + 1e-3 + 2.5E+2"), 0, 1.0 + 0.5 + 1e-3 + 2.5e2),
))
def test_expression(node, t, expected):
    same(lr(node, t), expected)


@pytest.mark.parametrize("expr", [
    "__import__('os')", "x.real", "t[0]", "'a'", "t and 1", "not t", "1 < t < 2", "t & 1",
    "unknown(t)", "lambda: 1", "min(t)", "where(1, 2, 3)", "t < 1", "(t < 1) + 1", "True",
])
def test_expression_rejects(expr):
    with pytest.raises((ValueError, TypeError, KeyError, SyntaxError)):
        lr(ex(expr), 1)


# ------------------------------------------------------------------ sequence
SEQ = {"type": "sequence", "phases": [
    {"type": "constant", "lr": 1.0, "steps": 5},
    {"type": "expression", "expr": "t", "steps": 10},
    {"type": "sequence", "steps": 4.0, "phases": [   # nested, integral float steps
        {"type": "constant", "lr": 7.0, "steps": 1},
        {"type": "expression", "expr": "100 + t"}]},
    {"type": "expression", "expr": "1000 + t", "clamp": {"max_lr": 1005}},
]}


@pytest.mark.parametrize("t,expected", [
    (0, 1.0), (4, 1.0),
    (5, 0.0), (9, 4.0), (14, 9.0),      # local counter restarts at 0 at the boundary
    (15, 7.0), (16, 100.0), (18, 102.0),
    (19, 1000.0), (23, 1004.0), (24, 1005.0), (10**12, 1005.0),  # phase clamp
])
def test_sequence(t, expected):
    same(lr(SEQ, t), expected)


def test_sequence_last_phase_runs_to_tmax():
    node = {"type": "sequence", "phases": [{"type": "constant", "lr": 1.0, "steps": 3},
                                           {"type": "expression", "expr": "t"}]}
    same(lr(node, T_MAX), float(T_MAX - 3))


# ------------------------------------------------------------------ restarts
def rs(node, **restarts):
    return dict(node, restarts=restarts)


COS_R = {"type": "cosine", "initial_lr": 1.0, "final_lr": 0.1}  # horizon omitted: H = L_i
# expression "t + 1" shows u directly; decay 2 multiplies by 2 ** i above floor 0
U_PROBE = {"type": "expression", "expr": "t + 1"}


@pytest.mark.parametrize("node,t,expected", cases(
    ("mul1-start", rs(COS_R, period=10), 10, 1.0),
    ("mul1-13", rs(COS_R, period=10), 13, 0.1 + (1.0 - 0.1) * c(3, 10)),
    ("mul1-huge", rs(COS_R, period=10), 10**12 + 7, 0.1 + (1.0 - 0.1) * c(7, 10)),
    ("mul1-decay", rs(COS_R, period=10, decay=0.5), 23,
     0.1 + 0.5 ** 2.0 * ((0.1 + (1.0 - 0.1) * c(3, 10)) - 0.1)),
    ("mul1-decay-cycle0", rs(COS_R, period=10, decay=0.5), 3, 0.1 + (1.0 - 0.1) * c(3, 10)),
    ("limit", rs(COS_R, period=10, limit=2), 19, 0.1 + (1.0 - 0.1) * c(9, 10)),
    ("limit-after", rs(COS_R, period=10, limit=2), 20, 0.1),
    ("limit-after-huge", rs(COS_R, period=10, limit=2, period_mul=2), T_MAX, 0.1),
    # period 3, mul 2: L = 3, 6, 12, 24; S = 0, 3, 9, 21, 45
    ("mul2-8", rs(COS_R, period=3, period_mul=2), 8, 0.1 + (1.0 - 0.1) * c(5, 6)),
    ("mul2-9", rs(COS_R, period=3, period_mul=2), 9, 1.0),
    ("mul2-20", rs(COS_R, period=3, period_mul=2), 20, 0.1 + (1.0 - 0.1) * c(11, 12)),
    ("mul2-16", rs(COS_R, period=3, period_mul=2), 16, 0.1 + (1.0 - 0.1) * c(7, 12)),
    ("mul2-21", rs(COS_R, period=3, period_mul=2), 21, 1.0),
    # fixed horizon: H stays 5 within 10-step cycles
    ("fixed-h", rs(dict(COS_R, decay_steps=5), period=10), 12, 0.1 + (1.0 - 0.1) * c(2, 5)),
    ("fixed-h-after", rs(dict(COS_R, decay_steps=5), period=10), 17, 0.1),
    # period 3, mul 1.5: L = 3, 4.5, 6.75, 10.125 exactly; S = 0, 3, 7.5, 14.25, 24.375; u = t - S_i
    ("exact-6", rs(U_PROBE, period=3, period_mul=1.5, decay=2), 6, 2.0 ** 1 * (3.0 + 1.0)),
    ("exact-7", rs(U_PROBE, period=3, period_mul=1.5, decay=2), 7, 2.0 ** 1 * (4.0 + 1.0)),
    ("exact-8", rs(U_PROBE, period=3, period_mul=1.5, decay=2), 8, 2.0 ** 2 * (0.5 + 1.0)),
    ("exact-14", rs(U_PROBE, period=3, period_mul=1.5, decay=2), 14, 2.0 ** 2 * (6.5 + 1.0)),
    ("exact-15", rs(U_PROBE, period=3, period_mul=1.5, decay=2), 15, 2.0 ** 3 * (0.75 + 1.0)),
    # period 5, mul 1.5: S = 0, 5, 12.5
    ("exact-up-12", rs(U_PROBE, period=5, period_mul=1.5, decay=2), 12, 2.0 * (7.0 + 1.0)),
    ("exact-up-13", rs(U_PROBE, period=5, period_mul=1.5, decay=2), 13, 4.0 * (0.5 + 1.0)),
    # period 2, mul 1.25: L = 2, 2.5, 3.125, 3.90625; S = 0, 2, 4.5, 7.625, 11.53125
    ("exact-slow-4", rs(U_PROBE, period=2, period_mul=1.25, decay=2), 4, 2.0 * (2.0 + 1.0)),
    ("exact-slow-5", rs(U_PROBE, period=2, period_mul=1.25, decay=2), 5, 4.0 * (0.5 + 1.0)),
    ("exact-slow-11", rs(U_PROBE, period=2, period_mul=1.25, decay=2), 11, 8.0 * (3.375 + 1.0)),
    ("exact-slow-12", rs(U_PROBE, period=2, period_mul=1.25, decay=2), 12, 16.0 * (0.46875 + 1.0)),
    # a fractional period: cycles of 2.5 steps start at 0, 2.5, 5, ...; 10**12 + 3 is 3 steps past a start
    ("fractional-period-3", rs(U_PROBE, period=2.5), 3, 0.5 + 1.0),
    ("fractional-period-far", rs(U_PROBE, period=2.5), 10**12 + 3, 0.5 + 1.0),
    ("floor-poly", rs(dict(POLY, decay_steps=10), period=10, limit=1), 10, 0.01),
    ("floor-alpha", rs(dict(COS_ALPHA), period=20, limit=1), 25, 0.5 * 0.2),
    ("floor-alpha-decay", rs(dict(COS_ALPHA), period=20, decay=0.5), 27,
     0.5 * 0.2 + 0.5 * ((0.5 * ((1.0 - 0.2) * c(7, 20) + 0.2)) - 0.5 * 0.2)),
    ("floor-tanh", rs({"type": "tanh", "initial_lr": 0.1, "lr_min": 0.001}, period=8, limit=3), 24,
     0.001),
    ("floor-zero", rs(U_PROBE, period=4, limit=1), 4, 0.0),
    ("no-horizon-type", rs(TRI, period=6), 10, 0.1 + (0.5 - 0.1) * (4.0 / 4.0)),  # u = 4
))
def test_restarts(node, t, expected):
    same(lr(node, t), expected)


# ------------------------------------------------------------------ warmup
def wu(node, **warmup):
    return dict(node, warmup=warmup)


CONST5 = {"type": "constant", "lr": 0.5}
HALVING = {"type": "exponential", "initial_lr": 1.0, "decay_rate": 0.5, "decay_steps": 1}


@pytest.mark.parametrize("node,t,expected", cases(
    ("linear-0", wu(CONST5, steps=4, initial_lr=0.1), 0, 0.1),
    ("linear-1", wu(CONST5, steps=4, initial_lr=0.1), 1, 0.1 + (0.5 - 0.1) * 0.25),
    ("linear-3", wu(CONST5, steps=4, initial_lr=0.1), 3, 0.1 + (0.5 - 0.1) * 0.75),
    ("linear-W", wu(CONST5, steps=4, initial_lr=0.1), 4, 0.5),
    ("default-initial-0", wu(CONST5, steps=4), 1, 0.0 + (0.5 - 0.0) * 0.25),
    ("prefix-W", wu(HALVING, steps=2), 2, 1.0),       # main(0)
    ("prefix-W+1", wu(HALVING, steps=2), 3, 0.5),     # main(1)
    ("overlay-W", wu(HALVING, steps=2, prefix=False), 2, 0.25),  # main(2)
    ("overlay-target-start", wu(HALVING, steps=4, prefix=False), 2, 0.0 + (1.0 - 0.0) * 0.5),
    ("overlay-target-end", wu(HALVING, steps=4, prefix=False, target_lr="end"), 2,
     0.0 + (1.0 * 0.5 ** 4.0 - 0.0) * 0.5),
    ("prefix-target-end", wu(HALVING, steps=4, target_lr="end"), 2, 0.0 + (1.0 - 0.0) * 0.5),
    ("numeric-target", wu(HALVING, steps=4, target_lr=0.7, initial_lr=0.1), 3,
     0.1 + (0.7 - 0.1) * 0.75),
    ("cosine", wu(CONST5, steps=4, initial_lr=0.1, shape="cosine"), 1,
     0.1 + (0.5 - 0.1) * 0.5 * (1.0 - cos(pi * 0.25))),
    ("exponential", wu(CONST5, steps=4, initial_lr=0.1, shape="exponential"), 3,
     0.1 * (0.5 / 0.1) ** 0.75),
    ("constant", wu(CONST5, steps=4, initial_lr=0.1, shape="constant"), 3, 0.1),
    # warmup target uses the node with restarts applied; prefix shifts the restarts
    ("with-restarts-target", wu(rs(COS_R, period=10, decay=0.5), steps=4), 2,
     0.0 + (1.0 - 0.0) * 0.5),
    ("with-restarts-shift", wu(rs(COS_R, period=10, decay=0.5), steps=4), 14,
     0.1 + 0.5 * (1.0 - 0.1)),  # main(10): cycle 1 start, v = 1.0
    ("with-restarts-overlay", wu(rs(COS_R, period=10, decay=0.5), steps=4, prefix=False), 14,
     0.1 + 0.5 * ((0.1 + (1.0 - 0.1) * c(4, 10)) - 0.1)),
))
def test_warmup(node, t, expected):
    same(lr(node, t), expected)


# ------------------------------------------------------------------ noise
def u_vec(seed, t, k):
    """U(seed, t, k) re-implemented with numpy uint32 wrap-around (independent of naive.py)."""
    def mix(x):
        x = x ^ (x >> np.uint32(16))
        x = x * np.uint32(0x21F0AAAD)
        x = x ^ (x >> np.uint32(15))
        x = x * np.uint32(0x735A2D97)
        return x ^ (x >> np.uint32(15))
    t = np.asarray(t, dtype=np.uint64)
    lo, hi = (t & np.uint64(0xFFFFFFFF)).astype(np.uint32), (t >> np.uint64(32)).astype(np.uint32)
    kk = np.full(t.shape, k % 2**32, dtype=np.uint32)
    kk = kk * np.uint32(0x85EBCA6B) + np.uint32(0x68E31DA4)
    h = mix(np.full(t.shape, seed ^ 0x9E3779B9, dtype=np.uint32))
    h = mix(mix(mix(h ^ hi) ^ lo) ^ kk)
    return ((h >> np.uint32(9)).astype(np.float64) + 0.5) * 2.0**-23


# (seed, t, k, h >> 9): frozen test vectors for other implementations
U_VECTORS = [
    (42, 0, 0, 2067552), (42, 0, 1, 5443585), (42, 1, 0, 2829682), (0, 0, 0, 5182689),
    (2**32 - 1, 123456789, 7, 410861), (42, 2**32, 0, 6310901), (42, 2**32 + 5, 3, 6700876),
    (1, 2**53, 127, 4066492), (123, 10**12, 2, 5275573),
]


@pytest.mark.parametrize("seed,t,k,m", U_VECTORS)
def test_u_vectors(seed, t, k, m):
    assert naive_u(seed, t, k) == (m + 0.5) * 2.0**-23
    assert u_vec(seed, [t], k)[0] == (m + 0.5) * 2.0**-23
    # exact in binary32 too: h >> 9 < 2**23, so m + 0.5 needs at most 24 significant bits
    assert float(np.float32(naive_u(seed, t, k))) == naive_u(seed, t, k)


def test_u_matches_numpy_reimplementation():
    rng = np.random.default_rng(0)
    ts = np.concatenate([np.arange(300), rng.integers(0, 2**53, 300, endpoint=True),
                         [2**32 - 1, 2**32]])
    for seed in (0, 42, 2**32 - 1, 0x9E3779B9):
        for k in (0, 1, 2, 127):
            got = np.array([naive_u(seed, int(t), k) for t in ts])
            np.testing.assert_array_equal(got, u_vec(seed, ts, k))
    assert np.all((got > 0) & (got < 1))


def z_normal(seed, t, std=1.0, pct=None):
    """The normal draw of spec/noise.md: the standard library's normal quantile at p, where p is U(seed, t, 0)
    spread over [Phi(-a), Phi(a)] for the truncation a = pct / std."""
    u = u_vec(seed, [t], 0)[0]
    if pct is None:
        return std * NormalDist().inv_cdf(u)
    low = 0.5 * math.erfc(pct / std / math.sqrt(2.0))
    return std * NormalDist().inv_cdf(low + u * (1.0 - 2.0 * low))


def noisy(node, **noise):
    return dict(node, noise=noise)


CONST_1 = {"type": "constant", "lr": 0.1}


@pytest.mark.parametrize("t", [0, 1, 17, 2**32 + 3, T_MAX])
def test_noise_normal_multiplicative(t):
    z = z_normal(7, t, std=0.2)
    same(lr(noisy(CONST_1, std=0.2, seed=7), t), 0.1 * (1.0 + z))


def test_noise_default_seed_is_42():
    z = z_normal(42, 5)
    same(lr(noisy(CONST_1), 5), 0.1 * (1.0 + z))


def test_noise_truncation_keeps_draws_inside():
    draws = [z_normal(3, t, pct=0.5) for t in range(2000)]
    assert all(abs(z) < 0.5 for z in draws)
    assert max(abs(z) for z in draws) > 0.49, "draws should reach the truncation bound"
    for t in (0, 1, 1999):
        same(lr(noisy(CONST_1, seed=3, pct=0.5), t), 0.1 * (1.0 + z_normal(3, t, pct=0.5)))


def test_noise_tiny_truncation_gives_tiny_draws():
    z = lr(noisy(CONST_1, pct=1e-300), 9) / 0.1 - 1.0
    assert abs(z) < 1e-15


@pytest.mark.parametrize("t", [0, 3, 1000])
def test_noise_uniform_additive_with_decay(t):
    z = 0.01 * (2.0 * u_vec(11, [t], 0)[0] - 1.0)
    n = z * (1.0 + float(t)) ** (-0.55 / 2.0)
    node = noisy(CONST_1, distribution="uniform", kind="additive", pct=0.01, decay=0.55, seed=11)
    same(lr(node, t), 0.1 + n)


def test_noise_active_range_and_node_counter():
    node = noisy(CONST_1, start=3, end=5, seed=1)
    same(lr(node, 2), 0.1)
    same(lr(node, 3), 0.1 * (1.0 + z_normal(1, 3)))
    same(lr(node, 4), 0.1 * (1.0 + z_normal(1, 4)))
    same(lr(node, 5), 0.1)
    # noise on a warmed-up node draws at the node's counter, not at the shifted one
    node = noisy(wu(CONST5, steps=4, initial_lr=0.1), seed=1)
    same(lr(node, 6), 0.5 * (1.0 + z_normal(1, 6)))
    # a phase's noise uses the phase's local counter
    seq = {"type": "sequence", "phases": [dict(CONST_1, steps=10), noisy(CONST_1, seed=1)]}
    same(lr(seq, 13), 0.1 * (1.0 + z_normal(1, 3)))


# ------------------------------------------------------------------ clamp and order
RAMP = {"type": "expression", "expr": "t - 5"}


@pytest.mark.parametrize("node,t,expected", cases(
    ("below", dict(RAMP, clamp={"min_lr": 0, "max_lr": 3}), 2, 0.0),
    ("inside", dict(RAMP, clamp={"min_lr": 0, "max_lr": 3}), 7, 2.0),
    ("above", dict(RAMP, clamp={"min_lr": 0, "max_lr": 3}), 100, 3.0),
    ("only-max", dict(RAMP, clamp={"max_lr": 3}), 0, -5.0),
    ("only-min", dict(RAMP, clamp={"min_lr": 0}), 10**12, float(10**12 - 5)),
    ("nan-stays", {"type": "expression", "expr": "t / t",
                   "clamp": {"min_lr": 0, "max_lr": 1}}, 0, nan),
    ("inf-clamped", {"type": "expression", "expr": "1 / t", "clamp": {"max_lr": 1}}, 0, 1.0),
    ("after-noise", noisy(CONST_1, distribution="uniform", kind="additive", pct=1.0, seed=5)
     | {"clamp": {"max_lr": 0.1, "min_lr": 0.05}}, 0,
     min(max(0.1 + 1.0 * (2.0 * u_vec(5, [0], 0)[0] - 1.0), 0.05), 0.1)),
))
def test_clamp(node, t, expected):
    same(lr(node, t), expected)


# ------------------------------------------------------------------ counter and numbers
@pytest.mark.parametrize("t", [-1, T_MAX + 1])
def test_counter_out_of_range(t):
    with pytest.raises(ValueError):
        lr(CONST, t)


def test_counter_accepts_numpy_int():
    same(lr(ex("t"), np.int64(12)), 12.0)


@pytest.mark.parametrize("bad", ["10", True])
def test_length_fields_must_be_numbers(bad):
    with pytest.raises((TypeError, ValueError)):
        lr(dict(EXP, decay_steps=bad), 3)


def test_a_fractional_length_is_the_decimal_as_written():
    # 12 / 2.4 is 5 exactly, where the binary64 quotient 12 // 2.4 is 4.0
    stairs = dict(EXP, decay_steps=2.4, staircase=True)
    same(lr(stairs, 12), lr(stairs, 14))
    assert lr(stairs, 11) != lr(stairs, 12)


def test_document_version():
    with pytest.raises(ValueError):
        naive_lr({"lrspec": 2, "schedule": CONST}, 0)
