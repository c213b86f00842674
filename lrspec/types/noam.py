"""noam (spec/types/noam.md): factor · (d_model ** -0.5 · min(n ** -0.5, n · warmup_steps ** -1.5)) (Vaswani et al.
2017; OpenNMT noam, The Annotated Transformer)."""

from __future__ import annotations

from typing import Literal

from ..expr.tree import Call, Num
from ..formula import Scope, ieee, imax, real, t
from ..model._base import Positive, Rate, Step, Steps
from ..model.nodes import NodeBase
from .base import NodeType, Shape, g


class Noam(NodeBase):
    """A linear rise to the peak at warmup_steps, then an inverse square-root decay, scaled by d_model ** -0.5."""

    type: Literal["noam"]
    d_model: Positive
    """Model width: the rate scales with d_model ** -0.5."""
    warmup_steps: Steps
    """The step where the rise meets the decay (the peak)."""
    factor: Rate = 1.0
    """Multiplies the whole schedule (OpenNMT learning_rate, The Annotated Transformer factor)."""
    offset: Step = 0
    """Added to the step: 1 counts steps from 1 (OpenNMT, tensor2tensor)."""
    min_step: Step = 0
    """The counted step is at least this: 1 replaces step 0 by 1 (The Annotated Transformer)."""


def formula(n: Noam, s: Scope):
    counted = t + s.int("offset", n.offset) if n.offset else t  # structural choices: each only where it is set
    if n.min_step:
        counted = imax(counted, s.int("min_step", n.min_step))
    x = s.let("x", real(counted))
    rise = x * real(s.int("warmup_steps", n.warmup_steps)) ** -1.5
    scale = s.num("d_model", n.d_model) ** -0.5
    decay = ieee("**", x, Num(-0.5))  # 0 ** -0.5 = inf where the counted step is 0; the min then takes the rise
    return s.num("factor", n.factor) * (scale * Call("min", (decay, rise), ieee=False))


def describe(p, unit: str) -> str:
    n = p.node
    peak = n.factor * n.d_model ** -0.5 * n.warmup_steps ** -0.5
    return (f"noam: a linear rise to {g(peak)} at step {n.warmup_steps - n.offset}, then inverse square-root decay "
            f"(d_model {g(n.d_model)}, factor {g(n.factor)})")


TYPE = NodeType(model=Noam, formula=formula, describe=describe,
                shape=lambda p, shape_of: Shape([(max(p.node.warmup_steps - p.node.offset, 0), "peak")]))
