"""The generated JAX module against the reference kernel, run with the real jax and optax."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from family import EXAMPLES, FAMILY, FAMILY_DOCUMENTS, counted_in_steps

import lrspec
from lrspec.codegen import generate
from lrspec.conformance import check, default_steps, import_generated, within_tolerance

INT32_MAX = 2**31 - 1


CASES = [pytest.param(lambda p=p: lrspec.load(p), id=p.stem) for p in EXAMPLES] + [
    pytest.param(lambda s=s, n=name: lrspec.load({"lrspec": 1, "name": n, "schedule": s}), id=name)
    for name, s in FAMILY.items()] + [
    pytest.param(lambda d=d, name=name: lrspec.load({**d, "name": name}), id=name)
    for name, d in FAMILY_DOCUMENTS.items() if "samples_per_step" not in d]

#: Step constants beyond int32 where the module must still be exact for every int32 count.
BEYOND_INT32 = {
    "warmup-end-target-beyond-int32": {  # b = main(W) with W > 2**31 - 1: evaluated once in 64 bits
        "type": "sequence", "warmup": {"steps": 2**31 + 10, "prefix": False, "target_lr": "end", "shape": "cosine"},
        "phases": [{"type": "constant", "lr": 0.2, "steps": 2**31 + 3},
                   {"type": "exponential", "initial_lr": 0.1, "decay_rate": 0.5, "decay_steps": 7,
                    "noise": {"seed": 5, "std": 0.1}}]},
    "cyclical-long-down": {"type": "cyclical", "initial_lr": 0.001, "maximal_lr": 0.01, "step_size": 1000,
                           "step_size_down": 2**40},
    "cyclical-around-int32": {"type": "cyclical", "initial_lr": 0.001, "maximal_lr": 0.01, "step_size": 2**31 - 5,
                              "step_size_down": 2**31 + 9, "mode": "triangular2"},
    "restarts-cycle-beyond-int32": {"type": "polynomial", "initial_lr": 0.1, "end_lr": 0.01, "power": 0.5,
                                    "cycle": True, "restarts": {"period": 1000, "period_mul": 1000.0}},
    "restarts-period-beyond-int32": {"type": "tanh", "initial_lr": 0.1,
                                     "restarts": {"period": 2**31 + 2, "decay": 0.5, "limit": 2}},
    "polynomial-horizon-beyond-int32": {"type": "polynomial", "initial_lr": 0.1, "decay_steps": 2**31 + 5,
                                        "power": 0.5},
    "polynomial-cycle-near-int32": {"type": "polynomial", "initial_lr": 0.1, "decay_steps": 2**31 - 3, "power": 0.5,
                                    "cycle": True},
    "cosine-exponent-below-one": {"type": "cosine", "initial_lr": 0.1, "decay_steps": 2**31 + 10**6,
                                  "exponent": 0.25},
    # constants beyond uint32: evaluated once in 64 bits, passed with their real value, or dominating a counter
    "warmup-end-target-beyond-uint32": {"type": "cosine", "initial_lr": 0.1, "decay_steps": 2**40,
                                        "warmup": {"steps": 2**32 + 7, "prefix": False, "target_lr": "end"}},
    "restarts-period-beyond-uint32": {"type": "polynomial", "initial_lr": 0.1, "power": 0.5, "cycle": True,
                                      "restarts": {"period": 2**32 + 3}},
    "restarts-table-beyond-uint32": {"type": "cosine", "initial_lr": 0.1, "exponent": 0.5,
                                     "restarts": {"period": 10**9, "period_mul": 7.0, "decay": 0.5}},
    "piecewise-negative-and-beyond": {"type": "piecewise_linear", "interpolation": "cosine",
                                      "points": [[-(2**50), 0.5], [3, 0.1], [2**31 + 1, 0.05], [2**45, 0.0]]},
    "inverse-sqrt-shift-beyond-uint32": {"type": "inverse_sqrt", "initial_lr": 0.01, "timescale": 3,
                                         "shift": -(2**32 + 10), "clamp": {"max_lr": 1.0}},
    "tables-around-int32": {"type": "sequence", "phases": [
        {"type": "piecewise_linear", "points": [[0, 0.1], [2**31 - 1, 0.0], [2**31, 0.5], [2**53, 1.0]],
         "steps": 2**31 - 2},
        {"type": "piecewise_constant", "boundaries": [1, 2**31, 2**32 - 1, 2**32],
         "values": [1.0, 2.0, 3.0, 4.0, 5.0]}]},
}
_NEAR_INT32 = [2**30, 2**30 + 1, 2**30 + 2, 10**9, 2**31 - 11, 2**31 - 10, 2**31 - 6, 2**31 - 5, 2**31 - 4,
               2**31 - 3, 2**31 - 2]


def _load(name, schedule):
    return lrspec.load({"lrspec": 1, "name": name, "schedule": schedule})


def _module(spec):
    return import_generated(generate(spec, "jax"), f"gen_jax_{spec.digest()[:12]}")


def _kernel_check(got, spec, steps):
    ok, max_abs, _ = within_tolerance(np.asarray(got, dtype=np.float64), spec.evaluate(steps), "float32")
    assert ok.all(), f"first failure at step {int(np.asarray(steps)[np.argmin(ok)])}, max abs error {max_abs}"


@pytest.mark.parametrize("make", CASES)
def test_schedule_matches_the_kernel(make):
    report = check(make(), "jax")
    assert report.passed, report.detail
    assert report.precision == "float32"
    assert report.steps > 2000  # dense 0..1999 and the sparse steps up to 2**31 - 1


@pytest.mark.parametrize("name", list(BEYOND_INT32))
def test_step_constants_beyond_int32_stay_exact(name):
    steps = np.concatenate([default_steps(limit=INT32_MAX), np.array(_NEAR_INT32, dtype=np.int64),
                            np.random.default_rng(0).integers(0, INT32_MAX, 100)])
    report = check(_load(name, BEYOND_INT32[name]), "jax", np.unique(steps))
    assert report.passed, report.detail


def test_the_module_stands_alone():
    source = generate(lrspec.load(EXAMPLES[0]), "jax")
    assert source.startswith("# Generated by lrspec")
    assert '"""Learning-rate schedule for JAX' in source
    assert "lrspec" not in "\n".join(line for line in source.splitlines() if line.startswith(("import", "from")))
    assert "spec/types/cyclical.md" in source


