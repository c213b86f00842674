"""The generated TensorFlow/Keras module against the reference kernel, run with the real TensorFlow and Keras."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is first imported: no C++ info logs

import math  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
from family import EXAMPLES, FAMILY, FAMILY_DOCUMENTS, counted_in_steps  # noqa: E402

import lrspec  # noqa: E402
from lrspec.codegen import default_class_name, generate  # noqa: E402
from lrspec.conformance import check, default_steps, import_generated, reference, within_tolerance  # noqa: E402

#: Beyond FAMILY: tables longer than 64 entries (a deeper binary search, a restart table of 348 cycles), the core
#: types added after FAMILY was written, and a library alias (desugared before lowering).
_MORE = {
    "long-restart-table": {"type": "cosine", "initial_lr": 0.1, "final_lr": 0.001,
                           "restarts": {"period": 1, "period_mul": 1.1, "decay": 0.99}},  # 348 cycles
    "long-piecewise-linear": {"type": "piecewise_linear",
                              "points": [[7 * i + (i * i) % 5, ((37 * i) % 101) / 1000] for i in range(1024)]},
    "piecewise-cosine-negative-step": {"type": "piecewise_linear", "interpolation": "cosine",
                                       "points": [[-50, 0.0], [100, 0.1], [600, 0.02], [2**40, 0.0]]},
    "inverse-time-restarts": {"type": "inverse_time", "initial_lr": 0.1, "decay_rate": 0.5,
                              "restarts": {"period": 300, "period_mul": 1.5}},
    "inverse-time-staircase": {"type": "inverse_time", "initial_lr": 0.1, "decay_rate": 2.0, "decay_steps": 70,
                               "staircase": True},
    "inverse-sqrt-shift": {"type": "inverse_sqrt", "initial_lr": 0.01, "timescale": 400, "shift": -3,
                           "warmup": {"steps": 10, "prefix": False, "target_lr": 0.01}},
    "inverse-sqrt-inf-at-0": {"type": "inverse_sqrt", "initial_lr": 0.01, "timescale": 4000},
    "linear-cosine-noisy": {"type": "linear_cosine", "initial_lr": 0.1, "decay_steps": 1500, "num_periods": 2.5,
                            "alpha": 0.1, "initial_variance": 0.5, "seed": 9},
    "linear-cosine-restarts": {"type": "linear_cosine", "initial_lr": 0.1,
                               "restarts": {"period": 250, "period_mul": 2, "decay": 0.8}},
    "one-cycle-cos": {"type": "one_cycle", "max_lr": 0.1, "total_steps": 1000, "pct_start": 0.25},
    "one-cycle-linear-three-phase": {"type": "one_cycle", "max_lr": 0.1, "total_steps": 1234, "pct_start": 0.33,
                                     "anneal_strategy": "linear", "three_phase": True},
    "alias-transformers-cosine-restarts": {"type": "transformers.cosine_with_restarts", "base_lr": 0.001,
                                           "num_warmup_steps": 100, "num_training_steps": 1500, "num_cycles": 3},
}

CASES = [pytest.param(lambda p=p: lrspec.load(p), id=p.stem) for p in EXAMPLES] + [
    pytest.param(lambda s=s, name=name: lrspec.load({"lrspec": 1, "name": name, "schedule": s}), id=name)
    for name, s in {**FAMILY, **_MORE}.items()] + [
    pytest.param(lambda d=d, name=name: lrspec.load({**d, "name": name}), id=name) for name, d in FAMILY_DOCUMENTS.items()]

#: Single steps checked against the vector call: both ends, a boundary, and the large counters.
_SAMPLES = (0, 1, 99, 1999, 2**24 + 1, 2**31 + 5, 2**53)


def _load(name: str, schedule: dict) -> lrspec.Spec:
    return lrspec.load({"lrspec": 1, "name": name, "schedule": schedule})


def _module(spec, tag: str = ""):
    """The generated module, imported as a file, and its schedule class."""
    module = import_generated(generate(spec, "tf"), f"gen_tf_{tag}{spec.digest()[:12]}")
    return module, getattr(module, default_class_name(spec))


def _identical(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit for bit, NaN meeting NaN and -0.0 told from 0.0."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    same_bits = a.view(np.uint64) == b.view(np.uint64)
    return a.shape == b.shape and bool(np.all(same_bits | (np.isnan(a) & np.isnan(b))))


@pytest.mark.parametrize("make", CASES)
def test_schedule_matches_the_kernel_eagerly_in_tf_function_and_under_xla(make):
    spec = make()
    report = check(spec, "tf")  # float32 rates through the entry point, float32 rule
    assert report.passed, report.detail
    assert report.steps > 2000

    _, cls = _module(spec)
    steps = default_steps()
    ref = reference(spec, steps)
    sched = cls(dtype="float64")
    x = tf.constant(steps, tf.int64)
    eager = sched(x).numpy()
    ok, max_abs, _ = within_tolerance(eager, ref, "float64")  # float64 rates meet the float64 rule too
    assert ok.all(), f"eager: max abs error {max_abs} at step {steps[np.argmin(ok)]}"

    graph = tf.function(sched)(x).numpy()
    assert _identical(graph, eager), "eager calls and a caller's tf.function must run the same graph"
    xla = tf.function(sched, jit_compile=True)(x).numpy()
    ok, max_abs, _ = within_tolerance(xla, ref, "float64")  # XLA's own exp/log/pow/tanh: last bits only
    assert ok.all(), f"jit_compile: max abs error {max_abs} at step {steps[np.argmin(ok)]}"

    # scalar calls, with a Python int and with an int64 scalar tensor: the same value up to the last bits
    # (Eigen's vectorised and scalar tanh, pow, ... can round differently)
    at = np.searchsorted(steps, _SAMPLES)
    for scalars in ([sched(s) for s in _SAMPLES], [sched(tf.constant(s, tf.int64)) for s in _SAMPLES]):
        assert all(v.shape == () for v in scalars)
        np.testing.assert_allclose(np.array([v.numpy() for v in scalars]), eager[at], rtol=1e-13, atol=0)


def test_steps_of_every_kind_and_shape():
    spec = lrspec.load("examples/clr-triangular.yaml")
    _, cls = _module(spec)
    sched = cls()
    ref = spec.evaluate(range(12)).astype(np.float32)
    grid = np.arange(12).reshape(3, 4)
    for step, want in [
        (5, ref[5]), (np.int64(5), ref[5]), (np.uint64(5), ref[5]), (5.0, ref[5]),
        (tf.constant(5, tf.int32), ref[5]), (tf.constant(5.0, tf.float32), ref[5]),
        (tf.Variable(5, dtype=tf.int64), ref[5]), (range(12), ref), ([0, 1, 2], ref[:3]),
        (grid, ref.reshape(3, 4)), (tf.constant(grid, tf.uint8), ref.reshape(3, 4)),
        (tf.constant(grid, tf.float64), ref.reshape(3, 4)), (np.zeros((0,), np.int64), ref[:0]),
    ]:
        got = sched(step)
        assert got.dtype == tf.float32
        assert got.shape == np.shape(want), step
        np.testing.assert_array_equal(got.numpy(), want)
    assert cls(dtype="float64")(7).dtype == tf.float64
    assert cls(dtype=tf.float64)(7).numpy() == spec.evaluate(7)
    assert cls(name="my_schedule")(3).numpy() == np.float32(spec.evaluate(3))
    with pytest.raises(ValueError, match="float32 or float64"):
        cls(dtype="int32")


def test_steps_outside_the_domain_raise_eagerly_and_in_graphs_and_give_nan_under_xla():
    spec = _load("domain", FAMILY["cosine-final"])
    module, cls = _module(spec)
    sched = cls()
    for bad in (-1, 2**53 + 1, 1.5, -0.5, float("nan"), np.uint64(2**64 - 1), [0, -3], tf.constant([7, -1], tf.int32)):
        with pytest.raises(tf.errors.InvalidArgumentError, match="0 <= step <= 2\\*\\*53"):
            sched(bad)
    graph = tf.function(sched)
    with pytest.raises(tf.errors.InvalidArgumentError, match="0 <= step <= 2\\*\\*53"):
        graph(tf.constant([3, -2], tf.int64))
    xla = tf.function(sched, jit_compile=True)(tf.constant([-2, 3, 2**53 + 1], tf.int64)).numpy()
    assert np.isnan(xla[0]) and np.isnan(xla[2]) and xla[1] == np.float32(spec.evaluate(3))
    with pytest.raises(ValueError, match="0 <= step <= 2\\*\\*53"):
        sched(2**64)
    with pytest.raises(TypeError, match="boolean"):
        sched(True)
    with pytest.raises(TypeError, match="dtype string"):
        sched("3")
    assert module.lr_at(2**53).dtype == tf.float64
    assert module.MAX_STEP == 2**53


def test_one_trace_for_every_step_value():
    spec = _load("trace", FAMILY["sequence-nested-with-modifiers"])
    _, cls = _module(spec)
    sched = cls()
    fn = tf.function(lambda step: sched(step))
    ref = spec.evaluate([0, 19, 20, 419, 420, 2**31 + 420, 2**53])
    got = [fn(tf.constant(s, tf.int64)).numpy() for s in (0, 19, 20, 419, 420, 2**31 + 420, 2**53)]
    np.testing.assert_array_equal(np.array(got), ref.astype(np.float32))
    assert fn.experimental_get_tracing_count() == 1


#: tanh-restarts-prefix.yaml with other numbers and the same structure: cycles of 30 and 90 steps, limit 2.
_TANH_OTHER_NUMBERS = {"type": "tanh", "initial_lr": 0.2, "lr_min": 0.001, "lb": -5.0, "ub": 2.0,
                       "restarts": {"period": 30, "period_mul": 3, "decay": 0.8, "limit": 2},
                       "warmup": {"steps": 7, "initial_lr": 0.0, "prefix": True}}


def test_config_round_trip_and_keras_serialization():
    spec = lrspec.load(counted_in_steps("examples/tanh-restarts-prefix.yaml"))
    module, cls = _module(spec)
    sched = cls(dtype="float64", name="tanh_sched")
    config = sched.get_config()
    # the numbers of the spec (cycles of 50 and 100 steps from step 0, then the limit), the dtype, the name
    assert config == {"lr_min": 1e-05, "initial_lr": 0.05, "lb": -7.0, "ub": 3.0, "restart_starts": (0, 50, 150),
                      "restart_limit": 2, "floor": 1e-05, "restart_decay": 0.5, "warmup_steps": 5,
                      "warmup_initial_lr": 1e-05, "dtype": "float64", "name": "tanh_sched",
                      "structure": module._STRUCTURE}
    again = cls.from_config(config)
    assert again.get_config() == config
    assert _identical(again(range(200)).numpy(), sched(range(200)).numpy())

    blob = keras.saving.serialize_keras_object(sched)
    assert blob["registered_name"] == f"lrspec>{cls.__name__}_{spec.digest()[:16]}"
    restored = keras.saving.deserialize_keras_object(blob)
    assert type(restored) is cls and restored.get_config() == config


def test_the_numbers_of_another_spec_of_the_same_structure_give_that_spec():
    spec = lrspec.load(counted_in_steps("examples/tanh-restarts-prefix.yaml"))
    other = _load("tanh-other-numbers", _TANH_OTHER_NUMBERS)
    module, cls = _module(spec)
    other_module, other_cls = _module(other)
    assert module._STRUCTURE == other_module._STRUCTURE and cls is not other_cls
    numbers = {"lr_min": 0.001, "initial_lr": 0.2, "lb": -5.0, "ub": 2.0, "restart_starts": (0, 30, 120),
               "restart_limit": 2, "floor": 0.001, "restart_decay": 0.8, "warmup_steps": 7, "warmup_initial_lr": 0.0}
    sched = cls(**numbers, dtype="float64")
    assert sched.get_config() == {**other_cls(dtype="float64").get_config(), "name": None}
    steps = np.array([0, 3, 6, 7, 8, 36, 37, 38, 126, 127, 128, 500, 2**31 + 5, 2**53])
    got = sched(steps).numpy()
    ok, max_abs, _ = within_tolerance(got, other.evaluate(steps), "float64")
    assert ok.all(), f"max abs error {max_abs}"
    assert _identical(got, other_cls(dtype="float64")(steps).numpy())
    # and the rebuilt schedule of a config keeps those numbers, not the spec's
    assert _identical(cls.from_config(sched.get_config())(steps).numpy(), got)


def test_a_config_of_another_structure_or_bad_numbers_are_refused():
    _, cls = _module(lrspec.load("examples/tanh-restarts-prefix.yaml"))
    _, foreign = _module(lrspec.load("examples/clr-triangular.yaml"))
    with pytest.raises(ValueError, match="TanhRestartsPrefixSchedule cannot load a config of structure "
                                         "'[0-9a-f]{16}': its own structure is '[0-9a-f]{16}'"):
        cls.from_config(foreign().get_config())
    with pytest.raises(ValueError, match="cannot load a config of structure None"):
        cls.from_config({"dtype": "float32", "name": None})  # a config without numbers
    for numbers, error, message in [
        ({"restart_starts": (0, 50)}, ValueError, "restart_starts must have 3 entries, got 2"),
        ({"restart_starts": (0, 150, 50)}, ValueError, "restart_starts must be strictly increasing, got 50 after 150"),
        ({"warmup_steps": 2.5}, TypeError, "warmup_steps must be an integer, got 2.5"),
        ({"warmup_steps": True}, TypeError, "warmup_steps must be an integer"),
        ({"initial_lr": float("nan")}, ValueError, "initial_lr must be finite"),
        ({"initial_lr": "0.1"}, TypeError, "initial_lr must be a number"),
        ({"restart_limit": 2**63}, ValueError, "restart_limit must fit int64"),
    ]:
        with pytest.raises(error, match=message):
            cls(**numbers)


class _Recorder(keras.callbacks.Callback):
    """Before each batch: the optimizer's step and rate; after it: the kernel weight the update produced."""

    def __init__(self):
        super().__init__()
        self.iterations: list[int] = []
        self.rates: list[float] = []
        self.weights: list[float] = []

    def on_train_batch_begin(self, batch, logs=None):
        self.iterations.append(int(self.model.optimizer.iterations.value.numpy()))
        self.rates.append(float(self.model.optimizer.learning_rate.numpy()))

    def on_train_batch_end(self, batch, logs=None):
        self.weights.append(float(self.model.layers[-1].kernel.value.numpy()[0, 0]))


