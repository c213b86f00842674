"""Arrays of steps: ascending blocks take the array segment fillers (a binary search for each piece's end), other
blocks go step by step, and a strided range fills its steps block by block. Every way of asking gives the value
of each step bit for bit (spec/numerics.md#fast-paths), and counters stay exact at the large steps."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

import lrspec
import lrspec.eval

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from family import FAMILY  # noqa: E402

#: One document per kind of filler: restart tables and periods, phases, warm-ups, noise (normal: the quantile over
#: a run; uniform), clamp, half-cycles of cyclical, a table lookup per step.
KINDS = ["restarts-fraction-limit", "linear-cosine-noisy-restarts", "sequence-nested-with-modifiers",
         "cyclical-triangular2-asym", "noise-uniform-additive-decay", "piecewise-linear"]
STARTS = [0, 2**31 - 700, 2**32 - 1500, 10**12 - 300]


@pytest.fixture
def segments_for_any_length(monkeypatch):
    """Small arrays take the array fillers too (by default only arrays of SEGMENTS_FROM steps or more do)."""
    monkeypatch.setattr(lrspec.eval, "SEGMENTS_FROM", 0)


def _same(a: np.ndarray, b: np.ndarray) -> None:
    np.testing.assert_array_equal(a.view(np.int64), b.view(np.int64))  # bit for bit, NaN and signed zeros too


@pytest.mark.parametrize("name", KINDS)
def test_every_way_of_asking_gives_the_same_bits(name, segments_for_any_length):
    spec = lrspec.load({"lrspec": 1, "schedule": FAMILY[name]})
    rng = np.random.default_rng(5)
    for start in STARTS:
        run = spec.evaluate(range(start, start + 3000))
        _same(spec.evaluate(np.arange(start, start + 3000)), run)
        for stride in (3, 97):
            _same(spec.evaluate(np.arange(start, start + 3000, stride)), run[::stride])
            _same(spec.evaluate(range(start, start + 3000, stride)), run[::stride])
        picks = np.sort(rng.integers(0, 3000, 5000))  # ascending, with repeats
        _same(spec.evaluate(start + picks), run[picks])
        shuffled = rng.permutation(3000)
        _same(spec.evaluate(start + shuffled), run[shuffled])
        _same(spec.evaluate(np.arange(start, start + 3000), dtype=np.float32), run.astype(np.float32))
        for t in (start, start + 1234, start + 2999):
            assert spec.evaluate(t) == run[t - start] or (math.isnan(run[t - start]) and math.isnan(spec.evaluate(t)))


def test_ascending_and_shuffled_blocks_in_one_array(segments_for_any_length):
    spec = lrspec.load({"lrspec": 1, "schedule": FAMILY["linear-cosine-noisy-restarts"]})
    run = spec.evaluate(range(20_000))
    rng = np.random.default_rng(1)
    steps = np.concatenate([np.arange(0, 5000), rng.permutation(20_000)[:7000], np.arange(9000, 20_000, 2)])
    _same(spec.evaluate(steps), run[steps])
    _same(spec.evaluate(steps[::-1]), run[steps[::-1]])
    _same(spec.evaluate(steps.reshape(2, -1)), run[steps].reshape(2, -1))


def test_a_descending_range_is_the_ascending_one_reversed():
    spec = lrspec.load({"lrspec": 1, "schedule": FAMILY["sequence-nested-with-modifiers"]})
    run = spec.evaluate(range(0, 100_000))
    _same(spec.evaluate(range(99_999, -1, -3)), run[::-1][::3])
    _same(spec.evaluate(range(99_999, -1, -1)), run[::-1])


def test_large_arrays_take_the_segment_fillers_by_default():
    spec = lrspec.load({"lrspec": 1, "schedule": FAMILY["restarts-fraction-limit"]})
    n = lrspec.eval.SEGMENTS_FROM + 5000
    run = spec.evaluate(range(n))
    _same(spec.evaluate(np.arange(n)), run)
    _same(spec.evaluate(np.arange(0, n, 7)), run[::7])
    kernel = lrspec.eval.kernel_for(spec)
    assert kernel.fill_steps64.signatures and kernel.fill_range.signatures  # the array fillers ran


def test_piecewise_boundaries_of_a_strided_array_near_2_53_are_exact(segments_for_any_length):
    bounds = [2**53 - 10**6 + 1, 2**53 - 5 * 10**5, 2**53 - 7]
    values = [0.5, 0.25, 0.125, 1.0]
    spec = lrspec.load({"lrspec": 1, "schedule": {"type": "piecewise_constant", "boundaries": bounds,
                                                  "values": values}})
    steps = np.arange(2**53 - 10**6 - 11, 2**53 + 1, 3)
    expected = [values[sum(1 for b in bounds if b <= int(t))] for t in steps]
    assert spec.evaluate(steps).tolist() == expected
    assert spec.evaluate(range(2**53 - 10**6 - 11, 2**53 + 1, 3)).tolist() == expected


def test_cosine_restarts_of_an_array_far_out_follow_the_hand_formula(segments_for_any_length):
    period = 2**24 + 1
    spec = lrspec.load({"lrspec": 1, "schedule": {"type": "cosine", "initial_lr": 1.0, "final_lr": 0.0,
                                                  "restarts": {"period": period}}})
    restart = (10**12 // period + 3) * period
    steps = np.array(sorted({10**12 + k * 4099 for k in range(5000)} | {restart - 1, restart, restart + 1}),
                     dtype=np.int64)
    got = spec.evaluate(steps)
    expected = np.array([0.5 * (1 + math.cos(math.pi * (int(t) % period) / period)) for t in steps])
    assert np.abs(got - expected).max() <= 1e-14  # the fast path's bound, peak 1 (spec/numerics.md#fast-paths)
    assert got[steps == restart].tolist() == [1.0]
