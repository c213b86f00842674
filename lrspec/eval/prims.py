"""Compiled helpers shared by every generated kernel: expression operators, noise, checksums.

They are compiled into each kernel and cached with it (``cache.py`` hashes this file into every kernel's key),
so a change here is never hidden by machine code cached before it.

The noise generator is spec/noise.md written in 32-bit words held in int64: a product of two words wraps
modulo 2**64 in int64 (LLVM's ``mul``), and its low 32 bits, which are all the hash keeps, are exact.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["fdiv", "fmod", "fpow", "fmin", "fmax", "mix32", "uniform", "uniform_key", "uniform_at", "checksum_term",
           "cos_half_turn", "log_positive", "fold_values"]

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
#: ln 2 split in two binary64 (fdlibm's ln2_hi, whose last 11 bits are zero so that k * ln2_hi is exact, and ln2_lo).
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
#: fdlibm's e_log.c: R(z) = z * (LG1 + z * (LG2 + ... + z * LG7)) ~ (ln(1 + f) - 2s) / s, s = f / (2 + f), z = s**2.
_LG1 = 6.666666666666735130e-01
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01
#: The bits of sqrt(1/2) rounded down: x's exponent is counted from there, so that m lands in [sqrt(1/2), sqrt(2)).
_SQRT_HALF_BITS = 0x3FE6A09E667F3BCD


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
    return (x * c) & _MASK32


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
def uniform_key(seed: int, word: int) -> int:
    """The part of spec/noise.md's hash that depends on the seed and the high word of the step only: the same
    for 2**32 steps in a row, so a loop over steps computes it once (kernel/segments.py)."""
    return mix32(mix32(seed ^ 0x9E3779B9) ^ word)


@njit(inline="always", **_OPTS)
def uniform_at(key: int, t: int, k: int) -> float:
    """U(seed, t, k) from ``key = uniform_key(seed, t >> 32)``."""
    h = mix32(key ^ (t & _MASK32))
    h = mix32(h ^ ((k * 0x85EBCA6B + 0x68E31DA4) & _MASK32))
    return (float(h >> 9) + 0.5) * 1.1920928955078125e-07


@njit(inline="always", **_OPTS)
def uniform(seed: int, t: int, k: int) -> float:
    """U(seed, t, k) in (0, 1): one of 2**23 values (j + 0.5) * 2**-23, keyed by seed, step and draw index."""
    return uniform_at(uniform_key(seed, t >> 32), t, k)


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
def fold_values(buf: np.ndarray, m: int, mn: float, mx: float, n: int, s: float, comp: float
                ) -> tuple[float, float, int, float, float]:
    """An audit's running min, max, finite count and Neumaier-compensated sum, over buf[:m]'s finite values.
    A NaN in buf is made the canonical NaN, so that the checksum does not depend on its payload."""
    for q in range(m):
        v = buf[q]
        if v - v == 0.0:
            n += 1
            mn = min(mn, v)
            mx = max(mx, v)
            y = s + v
            if abs(s) >= abs(v):
                comp += (s - y) + v
            else:
                comp += (v - y) + s
            s = y
        elif v != v:
            buf[q] = np.nan
    return mn, mx, n, s, comp


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


@njit(**_OPTS)
def log_positive(x: float) -> float:
    """ln(x) for a positive normal binary64 x, without branches or calls so that loops over it vectorize
    (libm's log does not, here).

    The bits of x give x = m * 2**k with m in [sqrt(1/2), sqrt(2)); then ln(m) = 2 atanh(s) with
    s = (m - 1) / (m + 1), |s| <= 0.172, as 2s + s R(s**2), R fdlibm's minimax polynomial of degree 7
    (its error is below 2**-58). Within 2 ulp of libm (tests/kernel/test_fast_paths.py).
    """
    bits = np.float64(x).view(np.int64)
    k = (bits - _SQRT_HALF_BITS) >> 52
    m = np.int64(bits - (k << 52)).view(np.float64)
    s = (m - 1.0) / (m + 1.0)
    z = s * s
    r = z * (_LG1 + z * (_LG2 + z * (_LG3 + z * (_LG4 + z * (_LG5 + z * (_LG6 + z * _LG7))))))
    e = float(k)
    return e * _LN2_HI + ((2.0 * s) + (s * r + e * _LN2_LO))


@njit(**_OPTS)
def count_below(ts: np.ndarray, d: int, lo: int, hi: int, bound: int) -> int:
    """How many of the ascending steps ``ts[lo:hi] - d`` lie below ``bound``: a binary search (no ``ts - d`` or
    ``bound + d`` is formed that could overflow)."""
    a = lo
    b = hi
    while a < b:
        mid = (a + b) >> 1
        if ts[mid] - d < bound:
            a = mid + 1
        else:
            b = mid
    return a - lo


@njit(**_OPTS)
def scan_steps(ts: np.ndarray) -> int:
    """The index of the first step of ``ts`` outside 0 <= t <= 2**53, else -1 when the steps never decrease and
    -2 when they do (two branch-free passes, so that both vectorize)."""
    n = ts.shape[0]
    bad = 0
    for i in range(n):
        bad += (ts[i] < 0) | (ts[i] > 9007199254740992)
    if bad:
        for i in range(n):
            if ts[i] < 0 or ts[i] > 9007199254740992:
                return i
    down = 0
    for i in range(1, n):
        down += ts[i] < ts[i - 1]
    return -1 if down == 0 else -2
