"""The node union: core types and library aliases, discriminated on ``type``."""

from __future__ import annotations

import sys
from typing import Annotated, Union

from pydantic import BaseModel, Field

from .aliases import ALIAS_TYPES
from .nodes import CORE_TYPES, Sequence

__all__ = ["Node", "NODE_TYPES"]

_ALL: tuple[type[BaseModel], ...] = (*CORE_TYPES, *ALIAS_TYPES)

Node = Annotated[Union[_ALL], Field(discriminator="type")]  # type: ignore[valid-type]

#: ``type`` value -> model class, core types first.
NODE_TYPES: dict[str, type[BaseModel]] = {
    cls.model_fields["type"].annotation.__args__[0]: cls for cls in _ALL  # type: ignore[union-attr]
}

# Models whose fields name "Node" before it existed find it in their module when their deferred
# validators are built, on first use; building them here would cost every import (lrspec validate).
for _cls in (Sequence, *ALIAS_TYPES):
    sys.modules[_cls.__module__].Node = Node  # type: ignore[attr-defined]
