"""Pydantic models of an lrspec document: the validated form every evaluator and generator starts from.

The names load on first use, so that a type module may import ``lrspec.model._base`` and ``lrspec.model.nodes``
before the node union (which lists the types) exists.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ._base import T_MAX

__all__ = ["Document", "FORMAT_VERSION", "T_MAX", "Node", "NodeBase", "NODE_TYPES", "Alias", "ALIAS_TYPES",
           "Warmup", "Restarts", "Noise", "Clamp"]

_WHERE = {"Alias": "aliases", "ALIAS_TYPES": "aliases", "Document": "document", "FORMAT_VERSION": "document",
          "Clamp": "modifiers", "Noise": "modifiers", "Restarts": "modifiers", "Warmup": "modifiers",
          "NodeBase": "nodes", "NODE_TYPES": "union", "Node": "union", "union": None}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'lrspec.model' has no attribute {name!r}")
    module = import_module(f".{_WHERE[name] or name}", __name__)
    return module if _WHERE[name] is None else getattr(module, name)
