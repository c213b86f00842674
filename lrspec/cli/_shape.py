"""The shape of a schedule, read from its lowered plan: where phases, warm-ups and restarts begin,
where the rate stops changing, and how far a plot or a comparison should look by default."""

from __future__ import annotations

from typing import TYPE_CHECKING

import math

from ..model import T_MAX
from ..model._base import rational
from ..types.base import Shape

if TYPE_CHECKING:
    from ..lower import PlanNode
    from ..spec import Spec

__all__ = ["Shape", "shape_of", "default_steps", "window", "MAX_MARKS"]

#: At most this many marks of one kind are kept (a plot cannot show more restarts than pixels).
MAX_MARKS = 200
#: Default length when nothing in the schedule says how long it is (an exponential decay, say).
FALLBACK_STEPS = 1000


def _core(node: PlanNode) -> Shape:
    """The node without its modifiers (core → restarts → warmup → noise → clamp: spec/modifiers.md)."""
    from ..types import node_type

    return node_type(node.node).shape(node, shape_of_node)


def shape_of_node(node: PlanNode) -> Shape:
    out = _core(node)
    n = node.node
    r = n.restarts
    if r is not None:
        if node.cycle_starts is not None:
            starts = list(node.cycle_starts)
        else:
            count = r.limit if r.limit is not None else MAX_MARKS
            starts = [math.ceil(k * rational(r.period)) for k in range(min(count, MAX_MARKS) + 1)
                      if k * r.period <= T_MAX]
        shown = starts if r.limit is not None else starts[:-1]
        out.marks = [(t, "restart") for t in shown[1:MAX_MARKS + 1]]
        if r.limit is not None:
            out.marks = out.marks[:-1]
            out.marks.append((starts[r.limit], "end of cycles"))
            out.end, out.period = starts[r.limit], None
        else:
            # a fractional period n/d repeats every n steps
            out.end, out.period = None, (rational(r.period).numerator if r.period_mul == 1.0 else None)
            if out.period is None:
                out.marks = out.marks[:12]
    w = n.warmup
    if w is not None:
        if w.prefix:
            out = out.shifted(w.steps)
        out.marks.insert(0, (w.steps, "warm-up end"))
        if out.end is not None:
            out.end = max(out.end, w.steps)
    if n.noise is not None:
        out.end = None if n.noise.end is None or out.end is None else max(out.end, n.noise.end)
    out.marks.sort()
    return _counted(out, n.unit, node.counter_scale) if n.unit is not None else out


def _counted(shape: Shape, unit: str, scale: int) -> Shape:
    """A node's shape on its parent's counter: epoch k starts at step k * scale; sample k is at step
    ceil(k / scale)."""
    def step(k: int) -> int:
        return k * scale if unit == "epoch" else -(-k // scale)

    end = None if shape.end is None else min(step(shape.end), T_MAX)
    period = shape.period * scale if unit == "epoch" and shape.period is not None else None
    return Shape([(step(k), kind) for k, kind in shape.marks if step(k) <= T_MAX], end, period)


def shape_of(spec: Spec) -> Shape:
    """The shape of a validated spec (library aliases in their core form)."""
    from ..lower import lower

    return shape_of_node(lower(spec.document).root)


def default_steps(shape: Shape) -> int:
    """How many steps show the whole schedule: past its end, several cycles, or past the last mark."""
    if shape.end is not None:
        return min(T_MAX + 1, max(10, shape.end + max(shape.end // 8, 2)))
    last = max((t for t, _ in shape.marks), default=0)
    if shape.period is not None:
        return min(T_MAX + 1, max(last, 0) + 4 * shape.period)
    return min(T_MAX + 1, max(FALLBACK_STEPS, last + max(last // 4, 2)))


def window(spec: Spec, shape: Shape | None = None) -> int:
    """:func:`default_steps`; for a schedule that decays forever (exponential, inverse time, ...) the span in
    which it gets within 1% (of its range) of its value at :data:`FALLBACK_STEPS`, with a margin."""
    shape = shape_of(spec) if shape is None else shape
    steps = default_steps(shape)
    if shape.end is not None or shape.period is not None or steps > 10 * FALLBACK_STEPS:
        return steps
    import numpy as np

    values = spec.evaluate(range(steps))
    finite = values[np.isfinite(values)]
    if finite.size < 2:
        return steps
    far = np.abs(values - values[-1]) > 0.01 * (finite.max() - finite.min())
    moving = np.nonzero(far)[0]
    last = max((t for t, _ in shape.marks), default=0)
    settle = int(moving[-1]) + 1 if moving.size else 0
    return max(10, min(steps, max(settle, last) + max(settle, last) // 4 + 2))
