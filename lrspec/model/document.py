"""The top-level document: format version, metadata and the schedule."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from ._base import Steps, Strict, fail
from .aliases import Alias
from .union import Node

__all__ = ["Document", "FORMAT_VERSION"]

FORMAT_VERSION = 1


class Document(Strict):
    """An lrspec document (spec/README.md)."""

    lrspec: Literal[1]
    """Format version; this release reads version 1."""
    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
    """Short identifier: letters, digits, '_', '.', '-' (used to name generated code and plots)."""
    description: str | None = Field(default=None, max_length=4096)
    """Free text for people."""
    unit: Literal["step", "epoch"] = "step"
    """What the counter t counts; plain integer lengths count in this unit."""
    steps_per_epoch: Steps | None = None
    """Steps in one epoch: converts durations written as "5ep" or "1000st" to the document's unit."""
    total_steps: Steps | None = None
    """Length of the training run in steps: resolves durations written as "10%"."""
    samples_per_step: Steps | None = None
    """Samples in one step (the global batch size): the counter of a node with unit: sample (Megatron-LM's lengths
    in samples)."""
    schedule: Node
    """The schedule: a node with its parameters and modifiers."""
    momentum: Node | None = None
    """Optional second schedule on the same counter: the optimizer's momentum (SGD) or beta1 (Adam) at each step.
    Filled in by a top-level torch.OneCycleLR or torch.CyclicLR with cycle_momentum."""

    @field_validator("lrspec", mode="before")
    @classmethod
    def _version(cls, value: object) -> object:
        if isinstance(value, str) and value.strip() == str(FORMAT_VERSION):
            raise fail(f"must be the number {FORMAT_VERSION}, got the string {value!r}; remove the quotes")
        if value != FORMAT_VERSION or isinstance(value, bool) or not isinstance(value, int):
            raise fail(f"unsupported format version {value!r}; this lrspec reads version {FORMAT_VERSION}")
        return value

    @model_validator(mode="after")
    def _node_units(self) -> Document:
        for key in ("schedule", "momentum"):
            node = getattr(self, key)
            for path, unit in _node_units(node, (key,)) if node is not None else ():
                if self.unit == "epoch":
                    raise fail(f"unit: {unit} counts finer than the document, which counts epochs; give the "
                               "document unit: step and the epoch-counted nodes unit: epoch", (*path, "unit"))
                if unit == "epoch" and self.steps_per_epoch is None:
                    raise fail("unit: epoch counts t // steps_per_epoch; give steps_per_epoch at the top of the "
                               "document", (*path, "unit"))
                if unit == "sample" and self.samples_per_step is None:
                    raise fail("unit: sample counts t * samples_per_step; give samples_per_step (the global batch "
                               "size) at the top of the document", (*path, "unit"))
        return self

    @model_validator(mode="after")
    def _no_top_steps(self) -> Document:
        for key in ("schedule", "momentum"):
            node = getattr(self, key)
            if node is not None and node.steps is not None:
                raise fail("steps is a phase length and is allowed only on phases of a sequence", (key, "steps"))
        return self

    @model_validator(mode="after")
    def _one_momentum(self) -> Document:
        for key in ("schedule", "momentum"):
            node = getattr(self, key)
            for path, alias in _nested_aliases(node, (key,)) if node is not None else ():
                if alias.momentum() is not None and (key == "momentum" or path != ("schedule",)):
                    raise fail("cycle_momentum fills the document's momentum schedule, so it is allowed only on the "
                               "top-level schedule; write cycle_momentum: false here (and give the document a "
                               "momentum schedule of its own if you need one)", (*path, "cycle_momentum"))
        if (self.momentum is not None and isinstance(self.schedule, Alias)
                and self.schedule.momentum() is not None):
            raise fail("the document has two momentum schedules: this one and the cycle_momentum of "
                       f"{self.schedule.type}; remove one (write cycle_momentum: false to keep this one)",
                       ("momentum",))
        return self


def _models(model: BaseModel, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], BaseModel]]:
    """Every model in the tree under ``model`` (itself included), with its path."""
    yield path, model
    for name in type(model).model_fields:
        value = getattr(model, name)
        items = enumerate(value) if isinstance(value, (list, tuple)) else ((None, value),)
        for index, item in items:
            if isinstance(item, BaseModel):
                yield from _models(item, (*path, name) if index is None else (*path, name, index))


def _node_units(model: BaseModel, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every node under ``model`` (itself included) with a counter of its own, with its path and unit."""
    return ((at, unit) for at, item in _models(model, path) if (unit := getattr(item, "unit", None)) is not None)


def _nested_aliases(model: BaseModel, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Alias]]:
    """Every library alias in the tree under ``model`` (itself included), with its path."""
    return ((at, item) for at, item in _models(model, path) if isinstance(item, Alias))