def _mean_output(y_true, y_pred):
    # d loss / d kernel = mean of the inputs = 1: each SGD step moves the kernel by exactly -lr(t)
    return keras.ops.mean(y_pred)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras's saving
@pytest.mark.parametrize("jit_compile", [False, True])
def test_model_fit_uses_the_schedule_and_saves_and_loads_with_it(jit_compile, tmp_path):
    # the class of clr-triangular.yaml with the numbers of another triangle: 2e-3 to 5e-2 in 10 steps up, 10 down
    _, cls = _module(lrspec.load("examples/clr-triangular.yaml"))
    spec = _load("clr-other-numbers", {"type": "cyclical", "initial_lr": 2e-3, "maximal_lr": 5e-2, "step_size": 10,
                                       "mode": "triangular"})
    numbers = {"step_size": 10, "step_size_down": 10, "cycle_length": 20, "initial_lr": 2e-3, "maximal_lr": 5e-2}
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=cls(**numbers)), loss=_mean_output,
                  jit_compile=jit_compile)
    x, y = np.ones((50 * 4, 1), np.float32), np.zeros((50 * 4, 1), np.float32)
    recorder = _Recorder()
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[recorder])

    assert recorder.iterations == list(range(50))
    ref = spec.evaluate(range(50))
    ok, max_abs, _ = within_tolerance(np.array(recorder.rates), ref, "float32")
    assert ok.all(), f"optimizer.learning_rate off by {max_abs}"
    # the rate the train step applied: the kernel falls by lr(t) at step t (float32 weights)
    applied = -np.diff(np.concatenate([[0.0], recorder.weights]))
    np.testing.assert_allclose(applied, ref, rtol=1e-4, atol=1e-7)

    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={"_mean_output": _mean_output})
    schedule = loaded.optimizer._learning_rate  # Keras keeps the schedule object here
    assert type(schedule) is cls and schedule.get_config() == cls(**numbers).get_config() != cls().get_config()
    assert int(loaded.optimizer.iterations.value.numpy()) == 50
    assert loaded.optimizer.learning_rate.numpy() == np.float32(spec.evaluate(50))
    loaded.fit(x[:20], y[:20], batch_size=4, epochs=1, shuffle=False, verbose=0)
    assert int(loaded.optimizer.iterations.value.numpy()) == 55


