"""Runs of steps take the kernel's segment fillers (lrspec/eval/segments.py: split at phase and cycle starts,
numbers read once, a type's fast formula); single steps and arrays take the step-by-step functions. Both give
the same values: bit for bit, or within the fast paths' bound where a cosine's fast formula applies
(spec/numerics.md#fast-paths)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import lrspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from family import EXAMPLES, FAMILY  # noqa: E402

DOCUMENTS = {p.stem: str(p) for p in EXAMPLES} | {k: {"lrspec": 1, "name": k, "schedule": v} for k, v in
                                                    FAMILY.items()}
#: Where runs start: step 0 and past 2**31 and 10**12.
STARTS = [0, 2**31 - 700, 10**12 - 300]


def _has_cosine(document) -> bool:
    text = json.dumps(document) if isinstance(document, dict) else Path(document).read_text()
    return "cosine" in text


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_runs_equal_step_by_step_values(name):
    spec = lrspec.load(DOCUMENTS[name])
    for start in STARTS:
        steps = range(start, start + 2100)
        run = spec.evaluate(steps)
        one_by_one = spec.evaluate(np.arange(start, start + 2100, dtype=np.int64))
        finite = np.isfinite(one_by_one)
        assert np.array_equal(np.isfinite(run), finite) and np.array_equal(np.isnan(run), np.isnan(one_by_one))
        if not finite.any():
            continue
        if _has_cosine(DOCUMENTS[name]):
            bound = 1e-14 * np.abs(one_by_one[finite]).max()
            assert np.abs(run[finite] - one_by_one[finite]).max() <= bound, (name, start)
        else:
            assert np.array_equal(run[finite], one_by_one[finite]), (name, start)
        assert np.array_equal(run[~finite], one_by_one[~finite], equal_nan=True)  # the same infinities


@pytest.mark.parametrize("name", ["restarts-fraction-limit", "sequence-nested-with-modifiers"])
def test_parallel_runs_and_audits_use_the_same_segments(name):
    spec = lrspec.load(DOCUMENTS[name])
    steps = range(5, 5 + 70_000)  # long enough for the parallel fillers
    values = spec.evaluate(steps)
    one_by_one = spec.evaluate(np.arange(5, 70_005, 997))
    bound = 1e-14 * np.abs(values).max() if _has_cosine(DOCUMENTS[name]) else 0.0
    assert np.abs(values[::997] - one_by_one).max() <= bound
    np.testing.assert_array_equal(spec.evaluate(steps, dtype=np.float32), values.astype(np.float32))
    audit = spec.audit(5, 70_005)
    assert (audit.min, audit.max) == (values.min(), values.max())
