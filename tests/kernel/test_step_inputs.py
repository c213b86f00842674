"""The input rules of spec/targets.md#inputs on the reference evaluator: ``evaluate`` and ``audit``.

Booleans are refused, NumPy integers are accepted wherever Python integers are, a scalar step gives a Python
float, and a number echoed in an error is at most about 20 characters of it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import lrspec

#: polynomial with power 1 (spec/types/polynomial.md): lr(t) = (0.1 - 0) * (1 - min(t, H) / H) + 0
H = 1000
SPEC = lrspec.load({"lrspec": 1, "schedule": {"type": "polynomial", "initial_lr": 0.1, "decay_steps": H}})


def linear(t: int) -> float:
    return 0.1 * (1.0 - min(t, H) / H) + 0.0


INTEGERS = [600, np.int8(100), np.int16(600), np.int32(600), np.int64(600), np.uint8(200), np.uint16(600),
            np.uint32(600), np.uint64(600)]


@pytest.mark.parametrize("step", INTEGERS, ids=lambda s: type(s).__name__)
def test_numpy_integers_are_steps_and_give_a_float(step):
    got = SPEC.evaluate(step)
    assert type(got) is float
    assert got == pytest.approx(linear(int(step)), rel=1e-15)


@pytest.mark.parametrize("step", [600.0, np.float64(600.0), np.float32(600.0)], ids=repr)
def test_a_float_holding_an_integer_is_a_step_like_an_array_of_them(step):
    got = SPEC.evaluate(step)
    assert type(got) is float
    assert got == pytest.approx(linear(600), rel=1e-15)
    assert SPEC.evaluate(np.array([600.0, 0.0])).tolist() == [got, SPEC.evaluate(0)]


@pytest.mark.parametrize("step", [600.5, math.nan, math.inf, -1.0, 1e300], ids=repr)
def test_floats_that_are_not_steps_are_refused(step):
    with pytest.raises(lrspec.LrspecError, match="step"):
        SPEC.evaluate(step)


def test_zero_dimensional_arrays_stay_arrays():
    got = SPEC.evaluate(np.array(600))
    assert isinstance(got, np.ndarray) and got.shape == () and float(got) == pytest.approx(linear(600), rel=1e-15)


@pytest.mark.parametrize("steps", [True, False, np.bool_(True), np.array([True, False]), np.array(True),
                                   [True, False]], ids=repr)
def test_booleans_are_refused(steps):
    with pytest.raises(lrspec.LrspecError, match="boolean"):
        SPEC.evaluate(steps)


@pytest.mark.parametrize("start, stop", [(np.int64(0), np.int64(10)), (np.uint32(0), np.uint64(10)),
                                         (np.int8(0), 10)], ids=repr)
def test_audit_takes_numpy_integers(start, stop):
    audit = SPEC.audit(start, stop)
    assert audit == SPEC.audit(0, 10)
    assert type(audit.start) is int and type(audit.stop) is int
    assert audit.first == pytest.approx(linear(0), rel=1e-15)
    assert audit.last == pytest.approx(linear(9), rel=1e-15)
    assert audit.count == 10


@pytest.mark.parametrize("start, stop", [(True, 5), (0, np.bool_(True)), (0.0, 10), (0, "10")], ids=repr)
def test_audit_refuses_booleans_and_non_integers(start, stop):
    with pytest.raises(lrspec.LrspecError, match="must be an integer"):
        SPEC.audit(start, stop)


@pytest.mark.parametrize("call", [
    lambda: SPEC.evaluate(10**400),
    lambda: SPEC.evaluate(-(10**400)),
    lambda: SPEC.evaluate(range(0, 10**400, 10**399)),
    lambda: SPEC.audit(0, 10**400),
    lambda: SPEC.audit(10**400, 10**401),
], ids=["int", "negative", "range", "audit-stop", "audit-start"])
def test_a_huge_step_is_echoed_shortened(call):
    with pytest.raises(lrspec.LrspecError) as info:
        call()
    message = str(info.value)
    assert "0000 (40" in message and " digits)" in message
    assert "0" * 21 not in message
    assert len(message) < 160


def test_echoed_steps_name_the_offending_value():
    with pytest.raises(lrspec.LrspecError, match=r"step 9007199254740993 is outside the domain 0 <= t <= 2\*\*53"):
        SPEC.evaluate(2**53 + 1)
    with pytest.raises(lrspec.LrspecError, match=r"step -3 is outside the domain"):
        SPEC.evaluate(np.array([5, -3, 7]))
    with pytest.raises(lrspec.LrspecError, match=r"step 1e\+300 is outside the domain"):
        SPEC.evaluate(np.array([1e300]))
    with pytest.raises(lrspec.LrspecError, match=r"steps must be integers, got 600.5"):
        SPEC.evaluate(600.5)


def test_shown_cuts_numbers_to_about_20_characters():
    from lrspec.spec import shown

    assert shown(600) == "600"
    assert shown(np.int64(-7)) == "-7"
    assert shown(10**19) == "10000000000000000000"
    assert shown(10**400) == "1000000000...0000 (401 digits)"
    assert shown(-(10**20) - 5) == "-1000000000...0005 (21 digits)"
    assert shown(2**40000).startswith("an integer of 40001 bits")
    assert shown(1e300) == "1e+300"
    assert shown(np.float32(0.5)) == "0.5"
    assert shown("2.5") == "'2.5'"
    assert shown("1" * 500 + ".5") == "'1111111111...11.5' (502 characters)"
