"""Compiled helpers shared by every generated kernel: expression operators, noise, checksums.

They are compiled into each kernel and cached with it (``cache.py`` hashes this file into every kernel's key),
so a change here is never hidden by machine code cached before it.

The noise generator is spec/noise.md written in 32-bit words held in int64, with each 32x32-bit
product split in 16-bit halves so that no intermediate leaves int64 (any target can do the same).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["fdiv", "fmod", "fpow", "fmin", "fmax", "mix32", "uniform", "checksum_term",
           "cos_half_turn"]

_MASK32 = 0xFFFFFFFF
#: No disk cache of their own: their machine code is linked into each kernel and cached with it, under the kernel's
#: key, which covers this file's source.
_OPTS = dict(error_model="numpy", nogil=True)
#: pi/2 split in two binary64 (Cody-Waite): the high part is pi/2 rounded, the low part what remains.
_HALF_PI_HI = 1.5707963267948966
_HALF_PI_LO = 6.123233995736766e-17
#: 1/(2k+1)! for k = 1..11, the odd Taylor coefficients of sin (the 25th term is below 2**-70 on |y| <= pi/2).
_S3 = -1.0 / 6.0
_S5 = 1.0 / 120.0
_S7 = -1.0 / 5040.0
_S9 = 1.0 / 362880.0
_S11 = -1.0 / 39916800.0
_S13 = 1.0 / 6227020800.0
_S15 = -1.0 / 1307674368000.0
_S17 = 1.0 / 355687428096000.0
_S19 = -1.0 / 121645100408832000.0
_S21 = 1.0 / 51090942171709440000.0
_S23 = -1.0 / 25852016738884976640000.0


@njit(**_OPTS)
def fdiv(a: float, b: float) -> float:
    """a // b = floor(a / b)."""
    return np.floor(a / b)


@njit(**_OPTS)
def fmod(a: float, b: float) -> float:
    """a % b = a - b * floor(a / b)."""
    return a - b * np.floor(a / b)


@njit(**_OPTS)
def fpow(a: float, b: float) -> float:
    """a ** b with C99 pow semantics and a real result (a negative base with a fractional power is NaN)."""
    return np.power(a, b)


@njit(**_OPTS)
def fmin(a: float, b: float) -> float:
    """min that propagates NaN."""
    if a != a or b != b:
        return math.nan
    return a if a <= b else b


@njit(**_OPTS)
def fmax(a: float, b: float) -> float:
    """max that propagates NaN."""
    if a != a or b != b:
        return math.nan
    return a if a >= b else b


@njit(inline="always", **_OPTS)
def _mul32(x: int, c: int) -> int:
    lo = x * (c & 0xFFFF)
    hi = ((x * (c >> 16)) & 0xFFFF) << 16
    return (lo + hi) & _MASK32


@njit(inline="always", **_OPTS)
def mix32(x: int) -> int:
    """The 32-bit finaliser of spec/noise.md."""
    x ^= x >> 16
    x = _mul32(x, 0x21F0AAAD)
    x ^= x >> 15
    x = _mul32(x, 0x735A2D97)
    x ^= x >> 15
    return x


@njit(inline="always", **_OPTS)
def uniform(seed: int, t: int, k: int) -> float:
    """U(seed, t, k) in (0, 1): one of 2**23 values (j + 0.5) * 2**-23, keyed by seed, step and draw index."""
    h = mix32(seed ^ 0x9E3779B9)
    h = mix32(h ^ (t >> 32))
    h = mix32(h ^ (t & _MASK32))
    h = mix32(h ^ ((k * 0x85EBCA6B + 0x68E31DA4) & _MASK32))
    return (float(h >> 9) + 0.5) * 1.1920928955078125e-07


@njit(**_OPTS)
def _mix64(x: np.uint64) -> np.uint64:
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit(**_OPTS)
def checksum_term(bits: np.uint64, t: int) -> np.uint64:
    """One step's share of the audit checksum: splitmix64(bits(lr) ^ splitmix64(t))."""
    return _mix64(bits ^ _mix64(np.uint64(t)))


@njit(inline="always", **_OPTS)
def cos_half_turn(x: float) -> float:
    """cos(x) for 0 <= x <= pi, branch-free so that loops over it vectorize (libm's cos does not, here).

    cos(x) = -sin(x - pi/2); the reduced argument is formed with a two-part pi/2 and sin is its odd
    Taylor polynomial to degree 23. The absolute error is a few 1e-16 on the whole interval, which the
    fast paths of spec/numerics.md bound against libm (tests/kernel/test_fast_paths.py).
    """
    y = (x - _HALF_PI_HI) - _HALF_PI_LO
    z = y * y
    p = _S23
    p = p * z + _S21
    p = p * z + _S19
    p = p * z + _S17
    p = p * z + _S15
    p = p * z + _S13
    p = p * z + _S11
    p = p * z + _S9
    p = p * z + _S7
    p = p * z + _S5
    p = p * z + _S3
    return -(y + y * (z * p))
