"""Keras 3 schedules and TF1's linear-cosine decays against lrspec's ``keras.*`` aliases, run with the real library.

Keras (``keras/src/optimizers/schedules/learning_rate_schedule.py``, Keras 3.15 on TF 2.21) and TF1
(``tf.compat.v1.train.linear_cosine_decay`` / ``noisy_linear_cosine_decay``, evaluated eagerly) compute in
float32 after casting the step to float32. Where that is exact (steps < 2**24, or steps clipped to a short
horizon) the alias must agree within 1e-6 of the peak |lr|; beyond, lrspec is checked against the intended
formula written out here in float64, and the tests show where Keras's float32 counter goes wrong.
Known Keras bugs are excluded by name, with a reference to docs/compat.md ("Keras").
"""

from __future__ import annotations

import itertools
import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

import lrspec  # noqa: E402
from lrspec.codegen import generate  # noqa: E402
from lrspec.conformance import check, import_generated  # noqa: E402
from lrspec.expand import core_mapping  # noqa: E402

S = keras.optimizers.schedules
TOL = 1e-6
#: Steps far out where a clipped horizon keeps Keras's float32 arithmetic exact.
FAR = [10**6, 2**24 - 1, 2**24, 2**24 + 1, 10**9, 2**31 + 5, 2**53]


def _alias(kind: str, **params) -> lrspec.Spec:
    return lrspec.load({"lrspec": 1, "schedule": {"type": f"keras.{kind}", **params}})


def keras_vector(schedule, steps) -> np.ndarray:
    """One call on an int64 step vector (optimizer.iterations is int64)."""
    return np.asarray(schedule(tf.constant(np.asarray(steps, dtype=np.int64))), dtype=np.float64)


def keras_scalar(schedule, steps) -> np.ndarray:
    """One scalar call per step, as an optimizer does it."""
    return np.array([float(schedule(tf.constant(int(t), tf.int64))) for t in steps])


def assert_matches(got: np.ndarray, ref: np.ndarray, steps: np.ndarray, known_bugs=()) -> None:
    """Within TOL of the peak at every step but the named known bugs, which must really be Keras errors."""
    steps = np.asarray(steps)
    peak = np.abs(ref).max()
    err = np.abs(got - ref) / peak
    excluded = np.isin(steps, list(known_bugs))
    bad = steps[(err > TOL) & ~excluded]
    assert bad.size == 0, f"steps {bad[:10].tolist()} differ by up to {err[~excluded].max():.3g} of the peak"
    stale = steps[excluded & (err <= TOL)]
    assert stale.size == 0, f"known bugs {stale.tolist()} no longer differ; remove them from the list"
    assert excluded.sum() == len(known_bugs), "a known-bug step is not among the compared steps"


def dense(period: int, cycles: int = 3, extra=()) -> np.ndarray:
    return np.unique(np.concatenate([np.arange(cycles * period + 2), np.asarray(extra, dtype=np.int64)]))


# ------------------------------------------------------------------------------------------------ CosineDecay

COSINE = [
    # seed examples: (initial_learning_rate, decay_steps, alpha)
    (1e-2, 50, 1e-2),
    (1e-2, 50, 0.0),
    (1e-3, 50, 1e-2),
    (0.1, 1000, 0.0),
    (0.3, 7, 0.5),
    (0.1, 10**7, 0.05),
    (0.01, 40, 3.0),                  # alpha > 1: Keras's cosine rises to 0.03 (core final_lr form)
]


@pytest.mark.parametrize("init,decay,alpha", COSINE)
def test_cosine_decay(init, decay, alpha):
    spec = _alias("CosineDecay", initial_learning_rate=init, decay_steps=decay, alpha=alpha)
    if decay > 10**5:
        steps = np.unique(np.concatenate([np.linspace(0, 3 * decay, 3001).astype(np.int64), FAR]))
    else:
        steps = dense(decay, extra=FAR)
    assert_matches(spec.evaluate(steps), keras_vector(S.CosineDecay(init, decay, alpha), steps), steps)
    assert spec.evaluate(2**53) == init * alpha


