"""tanh (spec/types/tanh.md): timm's TanhLRScheduler decay, lr_min + (initial_lr − lr_min)/2 ·
(1 − tanh(lb (1 − r) + ub r)), r = t / decay_steps (Hsueh et al. 2019)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from ..formula import Scope, ge, h, real, t, tanh
from ..model._base import Rate, Real, Steps, fail
from ..model.nodes import NodeBase
from .base import NodeType, Shape, g, steps


class Tanh(NodeBase):
    """timm's tanh decay: lr_min + (initial_lr - lr_min)/2 * (1 - tanh(lb (1 - r) + ub r)), r = t / decay_steps."""

    type: Literal["tanh"]
    horizon_field: ClassVar[str | None] = "decay_steps"
    initial_lr: Rate
    """Rate near step 0."""
    lr_min: Rate = 0.0
    """Rate at and after decay_steps."""
    decay_steps: Steps | None = None
    """Length of the decay (the horizon; timm t_initial)."""
    lb: Real = -7.0
    """tanh argument at step 0."""
    ub: Real = 3.0
    """tanh argument at decay_steps."""

    @model_validator(mode="after")
    def _ordered(self) -> Tanh:
        if self.lb >= self.ub:
            raise fail(f"must be greater than lb ({self.lb:g}), got {self.ub:g}", ("ub",))
        return self


def formula(n: Tanh, s: Scope):
    lr_min = s.num("lr_min", n.lr_min)
    s.guard(ge(t, h), lr_min)
    r = s.let("r", real(t) / real(h))
    lb, ub = s.num("lb", n.lb), s.num("ub", n.ub)
    return lr_min + 0.5 * (s.num("initial_lr", n.initial_lr) - lr_min) * (1.0 - tanh(lb * (1.0 - r) + ub * r))


def describe(p, unit: str) -> str:
    n = p.node
    over = f"over {steps(p.horizon, unit)}" if p.horizon else "over each restart cycle"
    return f"tanh (lb {g(n.lb)}, ub {g(n.ub)}) decay from {g(n.initial_lr)} to {g(p.floor)} {over}"


TYPE = NodeType(model=Tanh, formula=formula, describe=describe, shape=lambda p, shape_of: Shape(end=p.horizon),
                floor=lambda n: n.lr_min)
