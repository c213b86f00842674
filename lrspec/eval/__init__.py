"""The reference evaluator: a Numba kernel per plan, float64, int64 counters, over steps in parallel threads.

This is the only package that imports numba; ``import lrspec`` and ``lrspec validate`` never reach it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..diagnostics import Diagnostic, LrspecError
from ..lower import lower
from ..model import T_MAX
from ..spec import shown
from .cache import load_kernel
from .source import kernel_data, kernel_source

from collections.abc import Callable
from types import ModuleType

if TYPE_CHECKING:

    from ..spec import Audit, Spec

__all__ = ["evaluate", "audit", "kernel_for", "warmup"]

#: From this many steps on, a call is split into one contiguous part per thread (the kernels release the GIL).
#: The kernels themselves are serial: Numba's parallel loops would cost a second compilation of each.
PARALLEL_FROM = 1 << 15
#: Steps per audit chunk, and chunks per streamed block (the block's arrays are all the memory used).
AUDIT_CHUNK = 1 << 16
AUDIT_BLOCK = 1 << 10


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
    ('array', int64 array). Floats holding integers are steps; booleans are not."""
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
    if arr.dtype.kind == "f" and not (np.all(np.isfinite(arr)) and np.all(arr == np.floor(arr))):
        bad = ~np.isfinite(arr) | (arr != np.floor(arr))
        raise _bad_steps(f"steps must be integers, got {shown(arr[bad].flat[0])}")
    if arr.min() < 0 or arr.max() > T_MAX:
        raise _outside(arr[(arr < 0) | (arr > T_MAX)].flat[0])
    return "array", arr.astype(np.int64)


_pool: Any = None


def _in_parts(n: int, work: Callable[[int, int], Any], parallel_from: int = PARALLEL_FROM) -> None:
    """``work(lo, hi)`` over [0, n): on this thread below ``parallel_from``, else in one contiguous part per
    thread. The first call, on an empty part, compiles on this thread (an interrupt stops it there)."""
    global _pool
    from numba import config

    threads = max(1, int(config.NUMBA_NUM_THREADS))
    work(0, 0)
    if n < parallel_from or threads == 1:
        work(0, n)
        return
    if _pool is None:
        from concurrent.futures import ThreadPoolExecutor

        _pool = ThreadPoolExecutor(max_workers=threads - 1, thread_name_prefix="lrspec")
    bounds = [n * k // threads for k in range(threads + 1)]
    parts = [_pool.submit(work, lo, hi) for lo, hi in zip(bounds[1:-1], bounds[2:], strict=True)]
    work(bounds[0], bounds[1])
    for part in parts:
        part.result()


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
        out = np.empty(len(value), dtype=out_dtype)
        start, stride = value.start, value.step
        if stride == 1:
            run = kernel.fill_run32 if out_dtype == np.dtype(np.float32) else kernel.fill_run64
            _in_parts(len(out), lambda lo, hi: run(start + lo, out[lo:hi]))
        else:
            _in_parts(len(out), lambda lo, hi: kernel.fill_range(start + lo * stride, stride, out[lo:hi]))
        return out
    flat = np.ascontiguousarray(value.reshape(-1))
    out = np.empty(flat.shape[0], dtype=out_dtype)
    _in_parts(len(out), lambda lo, hi: kernel.fill_steps(flat[lo:hi], out[lo:hi]))
    return out.reshape(value.shape)


def audit(spec: Spec, start: int, stop: int, progress: Callable[[int], None] | None = None) -> Audit:
    """Streaming statistics of lr(t) for start <= t < stop, in blocks of fixed-size chunks; ``progress`` is
    called with the number of steps done after each block."""
    from ..spec import Audit

    kernel = kernel_for(spec)
    stop = min(stop, T_MAX + 1)
    mins = np.empty(AUDIT_BLOCK)
    maxs = np.empty(AUDIT_BLOCK)
    sums = np.empty(AUDIT_BLOCK)
    comps = np.empty(AUDIT_BLOCK)
    counts = np.empty(AUDIT_BLOCK, dtype=np.int64)
    bad = np.empty(AUDIT_BLOCK, dtype=np.int64)
    sums64 = np.empty(AUDIT_BLOCK, dtype=np.uint64)
    lo_all, hi_all = np.inf, -np.inf
    total = total_comp = 0.0
    finite = nonfinite = 0
    checksum = 0
    block_steps = AUDIT_CHUNK * AUDIT_BLOCK
    for lo in range(start, stop, block_steps):
        hi = min(lo + block_steps, stop)
        n = -(-(hi - lo) // AUDIT_CHUNK)

        def chunks(c0: int, c1: int, lo: int = lo, hi: int = hi) -> None:
            kernel.audit_block(lo + c0 * AUDIT_CHUNK, min(lo + c1 * AUDIT_CHUNK, hi), AUDIT_CHUNK, mins[c0:c1],
                               maxs[c0:c1], sums[c0:c1], comps[c0:c1], counts[c0:c1], bad[c0:c1], sums64[c0:c1])

        _in_parts(n, chunks, parallel_from=2)
        lo_all = min(lo_all, float(mins[:n].min()))
        hi_all = max(hi_all, float(maxs[:n].max()))
        for s, c in zip(sums[:n].tolist(), comps[:n].tolist()):
            y = total + s
            total_comp += ((total - y) + s if abs(total) >= abs(s) else (s - y) + total) + c
            total = y
        finite += int(counts[:n].sum())
        nonfinite += int(bad[:n].sum())
        checksum = (checksum + sum(int(x) for x in sums64[:n].tolist())) % (1 << 64)
        if progress is not None:
            progress(hi - start)
    count = stop - start
    mean = (total + total_comp) / finite if finite else float("nan")
    return Audit(start=start, stop=stop, count=count,
                 min=lo_all if finite else float("nan"), max=hi_all if finite else float("nan"),
                 mean=mean, first=float(kernel.lr_scalar(start)), last=float(kernel.lr_scalar(stop - 1)),
                 nonfinite=nonfinite, checksum=f"{checksum:016x}")


def warmup() -> None:
    """Compile the shared helpers (in memory, once per process) and a tiny kernel, so that later first calls in
    this process only compile or load their own kernel."""
    from ..spec import load

    load({"lrspec": 1, "schedule": {"type": "constant", "lr": 0.0,
                                     "noise": {"seed": 0}}}).evaluate(range(2))
