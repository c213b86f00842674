"""exponential (spec/types/exponential.md): initial_lr · decay_rate ** (t / decay_steps), or
** floor(t / decay_steps) with staircase (Keras ExponentialDecay, optax exponential_decay)."""

from __future__ import annotations

from typing import ClassVar, Literal

from ..formula import Scope, h, ieee, real, t, whole_lengths
from ..model._base import Length, Positive, Rate
from ..model.nodes import NodeBase
from .base import NodeType, Shape, g, steps


class Exponential(NodeBase):
    """lr = initial_lr * decay_rate ** (t / decay_steps), or ** floor(t / decay_steps) with staircase."""

    type: Literal["exponential"]
    horizon_field: ClassVar[str | None] = "decay_steps"
    initial_lr: Rate
    """Rate at step 0."""
    decay_rate: Positive
    """Factor applied every decay_steps steps."""
    decay_steps: Length | None = None
    """Steps per factor of decay_rate (the horizon); may be fractional (timm decay_t 2.4)."""
    staircase: bool = False
    """Decay in whole steps of decay_steps."""


def formula(n: Exponential, s: Scope):
    if isinstance(n.decay_steps, float):  # a fractional length: exact whole periods (spec/numerics.md#lengths)
        e = s.let("e", real(whole_lengths(s, "decay_steps", n.decay_steps)) if n.staircase else
                  real(t) / s.num("decay_steps", n.decay_steps))
    else:
        e = s.let("e", real(t // h) if n.staircase else real(t) / real(h))
    return s.num("initial_lr", n.initial_lr) * ieee("**", s.num("decay_rate", n.decay_rate), e)


def describe(p, unit: str) -> str:
    n = p.node
    every = "every step" if n.decay_steps in (None, 1) else f"every {steps(n.decay_steps, unit)}"
    how = "" if every == "every step" else (" in stairs" if n.staircase else " smoothly")
    return f"exponential decay from {g(n.initial_lr)}, times {g(n.decay_rate)} {every}{how}"


TYPE = NodeType(model=Exponential, formula=formula, describe=describe, shape=lambda p, shape_of: Shape())