def test_jit_and_eager_agree():
    steps = np.concatenate([np.arange(600), [2**24 + 1, 2**31 - 1]])
    for name in ("sequence-nested-with-modifiers", "noise-normal-truncated", "expression-functions"):
        spec = _load(name, FAMILY[name])
        module = _module(spec)
        counts = jnp.asarray(steps, dtype=jnp.int32)
        eager = np.asarray(module.schedule(counts), dtype=np.float64)
        jitted = np.asarray(jax.jit(module.schedule)(counts), dtype=np.float64)
        _kernel_check(eager, spec, steps)
        _kernel_check(jitted, spec, steps)
        assert within_tolerance(eager, jitted, "float32")[0].all()  # XLA may fuse differently: not bit for bit


def test_vmap_scalar_and_shapes():
    spec = _load("sequence-four-phases", FAMILY["sequence-four-phases"])
    module = _module(spec)
    ref = spec.evaluate(range(12)).astype(np.float32)
    for value in (5, np.int32(5), jnp.asarray(5), jnp.asarray(5, dtype=jnp.int16)):
        out = jax.jit(module.schedule)(value)
        assert out.shape == () and out.dtype == jnp.float32
        np.testing.assert_allclose(float(out), ref[5], rtol=1e-6)
    assert float(module.schedule(7)) == pytest.approx(float(ref[7]), rel=1e-6)
    grid = jnp.arange(12, dtype=jnp.int32).reshape(3, 4)
    vmapped = jax.jit(jax.vmap(module.schedule))(grid)
    assert vmapped.shape == (3, 4)
    _kernel_check(vmapped.reshape(-1), spec, np.arange(12))
    nested = jax.vmap(jax.vmap(module.schedule))(grid)
    _kernel_check(nested.reshape(-1), spec, np.arange(12))
    assert jax.jit(module.schedule)(grid).shape == (3, 4)


