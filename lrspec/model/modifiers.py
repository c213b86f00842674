"""Modifiers that any node may carry: warmup, restarts, noise and clamp (spec/modifiers.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from pydantic import model_validator

from ._base import (T_MAX, Length, Multiplier, Positive, Rate, Real, Seed, Step, Steps, Strict, Target,
                    fail, rational)

__all__ = ["Warmup", "Restarts", "Noise", "Clamp", "Cycles", "cycles", "MAX_CYCLES"]

#: The most restart cycles a schedule may have before its cycles pass 2**53.
MAX_CYCLES = 100_000
#: The longest cycle that may start at or before 2**53 (so that every counter fits int64).
MAX_CYCLE_LENGTH = 2**62


class Warmup(Strict):
    """Ramp from ``initial_lr`` to a target over the first ``steps`` steps of the node."""

    steps: Steps
    """Warmup length W in steps (>= 1)."""
    initial_lr: Rate = 0.0
    """Rate at step 0 of the warmup."""
    shape: Literal["linear", "cosine", "exponential", "polynomial", "constant"] = "linear"
    """How the rate moves from initial_lr to the target."""
    prefix: bool = True
    """true: the main schedule starts after the warmup; false: the warmup overlays its first steps (timm warmup_prefix)."""
    target_lr: Target = "start"
    """Where the ramp ends: a rate, 'start' (the main schedule's value at its step 0), 'end' (its value where it takes
    over) or 'current' (its value at the same step, with prefix: false: the ramp scales the schedule, as YOLO's
    warm-up and a chained torch LinearLR do)."""
    start_factor: Rate | None = None
    """Start at this fraction of the target instead of at initial_lr (torch LinearLR, MMEngine start_factor)."""
    power: Positive | None = None
    """Exponent of the polynomial shape: initial_lr + (target - initial_lr) * f ** power (default 2, YOLOX)."""
    offset: Step | None = None
    """Added to the step in the ramp's fraction f = (t + offset) / divisor: 1 starts at 1 / divisor (nanoGPT).
    Default 0."""
    divisor: Steps | None = None
    """Denominator of the ramp's fraction (default: steps, or steps - 1 with endpoint)."""
    endpoint: bool | None = None
    """true: the ramp reaches the target at step steps - 1, like numpy.linspace (MMEngine's inclusive end).
    Default false."""

    @model_validator(mode="after")
    def _consistent(self) -> Warmup:
        if self.start_factor is not None and "initial_lr" in self.model_fields_set:
            raise fail("give initial_lr or start_factor, not both", ("start_factor",))
        if self.power is not None and self.shape != "polynomial":
            raise fail(f"power applies to shape: polynomial only, not {self.shape}", ("power",))
        if self.endpoint and self.divisor is not None:
            raise fail("give endpoint or divisor, not both (endpoint: true is divisor: steps - 1)", ("divisor",))
        if self.target_lr == "current" and self.prefix:
            raise fail("target_lr: current ramps towards the schedule's value at the same step, so the schedule must "
                       "run under the ramp: add prefix: false", ("target_lr",))
        if self.endpoint and self.steps < 2:
            raise fail("endpoint: true needs steps >= 2 (the ramp divides by steps - 1)", ("endpoint",))
        if self.shape == "exponential":
            if self.start_factor is not None:
                if self.start_factor <= 0:
                    raise fail("an exponential warmup needs start_factor > 0", ("start_factor",))
            elif self.initial_lr <= 0:
                if "initial_lr" in self.model_fields_set:
                    raise fail("an exponential warmup needs initial_lr > 0", ("initial_lr",))
                raise fail("an exponential warmup needs initial_lr > 0 (it defaults to 0)", ("shape",))
            if not isinstance(self.target_lr, str) and self.target_lr <= 0:
                raise fail("an exponential warmup needs target_lr > 0", ("target_lr",))
        return self


class Restarts(Strict):
    """Repeat the node in cycles (SGDR, timm cycles, Keras CosineDecayRestarts)."""

    period: Length
    """Length of the first cycle in steps; may be fractional (2.5: cycles start at 0, 2.5, 5, ...)."""
    period_mul: Multiplier = 1.0
    """Each cycle is this many times as long as the one before, exactly (1.5: lengths period * 1.5**i)."""
    decay: Positive = 1.0
    """Cycle i scales the amplitude above the node's floor by decay**i (timm cycle_decay, Keras m_mul)."""
    limit: Steps | None = None
    """Number of cycles; after the last one the rate is the node's floor. Unbounded when omitted."""

    @model_validator(mode="after")
    def _bounded_cycles(self) -> Restarts:
        if self.period_mul != 1.0:
            cycles(self.period, self.period_mul, self.limit)
        return self

    @property
    def fractional(self) -> bool:
        """Whether cycles have fractional lengths, so that a cycle starts between two steps."""
        return isinstance(self.period, float) or self.period_mul != int(self.period_mul)


