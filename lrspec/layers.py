"""The formulas of the modifiers (spec/modifiers.md), each a function of the counter around the layer inside it:
the core, then restarts, warmup, noise and clamp, in that order. A layer a node does not have is not emitted."""

from __future__ import annotations

from collections.abc import Callable

import math

from .expr.tree import Apply, Call, Count, Expr, Gather, Int
from .noise import NORMAL_QUANTILE, uniform
from .formula import PI, Scope, cos, eq, ge, gt, lt, real, t
from .model._base import rational
from .model.modifiers import Clamp, Noise, Restarts, Warmup, cycles

__all__ = ["restarts", "warmup", "noise", "clamp"]

def restarts(r: Restarts, s: Scope, core: str, horizon: Expr | None, floor: float,
             uses_h: bool) -> Expr:
    """spec/modifiers.md#restarts: cycle i runs the core on the cycle's own counter u; after ``limit`` cycles the
    node's floor holds; cycle i's amplitude above the floor is decay**i. Cycles of fractional length start
    between two steps: u is then real, the step's distance from the cycle's exact start."""
    floor_lr = s.num("floor", floor)
    length: Expr | None = None
    # structural choices: equal cycles need no table of cycle starts, whole cycles no real position
    if r.period_mul == 1.0 and not r.fractional:
        period = s.int("restart_period", r.period)
        i = s.let("i", t // period)
        u = s.let("u", t - i * period)
        length = period
    elif r.period_mul == 1.0:
        exact = rational(r.period)  # period = n / d: cycle floor(t d / n), t d computed without overflow
        n, d = s.int("restart_period_numerator", exact.numerator), s.int("restart_period_denominator",
                                                                          exact.denominator)
        whole, rest = s.let("whole", t // n), s.let("rest", (t % n) * d)
        i = s.let("i", whole * d + rest // n)
        u = s.let("u", real(rest % n) / real(d))
        length = s.num("restart_period", r.period)
    else:
        c = cycles(r.period, r.period_mul, r.limit)
        starts = s.table("restart_starts", c.first)
        i = s.let("i", Count(starts, t) - 1)
        if not r.fractional:
            u = s.let("u", t - Gather(starts, i))
    if r.limit is not None:
        s.guard(ge(i, s.int("restart_limit", r.limit)), floor_lr)
    if r.period_mul != 1.0 and r.fractional:  # after the limit: the tables end with the last cycle
        u = s.let("u", real(t - Gather(starts, i)) + Gather(s.table("restart_offsets", c.offsets, False), i))
        length = s.let("cl", Gather(s.table("restart_lengths", c.lengths, False), i))
    if length is None:
        length = s.let("cl", Gather(starts, i + 1) - Gather(starts, i))
    args = (u, horizon if horizon is not None else length) if uses_h else (u,)
    if r.decay == 1.0:  # a structural choice: no scaling at all when every cycle has the full amplitude
        return Apply(core, args)
    v = s.let("v", Apply(core, args))
    m = s.let("m", s.num("restart_decay", r.decay) ** real(i))
    s.guard(eq(m, 1.0), v)
    return floor_lr + m * (v - floor_lr)


def warmup(w: Warmup, s: Scope, inner: Callable[[Expr], Expr]) -> Expr:
    """spec/modifiers.md#warmup: a ramp from initial_lr (or start_factor times the target) to the target over the
    first W steps, then the schedule (after the ramp with ``prefix``, under it without)."""
    steps = s.int("warmup_steps", w.steps)
    a = s.num("warmup_initial_lr", w.initial_lr) if w.start_factor is None else None
    if w.target_lr == "current":  # the schedule under the ramp, at the same step
        b = s.let("b", inner(t))
    elif isinstance(w.target_lr, str):
        b = inner(steps if (w.target_lr == "end" and not w.prefix) else Int(0))
    else:
        b = s.num("warmup_target_lr", w.target_lr)
    if a is None:
        b = s.let("b", b)
        a = s.let("a", s.num("warmup_start_factor", w.start_factor) * b)
    # structural choices: the offset and the divisor appear only where the document sets them
    counter = t + s.int("warmup_offset", w.offset) if w.offset else t
    divisor = steps if w.divisor is None and not w.endpoint else \
        s.int("warmup_divisor", w.divisor if w.divisor is not None else w.steps - 1)
    f = real(counter) / real(divisor)
    ramp = {
        "linear": lambda: a + (b - a) * f,
        "cosine": lambda: a + (b - a) * 0.5 * (1.0 - cos(PI * f)),
        "exponential": lambda: a * (b / a) ** f,
        "polynomial": lambda: a + (b - a) * f ** s.num("warmup_power", w.power or 2.0),
        "constant": lambda: a,
    }[w.shape]()
    s.guard(lt(t, steps), ramp)
    return b if w.target_lr == "current" else inner(t - steps if w.prefix else t)


def noise(z: Noise, s: Scope, inner: Callable[[Expr], Expr]) -> Expr:
    """spec/modifiers.md#noise with spec/noise.md: a draw keyed by (seed, t) in [start, end), scaled by the decay
    and applied to the rate."""
    v = s.let("v", inner(t))
    s.guard(lt(t, s.int("noise_start", z.start)), v)
    if z.end is not None:
        s.guard(ge(t, s.int("noise_end", z.end)), v)
    u = s.let("u", uniform(s.int("noise_seed", z.seed), t))
    if z.distribution == "uniform":
        draw = s.let("z", s.num("noise_pct", z.pct) * (2.0 * u - 1.0))  # type: ignore[arg-type]
    else:
        std = 1.0 if z.std is None else z.std
        # a normal truncated to |std * z| < pct: p runs over [Phi(-a), Phi(a)], a = pct / std
        low = 0.0 if z.pct is None else 0.5 * math.erfc(z.pct / std / math.sqrt(2.0))
        width = s.num("noise_width", 1.0 - 2.0 * low)
        tail = Call("min", (u, 1.0 - u), ieee=False) * width + s.num("noise_low", low)
        draw = s.let("z", s.num("noise_std", std) * Apply(NORMAL_QUANTILE, ((u - 0.5) * width, tail)))
    if z.decay != 0.0:  # a structural choice: no power at all without decay
        draw = s.let("n", draw * (1.0 + real(t)) ** s.num("noise_decay_exponent", -z.decay / 2.0))
    return v * (1.0 + draw) if z.kind == "multiplicative" else v + draw


def clamp(c: Clamp, s: Scope, inner: Callable[[Expr], Expr]) -> Expr:
    """spec/modifiers.md#clamp: the rate kept in [min_lr, max_lr]; NaN passes through."""
    v = s.let("v", inner(t))
    if c.min_lr is not None:
        low = s.num("clamp_min_lr", c.min_lr)
        s.guard(lt(v, low), low)
    if c.max_lr is not None:
        high = s.num("clamp_max_lr", c.max_lr)
        s.guard(gt(v, high), high)
    return v


