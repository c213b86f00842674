"""The kernel's values, bit for bit, against a snapshot recorded before the single lowering replaced the
per-target templates (tests/kernel/snapshot/record.py). This is the one test whose expected values come from
the code itself (an earlier version of it): it guards a refactor of every formula at once, and goes when the
lowering has landed. Each document is also checked against tests/naive.py elsewhere.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import lrspec

HERE = Path(__file__).resolve().parent / "snapshot"
sys.path.insert(0, str(HERE))
from record import SAMPLED, digest, steps  # noqa: E402

SNAPSHOT = json.loads((HERE / "pre_lowering.json").read_text())
ROOT = Path(__file__).resolve().parents[2]


def _load(document: dict | str) -> lrspec.Spec:
    return lrspec.load(document if isinstance(document, dict) else ROOT / document)


@pytest.mark.parametrize("name", sorted(SNAPSHOT))
def test_values_match_the_snapshot_bit_for_bit(name):
    entry = SNAPSHOT[name]
    spec = _load(entry["document"])
    at = steps()
    values = spec.evaluate(at)
    if digest(values) != entry["digest"]:
        now = {t: float(values[np.searchsorted(at, int(t))]).hex() for t in entry["sampled"]}
        wrong = {t: (now[t], then) for t, then in entry["sampled"].items() if now[t] != then}
        pytest.fail(f"{name}: values changed; at sampled steps (now, then): {wrong or 'none of ' + str(SAMPLED)}")
    if "momentum_digest" in entry:
        assert digest(spec.momentum.evaluate(at)) == entry["momentum_digest"]