def test_outside_the_domain_is_nan_and_float_counts_are_refused():
    module = _module(_load("restarts-double-decay", FAMILY["restarts-double-decay"]))
    out = np.asarray(jax.jit(module.schedule)(jnp.asarray([-(2**31), -1, 0, INT32_MAX], dtype=jnp.int32)))
    assert np.isnan(out[:2]).all() and np.isfinite(out[2:]).all()
    # a traced count beyond the int32 domain of the default mode: NaN; a concrete one: a clear error
    assert np.isnan(float(jax.jit(module.schedule)(jnp.asarray(2**31, dtype=jnp.uint32))))
    with pytest.raises(ValueError, match=r"count 2147483648 is outside the domain 0 <= count <= 2\*\*31 - 1.*jax_enable_x64"):
        module.schedule(np.uint32(2**31))
    for bad in (1.5, np.float32(2.0), jnp.asarray([1.0, 2.0])):
        with pytest.raises(TypeError, match="integer"):
            module.schedule(bad)


#: Hand values: 0.1 before step 1000, 0.2 from 1000, 0.3 from 2**32 on.
_STAIRS = {"type": "piecewise_constant", "boundaries": [1000, 2**32], "values": [0.1, 0.2, 0.3]}


def test_concrete_counts_are_checked_before_jax_could_wrap_them():
    module = _module(_load("stairs", _STAIRS))
    # what the check prevents: without x64, JAX turns these counts into others
    assert not jax.config.read("jax_enable_x64")
    assert int(jnp.asarray(np.int64(2**32 + 600))) == 600
    assert int(jnp.asarray(np.uint64(2**63))) == 0
    for count in (np.int64(2**32 + 600), 2**32 + 600, np.uint64(2**31), [5, 2**31], np.array([2**40], np.int64)):
        with pytest.raises(ValueError, match=r"outside the domain 0 <= count <= 2\*\*31 - 1.*jax_enable_x64"):
            module.schedule(count)
    with pytest.raises(ValueError, match="count 4294967896"):
        module.schedule(np.int64(2**32 + 600))
    # beyond the domain of every mode, or negative: an error, never the rate of another step
    for count in (np.uint64(2**63), np.int64(-(2**40)), -1, 2**70, np.uint64(2**64 - 1)):
        with pytest.raises(ValueError, match="outside the domain"):
            module.schedule(count)
    # booleans are refused everywhere; NumPy integers of every width are accepted; a scalar gives a scalar
    for flag in (True, np.bool_(False), np.array([True]), jnp.asarray(True), [True, False]):
        with pytest.raises(TypeError, match="integer"):
            module.schedule(flag)
        with pytest.raises(TypeError, match="integer"):  # also when traced
            jax.jit(module.schedule)(jnp.asarray(flag))
    for count in (np.int8(7), np.uint8(7), np.int16(999), np.uint16(1000), np.int32(1000), np.uint32(1000),
                  np.int64(1000), np.uint64(1000), 1000, jnp.asarray(1000, jnp.int16)):
        out = module.schedule(count)
        assert out.shape == () and out.dtype == jnp.float32
        assert float(out) == np.float32(0.1 if int(count) < 1000 else 0.2)
    grid = module.schedule(np.array([[0, 999], [1000, INT32_MAX]], np.int64))
    assert grid.shape == (2, 2) and grid.tolist() == [[np.float32(0.1)] * 2, [np.float32(0.2)] * 2]


_X64_COUNTS = textwrap.dedent("""
    import json, sys
    import jax, numpy as np, lrspec
    from lrspec.codegen import generate
    from lrspec.conformance import import_generated
    assert jax.config.read("jax_enable_x64")
    module = import_generated(generate(lrspec.load(json.loads(sys.argv[1])), "jax"), "stairs_x64")
    out = {}
    for name, count in [("int64 2**32 + 600", np.int64(2**32 + 600)), ("uint64 2**53", np.uint64(2**53)),
                        ("int 2**53 + 1", 2**53 + 1), ("uint64 2**63", np.uint64(2**63)), ("int 2**70", 2**70),
                        ("int -1", -1)]:
        try:
            value = module.schedule(count)
        except ValueError as exc:
            out[name] = "outside the domain" if "outside the domain 0 <= count <= 2**53" in str(exc) else str(exc)
            continue
        out[name] = [float(value), str(value.dtype), list(value.shape)]
    try:
        module.schedule(True)
        out["bool"] = "accepted"
    except TypeError as exc:
        out["bool"] = str(exc)
    print(json.dumps(out))
""")


