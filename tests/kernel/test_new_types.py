"""inverse_time, inverse_sqrt, linear_cosine, one_cycle and piecewise_linear's cosine interpolation and
negative steps in the kernel, against values written out by hand from spec/types/*.md, then against the
naive reference (tests/naive.py) over a few hundred steps, alone and under restarts, warmup, sequence.

Expected values are formulas evaluated here in the order the spec states. `exact` values (no libm call, or
only sqrt, which is correctly rounded) must match bit for bit; the others to a few ulps.
"""

from __future__ import annotations

import json
import math
import sys
from functools import cache
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest

import lrspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from naive import naive_lr  # noqa: E402

pi, cos, sqrt, inf, nan = math.pi, math.cos, math.sqrt, math.inf, math.nan
T_MAX = 2**53


class exact(float):
    """An expected value that must match bit for bit."""


@cache
def _load(key: str) -> lrspec.Spec:
    return lrspec.load({"lrspec": 1, "schedule": json.loads(key)})


def spec(schedule: dict) -> lrspec.Spec:
    return _load(json.dumps(schedule, sort_keys=True))


def check(got, expected):
    assert isinstance(got, float), type(got)
    if math.isnan(expected):
        assert math.isnan(got), got
    elif isinstance(expected, exact) or math.isinf(expected):
        assert got == expected, f"{got!r} != {float(expected)!r} (exact)"
    else:
        assert got == pytest.approx(expected, rel=1e-14, abs=0), f"{got!r} != {expected!r}"


def run(schedule, table):
    """table: [(t, expected)]; evaluates all steps in one call, then a few one by one."""
    sp = spec(schedule)
    steps = [t for t, _ in table]
    got = sp.evaluate(steps)
    for (_, expected), value in zip(table, got, strict=True):
        check(float(value), expected)
    for t, expected in table[:3]:
        check(sp.evaluate(t), expected)


# ------------------------------------------------------------------ inverse_time
IT = {"type": "inverse_time", "initial_lr": 0.1, "decay_rate": 0.5, "decay_steps": 1000}


def test_inverse_time_smooth():
    run(IT, [
        (0, exact(0.1)),                                   # 0.1 / (1 + 0.5 * 0.0)
        (1, exact(0.1 / (1.0 + 0.5 * (1.0 / 1000.0)))),
        (1500, exact(0.1 / (1.0 + 0.5 * 1.5))),              # = 0.05714285714285715 (spec example)
        (2500, exact(0.1 / 2.25)),                           # = 0.044444444444444446
        (2500, exact(0.044444444444444446)),
        (10**12, exact(0.1 / (1.0 + 0.5 * (1e12 / 1000.0)))),
        (T_MAX, exact(0.1 / (1.0 + 0.5 * (9007199254740992.0 / 1000.0)))),
    ])
    assert spec(IT).evaluate(1500) == 0.05714285714285715


