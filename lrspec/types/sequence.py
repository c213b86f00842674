"""sequence (spec/types/sequence.md): phases one after another, each on its own counter from 0; a boundary
step belongs to the later phase (optax join_schedules, torch SequentialLR)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..expr.tree import Apply
from ..formula import Scope, lt, t
from ..model._base import fail
from ..model.nodes import MAX_PHASES, NodeBase
from .base import NodeType, Shape, steps


class Sequence(NodeBase):
    """Phases one after another, each on its own counter from 0 (optax join_schedules, torch SequentialLR)."""

    type: Literal["sequence"]
    phases: list["Node"] = Field(min_length=1, max_length=MAX_PHASES)  # noqa: F821 (set by lrspec.model.union)
    """The phases; every phase but the last has steps, its length."""

    @model_validator(mode="after")
    def _lengths(self) -> Sequence:
        last = len(self.phases) - 1
        for i, phase in enumerate(self.phases):
            if i < last and phase.steps is None:
                raise fail("every phase but the last needs steps, its length", ("phases", i, "steps"))
            if i == last and phase.steps is not None:
                raise fail("the last phase runs to the end of the schedule and takes no steps",
                           ("phases", i, "steps"))
        total = sum(p.steps or 0 for p in self.phases)
        if total > 2**53:
            raise fail(f"the phases' steps add up to {total}, more than 2**53", ("phases",))
        return self

    def starts(self) -> list[int]:
        """The first step of each phase."""
        out = [0]
        for phase in self.phases[:-1]:
            out.append(out[-1] + (phase.steps or 0))
        return out


def formula(n: Sequence, s: Scope):
    starts = [s.int(f"phase{k}_start", start) if start else None for k, start in enumerate(n.starts())]
    calls = [Apply(child, (t - start if start is not None else t,)) for child, start in zip(s.children, starts,
                                                                                             strict=True)]
    for k, call in enumerate(calls[:-1]):
        s.guard(lt(t, starts[k + 1]), call)
    return calls[-1]


def shape(p, shape_of) -> Shape:
    out = Shape()
    starts = p.node.starts()
    for start, phase in zip(starts, p.phases, strict=True):
        if start:
            out.marks.append((start, "phase start"))
        out.marks.extend(shape_of(phase).shifted(start).marks)
    last = shape_of(p.phases[-1]).shifted(starts[-1])
    out.end, out.period = last.end, last.period
    return out


def label(p, k: int, unit: str) -> str:
    starts = p.node.starts()
    if k + 1 < len(starts):
        span = f"t={starts[k]}..{starts[k + 1] - 1} ({steps(starts[k + 1] - starts[k], unit)})"
    else:
        span = f"from t={starts[k]} on"
    return f"phase {k + 1}, {span}, on its own counter from 0"


TYPE = NodeType(model=Sequence, formula=formula, describe=lambda p, unit: f"a sequence of {len(p.node.phases)} phases",
                shape=shape, children=lambda n: [(f"PHASE{k}_", phase) for k, phase in enumerate(n.phases)],
                child_label=label)