def test_concrete_counts_with_x64_reach_2_pow_53():
    document = {"lrspec": 1, "name": "stairs", "schedule": _STAIRS}
    env = {**os.environ, "JAX_ENABLE_X64": "1"}
    run = subprocess.run([sys.executable, "-c", _X64_COUNTS, json.dumps(document)], env=env, capture_output=True,
                         text=True, timeout=600, cwd=str(Path(__file__).resolve().parents[2]))
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["int64 2**32 + 600"] == [0.3, "float64", []]
    assert out["uint64 2**53"] == [0.3, "float64", []]
    for name in ("int 2**53 + 1", "uint64 2**63", "int 2**70", "int -1"):
        assert out[name] == "outside the domain", name
    assert "integer" in out["bool"]


def test_no_retracing_as_the_step_changes():
    spec = _load("noise-normal-truncated", FAMILY["noise-normal-truncated"])
    module = _module(spec)
    traces = []

    def counted(count):
        traces.append(1)  # runs only while tracing
        return module.schedule(count)

    fn = jax.jit(counted)
    steps = [0, 1, 17, 1499, 1500, 2**24 + 1, INT32_MAX]
    got = [float(fn(jnp.asarray(s, dtype=jnp.int32))) for s in steps]
    assert len(traces) == 1
    _kernel_check(np.array(got), spec, np.array(steps))


def test_optax_trains_with_the_generated_schedule():
    spec = lrspec.load(counted_in_steps("examples/tanh-restarts-overlay.yaml"))
    module = _module(spec)
    key_x, key_y = jax.random.split(jax.random.PRNGKey(0))
    x, y = jax.random.normal(key_x, (32, 4)), jax.random.normal(key_y, (32,))
    params = {"w": jnp.zeros(4), "b": jnp.zeros(())}

    def loss(p):
        return jnp.mean((x @ p["w"] + p["b"] - y) ** 2)

    opt = optax.inject_hyperparams(optax.sgd)(learning_rate=module.schedule)
    plain = optax.sgd(module.schedule)  # optax calls the schedule at its own int32 count

    @jax.jit
    def step(p, state, plain_state):
        value, grads = jax.value_and_grad(loss)(p)
        updates, state = opt.update(grads, state, p)
        plain_updates, plain_state = plain.update(grads, plain_state, p)
        return optax.apply_updates(p, updates), state, plain_state, value, grads, updates, plain_updates

    state, plain_state = opt.init(params), plain.init(params)
    rates, losses = [], []
    for _ in range(50):
        params, state, plain_state, value, grads, updates, plain_updates = step(params, state, plain_state)
        lr = state.hyperparams["learning_rate"]
        rates.append(float(lr))
        losses.append(float(value))
        for k in params:
            np.testing.assert_array_equal(updates[k], -lr * grads[k])
            np.testing.assert_array_equal(plain_updates[k], updates[k])
    _kernel_check(np.array(rates), spec, np.arange(50))
    assert int(state.count) == 50
    assert losses[-1] < losses[0]


_X64_SCRIPT = textwrap.dedent("""
    import json, sys
    import jax, numpy as np, lrspec
    from lrspec.conformance import check, default_steps
    assert jax.config.read("jax_enable_x64")
    cases = json.loads(sys.argv[1])
    steps = np.unique(np.concatenate([default_steps(), np.array(cases.pop("__extra__"), dtype=np.int64)]))
    out = {}
    for name, schedule in cases.items():
        report = check(lrspec.load({"lrspec": 1, "name": name, "schedule": schedule}), "jax", steps)
        out[name] = [report.passed, report.precision, report.steps, report.max_abs, report.detail]
    print(json.dumps(out))
""")


