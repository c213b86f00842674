"""The reference evaluator: a Numba kernel per plan, float64, int64 counters, over steps in parallel threads.

This is the only package that imports numba; ``import lrspec`` and ``lrspec validate`` never reach it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from ..diagnostics import Diagnostic, LrspecError
from ..lower import lower
from ..model import T_MAX
from ..spec import shown
from .cache import load_kernel
from .source import kernel_data, kernel_source

if TYPE_CHECKING:
    from ..spec import Audit, Spec

__all__ = ["evaluate", "audit", "kernel_for", "warmup"]

#: From this many steps on, a call is split into one contiguous part per thread (the kernels release the GIL).
#: The kernels themselves are serial: Numba's parallel loops would cost a second compilation of each.
PARALLEL_FROM = 1 << 15
#: From this many steps on, an array or a strided range takes the segment fillers (their first use in a process
#: compiles a second set of fillers); fewer steps are evaluated step by step. Both give the same values.
SEGMENTS_FROM = 1 << 15


class _Bound:
    """A kernel module with the document's numbers bound: ``kernel.f(args)`` calls ``f(args, P, I)``."""

    def __init__(self, module: ModuleType, data: tuple[Any, Any]) -> None:
        self.module = module
        self.data = data

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.module, name)
        return _BoundFunction(value, self.data) if callable(value) else value


class _BoundFunction:
    """A kernel function with the document's numbers as its last arguments; other attributes are the
    dispatcher's (its compile statistics, for instance)."""

    def __init__(self, fn: Any, data: tuple[Any, Any]) -> None:
        self.fn = fn
        self.data = data

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args, *self.data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fn, name)


def kernel_for(spec: Spec) -> _Bound:
    """The compiled kernel of ``spec``'s structure, bound to its numbers: generated, cached on disk (in memory when
    the cache directory cannot be used, with a :class:`~lrspec.diagnostics.KernelCacheWarning`), imported once
    per process."""
    kernel = spec.__dict__.get("_kernel")
    if kernel is None:
        plan = lower(spec.document, momentum=False)
        kernel = _Bound(load_kernel(kernel_source(plan)), kernel_data(plan))
        spec.__dict__["_kernel"] = kernel
    return kernel


def _bad_steps(message: str) -> LrspecError:
    return LrspecError(Diagnostic(message, "steps"))


def _outside(t: Any) -> LrspecError:
    return _bad_steps(f"step {shown(t)} is outside the domain 0 <= t <= 2**53")


def _as_steps(steps: Any) -> tuple[str, Any]:
    """Classify and check the steps argument by spec/targets.md#inputs: ('int', t), ('range', range) or
    ('array', array). Floats holding integers are steps; booleans are not. An integer array's domain is checked
    by the kernel as it reads the steps."""
    if isinstance(steps, (bool, np.bool_)):
        raise _bad_steps("steps must be integers, got a boolean")
    if isinstance(steps, (int, np.integer)):
        if not 0 <= steps <= T_MAX:
            raise _outside(steps)
        return "int", int(steps)
    if isinstance(steps, (float, np.floating)):
        t = float(steps)
        if not t.is_integer():
            raise _bad_steps(f"steps must be integers, got {shown(t)}")
        if not 0 <= t <= T_MAX:
            raise _outside(t)
        return "int", int(t)
    if isinstance(steps, range):
        for t in (steps[0], steps[-1]) if len(steps) else ():
            if not 0 <= t <= T_MAX:
                raise _outside(t)
        return "range", steps
    arr = np.asarray(steps)
    if arr.dtype.kind == "b":
        raise _bad_steps("steps must be integers, got booleans")
    if arr.size == 0:
        return "array", np.empty(arr.shape, dtype=np.int64)
    if arr.dtype.kind not in "fiu":
        raise _bad_steps(f"steps must be integers, got an array of {arr.dtype}")
    if arr.dtype.kind == "f":
        if not (np.all(np.isfinite(arr)) and np.all(arr == np.floor(arr))):
            bad = ~np.isfinite(arr) | (arr != np.floor(arr))
            raise _bad_steps(f"steps must be integers, got {shown(arr[bad].flat[0])}")
        if arr.min() < 0 or arr.max() > T_MAX:  # before a conversion to int64 could wrap them into the domain
            raise _outside(arr[(arr < 0) | (arr > T_MAX)].flat[0])
    return "array", arr


def _array_steps(arr: np.ndarray) -> np.ndarray:
    """The steps of an array as contiguous int64 (a uint64 beyond 2**63 wraps negative: the kernel refuses it)."""
    return np.ascontiguousarray(arr.reshape(-1)).astype(np.int64, copy=False)


_pool: Any = None


