"""Keras 3 learning-rate schedules (Keras 3.15, ``keras/src/optimizers/schedules/learning_rate_schedule.py``)
and the TF1 / old ``keras.experimental`` linear-cosine decays (TF 2.21,
``tensorflow/python/keras/optimizer_v2/learning_rate_schedule.py``, behind
``tf.compat.v1.train.linear_cosine_decay`` and ``noisy_linear_cosine_decay``), as core nodes.

Keras computes in float32 after casting the step to float32, and finds the restart cycle of
``CosineDecayRestarts`` with a float32 ``floor(log(...))``; the aliases give the intended formula's exact
binary64 value with integer counters (see docs/compat.md). ``name`` is accepted and has no effect.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, model_validator

from .._base import T_MAX, Boundary, Length, Multiplier, Positive, Rate, Real, Seed, Step, Steps, fail, rational
from ..nodes import MAX_POINTS
from ._base import Alias

__all__ = ["CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay",
           "InverseTimeDecay", "LinearCosineDecay", "NoisyLinearCosineDecay"]


class _Keras(Alias):
    library = "keras"


def _cosine_end(initial: float, alpha: float) -> dict[str, Any]:
    """The end of a Keras cosine: the core ``alpha`` form (Keras's formula) for alpha <= 1; above 1 (a rising
    cosine, which Keras allows) the ``final_lr`` form with final_lr = initial * alpha, algebraically the same."""
    if alpha <= 1.0:
        return {"alpha": alpha}
    return {"final_lr": initial * alpha}


def _finite_end(initial: float, alpha: float, field: str) -> None:
    if not math.isfinite(initial * alpha):
        raise fail(f"{field} * alpha = {initial!r} * {alpha!r} overflows binary64; the end rate must be finite",
                   ("alpha",))


class CosineDecay(_Keras):
    """keras.optimizers.schedules.CosineDecay: optional linear warmup to warmup_target, then a half cosine
    from warmup_target (or initial_learning_rate without a target) to alpha times it over decay_steps."""

    type: Literal["keras.CosineDecay"]
    initial_learning_rate: Rate
    """Rate at step 0: the start of the warmup, or of the decay when warmup_target is not given."""
    decay_steps: Steps
    """Length of the cosine decay, not counting the warmup."""
    alpha: Rate = 0.0
    """Final rate as a fraction of the rate the decay starts from (above 1 the cosine rises)."""
    name: str = "CosineDecay"
    """Keras's op name scope; accepted and ignored."""
    warmup_target: Rate | None = None
    """Rate the linear warmup reaches and the decay starts from; omitted: no warmup (warmup_steps is ignored)."""
    warmup_steps: Step = 0
    """Length of the linear warmup from initial_learning_rate to warmup_target (0: none; the decay then starts
    from warmup_target and initial_learning_rate is not used)."""

    @model_validator(mode="after")
    def _finite(self) -> CosineDecay:
        start = self.initial_learning_rate if self.warmup_target is None else self.warmup_target
        _finite_end(start, self.alpha, "warmup_target" if self.warmup_target is not None else "initial_learning_rate")
        return self

    def core(self) -> dict[str, Any]:
        start = self.initial_learning_rate if self.warmup_target is None else self.warmup_target
        node: dict[str, Any] = {"type": "cosine", "initial_lr": start, "decay_steps": self.decay_steps,
                                **_cosine_end(start, self.alpha)}
        if self.warmup_target is not None and self.warmup_steps > 0:
            node["warmup"] = {"steps": self.warmup_steps, "initial_lr": self.initial_learning_rate,
                              "target_lr": self.warmup_target}
        return node


