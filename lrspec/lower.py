"""Lowering: a validated document to the plan that the evaluator and every code generator share.

Each node becomes a few functions of an integer counter, each a list of bindings and early results over
:mod:`lrspec.expr.tree`: the type's formula (from its module in :mod:`lrspec.types`), then one function per
modifier it has (:mod:`lrspec.layers`). Numbers reach the functions only as named parameters and tables, so
documents that differ only in numbers have plans of the same structure. Back ends never see raw text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property

from . import layers
from .expand import expand
from .expr.tree import (Apply, Binary, Call, Compare, Count, Expr, Gather, IntOp, IntParam, Local, Param, Table,
                        ToReal, Unary, Where, rewrite)
from .formula import Guard, Let, Names, Scope, at_real_position, h, imin, t
from .model._base import T_MAX
from .model import Document, NodeBase
from .model.modifiers import cycles
from .noise import NORMAL_CENTRAL, NORMAL_QUANTILE, NORMAL_TAIL, normal, normal_central, normal_fast, normal_tail
from .types import node_type

__all__ = ["Plan", "PlanNode", "Function", "lower", "per_optimizer_step", "trees", "walk"]


@dataclass(frozen=True)
class Function:
    """``name(args)``: the bindings and early results of ``body`` in order, then ``result``."""

    name: str
    args: tuple[str, ...]
    body: tuple[Let | Guard, ...]
    result: Expr
    section: str
    """The section of spec/ it implements."""
    kind: str = "core"
    """What it computes: ``core`` (a type's formula), a modifier (``restarts``, ``warmup``, ``noise``,
    ``clamp``), ``shared`` (a function of spec/noise.md) or ``unit`` (the counter of an epoch document in code
    driven by optimizer steps)."""

    def tables(self) -> list[Table]:
        """The tables the function reads, in order of first use."""
        return _unique(n for n in _nodes((self,)) if isinstance(n, Table))


@dataclass(frozen=True)
class PlanNode:
    """One node of the plan: its model, resolved values, its children, and the function that computes it."""

    id: int
    node: NodeBase
    floor: float
    entry: str
    """The node's outermost function: lr at its counter."""
    horizon: int | float | None = None
    """Fixed horizon (fractional for a fractional decay_steps), or None when it is the restart cycle length (or the type has none)."""
    cycle_starts: tuple[int, ...] | None = None
    """restarts with period_mul != 1: the first step of each cycle (last entry past 2**53 or the limit)."""
    phases: tuple[PlanNode, ...] = field(default=())
    counter_scale: int | None = None
    """A node with a unit: steps per epoch (its counter is t // scale) or samples per step (t * scale)."""
    """A composite node: its children (a sequence's phases, a product's base and factors), in the order of
    ``NodeType.children``."""

    @property
    def type(self) -> str:
        return self.node.type  # type: ignore[attr-defined,no-any-return]


@dataclass(frozen=True)
class Plan:
    """The lowered document: its nodes (ids depth-first, root first, the momentum schedule's after the
    schedule's) and their functions, callees before callers."""

    root: PlanNode
    nodes: tuple[PlanNode, ...]
    functions: tuple[Function, ...]
    momentum: PlanNode | None = None
    fast: dict[str, Function] = field(default_factory=dict)
    """The reference kernel's fast paths: a function's name -> its fast formula (a core type's, from
    types/<type>.py; the normal quantile's, and its two regions as functions of their own, from noise.py)."""
    periods: dict[str, Expr] = field(default_factory=dict)
    """A core function's name -> the length of its cycle, where it has one (the kernel splits runs there)."""

    @cached_property
    def params(self) -> tuple[Param, ...]:
        """Every real number the functions use, in order of first use (the same order for the same structure)."""
        return tuple(_unique(n for n in _nodes(self.functions) if isinstance(n, Param)))

    @cached_property
    def int_params(self) -> tuple[IntParam, ...]:
        return tuple(_unique(n for n in _nodes(self.functions) if isinstance(n, IntParam)))

    @cached_property
    def tables(self) -> tuple[Table, ...]:
        return tuple(_unique(n for n in _nodes(self.functions) if isinstance(n, Table)))

    @cached_property
    def constants(self) -> tuple[Param | IntParam | Table, ...]:
        """Every number and table the functions use, in order of first use."""
        kinds = (Param, IntParam, Table)
        return tuple(_unique(n for n in _nodes(self.functions) if isinstance(n, kinds)))

    def function(self, name: str) -> Function:
        return next(f for f in self.functions if f.name == name)


