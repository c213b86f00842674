"""The core node types, one module each, registered in one table.

A type module owns its model, its formula (lowered to :mod:`lrspec.expr.tree`), its floor, and how ``explain``
and plots show it (:class:`~lrspec.types.base.NodeType`). Nothing outside these modules looks at a type's name:
every layer asks :data:`TYPES`.
"""

from __future__ import annotations

from typing import Any

from . import (constant, cosine, cyclical, exponential, expression, inverse_sqrt, inverse_time, linear_cosine, noam,
               one_cycle, piecewise_constant, piecewise_linear, polynomial, product, sequence, tanh, wsd)
from .base import NodeType, Shape

__all__ = ["TYPES", "NodeType", "Shape", "node_type", "register"]

#: ``type`` -> the type's definition, in the order of spec/types/.
TYPES: dict[str, NodeType] = {
    m.TYPE.name: m.TYPE for m in (constant, piecewise_constant, piecewise_linear, exponential, polynomial, cosine,
                                  tanh, cyclical, expression, inverse_time, inverse_sqrt, linear_cosine, one_cycle,
                                  wsd, noam, sequence, product)
}


def node_type(node: Any) -> NodeType:
    """The definition of a validated core node's type."""
    return TYPES[node.type]


def register(definition: NodeType) -> None:
    """Add a core type: documents may use it, and every target evaluates it through its formula."""
    TYPES[definition.name] = definition
    from ..model.union import rebuild

    rebuild()
