"""inverse_time (spec/types/inverse_time.md): initial_lr / (1 + decay_rate · t / decay_steps) (Keras
InverseTimeDecay)."""

from __future__ import annotations

from typing import ClassVar, Literal

from ..formula import Scope, h, real, t, whole_lengths
from ..model._base import Length, Rate
from ..model.nodes import NodeBase
from .base import NodeType, Shape, g, steps


class InverseTime(NodeBase):
    """lr = initial_lr / (1 + decay_rate * t / decay_steps) (Keras InverseTimeDecay)."""

    type: Literal["inverse_time"]
    horizon_field: ClassVar[str | None] = "decay_steps"
    initial_lr: Rate
    """Rate at step 0."""
    decay_rate: Rate
    """How fast the rate falls: it halves when decay_rate * t / decay_steps = 1."""
    decay_steps: Length | None = None
    """The time scale (the horizon); may be fractional."""
    staircase: bool = False
    """Use whole multiples of decay_steps."""


def formula(n: InverseTime, s: Scope):
    if isinstance(n.decay_steps, float):  # a fractional length: exact whole periods (spec/numerics.md#lengths)
        e = s.let("e", real(whole_lengths(s, "decay_steps", n.decay_steps)) if n.staircase else
                  real(t) / s.num("decay_steps", n.decay_steps))
    else:
        e = s.let("e", real(t // h) if n.staircase else real(t) / real(h))
    return s.num("initial_lr", n.initial_lr) / (1.0 + s.num("decay_rate", n.decay_rate) * e)


def describe(p, unit: str) -> str:
    n = p.node
    return f"inverse-time decay from {g(n.initial_lr)} (rate {g(n.decay_rate)} per {steps(n.decay_steps or 1, unit)})"


TYPE = NodeType(model=InverseTime, formula=formula, describe=describe, shape=lambda p, shape_of: Shape())