def walk(expr: Expr) -> Iterator[Expr]:
    """``expr`` and every node below it, parents first."""
    yield expr
    if isinstance(expr, (Binary, Compare, IntOp)):
        yield from walk(expr.left)
        yield from walk(expr.right)
    elif isinstance(expr, Unary):
        yield from walk(expr.operand)
    elif isinstance(expr, Where):
        yield from walk(expr.cond)
        yield from walk(expr.then)
        yield from walk(expr.other)
    elif isinstance(expr, (Call, Apply)):
        for arg in expr.args:
            yield from walk(arg)
    elif isinstance(expr, Count):
        yield expr.table
        yield from walk(expr.x)
    elif isinstance(expr, Gather):
        yield expr.table
        yield from walk(expr.index)
    elif isinstance(expr, ToReal):
        yield from walk(expr.value)


def trees(step: Let | Guard | Expr) -> tuple[Expr, ...]:
    """The trees of a binding, an early result or a result."""
    if isinstance(step, Let):
        return (step.value,)
    if isinstance(step, Guard):
        return step.cond, step.value
    return (step,)


def _nodes(functions: tuple[Function, ...]) -> Iterator[Expr]:
    for f in functions:
        for step in (*f.body, f.result):
            for tree in trees(step):
                yield from walk(tree)


def _unique(items: Iterator) -> list:
    seen: dict[str, object] = {}
    for item in items:
        seen.setdefault(item.name, item)
    return list(seen.values())


def _uses_h(f: Function) -> bool:
    return any(isinstance(n, Local) and n.name == h.name for n in _nodes((f,)))