def test_x64_float64_up_to_2_pow_53():
    names = ["noise-normal-truncated", "noise-uniform-additive-decay", "restarts-double-decay",
             "restarts-fraction-limit", "polynomial-cycle", "sequence-nested-with-modifiers", "expression-arith",
             "piecewise-linear"]
    cases = {name: FAMILY[name] for name in names}
    cases.update({name: FAMILY[name] for name in ("linear-cosine-noisy", "inverse-sqrt-negative-shift",
                                                "piecewise-negative-steps", "one-cycle")})
    cases.update({name: BEYOND_INT32[name] for name in ("warmup-end-target-beyond-int32", "cyclical-long-down",
                                                        "warmup-end-target-beyond-uint32",
                                                        "piecewise-negative-and-beyond", "cosine-exponent-below-one")})
    # XLA divides by 49 through its reciprocal, and 49 * (1 / 49) < 1: the power 0.5 would show it at t >= 49
    cases["polynomial-horizon-49"] = {"type": "polynomial", "initial_lr": 0.1, "decay_steps": 49, "power": 0.5}
    extra = [2**32 - 1, 2**32, 2**32 + 5, 2**40 + 3, 2**53 - 2]
    env = {**os.environ, "JAX_ENABLE_X64": "1"}
    run = subprocess.run([sys.executable, "-c", _X64_SCRIPT, json.dumps({**cases, "__extra__": extra})], env=env,
                         capture_output=True, text=True, timeout=600, cwd=str(Path(__file__).resolve().parents[2]))
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(run.stdout.strip().splitlines()[-1])
    assert set(results) == set(cases)
    for name, (passed, precision, count, _, detail) in results.items():
        assert precision == "float64", name
        assert passed, f"{name}: {detail}"
        assert count > 2000 + len(extra)  # includes 2**53


#: Counts given as Python or NumPy integers, each evaluated in a fresh process with x64 off and with it on.
_CONCRETE_SCRIPT = textwrap.dedent("""
    import json, sys
    import jax, numpy as np, lrspec
    from lrspec.codegen import generate
    from lrspec.conformance import import_generated
    module = import_generated(generate(lrspec.load(json.loads(sys.argv[1])), "jax"), "gen_jax_concrete")
    counts = {"int 600": 600, "int64 600": np.int64(600), "uint64 600": np.uint64(600),
              "int32 2**31-1": np.int32(2**31 - 1), "int64 2**32+600": np.int64(2**32 + 600),
              "int 2**32+600": 2**32 + 600, "uint32 2**31": np.uint32(2**31), "uint64 2**63": np.uint64(2**63),
              "int64 array": np.array([600, 2**32 + 600], dtype=np.int64), "int64 2**53": np.int64(2**53),
              "int 2**53+1": 2**53 + 1, "int64 -1": np.int64(-1), "int 10**400": 10**400}
    out = {"x64": jax.config.read("jax_enable_x64")}
    for name, count in counts.items():
        try:
            out[name] = ["value", np.asarray(module.schedule(count), dtype=np.float64).tolist()]
        except Exception as exc:
            out[name] = ["error", type(exc).__name__, str(exc)]
    print(json.dumps(out))
""")


def _concrete_counts(x64: bool) -> dict:
    """schedule(count) for each count of _CONCRETE_SCRIPT, in a process with jax_enable_x64 set as given."""
    document = {"lrspec": 1, "name": "concrete", "schedule": {"type": "cosine", "initial_lr": 0.1,
                                                              "decay_steps": 2**33}}
    env = {**os.environ, "JAX_ENABLE_X64": "1" if x64 else "0"}
    run = subprocess.run([sys.executable, "-c", _CONCRETE_SCRIPT, json.dumps(document)], env=env,
                         capture_output=True, text=True, timeout=600, cwd=str(Path(__file__).resolve().parents[2]))
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out.pop("x64") is x64
    return out


def _cosine(t: int) -> float:
    """spec/types/cosine.md with final_lr 0 and H = 2**33: 0 + 0.1 * (0.5 * (1 + cos((pi * t) / H)))."""
    return 0.0 + 0.1 * (0.5 * (1.0 + math.cos((math.pi * min(t, 2**33)) / 2**33)))


