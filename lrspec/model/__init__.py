"""Pydantic models of an lrspec document: the validated form every evaluator and generator starts from."""

from ._base import T_MAX
from .aliases import ALIAS_TYPES, Alias
from .document import FORMAT_VERSION, Document
from .modifiers import Clamp, Noise, Restarts, Warmup
from .nodes import NodeBase
from .union import NODE_TYPES, Node

__all__ = ["Document", "FORMAT_VERSION", "T_MAX", "Node", "NodeBase", "NODE_TYPES", "Alias", "ALIAS_TYPES",
           "Warmup", "Restarts", "Noise", "Clamp"]
