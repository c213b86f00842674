"""The three benchmark schedules: lrspec documents, and the same schedules in closed form with numpy.

1. ``restarts``: linear warmup (1000 steps) + cosine with restarts, period 100000, period_mul 2, decay 0.5.
2. ``triangular2``: cyclical, step_size 2000, triangular2 written as a ``scale_fn`` expression.
3. ``four_phase``: linear warmup, constant, cosine, exponential tail, with multiplicative normal noise.

The numpy forms are written from spec/ (types, modifiers, noise.md) the way a user would vectorise
them, in blocks of ``BLOCK`` steps so that memory stays bounded at 10**8 steps.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SPECS", "NUMPY", "cycle_starts"]

WARMUP = 1000
PERIOD = 100_000
RESTARTS = {"lrspec": 1, "name": "bench-restarts", "schedule": {
    "type": "cosine", "initial_lr": 0.1, "final_lr": 0.0,
    "warmup": {"steps": WARMUP, "initial_lr": 0.0},
    "restarts": {"period": PERIOD, "period_mul": 2.0, "decay": 0.5}}}

STEP_SIZE = 2000
TRIANGULAR2 = {"lrspec": 1, "name": "bench-triangular2", "schedule": {
    "type": "cyclical", "initial_lr": 1e-4, "maximal_lr": 1e-2, "step_size": STEP_SIZE,
    "scale_fn": "1 / 2 ** (x - 1)", "scale_mode": "cycle"}}

#: Phase lengths of four_phase: warmup, constant, cosine; the exponential tail runs on.
PHASES = (10_000, 90_000, 700_000)
TAIL_STEPS = 1_000_000
NOISE = {"seed": 7, "std": 0.05, "pct": 0.2, "distribution": "normal", "kind": "multiplicative"}
FOUR_PHASE = {"lrspec": 1, "name": "bench-four-phase", "schedule": {
    "type": "sequence", "noise": NOISE, "phases": [
        {"type": "piecewise_linear", "points": [[0, 0.0], [PHASES[0], 0.1]], "steps": PHASES[0]},
        {"type": "constant", "lr": 0.1, "steps": PHASES[1]},
        {"type": "cosine", "initial_lr": 0.1, "final_lr": 0.001, "decay_steps": PHASES[2], "steps": PHASES[2]},
        {"type": "exponential", "initial_lr": 0.001, "decay_rate": 0.5, "decay_steps": TAIL_STEPS}]}}

SPECS = {"restarts": RESTARTS, "triangular2": TRIANGULAR2, "four_phase": FOUR_PHASE}

BLOCK = 1 << 22
M32 = np.uint64(0xFFFFFFFF)


def cycle_starts(count: int) -> np.ndarray:
    """S_i = period * (2**i - 1) for i < count (period_mul 2 keeps every length exact)."""
    return np.array([PERIOD * (2**i - 1) for i in range(count)], dtype=np.int64)


def _restarts(t: np.ndarray) -> np.ndarray:
    starts = cycle_starts(40)
    m = np.maximum(t - WARMUP, 0)
    i = np.searchsorted(starts, m, side="right") - 1
    u = m - starts[i]
    length = starts[i + 1] - starts[i]
    c = 0.5 * (1.0 + np.cos(np.pi * u.astype(np.float64) / length.astype(np.float64)))
    main = 0.5 ** i.astype(np.float64) * (0.1 * c)
    return np.where(t < WARMUP, 0.1 * (t / WARMUP), main)


def _triangular2(t: np.ndarray) -> np.ndarray:
    cl = 2 * STEP_SIZE
    q = t % cl
    cycle = 1 + t // cl
    hh = np.where(q < STEP_SIZE, q / STEP_SIZE, (cl - q) / STEP_SIZE)
    return 1e-4 + (1e-2 - 1e-4) * hh * (1.0 / 2.0 ** (cycle - 1).astype(np.float64))


def _mix32(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(16))
    x = (x * np.uint64(0x21F0AAAD)) & M32
    x = x ^ (x >> np.uint64(15))
    x = (x * np.uint64(0x735A2D97)) & M32
    return x ^ (x >> np.uint64(15))


def _uniform(seed: int, t: np.ndarray, k: int) -> np.ndarray:
    """U(seed, t, k) of spec/noise.md for a vector of steps."""
    t = t.astype(np.uint64)
    h = _mix32(np.full(t.shape, np.uint64(seed ^ 0x9E3779B9)))
    h = _mix32(h ^ (t >> np.uint64(32)))
    h = _mix32(h ^ (t & M32))
    h = _mix32(h ^ np.uint64((k * 0x85EBCA6B + 0x68E31DA4) & 0xFFFFFFFF))
    return ((h >> np.uint64(9)).astype(np.float64) + 0.5) * 2.0**-23


def _normal_noise(t: np.ndarray) -> np.ndarray:
    """std * N(0, 1) truncated to |z| < pct, by inverse transform (spec/noise.md#normal): scipy's ndtri."""
    from scipy.special import ndtr, ndtri

    a = NOISE["pct"] / NOISE["std"]
    low = ndtr(-a)
    return NOISE["std"] * ndtri(low + _uniform(NOISE["seed"], t, 0) * (1.0 - 2.0 * low))


def _four_phase(t: np.ndarray) -> np.ndarray:
    b1, b2, b3 = PHASES[0], PHASES[0] + PHASES[1], sum(PHASES)
    u = (t - b2).clip(0, PHASES[2]).astype(np.float64)
    cosine = 0.001 + (0.1 - 0.001) * (0.5 * (1.0 + np.cos(np.pi * u / PHASES[2])))
    tail = 0.001 * 0.5 ** ((t - b3) / TAIL_STEPS)
    v = np.select([t < b1, t < b2, t < b3], [0.1 * (t / b1), 0.1, cosine], tail)
    return v * (1.0 + _normal_noise(t))


def _blocked(formula):
    def run(n: int, out: np.ndarray) -> np.ndarray:
        for lo in range(0, n, BLOCK):
            out[lo:lo + BLOCK] = formula(np.arange(lo, min(lo + BLOCK, n), dtype=np.int64))
        return out
    return run


NUMPY = {"restarts": _blocked(_restarts), "triangular2": _blocked(_triangular2), "four_phase": _blocked(_four_phase)}
