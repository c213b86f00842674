"""The segment fillers and their fast paths (spec/numerics.md#fast-paths) against plain evaluation.

A stride-1 range is filled one segment (phase, cycle, half-cycle) at a time; an array of steps is
evaluated step by step with libm. Without a fast path the two agree bit for bit (the normal quantile's
fast path is used by both); the cosine fast path stays within 1e-14 of the peak magnitude of a plain libm
float64 evaluation (tests/naive.py).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

import lrspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from naive import audit_checksum, naive_lr  # noqa: E402

TOL = 1e-14

WARM_COSINE_RESTARTS = {"type": "cosine", "initial_lr": 0.1, "final_lr": 1e-5, "warmup": {"steps": 100},
                        "restarts": {"period": 1000, "period_mul": 2.0, "decay": 0.5}}
FOUR_PHASES = {"type": "sequence", "phases": [
    {"type": "piecewise_linear", "points": [[0, 0.0], [500, 0.1]], "steps": 500},
    {"type": "constant", "lr": 0.1, "steps": 700},
    {"type": "cosine", "initial_lr": 0.1, "alpha": 0.1, "decay_steps": 3000, "steps": 3000},
    {"type": "exponential", "initial_lr": 0.01, "decay_rate": 0.5, "decay_steps": 900}],
    "noise": {"seed": 7, "std": 0.05, "pct": 0.2}}

#: Documents with no fast path: a range must equal the step-by-step array path bit for bit.
EXACT = {
    "triangular2": {"type": "cyclical", "initial_lr": 1e-4, "maximal_lr": 1e-2, "step_size": 37,
                    "scale_fn": "1 / 2 ** (x - 1)", "scale_mode": "cycle"},
    "exp_range": {"type": "cyclical", "initial_lr": 1e-4, "maximal_lr": 1e-2, "step_size": 20,
                  "step_size_down": 13, "mode": "exp_range", "gamma": 0.999},
    "plain_cyclical": {"type": "cyclical", "initial_lr": 0.0, "maximal_lr": 1.0, "step_size": 5},
    "fixed_restarts_limit": {"type": "exponential", "initial_lr": 1.0, "decay_rate": 0.3, "decay_steps": 11,
                             "restarts": {"period": 97, "decay": 0.7, "limit": 6}},
    "table_restarts_tanh": {"type": "tanh", "initial_lr": 0.2, "lr_min": 0.01,
                            "restarts": {"period": 50, "period_mul": 1.5, "decay": 0.9, "limit": 9},
                            "warmup": {"steps": 30, "prefix": False, "shape": "cosine"}},
    "clamped_expression": {"type": "expression", "expr": "0.1 * sin(t / 17) + 0.05",
                           "clamp": {"min_lr": 0.0, "max_lr": 0.12}},
    "noisy_constant": {"type": "constant", "lr": 0.5, "noise": {"seed": 3, "distribution": "uniform", "pct": 0.1,
                                                                "start": 40, "end": 900, "kind": "additive"}},
    "cosine_exponent": {"type": "cosine", "initial_lr": 1.0, "decay_steps": 777, "exponent": 0.5},
    "noisy_normal_cyclical": {"type": "cyclical", "initial_lr": 1e-3, "maximal_lr": 1e-2, "step_size": 57,
                              "noise": {"seed": 11, "std": 0.3, "pct": 0.5, "start": 9}},
    "noisy_linear_cosine": {"type": "keras.NoisyLinearCosineDecay", "initial_learning_rate": 0.1,
                            "decay_steps": 5000},
}


def _spec(schedule: dict) -> lrspec.Spec:
    return lrspec.load({"lrspec": 1, "schedule": schedule})


@pytest.mark.parametrize("name", sorted(EXACT))
@pytest.mark.parametrize("start", [0, 2047, 100_003])
def test_range_equals_step_by_step(name: str, start: int) -> None:
    spec = _spec(EXACT[name])
    n = 20_000  # the serial run: many blocks, so every split is crossed
    np.testing.assert_array_equal(spec.evaluate(range(start, start + n)), spec.evaluate(np.arange(start, start + n)))


@pytest.mark.parametrize("name", ["triangular2", "table_restarts_tanh"])
def test_parallel_range_equals_step_by_step(name: str) -> None:
    spec = _spec(EXACT[name])
    steps = np.arange(12_345, 12_345 + 100_000)  # several parallel chunks
    np.testing.assert_array_equal(spec.evaluate(range(12_345, 12_345 + 100_000)), spec.evaluate(steps))


def _windows(boundaries: list[int], width: int = 40) -> list[int]:
    steps = set()
    for b in boundaries:
        steps.update(range(max(0, b - width), b + width))
    return sorted(steps)


def _close_to_libm(spec: lrspec.Spec, doc: dict, steps: list[int], peak: float) -> None:
    lo, hi = steps[0], steps[-1] + 1
    got = spec.evaluate(range(lo, hi))[np.array(steps) - lo]
    want = np.array([naive_lr(doc, t) for t in steps])
    err = np.abs(got - want) / peak
    assert err.max() <= TOL, (steps[int(err.argmax())], err.max())


def test_warmup_cosine_restarts_within_tolerance_of_libm() -> None:
    doc = {"lrspec": 1, "schedule": WARM_COSINE_RESTARTS}
    spec = lrspec.load(doc)
    starts = [100 + 1000 * (2**i - 1) for i in range(12)]  # warmup end, then cycles of 1000 * 2**i steps
    steps = _windows([0, 100] + starts) + list(range(0, 2_100_000, 997))
    _close_to_libm(spec, doc, sorted(set(steps)), 0.1)


def test_four_phase_sequence_within_tolerance_of_libm() -> None:
    doc = {"lrspec": 1, "schedule": FOUR_PHASES}
    spec = lrspec.load(doc)
    steps = _windows([0, 500, 1200, 4200]) + list(range(0, 20_000, 7))
    _close_to_libm(spec, doc, sorted(set(steps)), 0.1 * 1.2)


def test_cos_half_turn_against_libm() -> None:
    from lrspec.eval.prims import cos_half_turn

    xs = np.concatenate([np.linspace(0.0, math.pi, 200_001), math.pi * np.random.default_rng(1).random(100_000),
                         [math.pi, math.pi / 2, math.nextafter(math.pi, 0.0), 5e-324]])
    got = np.array([cos_half_turn(float(x)) for x in xs[::50]] + [cos_half_turn(float(x)) for x in xs[-4:]])
    want = np.cos(np.concatenate([xs[::50], xs[-4:]]))
    assert np.abs(got - want).max() <= 4.5e-16


@pytest.mark.parametrize("name", ["noisy_normal_cyclical", "noisy_linear_cosine"])
def test_noise_across_a_high_word_of_the_step(name: str) -> None:
    """The segment loops compute the hash's (seed, t >> 32) part once per stretch of steps; a run across
    t = 2**32 must still equal the step-by-step draws."""
    spec = _spec(EXACT[name])
    start = 2**32 - 3000
    np.testing.assert_array_equal(spec.evaluate(range(start, start + 6000)),
                                  spec.evaluate(np.arange(start, start + 6000)))


def test_log_positive_against_libm() -> None:
    from numba import njit

    from lrspec.eval.prims import log_positive

    each = njit(lambda xs: [log_positive(x) for x in xs])
    rng = np.random.default_rng(3)
    xs = np.concatenate([rng.uniform(2.0**-32, 1.0, 200_000), 2.0 ** rng.uniform(-1020.0, 1020.0, 200_000),
                         1.0 + np.arange(1, 2000) * 2.0**-52, 1.0 - np.arange(1, 2000) * 2.0**-53,
                         [2.0**-1022, 2.0**-24, 0.5, math.sqrt(0.5), math.nextafter(math.sqrt(0.5), 0.0), 2.0,
                          1.7e308]])
    got, want = np.array(each(xs)), np.log(xs)
    assert each(np.array([1.0])) == [0.0]
    assert (np.abs(got - want) / np.spacing(np.abs(want))).max() <= 2.0


def test_float32_output_is_the_float64_value_rounded() -> None:
    spec = _spec(WARM_COSINE_RESTARTS)
    for n in (1000, 100_000):
        got = spec.evaluate(range(5, 5 + n), dtype=np.float32)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, spec.evaluate(range(5, 5 + n)).astype(np.float32))


def test_streaming_audit_matches_the_materialised_values() -> None:
    spec = _spec(FOUR_PHASES)
    lo, hi = 3, 3 + 70_000  # crosses an audit chunk and many blocks
    values = spec.evaluate(range(lo, hi))
    audit = spec.audit(lo, hi)
    assert (audit.min, audit.max, audit.count, audit.nonfinite) == (values.min(), values.max(), hi - lo, 0)
    assert audit.mean == pytest.approx(math.fsum(values.tolist()) / (hi - lo), rel=1e-15)
    assert audit.checksum == audit_checksum(range(lo, hi), values.tolist())
