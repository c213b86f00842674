"""The product type in the reference kernel: the worked examples of spec/types/product.md and spec/composition.md
by hand, and the conformance family's product (modifiers on the product and on its children, nested products) against
the independent reference tests/naive.py, for single steps, arrays and ranges, dense and at large counters."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

import lrspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from family import FAMILY  # noqa: E402
from naive import naive_lr  # noqa: E402

LARGE = [2**24, 2**24 + 1, 2**31 - 1, 2**31 + 5, 10**12, 2**53 - 1, 2**53]


def _document(schedule: dict) -> dict:
    return {"lrspec": 1, "name": "product", "schedule": schedule}


# spec/types/product.md#example: 0.05 * 0.9 ** t, times 0.1 before step 20
CHAINED = {"type": "product",
           "base": {"type": "exponential", "initial_lr": 0.05, "decay_rate": 0.9, "decay_steps": 1},
           "factors": [{"type": "piecewise_constant", "boundaries": [20], "values": [0.1, 1.0]}]}


def chained_by_hand(t: int) -> float:
    base = 0.05 * math.pow(0.9, float(t) / 1.0)  # spec/types/exponential.md: e = real(t) / real(H)
    return base * (0.1 if t < 20 else 1.0)


def test_the_example_of_the_type_page():
    spec = lrspec.load(_document(CHAINED))
    assert spec.evaluate(0) == 0.005000000000000001  # 0.05 * 0.1, as the page writes it
    assert spec.evaluate(20) == 0.006078832729528468
    steps = [0, 1, 2, 19, 20, 21, 100, 1000, 2**24 + 1]
    for t, got in zip(steps, spec.evaluate(steps), strict=True):
        assert got == pytest.approx(chained_by_hand(t), rel=1e-15, abs=0), t


def test_the_example_of_the_composition_page_clamps_the_product():
    spec = lrspec.load(_document({
        "type": "product", "base": {"type": "cosine", "initial_lr": 0.1, "decay_steps": 10000},
        "factors": [{"type": "piecewise_constant", "boundaries": [5000], "values": [1.0, 0.5]}],
        "clamp": {"min_lr": 1.0e-5}}))
    # cos(0) = 1 and cos(pi) = -1 exactly; at pi / 2, 1 + cos rounds to 1: the base is 0.05
    assert spec.evaluate([0, 5000, 10000, 10**12]).tolist() == [0.1, 0.025, 1e-5, 1e-5]


def test_zero_times_inf_is_nan_as_ieee_says():
    spec = lrspec.load(_document({"type": "product", "base": {"type": "constant", "lr": 0.0},
                                  "factors": [{"type": "expression", "expr": "1 / (t - 5)"}]}))
    got = spec.evaluate(np.arange(8))
    assert np.isnan(got[5]) and np.array_equal(np.delete(got, 5), np.zeros(7))  # 0 * -0.2 is -0.0 == 0


@pytest.fixture(scope="module")
def family_product():
    document = _document(FAMILY["product-nested-with-modifiers"])
    return lrspec.load(document), document


def test_dense_range_and_array_agree_with_the_naive_reference(family_product):
    spec, document = family_product
    want = np.array([naive_lr(document, t) for t in range(3000)])
    by_range = spec.evaluate(range(3000))
    np.testing.assert_allclose(by_range, want, rtol=1e-12, atol=0)
    assert np.array_equal(spec.evaluate(np.arange(3000)), by_range)
    assert np.array_equal(spec.evaluate(np.arange(2999, -1, -1)), by_range[::-1])  # unsorted: step by step


def test_large_counters_agree_with_the_naive_reference(family_product):
    spec, document = family_product
    steps = sorted({t + d for t in LARGE for d in (-2, -1, 0, 1, 2) if 0 <= t + d <= 2**53})
    want = np.array([naive_lr(document, t) for t in steps])
    got = spec.evaluate(np.array(steps, dtype=np.int64))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    assert [spec.evaluate(t) for t in steps] == got.tolist()
    # a range across 2**31, where a 32-bit counter would wrap, gives the values of its steps one by one
    across = range(2**31 - 500, 2**31 + 500)
    by_range = spec.evaluate(across)
    assert np.array_equal(by_range, spec.evaluate(np.array(across, dtype=np.int64)))
    np.testing.assert_allclose(by_range[::97], [naive_lr(document, t) for t in across[::97]], rtol=1e-12, atol=0)