def test_spec_names_give_valid_distinct_classes():
    specs = [_load("a.b-c_1", {"type": "constant", "lr": 0.1}), _load("9-lives", {"type": "constant", "lr": 0.2}),
             _load("a.b-c_1", {"type": "constant", "lr": 0.3})]  # same name, another spec: no collision
    names = set()
    for spec, want in zip(specs, (0.1, 0.2, 0.3), strict=True):
        _, cls = _module(spec)
        assert cls.__name__.isidentifier() and cls.__name__.endswith("Schedule")
        blob = keras.saving.serialize_keras_object(cls())
        names.add(blob["registered_name"])
        assert type(keras.saving.deserialize_keras_object(blob)) is cls
        assert cls()(0).numpy() == np.float32(want)
    assert len(names) == 3
    assert default_class_name(specs[0]) == default_class_name(specs[2])


def test_noise_hash_and_draws_reproduce_the_spec_vectors():
    module, cls = _module(_load("noise-vectors", FAMILY["noise-normal-truncated"]))
    # spec/noise.md: U(seed, t, k), bit exact, in a graph and under XLA
    vectors = [(0, 0, 0, 0.6178247332572937), (0, 2**32 - 1, 1, 0.5310874581336975),
               (42, 2**32, 1, 0.46034806966781616), (42, 2**32 + 5, 1, 0.5556256175041199),
               (42, 2**53, 0, 0.6055858731269836), (4294967295, 2**53, 1, 0.16868501901626587)]
    for seed, t, k, want in vectors:
        for jit in (False, True):
            got = tf.function(lambda t, seed=seed, k=k: module._uniform(seed, t, k), jit_compile=jit)(
                tf.constant([t], tf.int64)).numpy()
            assert got.tolist() == [want], (seed, t, k, jit)
    # draws z of spec/noise.md: u = U(seed, t, 0), p = low + u * w; the normal quantile is the plan's function
    sched = cls(dtype="float64")
    quantile = tf.function(sched._normal_quantile)
    draws = [(42, 0, None, -0.68563559549340436), (42, 1, 0.5, -0.15678417142298107),
             (4294967295, 2**32 - 1, None, -1.416572390359937), (4294967295, 2**32 - 1, 0.5, -0.41649998524853704),
             (0, 2**53, None, 1.2183713165165297), (0, 2**53, 0.5, 0.38194915394216217)]
    for seed, t, pct, want in draws:
        u = float(module._uniform(seed, tf.constant([t], tf.int64), 0).numpy()[0])
        low = 0.0 if pct is None else math.erfc(pct / math.sqrt(2.0)) / 2.0
        w = 1.0 - 2.0 * low
        z = quantile(tf.constant([(u - 0.5) * w], tf.float64), tf.constant([min(u, 1.0 - u) * w + low], tf.float64))
        assert math.isclose(float(z.numpy()[0]), want, rel_tol=1e-14), (seed, t, pct, float(z.numpy()[0]), want)
    # the uniform draw, pct 0.67: bit exact
    u = float(module._uniform(0, tf.constant([2**53], tf.int64), 0).numpy()[0])
    assert 0.67 * (2.0 * u - 1.0) == 0.52053445696830758