def test_inverse_time_staircase():
    run(dict(IT, staircase=True), [
        (0, exact(0.1)),
        (999, exact(0.1 / (1.0 + 0.5 * 0.0))),             # 999 div 1000 = 0
        (1000, exact(0.1 / (1.0 + 0.5 * 1.0))),
        (2500, exact(0.05)),                                 # e = 2.0, 1 + 1.0 = 2.0
        (2999, exact(0.05)),
        (3000, exact(0.1 / 2.5)),
        (T_MAX, exact(0.1 / (1.0 + 0.5 * float(T_MAX // 1000)))),
    ])


def test_inverse_time_zero_rate_and_overflow():
    run(dict(IT, decay_rate=0.0), [(0, exact(0.1)), (10**9, exact(0.1)), (T_MAX, exact(0.1))])
    # decay_rate * e overflows to inf: 0.1 / inf = 0
    run(dict(IT, decay_rate=1e308, decay_steps=1), [(0, exact(0.1)), (1, exact(0.1 / (1.0 + 1e308))),
                                                     (2, exact(0.0))])


# ------------------------------------------------------------------ inverse_sqrt
IS = {"type": "inverse_sqrt", "initial_lr": 0.001, "timescale": 4000}


def test_inverse_sqrt_values():
    run(IS, [
        (4000, exact(0.001)),                                # x = 1, 1 / 1 = 1
        (10000, exact(0.001 * (1.0 / sqrt(2.5)))),           # 0.0006324555320336759
        (10000, exact(0.0006324555320336759)),
        (16000, exact(0.0005)),                              # 1 / sqrt(4) = 0.5
        (1, exact(0.001 * (1.0 / sqrt(1.0 / 4000.0)))),
        (0, inf),                                            # x = 0: 1 / 0 = inf
        (T_MAX, exact(0.001 * (1.0 / sqrt(9007199254740992.0 / 4000.0)))),
    ])


def test_inverse_sqrt_negative_shift_gives_inf_then_nan():
    run(dict(IS, shift=-3000), [
        (2999, nan),                                         # sqrt(-1/4000) = nan
        (0, nan),
        (3000, inf),                                         # 0: 1 / 0 = inf
        (3001, exact(0.001 * (1.0 / sqrt(1.0 / 4000.0)))),
        (7000, exact(0.001)),
    ])
    # initial_lr 0 at the pole: 0 * inf = nan
    run(dict(IS, initial_lr=0.0, shift=-5), [(5, nan), (6, exact(0.0)), (4, nan)])


def test_inverse_sqrt_large_counters_round_the_sum():
    # shift = T_MAX: tau + shift up to 2**54; real(2**54 - 1) rounds (ties to even) to 2**54
    run(dict(IS, shift=T_MAX), [
        (0, exact(0.001 * (1.0 / sqrt(9007199254740992.0 / 4000.0)))),
        (T_MAX, exact(0.001 * (1.0 / sqrt(18014398509481984.0 / 4000.0)))),
        (T_MAX - 1, exact(0.001 * (1.0 / sqrt(18014398509481984.0 / 4000.0)))),
        (T_MAX - 3, exact(0.001 * (1.0 / sqrt(18014398509481980.0 / 4000.0)))),  # 2**54 - 3 -> 2**54 - 4
    ])
    run(dict(IS, shift=-T_MAX), [(T_MAX, inf), (T_MAX - 1, nan), (0, nan)])


def test_inverse_sqrt_transformers_forms_agree():
    # transformers get_inverse_sqrt_schedule(num_warmup_steps=400, timescale=1000), base lr 0.002:
    # step < 400: 0.002 * (step / 400); else 0.002 * (1 / sqrt((step + 600) / 1000))
    overlay = dict(IS, initial_lr=0.002, timescale=1000, shift=600,
                   warmup={"steps": 400, "prefix": False, "target_lr": 0.002})
    prefix = dict(IS, initial_lr=0.002, timescale=1000, shift=1000, warmup={"steps": 400})

    def transformers(step):
        if step < 400:
            return 0.002 * (float(step) / float(max(1, 400)))
        return 0.002 * (1.0 / math.sqrt((step + 600) / 1000))

    steps = list(range(0, 1200, 7)) + [399, 400, 401, 10**9]
    want = np.array([transformers(t) for t in steps])
    np.testing.assert_array_equal(spec(overlay).evaluate(steps), want)
    np.testing.assert_array_equal(spec(prefix).evaluate(steps), want)


# ------------------------------------------------------------------ linear_cosine
LC = {"type": "linear_cosine", "initial_lr": 0.1, "decay_steps": 1000}


def lc(t, H=1000, lr0=0.1, num_periods=0.5, alpha=0.0, beta=0.001, n=0.0):
    g = min(t, H)
    lin = float(H - g) / float(H) + n
    frac = 2.0 * num_periods * (float(g) / float(H))
    cosd = 0.5 * (1.0 + cos(pi * frac))
    return lr0 * ((alpha + lin) * cosd + beta)


def test_linear_cosine_defaults():
    run(LC, [
        (0, exact(0.1 * ((0.0 + 1.0) * 1.0 + 0.001))),       # 0.1001: above initial_lr, as in TF
        (0, exact(0.1001)),
        (250, lc(250)),
        (250, 0.06411650429449553),
        (500, exact(0.0251)),                                # cosd = 0.5 exactly
        (999, lc(999)),
        (1000, exact(0.1 * 0.001)),                          # cos(pi) = -1: cosd = 0
        (5000, exact(0.1 * 0.001)),
        (T_MAX, exact(0.1 * 0.001)),
    ])


def test_linear_cosine_periods_alpha_beta():
    node = dict(LC, num_periods=1.5, alpha=0.2, beta=0.01)
    run(node, [
        (0, exact(0.1 * ((0.2 + 1.0) * 1.0 + 0.01))),
        (100, lc(100, num_periods=1.5, alpha=0.2, beta=0.01)),
        (333, lc(333, num_periods=1.5, alpha=0.2, beta=0.01)),
        (700, lc(700, num_periods=1.5, alpha=0.2, beta=0.01)),
        (1000, lc(1000, num_periods=1.5, alpha=0.2, beta=0.01)),
        (10**6, lc(1000, num_periods=1.5, alpha=0.2, beta=0.01)),
    ])
    # an integer number of periods ends at cosd = 1: initial_lr * (alpha + beta)
    run(dict(LC, num_periods=1.0, alpha=0.2), [(1000, exact(0.1 * ((0.2 + 0.0) * 1.0 + 0.001))),
                                                (500, lc(500, num_periods=1.0, alpha=0.2))])


# U(42, g, k) from the test vectors of spec/noise.md
U42 = {(0, 0): 0.24647146463394165, (0, 1): 0.6489259600639343,
       (1, 0): 0.33732444047927856, (1, 1): 0.9722078442573547}


def lc_noise(g, iv, vd=0.55):
    """std * z with z the standard normal quantile of U(42, g, 0) (spec/noise.md#normal)."""
    std = sqrt(iv / (1.0 + float(g)) ** vd)
    return std * NormalDist().inv_cdf(U42[g, 0])


def test_linear_cosine_noise_hand_values():
    node = dict(LC, initial_variance=0.01)
    n0, n1 = lc_noise(0, 0.01), lc_noise(1, 0.01)
    assert n0 == pytest.approx(-0.06856355954934044, rel=1e-15)   # spec/types/linear_cosine.md
    run(node, [
        (0, lc(0, n=n0)),
        (0, 0.09324364404506597),
        (1, lc(1, n=n1)),
    ])
    # TF's noisy_linear_cosine_decay defaults: initial_variance 1.0; std at g = 0 is 1,
    # so n is the tabulated normal draw z(42, 0) of spec/noise.md
    run(dict(LC, initial_variance=1.0), [(0, lc(0, n=-0.68563559549340436))])


def test_linear_cosine_noise_is_deterministic():
    node = dict(LC, decay_steps=500, initial_variance=0.5, seed=7)
    sp = spec(node)
    steps = list(range(0, 700))
    a = sp.evaluate(steps)
    b = sp.evaluate(steps[::-1])[::-1]
    c = np.array([sp.evaluate(t) for t in steps[::37]])
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a[::37], c)
    np.testing.assert_array_equal(a, spec(dict(node)).evaluate(steps))
    # the noise is real: values differ from the noiseless schedule, and another seed gives other values
    quiet = spec(dict(LC, decay_steps=500)).evaluate(steps)
    assert np.count_nonzero(a[:499] != quiet[:499]) == 499
    other = spec(dict(node, seed=8)).evaluate(steps)
    assert np.count_nonzero(a[:499] != other[:499]) == 499
    # past the horizon the draw is the one for g = H, and cosd = 0 there: initial_lr * beta
    assert np.all(a[500:] == 0.1 * 0.001)


def test_linear_cosine_noise_distribution():
    # num_periods 0, alpha 0, beta 0, initial_lr 1: lr = lin + n exactly up to one rounding
    H = 40_000
    node = {"type": "linear_cosine", "initial_lr": 1.0, "decay_steps": H, "num_periods": 0.0, "beta": 0.0,
            "initial_variance": 0.04, "variance_decay": 0.0, "seed": 3}
    g = np.arange(H)
    lr = spec(node).evaluate(g)
    n = lr - (H - g) / H
    assert abs(n.mean()) < 4 * 0.2 / math.sqrt(H)
    assert n.std() == pytest.approx(0.2, rel=0.03)
    assert np.mean(np.abs(n) < 0.2) == pytest.approx(0.6827, abs=0.01)
    assert np.abs(n).max() <= 5.77 * 0.2
    # with variance_decay the std shrinks as (1 + g) ** (-variance_decay / 2)
    decaying = dict(node, variance_decay=0.55)
    lr = spec(decaying).evaluate(g)
    z = (lr - (H - g) / H) / np.sqrt(0.04 / (1.0 + g) ** 0.55)
    assert z.std() == pytest.approx(1.0, rel=0.03)
    assert np.abs(lr[-1000:] - (H - g[-1000:]) / H).max() < 0.2 * 5.77 * (1.0 + H - 1000) ** -0.275


def test_linear_cosine_zero_variance_gives_no_noise():
    steps = list(range(0, 1200, 3))
    plain = spec(LC).evaluate(steps)
    zero = spec(dict(LC, initial_variance=0.0, variance_decay=0.9, seed=123)).evaluate(steps)
    np.testing.assert_array_equal(plain, zero)
    np.testing.assert_allclose(plain, [lc(t) for t in steps], rtol=1e-14, atol=0)


# ------------------------------------------------------------------ one_cycle
def anneal_cos(a, b, pct):
    return b + (a - b) / 2.0 * (cos(pi * pct) + 1.0)


def anneal_lin(a, b, pct):
    return (b - a) * pct + a


OC = {"type": "one_cycle", "max_lr": 0.1, "total_steps": 1000}
LO, FIN = 0.1 / 25.0, 0.1 / 25.0 / 1e4        # 0.004, 4e-07


def test_one_cycle_two_phase_cos():
    # e1 = 0.3 * 1000.0 - 1 = 299.0, last phase ends at 999.0
    run(OC, [
        (0, exact(0.1 + (LO - 0.1) / 2.0 * 2.0)),          # 0.0040000000000000036, as torch
        (0, exact(0.0040000000000000036)),
        (150, anneal_cos(LO, 0.1, 150.0 / 299.0)),
        (150, 0.05225216681225469),
        (299, exact(0.1)),                                   # phase end: pct = 1, cos(pi) = -1
        (300, anneal_cos(0.1, FIN, (300.0 - 299.0) / (999.0 - 299.0))),
        (650, anneal_cos(0.1, FIN, 351.0 / 700.0)),
        (650, 0.049775802175648615),
        (998, anneal_cos(0.1, FIN, 699.0 / 700.0)),
        (999, exact(FIN)),                                   # total_steps - 1: the final rate
        (1000, exact(FIN)),                                  # from there on the final rate holds (torch
        (1001, exact(FIN)),                                  # continues its curve one step, then raises)
        (10**12, exact(FIN)),
        (T_MAX, exact(FIN)),
    ])


def test_one_cycle_fractional_first_phase_end():
    # pct_start 0.25, total_steps 10: e1 = 2.5 - 1 = 1.5 (a real), last phase (1.5, 9.0]
    node = dict(OC, total_steps=10, pct_start=0.25)
    table = [(0, exact(0.0040000000000000036)), (1, anneal_cos(LO, 0.1, 1.0 / 1.5)), (1, exact(0.076))]
    table += [(t, anneal_cos(0.1, FIN, (float(t) - 1.5) / (9.0 - 1.5))) for t in range(2, 9)]
    table += [(2, 0.09890738440717015), (9, exact(FIN)), (10, exact(FIN)), (11, exact(FIN)), (10**6, exact(FIN))]
    run(node, table)


def test_one_cycle_linear():
    node = dict(OC, total_steps=10, pct_start=0.25, anneal_strategy="linear")
    run(node, [
        (0, exact(LO)),                                      # (b - a) * 0 + a
        (1, exact(anneal_lin(LO, 0.1, 1.0 / 1.5))),
        (1, exact(0.068)),
        (2, exact(anneal_lin(0.1, FIN, 0.5 / 7.5))),
        (5, exact(anneal_lin(0.1, FIN, 3.5 / 7.5))),
        (9, exact(anneal_lin(0.1, FIN, 1.0))),               # (b - a) + a: 3.999999999976245e-07
        (9, exact(3.999999999976245e-07)),
        (10, exact(3.999999999976245e-07)),                   # the final rate holds; torch's one step past
        (12, exact(3.999999999976245e-07)),                   # the cycle would be negative (-0.01333288)
        (T_MAX, exact(3.999999999976245e-07)),
    ])


def test_one_cycle_three_phase_cos():
    # e1 = 299.0, e2 = 0.6 * 1000.0 - 2 = 598.0, last (598.0, 999.0]
    node = dict(OC, three_phase=True)
    run(node, [
        (0, exact(0.0040000000000000036)),
        (299, exact(0.1)),
        (300, anneal_cos(0.1, LO, 1.0 / 299.0)),
        (450, anneal_cos(0.1, LO, 151.0 / 299.0)),
        (450, 0.051243527401445624),
        (598, exact(LO)),
        (599, anneal_cos(LO, FIN, 1.0 / 401.0)),
        (999, exact(FIN)),
        (1000, exact(FIN)),
        (5000, exact(FIN)),
    ])


def test_one_cycle_three_phase_linear_fractional():
    # pct_start 0.25, total 10: e1 = 1.5, e2 = 0.5 * 10.0 - 2 = 3.0, last (3.0, 9.0]
    node = dict(OC, total_steps=10, pct_start=0.25, three_phase=True, anneal_strategy="linear")
    run(node, [
        (0, exact(LO)),
        (1, exact(anneal_lin(LO, 0.1, 1.0 / 1.5))),          # 0.068
        (2, exact(anneal_lin(0.1, LO, 0.5 / 1.5))),          # 0.068 again, on the way down
        (3, exact(anneal_lin(0.1, LO, 1.0))),                # 0.0040000000000000036
        (4, exact(anneal_lin(LO, FIN, 1.0 / 6.0))),
        (9, exact(anneal_lin(LO, FIN, 1.0))),
        (10, exact(anneal_lin(LO, FIN, 1.0))),               # holds; torch's next step would be -0.0006662
        (11, exact(anneal_lin(LO, FIN, 1.0))),
    ])


def test_one_cycle_factors():
    node = dict(OC, max_lr=0.5, total_steps=200, pct_start=0.4, div_factor=10.0, final_div_factor=100.0)
    lo, fin = 0.5 / 10.0, 0.5 / 10.0 / 100.0
    e1 = 0.4 * 200.0 - 1                                     # 79.0
    run(node, [(0, anneal_cos(lo, 0.5, 0.0)), (40, anneal_cos(lo, 0.5, 40.0 / e1)), (79, exact(0.5)),
               (150, anneal_cos(0.5, fin, (150.0 - e1) / (199.0 - e1))), (199, exact(fin))])


# ------------------------------------------------------------------ piecewise_linear extension
def pw_cos(v0, v1, f):
    return v1 + (v0 - v1) / 2.0 * (cos(pi * f) + 1.0)


def test_piecewise_linear_cosine_interpolation():
    node = {"type": "piecewise_linear", "points": [[0, 0.1], [100, 0.01], [300, 0.001]],
            "interpolation": "cosine"}
    run(node, [
        (0, exact(pw_cos(0.1, 0.01, 0.0))),                  # 0.01 + 0.09000000000000001 = 0.1
        (25, pw_cos(0.1, 0.01, 0.25)),
        (25, 0.08681980515339464),
        (50, exact(0.05500000000000001)),                    # cos(pi/2) + 1 rounds to 1
        (100, exact(pw_cos(0.01, 0.001, 0.0))),
        (150, pw_cos(0.01, 0.001, 50.0 / 200.0)),
        (299, pw_cos(0.01, 0.001, 199.0 / 200.0)),
        (300, exact(0.001)),
        (10**12, exact(0.001)),
    ])


def test_piecewise_linear_negative_first_point():
    node = {"type": "piecewise_linear", "points": [[-1, 0.0], [9, 1.0]]}
    run(node, [(0, exact(0.0 + 1.0 * (1.0 / 10.0))), (0, exact(0.1)), (4, exact(0.0 + 1.0 * (5.0 / 10.0))),
               (9, exact(1.0)), (100, exact(1.0))])
    run(dict(node, interpolation="cosine"), [(0, pw_cos(0.0, 1.0, 0.1)), (4, pw_cos(0.0, 1.0, 0.5)),
                                             (9, exact(1.0))])
    run({"type": "piecewise_linear", "points": [[-10, 0.5], [-2, 0.25]]}, [(0, exact(0.25)), (7, exact(0.25))])
    run({"type": "piecewise_linear", "points": [[-10, 0.5], [0, 0.25], [10, 0.0]]},
        [(0, exact(0.25)), (5, exact(0.25 + (0.0 - 0.25) * 0.5))])


def test_piecewise_linear_differences_beyond_2_53_round():
    # s_0 = -2**53, s_1 = 2**53: s_1 - s_0 = 2**54; tau - s_0 = 2**53 + tau rounds to even above 2**53
    node = {"type": "piecewise_linear", "points": [[-T_MAX, 0.0], [T_MAX, 1.0]]}
    two54 = 18014398509481984.0
    run(node, [
        (0, exact(0.0 + 1.0 * (9007199254740992.0 / two54))),        # 0.5
        (1, exact(0.5)),                                              # 2**53 + 1 -> 2**53 (tie, even)
        (3, exact(0.0 + 1.0 * (9007199254740996.0 / two54))),        # 2**53 + 3 -> 2**53 + 4 (tie, even)
        (T_MAX - 1, exact(0.0 + 1.0 * (18014398509481984.0 / two54))),  # 2**54 - 1 -> 2**54
        (T_MAX, exact(1.0)),
    ])


# ------------------------------------------------------------------ against the naive reference
NAIVE_DOCS = {
    "inverse_time": IT,
    "inverse_time-stair-restarts": {"type": "inverse_time", "initial_lr": 0.2, "decay_rate": 3.0,
                                    "staircase": True, "decay_steps": 7,
                                    "restarts": {"period": 50, "decay": 0.5, "limit": 6}},
    "inverse_time-cycle-horizon": {"type": "inverse_time", "initial_lr": 0.2, "decay_rate": 1.5,
                                   "restarts": {"period": 20, "period_mul": 1.5}},
    "inverse_sqrt-overlay": dict(IS, initial_lr=0.003, timescale=64, shift=-40,
                                 warmup={"steps": 40, "prefix": False, "target_lr": 0.003}),
    "inverse_sqrt-prefix-restarts": dict(IS, timescale=30, shift=30, warmup={"steps": 25, "shape": "cosine"},
                                         restarts={"period": 90, "decay": 0.8}),
    "inverse_sqrt-poles": dict(IS, timescale=16, shift=-100),
    "linear_cosine": dict(LC, decay_steps=300, num_periods=2.0, alpha=0.1, beta=0.02),
    "linear_cosine-noisy": dict(LC, decay_steps=250, initial_variance=1.0, seed=11),
    "linear_cosine-noisy-restarts": dict(LC, initial_variance=0.3, variance_decay=0.3,
                                         restarts={"period": 64, "period_mul": 2}, warmup={"steps": 10}),
    "one_cycle": dict(OC, total_steps=300),
    "one_cycle-linear-three": dict(OC, total_steps=250, pct_start=0.25, three_phase=True,
                                   anneal_strategy="linear", clamp={"min_lr": 0.0}),
    "one_cycle-restarts": dict(OC, total_steps=97, pct_start=0.33, restarts={"period": 120, "decay": 0.5},
                               noise={"std": 0.01, "seed": 5}),
    "piecewise_linear-cosine": {"type": "piecewise_linear", "interpolation": "cosine",
                                "points": [[-30, 0.0], [20, 0.5], [180, 0.05], [320, 0.0]],
                                "warmup": {"steps": 15, "initial_lr": 0.01, "shape": "exponential"}},
    "sequence": {"type": "sequence", "phases": [
        dict(OC, total_steps=80, steps=90),
        dict(IT, decay_steps=13, staircase=True, steps=60),
        dict(LC, decay_steps=70, initial_variance=0.05, steps=100),
        {"type": "piecewise_linear", "points": [[-5, 0.3], [40, 0.0]], "interpolation": "cosine", "steps": 50},
        dict(IS, timescale=10, shift=10, clamp={"max_lr": 0.0008}),
    ], "restarts": {"period": 330}},
}
NAIVE_STEPS = list(range(0, 400)) + [997, 2**24 + 1, 2**31 + 5, 10**12, T_MAX - 1, T_MAX]


@pytest.mark.parametrize("name", sorted(NAIVE_DOCS))
def test_matches_naive_reference(name):
    node = NAIVE_DOCS[name]
    doc = {"lrspec": 1, "schedule": node}
    expected = np.array([naive_lr(doc, t) for t in NAIVE_STEPS])
    got = spec(node).evaluate(NAIVE_STEPS)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-300)
    assert np.array_equal(np.isnan(got), np.isnan(expected))


def test_naive_reference_hand_values():
    """The oracle itself on a few of the hand values above."""
    def lr(node, t):
        return naive_lr({"lrspec": 1, "schedule": node}, t)
    assert lr(IT, 1500) == 0.05714285714285715
    assert lr(dict(IS, shift=-3000), 3000) == inf and math.isnan(lr(dict(IS, shift=-3000), 2999))
    assert lr(LC, 0) == 0.1001 and lr(dict(LC, initial_variance=0.01), 0) == 0.09324364404506597
    assert lr(OC, 0) == 0.0040000000000000036 and lr(OC, 1000) == lr(OC, 999) == 0.004 / 1e4
    linear = dict(OC, total_steps=10, pct_start=0.25, anneal_strategy="linear")
    assert lr(linear, 10) == lr(linear, 9) == (0.1 / 25 / 1e4 - 0.1) * 1.0 + 0.1
    assert lr({"type": "piecewise_linear", "points": [[0, 0.1], [100, 0.01]], "interpolation": "cosine"},
              50) == 0.05500000000000001
