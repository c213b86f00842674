"""Every type and modifier, in the conformance family's documents, against the independent reference
tests/naive.py (written from spec/ alone): the kernel's single lowering is checked by an oracle that shares
nothing with it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import lrspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from family import FAMILY, FAMILY_DOCUMENTS  # noqa: E402
from naive import naive_lr  # noqa: E402

STEPS = sorted({*range(0, 120), *range(120, 2100, 37), 2**24 + 1, 2**31 - 1, 2**31 + 5, 10**12, 2**53})


@pytest.mark.parametrize("name", sorted(FAMILY) + sorted(FAMILY_DOCUMENTS))
def test_the_kernel_agrees_with_the_naive_reference(name):
    document = FAMILY_DOCUMENTS.get(name) or {"lrspec": 1, "name": name, "schedule": FAMILY[name]}
    got = lrspec.load(document).evaluate(np.array(STEPS, dtype=np.int64))
    want = np.array([naive_lr(document, t) for t in STEPS])
    assert np.array_equal(np.isnan(got), np.isnan(want))
    finite = np.isfinite(want)
    assert np.array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-12, atol=1e-300)
