"""piecewise_constant (spec/types/piecewise_constant.md): values[k], k = number of boundaries <= t; the
boundary step takes the new value (optax piecewise_constant_schedule, Keras PiecewiseConstantDecay)."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from ..expr.tree import Count, Gather
from ..formula import Scope, t
from ..model._base import Length, Rate, fail, rational
from ..model.nodes import MAX_POINTS, NodeBase
from .base import NodeType, Shape, g


class PiecewiseConstant(NodeBase):
    """lr(t) = values[k], k = number of boundaries <= t (the boundary step takes the new value)."""

    type: Literal["piecewise_constant"]
    boundaries: list[Length] = Field(min_length=1, max_length=MAX_POINTS)
    """Steps where the value changes, strictly increasing, each > 0; a fractional boundary b takes effect at the
    first whole step after it, ceil(b) (Keras' float boundaries)."""
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


def changes(n: PiecewiseConstant) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """The first step of each value after the first, ceil(b) exactly for each boundary b, and the values. Where
    fractional boundaries share a first step, the value between them holds at no step and is left out."""
    firsts: list[int] = []
    values = [n.values[0]]
    for b, value in zip(n.boundaries, n.values[1:], strict=True):
        first = math.ceil(rational(b))
        if firsts and firsts[-1] == first:
            values[-1] = value
        else:
            firsts.append(first)
            values.append(value)
    return tuple(firsts), tuple(values)


def formula(n: PiecewiseConstant, s: Scope):
    firsts, rates = changes(n)
    boundaries = s.table("boundaries", firsts)
    values = s.table("values", rates, integer=False)
    return Gather(values, Count(boundaries, t))


def describe(p, unit: str) -> str:
    n = p.node
    parts = [f"{g(n.values[0])} until t={n.boundaries[0]}"]
    parts += [f"{g(v)} from t={b}" for b, v in zip(n.boundaries, n.values[1:], strict=True)]
    return "piecewise constant: " + ", ".join(parts)


TYPE = NodeType(model=PiecewiseConstant, formula=formula, describe=describe,
                shape=lambda p, shape_of: Shape(end=changes(p.node)[0][-1]))
