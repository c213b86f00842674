"""The streaming audit as partial results that merge exactly: a range of steps, or many documents, can be split
anywhere on the chunk grid, audited in any order and on any machine, and merged into the same numbers.

Each chunk of :data:`AUDIT_CHUNK` steps (counted from the audit's start) is reduced by the kernel to a min, a max,
counts, a compensated sum and a checksum. A :class:`Part` holds the merge of some chunks; its sum is kept exactly,
as an integer multiple of 2**-1074, so that the merge is associative and commutative and the mean is the correctly
rounded quotient of the exact sum of the chunk sums by the number of finite values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..spec import Audit

__all__ = ["AUDIT_CHUNK", "AUDIT_BLOCK", "Part", "audit_part", "audit_steps", "merge", "split"]

#: Steps per chunk: the unit the kernel reduces, and the grid every split of an audit keeps.
AUDIT_CHUNK = 1 << 16
#: Chunks per streamed block (the block's per-chunk arrays are all the memory an audit uses).
AUDIT_BLOCK = 1 << 10
#: A float64 is an integer multiple of 2**-1074: sums kept as such integers add exactly.
_SCALE = 1074


def _exact(x: float) -> int | float:
    """``x * 2**1074`` as an integer (exact for every finite float64); an infinite or NaN sum stays a float."""
    if x - x != 0.0:
        return x
    num, den = x.as_integer_ratio()
    return num << (_SCALE - den.bit_length() + 1)


def _plus(a: int | float, b: int | float) -> int | float:
    """The sum of two totals; once a chunk's sum has overflowed, the total is that float (inf, -inf or nan)."""
    if isinstance(a, float) or isinstance(b, float):
        return (a if isinstance(a, float) else 0.0) + (b if isinstance(b, float) else 0.0)
    return a + b


@dataclass(frozen=True)
class Part:
    """The audit of ``start <= t < stop`` over whole chunks of the grid: merge parts with ``+`` or :func:`merge`.

    ``total`` is the exact sum of the chunks' compensated sums times 2**1074 (a float when one of them overflowed);
    ``checksum`` is the sum of the steps' checksum terms modulo 2**64.
    """

    start: int
    stop: int
    first: float
    last: float
    min: float
    max: float
    finite: int
    nonfinite: int
    total: int | float
    checksum: int

    def __add__(self, other: Part) -> Part:
        low, high = (self, other) if self.start <= other.start else (other, self)
        return Part(start=low.start, stop=max(self.stop, other.stop), first=low.first,
                    last=(self if self.stop >= other.stop else other).last,
                    min=min(self.min, other.min), max=max(self.max, other.max), finite=self.finite + other.finite,
                    nonfinite=self.nonfinite + other.nonfinite, total=_plus(self.total, other.total),
                    checksum=(self.checksum + other.checksum) & 0xFFFF_FFFF_FFFF_FFFF)

    @property
    def count(self) -> int:
        return self.finite + self.nonfinite

    def audit(self) -> Audit:
        """The :class:`~lrspec.spec.Audit` of the merged steps (which must be contiguous)."""
        from ..spec import Audit

        assert self.count == self.stop - self.start, "the merged parts leave a gap or overlap"
        some = self.finite > 0
        return Audit(start=self.start, stop=self.stop, count=self.count,
                     min=self.min if some else float("nan"), max=self.max if some else float("nan"),
                     mean=self.total / (self.finite if isinstance(self.total, float) else self.finite << _SCALE)
                     if some else float("nan"),
                     first=self.first, last=self.last, nonfinite=self.nonfinite, checksum=f"{self.checksum:016x}")


def merge(parts: Iterable[Part]) -> Part:
    """The merge of ``parts``, in any order."""
    return reduce(Part.__add__, parts)


