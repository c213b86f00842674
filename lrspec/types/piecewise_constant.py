"""piecewise_constant (spec/types/piecewise_constant.md): values[k], k = number of boundaries <= t; the
boundary step takes the new value (optax piecewise_constant_schedule, Keras PiecewiseConstantDecay)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..expr.tree import Count, Gather
from ..formula import Scope, t
from ..model._base import Rate, Steps, fail
from ..model.nodes import MAX_POINTS, NodeBase
from .base import NodeType, Shape, g


class PiecewiseConstant(NodeBase):
    """lr(t) = values[k], k = number of boundaries <= t (the boundary step takes the new value)."""

    type: Literal["piecewise_constant"]
    boundaries: list[Steps] = Field(min_length=1, max_length=MAX_POINTS)
    """Steps where the value changes, strictly increasing, each >= 1."""
    values: list[Rate] = Field(min_length=2, max_length=MAX_POINTS + 1)
    """len(boundaries) + 1 rates: before the first boundary, then after each."""

    @model_validator(mode="after")
    def _consistent(self) -> PiecewiseConstant:
        for i in range(1, len(self.boundaries)):
            if self.boundaries[i] <= self.boundaries[i - 1]:
                raise fail(f"boundaries must be strictly increasing, got {self.boundaries[i]} after "
                           f"{self.boundaries[i - 1]}", ("boundaries", i))
        if len(self.values) != len(self.boundaries) + 1:
            raise fail(f"needs len(boundaries) + 1 = {len(self.boundaries) + 1} values, got {len(self.values)}",
                       ("values",))
        return self


def formula(n: PiecewiseConstant, s: Scope):
    boundaries = s.table("boundaries", tuple(n.boundaries))
    values = s.table("values", tuple(n.values), integer=False)
    return Gather(values, Count(boundaries, t))


def describe(p, unit: str) -> str:
    n = p.node
    parts = [f"{g(n.values[0])} until t={n.boundaries[0]}"]
    parts += [f"{g(v)} from t={b}" for b, v in zip(n.boundaries, n.values[1:], strict=True)]
    return "piecewise constant: " + ", ".join(parts)


TYPE = NodeType(model=PiecewiseConstant, formula=formula, describe=describe,
                shape=lambda p, shape_of: Shape(end=p.node.boundaries[-1]))
