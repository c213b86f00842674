"""Every method the suite times: lrspec itself, the generated modules, the libraries' nearest built-ins.

A method is ``make(n)``: a callable that evaluates steps 0..n-1 once (compiled or traced on its first
call). Libraries are imported only when their rows are built, and a missing one is reported, not fatal.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from specs import NUMPY, PERIOD, PHASES, SPECS, STEP_SIZE, TAIL_STEPS, WARMUP, cycle_starts

__all__ = ["Method", "methods", "reference_rows"]

Make = Callable[[int], Callable[[], Any]]


@dataclass(frozen=True)
class Method:
    label: str
    dtype: str
    make: Make
    loop: bool = False
    """A Python loop of scheduler steps: timed only for the sizes that fit the time budget."""


# -- lrspec --------------------------------------------------------------------------------------------------

def _lrspec(spec: Any, dtype: Any) -> Make:
    return lambda n: (lambda: spec.evaluate(range(n), dtype=dtype))


def lrspec_rows(name: str) -> list[Method]:
    import lrspec

    spec = lrspec.load(SPECS[name])
    return [Method("lrspec kernel", "float64", _lrspec(spec, np.float64)),
            Method("lrspec kernel", "float32", _lrspec(spec, np.float32))]


def audit_row(name: str) -> Method:
    import lrspec

    spec = lrspec.load(SPECS[name])
    return Method("lrspec streaming audit", "none", lambda n: (lambda: spec.audit(0, n)))


def numpy_row(name: str) -> Method:
    def make(n: int) -> Callable[[], Any]:
        out = np.empty(n)
        return lambda: NUMPY[name](n, out)
    return Method("numpy closed form", "float64", make)


def reference_rows() -> list[Method]:
    """The hardware's own limits: writing a float64 array, and libm's cos over float64 values."""
    def fill(n: int) -> Callable[[], Any]:
        out = np.empty(n)
        return lambda: out.fill(0.5)

    def cos(n: int) -> Callable[[], Any]:
        x = np.linspace(0.0, np.pi, n)
        out = np.empty(n)
        return lambda: np.cos(x, out=out)
    return [Method("fill a preallocated array (memory limit)", "float64", fill),
            Method("np.cos over float64 (libm, one core)", "float64", cos)]


# -- generated modules -----------------------------------------------------------------------------------------

_TMP = Path(tempfile.mkdtemp(prefix="lrspec-bench-"))


def _generated(name: str, target: str) -> types.ModuleType:
    import lrspec
    from lrspec.codegen import generate

    path = _TMP / f"gen_{name}_{target}.py"
    path.write_text(generate(lrspec.load(SPECS[name]), target), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def _jax_vector(schedule: Callable[[Any], Any]) -> Make:
    import jax
    import jax.numpy as jnp

    def make(n: int) -> Callable[[], Any]:
        steps = jnp.arange(n, dtype=jnp.int32)  # an argument, so that XLA cannot fold the result into a constant
        f = jax.jit(schedule)
        return lambda: f(steps).block_until_ready()
    return make


def _tf_vector(schedule: Callable[[Any], Any]) -> Make:
    import tensorflow as tf

    def make(n: int) -> Callable[[], Any]:
        steps = tf.range(n, dtype=tf.int64)  # an argument: grappler would fold a range built inside the graph
        f = tf.function(schedule)
        return lambda: f(steps)
    return make


def _sgd(lr: float) -> Any:
    import torch

    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def _torch_loop(build: Callable[[Any], Any], lr: float, timm: bool = False) -> Make:
    """Step a fresh scheduler n times, reading the optimizer's rate at every step (what training sees)."""
    def make(n: int) -> Callable[[], Any]:
        def run() -> Any:
            opt = _sgd(lr)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sched = build(opt)
                group = opt.param_groups[0]
                out = np.empty(n)
                if timm:
                    for t in range(n):
                        sched.step(t)
                        out[t] = group["lr"]
                else:
                    for t in range(n):
                        out[t] = group["lr"]
                        sched.step()
            return out
        return run
    return make


def _timm(module: str, name: str) -> Any:
    """A timm scheduler class without ``timm/__init__`` (which imports torchvision)."""
    import importlib

    if "timm" not in sys.modules:
        found = importlib.util.find_spec("timm")
        if found is None or found.submodule_search_locations is None:
            raise ModuleNotFoundError("timm is not installed")
        package = types.ModuleType("timm")
        package.__path__ = list(found.submodule_search_locations)
        package.__spec__ = found
        sys.modules["timm"] = package
    return getattr(importlib.import_module(f"timm.scheduler.{module}"), name)


def _optax(name: str) -> Callable[[Any], Any] | None:
    import optax

    if name == "restarts":
        cycles = [optax.warmup_cosine_decay_schedule(0.0, 0.1, WARMUP, WARMUP + PERIOD, 0.0)]
        starts = cycle_starts(12)
        cycles += [optax.cosine_decay_schedule(0.1 * 0.5**i, int(starts[i + 1] - starts[i]), 0.0) for i in range(1, 11)]
        return optax.join_schedules(cycles, [WARMUP + int(s) for s in starts[1:11]])
    if name == "single":
        return optax.warmup_cosine_decay_schedule(0.0, 0.1, WARMUP, WARMUP + PERIOD, 0.0)
    if name == "four_phase":
        b1, b2, b3 = PHASES[0], PHASES[0] + PHASES[1], sum(PHASES)
        return optax.join_schedules(
            [optax.linear_schedule(0.0, 0.1, PHASES[0]), optax.constant_schedule(0.1),
             optax.cosine_decay_schedule(0.1, PHASES[2], 0.01), optax.exponential_decay(0.001, TAIL_STEPS, 0.5)],
            [b1, b2, b3])
    return None


