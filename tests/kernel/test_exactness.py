"""Every core type at t = 2**24 + 1, 2**31 - 1, 2**31 + 5, 10**12 and 2**53, against the spec's formulas
written out here with Python integers (exact) and floats (binary64, one rounding per operation, in the
spec's order).

Each document puts a horizon, a period or a boundary among these steps, so that a counter held in binary32
(wrong from 2**24 + 1), in int32 (wrong from 2**31) or in binary64 arithmetic on large sums would change
the value. Values that involve no library function must match bit for bit; those through cos, tanh, exp,
pow or sqrt within one unit in the last place (spec/numerics.md: libm results are defined to about 1 ulp).
"""

from __future__ import annotations

import math

import pytest

import lrspec

STEPS = [2**24 + 1, 2**31 - 1, 2**31 + 5, 10**12, 2**53]
#: The neighbours too: a counter that is off by one shows there.
AROUND = sorted({s + d for s in STEPS for d in (-1, 0, 1) if 0 <= s + d <= 2**53})
PI = math.pi


def _spec(schedule: dict) -> lrspec.Spec:
    return lrspec.load({"lrspec": 1, "schedule": schedule})


def _check(schedule: dict, by_hand, ulps: int = 0, atol: float = 0.0) -> None:
    """Every value equal to the hand formula's, or within ``ulps`` of it, or within ``atol``."""
    spec = _spec(schedule)
    got = spec.evaluate(AROUND)
    for t, value in zip(AROUND, got, strict=True):
        want = by_hand(t)
        if ulps == 0 and atol == 0.0:
            assert value == want, (t, value, want)
        else:
            assert abs(value - want) <= max(ulps * math.ulp(want), atol), (t, value, want)
        assert spec.evaluate(t) == value  # the scalar path gives the same bits


def _pow(a: float, b: float) -> float:
    """C99 pow for the positive bases used here: Python raises where C gives +inf."""
    try:
        return a**b
    except OverflowError:
        return math.inf


def _real(n: int) -> float:
    return float(n)  # Python rounds an int to the nearest binary64, ties to even, as real() does


def test_constant():
    _check({"type": "constant", "lr": 0.37}, lambda t: 0.37)


def test_piecewise_constant_owns_each_boundary():
    bounds = [2**24 + 1, 2**31 - 1, 2**31 + 5, 10**12, 2**53]
    values = [0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625]
    _check({"type": "piecewise_constant", "boundaries": bounds, "values": values},
           lambda t: values[sum(1 for b in bounds if b <= t)])


def test_piecewise_linear_interpolates_with_exact_offsets():
    points = [[2**24 + 1, 1.0], [2**31 + 5, 0.5], [10**12, 0.25], [2**53, 0.0]]

    def by_hand(t):
        if t <= points[0][0]:
            return points[0][1]
        if t >= points[-1][0]:
            return points[-1][1]
        k = max(i for i in range(len(points)) if points[i][0] <= t)
        (s0, v0), (s1, v1) = points[k], points[k + 1]
        f = _real(t - s0) / _real(s1 - s0)
        return v0 + (v1 - v0) * f

    _check({"type": "piecewise_linear", "points": points}, by_hand)