WARMUP = [
    # (initial_learning_rate, decay_steps, alpha, warmup_target, warmup_steps)
    (0.0, 100, 0.01, 0.1, 20),            # the Keras docstring's example, shorter
    (1e-3, 50, 0.0, 1e-2, 7),
    (0.5, 60, 0.1, 0.1, 0),               # warmup_steps 0: the initial rate is not used at all
    (0.0, 30, 2.0, 0.01, 10),             # alpha > 1
]


@pytest.mark.parametrize("init,decay,alpha,target,warmup", WARMUP)
def test_cosine_decay_with_warmup(init, decay, alpha, target, warmup):
    spec = _alias("CosineDecay", initial_learning_rate=init, decay_steps=decay, alpha=alpha,
                  warmup_target=target, warmup_steps=warmup)
    steps = dense(warmup + decay, cycles=2, extra=[10**6, 2**24 + 1, 2**53])
    # Keras's ops.cond needs a scalar predicate: one call per step (docs/compat.md)
    ref = keras_scalar(S.CosineDecay(init, decay, alpha, warmup_target=target, warmup_steps=warmup), steps)
    assert_matches(spec.evaluate(steps), ref, steps)
    assert spec.evaluate(0) == (init if warmup else target)


def test_cosine_decay_ignores_warmup_steps_without_a_target():
    spec = _alias("CosineDecay", initial_learning_rate=0.05, decay_steps=80, warmup_steps=10)
    steps = dense(80, extra=FAR)
    assert_matches(spec.evaluate(steps), keras_vector(S.CosineDecay(0.05, 80, warmup_steps=10), steps), steps)
    assert spec.evaluate(0) == 0.05


# -------------------------------------------------------------------------------------- CosineDecayRestarts

RESTARTS = [
    # (initial_learning_rate, first_decay_steps, t_mul, m_mul, alpha, cycles, known bugs of a vector call)
    (0.1, 100, 2.0, 1.0, 0.0, 5, ()),
    (0.1, 100, 2.0, 0.5, 0.01, 5, ()),
    (1e-3, 50, 3.0, 0.8, 0.1, 4, ()),
    (0.05, 7, 1.0, 0.9, 0.0, 10, ()),
    (2e-3, 30, 1.0, 1.0, 0.2, 4, ()),
    (1e-2, 20, 2.0, 0.5, 4.0, 5, ()),     # alpha > 1: rising cosines; m_mul scales the part below the top
    # Keras finds the cycle with a float32 floor(log(1 + step / first * (t_mul - 1)) / log(t_mul)); at
    # 32767 = 2**15 - 1, the start of cycle 15, it rounds down into cycle 14 and returns its end, the floor
    # (docs/compat.md)
    (0.1, 1, 2.0, 0.5, 0.1, 16, (32767,)),
    # ... and at 885729, the last step of cycle 10 (cycle 11 starts at 10 * (3**11 - 1) / 2 = 885730), it rounds
    # up into cycle 11 and returns the restart peak
    (0.1, 10, 3.0, 1.0, 0.0, 12, (885729,)),
]


def _cycle_starts(first: int, t_mul: float, n: int) -> list[int]:
    starts, length = [0], first
    for _ in range(n):
        starts.append(starts[-1] + length)
        length *= int(t_mul)
    return starts