def _keras(name: str) -> Callable[[Any], Any] | None:
    import keras

    if name == "restarts":  # no warmup: CosineDecay's warmup cannot take a step vector
        return keras.optimizers.schedules.CosineDecayRestarts(0.1, PERIOD, t_mul=2.0, m_mul=0.5, alpha=0.0)
    return None


def _torch_builtin(name: str) -> Callable[[Any], Any]:
    from torch.optim import lr_scheduler as S

    if name == "restarts":
        return lambda o: S.SequentialLR(o, [S.LinearLR(o, 1e-8, 1.0, WARMUP),
                                            S.CosineAnnealingWarmRestarts(o, PERIOD, T_mult=2)], [WARMUP])
    if name == "triangular2":
        return lambda o: S.CyclicLR(o, 1e-4, 1e-2, STEP_SIZE, mode="triangular2", cycle_momentum=False)
    b1, b2, b3 = PHASES[0], PHASES[0] + PHASES[1], sum(PHASES)
    return lambda o: S.SequentialLR(o, [S.LinearLR(o, 1e-8, 1.0, b1), S.ConstantLR(o, 1.0, PHASES[1]),
                                        S.CosineAnnealingLR(o, PHASES[2], 0.001),
                                        S.ExponentialLR(o, 0.5 ** (1.0 / TAIL_STEPS))], [b1, b2, b3])


def _timm_builtin(name: str) -> Callable[[Any], Any] | None:
    cosine = _timm("cosine_lr", "CosineLRScheduler")
    if name == "restarts":
        return lambda o: cosine(o, PERIOD, lr_min=0.0, cycle_mul=2.0, cycle_decay=0.5, cycle_limit=64,
                                warmup_t=WARMUP, warmup_lr_init=0.0, warmup_prefix=True)
    if name == "four_phase":  # warmup + cosine + noise: timm has no constant or tail phase
        return lambda o: cosine(o, PHASES[2], lr_min=0.001, warmup_t=PHASES[0], warmup_lr_init=0.0,
                                warmup_prefix=True, noise_range_t=(0, 2**62), noise_pct=0.2, noise_std=0.05,
                                noise_seed=7)
    return None


NEAREST = {
    "restarts": "optax: warmup_cosine_decay + cosine_decay cycles joined; Keras: CosineDecayRestarts (no warmup); "
                "torch: SequentialLR(LinearLR, CosineAnnealingWarmRestarts) (no decay); timm: CosineLRScheduler",
    "triangular2": "optax, Keras and timm have no cyclical schedule; torch: CyclicLR(mode='triangular2')",
    "four_phase": "optax: join_schedules of the four phases (no noise); Keras: none; "
                  "torch: SequentialLR of the four phases (no noise); timm: CosineLRScheduler with warmup and noise",
}


def methods(name: str) -> tuple[list[Method], list[str]]:
    """Every row of spec ``name`` that can run here, and a note for each that cannot."""
    rows = [*lrspec_rows(name), numpy_row(name)]
    notes: list[str] = []

    def attempt(label: str, dtype: str, build: Callable[[], Make | None], loop: bool = False) -> None:
        try:
            make = build()
        except Exception as exc:  # a library that is missing or fails to import is a note, not a crash
            notes.append(f"{label}: not run ({type(exc).__name__}: {exc})")
            return
        if make is None:
            notes.append(f"{label}: no such schedule in the library")
        else:
            rows.append(Method(label, dtype, make, loop))

    attempt("generated JAX, jax.jit over an arange", "float32",
            lambda: _jax_vector(_generated(name, "jax").schedule))
    attempt("optax nearest, jax.jit over an arange", "float32",
            lambda: (lambda s: None if s is None else _jax_vector(s))(_optax(name)))
    if name == "restarts":  # the reference row: a single warmup + cosine cycle, cheaper than spec 1
        attempt("optax warmup_cosine_decay_schedule (one cycle), jax.jit over an arange", "float32",
                lambda: _jax_vector(_optax("single")))
    attempt("generated Keras schedule, tf.function on a step vector", "float32",
            lambda: _tf_vector(_class(_generated(name, "tf"))()))
    attempt("Keras nearest built-in, tf.function on a step vector", "float32",
            lambda: (lambda s: None if s is None else _tf_vector(s))(_keras(name)))
    lr0 = SPECS[name]["schedule"].get("initial_lr", 0.1)
    attempt("generated torch scheduler, stepping loop", "float64",
            lambda: _torch_loop(lambda o: _class(_generated(name, "torch"))(o), lr0), loop=True)
    attempt("torch nearest built-in, stepping loop", "float64",
            lambda: _torch_loop(_torch_builtin(name), lr0), loop=True)
    attempt("timm nearest, step(t) loop", "float64",
            lambda: (lambda b: None if b is None else _torch_loop(b, lr0, timm=True))(_timm_builtin(name)),
            loop=True)
    return rows, notes


def _class(module: types.ModuleType) -> Any:
    """The one schedule class a generated module defines."""
    (cls,) = [v for k, v in vars(module).items() if isinstance(v, type) and v.__module__ == module.__name__
              and not k.startswith("_")]
    return cls
