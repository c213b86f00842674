"""product (spec/types/product.md): a base rate times factors, every child on the product's own counter; the base
carries the rate, each factor is a dimensionless multiplier (torch ChainedScheduler)."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from ..expr.tree import Apply
from ..formula import Scope, t
from ..model._base import T_MAX, fail
from ..model.nodes import MAX_PHASES, NodeBase
from .base import NodeType, Shape


class Product(NodeBase):
    """The base rate times one or more factors, all at the same step (torch ChainedScheduler)."""

    type: Literal["product"]
    base: "Node"  # noqa: F821 (set by lrspec.model.union)
    """The schedule that carries the rate: its values are learning rates."""
    factors: list["Node"] = Field(max_length=MAX_PHASES - 1)  # noqa: F821 (set by lrspec.model.union)
    """Multipliers of the base, in order: nodes whose values are dimensionless factors (typically 1 at step 0)."""

    @model_validator(mode="after")
    def _children(self) -> Product:
        if not self.factors:
            raise fail("a product needs at least one factor besides its base; without factors, write the base "
                       "node itself", ("factors",))
        for loc, child in (("base",), self.base), *((("factors", i), f) for i, f in enumerate(self.factors)):
            if child.steps is not None:
                raise fail("steps is a phase length: the base and the factors of a product all run on the "
                           "product's counter from 0 (put the product in a sequence to give it a length)",
                           (*loc, "steps"))
        return self


def formula(n: Product, s: Scope):
    base, *factors = s.children
    rate = Apply(base, (t,))
    for factor in factors:
        rate = rate * Apply(factor, (t,))
    return rate


def shape(p, shape_of) -> Shape:
    parts = [shape_of(child) for child in p.phases]
    marks = sorted({mark for part in parts for mark in part.marks})
    if all(part.end is not None for part in parts):
        return Shape(marks, max(part.end for part in parts))  # type: ignore[type-var]
    periods = [part.period for part in parts if part.end is None]
    if all(period is not None for period in periods):  # cycling children, the others settled: a common cycle
        period = math.lcm(*periods)  # type: ignore[arg-type]
        return Shape(marks, None, period if period <= T_MAX else None)
    return Shape(marks)


def label(p, k: int, unit: str) -> str:
    if k == 0:
        return "base rate, on the product's counter"
    return f"times factor {k}, on the product's counter"


TYPE = NodeType(model=Product, formula=formula,
                describe=lambda p, unit: (f"the product of a base rate and {len(p.node.factors)} "
                                          f"factor{'s' if len(p.node.factors) > 1 else ''}"),
                shape=shape, children=lambda n: [("BASE_", n.base)] + [(f"FACTOR{k}_", f)
                                                                          for k, f in enumerate(n.factors)],
                child_label=label)
