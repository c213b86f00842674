"""inverse_sqrt (spec/types/inverse_sqrt.md): initial_lr / sqrt((t + shift) / timescale) (Vaswani et al.
2017; transformers' get_inverse_sqrt_schedule)."""

from __future__ import annotations

from typing import Literal

from ..expr.tree import Num
from ..formula import Scope, ieee, ieee_call, real, t
from ..model._base import Offset, Rate, Steps
from ..model.nodes import NodeBase
from .base import NodeType, Shape, g


class InverseSqrt(NodeBase):
    """lr = initial_lr / sqrt((t + shift) / timescale) (transformers' inverse_sqrt, Vaswani et al. 2017)."""

    type: Literal["inverse_sqrt"]
    initial_lr: Rate
    """Rate where t + shift = timescale."""
    timescale: Steps
    """Steps over which the rate falls by sqrt(2) from its value at t + shift = timescale."""
    shift: Offset = 0
    """Added to t before scaling (transformers: timescale - num_warmup_steps)."""


def formula(n: InverseSqrt, s: Scope):
    # t + shift may be 0 or negative before the warm-up ends: 1 / 0 is inf and sqrt of a negative is NaN
    ratio = real(t + s.int("shift", n.shift)) / real(s.int("timescale", n.timescale))
    return s.num("initial_lr", n.initial_lr) * ieee("/", Num(1.0), ieee_call("sqrt", ratio))


def describe(p, unit: str) -> str:
    n = p.node
    return f"inverse square-root decay from {g(n.initial_lr)} (timescale {n.timescale}, shift {n.shift})"


TYPE = NodeType(model=InverseSqrt, formula=formula, describe=describe, shape=lambda p, shape_of: Shape())
