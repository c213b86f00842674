"""The momentum schedule against torch's own momentum cycle, and applied by the generated torch, tf and jax code.

torch's ``OneCycleLR`` and ``CyclicLR`` write the momentum to ``param_groups[i]["momentum"]`` (SGD) or
``["betas"][0]`` (Adam) in every ``step()``; the t-th value read before a step is m(t), as for the rate.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as L

import lrspec
from lrspec.codegen import default_class_name, generate
from lrspec.conformance import check, import_generated

TOL = 1e-12

CASES = [
    pytest.param({"type": "torch.OneCycleLR", "max_lr": 0.1, "total_steps": 300},
                 lambda o: L.OneCycleLR(o, max_lr=0.1, total_steps=300), 300, id="OneCycleLR-defaults"),
    pytest.param({"type": "torch.OneCycleLR", "max_lr": 0.05, "total_steps": 400, "three_phase": True,
                  "anneal_strategy": "linear", "base_momentum": 0.7, "max_momentum": 0.99, "pct_start": 0.25},
                 lambda o: L.OneCycleLR(o, max_lr=0.05, total_steps=400, three_phase=True, anneal_strategy="linear",
                                        base_momentum=0.7, max_momentum=0.99, pct_start=0.25),
                 400, id="OneCycleLR-three-phase-linear"),
    pytest.param({"type": "torch.OneCycleLR", "max_lr": 0.2, "epochs": 7, "steps_per_epoch": 31,
                  "base_momentum": 0.9, "max_momentum": 0.8},
                 lambda o: L.OneCycleLR(o, max_lr=0.2, epochs=7, steps_per_epoch=31, base_momentum=0.9,
                                        max_momentum=0.8), 217, id="OneCycleLR-inverted-bounds"),
    pytest.param({"type": "torch.CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 20},
                 lambda o: L.CyclicLR(o, 0.001, 0.01, 20), 200, id="CyclicLR-triangular"),
    pytest.param({"type": "torch.CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 7,
                  "step_size_down": 13, "mode": "triangular2", "base_momentum": 0.6, "max_momentum": 0.95},
                 lambda o: L.CyclicLR(o, 0.001, 0.01, 7, 13, mode="triangular2", base_momentum=0.6,
                                      max_momentum=0.95), 300, id="CyclicLR-triangular2-asymmetric"),
    pytest.param({"type": "torch.CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 11,
                  "mode": "exp_range", "gamma": 0.995},
                 lambda o: L.CyclicLR(o, 0.001, 0.01, 11, mode="exp_range", gamma=0.995), 300, id="CyclicLR-exp_range"),
    pytest.param({"type": "torch.CyclicLR", "base_lr": 0.001, "max_lr": 0.005, "step_size_up": 9,
                  "scale_fn": "1 / (1 + k * (x - 1))", "params": {"k": 0.5}},
                 lambda o: L.CyclicLR(o, 0.001, 0.005, 9, scale_fn=lambda x: 1 / (1 + 0.5 * (x - 1))), 200,
                 id="CyclicLR-scale_fn"),
]

OPTIMIZERS = {
    "sgd": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9),
    "adam": lambda params, lr: torch.optim.Adam(params, lr=lr),
}


def _momentum(group: dict) -> float:
    return group["betas"][0] if "betas" in group else group["momentum"]


def torch_run(build, optimizer: str, n: int, *, updates: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(lr(t), m(t)) for t = 0 .. n-1 as torch's scheduler leaves them in the optimizer."""
    param = torch.nn.Parameter(torch.ones(2))
    opt = OPTIMIZERS[optimizer]([param], 0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = build(opt)
        lrs, moms = np.empty(n), np.empty(n)
        for t in range(n):
            group = opt.param_groups[0]
            lrs[t], moms[t] = group["lr"], _momentum(group)
            if t + 1 < n:
                if updates:
                    param.grad = torch.full_like(param, 0.5)
                    opt.step()
                sched.step()
    return lrs, moms


def assert_close(got: np.ndarray, ref: np.ndarray, tol: float = TOL) -> None:
    err = np.abs(got - ref)
    bound = tol * np.abs(ref).max()
    bad = np.nonzero(~(err <= bound))[0]
    assert bad.size == 0, f"{bad.size} steps differ; first at t = {bad[0]}: got {got[bad[0]]!r}, torch {ref[bad[0]]!r}"


def spec_of(schedule: dict) -> lrspec.Spec:
    return lrspec.load({"lrspec": 1, "name": "momentum-case", "schedule": schedule})


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize(("schedule", "build", "n"), CASES)
def test_kernel_momentum_is_torchs(schedule, build, n, optimizer):
    lrs, moms = torch_run(build, optimizer, n)
    spec = spec_of(schedule)
    assert spec.momentum is not None
    assert_close(spec.momentum.evaluate(range(n)), moms)
    assert_close(spec.evaluate(range(n)), lrs)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize(("schedule", "build", "n"), CASES[:2] + CASES[4:5])
def test_generated_torch_scheduler_sets_lr_and_momentum_like_torch(schedule, build, n, optimizer):
    spec = spec_of(schedule)
    name = default_class_name(spec)
    module = import_generated(generate(spec, "torch", name), f"momentum_torch_{spec.digest()[:12]}")
    lrs, moms = torch_run(build, optimizer, n, updates=True)
    got_lr, got_m = torch_run(lambda opt: getattr(module, name)(opt), optimizer, n, updates=True)
    assert_close(got_lr, lrs)
    assert_close(got_m, moms)


def test_generated_torch_scheduler_refuses_an_optimizer_without_momentum_as_torch_does():
    spec = spec_of({"type": "torch.OneCycleLR", "max_lr": 0.1, "total_steps": 100})
    name = default_class_name(spec)
    module = import_generated(generate(spec, "torch", name), f"momentum_torch_{spec.digest()[:12]}")
    param = torch.nn.Parameter(torch.ones(1))
    with pytest.raises(ValueError, match="momentum"):
        L.OneCycleLR(torch.optim.Adagrad([param], lr=0.1), max_lr=0.1, total_steps=100)
    with pytest.raises(ValueError, match="neither betas nor momentum"):
        getattr(module, name)(torch.optim.Adagrad([param], lr=0.1))


def test_without_cycle_momentum_there_is_no_momentum_and_any_optimizer_works():
    spec = spec_of({"type": "torch.OneCycleLR", "max_lr": 0.1, "total_steps": 100, "cycle_momentum": False})
    assert spec.momentum is None
    source = generate(spec, "torch", "S")
    assert "momentum_at" not in source
    module = import_generated(source, f"momentum_torch_off_{spec.digest()[:12]}")
    module.S(torch.optim.Adagrad([torch.nn.Parameter(torch.ones(1))], lr=0.1))


@pytest.mark.parametrize("target", ["torch", "tf", "jax"])
@pytest.mark.parametrize(("schedule", "build", "n"), [CASES[1], CASES[4]])
def test_generated_momentum_conforms_to_the_kernel(schedule, build, n, target):
    report = check(spec_of(schedule), target)
    assert report.passed, report.detail


def test_an_explicit_momentum_node_is_generated_for_every_target():
    spec = lrspec.load({"lrspec": 1, "name": "sgdr-momentum",
                        "schedule": {"type": "cosine", "initial_lr": 0.1, "decay_steps": 50,
                                     "restarts": {"period": 50, "period_mul": 2}},
                        "momentum": {"type": "piecewise_constant", "boundaries": [30, 90], "values": [0.8, 0.9, 0.95]}})
    for target in ("torch", "tf", "jax"):
        report = check(spec, target)
        assert report.passed, (target, report.detail)
    values = spec.momentum.evaluate([0, 29, 30, 31, 89, 90, 10**12])
    assert values.tolist() == [0.8, 0.8, 0.9, 0.9, 0.9, 0.95, 0.95]  # values change at a boundary (torch MultiStepLR)


def test_keras_callback_drives_adam_beta_1_through_fit():
    import keras
    import tensorflow as tf

    schedule = CASES[4].values[0]
    spec = spec_of(schedule)
    name = default_class_name(spec)
    module = import_generated(generate(spec, "tf", name), f"momentum_tf_{spec.digest()[:12]}")
    _, moms = torch_run(CASES[4].values[1], "adam", 40)
    seen: list[float] = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(float(self.model.optimizer.beta_1.numpy()))

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    beta_1 = module.momentum_variable()
    model.compile(keras.optimizers.Adam(learning_rate=getattr(module, name)(), beta_1=beta_1), "mse")
    x = np.ones((80, 3), np.float32)
    model.fit(x, x[:, :1], batch_size=2, epochs=1, verbose=0, callbacks=[module.MomentumCallback(), Record()])
    assert len(seen) == 40
    np.testing.assert_allclose(seen, moms.astype(np.float32), rtol=0, atol=1e-7)
    assert float(beta_1.numpy()) == np.float32(moms[39])

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(learning_rate=0.1, momentum=0.9), "mse")
    with pytest.raises(ValueError, match="beta_1 must be a keras.Variable"):
        model.fit(x, x[:, :1], batch_size=2, epochs=1, verbose=0, callbacks=[module.MomentumCallback()])
    assert tf.executing_eagerly()


def test_optax_inject_hyperparams_takes_the_generated_momentum():
    import jax.numpy as jnp
    import optax

    schedule = CASES[0].values[0]
    spec = spec_of(schedule)
    module = import_generated(generate(spec, "jax", "S"), f"momentum_jax_{spec.digest()[:12]}")
    lrs, moms = torch_run(CASES[0].values[1], "sgd", 60)
    opt = optax.inject_hyperparams(optax.sgd)(learning_rate=module.schedule, momentum=module.momentum)
    params = jnp.ones(2)
    state = opt.init(params)
    got_lr, got_m = [], []
    for _ in range(60):
        updates, state = opt.update(jnp.full(2, 0.5), state, params)
        params = optax.apply_updates(params, updates)
        got_lr.append(float(state.hyperparams["learning_rate"]))
        got_m.append(float(state.hyperparams["momentum"]))
    # the hyperparameters held after update k are those of update k + 1's count, i.e. m(k)
    assert_close(np.array(got_m), moms, 1e-6)
    assert_close(np.array(got_lr), lrs, 1e-6)