@pytest.mark.parametrize("init,first,t_mul,m_mul,alpha,cycles,bugs", RESTARTS)
def test_cosine_decay_restarts(init, first, t_mul, m_mul, alpha, cycles, bugs):
    spec = _alias("CosineDecayRestarts", initial_learning_rate=init, first_decay_steps=first, t_mul=t_mul,
                  m_mul=m_mul, alpha=alpha)
    starts = _cycle_starts(first, t_mul, cycles)
    # dense over the cycles, and far out (< 2**24) a quarter, half and three quarters into later cycles: near a
    # cycle boundary the float32 log misplaces steps (test_cosine_decay_restarts_float_log_bugs)
    far = [a + (b - a) * k // 4 for a, b in itertools.pairwise(_cycle_starts(first, t_mul, 60)) for k in (1, 2, 3)]
    far = [t for t in far if starts[-1] < t < 2**24]
    steps = np.unique(np.concatenate([np.arange(starts[-1] + 1), np.asarray(far, dtype=np.int64)]))
    ref = keras_vector(S.CosineDecayRestarts(init, first, t_mul, m_mul, alpha), steps)
    assert_matches(spec.evaluate(steps), ref, steps, bugs)


def restarts_exact(t: int, init: float, first: int, t_mul: int, m_mul: float, alpha: float) -> float:
    """The intended formula in float64 with integer cycles."""
    if t_mul == 1:
        i, length = t // first, first
        start = i * first
    else:
        i, start, length = 0, 0, first
        while t >= start + length:
            start, length, i = start + length, length * t_mul, i + 1
    c = 0.5 * (1 + math.cos(math.pi * (t - start) / length))
    return init * ((1 - alpha) * m_mul**i * c + alpha)


def test_cosine_decay_restarts_float_log_bugs():
    keras_sched = S.CosineDecayRestarts(0.1, 100, 2.0)
    spec = _alias("CosineDecayRestarts", initial_learning_rate=0.1, first_decay_steps=100)
    # 819100 = 100 * (2**13 - 1) starts cycle 13: the peak 0.1; one scalar call of Keras puts it at the end of
    # cycle 12 (position 1.0 of the cosine) and returns the floor 0
    t = 819100
    assert spec.evaluate(t) == 0.1
    assert abs(float(keras_sched(tf.constant(t, tf.int64)))) < 1e-7
    assert spec.evaluate(t - 1) == pytest.approx(restarts_exact(t - 1, 0.1, 100, 2, 1.0, 0.0), rel=1e-12)
    # first_decay_steps 1: 8191 = 2**13 - 1 starts cycle 13, Keras (scalar) returns the floor there too
    spec1 = _alias("CosineDecayRestarts", initial_learning_rate=0.1, first_decay_steps=1)
    assert spec1.evaluate(8191) == 0.1
    assert abs(float(S.CosineDecayRestarts(0.1, 1)(tf.constant(8191, tf.int64)))) < 1e-7
    # beyond 2**24 the float32 counter cannot place a step within a cycle at all; lrspec is exact
    for t in (2**24 + 1, 10**9, 2**53 - 5):
        for params in ((0.1, 100, 2, 1.0, 0.0), (1e-3, 50, 3, 0.8, 0.1), (0.05, 7, 1, 0.9, 0.0),
                       (1e-2, 20, 2, 0.5, 4.0)):
            init, first, t_mul, m_mul, alpha = params
            got = _alias("CosineDecayRestarts", initial_learning_rate=init, first_decay_steps=first,
                         t_mul=t_mul, m_mul=m_mul, alpha=alpha).evaluate(t)
            assert got == pytest.approx(restarts_exact(t, *params), rel=1e-10, abs=1e-12 * init)


# ----------------------------------------------------------------------------------------- ExponentialDecay

EXPONENTIAL = [
    # (initial, decay_steps, decay_rate, staircase, far steps). Keras rounds decay_rate to float32 and the
    # power multiplies that error by the exponent: 0.999 ** (10**4 / 7) is already 1.8e-5 off (docs/compat.md),
    # so the far steps are for rates exact in float32 (0.5, 1 - 2**-9) or with a small exponent there
    (0.1, 1000, 0.96, False, [10**4, 123457]),
    (0.1, 100, 0.5, True, [10**4, 123457, 10**6 + 3]),
    (1e-3, 7, 0.999, False, [70, 71]),
    (1e-3, 7, 1 - 2**-9, False, [10**4, 123457]),
    (0.1, 97, 0.9, True, [971, 9701]),
    (2.0, 1, 0.99, False, [30]),
]


@pytest.mark.parametrize("init,decay,rate,staircase,far", EXPONENTIAL)
def test_exponential_decay(init, decay, rate, staircase, far):
    spec = _alias("ExponentialDecay", initial_learning_rate=init, decay_steps=decay, decay_rate=rate,
                  staircase=staircase)
    steps = dense(decay, cycles=5, extra=far)
    ref = keras_vector(S.ExponentialDecay(init, decay, rate, staircase), steps)
    assert_matches(spec.evaluate(steps), ref, steps)


def test_exponential_staircase_float32_counter():
    rate = 1 - 2**-16                      # exact in float32, so only the counter can go wrong
    # 2**24 + 1 = 97 * 172961: the 172961st decay starts there; Keras casts the step to float32 = 2**24
    spec = _alias("ExponentialDecay", initial_learning_rate=0.1, decay_steps=97, decay_rate=rate, staircase=True)
    keras_sched = S.ExponentialDecay(0.1, 97, rate, staircase=True)
    t = 2**24 + 1
    exact = 0.1 * rate ** float(t // 97)
    assert (t // 97) == 172961
    assert spec.evaluate(t) == pytest.approx(exact, rel=1e-13)
    got = float(keras_sched(tf.constant(t, tf.int64)))
    assert got == pytest.approx(0.1 * rate ** 172960.0, rel=1e-5)     # one decay short
    assert abs(got - exact) / exact > 1e-5
    # decay_steps 1000 at 10**9 - 1: 999999 decays; float32 rounds the step to 10**9 and applies 1000000
    spec = _alias("ExponentialDecay", initial_learning_rate=0.1, decay_steps=1000, decay_rate=rate, staircase=True)
    keras_sched = S.ExponentialDecay(0.1, 1000, rate, staircase=True)
    for t, keras_periods in ((10**9 - 1, 10**6), (10**9, 10**6)):
        exact = 0.1 * rate ** float(t // 1000)
        assert spec.evaluate(t) == pytest.approx(exact, rel=1e-13)
        got = float(keras_sched(tf.constant(t, tf.int64)))
        assert got == pytest.approx(0.1 * rate ** float(keras_periods), rel=1e-5)
    assert abs(float(keras_sched(tf.constant(10**9 - 1, tf.int64))) / (0.1 * rate ** 999999.0) - 1) > 1e-5
    for t in (2**31 + 5, 2**53):           # smooth, far out: the formula in float64
        smooth = _alias("ExponentialDecay", initial_learning_rate=0.1, decay_steps=10**9, decay_rate=0.5)
        assert smooth.evaluate(t) == pytest.approx(0.1 * 0.5 ** (t / 10**9), rel=1e-13)


# ------------------------------------------------------------------------------------ PiecewiseConstantDecay

PIECEWISE = [
    ([10, 100, 1000], [0.1, 0.05, 0.01, 0.001]),
    ([0, 5], [1.0, 0.5, 0.25]),
    ([1], [0.3, 0.2]),
    ([100000, 2**24, 2**24 + 1, 10**9, 2**31 + 5], [0.6, 0.5, 0.4, 0.3, 0.2, 0.1]),
]


@pytest.mark.parametrize("boundaries,values", PIECEWISE)
def test_piecewise_constant_decay(boundaries, values):
    spec = _alias("PiecewiseConstantDecay", boundaries=boundaries, values=values)
    near = [b + d for b in boundaries for d in (-1, 0, 1, 2) if b + d >= 0]
    steps = np.unique(np.concatenate([np.arange(min(3 * boundaries[-1] + 3, 3000)),
                                      np.asarray(near + [2**53 - 1, 2**53], dtype=np.int64)]))
    got = spec.evaluate(steps)
    # with an int64 step Keras compares exactly: every value, bit for bit up to float32 rounding
    assert_matches(got, keras_vector(S.PiecewiseConstantDecay(boundaries, values), steps), steps)
    # the formula in float64: values[k], k = number of boundaries < step (Keras's step <= boundary)
    exact = np.array([values[sum(1 for b in boundaries if b < t)] for t in steps.tolist()])
    assert np.array_equal(got, exact)


def test_piecewise_constant_float32_counter():
    boundaries, values = [2**24, 10**9], [0.3, 0.2, 0.1]
    spec = _alias("PiecewiseConstantDecay", boundaries=boundaries, values=values)
    steps = [2**24, 2**24 + 1, 10**9, 10**9 + 1]
    assert spec.evaluate(steps).tolist() == [0.3, 0.2, 0.2, 0.1]
    keras_sched = S.PiecewiseConstantDecay(boundaries, values)
    # Keras with the int64 optimizer.iterations compares exactly ...
    assert keras_vector(keras_sched, steps).tolist() == pytest.approx([0.3, 0.2, 0.2, 0.1], rel=1e-7)
    # ... but a float32 counter (a step cast to float, as Keras's other schedules do) maps 2**24 + 1 to 2**24 and
    # 10**9 + 1 to 10**9, where Keras still gives the previous value
    f32 = np.asarray(keras_sched(tf.constant([2**24 + 1, 10**9 + 1], tf.float32)), dtype=np.float64)
    assert f32.tolist() == pytest.approx([0.3, 0.2], rel=1e-7)


# ----------------------------------------------------------------------------------- Polynomial, InverseTime

POLYNOMIAL = [
    # (initial, decay_steps, end, power, cycle). With power < 1 the slope is unbounded at the end of each cycle:
    # there Keras's float32 p = step / (decay_steps * n) is amplified (1.2e-6 of the peak at 29999 for the
    # third case), so that case is compared densely over its first cycles only
    (0.1, 1000, 0.0001, 1.0, False),
    (0.1, 700, 1e-4, 2.0, False),
    (0.1, 300, 1e-3, 0.5, True),
    (1e-3, 50, 0.0001, 1.0, True),
    (0.01, 13, 0.02, 3.0, True),         # end above initial: the rate rises
]


@pytest.mark.parametrize("init,decay,end,power,cycle", POLYNOMIAL)
def test_polynomial_decay(init, decay, end, power, cycle):
    spec = _alias("PolynomialDecay", initial_learning_rate=init, decay_steps=decay, end_learning_rate=end,
                  power=power, cycle=cycle)
    far = [10 * decay + 1, 100 * decay - 1, 1000 * decay + 7] if power >= 1 else []
    steps = dense(decay, cycles=4, extra=far)
    if not cycle:
        steps = np.unique(np.concatenate([steps, FAR]))
    ref = keras_vector(S.PolynomialDecay(init, decay, end, power, cycle), steps)
    assert_matches(spec.evaluate(steps), ref, steps)


def test_polynomial_default_end_and_cycle_far_out():
    spec = _alias("PolynomialDecay", initial_learning_rate=0.1, decay_steps=300, cycle=True)
    assert core_mapping(spec.document)["schedule"]["end_lr"] == 0.0001
    for t in (2**24 + 1, 10**9 + 1, 2**53 - 1):
        n = -(-t // 300)
        assert spec.evaluate(t) == pytest.approx((0.1 - 0.0001) * (1 - t / (300 * n)) + 0.0001, rel=1e-12)
    # at 10**9 + 1 Keras's float32 counter reads 10**9 (the cycle is still right: ceil = 3333334) and 1 - p,
    # p = 0.9999998, cancels in float32: Keras is 2e-5 of the value off, harmless here (2e-9 of the peak)
    got = float(S.PolynomialDecay(0.1, 300, cycle=True)(tf.constant(10**9 + 1, tf.int64)))
    exact = spec.evaluate(10**9 + 1)
    assert 1e-5 < abs(got / exact - 1) < 1e-4 and abs(got - exact) < 1e-7 * 0.1


INVERSE = [
    (0.1, 1000, 0.5, False),
    (0.1, 100, 2.0, True),
    (1e-2, 1, 0.01, False),
    (0.5, 37, 0.0, True),
]


@pytest.mark.parametrize("init,decay,rate,staircase", INVERSE)
def test_inverse_time_decay(init, decay, rate, staircase):
    spec = _alias("InverseTimeDecay", initial_learning_rate=init, decay_steps=decay, decay_rate=rate,
                  staircase=staircase)
    steps = dense(decay, cycles=5, extra=[10**4, 123457, 10**6 + 3])
    ref = keras_vector(S.InverseTimeDecay(init, decay, rate, staircase), steps)
    assert_matches(spec.evaluate(steps), ref, steps)
    for t in (2**24 + 1, 10**9 - 1, 2**53):
        e = float(t // decay) if staircase else t / decay
        assert spec.evaluate(t) == pytest.approx(init / (1 + rate * e), rel=1e-14)


# -------------------------------------------------------------------------- (Noisy)LinearCosineDecay (TF1)

LINEAR_COSINE = [
    # seed examples: (initial, decay_steps, num_periods, alpha, beta)
    (1e-2, 50, 1.0, 0.0, 1e-3),
    (1e-3, 50, 2.0, 0.0, 1e-3),
    (4e-3, 50, 4.0, 1e-5, 1e-8),
    (0.1, 1000, 0.5, 0.0, 0.001),
    (0.05, 9, 1.5, 0.2, -0.01),
]


def tf1_linear_cosine(steps, init, decay, num_periods, alpha, beta) -> np.ndarray:
    fn = tf.compat.v1.train.linear_cosine_decay(init, tf.constant(np.asarray(steps, dtype=np.int64)), decay,
                                                num_periods=num_periods, alpha=alpha, beta=beta)
    return np.asarray(fn(), dtype=np.float64)


def tf1_noisy(steps, init, decay, variance, variance_decay, num_periods, alpha, beta) -> np.ndarray:
    fn = tf.compat.v1.train.noisy_linear_cosine_decay(
        init, tf.constant(np.asarray(steps, dtype=np.int64)), decay, initial_variance=variance,
        variance_decay=variance_decay, num_periods=num_periods, alpha=alpha, beta=beta)
    return np.asarray(fn(), dtype=np.float64)


@pytest.mark.parametrize("init,decay,periods,alpha,beta", LINEAR_COSINE)
def test_linear_cosine_decay(init, decay, periods, alpha, beta):
    params = dict(initial_learning_rate=init, decay_steps=decay, num_periods=periods, alpha=alpha, beta=beta)
    steps = dense(decay, extra=FAR)
    ref = tf1_linear_cosine(steps, init, decay, periods, alpha, beta)
    assert_matches(_alias("LinearCosineDecay", **params).evaluate(steps), ref, steps)
    # the noisy form without variance is the noiseless one, in TF and in lrspec
    noiseless = _alias("NoisyLinearCosineDecay", initial_variance=0.0, **params).evaluate(steps)
    assert_matches(noiseless, tf1_noisy(steps, init, decay, 0.0, 0.55, periods, alpha, beta), steps)
    assert np.array_equal(noiseless, _alias("LinearCosineDecay", **params).evaluate(steps))
    assert _alias("LinearCosineDecay", **params).evaluate(0) == pytest.approx(init * (1 + alpha + beta), rel=1e-15)


NOISY = [
    # (initial, decay_steps, initial_variance, variance_decay, num_periods, alpha, beta, seed)
    (0.1, 40000, 1.0, 0.55, 0.5, 0.0, 0.001, 42),      # TF's defaults
    (1e-2, 40000, 0.01, 1.0, 2.0, 0.1, 1e-3, 7),
]


def _normalized_noise(values, noiseless, steps, init, decay, variance, variance_decay, periods):
    """n / std(t), n = (lr - noiseless) / (init * cosine part), where the cosine part is not small."""
    t = np.minimum(steps, decay).astype(np.float64)
    cosd = 0.5 * (1 + np.cos(np.pi * (2 * periods * (t / decay))))
    keep = cosd > 1e-2
    n = (values - noiseless)[keep] / (init * cosd[keep])
    var = variance / (1 + t[keep]) ** variance_decay
    return n, var


@pytest.mark.parametrize("init,decay,variance,variance_decay,periods,alpha,beta,seed", NOISY)
def test_noisy_linear_cosine_decay_in_distribution(init, decay, variance, variance_decay, periods, alpha, beta,
                                                  seed):
    # TensorFlow's noise is unseeded; lrspec's is a function of (seed, step): compare the distributions
    common = dict(initial_learning_rate=init, decay_steps=decay, num_periods=periods, alpha=alpha, beta=beta)
    steps = np.arange(decay)
    noisy = _alias("NoisyLinearCosineDecay", initial_variance=variance, variance_decay=variance_decay, seed=seed,
                   **common).evaluate(steps)
    noiseless = _alias("LinearCosineDecay", **common).evaluate(steps)
    tf.random.set_seed(1234)               # only to make this test reproducible
    tf_noisy = tf1_noisy(steps, init, decay, variance, variance_decay, periods, alpha, beta)
    tf_noiseless = tf1_noisy(steps, init, decay, 0.0, variance_decay, periods, alpha, beta)
    for values, base in ((noisy, noiseless), (tf_noisy, tf_noiseless)):
        n, var = _normalized_noise(values, base, steps, init, decay, variance, variance_decay, periods)
        z = n / np.sqrt(var)
        size = z.size
        assert size > decay // 2
        assert abs(z.mean()) < 4 / math.sqrt(size)                       # mean 0
        assert abs(z.var() - 1) < 4 * math.sqrt(2 / size)                # variance initial_variance / (1+t)**decay
        for part in np.array_split(z, 4):                                  # in every quarter of the decay
            assert abs(np.mean(part**2) - 1) < 4 * math.sqrt(2 / part.size)
    # deterministic: the same document gives the same numbers; another seed, other numbers
    again = _alias("NoisyLinearCosineDecay", initial_variance=variance, variance_decay=variance_decay, seed=seed,
                   **common).evaluate(steps[:100])
    assert np.array_equal(again, noisy[:100])
    other = _alias("NoisyLinearCosineDecay", initial_variance=variance, variance_decay=variance_decay,
                   seed=seed + 1, **common).evaluate(steps[:100])
    assert not np.array_equal(other, noisy[:100])


def test_noisy_defaults_are_tensorflows():
    spec = _alias("NoisyLinearCosineDecay", initial_learning_rate=0.1, decay_steps=1000)
    assert core_mapping(spec.document)["schedule"] == {
        "type": "linear_cosine", "initial_lr": 0.1, "decay_steps": 1000, "num_periods": 0.5, "alpha": 0.0,
        "beta": 0.001, "initial_variance": 1.0, "variance_decay": 0.55, "seed": 42}


# -------------------------------------------------------------------------------------- core form and errors

def test_core_forms():
    spec = _alias("CosineDecay", initial_learning_rate=0.0, decay_steps=1000, alpha=0.01, warmup_target=0.1,
                  warmup_steps=100, name="warm")
    assert core_mapping(spec.document)["schedule"] == {
        "type": "cosine", "initial_lr": 0.1, "decay_steps": 1000, "alpha": 0.01, "exponent": 1.0,
        "warmup": {"steps": 100, "initial_lr": 0.0, "shape": "linear", "prefix": True, "target_lr": 0.1}}
    spec = _alias("CosineDecay", initial_learning_rate=0.01, decay_steps=40, alpha=3.0)
    assert core_mapping(spec.document)["schedule"] == {
        "type": "cosine", "initial_lr": 0.01, "decay_steps": 40, "final_lr": 0.03, "exponent": 1.0}
    spec = _alias("CosineDecay", initial_learning_rate=0.5, decay_steps=1000, warmup_target=0.1)
    assert core_mapping(spec.document)["schedule"]["initial_lr"] == 0.1
    assert "warmup" not in core_mapping(spec.document)["schedule"]
    spec = _alias("CosineDecayRestarts", initial_learning_rate=0.1, first_decay_steps=100, m_mul=0.5, alpha=0.01)
    assert core_mapping(spec.document)["schedule"] == {
        "type": "cosine", "initial_lr": 0.1, "alpha": 0.01, "exponent": 1.0,
        "restarts": {"period": 100, "period_mul": 2.0, "decay": 0.5}}
    spec = _alias("PiecewiseConstantDecay", boundaries=[0, 1000.0, 2000], values=[0.1, 0.01, 0.001, 0.0001])
    assert core_mapping(spec.document)["schedule"] == {
        "type": "piecewise_constant", "boundaries": [1, 1001, 2001], "values": [0.1, 0.01, 0.001, 0.0001]}
    phases = {"type": "sequence", "phases": [
        {"type": "keras.ExponentialDecay", "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5,
         "steps": 30},
        {"type": "keras.InverseTimeDecay", "initial_learning_rate": 0.0125, "decay_steps": 10, "decay_rate": 1.0}]}
    core = core_mapping(lrspec.load({"lrspec": 1, "schedule": phases}).document)["schedule"]
    assert [p["type"] for p in core["phases"]] == ["exponential", "inverse_time"]
    assert core["phases"][0]["steps"] == 30


@pytest.mark.parametrize("kind,params,message", [
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=100, t_mul=0.5),
     r"schedule.t_mul: must be >= 1"),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=100, m_mul=0.0),
     r"schedule.m_mul: must be > 0"),
    ("PiecewiseConstantDecay", dict(boundaries=[10, -0.5], values=[1.0, 0.5, 0.1]),
     r"schedule.boundaries\[1\]: must be a number >= 0"),
    ("PiecewiseConstantDecay", dict(boundaries=[10, 10], values=[1.0, 0.5, 0.1]),
     r"schedule.boundaries\[1\]: boundaries must be strictly increasing"),
    ("PiecewiseConstantDecay", dict(boundaries=[10, 20], values=[1.0, 0.5]),
     r"schedule.values: needs len\(boundaries\) \+ 1 = 3 values, got 2"),
    ("PiecewiseConstantDecay", dict(boundaries=[-1], values=[1.0, 0.5]),
     r"schedule.boundaries\[0\]: must be a number >= 0"),
    ("PiecewiseConstantDecay", dict(boundaries=[2**53], values=[1.0, 0.5]),
     r"schedule.boundaries\[0\]: must be < 2\*\*53"),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=100, alpha=-0.5), r"schedule.alpha: must be >= 0"),
    ("CosineDecay", dict(initial_learning_rate=1e300, decay_steps=100, alpha=1e10),
     r"schedule.alpha: initial_learning_rate \* alpha = 1e\+300 \* 10000000000.0 overflows"),
    ("CosineDecayRestarts", dict(initial_learning_rate=1e300, first_decay_steps=100, alpha=1e10),
     r"schedule.alpha: initial_learning_rate \* alpha .* overflows"),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=0), r"schedule.decay_steps: must be an integer >= 1"),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=100, warmup_steps=2.5),
     r"schedule.warmup_steps: must be an integer >= 0"),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=100, warmup={"steps": 3}),
     r"unknown field 'warmup'"),
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=100), r"schedule.decay_rate: .*required"),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=100, power=0), r"schedule.power: must be > 0"),
    ("NoisyLinearCosineDecay", dict(initial_learning_rate=0.1, decay_steps=100, seed=4.0),
     r"schedule.seed: must be an integer from 0 to 4294967295"),
])
def test_invalid_parameters_name_the_field(kind, params, message):
    with pytest.raises(lrspec.LrspecError, match=message):
        _alias(kind, **params)