class _Lowering:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.names = Names()
        self.nodes: list[PlanNode | None] = []
        self.functions: list[Function] = []
        self.fast: dict[str, Function] = {}
        self.periods: dict[str, Expr] = {}

    def function(self, name: str, args: tuple[str, ...], scope: Scope, result: Expr, section: str,
                 kind: str = "core") -> Function:
        f = Function(name, args, tuple(scope.body), result, section, kind)
        self.functions.append(f)
        return f

    def visit(self, node: NodeBase, prefix: str) -> PlanNode:
        index = len(self.nodes)
        self.nodes.append(None)  # reserve the id: parents before children
        kind = node_type(node)
        suffix = f"_{index}" if index else ""
        phases: tuple[PlanNode, ...] = ()
        if kind.children is not None:
            phases = tuple(self.visit(child, prefix + name) for name, child in kind.children(node))
        horizon = getattr(node, node.horizon_field) if node.horizon_field else None
        floor = kind.floor(node)
        r = node.restarts
        real_position = r is not None and r.fractional

        scope = Scope(prefix, self.names, tuple(p.entry for p in phases))
        # a fractional horizon (spec/numerics.md#lengths) is not h: the type's formula reads it itself
        fixed = scope.int(node.horizon_field, horizon) if isinstance(horizon, int) else None  # type: ignore[arg-type]
        if fixed is not None:
            result = _substitute_h(kind.formula(node, scope), scope, fixed)
        else:
            result = kind.formula(node, scope)
        if real_position:  # spec/modifiers.md#restarts: the core runs on the real position in its cycle
            scope.body[:], result = at_real_position(scope.body, result)
        core = self.function(f"_{kind.name}{suffix}", ("t",), scope, result, kind.section)
        uses_h = _uses_h(core)
        if uses_h:
            core = Function(core.name, ("t", "h"), core.body, core.result, core.section)
            self.functions[-1] = core
        if kind.fast is not None and not real_position:
            fork = scope.fork()
            result = kind.fast(node, fork)
            if fixed is not None:
                result = _substitute_h(result, fork, fixed)
            self.fast[core.name] = Function(core.name, core.args, tuple(fork.body), result,
                                            f"{kind.section}, fast path (spec/numerics.md#fast-paths)")
        period = kind.period(node, scope.fork()) if kind.period is not None and not real_position else None
        if period is not None:
            self.periods[core.name] = period
        entry = core.name

        def inner(name: str, default_h: Expr | None) -> callable:
            def call(counter: Expr) -> Expr:
                return Apply(name, (counter, default_h) if uses_h and name == core.name else (counter,))
            return call

        table = None
        if r is not None:
            s = Scope(prefix, self.names)
            result = layers.restarts(r, s, core.name, None, floor, uses_h)
            entry = self.function(f"_restarts{suffix}", ("t",), s, result, "spec/modifiers.md#restarts",
                                  "restarts").name
            if r.period_mul != 1.0:
                table = cycles(r.period, r.period_mul, r.limit).first
        elif uses_h:  # a type with a horizon that is not the restart cycle cannot reach here: h was substituted
            raise AssertionError(f"{kind.name}: the horizon h is used but the node has neither horizon nor restarts")
        outer = [(layers.warmup, node.warmup, "warmup"), (layers.noise, node.noise, "noise")]
        clamp = (layers.clamp, node.clamp, "clamp")
        if node.clamp is not None and node.clamp.applies_to == "main":  # spec/modifiers.md: before the warm-up
            outer.insert(0, clamp)
        else:
            outer.append(clamp)
        for layer, part, section in outer:
            if part is not None:
                s = Scope(prefix, self.names)
                result = layer(part, s, inner(entry, None))  # type: ignore[operator]
                entry = self.function(f"_{section}{suffix}", ("t",), s, result, f"spec/modifiers.md#{section}",
                                      section).name
        scale = None
        if node.unit is not None:  # spec/composition.md#node-counters: the node on a counter of its own
            s = Scope(prefix, self.names)
            if node.unit == "epoch":
                scale = self.document.steps_per_epoch
                counter = t // s.int("steps_per_epoch", scale)
            else:
                per = scale = self.document.samples_per_step
                counter = imin(t, s.int("last_sample_step", T_MAX // per)) * s.int("samples_per_step", per)
            entry = self.function(f"_{node.unit}s{suffix}", ("t",), s, Apply(entry, (counter,)),
                                  "spec/composition.md#node-counters", "unit").name
        planned = PlanNode(index, node, floor, entry, horizon, table, phases, scale)
        self.nodes[index] = planned
        return planned


def _substitute_h(result: Expr, scope: Scope, fixed: Expr) -> Expr:
    """Replace the horizon argument by the node's fixed horizon in a formula (and its bindings)."""
    def go(node):  # noqa: ANN001, ANN202
        return fixed if isinstance(node, Local) and node == h else None

    scope.body[:] = [rewrite(step, go) for step in scope.body]
    return rewrite(result, go)


def lower(document: Document, momentum: bool = True) -> Plan:
    """Lower a validated document into a :class:`Plan` (library aliases are desugared first); with
    ``momentum=False`` the plan leaves out the momentum schedule."""
    core = expand(document)
    state = _Lowering(core)
    root = state.visit(core.schedule, "")
    extra = state.visit(core.momentum, "MOMENTUM_") if momentum and core.momentum is not None else None
    functions = tuple(state.functions)
    if any(isinstance(n, Apply) and n.func == NORMAL_QUANTILE for n in _nodes(functions)):
        s = Scope("", state.names)
        result = normal(s)
        functions = (Function(NORMAL_QUANTILE, ("q", "tail"), tuple(s.body), result, "spec/noise.md#normal",
                              "shared"), *functions)
        fast_path = "spec/noise.md#normal, fast path (spec/numerics.md#fast-paths)"
        for name, args, formula in ((NORMAL_QUANTILE, ("q", "tail"), normal_fast),
                                    (NORMAL_CENTRAL, ("q",), normal_central),
                                    (NORMAL_TAIL, ("q", "tail"), normal_tail)):
            fast = Scope("", state.names)
            fast_result = formula(fast)
            state.fast[name] = Function(name, args, tuple(fast.body), fast_result, fast_path, "shared")
    return Plan(root, tuple(state.nodes), functions, extra, state.fast, state.periods)  # type: ignore[arg-type]


def per_optimizer_step(plan: Plan, steps_per_epoch: int) -> Plan:
    """The plan of a document that counts epochs, for code whose counter is the optimizer's step k: every entry is
    evaluated at the epoch k // steps_per_epoch (spec/targets.md#epochs)."""
    scope = Scope("", Names())
    per = scope.int("steps_per_epoch", steps_per_epoch)
    functions = list(plan.functions)

    def counted(node: PlanNode, name: str) -> PlanNode:
        functions.append(Function(name, ("t",), (), Apply(node.entry, (t // per,)), "spec/targets.md#epochs", "unit"))
        return replace(node, entry=name)

    return replace(plan, root=counted(plan.root, "_per_epoch"), functions=tuple(functions),
                   momentum=None if plan.momentum is None else counted(plan.momentum, "_momentum_per_epoch"))
