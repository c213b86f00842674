"""Spec fuzzing: random valid documents (every type, modifier and nesting) never crash the kernel, audit counts
what evaluation shows, and the generated torch, tf and jax modules compile, run and conform.

Each drawn document is a sequence of several random nodes, so one kernel compilation (1-3 s) covers many of
them. CI runs a fixed, derandomized budget; ``pytest --fuzz-long`` runs many more (tests/conftest.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lrspec
from lrspec.conformance import check, default_steps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from spec_strategies import node  # noqa: E402

SCALE = max(1, int(os.environ.get("LRSPEC_FUZZ_SCALE", "1")))
FIXED = SCALE == 1
PHASE = 300
SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def _sequence_of(nodes: list[dict]) -> dict:
    phases = [{**n, "steps": PHASE} for n in nodes[:-1]] + [nodes[-1]]
    return {"lrspec": 1, "name": "fuzzed", "schedule": {"type": "sequence", "phases": phases}}


def _audit_agrees(spec: lrspec.Spec, stop: int) -> None:
    values = spec.evaluate(range(stop))
    audit = spec.audit(0, stop)
    finite = values[np.isfinite(values)]
    assert audit.nonfinite == int(np.sum(~np.isfinite(values)))
    assert audit.count == stop
    assert (audit.first, audit.last) == (values[0], values[-1]) or np.isnan([audit.first, audit.last]).any()
    if finite.size:
        assert (audit.min, audit.max) == (finite.min(), finite.max())
        assert abs(audit.mean - finite.mean()) <= 1e-12 * max(1.0, float(np.abs(finite).max()))


@settings(max_examples=2 * SCALE, deadline=None, derandomize=FIXED, database=None, suppress_health_check=SLOW)
@given(st.lists(node(max_depth=1), min_size=4, max_size=5))
def test_kernel_audit_and_every_target_conform(nodes):
    spec = lrspec.load(_sequence_of(nodes))
    steps = default_steps(dense=len(nodes) * PHASE + 200)
    values = spec.evaluate(steps)
    assert values.shape == steps.shape
    _audit_agrees(spec, len(nodes) * PHASE + 100)
    for target in ("torch", "tf", "jax"):
        report = check(spec, target, steps)
        assert report.passed, f"{target}: {report.detail}\n{spec.canonical_json()}"


@settings(max_examples=1 * SCALE, deadline=None, derandomize=FIXED, database=None, suppress_health_check=SLOW)
@given(node(max_depth=1), st.integers(1, 50))
def test_audit_flags_non_finite_values(first, length):
    # after any node, a phase that is nan for t < 3, -inf at 3 (log 0) and +inf at 7 (1 / 0): five values
    spec = lrspec.load({"lrspec": 1, "schedule": {"type": "sequence", "phases": [
        {**first, "steps": length}, {"type": "expression", "expr": "1 / (t - 7) + log(t - 3)"}]}})
    audit = spec.audit(0, length + 20)
    assert audit.nonfinite == 5 + int(np.sum(~np.isfinite(spec.evaluate(range(length)))))
    _audit_agrees(spec, length + 20)
    tail = spec.evaluate(range(length, length + 8))
    assert np.isnan(tail[:3]).all() and tail[3] == -np.inf and tail[7] == np.inf