def test_generated_torch_code_of_aliases_conforms():
    for kind, params in (
            ("CosineDecay", dict(initial_learning_rate=0.0, decay_steps=1000, alpha=0.01, warmup_target=0.1,
                                 warmup_steps=100)),
            ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=100, m_mul=0.5, alpha=0.01)),
            ("PiecewiseConstantDecay", dict(boundaries=[10, 2**24, 2**31 + 5], values=[0.1, 0.01, 0.001, 1e-4]))):
        report = check(_alias(kind, **params), "torch")
        assert report.passed, report.detail


#: One schedule of each Keras class: its arguments (the alias's too) and the steps compared, where Keras's
#: float32 counter is exact and none of its known bugs occurs.
GENERATED = {
    "CosineDecay": (dict(initial_learning_rate=0.0, decay_steps=1000, alpha=0.01, warmup_target=0.1,
                         warmup_steps=100), 1300),
    "CosineDecayRestarts": (dict(initial_learning_rate=0.1, first_decay_steps=100, t_mul=2.0, m_mul=0.9,
                                 alpha=0.01), 1600),
    "ExponentialDecay": (dict(initial_learning_rate=0.1, decay_steps=70, decay_rate=0.5, staircase=True), 800),
    "PiecewiseConstantDecay": (dict(boundaries=[10, 100, 1000], values=[0.1, 0.01, 0.001, 1e-4]), 1200),
    "PolynomialDecay": (dict(initial_learning_rate=0.1, decay_steps=300, end_learning_rate=0.001, power=0.5,
                             cycle=True), 1000),
    "InverseTimeDecay": (dict(initial_learning_rate=0.1, decay_steps=100, decay_rate=0.5), 1000),
}


@pytest.mark.parametrize("kind", GENERATED)
def test_generated_tf_code_of_aliases_matches_keras(kind):
    params, n = GENERATED[kind]
    spec = _alias(kind, **params)
    module = import_generated(generate(spec, "tf", "Schedule"), f"keras_alias_tf_{spec.digest()[:12]}")
    steps = np.arange(n)
    # the generated Keras schedule in float32, as Keras's own (whose warmup's ops.cond takes one step per call)
    call = keras_scalar if kind == "CosineDecay" else keras_vector
    assert_matches(keras_vector(module.Schedule(), steps), call(getattr(S, kind)(**params), steps), steps)
    report = check(spec, "tf")
    assert report.passed, report.detail
