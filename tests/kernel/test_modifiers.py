"""Warmup, restarts, noise and clamp in the kernel, against values written out from spec/modifiers.md."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lrspec


def _spec(schedule: dict) -> lrspec.Spec:
    return lrspec.load({"lrspec": 1, "schedule": schedule})


COSINE = {"type": "cosine", "initial_lr": 0.1, "final_lr": 0.001, "decay_steps": 100}


def _cos(t: int, d: int = 100, hi: float = 0.1, lo: float = 0.001) -> float:
    return lo + (hi - lo) * (0.5 * (1 + math.cos(math.pi * min(t, d) / d)))


@pytest.mark.parametrize("shape,ramp", [
    ("linear", lambda a, b, f: a + (b - a) * f),
    ("cosine", lambda a, b, f: a + (b - a) * 0.5 * (1 - math.cos(math.pi * f))),
    ("exponential", lambda a, b, f: a * (b / a) ** f),
    ("constant", lambda a, b, f: a),
])
def test_warmup_prefix_shapes(shape, ramp):
    spec = _spec({**COSINE, "warmup": {"steps": 10, "initial_lr": 0.01, "shape": shape}})
    got = spec.evaluate(range(0, 120))
    for t in range(10):
        assert got[t] == pytest.approx(ramp(0.01, 0.1, t / 10), rel=1e-14), t
    for t in range(10, 120):
        assert got[t] == pytest.approx(_cos(t - 10), rel=1e-14), t
    assert got[10] == 0.1  # the main schedule starts at its own step 0


def test_warmup_overlay_targets_start_or_end():
    start = _spec({**COSINE, "warmup": {"steps": 10, "initial_lr": 0.0, "prefix": False}})
    end = _spec({**COSINE, "warmup": {"steps": 10, "initial_lr": 0.0, "prefix": False, "target_lr": "end"}})
    fixed = _spec({**COSINE, "warmup": {"steps": 10, "initial_lr": 0.0, "prefix": False, "target_lr": 0.05}})
    for t in range(10):
        assert start.evaluate(t) == pytest.approx(0.1 * t / 10, rel=1e-15)  # timm: ramp to the base rate
        assert end.evaluate(t) == pytest.approx(_cos(10) * t / 10, rel=1e-14)  # timm tanh: ramp to lr(warmup_t)
        assert fixed.evaluate(t) == pytest.approx(0.05 * t / 10, rel=1e-15)
    for t in (10, 11, 50, 99, 100, 500):
        assert start.evaluate(t) == pytest.approx(_cos(t), rel=1e-14)  # overlay: no shift
    assert start.evaluate(9) < start.evaluate(10)


def test_restarts_decay_scales_the_amplitude_above_the_floor():
    spec = _spec({"type": "cosine", "initial_lr": 0.1, "final_lr": 0.001,
                  "restarts": {"period": 50, "decay": 0.5}})
    for t in (0, 1, 25, 49, 50, 51, 75, 100, 149, 10**6 + 3):
        i, u = divmod(t, 50)
        v = _cos(u, 50)
        expected = v if i == 0 else 0.001 + 0.5**i * (v - 0.001)
        assert spec.evaluate(t) == pytest.approx(expected, rel=1e-13, abs=1e-300), t
    assert spec.evaluate(50) == pytest.approx(0.001 + 0.5 * 0.099, rel=1e-15)


def test_restarts_limit_holds_the_floor():
    spec = _spec({"type": "tanh", "initial_lr": 0.05, "lr_min": 1e-5, "restarts": {"period": 10, "period_mul": 2,
                                                                                    "limit": 2}})
    # cycles: [0, 10), [10, 30); from 30 on the floor lr_min
    for t in range(0, 40):
        if t >= 30:
            assert spec.evaluate(t) == 1e-5
            continue
        start, length = (0, 10) if t < 10 else (10, 20)
        r = (t - start) / length
        expected = 1e-5 + 0.5 * (0.05 - 1e-5) * (1 - math.tanh(-7 * (1 - r) + 3 * r))
        assert spec.evaluate(t) == pytest.approx(expected, rel=1e-14), t


def test_a_fractional_period_mul_gives_cycles_of_exact_real_length():
    spec = _spec({"type": "polynomial", "initial_lr": 1.0, "end_lr": 0.0, "restarts": {"period": 10,
                                                                                        "period_mul": 1.5}})
    # cycles of 10 * 1.5**i start at 0, 10, 25, 47.5, 81.25; a step's position is its distance from its cycle's
    # exact start, so 47 is late in cycle 2 and 48 half a step into cycle 3
    expected = {0: 1.0, 9: 1 - 9 / 10, 10: 1.0, 24: 1 - 14 / 15, 25: 1.0, 47: 1 - 22 / 22.5, 48: 1 - 0.5 / 33.75,
                81: 1 - 33.5 / 33.75, 82: 1 - 0.75 / 50.625}
    for t, value in expected.items():
        assert spec.evaluate(t) == pytest.approx(value, rel=1e-15), t


def test_a_fractional_period_restarts_between_steps():
    spec = _spec({"type": "polynomial", "initial_lr": 1.0, "end_lr": 0.0, "restarts": {"period": 2.5}})
    # cycles start at 0, 2.5, 5, 7.5: step 3 is half a step into cycle 1, step 5 starts cycle 2
    assert [spec.evaluate(t) for t in range(9)] == [pytest.approx(v, rel=1e-15) for v in
                                                    (1.0, 0.6, 0.2, 0.8, 0.4, 1.0, 0.6, 0.2, 0.8)]
    far = 10**12 + 1  # 10**12 is a multiple of 2.5: far is one step into its cycle
    assert spec.evaluate(far) == pytest.approx(0.6, rel=1e-15)


def test_restarts_keep_a_fixed_horizon_when_given():
    spec = _spec({"type": "cosine", "initial_lr": 1.0, "decay_steps": 10, "restarts": {"period": 20}})
    for t in range(0, 60):
        u = t % 20
        # within the cosine fast path's bound, 1e-15 of the peak (spec/numerics.md#fast-paths)
        assert spec.evaluate(t) == pytest.approx(0.5 * (1 + math.cos(math.pi * min(u, 10) / 10)), abs=1e-15)


def test_clamp_bounds_and_keeps_nan():
    spec = _spec({"type": "expression", "expr": "t - 5 + where(t == 20, sqrt(-1), 0)",
                  "clamp": {"min_lr": 0.0, "max_lr": 10.0}})
    got = spec.evaluate(range(25))
    for t in range(25):
        if t == 20:
            assert math.isnan(got[t])
        else:
            assert got[t] == min(max(t - 5.0, 0.0), 10.0)


def test_noise_is_deterministic_bounded_and_only_in_its_range():
    base = {"type": "constant", "lr": 0.1}
    spec = _spec({**base, "noise": {"seed": 3, "pct": 0.67, "start": 100, "end": 10_000}})
    got = spec.evaluate(range(0, 20_000))
    assert np.all(got[:100] == 0.1) and np.all(got[10_000:] == 0.1)
    rel = got[100:10_000] / 0.1 - 1
    assert np.all(np.abs(rel) < 0.67 + 1e-12)
    assert np.unique(rel).size > 9000
    assert abs(rel.mean()) < 0.02  # symmetric truncated normal
    again = _spec({**base, "noise": {"seed": 3, "pct": 0.67, "start": 100, "end": 10_000}})
    assert np.array_equal(again.evaluate(range(0, 20_000)), got)
    other = _spec({**base, "noise": {"seed": 4, "pct": 0.67, "start": 100, "end": 10_000}})
    assert not np.array_equal(other.evaluate(range(100, 200)), got[100:200])


def test_uniform_additive_noise_with_decaying_variance():
    spec = _spec({"type": "constant", "lr": 1.0,
                  "noise": {"distribution": "uniform", "kind": "additive", "pct": 0.5, "decay": 2.0}})
    got = spec.evaluate(range(0, 5000)) - 1.0
    bound = 0.5 / (1.0 + np.arange(5000))  # (1 + t) ** (-2 / 2)
    assert np.all(np.abs(got) <= bound)
    assert np.abs(got[0]) > 0.0


def test_normal_noise_statistics():
    spec = _spec({"type": "constant", "lr": 1.0, "noise": {"kind": "additive", "std": 2.0}})
    z = spec.evaluate(range(200_000)) - 1.0
    assert abs(z.mean()) < 0.02
    assert z.std() == pytest.approx(2.0, rel=0.01)
    assert np.mean(np.abs(z) < 2.0) == pytest.approx(0.6827, abs=0.005)