class CosineDecayRestarts(_Keras):
    """keras.optimizers.schedules.CosineDecayRestarts (SGDR): cosine cycles of first_decay_steps * t_mul**i steps,
    amplitude above the floor initial_learning_rate * alpha scaled by m_mul**i."""

    type: Literal["keras.CosineDecayRestarts"]
    initial_learning_rate: Rate
    """Rate at the start of the first cycle."""
    first_decay_steps: Length
    """Length of the first cycle; may be fractional."""
    t_mul: Multiplier = 2.0
    """Each cycle is t_mul times as long as the one before, exactly (1.5: cycles of first_decay_steps * 1.5**i)."""
    m_mul: Positive = 1.0
    """Cycle i scales the amplitude above the floor by m_mul**i (the floor itself is not scaled)."""
    alpha: Rate = 0.0
    """The floor as a fraction of initial_learning_rate (above 1 the cosines rise)."""
    name: str = "SGDRDecay"
    """Keras's op name scope; accepted and ignored."""

    @model_validator(mode="after")
    def _finite(self) -> CosineDecayRestarts:
        _finite_end(self.initial_learning_rate, self.alpha, "initial_learning_rate")
        return self

    def core(self) -> dict[str, Any]:
        return {"type": "cosine", "initial_lr": self.initial_learning_rate,
                **_cosine_end(self.initial_learning_rate, self.alpha),
                "restarts": {"period": self.first_decay_steps, "period_mul": self.t_mul, "decay": self.m_mul}}


class ExponentialDecay(_Keras):
    """keras.optimizers.schedules.ExponentialDecay: initial_learning_rate * decay_rate ** (step / decay_steps)."""

    type: Literal["keras.ExponentialDecay"]
    initial_learning_rate: Rate
    """Rate at step 0."""
    decay_steps: Length
    """Steps per factor of decay_rate; may be fractional."""
    decay_rate: Positive
    """Factor applied every decay_steps steps."""
    staircase: bool = False
    """Decay in whole periods of decay_steps (exact integer division)."""
    name: str = "ExponentialDecay"
    """Keras's op name scope; accepted and ignored."""

    def core(self) -> dict[str, Any]:
        return {"type": "exponential", "initial_lr": self.initial_learning_rate, "decay_rate": self.decay_rate,
                "decay_steps": self.decay_steps, "staircase": self.staircase}


class PiecewiseConstantDecay(_Keras):
    """keras.optimizers.schedules.PiecewiseConstantDecay: values[0] while step <= boundaries[0], values[i] while
    boundaries[i-1] < step <= boundaries[i], values[-1] after the last boundary: the value changes at boundary + 1."""

    type: Literal["keras.PiecewiseConstantDecay"]
    boundaries: list[Boundary] = Field(min_length=1, max_length=MAX_POINTS)
    """Steps, strictly increasing; the value changes after each (at floor(boundary) + 1: Keras casts a float
    boundary to the integer step's type, which truncates it)."""
    values: list[Rate] = Field(min_length=2, max_length=MAX_POINTS + 1)
    """len(boundaries) + 1 rates."""
    name: str = "PiecewiseConstant"
    """Keras's op name scope; accepted and ignored."""

    @model_validator(mode="after")
    def _consistent(self) -> PiecewiseConstantDecay:
        for i, b in enumerate(self.boundaries):
            if i > 0 and b <= self.boundaries[i - 1]:
                raise fail(f"boundaries must be strictly increasing, got {b} after {self.boundaries[i - 1]}",
                           ("boundaries", i))
            if b >= T_MAX:
                raise fail(f"must be < 2**53 (the value after it starts at boundary + 1 <= 2**53), got {b}",
                           ("boundaries", i))
        if len(self.values) != len(self.boundaries) + 1:
            raise fail(f"needs len(boundaries) + 1 = {len(self.boundaries) + 1} values, got "
                       f"{len(self.values)}", ("values",))
        return self

    def core(self) -> dict[str, Any]:
        firsts: list[int] = []
        values = [self.values[0]]
        for b, value in zip(self.boundaries, self.values[1:], strict=True):
            first = math.floor(rational(b)) + 1
            if firsts and firsts[-1] == first:  # 2.2 and 2.7 both change the value at step 3
                values[-1] = value
            else:
                firsts.append(first)
                values.append(value)
        return {"type": "piecewise_constant", "boundaries": firsts, "values": values}


