"""A document that counts epochs, driven as each framework drives a schedule: Keras' ``model.fit`` calls it with
``optimizer.iterations``, optax with its update count, a torch scheduler is stepped once per batch. Each must give
the spec's rate of epoch ``k // steps_per_epoch`` at optimizer step k (spec/targets.md#epochs)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import lrspec
from lrspec.codegen import default_class_name, generate
from lrspec.conformance import import_generated

PER_EPOCH = 7
EPOCHS = 6
DOC = {"lrspec": 1, "name": "epoch-steps", "unit": "epoch", "steps_per_epoch": PER_EPOCH,
       "schedule": {"type": "piecewise_constant", "boundaries": [3, 5], "values": [0.1, 0.02, 0.004],
                    "warmup": {"steps": 2, "initial_lr": 0.01}}}


@pytest.fixture(scope="module")
def spec() -> lrspec.Spec:
    return lrspec.load(DOC)


def _module(spec: lrspec.Spec, target: str):
    return import_generated(generate(spec, target), f"gen_epochs_{target}_{spec.digest()[:10]}")


def _expected(spec: lrspec.Spec, steps: np.ndarray) -> np.ndarray:
    """The spec's rate at the epoch of each optimizer step: the warm-up's first epoch is 0.01, its second 0.055."""
    per_epoch = np.array([0.01, 0.055, 0.1, 0.1, 0.1, 0.02, 0.02, 0.004])  # warm-up 2 epochs, then epochs 0, 1, ...
    np.testing.assert_allclose(spec.evaluate(np.arange(8)), per_epoch, rtol=1e-15)
    return spec.evaluate(steps // PER_EPOCH)


def _torch_rates(spec: lrspec.Spec, module, calls: int) -> list[float]:
    """The rate before each of ``calls`` optimizer steps, the generated scheduler stepped after each."""
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    scheduler = getattr(module, default_class_name(spec))(optimizer)
    seen = []
    for _ in range(calls):
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return seen


def test_torch_scheduler_stepped_once_per_batch(spec: lrspec.Spec) -> None:
    module = _module(spec, "torch")
    assert "once per batch" in module.__doc__
    seen = _torch_rates(spec, module, EPOCHS * PER_EPOCH)
    np.testing.assert_array_equal(seen, _expected(spec, np.arange(EPOCHS * PER_EPOCH)))


def test_keras_fit_calls_it_with_iterations(spec: lrspec.Spec) -> None:
    import keras

    module = _module(spec, "tf")
    schedule = getattr(module, default_class_name(spec))(dtype="float64")
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule), loss="mse")
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            optimizer = self.model.optimizer
            seen.append(float(optimizer.learning_rate))

    x = np.ones((PER_EPOCH * 4, 1), np.float32)
    model.fit(x, x, batch_size=4, epochs=EPOCHS, verbose=0, callbacks=[Record()], shuffle=False)
    np.testing.assert_allclose(seen, _expected(spec, np.arange(EPOCHS * PER_EPOCH)), rtol=1e-15)


def test_optax_updates_use_it_with_its_count(spec: lrspec.Spec) -> None:
    import jax.numpy as jnp
    import optax

    module = _module(spec, "jax")
    optimizer = optax.sgd(module.schedule)
    params = jnp.zeros(())
    state = optimizer.init(params)
    seen = []
    for _ in range(EPOCHS * PER_EPOCH):
        updates, state = optimizer.update(jnp.ones(()), state, params)  # gradient 1: the update is -lr
        seen.append(-float(updates))
    np.testing.assert_allclose(seen, _expected(spec, np.arange(EPOCHS * PER_EPOCH)), rtol=1e-6)  # float32 rates


@pytest.mark.parametrize("target", ["tf", "jax"])
def test_keras_and_optax_code_of_an_epoch_document_needs_steps_per_epoch(target: str) -> None:
    spec = lrspec.load({"lrspec": 1, "unit": "epoch", "schedule": {"type": "constant", "lr": 0.1}})
    with pytest.raises(lrspec.LrspecError, match="add steps_per_epoch: N to the document"):
        generate(spec, target)


def test_a_torch_scheduler_of_an_epoch_document_without_steps_per_epoch_is_stepped_per_epoch() -> None:
    spec = lrspec.load({key: value for key, value in DOC.items() if key != "steps_per_epoch"})
    module = _module(spec, "torch")
    assert "once per epoch, at its end, never once per batch" in module.__doc__
    np.testing.assert_array_equal(_torch_rates(spec, module, EPOCHS), spec.evaluate(np.arange(EPOCHS)))