@dataclass(frozen=True)
class Cycles:
    """The cycles of restarts with period_mul != 1 that begin at or before 2**53 (or the first ``limit``), and
    the start of the one after: cycle i starts at the exact rational S_i, its first whole step is ``first[i]`` =
    ceil(S_i), and it lasts ``lengths[i]`` steps."""

    first: tuple[int, ...]
    offsets: tuple[float, ...]
    """first[i] - S_i, rounded once to binary64 (0 where cycles have whole lengths)."""
    lengths: tuple[float, ...]
    """S_{i+1} - S_i, rounded once to binary64."""


#: The most cycles restarts with a fractional period_mul may have before 2**53: each start is an exact
#: rational whose denominator grows with the cycle index.
MAX_FRACTIONAL_CYCLES = 2000


@lru_cache(maxsize=256)
def cycles(period: int | float, period_mul: float, limit: int | None) -> Cycles:
    """The cycles of spec/modifiers.md#restarts: L_i = period * period_mul**i exactly and
    S_i = period * (period_mul**i - 1) / (period_mul - 1), with period = p/q and period_mul = a/b as written:
    S_i = p (a^i - b^i) / (q b^(i-1) (a - b)), one integer division per cycle."""
    length, mul = rational(period), rational(period_mul)
    p, q, a, b = length.numerator, length.denominator, mul.numerator, mul.denominator
    most = MAX_CYCLES if b == 1 and q == 1 else MAX_FRACTIONAL_CYCLES
    estimate = math.log1p(T_MAX * (a - b) / (b * float(length))) / math.log(a / b)
    if estimate > most and (limit is None or limit > most):
        raise fail(f"period_mul {period_mul!r} with period {period} makes about {estimate:.3g} cycles before step "
                   f"2**53, more than {most}; use a larger period_mul or period, or set limit", ("period_mul",))
    first, offsets, lengths = [0], [0.0], []
    power_a, power_b = a, b  # a**(i+1), b**(i+1) for the start of cycle i + 1
    while first[-1] <= T_MAX and (limit is None or len(first) <= limit):
        if p * (power_a // a) > MAX_CYCLE_LENGTH * q * (power_b // b):
            cycle = p * (power_a // a) / (q * (power_b // b))
            raise fail(f"period_mul {period_mul!r} makes cycle {len(first) - 1} {cycle:.3g} steps long, more "
                       "than 2**62; a cycle that long never ends within 2**53 steps: lower period_mul or set limit",
                       ("period_mul",))
        lengths.append(p * (power_a // a) / (q * (power_b // b)))
        num, den = p * (power_a - power_b), q * (power_b // b) * (a - b)
        whole = -(-num // den)
        first.append(whole)
        offsets.append((whole * den - num) / den)
        power_a, power_b = power_a * a, power_b * b
    return Cycles(tuple(first), tuple(offsets), tuple(lengths))


class Noise(Strict):
    """Deterministic noise from a counter-based generator keyed by seed and step (spec/noise.md)."""

    distribution: Literal["normal", "uniform"] = "normal"
    """normal: std * N(0, 1), truncated to |z| < pct when pct is set; uniform: pct * U(-1, 1)."""
    kind: Literal["multiplicative", "additive"] = "multiplicative"
    """multiplicative: lr * (1 + n) (timm); additive: lr + n (TF noisy_linear_cosine_decay)."""
    std: Positive | None = None
    """Standard deviation of the normal draw (default 1; normal noise only)."""
    pct: Positive | None = None
    """normal: the draw is truncated to |z| < pct (timm noise_pct); uniform: the half-width (required)."""
    decay: Rate = 0.0
    """The draw is scaled by (1 + t) ** (-decay / 2): the variance decays as (1 + t) ** -decay."""
    start: Step = 0
    """First step with noise."""
    end: Step | None = None
    """First step without noise again; unbounded when omitted."""
    seed: Seed = 42
    """Generator key, 0 <= seed < 2**32."""

    @model_validator(mode="after")
    def _consistent(self) -> Noise:
        if self.distribution == "uniform" and self.pct is None:
            raise fail("uniform noise needs pct, its half-width", ("distribution",))
        if self.distribution == "uniform" and self.std is not None:
            raise fail("std applies to normal noise only; uniform noise takes its half-width from pct", ("std",))
        if self.end is not None and self.end <= self.start:
            raise fail(f"must be greater than start ({self.start}), got {self.end}", ("end",))
        return self


class Clamp(Strict):
    """Keep the rate within [min_lr, max_lr]; NaN stays NaN so that audits see it."""

    min_lr: Real | None = None
    """Lower bound."""
    max_lr: Real | None = None
    """Upper bound."""
    applies_to: Literal["node", "main"] | None = None
    """node (the default): the node's final rate; main: the main schedule only, before the warmup and the noise
    (GPT-NeoX)."""

    @model_validator(mode="after")
    def _consistent(self) -> Clamp:
        if self.min_lr is None and self.max_lr is None:
            raise fail("a clamp needs min_lr, max_lr or both")
        if self.min_lr is not None and self.max_lr is not None and self.min_lr > self.max_lr:
            raise fail(f"must be >= min_lr ({self.min_lr:g}), got {self.max_lr:g}", ("max_lr",))
        return self