def test_counters_switch_at_their_step_far_out_eagerly_in_graphs_and_under_xla():
    far = (2**24 + 1, 2**31 + 5, 10**12, 2**53)
    boundaries = _load("far-boundaries", {"type": "piecewise_constant", "boundaries": list(far),
                                          "values": [1.0, 2.0, 3.0, 4.0, 5.0]})
    phases = _load("far-phases", {"type": "sequence", "phases": [
        {"type": "constant", "lr": 1.0, "steps": 2**31 + 5},
        {"type": "exponential", "initial_lr": 1.0, "decay_rate": 0.5, "decay_steps": 10**6, "staircase": True}]})
    floored = _load("far-floor", {"type": "expression", "expr": "floor(t / 49) + t % 49 / 100"})
    steps = sorted({s + d for s in (49, 49 * 2**20, *far) for d in (-1, 0, 1) if 0 <= s + d <= 2**53})
    want = {
        boundaries: [1.0 + sum(1 for b in far if b <= t) for t in steps],
        # phase 2 from 2**31 + 5 on, on its own counter: 0.5 ** ((t - start) // 10**6)
        phases: [1.0 if t < 2**31 + 5 else 1.0 * 0.5 ** float((t - 2**31 - 5) // 10**6) for t in steps],
        # spec/expression.md: real(t) / 49 rounded once, then floored; the remainder as four operations
        floored: [math.floor(float(t) / 49.0) + (float(t) - 49.0 * math.floor(float(t) / 49.0)) / 100.0
                  for t in steps],
    }
    for spec, values in want.items():
        _, cls = _module(spec)
        sched = cls(dtype="float64")
        x = tf.constant(steps, tf.int64)
        for run in (sched, tf.function(sched), tf.function(sched, jit_compile=True)):
            assert run(x).numpy().tolist() == values, (spec.name, run)


def test_restart_cycles_up_to_2_62_steps():
    # lengths 2**20, 2**41, 2**62 (the longest a cycle that starts before 2**53 may be): int64 throughout
    p, m = 2**20, 2.0**21
    starts = [0, p, p + 2**41]
    spec = _load("long-cycles", {"type": "cosine", "initial_lr": 0.1,
                                 "restarts": {"period": p, "period_mul": m, "decay": 0.5}})
    _, cls = _module(spec)
    steps = [p - 1, p, p + 1, 2**40, starts[2], 2**53]
    got = cls(dtype="float64")(steps).numpy()
    want = []
    for t in steps:
        i = sum(1 for s in starts if s <= t) - 1
        u, h = t - starts[i], float([p, 2**41, 2**62][i])
        v = 0.0 + (0.1 - 0.0) * (0.5 * (1.0 + math.cos((math.pi * float(min(u, h))) / h)))
        want.append(v if i == 0 else 0.0 + 0.5 ** float(i) * (v - 0.0))
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
    with pytest.raises(lrspec.LrspecError, match=r"more than 2\*\*62"):
        _load("too-long", {"type": "cosine", "initial_lr": 0.1, "restarts": {"period": 1000, "period_mul": 1e20}})
