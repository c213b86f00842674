"""Fractional lengths (spec/numerics.md#lengths) against the libraries that accept them, run for real where they
install here: timm's cycle_mul and decay_t, Keras' t_mul, float first_decay_steps, decay_steps and boundaries,
torch's float CyclicLR step sizes; tensorflow-addons' fractional step_size from its formula written out by hand.

lrspec takes each length as the decimal written (2.4 = 12/5) and finds cycles and intervals exactly. Where a
library's binary floating point puts a step in another interval, the step is named here and checked against the
exact formula written out by hand (docs/compat.md, "Fractional lengths").
"""

from __future__ import annotations

import math
import os
import warnings
from fractions import Fraction

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
import torch  # noqa: E402
from libs import sgd, timm_scheduler  # noqa: E402

import lrspec  # noqa: E402

LARGE = [2**24 + 1, 2**31 + 5, 10**9 + 7, 10**12 + 11, 2**53 - 3]


def _load(schedule: dict) -> lrspec.Spec:
    return lrspec.load({"lrspec": 1, "schedule": schedule})


def _relative(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    return np.abs(got - ref) / np.abs(ref).max()


# ---------------------------------------------------------------- timm (float64)
def _timm(module: str, name: str, base_lr: float, **params):
    return timm_scheduler(module, name)(sgd(base_lr), **params)


@pytest.mark.parametrize("module,name,params", [
    ("cosine_lr", "CosineLRScheduler", dict(t_initial=100, cycle_mul=1.5, cycle_limit=40, cycle_decay=0.8)),
    ("cosine_lr", "CosineLRScheduler", dict(t_initial=10, cycle_mul=1.1, cycle_limit=400, warmup_t=3)),
    ("tanh_lr", "TanhLRScheduler", dict(t_initial=10, cycle_mul=1.2, cycle_limit=100, lr_min=1e-4)),
    ("poly_lr", "PolyLRScheduler", dict(t_initial=8, cycle_mul=2.5, cycle_limit=20, power=2.0, lr_min=1e-4)),
])
def test_timm_fractional_cycle_mul(module, name, params):
    sched = _timm(module, name, 0.1, **params)
    spec = _load({"type": f"timm.{name}", "base_lr": 0.1, **params})
    steps = list(range(20000)) + LARGE
    ref = np.array([sched._get_lr(t)[0] for t in steps])
    assert _relative(spec.evaluate(np.array(steps)), ref).max() <= 1e-12


def test_timm_fractional_decay_t_is_the_decimal_as_written():
    # 2.4 is stored below the decimal, so Python's t // 2.4 agrees with the exact quotient at every step
    steps = np.arange(5000)
    sched = _timm("step_lr", "StepLRScheduler", 0.1, decay_t=2.4, decay_rate=0.97)
    spec = _load({"type": "timm.StepLRScheduler", "base_lr": 0.1, "decay_t": 2.4, "decay_rate": 0.97})
    assert np.array_equal(spec.evaluate(steps), [sched._get_lr(int(t))[0] for t in steps])
    # 2.2 is stored above it: at t = 11k, where t / 2.2 = 5k exactly, Python's t // 2.2 is 5k - 1
    sched = _timm("step_lr", "StepLRScheduler", 0.1, decay_t=2.2, decay_rate=0.97)
    spec = _load({"type": "timm.StepLRScheduler", "base_lr": 0.1, "decay_t": 2.2, "decay_rate": 0.97})
    got, ref = spec.evaluate(steps), np.array([sched._get_lr(int(t))[0] for t in steps])
    differ = steps[got != ref]
    assert differ.tolist() == list(range(11, 5000, 11))
    exact = np.array([0.1 * 0.97 ** float(t * 5 // 11) for t in steps])
    assert np.array_equal(got, exact)
    assert all(ref[t] == 0.1 * 0.97 ** float(t * 5 // 11 - 1) for t in differ)


# ---------------------------------------------------------------- Keras (float32, step cast to float32)
S = keras.optimizers.schedules


def _keras(schedule, steps) -> np.ndarray:
    return np.asarray(schedule(tf.constant(np.asarray(steps, dtype=np.int64))), dtype=np.float64)


@pytest.mark.parametrize("params", [
    dict(initial_learning_rate=0.1, first_decay_steps=10, t_mul=1.5, m_mul=0.9, alpha=0.1),
    dict(initial_learning_rate=0.1, first_decay_steps=2.5, t_mul=1.5),
])
def test_keras_cosine_decay_restarts_fractional(params):
    steps = np.arange(100000)
    got = _load({"type": "keras.CosineDecayRestarts", **params}).evaluate(steps)
    assert _relative(got, _keras(S.CosineDecayRestarts(**params), steps)).max() <= 1e-6


def restarts_exact(t: int, first: str, t_mul: str, init: float = 0.1) -> float:
    """Keras' formula with exact rational cycles: cycle i of first * t_mul**i steps."""
    length, mul = Fraction(first), Fraction(t_mul)
    if mul == 1:
        i = math.floor(t / length)
        start = i * length
    else:
        i, start = 0, Fraction(0)
        while t >= start + length:
            start, length, i = start + length, length * mul, i + 1
    return init * 0.5 * (1 + math.cos(math.pi * float((t - start) / length)))


def test_keras_cosine_decay_restarts_fractional_period_far_out():
    # with t_mul 1, Keras finds the position as frac(t / 7.5) in float32: far out it is off by the spacing of
    # float32 near t / 7.5, while lrspec's position is exact
    params = dict(initial_learning_rate=0.1, first_decay_steps=7.5, t_mul=1.0)
    spec = _load({"type": "keras.CosineDecayRestarts", **params})
    steps = np.arange(240)
    assert _relative(spec.evaluate(steps), _keras(S.CosineDecayRestarts(**params), steps)).max() <= 1e-6
    far = np.array([10**5 + 1, 10**6 + 3, *LARGE])
    exact = np.array([restarts_exact(int(t), "7.5", "1") for t in far])
    assert _relative(spec.evaluate(far), exact).max() <= 1e-12
    assert _relative(_keras(S.CosineDecayRestarts(**params), far[:2]), exact[:2]).max() > 1e-4


def test_keras_decay_steps_and_boundaries_fractional():
    steps = np.arange(5000)
    for kind, params in [("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=2.4, decay_rate=0.97)),
                         ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=2.2, decay_rate=0.97,
                                                   staircase=True)),
                         ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=2.5, decay_rate=0.5,
                                                   staircase=True)),
                         ("PiecewiseConstantDecay", dict(boundaries=[2.5, 10.0, 10.7, 11.2, 4000.5],
                                                         values=[1.0, 0.5, 0.25, 0.125, 0.0625, 0.03]))]:
        got = _load({"type": f"keras.{kind}", **params}).evaluate(steps)
        assert _relative(got, _keras(getattr(S, kind)(**params), steps)).max() <= 1e-6, (kind, params)


def test_keras_float32_staircase_misses_exact_decimal_steps():
    # float32(2.4) is above 2.4, so at t = 12k Keras' floor(t / 2.4) is 5k - 1; lrspec's is 5k, the decimal's
    steps = np.arange(5000)
    params = dict(initial_learning_rate=0.1, decay_steps=2.4, decay_rate=0.97, staircase=True)
    got = _load({"type": "keras.ExponentialDecay", **params}).evaluate(steps)
    ref = _keras(S.ExponentialDecay(**params), steps)
    assert np.array_equal(got, [0.1 * 0.97 ** float(t * 5 // 12) for t in steps])
    differ = steps[_relative(got, ref) > 1e-6]
    assert differ.size > 0 and all(t % 12 == 0 for t in differ)


# ---------------------------------------------------------------- torch CyclicLR (float64)
@pytest.mark.parametrize("params", [
    dict(base_lr=0.001, max_lr=0.01, step_size_up=2.5, step_size_down=3.75, mode="triangular2"),
    dict(base_lr=0.001, max_lr=0.01, step_size_up=12.4, mode="exp_range", gamma=0.999),
])
def test_torch_cyclic_lr_fractional_step_sizes(params):
    opt = sgd(params["base_lr"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = torch.optim.lr_scheduler.CyclicLR(opt, cycle_momentum=False, **params)
        ref = []
        for _ in range(3000):
            ref.append(opt.param_groups[0]["lr"])
            sched.step()
    got = _load({"type": "torch.CyclicLR", **params}).evaluate(np.arange(3000))
    assert _relative(got, np.array(ref)).max() <= 1e-12


# ---------------------------------------------------------------- tensorflow-addons, from its source
def tfa_exact(step: int, initial: float, maximal: float, step_size: str) -> float:
    """tfa's CyclicalLearningRate (tensorflow_addons/optimizers/cyclical_learning_rate.py) with triangular2's
    scale, in exact rationals: cycle = floor(1 + step / (2 step_size)), x = |step / step_size - 2 cycle + 1|."""
    size = Fraction(step_size)
    cycle = math.floor(1 + step / (2 * size))
    x = abs(step / size - 2 * cycle + 1)
    return initial + (maximal - initial) * float(max(0, 1 - x)) * 0.5 ** (cycle - 1)


def test_tfa_fractional_step_size():
    spec = _load({"type": "tfa.Triangular2CyclicalLearningRate", "initial_learning_rate": 1e-3,
                  "maximal_learning_rate": 1e-2, "step_size": 2.5})
    steps = list(range(400)) + LARGE
    ref = np.array([tfa_exact(t, 1e-3, 1e-2, "2.5") for t in steps])
    assert _relative(spec.evaluate(np.array(steps)), ref).max() <= 1e-12


# ---------------------------------------------------------------- docs/recipes.md, "Fractional lengths"
def test_recipe_efficientnet_decay_every_2_4_epochs():
    sched = _timm("step_lr", "StepLRScheduler", 0.016, decay_t=2.4, decay_rate=0.97, warmup_t=3,
                  warmup_lr_init=1e-6, warmup_prefix=False)
    spec = lrspec.load({"lrspec": 1, "unit": "epoch", "schedule": {
        "type": "exponential", "initial_lr": 0.016, "decay_rate": 0.97, "decay_steps": 2.4, "staircase": True,
        "warmup": {"steps": 3, "initial_lr": 1e-6, "prefix": False, "target_lr": 0.016}}})
    epochs = np.arange(450)
    assert _relative(spec.evaluate(epochs), np.array([sched._get_lr(int(e))[0] for e in epochs])).max() <= 1e-12
    assert spec.evaluate(24) == pytest.approx(0.016 * 0.97**10, rel=1e-15)  # 24 / 2.4 = 10 exactly


def test_recipe_sgdr_cycles_growing_by_1_5():
    spec = _load({"type": "cosine", "initial_lr": 0.1, "alpha": 0.01,
                  "restarts": {"period": 10, "period_mul": 1.5, "decay": 0.9}})
    steps = np.arange(100000)
    ref = _keras(S.CosineDecayRestarts(0.1, 10, t_mul=1.5, m_mul=0.9, alpha=0.01), steps)
    assert _relative(spec.evaluate(steps), ref).max() <= 1e-6
    far = [10**9 + 7, 2**53 - 3]
    exact = [0.1 * ((1 - 0.01) * 0.9 ** _cycle(t, "10", "1.5") * restarts_exact(t, "10", "1.5", 1.0) + 0.01)
             for t in far]
    assert _relative(spec.evaluate(np.array(far)), np.array(exact)).max() <= 1e-12


def _cycle(t: int, first: str, t_mul: str) -> int:
    i, start, length = 0, Fraction(0), Fraction(first)
    while t >= start + length:
        start, length, i = start + length, length * Fraction(t_mul), i + 1
    return i


def test_recipe_tfa_half_cycles_of_2_5_steps():
    spec = _load({"type": "cyclical", "initial_lr": 1e-3, "maximal_lr": 1e-2, "step_size": 2.5,
                  "mode": "triangular2"})
    steps = list(range(400)) + LARGE
    ref = np.array([tfa_exact(t, 1e-3, 1e-2, "2.5") for t in steps])
    assert _relative(spec.evaluate(np.array(steps)), ref).max() <= 1e-12
