"""The node union: core types and library aliases, discriminated on ``type``."""

from __future__ import annotations

import sys
from typing import Annotated, ForwardRef, Optional, Union, get_args

from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo

from ..types import TYPES
from .aliases import ALIAS_TYPES

__all__ = ["Node", "NODE_TYPES", "rebuild"]


def _union(models: tuple[type[BaseModel], ...]) -> object:
    return Annotated[Union[models], Field(discriminator="type")]  # type: ignore[valid-type]


def _models() -> tuple[type[BaseModel], ...]:
    return (*(t.model for t in TYPES.values()), *ALIAS_TYPES)


Node = _union(_models())

#: ``type`` value -> model class, core types first.
NODE_TYPES: dict[str, type[BaseModel]] = {
    cls.model_fields["type"].annotation.__args__[0]: cls for cls in _models()  # type: ignore[union-attr]
}


def _referrers() -> tuple[type[BaseModel], ...]:
    """Models with a field of the union: composite core types and aliases that take schedules."""
    return (*(t.model for t in TYPES.values() if t.composite), *ALIAS_TYPES)


# Models whose fields name "Node" before it existed find it in their module when their deferred
# validators are built, on first use; building them here would cost every import (lrspec validate).
for _cls in _referrers():
    sys.modules[_cls.__module__].Node = Node  # type: ignore[attr-defined]


def rebuild() -> None:
    """Rebuild the union and every model with a field of it after a core type was registered."""
    global Node
    from .document import Document

    old = Node
    Node = _union(_models())
    NODE_TYPES.clear()
    NODE_TYPES.update({cls.model_fields["type"].annotation.__args__[0]: cls  # type: ignore[union-attr]
                       for cls in _models()})
    forms = {"Node": (Node, (get_args(old)[0], old)), "list[Node]": (list[Node], (list[old],)),  # type: ignore[valid-type]
             "Node | None": (Optional[Node], (Optional[old],))}
    for cls in (*_referrers(), Document):
        sys.modules[cls.__module__].Node = Node  # type: ignore[attr-defined]
        for name, info in cls.model_fields.items():
            kind = _form(info.annotation, forms)
            if kind is not None:
                new = FieldInfo.from_annotated_attribute(forms[kind][0], info.default if not info.is_required() else ...)
                new.description = info.description
                cls.__pydantic_fields__[name] = new
        cls.model_rebuild(force=True)


def _form(annotation: object, forms: dict[str, tuple[object, tuple[object, ...]]]) -> str | None:
    """Which form of the old union a field's annotation is: ``Node``, ``list[Node]``, ``Node | None``."""
    if isinstance(annotation, ForwardRef):
        text = annotation.__forward_arg__
        if "Node" not in text:
            return None
        return "list[Node]" if text.startswith("list") else "Node | None" if "None" in text else "Node"
    for kind, (_, olds) in forms.items():
        if any(annotation == old for old in olds):
            return kind
    return None