def test_exponential_staircase_and_smooth():
    h = 2**31 - 1
    _check({"type": "exponential", "initial_lr": 1.0, "decay_rate": 0.9999999, "decay_steps": h, "staircase": True},
           lambda t: 1.0 * (0.9999999 ** _real(t // h)), ulps=1)
    _check({"type": "exponential", "initial_lr": 0.1, "decay_rate": 0.999, "decay_steps": 10**12},
           lambda t: 0.1 * (0.999 ** (_real(t) / _real(10**12))), ulps=1)


def test_polynomial_with_and_without_cycle():
    h = 10**12
    _check({"type": "polynomial", "initial_lr": 0.1, "end_lr": 0.001, "decay_steps": h},
           lambda t: (0.1 - 0.001) * ((1 - _real(min(t, h)) / _real(h)) ** 1.0) + 0.001)
    h = 2**31 - 1

    def cycled(t):
        d = h * max(1, (t + h - 1) // h)
        return (1.0 - 0.0) * ((1 - _real(t) / _real(d)) ** 2.0) + 0.0

    _check({"type": "polynomial", "initial_lr": 1.0, "decay_steps": h, "power": 2.0, "cycle": True}, cycled, ulps=1)


def test_cosine_final_and_alpha_forms():
    h = 2**31 + 5

    def g(t):
        theta = (PI * _real(min(t, h))) / _real(h)
        return 0.5 * (1 + math.cos(theta))

    # the cosine fast path: within 1e-15 of the peak (spec/numerics.md#fast-paths), and exact from h on
    _check({"type": "cosine", "initial_lr": 0.1, "final_lr": 0.001, "decay_steps": h},
           lambda t: 0.001 + (0.1 - 0.001) * g(t), atol=1e-16)
    _check({"type": "cosine", "initial_lr": 0.1, "alpha": 0.25, "decay_steps": h},
           lambda t: 0.1 * ((1 - 0.25) * g(t) + 0.25), atol=1e-16)
    spec = _spec({"type": "cosine", "initial_lr": 0.1, "final_lr": 0.001, "decay_steps": h})
    assert spec.evaluate([h, h + 1, 2**53]).tolist() == [0.001] * 3


def test_tanh_until_and_after_its_horizon():
    h = 10**12

    def by_hand(t):
        if t >= h:
            return 0.0005
        r = _real(t) / _real(h)
        a = -7.0 * (1 - r) + 3.0 * r
        return 0.0005 + (0.5 * (0.1 - 0.0005)) * (1 - math.tanh(a))

    _check({"type": "tanh", "initial_lr": 0.1, "lr_min": 0.0005, "decay_steps": h}, by_hand, ulps=1)


@pytest.mark.parametrize("mode", ["triangular", "triangular2"])
def test_cyclical_cycle_and_position(mode):
    up, down = 2**24 + 1, 3

    def by_hand(t):
        c = up + down
        cycle = 1 + t // c
        q = t % c
        h = _real(q) / _real(up) if q < up else _real(c - q) / _real(down)
        scale = 1.0 if mode == "triangular" else 1 / _pow(2.0, _real(cycle) - 1)
        return 0.001 + ((0.01 - 0.001) * h) * scale

    _check({"type": "cyclical", "initial_lr": 0.001, "maximal_lr": 0.01, "step_size": up, "step_size_down": down,
            "mode": mode}, by_hand, ulps=0 if mode == "triangular" else 1)


def test_expression_of_a_large_counter():
    # parity and a quotient: a binary32 t (2**24 + 1 -> 2**24) flips the first, int32 wraps both
    def by_hand(t):
        x = _real(t)
        return (x - 2 * math.floor(x / 2)) + x / 1e12

    _check({"type": "expression", "expr": "t - 2 * floor(t / 2) + t / 1e12"}, by_hand)


def test_inverse_time_staircase_and_smooth():
    h = 2**24 + 1
    _check({"type": "inverse_time", "initial_lr": 0.1, "decay_rate": 0.5, "decay_steps": h, "staircase": True},
           lambda t: 0.1 / (1 + 0.5 * _real(t // h)))
    _check({"type": "inverse_time", "initial_lr": 0.1, "decay_rate": 0.5, "decay_steps": 10**12},
           lambda t: 0.1 / (1 + 0.5 * (_real(t) / _real(10**12))))


def test_inverse_sqrt_with_a_shift():
    _check({"type": "inverse_sqrt", "initial_lr": 0.001, "timescale": 7, "shift": 3},
           lambda t: 0.001 * (1 / math.sqrt(_real(t + 3) / _real(7))))


def test_linear_cosine_over_the_whole_domain():
    h = 2**53

    def by_hand(t):
        g = min(t, h)
        lin = _real(h - g) / _real(h)
        frac = (2 * 1.5) * (_real(g) / _real(h))
        cosd = 0.5 * (1 + math.cos(PI * frac))
        return 0.1 * ((0.0 + lin) * cosd + 0.001)

    _check({"type": "linear_cosine", "initial_lr": 0.1, "decay_steps": h, "num_periods": 1.5}, by_hand, ulps=1)


@pytest.mark.parametrize("strategy", ["cos", "linear"])
def test_one_cycle_with_a_large_total(strategy):
    n, pct = 10**12, 0.3
    lo = 0.1 / 25.0
    fin = lo / 1e4
    e1, en = pct * _real(n) - 1, _real(n - 1)

    def by_hand(t):
        s = _real(min(t, n - 1))
        (begin, end, a, b) = (0.0, e1, lo, 0.1) if s <= e1 else (e1, en, 0.1, fin)
        p = (s - begin) / (end - begin)
        if strategy == "cos":
            return b + ((a - b) / 2) * (math.cos(PI * p) + 1)
        return (b - a) * p + a

    _check({"type": "one_cycle", "max_lr": 0.1, "total_steps": n, "pct_start": pct, "anneal_strategy": strategy},
           by_hand, ulps=1)


def test_sequence_phases_start_at_exact_sums():
    lengths = [2**24 + 1, 2**31 - 1 - (2**24 + 1), 6]  # phases start at 2**24 + 1, 2**31 - 1 and 2**31 + 5
    starts = [0, lengths[0], lengths[0] + lengths[1], sum(lengths)]
    phases = [{"type": "constant", "lr": 1.0, "steps": lengths[0]},
              {"type": "constant", "lr": 2.0, "steps": lengths[1]},
              {"type": "constant", "lr": 3.0, "steps": lengths[2]},
              {"type": "expression", "expr": "t"}]

    def by_hand(t):
        k = max(i for i, s in enumerate(starts) if s <= t)
        return [1.0, 2.0, 3.0][k] if k < 3 else _real(t - starts[3])

    _check({"type": "sequence", "phases": phases}, by_hand)
