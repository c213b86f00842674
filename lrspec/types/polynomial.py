"""polynomial (spec/types/polynomial.md): (initial_lr − end_lr) · (1 − p) ** power + end_lr (Keras
PolynomialDecay, optax polynomial_schedule)."""

from __future__ import annotations

from typing import ClassVar, Literal

from ..formula import Scope, h, imax, imin, real, t
from ..model._base import Positive, Rate, Steps
from ..model.nodes import NodeBase
from .base import NodeType, Shape, g, steps


class Polynomial(NodeBase):
    """lr = (initial_lr - end_lr) * (1 - p) ** power + end_lr, p = min(t, decay_steps) / decay_steps."""

    type: Literal["polynomial"]
    horizon_field: ClassVar[str | None] = "decay_steps"
    initial_lr: Rate
    """Rate at step 0."""
    end_lr: Rate = 0.0
    """Rate at and after decay_steps."""
    decay_steps: Steps | None = None
    """Length of the decay (the horizon)."""
    power: Positive = 1.0
    """Exponent of the decay."""
    cycle: bool = False
    """Keras cycle: past decay_steps, stretch the horizon to the next multiple of decay_steps."""


def formula(n: Polynomial, s: Scope):
    if n.cycle:
        d = s.let("d", h * imax(1, (t + h - 1) // h))
        p = s.let("p", real(t) / real(d))
    else:
        p = s.let("p", real(imin(t, h)) / real(h))
    end = s.num("end_lr", n.end_lr)
    return (s.num("initial_lr", n.initial_lr) - end) * (1.0 - p) ** s.num("power", n.power) + end


def describe(p, unit: str) -> str:
    n = p.node
    over = f"over {steps(p.horizon, unit)}" if p.horizon else "over each restart cycle"
    again = ", then stretched to the next multiple (cycle)" if n.cycle else f", then {g(n.end_lr)}"
    return f"polynomial decay (power {g(n.power)}) from {g(n.initial_lr)} to {g(n.end_lr)} {over}{again}"


TYPE = NodeType(model=Polynomial, formula=formula, describe=describe,
                shape=lambda p, shape_of: Shape() if p.node.cycle else Shape(end=p.horizon),
                floor=lambda n: n.end_lr)