def _in_parts(n: int, work: Callable[[int, int], Any], parallel_from: int = PARALLEL_FROM,
              threads: int | None = None) -> list[Any]:
    """``work(lo, hi)`` over [0, n): on this thread below ``parallel_from``, else in one contiguous part per
    thread (Numba's thread count, or ``threads``); the parts' results in order. The first call, on an empty part,
    compiles on this thread (an interrupt stops it there)."""
    global _pool
    from numba import config

    threads = max(1, min(int(config.NUMBA_NUM_THREADS), threads or 1 << 30))
    work(0, 0)
    if n < parallel_from or threads == 1:
        return [work(0, n)]
    if _pool is None:
        from concurrent.futures import ThreadPoolExecutor

        _pool = ThreadPoolExecutor(max_workers=threads - 1, thread_name_prefix="lrspec")
    bounds = [n * k // threads for k in range(threads + 1)]
    parts = [_pool.submit(work, lo, hi) for lo, hi in zip(bounds[1:-1], bounds[2:], strict=True)]
    first = work(bounds[0], bounds[1])
    return [first, *(part.result() for part in parts)]


def evaluate(spec: Spec, steps: Any, dtype: Any = None) -> Any:
    """lr at each step: a float for a scalar step, else an array shaped like ``steps``."""
    out_dtype = np.dtype(np.float64 if dtype is None else dtype)
    if out_dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise LrspecError(Diagnostic(f"dtype must be float64 or float32, got {out_dtype}", "dtype"))
    kind, value = _as_steps(steps)
    kernel = kernel_for(spec)
    if kind == "int":
        return out_dtype.type(kernel.lr_scalar(value)) if dtype is not None else float(kernel.lr_scalar(value))
    if kind == "range":
        if value.step < 0:  # descending: the ascending range, reversed
            return evaluate(spec, value[::-1], dtype)[::-1].copy()
        out = np.empty(len(value), dtype=out_dtype)
        start, stride = value.start, value.step
        if stride == 1:
            run = kernel.fill_run32 if out_dtype == np.dtype(np.float32) else kernel.fill_run64
            _in_parts(len(out), lambda lo, hi: run(start + lo, out[lo:hi]))
        elif len(out) < SEGMENTS_FROM:
            kernel.fill_each(np.arange(start, start + len(out) * stride, stride, dtype=np.int64), out)
        else:
            _in_parts(len(out), lambda lo, hi: kernel.fill_range(start + lo * stride, stride, out[lo:hi]))
        return out
    flat = _array_steps(value)
    out = np.empty(flat.shape[0], dtype=out_dtype)
    fill = (kernel.fill_each if len(out) < SEGMENTS_FROM else
            kernel.fill_steps32 if out_dtype == np.dtype(np.float32) else kernel.fill_steps64)
    found = _in_parts(len(out), lambda lo, hi: _shifted(fill(flat[lo:hi], out[lo:hi]), lo))
    outside = [k for k in found if k >= 0]
    if outside:
        raise _outside(value.reshape(-1)[outside[0]])
    return out.reshape(value.shape)


def _shifted(index: int, lo: int) -> int:
    """A fill's index of a step outside the domain, counted from the whole array's start (-1: none)."""
    return index if index < 0 else lo + index


def audit(spec: Spec, start: Any, stop: int | None, progress: Callable[[int], None] | None = None) -> Audit:
    """Streaming statistics of lr(t) for start <= t < stop (:mod:`lrspec.eval.auditing`), or, with ``stop`` None,
    of lr at the steps ``start`` (a range or an array); ``progress`` is called with the number of steps done after
    each block."""
    from .auditing import audit_part, audit_steps

    if stop is not None:
        return audit_part(kernel_for(spec), start, min(stop, T_MAX + 1), progress=progress).audit()
    kind, steps = _as_steps(start)
    if kind == "int":
        raise _bad_steps("audit takes start and stop, or a range or an array of steps; got one step")
    if kind == "range" and steps.step == 1 and len(steps):
        return audit_part(kernel_for(spec), steps.start, steps.stop, progress=progress).audit()
    flat = np.arange(steps.start, steps.stop, steps.step, dtype=np.int64) if kind == "range" else \
        _array_steps(steps)
    if not len(flat):
        raise _bad_steps("there are no steps to audit")
    result = audit_steps(kernel_for(spec), flat, flat if kind == "range" else steps, progress).audit()
    return replace(result, start=int(flat.min()), stop=int(flat.max()) + 1)


def warmup() -> None:
    """Compile the shared helpers (in memory, once per process) and a tiny kernel, so that later first calls in
    this process only compile or load their own kernel."""
    from ..spec import load

    load({"lrspec": 1, "schedule": {"type": "constant", "lr": 0.0,
                                     "noise": {"seed": 0}}}).evaluate(range(2))
