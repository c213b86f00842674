"""Desugaring: replace every library alias in a document by the core nodes it stands for.

Back ends (the kernel, every code generator) see only core nodes. The core form is validated like
a document, so an alias can never produce something the format does not allow.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from .model import Alias, Document, NodeBase
from .model import union

__all__ = ["expand", "expand_node", "core_mapping"]

_ADAPTERS: dict[int, TypeAdapter] = {}


def _adapter() -> TypeAdapter:
    """A validator of the node union as it is now (a registered type rebuilds the union)."""
    key = id(union.Node)
    if key not in _ADAPTERS:
        _ADAPTERS.clear()
        _ADAPTERS[key] = TypeAdapter(union.Node)
    return _ADAPTERS[key]


def expand_node(node: NodeBase | Alias) -> NodeBase:
    """The core form of ``node``: aliases desugared, recursively, child schedules (phases, factors) included."""
    if isinstance(node, Alias):
        data = node.core()
        if node.steps is not None:
            data = {**data, "steps": node.steps}
        return expand_node(_adapter().validate_python(data))
    update: dict[str, Any] = {}
    for name in type(node).model_fields:
        value = getattr(node, name)
        if isinstance(value, (NodeBase, Alias)):
            core: Any = expand_node(value)
            changed = core is not value
        elif isinstance(value, list) and value and all(isinstance(v, (NodeBase, Alias)) for v in value):
            core = [expand_node(v) for v in value]
            changed = any(c is not v for c, v in zip(core, value, strict=True))
        else:
            continue
        if changed:
            update[name] = core
    return node.model_copy(update=update) if update else node


def expand(document: Document) -> Document:
    """The document with its schedule and its momentum schedule in core form.

    A top-level alias that cycles the momentum (torch's ``cycle_momentum``) fills in ``momentum``.
    """
    schedule = document.schedule
    momentum = document.momentum
    if momentum is None and isinstance(schedule, Alias) and (filled := schedule.momentum()) is not None:
        momentum = _adapter().validate_python(filled)
    update: dict[str, Any] = {}
    if (core := expand_node(schedule)) is not schedule:
        update["schedule"] = core
    if momentum is not None and (core_momentum := expand_node(momentum)) is not document.momentum:
        update["momentum"] = core_momentum
    return document.model_copy(update=update) if update else document


def core_mapping(document: Document) -> dict[str, Any]:
    """The core form as plain data, defaults filled in: what ``lrspec normalize`` prints."""
    return expand(document).model_dump(mode="json", exclude_none=True)
