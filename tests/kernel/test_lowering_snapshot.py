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
sys.path.insert(0, str(HERE.parents[1]))
from naive import naive_lr  # noqa: E402
from record import SAMPLED, digest, steps  # noqa: E402

SNAPSHOT = json.loads((HERE / "pre_lowering.json").read_text())
ROOT = Path(__file__).resolve().parents[2]


def _load(document: dict | str) -> lrspec.Spec:
    return lrspec.load(document if isinstance(document, dict) else ROOT / document)


def _normal_noise(node: object) -> bool:
    """Whether a document draws normal noise (the noise modifier's default distribution, or linear_cosine's)."""
    if isinstance(node, dict):
        noise = node.get("noise")
        if isinstance(noise, dict) and noise.get("distribution", "normal") == "normal":
            return True
        if node.get("type") == "linear_cosine" and node.get("initial_variance", 0) > 0:
            return True
        return any(_normal_noise(v) for v in node.values())
    if isinstance(node, list):
        return any(_normal_noise(v) for v in node)
    return False


NEW_NOISE = sorted(name for name, entry in SNAPSHOT.items() if _normal_noise(entry["document"]))


@pytest.mark.parametrize("name", sorted(set(SNAPSHOT) - set(NEW_NOISE)))
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


@pytest.mark.parametrize("name", NEW_NOISE)
def test_documents_with_new_noise_match_the_naive_reference(name):
    document = SNAPSHOT[name]["document"]
    at = [int(t) for t in SAMPLED] + list(range(0, 1500, 7))
    got = _load(document).evaluate(at)
    want = np.array([naive_lr(document, t) for t in at])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)
    assert np.array_equal(np.isnan(got), np.isnan(want))
