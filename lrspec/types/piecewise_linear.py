"""piecewise_linear (spec/types/piecewise_linear.md): interpolation between (step, lr) points, linear or
half-cosine (optax piecewise_interpolate_schedule); constant before the first point and after the last."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from ..expr.tree import Count, Gather
from ..formula import PI, Scope, cos, ge, le, real, t
from ..model._base import Offset, Rate, fail
from ..model.nodes import MAX_POINTS, NodeBase
from .base import NodeType, Shape, g


def _pair(value: object) -> object:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise fail(f"must be a [step, lr] pair, got {value!r:.40}")
    return tuple(value)


#: A point of a piecewise_linear schedule.
Point = Annotated[tuple[Offset, Rate], BeforeValidator(_pair)]


class PiecewiseLinear(NodeBase):
    """Interpolation between (step, lr) points, linear or half-cosine; constant before the first and after the last."""

    type: Literal["piecewise_linear"]
    points: list[Point] = Field(min_length=1, max_length=MAX_POINTS)
    """[step, lr] pairs with strictly increasing steps; a step may be negative (the curve before step 0 is never
    evaluated, but it fixes the first segment's slope)."""
    interpolation: Literal["linear", "cosine"] = "linear"
    """Between two points: a straight line, or a half cosine (optax piecewise_interpolate 'cosine')."""

    @model_validator(mode="after")
    def _increasing(self) -> PiecewiseLinear:
        for i in range(1, len(self.points)):
            if self.points[i][0] <= self.points[i - 1][0]:
                raise fail(f"steps must be strictly increasing, got {self.points[i][0]} after "
                           f"{self.points[i - 1][0]}", ("points", i, 0))
        return self


def formula(n: PiecewiseLinear, s: Scope):
    steps = s.table("steps", tuple(p[0] for p in n.points))
    values = s.table("values", tuple(p[1] for p in n.points), integer=False)
    s.guard(le(t, s.int("first_step", n.points[0][0])), s.num("first_lr", n.points[0][1]))
    s.guard(ge(t, s.int("last_step", n.points[-1][0])), s.num("last_lr", n.points[-1][1]))
    j = s.let("j", Count(steps, t) - 1)
    f = s.let("f", real(t - Gather(steps, j)) / real(Gather(steps, j + 1) - Gather(steps, j)))
    if n.interpolation == "cosine":
        return Gather(values, j + 1) + (Gather(values, j) - Gather(values, j + 1)) / 2.0 * (cos(PI * f) + 1.0)
    d = s.let("d", Gather(values, j + 1) - Gather(values, j))
    return Gather(values, j) + d * f


def describe(p, unit: str) -> str:
    n = p.node
    pts = ", ".join(f"{g(lr)} at t={step:g}" for step, lr in n.points)
    return f"{n.interpolation} interpolation through {pts}, constant after the last point"


TYPE = NodeType(model=PiecewiseLinear, formula=formula, describe=describe,
                shape=lambda p, shape_of: Shape(end=max(0, int(p.node.points[-1][0]))))
