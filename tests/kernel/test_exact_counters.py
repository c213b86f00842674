"""Counters are exact integers: values at t = 2**24 + 1, 2**31 +- k, 10**12 and 2**53, computed by hand here.

A float32 step counter (Keras, tfa) maps 2**24 + 1 to 2**24 and loses every boundary past it; each case
below puts a boundary exactly where that would show.
"""

from __future__ import annotations

import math

import pytest

import lrspec

BIG = [2**24 - 1, 2**24, 2**24 + 1, 2**31 - 1, 2**31, 2**31 + 5, 10**12, 10**12 + 1, 2**53 - 1, 2**53]


def _spec(schedule: dict) -> lrspec.Spec:
    return lrspec.load({"lrspec": 1, "schedule": schedule})


def _check(spec: lrspec.Spec, expected: dict[int, float], rel: float = 0.0, abs: float = 0.0) -> None:
    steps = sorted(expected)
    got = spec.evaluate(steps)
    for t, value in zip(steps, got, strict=True):
        if rel == abs == 0.0:
            assert value == expected[t], t
        else:
            assert value == pytest.approx(expected[t], rel=rel, abs=abs), t
    for t in steps:  # the scalar path agrees with the vector path
        assert spec.evaluate(t) == got[steps.index(t)]


def test_piecewise_constant_switches_at_each_large_boundary():
    bounds = [2**24 + 1, 2**31 + 5, 10**12, 2**53]
    spec = _spec({"type": "piecewise_constant", "boundaries": bounds, "values": [0.5, 0.25, 0.125, 0.0625, 1.0]})
    expected = {}
    for t in BIG:
        k = sum(1 for b in bounds if b <= t)
        expected[t] = [0.5, 0.25, 0.125, 0.0625, 1.0][k]
    assert expected[2**24] == 0.5 and expected[2**24 + 1] == 0.25
    _check(spec, expected)


