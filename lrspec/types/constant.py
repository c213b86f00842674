"""constant (spec/types/constant.md): lr(t) = lr."""

from __future__ import annotations

from typing import Literal

from ..model._base import Rate
from ..model.nodes import NodeBase
from .base import NodeType, Shape, g


class Constant(NodeBase):
    """lr(t) = lr."""

    type: Literal["constant"]
    lr: Rate
    """The rate."""


TYPE = NodeType(
    model=Constant,
    formula=lambda n, s: s.num("lr", n.lr),
    describe=lambda p, unit: f"constant {g(p.node.lr)}",
    shape=lambda p, shape_of: Shape(end=0),
)