def test_numpy_int64_counts_are_not_wrapped_with_x64_off():
    out = _concrete_counts(x64=False)
    for name, t in (("int 600", 600), ("int64 600", 600), ("uint64 600", 600), ("int32 2**31-1", 2**31 - 1)):
        assert out[name][0] == "value", (name, out[name])
        assert out[name][1] == pytest.approx(_cosine(t), rel=0, abs=2e-8 + 1e-6 * _cosine(t)), name
    for name, shown in (("int64 2**32+600", "4294967896"), ("int 2**32+600", "4294967896"),
                        ("uint32 2**31", "2147483648"), ("int64 array", "4294967896"),
                        ("int64 2**53", "9007199254740992")):
        kind, error, message = out[name]
        assert (kind, error) == ("error", "ValueError"), (name, out[name])
        assert f"count {shown} is outside the domain 0 <= count <= 2**31 - 1" in message, message
        assert 'jax.config.update("jax_enable_x64", True)' in message, message
    for name, shown in (("uint64 2**63", "9223372036854775808"), ("int 2**53+1", "9007199254740993"),
                        ("int64 -1", "-1"), ("int 10**400", "1000000000...0000 (401 digits)")):
        kind, error, message = out[name]
        assert (kind, error) == ("error", "ValueError"), (name, out[name])
        assert message.startswith(f"count {shown} is outside the domain 0 <= count <= 2**31 - 1"), message
        assert "jax_enable_x64" not in message  # x64 would not help


def test_numpy_64_bit_counts_with_x64_on():
    out = _concrete_counts(x64=True)
    for name, t in (("int 600", 600), ("int64 600", 600), ("uint64 600", 600), ("int64 2**32+600", 2**32 + 600),
                    ("int 2**32+600", 2**32 + 600), ("uint32 2**31", 2**31), ("int64 2**53", 2**53)):
        assert out[name][0] == "value", (name, out[name])
        assert out[name][1] == pytest.approx(_cosine(t), rel=1e-12, abs=1e-13), name
    assert out["int64 array"][0] == "value"
    assert out["int64 array"][1] == pytest.approx([_cosine(600), _cosine(2**32 + 600)], rel=1e-12)
    for name, shown in (("uint64 2**63", "9223372036854775808"), ("int 2**53+1", "9007199254740993"),
                        ("int64 -1", "-1"), ("int 10**400", "1000000000...0000 (401 digits)")):
        kind, error, message = out[name]
        assert (kind, error) == ("error", "ValueError"), (name, out[name])
        assert message == f"count {shown} is outside the domain 0 <= count <= 2**53", message


_SAMPLES_X64 = textwrap.dedent("""
    import json, sys
    import jax, numpy as np, lrspec
    from lrspec.codegen import generate
    from lrspec.conformance import import_generated, within_tolerance
    assert jax.config.read("jax_enable_x64")
    spec = lrspec.load(json.loads(sys.argv[1]))
    module = import_generated(generate(spec, "jax"), "samples_x64")
    steps = np.array([*range(0, 1200), 2**24 + 1, 2**31 + 5, 10**12, 2**45 + 3, 2**53], dtype=np.int64)
    ok, _, _ = within_tolerance(np.asarray(module.schedule(steps), np.float64), spec.evaluate(steps), "float64")
    print(json.dumps(bool(ok.all())))
""")


def test_a_node_counted_in_samples_needs_x64_and_then_agrees():
    document = FAMILY_DOCUMENTS["node-samples-megatron"]
    module = _module(lrspec.load(document))  # samples pass 2**32 at step 2**24: 32-bit counters cannot hold them
    with pytest.raises(ValueError, match="need 64-bit counters"):
        module.schedule(5)
    env = {**os.environ, "JAX_ENABLE_X64": "1"}
    run = subprocess.run([sys.executable, "-c", _SAMPLES_X64, json.dumps(document)], capture_output=True, text=True,
                         env=env, timeout=300, check=True)
    assert json.loads(run.stdout.strip().splitlines()[-1]) is True