def test_staircase_exponential_counts_whole_periods():
    d = 2**24 + 1
    spec = _spec({"type": "exponential", "initial_lr": 1.0, "decay_rate": 0.5, "decay_steps": d,
                  "staircase": True})
    _check(spec, {t: 1.0 * 0.5 ** float(t // d) for t in BIG})
    assert spec.evaluate(2**24) == 1.0 and spec.evaluate(2**24 + 1) == 0.5


def test_smooth_exponential_at_large_steps():
    spec = _spec({"type": "exponential", "initial_lr": 0.1, "decay_rate": 0.999999, "decay_steps": 7})
    _check(spec, {t: 0.1 * 0.999999 ** (float(t) / 7.0) for t in BIG})


def test_cyclical_phase_is_exact_far_out():
    s = 3
    spec = _spec({"type": "cyclical", "initial_lr": 0.001, "maximal_lr": 0.01, "step_size": s,
                  "mode": "triangular"})
    expected = {}
    for t in BIG:
        cycle = 1 + t // (2 * s)
        q = t - (cycle - 1) * 2 * s
        x = abs(q - s) / s  # tfa: x = |t/s - 2 cycle + 1| with exact integers
        expected[t] = 0.001 + (0.01 - 0.001) * (1 - x)
    _check(spec, expected, rel=1e-15)
    # 2**24 + 1 = 6 * 2796202 + 5: one step before the end of a cycle, a third of the way up from the floor
    assert spec.evaluate(2**24 + 1) == pytest.approx(0.001 + 0.009 / 3, rel=1e-15)


def test_cyclical_triangular2_scale_uses_the_integer_cycle():
    s = 2**22
    spec = _spec({"type": "cyclical", "initial_lr": 0.0, "maximal_lr": 1.0, "step_size": s, "mode": "triangular2"})
    for t in (2**24 + 1, 2**31 + 5):
        cycle = 1 + t // (2 * s)
        q = t % (2 * s)
        h = q / s if q < s else (2 * s - q) / s
        assert spec.evaluate(t) == pytest.approx(h / 2.0 ** (cycle - 1), rel=1e-15)


def test_cosine_restarts_period_and_position():
    period = 2**24 + 1
    spec = _spec({"type": "cosine", "initial_lr": 1.0, "final_lr": 0.0, "restarts": {"period": period}})
    expected = {}
    for t in BIG:
        u = t % period
        expected[t] = 0.5 * (1 + math.cos(math.pi * u / period))
    # the cosine fast path's bound, 1e-15 of the peak (spec/numerics.md#fast-paths); an off-by-one position
    # moves these values by 2.6e-14 or more
    _check(spec, expected, abs=1e-15)
    assert spec.evaluate(period) == 1.0  # the restart step is the peak


def test_restarts_with_doubling_periods_find_the_cycle_exactly():
    spec = _spec({"type": "cosine", "initial_lr": 1.0, "restarts": {"period": 100, "period_mul": 2}})
    # cycle i starts at 100 * (2**i - 1); find it with integers
    for t in [*BIG, 100 * (2**20 - 1), 100 * (2**20 - 1) - 1, 12100, 2952400]:
        i = 0
        while 100 * (2 ** (i + 1) - 1) <= t:
            i += 1
        start, length = 100 * (2**i - 1), 100 * 2**i
        u = t - start
        expected = 0.5 * (1 + math.cos(math.pi * u / length))
        assert spec.evaluate(t) == pytest.approx(expected, rel=1e-12, abs=1e-300), t
    # timm and torch return the floor at 12100 (= 100 * (2**7 - 1)... not a start) -- check the true starts
    assert spec.evaluate(100 * (2**7 - 1)) == 1.0
    assert spec.evaluate(100 * (2**7 - 1) - 1) == pytest.approx(0.5 * (1 + math.cos(math.pi * 6399 / 6400)))


def test_restarts_with_tripling_periods_peak_at_each_start():
    spec = _spec({"type": "cosine", "initial_lr": 0.1, "restarts": {"period": 100, "period_mul": 3}})
    # starts: 100 (3**i - 1) / 2 -> 0, 100, 400, 1300, 4000, 12100, 36400, ... 2952400 is i = 10
    for i in range(1, 25):
        start = 100 * (3**i - 1) // 2
        if start > 2**53:
            break
        assert spec.evaluate(start) == 0.1, start  # where timm's float log returns 0.0
        assert spec.evaluate(start - 1) == pytest.approx(0.05 * (1 + math.cos(math.pi * (100 * 3 ** (i - 1) - 1)
                                                                               / (100 * 3 ** (i - 1)))), rel=1e-9)


def test_sequence_phase_boundaries_far_out():
    a, b = 2**24 + 1, 2**31 + 5 - (2**24 + 1)
    spec = _spec({"type": "sequence", "phases": [
        {"type": "constant", "lr": 1.0, "steps": a},
        {"type": "constant", "lr": 2.0, "steps": b},
        {"type": "expression", "expr": "t"},
    ]})
    _check(spec, {2**24: 1.0, 2**24 + 1: 2.0, 2**31 + 4: 2.0, 2**31 + 5: 0.0, 2**31 + 6: 1.0,
                  10**12: float(10**12 - (2**31 + 5)), 2**53: float(2**53 - (2**31 + 5))})


def test_piecewise_linear_interpolates_with_integer_offsets():
    s0, s1 = 2**31 + 5, 10**12
    spec = _spec({"type": "piecewise_linear", "points": [[s0, 1.0], [s1, 0.0]]})
    for t in (2**31 + 5, 2**31 + 6, 10**11, 10**12 - 1, 10**12):
        expected = 1.0 + (0.0 - 1.0) * ((t - s0) / (s1 - s0))
        assert spec.evaluate(t) == pytest.approx(expected, rel=1e-15, abs=1e-18)
    assert spec.evaluate(2**31 + 6) < 1.0


def test_polynomial_cycle_stretches_to_the_next_multiple():
    d = 2**24 + 1
    spec = _spec({"type": "polynomial", "initial_lr": 1.0, "end_lr": 0.0, "decay_steps": d, "cycle": True})
    for t in BIG:
        big_d = d * max(1, -(-t // d))
        expected = (1.0 - 0.0) * (1 - t / big_d) + 0.0
        assert spec.evaluate(t) == pytest.approx(expected, rel=1e-12, abs=1e-15), t


def test_noise_is_keyed_by_the_full_64_bit_step():
    spec = _spec({"type": "constant", "lr": 1.0, "noise": {"distribution": "uniform", "pct": 0.5, "seed": 7}})
    # t and t + 2**32 share the low word; the high word must still change the draw
    for t in (5, 2**24 + 1):
        assert spec.evaluate(t) != spec.evaluate(t + 2**32)
    values = spec.evaluate([2**53 - 1, 2**53])
    assert all(0.5 <= v < 1.5 for v in values)


def test_warmup_and_tanh_at_large_steps():
    spec = _spec({"type": "tanh", "initial_lr": 0.1, "lr_min": 0.0, "decay_steps": 2**31 + 5,
                  "warmup": {"steps": 2**24 + 1, "initial_lr": 0.0}})
    w = 2**24 + 1
    top = 0.0 + 0.5 * (0.1 - 0.0) * (1 - math.tanh(-7.0))
    assert spec.evaluate(2**24) == pytest.approx(top * 2**24 / w, rel=1e-14)
    assert spec.evaluate(w) == pytest.approx(top, rel=1e-15)
    t = 10**9
    r = (t - w) / (2**31 + 5)
    assert spec.evaluate(t) == pytest.approx(0.05 * (1 - math.tanh(-7 * (1 - r) + 3 * r)), rel=1e-13)
    assert spec.evaluate(2**31 + 5 + w) == 0.0
