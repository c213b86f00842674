"""What a core type module provides (:class:`NodeType`), and the shape of a schedule that plots and ``explain``
read: where events happen, where the rate stops changing, whether it repeats."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..expr.tree import Expr
    from ..formula import Scope
    from ..lower import PlanNode

__all__ = ["NodeType", "Shape", "g", "steps"]


@dataclass
class Shape:
    """Events in the node's counter: (step, kind) marks; ``end`` the step from which the rate is constant
    (None: it keeps changing); ``period`` the repeat length when it cycles forever."""

    marks: list[tuple[int, str]] = field(default_factory=list)
    end: int | None = None
    period: int | None = None

    def shifted(self, by: int) -> Shape:
        return Shape([(t + by, kind) for t, kind in self.marks], None if self.end is None else self.end + by,
                     self.period)


def g(x: float) -> str:
    """A rate for people: 4 significant digits (1e-05, 0.0975, 0.1)."""
    return f"{x:.4g}"


def steps(n: int, unit: str = "step") -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _no_floor(node: Any) -> float:
    return 0.0


@dataclass(frozen=True)
class NodeType:
    """One core type: its model, its formula, and how people are shown it.

    ``formula(node, scope)`` is the value at the counter ``t`` (and horizon ``h``) as a tree
    (spec/types/<name>.md, in its order of operations); ``floor`` the value restarts decay towards;
    ``describe(plan_node, unit)`` one line of ``explain``; ``shape(plan_node, shape_of)`` its events without
    modifiers (``shape_of`` gives a child's shape, for composite types).
    """

    model: type
    formula: Callable[[Any, Scope], Expr]
    describe: Callable[[PlanNode, str], str]
    shape: Callable[[PlanNode, Callable[[PlanNode], Shape]], Shape]
    floor: Callable[[Any], float] = _no_floor
    children: Callable[[Any], list[tuple[str, Any]]] | None = None
    """A composite type's child schedules, in the order its formula calls them (``Scope.children``), each with
    the prefix of its numbers' names (``PHASE1_``, ``FACTOR0_``); each child is lowered to functions of its own."""
    child_label: Callable[[PlanNode, int, str], str] | None = None
    """A composite type: how ``explain`` introduces child k (``phase 2, t=100..199 (100 steps), on its own counter
    from 0``), given the plan node and the unit."""
    fast: Callable[[Any, Scope], Expr] | None = None
    """The reference kernel's fast path over runs of steps, when there is one: another formula of the same
    values within the tolerance of spec/numerics.md#fast-paths (a per-step form that vectorizes)."""
    period: Callable[[Any, Scope], Expr | None] | None = None
    """A length after which the formula starts over (a cycle), as a number of the scope (None for this node): the
    kernel splits runs there and computes what depends on the cycle alone once per cycle (the values do not change)."""

    @property
    def composite(self) -> bool:
        """Whether the node has child schedules, each lowered to a function of its own."""
        return self.children is not None

    @property
    def name(self) -> str:
        return self.model.model_fields["type"].annotation.__args__[0]  # type: ignore[no-any-return]

    @property
    def section(self) -> str:
        return f"spec/types/{self.name}.md"
