"""The input rules of spec/targets.md#inputs in every generated target, run with the real frameworks.

Booleans are refused, NumPy integers are steps, a scalar step gives a scalar rate, and a number echoed in an
error is at most about 20 characters of it. The x64-dependent domain of the jax module is in test_jax.py.
"""

from __future__ import annotations

import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is first imported: no C++ info logs

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
import torch  # noqa: E402

import lrspec  # noqa: E402
from lrspec.codegen import default_class_name, generate  # noqa: E402
from lrspec.conformance import import_generated  # noqa: E402

#: Both schedules are polynomial with power 1 (spec/types/polynomial.md): (a - b) * (1 - min(t, H) / H) + b.
H = 1000
SPEC = lrspec.load({"lrspec": 1, "name": "inputs", "schedule": {"type": "polynomial", "initial_lr": 0.1,
                                                                "decay_steps": H},
                    "momentum": {"type": "polynomial", "initial_lr": 0.9, "end_lr": 0.8, "decay_steps": H}})
CLASS = default_class_name(SPEC)


def linear(a: float, b: float, t: int) -> float:
    return (a - b) * (1.0 - min(t, H) / H) + b


LR_600, MOMENTUM_600 = linear(0.1, 0.0, 600), linear(0.9, 0.8, 600)
INTEGERS = [np.int8(100), np.int16(600), np.int32(600), np.int64(600), np.uint8(200), np.uint16(600),
            np.uint32(600), np.uint64(600)]
BOOLEANS = [True, False, np.bool_(True), np.array(True), np.array([True, False])]


def _module(target: str):
    return import_generated(generate(SPEC, target), f"gen_inputs_{target}_{SPEC.digest()[:10]}")


@pytest.fixture(scope="module")
def torch_module():
    return _module("torch")


@pytest.fixture(scope="module")
def tf_module():
    return _module("tf")


@pytest.fixture(scope="module")
def jax_module():
    return _module("jax")


def _sgd():
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)


# ---- torch: lr_at, momentum_at and the scheduler's step(epoch)
@pytest.mark.parametrize("step", [*BOOLEANS, torch.tensor(True), torch.tensor([True])], ids=repr)
def test_torch_refuses_booleans(torch_module, step):
    for entry in (torch_module.lr_at, torch_module.momentum_at):
        with pytest.raises(TypeError):
            entry(step)


def test_torch_scheduler_refuses_a_boolean_epoch(torch_module):
    sched = getattr(torch_module, CLASS)(_sgd())
    with warnings.catch_warnings(), pytest.raises(TypeError, match="boolean"):
        warnings.simplefilter("ignore", UserWarning)  # torch deprecates step(epoch), but still takes it
        sched.step(True)


@pytest.mark.parametrize("step", INTEGERS, ids=lambda s: type(s).__name__)
def test_torch_takes_numpy_integers_and_gives_a_float(torch_module, step):
    t = int(step)
    for entry, a, b in ((torch_module.lr_at, 0.1, 0.0), (torch_module.momentum_at, 0.9, 0.8)):
        got = entry(step)
        assert type(got) is float
        assert got == pytest.approx(linear(a, b, t), rel=1e-15)
    assert torch_module.lr_at(torch.tensor(600)) == pytest.approx(LR_600, rel=1e-15)


def test_torch_echoes_a_huge_step_shortened(torch_module):
    for bad in (10**400, -(10**400), np.uint64(2**64 - 1)):
        with pytest.raises(ValueError, match=r"0 <= step <= 2\*\*53") as info:
            torch_module.lr_at(bad)
        assert len(str(info.value)) < 100 and "0" * 21 not in str(info.value)
    with pytest.raises(ValueError, match=r"got 1000000000\.\.\.0000 \(401 digits\)"):
        torch_module.lr_at(10**400)


# ---- tf: the schedule class (__call__), lr_at and momentum_at
@pytest.mark.parametrize("step", [*BOOLEANS, tf.constant(True), tf.constant([True, False])], ids=repr)
def test_tf_refuses_booleans(tf_module, step):
    for entry in (getattr(tf_module, CLASS)(), tf_module.lr_at, tf_module.momentum_at):
        with pytest.raises(TypeError):
            entry(step)


@pytest.mark.parametrize("step", INTEGERS, ids=lambda s: type(s).__name__)
def test_tf_takes_numpy_integers_and_gives_a_scalar(tf_module, step):
    t = int(step)
    got = getattr(tf_module, CLASS)()(step)
    assert got.shape == () and got.dtype == tf.float32
    assert float(got) == pytest.approx(linear(0.1, 0.0, t), rel=1e-6)
    got = tf_module.momentum_at(step)
    assert got.shape == () and got.dtype == tf.float64
    assert float(got) == pytest.approx(linear(0.9, 0.8, t), rel=1e-15)


def test_tf_echoes_no_long_number(tf_module):
    for bad in (10**400, 2**64):
        with pytest.raises(ValueError, match=r"0 <= step <= 2\*\*53") as info:
            getattr(tf_module, CLASS)()(bad)
        assert len(str(info.value)) < 100


# ---- jax: schedule and momentum
@pytest.mark.parametrize("count", [*BOOLEANS, jnp.asarray(True), jnp.asarray([True, False])], ids=repr)
def test_jax_refuses_booleans(jax_module, count):
    for entry in (jax_module.schedule, jax_module.momentum):
        with pytest.raises(TypeError, match="bool"):
            entry(count)
        if isinstance(count, jax.Array):
            with pytest.raises(TypeError, match="bool"):
                jax.jit(entry)(count)


@pytest.mark.parametrize("count", INTEGERS, ids=lambda s: type(s).__name__)
def test_jax_takes_numpy_integers_and_gives_a_scalar(jax_module, count):
    t = int(count)
    for entry, a, b in ((jax_module.schedule, 0.1, 0.0), (jax_module.momentum, 0.9, 0.8)):
        got = entry(count)
        assert got.shape == () and jnp.issubdtype(got.dtype, jnp.floating)
        assert float(got) == pytest.approx(linear(a, b, t), rel=1e-6)
    got = jax_module.schedule(np.array([count, 0], dtype=count.dtype))
    assert got.shape == (2,) and float(got[1]) == pytest.approx(0.1, rel=1e-6)


def test_jax_echoes_a_huge_count_shortened(jax_module):
    for entry in (jax_module.schedule, jax_module.momentum):
        for bad in (10**400, -(10**400)):
            with pytest.raises(ValueError, match=r"1000000000\.\.\.0000 \(401 digits\)") as info:
                entry(bad)
            assert len(str(info.value)) < 200 and "0" * 21 not in str(info.value)