class PolynomialDecay(_Keras):
    """keras.optimizers.schedules.PolynomialDecay: (initial - end) * (1 - step / decay_steps) ** power + end."""

    type: Literal["keras.PolynomialDecay"]
    initial_learning_rate: Rate
    """Rate at step 0."""
    decay_steps: Steps
    """Length of the decay."""
    end_learning_rate: Rate = 0.0001
    """Rate at and after decay_steps."""
    power: Positive = 1.0
    """Exponent of the decay."""
    cycle: bool = False
    """Past decay_steps, stretch the horizon to the next multiple of decay_steps (ceil(step / decay_steps))."""
    name: str = "PolynomialDecay"
    """Keras's op name scope; accepted and ignored."""

    def core(self) -> dict[str, Any]:
        return {"type": "polynomial", "initial_lr": self.initial_learning_rate, "end_lr": self.end_learning_rate,
                "decay_steps": self.decay_steps, "power": self.power, "cycle": self.cycle}


class InverseTimeDecay(_Keras):
    """keras.optimizers.schedules.InverseTimeDecay: initial_learning_rate / (1 + decay_rate * step / decay_steps)."""

    type: Literal["keras.InverseTimeDecay"]
    initial_learning_rate: Rate
    """Rate at step 0."""
    decay_steps: Length
    """The time scale."""
    decay_rate: Rate
    """Slope of the denominator per decay_steps steps."""
    staircase: bool = False
    """Use whole multiples of decay_steps (exact integer division)."""
    name: str = "InverseTimeDecay"
    """Keras's op name scope; accepted and ignored."""

    def core(self) -> dict[str, Any]:
        return {"type": "inverse_time", "initial_lr": self.initial_learning_rate, "decay_rate": self.decay_rate,
                "decay_steps": self.decay_steps, "staircase": self.staircase}


class LinearCosineDecay(_Keras):
    """The old keras.experimental.LinearCosineDecay (TF1 tf.compat.v1.train.linear_cosine_decay, Bello et al. 2017):
    initial_learning_rate * ((alpha + linear) * cosine + beta), step clipped at decay_steps."""

    type: Literal["keras.LinearCosineDecay"]
    initial_learning_rate: Rate
    """The rate the decay factor multiplies (lr(0) = initial_learning_rate * (1 + alpha + beta))."""
    decay_steps: Steps
    """Length of the decay."""
    num_periods: Real = 0.5
    """Periods of the cosine over decay_steps."""
    alpha: Real = 0.0
    """Added to the linear part."""
    beta: Real = 0.001
    """Added to the product."""
    name: str | None = None
    """The op name scope; accepted and ignored."""

    def core(self) -> dict[str, Any]:
        return {"type": "linear_cosine", "initial_lr": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "num_periods": self.num_periods, "alpha": self.alpha, "beta": self.beta}


class NoisyLinearCosineDecay(_Keras):
    """The old keras.experimental.NoisyLinearCosineDecay (TF1 tf.compat.v1.train.noisy_linear_cosine_decay):
    LinearCosineDecay with normal noise of variance initial_variance / (1 + step) ** variance_decay added to the
    linear part. TensorFlow's noise is unseeded; lrspec draws it deterministically from seed and the step."""

    type: Literal["keras.NoisyLinearCosineDecay"]
    initial_learning_rate: Rate
    """The rate the decay factor multiplies."""
    decay_steps: Steps
    """Length of the decay."""
    initial_variance: Rate = 1.0
    """Variance of the noise at step 0 (0: no noise)."""
    variance_decay: Rate = 0.55
    """The noise variance is initial_variance / (1 + min(step, decay_steps)) ** variance_decay."""
    num_periods: Real = 0.5
    """Periods of the cosine over decay_steps."""
    alpha: Real = 0.0
    """Added to the linear part."""
    beta: Real = 0.001
    """Added to the product."""
    name: str | None = None
    """The op name scope; accepted and ignored."""
    seed: Seed = 42
    """lrspec only (TensorFlow's noise is unseeded): key of the counter-based normal draws (spec/noise.md)."""

    def core(self) -> dict[str, Any]:
        return {"type": "linear_cosine", "initial_lr": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "num_periods": self.num_periods, "alpha": self.alpha, "beta": self.beta,
                "initial_variance": self.initial_variance, "variance_decay": self.variance_decay, "seed": self.seed}
