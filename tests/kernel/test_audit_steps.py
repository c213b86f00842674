"""``spec.audit(steps)``: the streaming audit of a range or an array of steps, in their order.

Expected statistics are reductions written out here (``math.fsum``, the checksum of tests/naive.py) over the
values the evaluator gives at the same steps, and the audit of a contiguous range where the steps are one.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

import lrspec
from lrspec.eval.auditing import AUDIT_CHUNK

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from naive import audit_checksum, naive_lr  # noqa: E402

DOC = {"lrspec": 1, "schedule": {"type": "cosine", "initial_lr": 0.1, "final_lr": 1e-5, "warmup": {"steps": 700},
                                 "restarts": {"period": 9000, "period_mul": 2.0, "decay": 0.5},
                                 "noise": {"seed": 3, "distribution": "uniform", "pct": 0.01}}}


@pytest.fixture(scope="module")
def spec() -> lrspec.Spec:
    return lrspec.load(DOC)


def _expected(spec: lrspec.Spec, steps: np.ndarray) -> dict:
    values = spec.evaluate(steps)
    return {"count": len(steps), "min": values.min(), "max": values.max(), "nonfinite": 0,
            "first": naive_lr(DOC, int(steps[0])), "last": naive_lr(DOC, int(steps[-1])),
            "start": int(steps.min()), "stop": int(steps.max()) + 1,
            "checksum": audit_checksum(steps.tolist(), values.tolist()),
            "mean": math.fsum(values.tolist()) / len(steps)}


def _check(audit: lrspec.Audit, want: dict) -> None:
    got = audit.as_dict()
    mean = got.pop("mean")
    assert mean == pytest.approx(want.pop("mean"), rel=1e-15)
    assert got["first"] == pytest.approx(want.pop("first"), rel=1e-13)
    assert got["last"] == pytest.approx(want.pop("last"), rel=1e-13)
    assert {k: got[k] for k in want} == want


def test_an_array_spanning_many_chunks_reduces_its_values(spec: lrspec.Spec) -> None:
    rng = np.random.default_rng(1)
    steps = np.sort(rng.integers(0, 10**9, size=3 * AUDIT_CHUNK + 17))  # ascending: the segment fillers
    _check(spec.audit(steps), _expected(spec, steps))


def test_an_unsorted_array_with_repeats_counts_each_step_in_its_order(spec: lrspec.Spec) -> None:
    rng = np.random.default_rng(2)
    steps = rng.integers(0, 50_000, size=AUDIT_CHUNK + 5)
    steps[7] = steps[3]
    _check(spec.audit(steps), _expected(spec, steps))
    _check(spec.audit(steps.tolist()), _expected(spec, steps))


def test_a_permutation_of_a_range_has_the_range_audits_statistics(spec: lrspec.Spec) -> None:
    lo, hi = 11, 11 + 2 * AUDIT_CHUNK + 300
    whole = spec.audit(lo, hi)
    shuffled = np.random.default_rng(3).permutation(np.arange(lo, hi))
    got = spec.audit(shuffled)
    assert (got.start, got.stop, got.count, got.min, got.max, got.nonfinite, got.checksum) == \
        (whole.start, whole.stop, whole.count, whole.min, whole.max, whole.nonfinite, whole.checksum)
    assert got.mean == pytest.approx(whole.mean, rel=1e-15)
    assert (got.first, got.last) == (spec.evaluate(int(shuffled[0])), spec.evaluate(int(shuffled[-1])))


def test_ranges_given_as_steps(spec: lrspec.Spec) -> None:
    assert spec.audit(range(5, 80_000)) == spec.audit(5, 80_000)
    strided = range(10**12, 10**12 + 7 * 90_000, 7)
    _check(spec.audit(strided), _expected(spec, np.arange(strided.start, strided.stop, 7)))
    descending = spec.audit(strided[::-1])
    assert (descending.first, descending.last) == (spec.evaluate(strided[-1]), spec.evaluate(strided[0]))
    assert descending.checksum == spec.audit(strided).checksum


def test_float_steps_holding_integers_are_steps(spec: lrspec.Spec) -> None:
    steps = np.arange(0, 40_000, 3)
    assert spec.audit(steps.astype(np.float64)) == spec.audit(steps)


@pytest.mark.parametrize(("steps", "message"), [
    (np.r_[np.arange(AUDIT_CHUNK + 10), -4], "step -4 is outside the domain"),
    (np.r_[np.arange(2 * AUDIT_CHUNK), 2**53 + 1, 0], "step 9007199254740993 is outside the domain"),
    (np.array([2**63 + 5], dtype=np.uint64), "is outside the domain"),
    (np.array([1.5, 2.0]), "steps must be integers, got 1.5"),
    (np.array([], dtype=np.int64), "there are no steps to audit"),
    (range(4, 4), "there are no steps to audit"),
    (np.int64(5), "got one step"),
])
def test_bad_steps_are_refused_with_the_step(spec: lrspec.Spec, steps, message: str) -> None:
    with pytest.raises(lrspec.LrspecError, match=message):
        spec.audit(steps)
