"""Lowering: a validated document to the plan that the evaluator and every code generator share.

The plan resolves what the model leaves implicit: defaults, which cosine form applies, cyclical
modes as scale expressions, each node's floor, restart cycle tables and phase starts. Back ends
never look at raw text again; expressions arrive as parsed trees.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .expand import expand
from .expr import Expr, parse
from .model import Cosine, Cyclical, Document, Expression, NodeBase, Polynomial, Sequence, Tanh
from .model.modifiers import cycle_starts

__all__ = ["Plan", "PlanNode", "lower", "TRIANGULAR2", "EXP_RANGE"]

#: The scale of mode triangular2 (cycle mode): the tfa formula, as an expression.
TRIANGULAR2 = "1 / 2 ** (x - 1)"
#: The scale of mode exp_range (iterations mode).
EXP_RANGE = "gamma ** x"


@dataclass(frozen=True)
class PlanNode:
    """One node of the plan: its model, resolved values, and its phases when it is a sequence."""

    id: int
    node: NodeBase
    floor: float
    horizon: int | None = None
    """Fixed horizon, or None when it is the restart cycle length (or the type has none)."""
    expr: Expr | None = None
    """cyclical: the scale expression in x (None: scale 1); expression: the rate in t."""
    scale_by_cycle: bool = True
    """cyclical: x is the cycle number (True) or the step (False)."""
    cycle_starts: tuple[int, ...] | None = None
    """restarts with period_mul != 1: start step of each cycle (last entry past 2**53 or the limit)."""
    phase_starts: tuple[int, ...] = ()
    """sequence: start step of each phase after the first."""
    phases: tuple[PlanNode, ...] = field(default=())

    @property
    def type(self) -> str:
        return self.node.type  # type: ignore[attr-defined,no-any-return]


@dataclass(frozen=True)
class Plan:
    """The lowered document: its root node and every node by id (ids are depth-first, root first; the momentum
    schedule's nodes come after the schedule's)."""

    root: PlanNode
    nodes: tuple[PlanNode, ...]
    momentum: PlanNode | None = None
    """The momentum schedule's root (its nodes follow the schedule's in ``nodes``), or None."""


def _floor(node: NodeBase) -> float:
    if isinstance(node, Cosine):
        if node.alpha is not None:
            return node.initial_lr * node.alpha
        return node.final_lr or 0.0
    if isinstance(node, Polynomial):
        return node.end_lr
    if isinstance(node, Tanh):
        return node.lr_min
    return 0.0


def _scale(node: Cyclical) -> tuple[Expr | None, bool]:
    if node.scale_fn is not None:
        return parse(node.scale_fn, "x", node.params, "scale_fn"), node.scale_mode != "iterations"
    if node.mode == "triangular2":
        return parse(TRIANGULAR2, "x"), True
    if node.mode == "exp_range":
        return parse(EXP_RANGE, "x", {"gamma": node.gamma or 1.0}), False
    return None, True


def lower(document: Document, momentum: bool = True) -> Plan:
    """Lower a validated document into a :class:`Plan` (library aliases are desugared first); with
    ``momentum=False`` the plan leaves out the momentum schedule."""
    nodes: list[PlanNode] = []

    def visit(node: NodeBase) -> PlanNode:
        index = len(nodes)
        nodes.append(None)  # type: ignore[arg-type]  # reserve the id: parents before children
        horizon = getattr(node, node.horizon_field) if node.horizon_field else None
        expr: Expr | None = None
        by_cycle = True
        if isinstance(node, Cyclical):
            expr, by_cycle = _scale(node)
        elif isinstance(node, Expression):
            expr = parse(node.expr, "t", node.params, "expr")
        phases: tuple[PlanNode, ...] = ()
        starts: list[int] = []
        if isinstance(node, Sequence):
            phases = tuple(visit(p) for p in node.phases)
            total = 0
            for phase in node.phases[:-1]:
                total += phase.steps or 0
                starts.append(total)
        table = None
        if node.restarts is not None and node.restarts.period_mul != 1.0:
            r = node.restarts
            table = tuple(cycle_starts(r.period, r.period_mul, r.limit))
        planned = PlanNode(index, node, _floor(node), horizon, expr, by_cycle, table, tuple(starts), phases)
        nodes[index] = planned
        return planned

    core = expand(document)
    root = visit(core.schedule)
    extra = visit(core.momentum) if momentum and core.momentum is not None else None
    return Plan(root, tuple(nodes), extra)

