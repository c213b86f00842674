"""Conformance of generated code: run each target's module with its real framework and compare with the kernel
(the rate, and the momentum schedule when the document has one).

The tolerance rule is spec/targets.md: a float32 target passes when
``|target - ref| <= 2e-7 * max|ref| + 1e-6 * |ref|`` at every checked step, a float64 target when
``|target - ref| <= 1e-12 * max|ref|``; NaN must meet NaN and an infinity the same infinity.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from .codegen import default_class_name, generate

if TYPE_CHECKING:
    from .spec import Spec

__all__ = ["Report", "check", "reference", "default_steps", "import_generated", "target_values", "momentum_values", "TARGET_PRECISION",
           "TARGET_MAX_STEP", "within_tolerance"]

#: The arithmetic each target computes in (jax: float32 unless x64 is enabled).
TARGET_PRECISION = {"torch": "float64", "tf": "float32", "jax": "float32"}
#: The last step each target accepts (jax: int32 counts unless x64 is enabled).
TARGET_MAX_STEP = {"torch": 2**53, "tf": 2**53, "jax": 2**31 - 1}
_SPARSE = (2**24 - 1, 2**24, 2**24 + 1, 2**31 - 1, 2**31, 2**31 + 5, 10**12, 2**53 - 1, 2**53)


@dataclass(frozen=True)
class Report:
    """The outcome of one target on one spec."""

    target: str
    steps: int
    max_abs: float
    max_rel: float
    passed: bool
    precision: str
    detail: str = ""


def _jax_x64() -> bool:
    import jax

    return bool(jax.config.read("jax_enable_x64"))


def precision(target: str) -> str:
    if target == "jax" and _jax_x64():
        return "float64"
    return TARGET_PRECISION[target]


def max_step(target: str) -> int:
    if target == "jax" and _jax_x64():
        return 2**53
    return TARGET_MAX_STEP[target]


def default_steps(dense: int = 2000, limit: int = 2**53) -> np.ndarray:
    """Steps 0..dense-1 and the large steps where float32 counters and int32 overflow go wrong."""
    steps = np.concatenate([np.arange(dense, dtype=np.int64),
                            np.array([s for s in _SPARSE if s <= limit], dtype=np.int64)])
    return np.unique(steps[steps <= limit])


def import_generated(source: str, name: str) -> ModuleType:
    """Import generated code the way a user would: as a module file."""
    directory = Path(tempfile.mkdtemp(prefix="lrspec-generated-"))
    path = directory / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def target_values(module: ModuleType, target: str, class_name: str, steps: np.ndarray) -> np.ndarray:
    """lr at ``steps`` from a generated module, through the entry point a user calls."""
    if target == "torch":
        return np.array([module.lr_at(int(t)) for t in steps], dtype=np.float64)
    if target == "tf":
        import tensorflow as tf

        schedule = getattr(module, class_name)()
        return np.asarray(schedule(tf.constant(steps, dtype=tf.int64)).numpy(), dtype=np.float64)
    if target == "jax":
        import jax
        import jax.numpy as jnp

        dtype = jnp.int64 if _jax_x64() else jnp.int32
        return np.asarray(jax.jit(module.schedule)(jnp.asarray(steps, dtype=dtype)), dtype=np.float64)
    raise ValueError(f"unknown target {target!r}")


def momentum_values(module: ModuleType, target: str, steps: np.ndarray) -> np.ndarray:
    """The momentum schedule at ``steps`` from a generated module (spec/targets.md#momentum)."""
    if target == "torch":
        return np.array([module.momentum_at(int(t)) for t in steps], dtype=np.float64)
    if target == "tf":
        import tensorflow as tf

        return np.asarray(module.momentum_at(tf.constant(steps, dtype=tf.int64)).numpy(), dtype=np.float64)
    if target == "jax":
        import jax
        import jax.numpy as jnp

        dtype = jnp.int64 if _jax_x64() else jnp.int32
        return np.asarray(jax.jit(module.momentum)(jnp.asarray(steps, dtype=dtype)), dtype=np.float64)
    raise ValueError(f"unknown target {target!r}")


def within_tolerance(got: np.ndarray, ref: np.ndarray, prec: str) -> tuple[np.ndarray, float, float]:
    """Per-step pass mask, max absolute and max relative error, by the rule of spec/targets.md."""
    finite = np.isfinite(ref)
    scale = float(np.max(np.abs(ref[finite]))) if finite.any() else 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.where(finite, np.abs(got - ref), 0.0)
    if prec == "float32":
        bound = 2e-7 * scale + 1e-6 * np.abs(np.where(finite, ref, 0.0))
    else:
        bound = np.full(ref.shape, 1e-12 * scale)
    same_special = np.where(np.isnan(ref), np.isnan(got), got == ref)
    ok = np.where(finite, np.isfinite(got) & (err <= bound), same_special)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(finite & (ref != 0), err / np.abs(ref), 0.0)
    return ok, float(err.max(initial=0.0)), float(rel.max(initial=0.0))


def reference(spec: Spec, steps: Any) -> Any:
    """The reference evaluator's rates at the optimizer steps that drive generated code: ``spec.evaluate(steps)``,
    or, for a document that counts epochs of ``steps_per_epoch`` steps, its rates at ``steps // steps_per_epoch``
    (spec/targets.md#epochs)."""
    per = spec.document.steps_per_epoch if spec.document.unit == "epoch" else None
    if per is None:
        return spec.evaluate(steps)
    if isinstance(steps, (int, np.integer)):
        return spec.evaluate(int(steps) // per)
    return spec.evaluate(np.asarray(steps, dtype=np.int64) // per)


def check(spec: Spec, target: str, steps: np.ndarray | None = None) -> Report:
    """Generate ``spec`` for ``target``, run it with the real framework, compare with the kernel."""
    prec = precision(target)
    limit = max_step(target)
    if steps is None:
        steps = default_steps(limit=limit)
    steps = np.asarray(steps, dtype=np.int64)
    steps = steps[steps <= limit]
    class_name = default_class_name(spec)
    module = import_generated(generate(spec, target, class_name), f"lrspec_generated_{target}_{spec.digest()[:12]}")
    runs = [("lr", target_values(module, target, class_name, steps), reference(spec, steps))]
    momentum = spec.momentum
    if momentum is not None:
        runs.append(("momentum", momentum_values(module, target, steps), reference(momentum, steps)))
    passed, max_abs, max_rel, details = True, 0.0, 0.0, []
    for label, got, ref in runs:
        ok, err, rel = within_tolerance(got, ref, prec)
        max_abs, max_rel = max(max_abs, err), max(max_rel, rel)
        if not ok.all():
            passed = False
            bad = int(np.argmin(ok))
            details.append(f"{label}: first failure at step {int(steps[bad])}: {target} {got[bad]!r}, "
                           f"reference {ref[bad]!r}")
    return Report(target, int(steps.size), max_abs, max_rel, passed, prec, "; ".join(details))