def split(start: int, stop: int, size: int) -> list[tuple[int, int]]:
    """``start <= t < stop`` in pieces of about ``size`` steps, cut on the chunk grid that starts at ``start``."""
    step = max(1, -(-size // AUDIT_CHUNK)) * AUDIT_CHUNK
    return [(lo, min(lo + step, stop)) for lo in range(start, stop, step)]


class _Buffers:
    """The per-chunk results of one streamed block, and their running totals."""

    def __init__(self) -> None:
        self.arrays = (np.empty(AUDIT_BLOCK), np.empty(AUDIT_BLOCK), np.empty(AUDIT_BLOCK), np.empty(AUDIT_BLOCK),
                       np.empty(AUDIT_BLOCK, dtype=np.int64), np.empty(AUDIT_BLOCK, dtype=np.int64),
                       np.empty(AUDIT_BLOCK, dtype=np.uint64))
        self.low, self.high = np.inf, -np.inf
        self.total: int | float = 0
        self.finite = self.nonfinite = self.checksum = 0

    def chunks(self, c0: int, c1: int) -> tuple[np.ndarray, ...]:
        """Views of the per-chunk arrays for chunks c0 <= c < c1 of the block, in the kernel's argument order."""
        return tuple(a[c0:c1] for a in self.arrays)

    def add(self, n: int) -> None:
        """Add the block's first ``n`` chunks to the totals."""
        mins, maxs, sums, comps, counts, bad, sums64 = (a[:n] for a in self.arrays)
        self.low = min(self.low, float(mins.min()))
        self.high = max(self.high, float(maxs.max()))
        self.total = reduce(_plus, map(_exact, sums.tolist() + comps.tolist()), self.total)
        self.finite += int(counts.sum())
        self.nonfinite += int(bad.sum())
        self.checksum = (self.checksum + int(sums64.sum(dtype=np.uint64))) & 0xFFFF_FFFF_FFFF_FFFF


def audit_part(kernel: Any, start: int, stop: int, origin: int | None = None,
               progress: Callable[[int], None] | None = None, threads: int | None = None) -> Part:
    """The :class:`Part` of ``start <= t < stop`` for a bound kernel, chunked from ``origin`` (default: ``start``,
    which must lie on that grid); ``progress(done)`` after each block; ``threads`` caps the threads used."""
    from . import _in_parts

    origin = start if origin is None else origin
    assert (start - origin) % AUDIT_CHUNK == 0, "a part starts on the chunk grid"
    acc = _Buffers()
    block_steps = AUDIT_CHUNK * AUDIT_BLOCK
    for lo in range(start, stop, block_steps):
        hi = min(lo + block_steps, stop)
        n = -(-(hi - lo) // AUDIT_CHUNK)

        def chunks(c0: int, c1: int, lo: int = lo, hi: int = hi) -> None:
            kernel.audit_block(lo + c0 * AUDIT_CHUNK, min(lo + c1 * AUDIT_CHUNK, hi), AUDIT_CHUNK, *acc.chunks(c0, c1))

        _in_parts(n, chunks, parallel_from=2, threads=threads)
        acc.add(n)
        if progress is not None:
            progress(hi - start)
    return Part(start=start, stop=stop, first=float(kernel.lr_scalar(start)), last=float(kernel.lr_scalar(stop - 1)),
                min=acc.low, max=acc.high, finite=acc.finite, nonfinite=acc.nonfinite, total=acc.total,
                checksum=acc.checksum)


def audit_steps(kernel: Any, steps: np.ndarray, given: np.ndarray,
                progress: Callable[[int], None] | None = None) -> Part:
    """The :class:`Part` of the values at a non-empty array of int64 steps, chunked by position (its ``start`` and
    ``stop`` are positions in the array); ``given``, the steps as given, names a step outside the domain;
    ``progress(done)`` after each block."""
    from . import _in_parts, _outside

    acc = _Buffers()
    block_steps = AUDIT_CHUNK * AUDIT_BLOCK
    for lo in range(0, len(steps), block_steps):
        hi = min(lo + block_steps, len(steps))
        n = -(-(hi - lo) // AUDIT_CHUNK)

        def chunks(c0: int, c1: int, lo: int = lo, hi: int = hi) -> int:
            first = lo + c0 * AUDIT_CHUNK
            k = kernel.audit_steps(steps[first:min(lo + c1 * AUDIT_CHUNK, hi)], AUDIT_CHUNK, *acc.chunks(c0, c1))
            return k if k < 0 else first + k

        outside = [k for k in _in_parts(n, chunks, parallel_from=2) if k >= 0]
        if outside:
            raise _outside(given.reshape(-1)[outside[0]])
        acc.add(n)
        if progress is not None:
            progress(hi)
    return Part(start=0, stop=len(steps), first=float(kernel.lr_scalar(steps[0])),
                last=float(kernel.lr_scalar(steps[-1])), min=acc.low, max=acc.high, finite=acc.finite,
                nonfinite=acc.nonfinite, total=acc.total, checksum=acc.checksum)
