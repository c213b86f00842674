"""expression (spec/types/expression.md): lr(t) = expr, an expression of the step in the safe grammar
(spec/expression.md); parsed, never executed."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..expr import parse
from ..formula import Scope, real, t
from ..model.nodes import NodeBase, Params, RateExpression
from .base import NodeType, Shape, g


class Expression(NodeBase):
    """lr(t) = expr, an expression of the step t in the safe grammar (spec/expression.md)."""

    type: Literal["expression"]
    params: Params = Field(default_factory=dict)
    """Named numbers that expr may use."""
    expr: RateExpression
    """The rate as an expression of t."""


def formula(n: Expression, s: Scope):
    return s.expression(parse(n.expr, "t", n.params, "expr"), real(t), n.params)


def describe(p, unit: str) -> str:
    n = p.node
    params = f" with {', '.join(f'{k} = {g(v)}' for k, v in n.params.items())}" if n.params else ""
    return f"the expression {n.expr}{params}"


TYPE = NodeType(model=Expression, formula=formula, describe=describe, shape=lambda p, shape_of: Shape())
